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


def _command_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__)
                  if not info.name.startswith("_"))  # helpers of a command, not commands themselves


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with only the command ``only`` (what ``main`` uses when
    the command line names one: importing every command's module would cost the start-up of each
    command the imports of all the others, pandas among them)."""
    parser = argparse.ArgumentParser(
        prog="kostra",
        description="KOSTRA-funksjoner for budsjettoppfølging: koder, avviksprognoser, fullmakter, "
        "kontroller og arbeidsbøker.",
    )
    sub = parser.add_subparsers(dest="command", metavar="kommando")
    sub.required = True
    for name in _command_modules():
        if only is not None and name != only:
            continue
        module = importlib.import_module(f"{commands.__name__}.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((w for w in words if not w.startswith("-")), None)
    only = first if first in _command_modules() and "-h" not in words[:words.index(first)] else None
    parser = build_parser(only)
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
