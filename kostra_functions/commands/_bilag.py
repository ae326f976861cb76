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

from kostra_functions.attestation import ATTESTATION_RULESET, check_vouchers, read_register, read_vouchers
from kostra_functions.reports.attestation import format_report, write_report_xlsx


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
