"""The ``kostra`` command.

Each subcommand lives in its own module in :mod:`kostra_functions.commands` and exposes
``register(subparsers)``; this module only discovers them, parses the command line and turns a
:class:`~kostra_functions.errors.KostraError` into a Norwegian message and exit code 2 (never a stack
trace for a user's mistake).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from kostra_functions import commands
from kostra_functions.errors import KostraError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kostra",
        description="KOSTRA-funksjoner for budsjettoppfølging: koder, avviksprognoser, fullmakter, "
        "kontroller og arbeidsbøker.",
    )
    sub = parser.add_subparsers(dest="command", metavar="kommando")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # helpers of a command, not commands themselves
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KostraError as exc:
        print(f"Feil: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Avbrutt.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
