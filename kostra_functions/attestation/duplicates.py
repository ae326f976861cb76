"""Duplicate payments over a whole voucher list (økonomireglementet §4.1).

``BILAG-DUPLIKAT``: same payee, amount and invoice number or KID as an earlier voucher;
``BILAG-MULIG-DUPLIKAT`` (a warning): same payee and invoice number with another amount, or same
payee and amount with another or no invoice number within ``[attestasjon.duplikat] dager`` days.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kostra_functions.attestation.catalogue import resolve_ruleset, rule_table, violation
from kostra_functions.attestation.model import Violation, VoucherLine
from kostra_functions.authority import format_kroner
from kostra_functions.rulesets import RuleSet


def _payee_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _reference_key(text: str | None) -> str | None:
    """An invoice number or KID compared without spaces, punctuation and leading zeros."""
    if not text:
        return None
    key = re.sub(r"[^0-9a-zæøå]", "", text.casefold())
    key = re.sub(r"(?<![0-9])0+(?=[0-9])", "", key)  # «F-088100» = «F88100»
    return key or None


def check_duplicates(
    lines: Sequence[VoucherLine], ruleset: str | RuleSet | None = None
) -> list[Violation]:
    """§4.1 «… at fakturaen/varen ikke er betalt/behandlet tidligere», over a voucher list.

    A line is a duplicate (``BILAG-DUPLIKAT``) of an earlier line in another voucher with the same
    payee and amount and the same invoice number or the same KID (compared without spaces,
    punctuation and leading zeros). Near duplicates (``BILAG-MULIG-DUPLIKAT``, a warning): the same
    payee and invoice number with another amount, or the same payee and amount with another or no
    invoice number/KID dated at most ``[attestasjon.duplikat] dager`` apart (always, without dates).
    Amounts of 0 are not compared. The finding is reported at the later voucher.
    """
    rs = resolve_ruleset(ruleset)
    rules = rule_table(rs)
    days = int(rs.get("attestasjon.duplikat.dager"))
    out: list[Violation] = []
    reported: set[tuple[str, str, str]] = set()
    # Indexes of earlier lines, so each line is compared only with lines that share its payee and
    # amount, invoice number or KID (a year's list of 100 000 lines takes well under a second).
    by_amount: dict[tuple[str, int], list[VoucherLine]] = {}
    by_invoice: dict[tuple[str, str], list[VoucherLine]] = {}
    by_kid: dict[tuple[str, str], list[VoucherLine]] = {}

    def report(rule: str, earlier: VoucherLine, line: VoucherLine, message: str) -> None:
        key = (rule, earlier.voucher, line.voucher)
        if key in reported or not rules.active(rule):
            return
        reported.add(key)
        locations = [x for x in (earlier.location, line.location) if x]
        out.append(violation(rules, rule, message, line.voucher, [], locations))

    for line in lines:
        payee = _payee_key(line.payee)
        cents = round(line.amount * 100)
        inv, kid = _reference_key(line.invoice), _reference_key(line.kid)
        exact: set[int] = set()
        candidates: list[tuple[VoucherLine, str]] = []
        if inv is not None:
            candidates += [(e, "inv") for e in by_invoice.get((payee, inv), [])]
        if kid is not None:
            candidates += [(e, "kid") for e in by_kid.get((payee, kid), [])]
        for earlier, via in candidates:
            if earlier.voucher == line.voucher:
                continue
            if cents != 0 and round(earlier.amount * 100) == cents:
                exact.add(id(earlier))
                what = f"fakturanummer {line.invoice}" if via == "inv" else f"KID {line.kid}"
                report("BILAG-DUPLIKAT", earlier, line,
                       f"Samme mottaker ({line.payee}), beløp ({format_kroner(line.amount)}) og {what} "
                       f"som bilag {earlier.voucher}: fakturaen er behandlet før.")
            elif via == "inv":
                report("BILAG-MULIG-DUPLIKAT", earlier, line,
                       f"Samme mottaker ({line.payee}) og fakturanummer {line.invoice} som bilag "
                       f"{earlier.voucher}, men annet beløp ({format_kroner(line.amount)} mot "
                       f"{format_kroner(earlier.amount)}). Sjekk at det ikke er samme faktura.")
        if cents != 0:
            for earlier in by_amount.get((payee, cents), []):
                if earlier.voucher == line.voucher or id(earlier) in exact:
                    continue
                if (inv is not None and inv == _reference_key(earlier.invoice)) or (
                        kid is not None and kid == _reference_key(earlier.kid)):
                    continue  # reported above
                if line.date is not None and earlier.date is not None and \
                        abs((line.date - earlier.date).days) > days:
                    continue
                no_refs = not (inv or kid or earlier.invoice or earlier.kid)
                refs = "uten fakturanummer eller KID" if no_refs else "med ulikt fakturanummer/KID"
                when = ("" if line.date is None or earlier.date is None
                        else f", {abs((line.date - earlier.date).days)} dager fra hverandre")
                report("BILAG-MULIG-DUPLIKAT", earlier, line,
                       f"Samme mottaker ({line.payee}) og beløp ({format_kroner(line.amount)}) som bilag "
                       f"{earlier.voucher}, {refs}{when}. Sjekk at fakturaen ikke er betalt to ganger.")
        by_amount.setdefault((payee, cents), []).append(line)
        if inv is not None:
            by_invoice.setdefault((payee, inv), []).append(line)
        if kid is not None:
            by_kid.setdefault((payee, kid), []).append(line)
    return out

