"""``kostra beregn``: recalculate a workbook without Excel and store the values next to the formulas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "beregn",
        help="beregn en arbeidsbok uten Excel og lagre verdiene sammen med formlene",
        description="Beregner alle formler (også KOSTRA_*) og skriver en kopi der formlene står og de "
        "beregnede verdiene er lagret, slik at Excel, LibreOffice og forhåndsvisninger viser tall. "
        "Alt annet i filen (formatering, navn, validering, kommentarer, diagrammer, VBA) beholdes.",
    )
    p.add_argument("fil", type=Path, help="arbeidsboken (.xlsx eller .xlsm)")
    p.add_argument("-o", "--ut", type=Path, dest="ut", help="utfil (samme filtype som innfilen)")
    p.add_argument("--overskriv", action="store_true",
                   help="skriv over utfilen om den finnes (uten -o: skriv over innfilen)")
    from kostra_functions.engine.motor import add_argument

    add_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kostra_functions.engine.motor import recalculate
    from kostra_functions.engine.package import WorkbookError
    from kostra_functions.formatting import count

    if args.ut is None and not args.overskriv:
        raise WorkbookError("Oppgi utfil med -o UTFIL, eller --overskriv for å skrive resultatet inn i "
                            f"{args.fil}.")
    result = recalculate(args.fil, args.ut, overwrite=args.overskriv, motor=args.motor)
    calc = result.calculation
    print(f"Beregnet {count(calc.formula_cells, 'formel', 'formler')} i {result.source.name} og skrev "
          f"{result.output}.")
    spilled = [key for key, area in calc.spills.items() if area.shape != (1, 1)]
    if spilled:
        print(f"{count(len(spilled), 'formel', 'formler')} gir en tabell (dynamisk matrise) og er lagret med "
              "sine verdier.")
    if result.issues:
        print(f"{count(len(result.issues), 'celle', 'celler')} har feilverdi:", file=sys.stderr)
        for issue in result.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    return 0
