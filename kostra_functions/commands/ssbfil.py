"""``kostra ssbfil <hovedbok> -o <fil>``: write a ledger export as SSB's KOSTRA accounting file.

Ledger lines are summed per (kontoklasse, funksjon, KOSTRA art) in øre and rounded to whole
1000 kr, half away from zero (:mod:`kostra_functions.ssb_file`); sums that round to 0 are left out.
``--kontroller`` runs SSB's controls on the written file right away (exit code as
``kostra kontroller regnskap``).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ssbfil", help="skriv en hovedbokseksport som SSBs KOSTRA-regnskapsfil (1000 kr)")
    p.add_argument("hovedbok", help="hovedbokseksport (CSV/XLSX) som kostra_functions.ledger kan lese")
    p.add_argument("-o", "--ut", required=True, help="filen som skal skrives")
    p.add_argument("--aar", type=int, required=True, help="regnskapsår (årgang), f.eks. 2023")
    p.add_argument("--region", required=True, help="SSBs regionkode, 6 sifre (030105 for en bydel i Oslo)")
    p.add_argument("--kvartal", help="1–4 for kvartalsrapportering; tomt = årsregnskap")
    p.add_argument("--skjema", default="0A", help="0A (standard) eller 0M; 0AK1–0AK4 for kvartal")
    p.add_argument("--orgnr", help="organisasjonsnummer (9 sifre), valgfritt for 0A")
    p.add_argument("--regelsett", help="regelsettet for kontostrengen (standard oslo_bydel)")
    p.add_argument("--kontroller", action="store_true", help="kjør SSBs kontroller på filen etterpå")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kostra_functions.commands._regnskap import ledger_records
    from kostra_functions.ssb_file import write_ssb_file

    args.fil = args.hovedbok
    records, submission = ledger_records(Path(args.hovedbok), args)
    target = write_ssb_file(args.ut, [r.text for r in records])
    print(f"Skrev {len(records)} poster ({submission.label}) til {target}. Beløp i hele 1000 kr, "
          "avrundet per kontoklasse/funksjon/art; linjer som avrundes til 0 er utelatt.")
    if not args.kontroller:
        return 0
    from kostra_functions.controls import blocks_submission, run_controls
    from kostra_functions.controls.report import render_report

    findings = run_controls(records, submission)
    print()
    print(render_report(findings, submission, source=str(target), records=len(records)))
    return 1 if blocks_submission(findings) else 0
