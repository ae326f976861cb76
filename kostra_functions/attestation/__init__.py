"""Attestation, payment approval (anvisning) and payment: segregation of duties (økonomireglementet §4).

A voucher list is checked against an authority register (fullmaktsregister). Every rule is a small
named check with an id and the paragraph it enforces; ids, paragraphs, titles, role words and the
positions the rules single out (rådmann, ordfører, økonomisjef) come from the rule set's
``[attestasjon]`` tables, so a municipality can rename or switch off (``aktiv = false``) a rule.

Register rules (one finding per person):

* ``UTB-ROLLER`` §4.3: «Personer som har utbetalingsfullmakt skal hverken ha attestasjons- eller
  anvisningsmyndighet.»
* ``UTB-BANKAVSTEMMING`` §4.3: «Bankavstemmingene kontrolleres av en som ikke har
  utbetalingsfullmakt.» (role ``bankavstemming`` together with ``utbetaling``);
* ``ANV-OKONOMISJEF`` §4.2: «Anvisningsmyndighet kan ikke overdras eller delegeres til økonomisjef.»
* ``DELEG-ANVISNING`` §4.2 and ``DELEG-ATTESTASJON`` §4.1 (only with the column ``delegert_av``):
  approval authority traced back through ``delegert_av`` to the head of the administration
  (``[attestasjon.delegering] opphav``: the rådmann, in a district the bydelsdirektør) within
  ``maks_ledd`` links, never more responsibilities or a higher limit than the delegator's; attest
  authority issued by a superior with approval authority («sine medarbeidere»).

List rules (over the whole voucher list, :func:`check_duplicates`): ``BILAG-DUPLIKAT`` §4.1 «… at
fakturaen/varen ikke er betalt/behandlet tidligere» – same payee, amount and invoice number or KID
as an earlier voucher; ``BILAG-MULIG-DUPLIKAT`` (a warning): same payee and invoice number with
another amount, or same payee and amount with another/no invoice number within 14 days.

Voucher rules (per voucher line; one finding per voucher, rule and people):

* ``ATT-MANGLER`` / ``ANV-MANGLER``: not attested / not approved;
* ``ATT-FULLMAKT``: the attestant has no attest authority for the responsibility («Alle som innehar
  anvisningsmyndighet, innehar samtidig attestasjonsmyndighet», so approvers may attest);
* ``ATT-EGEN``: attested own bill; ``ATT-ANV-SAMME``: attested and approved by the same person;
* ``ANV-FULLMAKT``: the approver has no approval authority for the responsibility (an ordfører
  approving the rådmann's bill has it by §4.2 itself); ``ANV-BELOPSGRENSE``: the voucher's sum of
  lines approved by that person is over the person's limit (equal to the limit is allowed);
* ``ANV-DEKNING``: the line's amount is larger than the available budget (column ``disponibelt``);
* ``ANV-EGEN``, ``ANV-NAERSTAENDE`` (payee listed as a close relative, either way round),
  ``ANV-OVERORDNET`` (payee is above the approver in the ``leder`` chain),
  ``ANV-ORDFORER-RADMANN`` (the rådmann's bills are approved by the ordfører and vice versa);
* ``UTB-ATTESTERT-ANVIST`` §4.3: the attestant or approver has payment authority (reported as this
  segregation breach, not as missing attest/approval authority);
* ``UTB-FULLMAKT``: entered or approved in the online bank by someone without payment authority;
  ``UTB-TO-PERSONER``: entered and approved by the same person, or only one of them filled in;
  ``UTB-REMITTERING``: the person who remitted has payment authority.

File formats (CSV with ``;``, ``,`` or tab, UTF-8 or Windows-1252; or XLSX, first sheet unless
named). Headers are case-insensitive; ``æ ø å`` may be written ``ae o a``; spaces or ``_``.

**Fullmaktsregister** – one row per person:

========== ======= ================================================================================
kolonne    påkrevd innhold
========== ======= ================================================================================
person     ja      the person's id (initials, employee no.), unique; used in the voucher list
navn       nei     full name (shown in the report)
stilling   nei     position; «rådmann», «ordfører», «økonomisjef» are recognised (rule set)
roller     ja      comma-separated: attestasjon, anvisning, utbetaling, bankavstemming (blank = none)
ansvar     ja      responsibilities for attest/approval: «330, 331», ranges «300-399», «*» = all
beløpsgrense nei   highest voucher sum the person may approve, kroner (blank = no limit)
leder      nei     the person id of the nearest superior (builds the chain of superiors)
nærstående nei     comma-separated payee ids (person ids, supplier ids) of close relatives
delegert_av nei    the person id of who issued the person's attest/approval authority
========== ======= ================================================================================

**Bilagsliste** – one row per voucher line (a voucher may have several lines):

============= ======= =============================================================================
kolonne       påkrevd innhold
============= ======= =============================================================================
bilag         ja      voucher number
beløp         ja      kroner, expenses positive («12 500,00» accepted)
ansvar        ja*     responsibility charged (*or a column «kontostreng» to take it from)
mottaker      ja      payee id: a person id from the register for bills to a person, else supplier
attestert_av  ja      person id (blank cell = not attested)
anvist_av     ja      person id (blank cell = not approved)
registrert_av nei     who entered the payment in the online bank
godkjent_av   nei     who approved the payment in the online bank
remittert_av  nei     who remitted (sent the payment file)
disponibelt   nei     available budget on the responsibility before this line, kroner
tekst, dato   nei     shown in the report (dato also bounds near duplicates)
fakturanr     nei     the supplier's invoice number (duplicate check)
kid           nei     the payment's KID (duplicate check)
============= ======= =============================================================================

A missing optional column means that check is not made; the report says so.

The package, one job per module: :mod:`~kostra_functions.attestation.model` (register, voucher
lines, findings), :mod:`~kostra_functions.attestation.catalogue` (the rule set's tables),
:mod:`~kostra_functions.attestation.reading` and :mod:`~kostra_functions.attestation.fields` (files
and ranges to rows, cells to values), :mod:`~kostra_functions.attestation.register` (the register),
:mod:`~kostra_functions.attestation.register_rules` (one function per register rule,
``@register_rule("UTB-ROLLER")``), :mod:`~kostra_functions.attestation.vouchers` (the voucher list),
:mod:`~kostra_functions.attestation.rules` (one function per voucher rule, ``@voucher_rule("ATT-EGEN")``),
:mod:`~kostra_functions.attestation.duplicates` (duplicate payments) and
:mod:`~kostra_functions.attestation.checks` (a voucher, a list, two files).
"""

