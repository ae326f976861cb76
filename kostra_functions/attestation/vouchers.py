"""The voucher list (bilagsliste): voucher lines built from rows or read from a file.

One row per voucher line; a voucher may have several lines. The responsibility is taken from the
column ``ansvar``, or parsed from ``kontostreng`` (:mod:`kostra_functions.accounts`). A missing
optional column means the check that needs it is not made (the report says so).
"""

from __future__ import annotations

from pathlib import Path

from kostra_functions.attestation.catalogue import resolve_ruleset
from kostra_functions.attestation.fields import CellErrors, cell_amount, cell_text, require_columns
from kostra_functions.attestation.model import VoucherLine, VoucherList
from kostra_functions.attestation.reading import Row, read_rows
from kostra_functions.cells import is_blank, to_date
from kostra_functions.errors import KostraError
from kostra_functions.rulesets import RuleSet

#: The voucher list's columns and whether each is required (``ansvar`` or ``kontostreng``).
VOUCHER_COLUMNS = {
    "bilag": True,
    "belop": True,
    "ansvar": True,
    "mottaker": True,
    "attestert_av": True,
    "anvist_av": True,
    "registrert_av": False,
    "godkjent_av": False,
    "remittert_av": False,
    "disponibelt": False,
    "tekst": False,
    "dato": False,
    "kontostreng": False,
    "fakturanr": False,
    "kid": False,
}


def vouchers_from_rows(
    header: list[str], rows: list[Row], source: str, ruleset: str | RuleSet | None = None
) -> VoucherList:
    """Build and validate a voucher list; every problem is listed with its cell."""
    require_columns(header, VOUCHER_COLUMNS, source, "Bilagslisten", alternatives={"ansvar": "kontostreng"})
    errors = CellErrors(f"Bilagslisten {source}")
    lines: list[VoucherLine] = []
    for row in rows:
        c, ref = row.cells, row.cell_ref
        voucher = cell_text(c.get("bilag"), ref["bilag"], errors, "bilagsnummeret mangler")
        amount = cell_amount(c.get("belop"), ref["belop"], errors, required=True)
        responsibility = _responsibility(row, errors, ruleset)
        payee = cell_text(c.get("mottaker"), ref["mottaker"], errors, "mottakeren mangler")
        available = cell_amount(
            c.get("disponibelt"), ref.get("disponibelt", row.where), errors, required=False
        )
        when = c.get("dato")
        parsed_date = None
        if not is_blank(when):
            try:
                parsed_date = to_date(when, "dato")
            except KostraError as exc:
                errors.add(ref["dato"], exc.message)
        if voucher and amount is not None and responsibility and payee:
            lines.append(
                VoucherLine(
                    voucher=voucher,
                    amount=amount,
                    responsibility=responsibility,
                    payee=payee,
                    attested_by=cell_text(c.get("attestert_av"), ref["attestert_av"], errors),
                    approved_by=cell_text(c.get("anvist_av"), ref["anvist_av"], errors),
                    entered_by=cell_text(c.get("registrert_av"), ref.get("registrert_av", row.where), errors),
                    bank_approved_by=cell_text(
                        c.get("godkjent_av"), ref.get("godkjent_av", row.where), errors
                    ),
                    remitted_by=cell_text(c.get("remittert_av"), ref.get("remittert_av", row.where), errors),
                    available=available,
                    text=cell_text(c.get("tekst"), ref.get("tekst", row.where), errors) or "",
                    date=parsed_date,
                    location=row.where,
                    invoice=cell_text(c.get("fakturanr"), ref.get("fakturanr", row.where), errors),
                    kid=cell_text(c.get("kid"), ref.get("kid", row.where), errors),
                )
            )
    if not rows and not errors.items:
        errors.add(source, "bilagslisten har ingen linjer")
    errors.raise_if_any()
    return VoucherList(tuple(lines), frozenset(h for h in header if h), source)


def _responsibility(row: Row, errors: CellErrors, ruleset: str | RuleSet | None) -> str | None:
    c, ref = row.cells, row.cell_ref
    if "ansvar" in c:
        return cell_text(c.get("ansvar"), ref["ansvar"], errors, "ansvaret mangler")
    from kostra_functions import accounts

    text = cell_text(c.get("kontostreng"), ref["kontostreng"], errors, "kontostrengen mangler")
    if not text:
        return None
    try:
        return accounts.parse(text, resolve_ruleset(ruleset)).responsibility
    except KostraError as exc:
        errors.add(ref["kontostreng"], exc.message)
        return None


def read_vouchers(
    path: str | Path, *, sheet: str | None = None, ruleset: str | RuleSet | None = None
) -> VoucherList:
    """Read a voucher list from CSV or XLSX (format in :mod:`kostra_functions.attestation`)."""
    header, rows, source = read_rows(path, sheet=sheet)
    return vouchers_from_rows(header, rows, source, ruleset)

