"""``kostra sjekk``: recalculate committed workbooks and fail on any difference or error value."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

MAX_SHOWN = 50


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sjekk",
        help="beregn arbeidsbøkene på nytt og feil hvis en lagret verdi avviker eller en celle har feilverdi",
        description="Beregner hver .xlsx/.xlsm i mappen på nytt (uten å skrive noe) og sammenligner med "
        "verdiene som er lagret i filen. Avslutter med kode 1 og viser hver celle som avviker.",
    )
    p.add_argument("mappe", nargs="?", type=Path, default=Path("workbooks"),
                   help="mappe eller fil (standard: workbooks/)")
    p.add_argument("--jobber", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                   help="antall prosesser som arbeider samtidig")
    from kostra_functions.engine.motor import add_argument

    add_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kostra_functions.engine.check import check_folder
    from kostra_functions.formatting import count, whole

    results = check_folder(args.mappe, jobs=args.jobber, motor=args.motor)
    if not results:
        print(f"Fant ingen arbeidsbøker i {args.mappe}.", file=sys.stderr)
        return 1
    failed = 0
    for r in results:
        if r.ok:
            print(f"OK   {r.path} ({count(r.formula_cells, 'formel', 'formler')})")
            continue
        failed += 1
        print(f"FEIL {r.path}", file=sys.stderr)
        if r.error:
            print(f"  {r.error}", file=sys.stderr)
        for d in r.differences[:MAX_SHOWN]:
            print(f"  {d}", file=sys.stderr)
        if len(r.differences) > MAX_SHOWN:
            print(f"  … og {count(len(r.differences) - MAX_SHOWN, 'celle', 'celler')} til", file=sys.stderr)
        for issue in r.issues[:MAX_SHOWN]:
            print(f"  {issue}", file=sys.stderr)
    if failed:
        print(f"{whole(failed)} av {count(len(results), 'arbeidsbok', 'arbeidsbøker')} stemmer ikke. Kjør "
              "«kostra regenerer» på nytt og sjekk inn resultatet.", file=sys.stderr)
        return 1
    print("Arbeidsboken stemmer." if len(results) == 1
          else f"Alle {whole(len(results))} arbeidsbøkene stemmer.")
    return 0
