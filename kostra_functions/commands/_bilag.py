"""``kostra kontroller bilag <fil> --register <fil> [--xlsx rapport.xlsx]``.

Checks a voucher list against the authority register (økonomireglementet §4, see
:mod:`kostra_functions.attestation`) and prints a report a controller can hand to the auditor:
register findings first, then findings grouped by voucher, each with rule id, paragraph, the rule's
title, the explanation, the people involved and the file rows. Ends with what could not be checked
and the rules with the sentence each enforces. ``--xlsx`` writes the same findings to a workbook.

Exit code: 0 no findings, 1 findings, 2 bad input (a file that cannot be read; argparse also uses 2).
"""

from __future__ import annotations

import argparse
import textwrap
from datetime import datetime
from pathlib import Path

from kostra_functions.attestation import (
    ATTESTATION_RULESET,
    AttestationReport,
    AuthorityRegister,
    Violation,
    VoucherLine,
    VoucherList,
    check_vouchers,
    read_register,
    read_vouchers,
    rule_catalogue,
)
from kostra_functions.authority import format_kroner
from kostra_functions.errors import LedgerFormatError

_WIDTH = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fil", help="bilagslisten (CSV eller XLSX); formatet står i kostra_functions/attestation/__init__.py"
    )
    parser.add_argument(
        "--register", required=True, metavar="FIL", help="fullmaktsregisteret (CSV eller XLSX)"
    )
    parser.add_argument("--xlsx", metavar="RAPPORT", help="skriv rapporten også til denne Excel-filen")
    parser.add_argument(
        "--regelsett",
        default=None,
        help=f"regelsettet (navn eller sti til TOML-fil); standard {ATTESTATION_RULESET}",
    )
    parser.add_argument("--ark", default=None, help="arket i bilagslisten (XLSX); standard første ark")
    parser.add_argument("--register-ark", default=None, help="arket i fullmaktsregisteret (XLSX)")


def run(args: argparse.Namespace) -> int:
    register = read_register(args.register, sheet=args.register_ark, ruleset=args.regelsett)
    vouchers = read_vouchers(args.fil, sheet=args.ark, ruleset=args.regelsett)
    report = check_vouchers(vouchers, register, args.regelsett)
    print(format_report(report, vouchers, register, args.regelsett or ATTESTATION_RULESET))
    if args.xlsx:
        path = write_report_xlsx(report, vouchers, register, args.xlsx, args.regelsett or ATTESTATION_RULESET)
        print(f"\nRapporten er også skrevet til {path}.")
    return 1 if report.violations else 0


def _voucher_lines(vouchers: VoucherList) -> dict[str, list[VoucherLine]]:
    out: dict[str, list[VoucherLine]] = {}
    for line in vouchers.lines:
        out.setdefault(line.voucher, []).append(line)
    return out


def _people(v: Violation, register: AuthorityRegister) -> str:
    return ", ".join(register.label(p) for p in v.people) or "–"


def _voucher_heading(number: str, lines: list[VoucherLine], register: AuthorityRegister) -> str:
    total = sum(line.amount for line in lines)
    resp = ", ".join(dict.fromkeys(line.responsibility for line in lines))
    payees = ", ".join(dict.fromkeys(register.label(line.payee) for line in lines))
    texts = "; ".join(dict.fromkeys(line.text for line in lines if line.text))
    dates = ", ".join(dict.fromkeys(f"{line.date:%d.%m.%Y}" for line in lines if line.date))
    parts = [f"BILAG {number}", format_kroner(total), f"ansvar {resp}", f"mottaker {payees}"]
    if dates:
        parts.append(dates)
    if texts:
        parts.append(f"«{texts}»")
    return " – ".join(parts)


def _ruleset_label(name: str) -> str:
    """The rule set as users know it, with the name to type: «Økonomireglementet (okonomireglement)»."""
    from kostra_functions.rulesets import load_ruleset

    shown = str(load_ruleset(name).get("regelsett.visningsnavn", "") or "")
    return f"{shown} ({name})" if shown and shown != name else name


def plural(count: int, singular: str, plural_form: str) -> str:
    """«1 linje», «2 linjer»: the count with the right form of the word."""
    return f"{count} {singular if count == 1 else plural_form}"


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _finding(v: Violation, register: AuthorityRegister, prefix: str = "") -> list[str]:
    mark = "ADVARSEL " if v.is_warning else ""
    return [
        _wrap(f"{prefix}{mark}{v.rule} ({v.paragraph}): {v.title}", "  "),
        _wrap(v.message, "      "),
        _wrap(
            f"Personer: {_people(v, register)}"
            + (f"   Kilde: {'; '.join(v.locations)}" if v.locations else ""),
            "      ",
        ),
    ]


