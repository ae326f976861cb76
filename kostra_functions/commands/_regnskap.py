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
    from kostra_functions.controls.table import RecordTable
    from kostra_functions.ssb_file import Record, Submission


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fil", help="SSB-fil (fast bredde, 48 tegn per post) eller hovedbokseksport")
    parser.add_argument("--aar", type=int, help="regnskapsår (årgang); standard: fra første post i en "
                        "SSB-fil, fra periodene i en hovedbok")
    parser.add_argument("--kvartal", help="1–4 for kvartalsrapportering; tomt = årsregnskap "
                        "(for SSB-fil: standard fra første post)")
    parser.add_argument("--region", help="SSBs regionkode, 6 sifre (f.eks. 030105 for en bydel i Oslo); "
                        "standard: fra første post i en SSB-fil, ellers fra regelsettet")
    parser.add_argument("--skjema", help="0A, 0B, 0M eller 0N (også 0AK1–0AK4/0BK1–0BK4); "
                        "for SSB-fil: standard fra første post, ellers 0A")
    parser.add_argument("--orgnr", help="organisasjonsnummer som SSB forventer (kontroll 007); flere "
                        "skilt med komma")
    parser.add_argument("--foretaksnr", help="foretaksnummer som SSB forventer (kontroll 008); flere "
                        "skilt med komma")
    parser.add_argument("--regelsett",
                        help="regelsettet for kontostrengen i en hovedbok (standard oslo_bydel)")


_ASK = {
    "aar": ("regnskapsåret", "--aar (f.eks. --aar 2023)"),
    "region": ("regionen", "--region med SSBs regionkode på seks siffer (f.eks. --region 030105 for en bydel "
               "i Oslo, 110300 for Stavanger)"),
}


def _ask(missing: list[str], why: str = "") -> InvalidArgumentError:
    """One message naming everything missing and how to give it."""
    names = " og ".join(_ASK[m][0] for m in missing)
    options = " og ".join(_ASK[m][1] for m in missing)
    return InvalidArgumentError(f"{names[0].upper()}{names[1:]} mangler{why}. Oppgi {options}.")


def submission_for(
    args: argparse.Namespace, first: object | None = None, *, year: int | None = None,
    region: str | None = None, region_note: str = "",
) -> Submission:
    """The expected submission: arguments first, then the first record of an SSB file, then what the
    ledger and the rule set say (``year``, ``region``). Everything missing is asked for at once."""
    from kostra_functions.ssb_file import Record, Submission

    rec = first if isinstance(first, Record) else None
    skjema = args.skjema or (rec.skjema if rec else "0A")
    if args.aar is not None:
        year = args.aar
    elif rec is not None:
        if not rec.aargang.isdigit():
            raise InvalidArgumentError(
                f"Årgangen «{rec.aargang}» i første post er ikke et årstall; oppgi --aar."
            )
        year = int(rec.aargang)
    quarter = args.kvartal
    quarter_in_form = bool(args.skjema) and len(args.skjema.strip()) == 4  # 0AK2: the form says it
    if quarter is None and rec is not None and not quarter_in_form:
        quarter = rec.kvartal
    region = args.region or (rec.region if rec else None) or region
    missing = [name for name, value in (("aar", year), ("region", region)) if not value]
    if missing:
        raise _ask(missing, region_note if not region else "")
    return Submission.create(skjema=skjema, year=year, quarter=quarter, region=region,
                             orgnr=args.orgnr, foretaksnr=getattr(args, "foretaksnr", None))


def _ruleset_region(name: str | None) -> tuple[str | None, str]:
    """The region the rule set names, unless it is Oslo (a district reports under its own code)."""
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset

    rs = load_ruleset(name or DEFAULT_RULESET)
    region = str(rs.get("regelsett.region", "") or "").strip()
    if region.startswith("0301"):
        return None, (f": regelsettet «{rs.name}» gjelder Oslo kommune ({region}), og en bydel rapporterer "
                      "med sin egen regionkode 030101–030115")
    return region or None, ""


def ledger_records(path: Path, args: argparse.Namespace) -> tuple[list[Record], Submission]:
    """Records (as ``kostra ssbfil`` would write them) and the submission for a ledger export.

    The year comes from ``--aar`` or the ledger's periods, the region from ``--region`` or the rule
    set (as ``kostra prognose`` does); whatever is still missing is asked for in one message.
    """
    from kostra_functions.ssb_file import Record, amounts_from_frame, records_from_amounts

    try:
        from kostra_functions.ledger import read_ledger
    except ImportError:
        raise LedgerFormatError(
            "Filen er ikke en SSB-fil, og hovedbokslesingen (kostra_functions.ledger) er ikke "
            "tilgjengelig i denne versjonen.", where=str(path)
        ) from None
    region, note = (None, "") if args.region else _ruleset_region(getattr(args, "regelsett", None))
    frame = read_ledger(path)
    submission = submission_for(args, year=frame.attrs.get("aar"), region=region, region_note=note)
    amounts = amounts_from_frame(frame, year=submission.year, ruleset=getattr(args, "regelsett", None))
    texts = records_from_amounts(amounts, submission)
    return [Record(i, t) for i, t in enumerate(texts, start=1)], submission


def read_ssb_table(path: Path) -> tuple[RecordTable, Record]:
    """The records of an SSB file as columns (line numbers as in the file), and its first record."""
    from kostra_functions.controls.table import record_table
    from kostra_functions.ssb_file import Record, read_ssb_lines

    numbers, texts = read_ssb_lines(path)
    return record_table(numbers, texts), Record(numbers[0], texts[0])


def run(args: argparse.Namespace) -> int:
    from kostra_functions.controls import blocks_submission, run_controls
    from kostra_functions.controls.report import render_report
    from kostra_functions.controls.table import record_table
    from kostra_functions.ssb_file import looks_like_ssb_file

    path = Path(args.fil)
    if not path.is_file():
        raise LedgerFormatError("Filen finnes ikke.", where=str(path))
    if looks_like_ssb_file(path):
        table, first = read_ssb_table(path)
        submission = submission_for(args, first)
        source = f"{path} (SSB-fil)"
    else:
        records, submission = ledger_records(path, args)
        table = record_table([r.line for r in records], [r.text for r in records])
        source = f"{path} (hovedbok, samlet og avrundet til 1000 kr)"
    findings = run_controls(table, submission)
    print(render_report(findings, submission, source=source, records=len(table)))
    return 1 if blocks_submission(findings) else 0
