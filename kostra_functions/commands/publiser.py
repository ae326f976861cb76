"""``kostra publiser``: a values-only copy of a workbook for readers without the add-in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publiser",
        help="lag en kopi med verdier i stedet for formler (for lesere uten tillegget)",
        description="Skriver en kopi der alle formler er erstattet av verdiene sine, med formateringen "
        "beholdt, slik at den som ikke har KOSTRA-tillegget aldri ser #NAVN?.",
    )
    p.add_argument("fil", type=Path, help="arbeidsboken (.xlsx eller .xlsm)")
    p.add_argument("-o", "--ut", type=Path, required=True, dest="ut", help="utfil")
    p.add_argument("--overskriv", action="store_true", help="skriv over utfilen om den finnes")
    p.add_argument("--bruk-lagrede", action="store_true",
                   help="bruk verdiene som er lagret i filen i stedet for å beregne på nytt")
    p.add_argument("--pdf", action="store_true",
                   help="lag også en PDF av rapportarkene (til bydelsutvalget) ved siden av utfilen; "
                   "krever LibreOffice")
    from kostra_functions.engine.motor import add_argument

    add_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kostra_functions.engine.publish import publish
    from kostra_functions.formatting import count

    result = publish(args.fil, args.ut, overwrite=args.overskriv, recalculate=not args.bruk_lagrede,
                     motor=args.motor)
    print(f"Skrev {result.output} med {count(result.formulas_replaced, 'formel', 'formler')} erstattet av "
          "verdier.")
    if args.pdf:
        pdf = write_pdf(Path(result.output))
        print(f"Skrev {pdf}")
    for warning in result.warnings:
        print(f"Advarsel: {warning}", file=sys.stderr)
    if result.issues:
        print(f"{count(len(result.issues), 'celle', 'celler')} har feilverdi (vises som feil i kopien):",
              file=sys.stderr)
        for issue in result.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    return 0


def write_pdf(published: Path) -> Path:
    """The committee's PDF of a published copy: the report sheets (those before «Oppsett»)."""
    import openpyxl

    from kostra_functions.engine.libreoffice import to_pdf

    names = openpyxl.load_workbook(published, read_only=True).sheetnames
    reports = names[: names.index("Oppsett")] if "Oppsett" in names else names
    return to_pdf(published, published.with_suffix(".pdf"), sheets=reports)