def format_report(
    report: AttestationReport, vouchers: VoucherList, register: AuthorityRegister, ruleset_name: str
) -> str:
    """The text report, grouped by voucher, for the controller and the auditor."""
    errors = [v for v in report.voucher_violations if not v.is_warning]
    warnings = [v for v in report.voucher_violations if v.is_warning]
    lines = [
        "KONTROLL AV ATTESTASJON, ANVISNING OG UTBETALING (økonomireglementet §4)",
        f"Bilagsliste:       {vouchers.source} ({plural(report.line_count, 'linje', 'linjer')}, "
        f"{report.voucher_count} bilag)",
        f"Fullmaktsregister: {register.source} ({plural(report.people_count, 'person', 'personer')})",
        f"Regelsett:         {_ruleset_label(ruleset_name)}",
        f"Kjørt:             {datetime.now():%d.%m.%Y %H:%M}",
    ]
    groups = report.by_voucher()
    if report.violations:
        in_vouchers = len({v.voucher for v in errors})
        text = (f"Resultat:          {len(report.register_violations) + len(errors)} brudd – "
                f"{len(report.register_violations)} i fullmaktsregisteret og {len(errors)} i "
                f"{in_vouchers} bilag")
        if warnings:
            text += f"; {plural(len(warnings), 'advarsel', 'advarsler')} om mulig dobbel betaling"
        lines.append(text)
    else:
        lines.append("Resultat:          Ingen brudd funnet.")
    if report.register_violations:
        lines += ["", "FULLMAKTSREGISTERET"]
        for v in report.register_violations:
            lines += _finding(v, register)
    by_number = _voucher_lines(vouchers)
    numbers = [n for n in by_number if n in groups or n in report.register_at_voucher]
    for number in numbers:
        lines += ["", _wrap(_voucher_heading(number, by_number.get(number, []), register), "")]
        for v in groups.get(number, []):
            lines += _finding(v, register)
        for v in report.register_at_voucher.get(number, ()):
            lines += _finding(v, register, prefix="(fra registeret) ")
    if report.not_checked:
        lines += ["", "IKKE KONTROLLERT"]
        lines += [_wrap(f"- {text}", "  ") for text in report.not_checked]
    lines += ["", "REGLENE SOM ER KONTROLLERT (id, paragraf, regel og kilde)"]
    for rid, para, title, source in rule_catalogue(ruleset_name):
        lines.append(_wrap(f"{rid} ({para}): {title}. {source}", "  "))
    return "\n".join(lines)


def write_report_xlsx(
    report: AttestationReport,
    vouchers: VoucherList,
    register: AuthorityRegister,
    path: str | Path,
    ruleset_name: str,
) -> Path:
    """Write the findings (sheet «Brudd») and a summary (sheet «Oppsummering») to an XLSX file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise LedgerFormatError(f"Rapportfilen «{path}» skal ha endelsen .xlsx.")
    wb = Workbook()
    ws = wb.active
    ws.title = "Brudd"
    header = [
        "Bilag",
        "Regel",
        "Paragraf",
        "Regel (tekst)",
        "Forklaring",
        "Personer",
        "Beløp (kr)",
        "Ansvar",
        "Mottaker",
        "Kilde",
    ]
    ws.append(header)
    by_number = _voucher_lines(vouchers)
    for v in report.register_violations:
        ws.append(
            [
                "Fullmaktsregisteret",
                v.rule,
                v.paragraph,
                v.title,
                v.message,
                _people(v, register),
                None,
                None,
                None,
                "; ".join(v.locations),
            ]
        )
    groups = report.by_voucher()
    for number in [n for n in by_number if n in groups or n in report.register_at_voucher]:
        found = [*groups.get(number, []), *report.register_at_voucher.get(number, ())]
        lines = by_number.get(number, [])
        total = sum(line.amount for line in lines)
        resp = ", ".join(dict.fromkeys(line.responsibility for line in lines))
        payees = ", ".join(dict.fromkeys(line.payee for line in lines))
        for v in found:
            ws.append(
                [
                    number,
                    ("ADVARSEL " if v.is_warning else "")
                    + v.rule
                    + (" (fra registeret)" if v.voucher is None else ""),
                    v.paragraph,
                    v.title,
                    v.message,
                    _people(v, register),
                    total,
                    resp,
                    payees,
                    "; ".join(v.locations),
                ]
            )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJ", (18, 22, 12, 45, 70, 30, 14, 12, 24, 40), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "#,##0.00"
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    summary = wb.create_sheet("Oppsummering")
    rows = [
        ["Kontroll av attestasjon, anvisning og utbetaling (økonomireglementet §4)"],
        ["Bilagsliste", vouchers.source],
        ["Fullmaktsregister", register.source],
        ["Regelsett", ruleset_name],
        ["Kjørt", datetime.now().strftime("%d.%m.%Y %H:%M")],
        ["Linjer", report.line_count],
        ["Bilag", report.voucher_count],
        ["Personer i registeret", report.people_count],
        ["Brudd i registeret", len(report.register_violations)],
        ["Brudd i bilag", sum(1 for v in report.voucher_violations if not v.is_warning)],
        ["Advarsler (mulig dobbel betaling)", sum(1 for v in report.voucher_violations if v.is_warning)],
        [],
        ["Ikke kontrollert"],
        *[["", text] for text in report.not_checked],
        [],
        ["Regel", "Paragraf", "Tittel", "Kilde"],
        *[list(r) for r in rule_catalogue(ruleset_name)],
    ]
    for r in rows:
        summary.append(r)
    summary["A1"].font = Font(bold=True)
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 40
    summary.column_dimensions["C"].width = 60
    from kostra_functions.safety import atomic_path, text_cells

    for sheet in (ws, summary):  # voucher texts, ids and names are stored as text, never as formulas
        for cells in sheet.iter_rows():
            text_cells(cells)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(target) as tmp:  # written next to the target and renamed: never half a file
            wb.save(tmp)
    except OSError as exc:
        raise LedgerFormatError(f"Kan ikke skrive rapporten til «{path}»: {exc}.") from exc
    return target
