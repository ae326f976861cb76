"""``kostra funksjoner``: list every Excel function in the table with its Norwegian help."""

from __future__ import annotations

import argparse
import textwrap

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.excel.spec import ExcelFunction


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("funksjoner", help="vis alle KOSTRA_*-funksjonene med hjelpetekst")
    p.add_argument("navn", nargs="?", help="vis bare denne funksjonen (f.eks. KOSTRA_NAVN)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kostra_functions.excel.functions import iter_functions

    rows = [find(args.navn)] if args.navn else list(iter_functions())
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


def find(name: str) -> ExcelFunction:
    """The function a user means: ``KOSTRA_AVVIK``, ``kostra_avvik``, ``KOSTRA.AVVIK`` or just ``avvik``."""
    from kostra_functions.cli import did_you_mean
    from kostra_functions.excel.functions import FUNCTIONS

    key = name.strip().upper().replace(".", "_").replace("-", "_").replace(" ", "_")
    for candidate in (key, f"KOSTRA_{key}"):
        if candidate in FUNCTIONS:
            return FUNCTIONS[candidate]
    short = {n.removeprefix("KOSTRA_"): n for n in FUNCTIONS}
    hint = did_you_mean(key.removeprefix("KOSTRA_"), list(short))
    hint = hint.replace("«", "«KOSTRA_") if hint else " Skriv «kostra funksjoner» for å se alle."
    raise InvalidArgumentError(f"Funksjonen «{name}» finnes ikke.{hint}")