from __future__ import annotations

from kostra_functions.attestation.catalogue import ATTESTATION_RULESET, rule_catalogue
from kostra_functions.attestation.checks import check_files, check_voucher, check_vouchers
from kostra_functions.attestation.duplicates import check_duplicates
from kostra_functions.attestation.model import (
    AttestationReport,
    AuthorityRegister,
    Person,
    Responsibilities,
    Violation,
    VoucherLine,
    VoucherList,
)
from kostra_functions.attestation.reading import read_rows, rows_from_range
from kostra_functions.attestation.register import read_register, register_from_rows
from kostra_functions.attestation.register_rules import check_register
from kostra_functions.attestation.rules import check_line
from kostra_functions.attestation.vouchers import read_vouchers, vouchers_from_rows

__all__ = [
    "ATTESTATION_RULESET",
    "AttestationReport",
    "AuthorityRegister",
    "Person",
    "Responsibilities",
    "Violation",
    "VoucherLine",
    "VoucherList",
    "check_duplicates",
    "check_files",
    "check_line",
    "check_register",
    "check_voucher",
    "check_vouchers",
    "read_register",
    "read_rows",
    "read_vouchers",
    "register_from_rows",
    "rows_from_range",
    "rule_catalogue",
    "vouchers_from_rows",
]
