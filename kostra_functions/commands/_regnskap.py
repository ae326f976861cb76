"""``kostra kontroller regnskap <fil>``: SSB's KOSTRA accounting controls on an SSB file or a ledger export.

The file type is detected: a fixed-width SSB accounting file (:mod:`kostra_functions.ssb_file`) is
controlled as it is; any other file is read as a ledger export (:mod:`kostra_functions.ledger`),
aggregated and rounded to 1000 kr exactly as ``kostra ssbfil`` would write it, and then controlled.
The report lists control number, severity, message and line numbers like SSB's report.

Exit codes: 0 = the file may be submitted (no FATAL/FEIL; warnings allowed), 1 = FATAL or FEIL found,
2 = the input could not be read or the arguments are wrong (raised as KostraError, see ``cli.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from kostra_functions.errors import InvalidArgumentError, LedgerFormatError

if TYPE_CHECKING:
    from kostra_functions.ssb_file import Record, Submission


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fil", help="SSB-fil (fast bredde, 48 tegn per post) eller hovedbokseksport")
    parser.add_argument("--aar", type=int, help="regnskapsår (årgang); for SSB-fil: standard fra første post")
    parser.add_argument("--kvartal", help="1–4 for kvartalsrapportering; tomt = årsregnskap "
                        "(for SSB-fil: standard fra første post)")
    parser.add_argument("--region", help="SSBs regionkode, 6 sifre (f.eks. 030105 for en bydel i Oslo); "
                        "for SSB-fil: standard fra første post")
    parser.add_argument("--skjema", help="0A, 0B, 0M eller 0N (også 0AK1–0AK4/0BK1–0BK4); "
                        "for SSB-fil: standard fra første post, ellers 0A")
    parser.add_argument("--orgnr", help="organisasjonsnummer som SSB forventer (kontroll 007)")
    parser.add_argument("--regelsett",
                        help="regelsettet for kontostrengen i en hovedbok (standard oslo_bydel)")


def submission_for(args: argparse.Namespace, first: object | None = None) -> Submission:
    """The expected submission: arguments first, then the first record of an SSB file."""
    from kostra_functions.ssb_file import Record, Submission

    rec = first if isinstance(first, Record) else None
    skjema = args.skjema or (rec.skjema if rec else "0A")
    year = args.aar
    if year is None and rec is not None:
        if not rec.aargang.isdigit():
            raise InvalidArgumentError(
                f"Årgangen «{rec.aargang}» i første post er ikke et årstall; oppgi --aar."
            )
        year = int(rec.aargang)
    if year is None:
        raise InvalidArgumentError("Regnskapsåret mangler; oppgi --aar, f.eks. --aar 2023.")
    quarter = args.kvartal
    quarter_in_form = bool(args.skjema) and len(args.skjema.strip()) == 4  # 0AK2: the form says it
    if quarter is None and rec is not None and not quarter_in_form:
        quarter = rec.kvartal
    region = args.region or (rec.region if rec else None)
    if not region:
        raise InvalidArgumentError("Regionen mangler; oppgi --region, f.eks. --region 030105 for en bydel.")
    return Submission.create(skjema=skjema, year=year, quarter=quarter, region=region, orgnr=args.orgnr)


def ledger_records(path: Path, args: argparse.Namespace) -> tuple[list[Record], Submission]:
    """Records (as ``kostra ssbfil`` would write them) and the submission for a ledger export."""
    from kostra_functions.ssb_file import Record, amounts_from_frame, records_from_amounts

    submission = submission_for(args)
    try:
        from kostra_functions.ledger import read_ledger
    except ImportError:
        raise LedgerFormatError(
            "Filen er ikke en SSB-fil, og hovedbokslesingen (kostra_functions.ledger) er ikke "
            "tilgjengelig i denne versjonen.", where=str(path)
        ) from None
    frame = read_ledger(path)
    amounts = amounts_from_frame(frame, year=submission.year, ruleset=getattr(args, "regelsett", None))
    texts = records_from_amounts(amounts, submission)
    return [Record(i, t) for i, t in enumerate(texts, start=1)], submission


def run(args: argparse.Namespace) -> int:
    from kostra_functions.controls import blocks_submission, run_controls
    from kostra_functions.controls.report import render_report
    from kostra_functions.ssb_file import looks_like_ssb_file, read_ssb_file

    path = Path(args.fil)
    if not path.is_file():
        raise LedgerFormatError("Filen finnes ikke.", where=str(path))
    if looks_like_ssb_file(path):
        ssb = read_ssb_file(path)
        records = list(ssb.records)
        submission = submission_for(args, records[0])
        source = f"{path} (SSB-fil)"
    else:
        records, submission = ledger_records(path, args)
        source = f"{path} (hovedbok, samlet og avrundet til 1000 kr)"
    findings = run_controls(records, submission)
    print(render_report(findings, submission, source=source, records=len(records)))
    return 1 if blocks_submission(findings) else 0
