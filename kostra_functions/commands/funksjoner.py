"""``kostra funksjoner``: list every Excel function in the table with its Norwegian help."""

from __future__ import annotations

import argparse
import textwrap


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("funksjoner", help="vis alle KOSTRA_*-funksjonene med hjelpetekst")
    p.add_argument("navn", nargs="?", help="vis bare denne funksjonen (f.eks. KOSTRA_NAVN)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kostra_functions.excel.functions import get, iter_functions

    rows = [get(args.navn)] if args.navn else list(iter_functions())
    for fn in rows:
        print(fn.signature)
        print(textwrap.indent(textwrap.fill(fn.details or fn.help, 96), "    "))
        for arg in fn.args:
            label = f"{arg.signature} ({arg.type_word})"
            text = textwrap.fill(f"{label}: {arg.help}", 96, subsequent_indent="  ")
            print(textwrap.indent(text, "      "))
        if fn.example:
            print(f"    Eksempel: {fn.example}")
        print()
    return 0
