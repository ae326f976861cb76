"""``kostra regenerer``: fill the templates with each district's exports and write the workbooks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "regenerer",
        help="fyll malene med hver bydels regnskap og budsjett, beregn og skriv arbeidsbøkene",
        description="Leser hver bydels eksport (en undermappe per bydel i datamappen), fyller malene, "
        "beregner dem og skriver <ut>/<bydel>/<mal>_<år>-<periode>.xlsx med formler og verdier.",
    )
    p.add_argument("--data", type=Path, help="datamappen (standard: eksempeldataene)")
    p.add_argument("--periode", type=int, help="periode 1–13 (standard: siste periode med regnskap)")
    p.add_argument("--aar", type=int, help="regnskapsåret (standard: nyeste år i datamappen)")
    p.add_argument("--ut", type=Path, default=Path("workbooks"), help="utmappen (standard: workbooks/)")
    p.add_argument("--maler", help="bare disse malene, skilt med komma (standard: alle)")
    p.add_argument("--maler-mappe", type=Path, help="malmappen (standard: templates/ i prosjektet)")
    p.add_argument("--jobber", type=int, default=max(1, min(4, (os.cpu_count() or 1))),
                   help="antall prosesser som arbeider samtidig")
    from kostra_functions.engine.motor import REGENERATE_DEFAULT, add_argument

    add_argument(p, default=REGENERATE_DEFAULT)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from kostra_functions import example_data
    from kostra_functions.engine.motor import REGENERATE_DEFAULT
    from kostra_functions.engine.regenerate import regenerate
    from kostra_functions.formatting import count

    data = args.data or example_data.DATA_DIR.parent
    names = [n.strip() for n in args.maler.split(",") if n.strip()] if args.maler else None

    def progress(items, total):
        return tqdm(items, total=total, desc="Arbeidsbøker", unit="bok", file=sys.stderr)

    results = regenerate(data, args.ut, period=args.periode, year=args.aar, templates=names,
                         jobs=args.jobber, templates_dir=args.maler_mappe, progress=progress,
                         motor=args.motor or REGENERATE_DEFAULT)
    failed = 0
    for r in results:
        if r.error:
            failed += 1
            print(f"FEIL {r.district} / {r.template}: {r.error}", file=sys.stderr)
        elif r.skipped:
            print(f"Hoppet over {r.district} / {r.template}: {r.skipped}")
        else:
            print(f"Skrev {r.output}")
            carried = r.carried
            if carried and carried.source and (carried.rows or carried.settings):
                what = [f"{n} rader på {k}" for k, n in carried.rows.items() if n]
                what += [f"innstillingen {k}" for k in carried.settings]
                print(f"  Beholdt det du hadde skrevet inn i {carried.source.name}: {', '.join(what)}.")
                for key, codes in carried.appended.items():
                    print(f"  Merk: {key} har rader som ikke finnes i nye data lenger ({', '.join(codes)}); "
                          "de er lagt til nederst.")
            if r.issues:
                failed += 1
                print(f"  {count(len(r.issues), 'celle', 'celler')} har feilverdi:", file=sys.stderr)
                for issue in r.issues[:20]:
                    print(f"    {issue}", file=sys.stderr)
    return 1 if failed else 0
