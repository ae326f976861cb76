"""Checking vouchers against the register: one voucher, a whole voucher list, or two files.

:func:`check_voucher` merges the line findings of one voucher (:func:`~kostra_functions.attestation.
rules.check_line`) per rule and people; :func:`check_vouchers` checks a whole list (register rules,
voucher rules, duplicates) into an :class:`~kostra_functions.attestation.model.AttestationReport`
that also says what could not be checked; :func:`check_files` reads both files first.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kostra_functions.attestation.catalogue import resolve_ruleset
from kostra_functions.attestation.duplicates import check_duplicates
from kostra_functions.attestation.model import (
    RECONCILE,
    AttestationReport,
    AuthorityRegister,
    Violation,
    VoucherLine,
    VoucherList,
    person_key,
)
from kostra_functions.attestation.register import read_register
from kostra_functions.attestation.register_rules import check_register
from kostra_functions.attestation.rules import check_line
from kostra_functions.attestation.vouchers import read_vouchers
from kostra_functions.rulesets import RuleSet


def check_voucher(
    lines: Sequence[VoucherLine],
    register: AuthorityRegister,
    ruleset: str | RuleSet | None = None,
    *,
    columns: frozenset[str] | None = None,
    include_register: bool = True,
) -> list[Violation]:
    """All findings for one voucher (its lines), merged per rule and people.

    With ``include_register`` the register findings about the people on the voucher are included
    (the Excel face shows them for the voucher; the CLI lists them once, under the register).
    """
    rs = resolve_ruleset(ruleset)
    totals: dict[str, float] = {}
    for line in lines:
        if line.approved_by:
            totals[person_key(line.approved_by)] = totals.get(person_key(line.approved_by), 0.0) + line.amount
    merged: dict[tuple[str, tuple[str, ...]], Violation] = {}
    for line in lines:
        total = totals.get(person_key(line.approved_by)) if line.approved_by else None
        for found in check_line(line, register, rs, columns=columns, approved_total=total):
            k = (found.rule, tuple(person_key(p) for p in found.people))
            if k in merged:
                old = merged[k]
                merged[k] = Violation(
                    old.rule,
                    old.paragraph,
                    old.title,
                    old.message,
                    old.voucher,
                    old.people,
                    old.locations + tuple(x for x in found.locations if x not in old.locations),
                )
            else:
                merged[k] = found
    out = list(merged.values())
    if include_register and lines:
        involved = {
            person_key(p)
            for line in lines
            for p in (
                line.attested_by,
                line.approved_by,
                line.entered_by,
                line.bank_approved_by,
                line.remitted_by,
            )
            if p
        }
        for found in check_register(register, rs):
            if {person_key(p) for p in found.people[:1]} & involved:  # the person the finding is about
                out.append(
                    Violation(
                        found.rule,
                        found.paragraph,
                        found.title,
                        found.message,
                        lines[0].voucher,
                        found.people,
                        found.locations,
                    )
                )
    return out



_NOT_CHECKED = {
    "disponibelt": "budsjettdekning (ANV-DEKNING): kolonnen «disponibelt» mangler",
    "registrert_av": "hvem som la inn utbetalingen i nettbanken (UTB-FULLMAKT, UTB-TO-PERSONER): "
    "kolonnen «registrert_av» mangler",
    "godkjent_av": "hvem som godkjente utbetalingen i nettbanken (UTB-FULLMAKT, UTB-TO-PERSONER): "
    "kolonnen «godkjent_av» mangler",
    "remittert_av": "hvem som remitterte (UTB-REMITTERING): kolonnen «remittert_av» mangler",
    "fakturanr": "dobbel betaling med samme fakturanummer (BILAG-DUPLIKAT): kolonnen «fakturanr» mangler; "
    "bare samme mottaker og beløp er sammenlignet",
}


def check_vouchers(
    vouchers: VoucherList, register: AuthorityRegister, ruleset: str | RuleSet | None = None
) -> AttestationReport:
    """Check a whole voucher list against the register: register findings, then per voucher."""
    rs = resolve_ruleset(ruleset)
    groups: dict[str, list[VoucherLine]] = {}
    for line in vouchers.lines:
        groups.setdefault(line.voucher, []).append(line)
    found: list[Violation] = []
    for lines in groups.values():
        found.extend(check_voucher(lines, register, rs, columns=vouchers.columns, include_register=False))
    found.extend(check_duplicates(vouchers.lines, rs))
    order = {number: i for i, number in enumerate(groups)}
    found.sort(key=lambda v: order.get(str(v.voucher), len(order)))  # stable: per voucher, rules in order
    register_found = tuple(check_register(register, rs))
    at_voucher: dict[str, tuple[Violation, ...]] = {}
    for number, lines in groups.items():
        involved = {
            person_key(p)
            for line in lines
            for p in (line.attested_by, line.approved_by, line.entered_by, line.bank_approved_by,
                      line.remitted_by)
            if p
        }
        hits = tuple(v for v in register_found if {person_key(p) for p in v.people[:1]} & involved)
        if hits:
            at_voucher[number] = hits
    not_checked = [text for col, text in _NOT_CHECKED.items() if col not in vouchers.columns]
    if "fakturanr" in vouchers.columns and "kid" not in vouchers.columns:
        not_checked.append("dobbel betaling med samme KID: kolonnen «kid» mangler")
    if not any(RECONCILE in p.roles for p in register.people.values()):
        not_checked.append("hvem som kontrollerer bankavstemmingene (UTB-BANKAVSTEMMING): ingen i registeret "
                           "har rollen «bankavstemming»")
    if "delegert_av" not in register.columns:
        not_checked.append("hvem som har delegert attestasjons- og anvisningsmyndigheten (DELEG-ATTESTASJON, "
                           "DELEG-ANVISNING): kolonnen «delegert_av» mangler i registeret")
    return AttestationReport(
        register_violations=register_found,
        voucher_violations=tuple(found),
        voucher_count=len(groups),
        line_count=len(vouchers.lines),
        people_count=len(register.people),
        not_checked=tuple(not_checked),
        sources=(vouchers.source, register.source),
        register_at_voucher=at_voucher,
    )


def check_files(
    voucher_path: str | Path,
    register_path: str | Path,
    *,
    ruleset: str | RuleSet | None = None,
    voucher_sheet: str | None = None,
    register_sheet: str | None = None,
) -> AttestationReport:
    """Read both files and check them (what ``kostra kontroller bilag`` runs)."""
    register = read_register(register_path, sheet=register_sheet, ruleset=ruleset)
    vouchers = read_vouchers(voucher_path, sheet=voucher_sheet, ruleset=ruleset)
    return check_vouchers(vouchers, register, ruleset)

