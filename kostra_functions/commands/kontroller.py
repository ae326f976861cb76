"""``kostra kontroller``: checks a controller runs on a file.

* ``kostra kontroller bilag <fil>``: vouchers against the authority register (økonomireglementet §4);
  implemented in :mod:`kostra_functions.commands._bilag`.
* ``kostra kontroller regnskap <fil>``: SSB's KOSTRA accounting controls;
  implemented in :mod:`kostra_functions.commands._regnskap`.

Each implementation module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

_KINDS = {
    "bilag": ("_bilag", "kontroller bilagsliste mot fullmaktsregisteret (attestasjon/anvisning)"),
    "regnskap": ("_regnskap", "kjør SSBs KOSTRA-kontroller på et regnskap (SSB-fil eller hovedbok)"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kontroller", help="kontroller bilag eller regnskap")
    kinds = p.add_subparsers(dest="kind", metavar="hva")
    kinds.required = True
    for kind, (module_name, help_text) in _KINDS.items():
        kp = kinds.add_parser(kind, help=help_text)
        try:
            module = importlib.import_module(f"kostra_functions.commands.{module_name}")
        except ModuleNotFoundError:
            kp.set_defaults(func=_missing(kind))
            continue
        module.add_arguments(kp)
        kp.set_defaults(func=module.run)


def _missing(kind: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        print(f"«kostra kontroller {kind}» er ikke tilgjengelig i denne versjonen.")
        return 2

    return run
