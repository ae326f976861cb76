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
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kostra_functions.authority import format_kroner, normalise_key
from kostra_functions.cells import as_excel_error, is_blank, to_date, to_number
from kostra_functions.errors import KostraError, LedgerFormatError, RuleSetError
from kostra_functions.rulesets import RuleSet, load_ruleset

ATTESTATION_RULESET = "okonomireglement"

ATTEST = "attestasjon"
APPROVE = "anvisning"
PAY = "utbetaling"
RECONCILE = "bankavstemming"
WARNING = "advarsel"

REGISTER_COLUMNS = {
    "person": True,
    "navn": False,
    "stilling": False,
    "roller": True,
    "ansvar": True,
    "belopsgrense": False,
    "leder": False,
    "naerstaende": False,
    "delegert_av": False,
}
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
_DISPLAY = {"belop": "beløp", "belopsgrense": "beløpsgrense", "naerstaende": "nærstående"}
_MAX_LISTED_ERRORS = 25


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Responsibilities:
    """The responsibilities (ansvar) a person's authority covers: all, single codes and ranges."""

    all: bool = False
    codes: frozenset[str] = frozenset()
    ranges: tuple[tuple[int, int, int], ...] = ()  # (low, high, width)

    def covers(self, responsibility: str) -> bool:
        if self.all or responsibility in self.codes:
            return True
        if responsibility.isdigit():
            value = int(responsibility)
            return any(lo <= value <= hi and len(responsibility) == w for lo, hi, w in self.ranges)
        return False


@dataclass(frozen=True)
class Person:
    """One row of the authority register."""

    id: str
    name: str
    position: str | None  # rule-set key: "radmann", "ordforer", "okonomisjef" or None
    roles: frozenset[str]
    responsibilities: Responsibilities
    limit: float | None
    manager: str | None  # key of the nearest superior
    relatives: frozenset[str]  # keys
    location: str
    delegated_by: str | None = None  # key of who issued the person's authority (column delegert_av)

    @property
    def key(self) -> str:
        return _key(self.id)

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name and self.name != self.id else self.id

    def may_attest(self, responsibility: str) -> bool:
        """§4.1: attest authority, which every approver also holds, for this responsibility."""
        return bool(self.roles & {ATTEST, APPROVE}) and self.responsibilities.covers(responsibility)

    def may_approve(self, responsibility: str) -> bool:
        """§4.2: approval authority for this responsibility."""
        return APPROVE in self.roles and self.responsibilities.covers(responsibility)


@dataclass(frozen=True)
class AuthorityRegister:
    """The authority register: people by key, and where it was read from."""

    people: dict[str, Person]
    source: str
    columns: frozenset[str] = frozenset()

    def get(self, person_id: str | None) -> Person | None:
        return None if not person_id else self.people.get(_key(person_id))

    def label(self, person_id: str) -> str:
        person = self.get(person_id)
        return person.label if person else person_id

    def superiors(self, person_key: str) -> list[str]:
        """Keys of the person's superiors, nearest first (the ``leder`` chain)."""
        chain: list[str] = []
        current = self.people.get(person_key)
        while current is not None and current.manager and current.manager not in chain:
            chain.append(current.manager)
            current = self.people.get(current.manager)
        return chain

    def related(self, a: str, b: str) -> bool:
        """True when either person lists the other (or the other's payee id) as a close relative."""
        pa, pb = self.people.get(a), self.people.get(b)
        return bool((pa and b in pa.relatives) or (pb and a in pb.relatives))


@dataclass(frozen=True)
class VoucherLine:
    """One line of a voucher list. Amounts in kroner, expenses positive."""

    voucher: str
    amount: float
    responsibility: str
    payee: str
    attested_by: str | None = None
    approved_by: str | None = None
    entered_by: str | None = None
    bank_approved_by: str | None = None
    remitted_by: str | None = None
    available: float | None = None
    text: str = ""
    date: date | None = None
    location: str = ""
    invoice: str | None = None  # fakturanummer
    kid: str | None = None


@dataclass(frozen=True)
class VoucherList:
    """Voucher lines and which optional columns the file had."""

    lines: tuple[VoucherLine, ...]
    columns: frozenset[str]
    source: str


@dataclass(frozen=True)
class Violation:
    """One breach of a rule: the rule (id + paragraph), the voucher (None for the register) and people."""

    rule: str
    paragraph: str
    title: str
    message: str
    voucher: str | None
    people: tuple[str, ...]
    locations: tuple[str, ...] = ()
    severity: str = "brudd"  # "brudd" or "advarsel" (a near duplicate to look at)

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING


@dataclass(frozen=True)
class AttestationReport:
    """All findings of a check, and what could not be checked."""

    register_violations: tuple[Violation, ...]
    voucher_violations: tuple[Violation, ...]
    voucher_count: int
    line_count: int
    people_count: int
    not_checked: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    #: register findings about people who acted on a voucher, by voucher number (not counted again)
    register_at_voucher: dict[str, tuple[Violation, ...]] = field(default_factory=dict)

    @property
    def violations(self) -> tuple[Violation, ...]:
        return self.register_violations + self.voucher_violations

    def by_voucher(self) -> dict[str, list[Violation]]:
        """Voucher violations grouped by voucher number, in the order first seen."""
        out: dict[str, list[Violation]] = {}
        for v in self.voucher_violations:
            out.setdefault(str(v.voucher), []).append(v)
        return out


# ---------------------------------------------------------------------------------------------
# Rules from the rule set


@dataclass(frozen=True)
class _Rules:
    rules: dict[str, dict[str, Any]]
    role_words: dict[str, str]  # typed word → role
    positions: dict[str, str]  # typed word → position key

    def active(self, rule: str) -> bool:
        return bool(self.rules[rule].get("aktiv", True))


_RULE_IDS = (
    "ATT-MANGLER",
    "ATT-FULLMAKT",
    "ATT-EGEN",
    "ATT-ANV-SAMME",
    "ANV-MANGLER",
    "ANV-FULLMAKT",
    "ANV-BELOPSGRENSE",
    "ANV-DEKNING",
    "ANV-EGEN",
    "ANV-NAERSTAENDE",
    "ANV-OVERORDNET",
    "ANV-ORDFORER-RADMANN",
    "ANV-OKONOMISJEF",
    "UTB-ROLLER",
    "UTB-FULLMAKT",
    "UTB-TO-PERSONER",
    "UTB-REMITTERING",
    "UTB-BANKAVSTEMMING",
    "UTB-ATTESTERT-ANVIST",
    "BILAG-DUPLIKAT",
    "BILAG-MULIG-DUPLIKAT",
    "DELEG-ATTESTASJON",
    "DELEG-ANVISNING",
)


def _ruleset(ruleset: str | RuleSet | None) -> RuleSet:
    if isinstance(ruleset, RuleSet):
        return ruleset
    return load_ruleset(ruleset or ATTESTATION_RULESET)


#: _Rules per rule-set object (load_ruleset returns the same object while its files are unchanged),
#: so a list of 100 000 lines does not rebuild the role and position tables per line.
_RULES_CACHE: dict[int, tuple[RuleSet, _Rules]] = {}


def _rules(rs: RuleSet) -> _Rules:
    hit = _RULES_CACHE.get(id(rs))
    if hit is not None and hit[0] is rs:
        return hit[1]
    built = _build_rules(rs)
    if len(_RULES_CACHE) > 32:
        _RULES_CACHE.clear()
    _RULES_CACHE[id(rs)] = (rs, built)
    return built


def _build_rules(rs: RuleSet) -> _Rules:
    table = rs.get("attestasjon.regler")
    missing = [r for r in _RULE_IDS if not isinstance(table.get(r), dict)]
    if missing:
        raise RuleSetError(
            f"Regelsettet «{rs.name}» mangler reglene {', '.join(missing)} i [attestasjon.regler]."
        )
    roles: dict[str, str] = {}
    for role in (ATTEST, APPROVE, PAY, RECONCILE):
        for word in rs.get(f"attestasjon.roller.{role}"):
            roles[normalise_key(str(word))] = role
    positions: dict[str, str] = {}
    for pos in ("radmann", "ordforer", "okonomisjef"):
        for word in rs.get(f"attestasjon.stillinger.{pos}"):
            positions[normalise_key(str(word))] = pos
    return _Rules(rules=table, role_words=roles, positions=positions)


def rule_catalogue(ruleset: str | RuleSet | None = None) -> list[tuple[str, str, str, str]]:
    """Every active rule: (id, paragraph, title, source quote), for reports and help."""
    r = _rules(_ruleset(ruleset))
    return [
        (rid, str(r.rules[rid]["paragraf"]), str(r.rules[rid]["tittel"]), str(r.rules[rid].get("kilde", "")))
        for rid in _RULE_IDS
        if r.active(rid)
    ]


# ---------------------------------------------------------------------------------------------
# Reading tables (CSV/XLSX or an Excel range)


@dataclass(frozen=True)
class _Row:
    cells: dict[str, Any]  # normalised column → raw value
    where: str  # "fil.csv rad 5"
    cell_ref: dict[str, str]  # column → "fil.xlsx ark «X» celle C5" (or row + column name)


def _key(person_id: str) -> str:
    return person_id.strip().casefold()


#: Largest voucher list or register read (bytes); both are read whole into memory.
MAX_LIST_BYTES = 256 * 1024**2


def read_rows(path: str | Path, *, sheet: str | None = None) -> tuple[list[str], list[_Row], str]:
    """Read a CSV or XLSX file as (normalised headers, rows, display name); raises LedgerFormatError.

    The kind is decided from the file's first bytes, not its name, so an XLSX saved as ``.csv`` is
    read as XLSX; old ``.xls``, encrypted workbooks, PDF and other binary files are refused with
    advice. XLSX files pass :func:`kostra_functions.safety.check_xlsx` (zip bombs, XML entities).
    """
    p = Path(path)
    if not p.is_file():
        raise LedgerFormatError(f"Finner ikke filen «{path}».")
    size = p.stat().st_size
    if size > MAX_LIST_BYTES:
        raise LedgerFormatError(
            f"«{p.name}» er {size // 1024**2} MB, mer enn grensen på {MAX_LIST_BYTES // 1024**2} MB. Del opp "
            "listen (f.eks. per måned)."
        )
    with p.open("rb") as fh:
        magic = fh.read(8)
    suffix = p.suffix.lower()
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFormatError(
            f"«{p.name}» er lagret i det gamle Excel-formatet (.xls) eller er passordbeskyttet. Lagre den "
            "som .xlsx (uten passord) eller CSV."
        )
    if magic.startswith(b"%PDF"):
        raise LedgerFormatError(f"«{p.name}» er en PDF-fil. Eksporter listen som CSV eller .xlsx.")
    if magic.startswith(b"PK\x03\x04"):
        return _read_xlsx(p, sheet)
    if suffix in (".xlsx", ".xlsm"):
        raise LedgerFormatError(f"«{p.name}» har endelsen {p.suffix}, men er ikke en Excel-arbeidsbok.")
    if suffix in (".csv", ".txt", ""):
        if sheet:
            raise LedgerFormatError(f"«{p.name}» er en CSV-fil og har ingen ark; fjern arknavnet «{sheet}».")
        return _read_csv(p)
    raise LedgerFormatError(f"«{p.name}»: ukjent filtype «{p.suffix}»; bruk .csv eller .xlsx.")


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, max(offset, 0)) + 1


def decode_text(p: Path, raw: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without BOM) or Windows-1252; UTF-16, binary data and bytes
    Windows-1252 does not define are refused with the row (:class:`LedgerFormatError`)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerFormatError(
            f"«{p.name}» er lagret som UTF-16 («Unicode-tekst»). Lagre den som «CSV UTF-8» eller «CSV "
            "(semikolonseparert)» og prøv igjen."
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise LedgerFormatError(
            f"«{p.name}» rad {_line_of(raw, nul)}: filen inneholder binære data (NUL-tegn) og er ikke en "
            "tekstfil (CSV)."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if raw.startswith(b"\xef\xbb\xbf"):
            raise LedgerFormatError(
                f"«{p.name}» rad {_line_of(raw, exc.start)}: filen starter med UTF-8-merke (BOM), men har "
                "tegn som ikke er gyldig UTF-8. Lagre filen på nytt som «CSV UTF-8»."
            ) from None
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise LedgerFormatError(
            f"«{p.name}» rad {_line_of(raw, exc.start)}: filen er verken UTF-8 eller Windows-1252 (byte "
            f"0x{raw[exc.start]:02X}). Åpne filen i Excel og lagre som «CSV UTF-8»."
        ) from None


def check_complete(p: Path, text: str, delimiter: str) -> None:
    """Refuse a file whose last line has data but no line break: it may have been cut off.

    Every exporting program ends each row with a line break; a file that was cut off (an interrupted
    copy) does not, and «12 500,00» cut to «12» would be a plausible wrong amount.
    """
    physical = _NEWLINE.split(text)
    if physical[-1].replace(delimiter, "").replace('"', "").strip():
        raise LedgerFormatError(
            f"«{p.name}» rad {len(physical)} (siste rad) slutter uten linjeskift, så filen kan være "
            "avkortet og et beløp kuttet. Kontroller at siste rad er hel og avslutt den med linjeskift, "
            "eller eksporter filen på nytt."
        )


def _header(cells: Sequence[Any], source: str, where: str) -> list[str]:
    """Normalised header names; two columns that normalise alike are refused (never one silently)."""
    header = [normalise_key(str(c)) if not is_blank(c) else "" for c in cells]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        if h in seen:
            raise LedgerFormatError(
                f"{source} {where}: kolonnene «{str(cells[seen[h]]).strip()}» (nr. {seen[h] + 1}) og "
                f"«{str(cells[i]).strip()}» (nr. {i + 1}) betyr det samme; fjern eller gi nytt navn til den "
                "som ikke skal brukes."
            )
        seen[h] = i
    return header


_NEWLINE = re.compile(r"\r\n|\n|\r")


def _read_csv(p: Path) -> tuple[list[str], list[_Row], str]:
    raw = p.read_bytes()
    text = decode_text(p, raw)
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise LedgerFormatError(f"«{p.name}» er tom.")
    delimiter = max((";", ",", "\t"), key=lambda d: (first.count(d), d == ";"))
    check_complete(p, text, delimiter)
    # strict: a quote that never closes is an error, not the rest of the file read as one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[_Row] = []
    number = 0
    try:
        for record in reader:
            number = reader.line_num
            if not any(c.strip() for c in record):
                continue
            if header is None:
                header = _header(record, f"«{p.name}»", f"overskriftsraden (rad {number})")
                continue
            if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
                raise LedgerFormatError(
                    f"«{p.name}» rad {number} har {len(record)} felt, men overskriften har {len(header)}; "
                    f"sjekk skilletegnet («{delimiter}») og anførselstegn."
                )
            where = f"{p.name} rad {number}"
            cells = {h: (record[i] if i < len(record) else "") for i, h in enumerate(header) if h}
            refs = {h: f"{where}, kolonne «{_DISPLAY.get(h, h)}»" for h in cells}
            rows.append(_Row(cells, where, refs))
    except csv.Error as exc:
        why = ("et felt er lengre enn 131 072 tegn" if "field limit" in str(exc)
               else "et anførselstegn (\") står feil eller avsluttes aldri")
        raise LedgerFormatError(
            f"«{p.name}» rad {number + 1 if number else reader.line_num} kan ikke leses som CSV: {why}. "
            "Sjekk anførselstegnene i og etter denne raden."
        ) from None
    return header or [], rows, p.name


def _read_xlsx(p: Path, sheet: str | None) -> tuple[list[str], list[_Row], str]:
    from openpyxl.utils import get_column_letter

    from kostra_functions import safety

    wb = safety.open_xlsx(p, where=f"«{p.name}»")
    try:
        if sheet:
            if sheet not in wb.sheetnames:
                raise LedgerFormatError(
                    f"«{p.name}» har ikke arket «{sheet}»; arkene er {', '.join(wb.sheetnames)}."
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # a wrong <dimension> (A1:XFD1048576) must not pad every row
        label = f"«{p.name}» ark «{ws.title}»"
        header: list[str] | None = None
        header_at = 0
        for number, record in enumerate(safety.guarded_rows(ws.iter_rows(values_only=True), where=label),
                                        start=1):
            if not all(is_blank(c) for c in record):
                header = _header(record, label, f"overskriftsraden (rad {number})")
                header_at = number
                break
        rows: list[_Row] = []
        if header is None:
            return [], rows, f"{p.name} ark «{ws.title}»"
        width = max((i + 1 for i, h in enumerate(header) if h), default=1)
        letters = [get_column_letter(i + 1) for i in range(width)]
        body = ws.iter_rows(min_row=header_at + 1, max_col=width, values_only=True)
        for number, record in enumerate(safety.guarded_rows(body, where=label, start=header_at + 1),
                                        start=header_at + 1):
            if all(is_blank(c) for c in record):
                continue
            where = f"{p.name} ark «{ws.title}» rad {number}"
            cells = {h: (record[i] if i < len(record) else None) for i, h in enumerate(header[:width]) if h}
            refs = {h: f"{p.name} ark «{ws.title}» celle {letters[i]}{number}"
                    for i, h in enumerate(header[:width]) if h}
            rows.append(_Row(cells, where, refs))
        return header, rows, f"{p.name} ark «{ws.title}»"
    finally:
        wb.close()


def rows_from_range(table: Sequence[Sequence[Any]], name: str) -> tuple[list[str], list[_Row], str]:
    """An Excel range (first row = headers) as rows, for the Excel face."""
    body = [list(r) for r in table if not all(is_blank(c) for c in r)]
    if not body:
        raise LedgerFormatError(f"Området «{name}» er tomt.")
    header = _header(body[0], f"«{name}»", "overskriftsraden (rad 1)")
    rows = []
    for i, record in enumerate(body[1:], start=2):
        where = f"«{name}» rad {i}"
        if len(record) != len(header):
            raise LedgerFormatError(
                f"{where} har {len(record)} celler, men overskriftsraden har {len(header)}; området skal "
                "være rektangulært."
            )
        cells = {h: record[j] for j, h in enumerate(header) if h}
        rows.append(_Row(cells, where, {h: f"{where}, kolonne «{_DISPLAY.get(h, h)}»" for h in cells}))
    return header, rows, f"«{name}»"


def _require_columns(
    header: Iterable[str],
    columns: dict[str, bool],
    source: str,
    what: str,
    alternatives: dict[str, str] | None = None,
) -> None:
    present = set(header)
    missing = [
        c
        for c, required in columns.items()
        if required and c not in present and not (alternatives and alternatives.get(c) in present)
    ]
    if missing:
        names = ", ".join(f"«{_DISPLAY.get(c, c)}»" for c in missing)
        found = ", ".join(f"«{h}»" for h in header if h) or "(ingen)"
        raise LedgerFormatError(
            f"{what} {source} mangler kolonnene {names}. Fant kolonnene {found}. "
            "Se formatet i dokumentasjonen (kostra_functions/attestation.py)."
        )


class _Errors:
    def __init__(self, what: str) -> None:
        self.what = what
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:_MAX_LISTED_ERRORS]
        more = len(self.items) - len(shown)
        text = "\n  ".join(shown) + (f"\n  … og {more} feil til" if more > 0 else "")
        raise LedgerFormatError(
            f"{self.what} har {len(self.items)} feil; ingenting er kontrollert:\n  {text}"
        )


def _text(value: Any, ref: str, errors: _Errors, missing: str | None = None) -> str | None:
    """A cell as stripped text; blank is None (an error ``missing`` when given)."""
    if is_blank(value):
        if missing:
            errors.add(ref, missing)
        return None
    err = as_excel_error(value)
    if err is not None:
        errors.add(ref, f"cellen inneholder feilverdien {err.norwegian}")
        return None
    if isinstance(value, bool):
        errors.add(ref, "cellen inneholder SANN/USANN, ikke tekst")
        return None
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip()


def _amount(value: Any, ref: str, errors: _Errors, *, required: bool) -> float | None:
    if is_blank(value):
        if required:
            errors.add(ref, "beløpet mangler")
        return None
    try:
        return to_number(value, "beløp")
    except KostraError as exc:
        errors.add(ref, exc.message)
        return None


def _split_list(text: str | None) -> list[str]:
    if not text:
        return []
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def _responsibilities(text: str | None, ref: str, errors: _Errors) -> Responsibilities:
    if not text:
        return Responsibilities()
    codes: set[str] = set()
    ranges: list[tuple[int, int, int]] = []
    everything = False
    for part in _split_list(text):
        if part in ("*", "alle"):
            everything = True
        elif "-" in part:
            lo, _, hi = (s.strip() for s in part.partition("-"))
            if not (lo.isdigit() and hi.isdigit() and len(lo) == len(hi) and int(lo) <= int(hi)):
                errors.add(ref, f"«{part}» er ikke et gyldig ansvarsintervall (skriv f.eks. 300-399)")
                continue
            ranges.append((int(lo), int(hi), len(lo)))
        else:
            codes.add(part)
    return Responsibilities(everything, frozenset(codes), tuple(ranges))


def register_from_rows(
    header: list[str], rows: list[_Row], source: str, ruleset: str | RuleSet | None = None
) -> AuthorityRegister:
    """Build and validate an authority register; every problem is listed with its cell."""
    rs = _ruleset(ruleset)
    rules = _rules(rs)
    _require_columns(header, REGISTER_COLUMNS, source, "Fullmaktsregisteret")
    errors = _Errors(f"Fullmaktsregisteret {source}")
    people: dict[str, Person] = {}
    managers: dict[str, tuple[str, str]] = {}
    delegators: dict[str, tuple[str, str]] = {}
    for row in rows:
        c, ref = row.cells, row.cell_ref
        pid = _text(c.get("person"), ref["person"], errors, "personen mangler id")
        if not pid:
            continue
        if _key(pid) in people:
            errors.add(
                ref["person"], f"personen «{pid}» står flere ganger (også {people[_key(pid)].location})"
            )
            continue
        roles: set[str] = set()
        for word in _split_list(_text(c.get("roller"), ref["roller"], errors)):
            role = rules.role_words.get(normalise_key(word))
            if role is None:
                known = ", ".join(sorted(set(rules.role_words)))
                errors.add(ref["roller"], f"ukjent rolle «{word}» (kjente ord: {known})")
            else:
                roles.add(role)
        position_text = _text(c.get("stilling"), ref.get("stilling", row.where), errors)
        position = rules.positions.get(normalise_key(position_text)) if position_text else None
        limit = _amount(c.get("belopsgrense"), ref.get("belopsgrense", row.where), errors, required=False)
        if limit is not None and limit < 0:
            errors.add(ref["belopsgrense"], "beløpsgrensen kan ikke være negativ")
        manager = _text(c.get("leder"), ref.get("leder", row.where), errors)
        if manager:
            managers[_key(pid)] = (manager, ref["leder"])
        delegator = _text(c.get("delegert_av"), ref.get("delegert_av", row.where), errors)
        if delegator:
            delegators[_key(pid)] = (delegator, ref["delegert_av"])
        relatives = frozenset(
            _key(r)
            for r in _split_list(_text(c.get("naerstaende"), ref.get("naerstaende", row.where), errors))
        )
        people[_key(pid)] = Person(
            id=pid,
            name=_text(c.get("navn"), ref.get("navn", row.where), errors) or "",
            position=position,
            roles=frozenset(roles),
            responsibilities=_responsibilities(
                _text(c.get("ansvar"), ref["ansvar"], errors), ref["ansvar"], errors
            ),
            limit=limit,
            manager=_key(manager) if manager else None,
            relatives=relatives,
            location=row.where,
            delegated_by=_key(delegator) if delegator else None,
        )
    for pkey, (delegator, ref) in delegators.items():
        if _key(delegator) not in people:
            errors.add(ref, f"«{delegator}» (delegert_av) finnes ikke i registeret")
        elif _key(delegator) == pkey:
            errors.add(ref, "en person kan ikke ha delegert myndighet til seg selv")
    for pkey, (manager, ref) in managers.items():
        if _key(manager) not in people:
            errors.add(ref, f"lederen «{manager}» finnes ikke i registeret")
        elif _key(manager) == pkey:
            errors.add(ref, "en person kan ikke være sin egen leder")
    if not errors.items:
        for pkey in people:
            seen = [pkey]
            current = people[pkey].manager
            while current:
                if current in seen:
                    errors.add(
                        people[pkey].location,
                        "lederkjeden går i ring (" + " → ".join(people[k].id for k in [*seen, current]) + ")",
                    )
                    break
                seen.append(current)
                current = people[current].manager
    if not people and not errors.items:
        errors.add(source, "registeret har ingen personer")
    errors.raise_if_any()
    return AuthorityRegister(people=people, source=source, columns=frozenset(h for h in header if h))


def read_register(
    path: str | Path, *, sheet: str | None = None, ruleset: str | RuleSet | None = None
) -> AuthorityRegister:
    """Read an authority register from CSV or XLSX (format in the module docstring)."""
    header, rows, source = read_rows(path, sheet=sheet)
    return register_from_rows(header, rows, source, ruleset)


def vouchers_from_rows(
    header: list[str], rows: list[_Row], source: str, ruleset: str | RuleSet | None = None
) -> VoucherList:
    """Build and validate a voucher list; every problem is listed with its cell."""
    _require_columns(header, VOUCHER_COLUMNS, source, "Bilagslisten", alternatives={"ansvar": "kontostreng"})
    errors = _Errors(f"Bilagslisten {source}")
    lines: list[VoucherLine] = []
    for row in rows:
        c, ref = row.cells, row.cell_ref
        voucher = _text(c.get("bilag"), ref["bilag"], errors, "bilagsnummeret mangler")
        amount = _amount(c.get("belop"), ref["belop"], errors, required=True)
        responsibility = _responsibility(row, errors, ruleset)
        payee = _text(c.get("mottaker"), ref["mottaker"], errors, "mottakeren mangler")
        available = _amount(c.get("disponibelt"), ref.get("disponibelt", row.where), errors, required=False)
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
                    attested_by=_text(c.get("attestert_av"), ref["attestert_av"], errors),
                    approved_by=_text(c.get("anvist_av"), ref["anvist_av"], errors),
                    entered_by=_text(c.get("registrert_av"), ref.get("registrert_av", row.where), errors),
                    bank_approved_by=_text(c.get("godkjent_av"), ref.get("godkjent_av", row.where), errors),
                    remitted_by=_text(c.get("remittert_av"), ref.get("remittert_av", row.where), errors),
                    available=available,
                    text=_text(c.get("tekst"), ref.get("tekst", row.where), errors) or "",
                    date=parsed_date,
                    location=row.where,
                    invoice=_text(c.get("fakturanr"), ref.get("fakturanr", row.where), errors),
                    kid=_text(c.get("kid"), ref.get("kid", row.where), errors),
                )
            )
    if not rows and not errors.items:
        errors.add(source, "bilagslisten har ingen linjer")
    errors.raise_if_any()
    return VoucherList(tuple(lines), frozenset(h for h in header if h), source)


def _responsibility(row: _Row, errors: _Errors, ruleset: str | RuleSet | None) -> str | None:
    c, ref = row.cells, row.cell_ref
    if "ansvar" in c:
        return _text(c.get("ansvar"), ref["ansvar"], errors, "ansvaret mangler")
    from kostra_functions import accounts

    text = _text(c.get("kontostreng"), ref["kontostreng"], errors, "kontostrengen mangler")
    if not text:
        return None
    try:
        return accounts.parse(text, _ruleset(ruleset)).responsibility
    except KostraError as exc:
        errors.add(ref["kontostreng"], exc.message)
        return None


def read_vouchers(
    path: str | Path, *, sheet: str | None = None, ruleset: str | RuleSet | None = None
) -> VoucherList:
    """Read a voucher list from CSV or XLSX (format in the module docstring)."""
    header, rows, source = read_rows(path, sheet=sheet)
    return vouchers_from_rows(header, rows, source, ruleset)


# ---------------------------------------------------------------------------------------------
# Checks


def _violation(
    rules: _Rules,
    rule: str,
    message: str,
    voucher: str | None,
    people: Iterable[str],
    locations: Iterable[str] = (),
) -> Violation:
    r = rules.rules[rule]
    return Violation(
        rule, str(r["paragraf"]), str(r["tittel"]), message, voucher, tuple(people), tuple(locations),
        str(r.get("alvorlighet", "brudd")),
    )


def _covers_all(outer: Responsibilities, inner: Responsibilities) -> bool:
    """True when every responsibility ``inner`` covers is covered by ``outer``."""
    if outer.all:
        return True
    if inner.all:
        return False
    if not all(outer.covers(code) for code in inner.codes):
        return False
    for lo, hi, width in inner.ranges:
        if any(olo <= lo and hi <= ohi and w == width for olo, ohi, w in outer.ranges):
            continue
        if hi - lo > 10_000 or not all(outer.covers(str(v).zfill(width)) for v in range(lo, hi + 1)):
            return False
    return True


def _describe(resp: Responsibilities) -> str:
    if resp.all:
        return "alle ansvar"
    parts = sorted(resp.codes) + [f"{str(lo).zfill(w)}-{str(hi).zfill(w)}" for lo, hi, w in resp.ranges]
    return "ansvar " + ", ".join(parts) if parts else "ingen ansvar"


def _delegation_findings(register: AuthorityRegister, rules: _Rules, rs: RuleSet) -> list[Violation]:
    """§4.1/§4.2: who issued each person's authority (column «delegert_av»), within their own."""
    if "delegert_av" not in register.columns:
        return []
    table = rs.get("attestasjon.delegering")
    origin = str(table["opphav"])
    origin_word = str(table["opphav_navn"])
    max_links = int(table["maks_ledd"])
    found: list[Violation] = []
    people = register.people

    def add(rule: str, person: Person, message: str, others: Iterable[str] = ()) -> None:
        if rules.active(rule):
            found.append(_violation(rules, rule, message, None, [person.id, *others], [person.location]))

    for person in people.values():
        giver = people.get(person.delegated_by) if person.delegated_by else None
        if APPROVE in person.roles:
            if person.position == origin:
                continue  # the head of the administration holds it from the council
            if giver is None:
                add("DELEG-ANVISNING", person,
                    f"{person.label} har anvisningsmyndighet, men det står ikke hvem som har delegert den "
                    "(kolonnen «delegert_av»); den skal gis skriftlig.")
                continue
            if APPROVE not in giver.roles:
                add("DELEG-ANVISNING", person,
                    f"{person.label} har fått anvisningsmyndighet av {giver.label}, som selv ikke har "
                    "anvisningsmyndighet.", [giver.id])
                continue
            links, current, seen = 1, giver, {person.key}
            while current.position != origin and current.delegated_by and current.key not in seen:
                seen.add(current.key)
                nxt = people.get(current.delegated_by)
                if nxt is None:
                    break
                links, current = links + 1, nxt
            if current.position != origin:
                add("DELEG-ANVISNING", person,
                    f"Anvisningsmyndigheten til {person.label} kan ikke føres tilbake til {origin_word} "
                    f"gjennom «delegert_av» (kjeden stopper hos {current.label}).", [current.id])
            elif links > max_links:
                add("DELEG-ANVISNING", person,
                    f"{person.label} har anvisningsmyndighet {links} ledd under {origin_word}; den kan "
                    f"delegeres og videredelegeres ett ledd, høyst {max_links} ledd under {origin_word}.",
                    [giver.id])
            if not _covers_all(giver.responsibilities, person.responsibilities):
                add("DELEG-ANVISNING", person,
                    f"{person.label} har anvisningsmyndighet for {_describe(person.responsibilities)}, mer "
                    f"enn {giver.label} som delegerte den ({_describe(giver.responsibilities)}).", [giver.id])
            if giver.limit is not None and (person.limit is None or person.limit > giver.limit):
                own = "ingen beløpsgrense" if person.limit is None else format_kroner(person.limit)
                add("DELEG-ANVISNING", person,
                    f"{person.label} har {own}, høyere enn {giver.label}s beløpsgrense på "
                    f"{format_kroner(giver.limit)}.", [giver.id])
        elif ATTEST in person.roles:
            if giver is None:
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har attestasjonsmyndighet, men det står ikke hvem som har gitt den "
                    "(kolonnen «delegert_av»); den skal gis skriftlig.")
                continue
            if APPROVE not in giver.roles:
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har fått attestasjonsmyndighet av {giver.label}, som ikke har "
                    "anvisningsmyndighet.", [giver.id])
                continue
            if person.manager is not None and giver.key not in register.superiors(person.key):
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har fått attestasjonsmyndighet av {giver.label}, som ikke er leder for "
                    "vedkommende; den kan bare gis til egne medarbeidere.", [giver.id])
            if not _covers_all(giver.responsibilities, person.responsibilities):
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har attestasjonsmyndighet for {_describe(person.responsibilities)}, mer "
                    f"enn {giver.label} har ({_describe(giver.responsibilities)}).", [giver.id])
    return found


def check_register(register: AuthorityRegister, ruleset: str | RuleSet | None = None) -> list[Violation]:
    """Register rules: payment authority with attest/approval or bank reconciliation (§4.3); an
    økonomisjef approving (§4.2); the delegation chain when the register says who delegated (§4.1,
    §4.2)."""
    rs = _ruleset(ruleset)
    rules = _rules(rs)
    found: list[Violation] = []
    for person in register.people.values():
        if rules.active("UTB-BANKAVSTEMMING") and {PAY, RECONCILE} <= person.roles:
            found.append(
                _violation(
                    rules,
                    "UTB-BANKAVSTEMMING",
                    f"{person.label} kontrollerer bankavstemmingene og har utbetalingsfullmakt.",
                    None,
                    [person.id],
                    [person.location],
                )
            )
        if rules.active("UTB-ROLLER") and PAY in person.roles and person.roles & {ATTEST, APPROVE}:
            other = ", ".join(sorted(person.roles & {ATTEST, APPROVE}))
            found.append(
                _violation(
                    rules,
                    "UTB-ROLLER",
                    f"{person.label} har utbetalingsfullmakt og også {other}.",
                    None,
                    [person.id],
                    [person.location],
                )
            )
        if rules.active("ANV-OKONOMISJEF") and person.position == "okonomisjef" and APPROVE in person.roles:
            found.append(
                _violation(
                    rules,
                    "ANV-OKONOMISJEF",
                    f"{person.label} er økonomisjef og står med anvisningsmyndighet.",
                    None,
                    [person.id],
                    [person.location],
                )
            )
    found.extend(_delegation_findings(register, rules, rs))
    return found


def check_line(
    line: VoucherLine,
    register: AuthorityRegister,
    ruleset: str | RuleSet | None = None,
    *,
    columns: frozenset[str] | None = None,
    approved_total: float | None = None,
) -> list[Violation]:
    """Voucher rules for one line (økonomireglementet §4.1–4.3).

    ``approved_total`` is the voucher's sum of lines approved by the line's approver (default: this
    line's amount), compared with the approver's amount limit. ``columns`` are the optional columns
    the list has; bank and remittance checks run only when their columns exist (default: run when
    the line has the value).
    """
    rules = _rules(_ruleset(ruleset))
    out: list[Violation] = []
    v, loc = line.voucher, [line.location] if line.location else []
    reg = register

    def add(rule: str, message: str, people: Iterable[str]) -> None:
        if rules.active(rule):
            out.append(_violation(rules, rule, message, v, people, loc))

    payee_key = _key(line.payee)
    payee = reg.get(line.payee)
    attestant = reg.get(line.attested_by)
    approver = reg.get(line.approved_by)
    resp = line.responsibility

    # §4.3 «Personer som har utbetalingsfullmakt skal hverken ha attestasjons- eller anvisningsmyndighet»:
    # a payer who attests or approves breaks the segregation (reported as that, not as «no authority»)
    payers: set[str] = set()
    for who, act in ((attestant, "attestert"), (approver, "anvist")):
        if who is not None and PAY in who.roles:
            payers.add(who.key)
            add(
                "UTB-ATTESTERT-ANVIST",
                f"{who.label} har utbetalingsfullmakt og har {act} bilaget; den som har utbetalingsfullmakt "
                "skal verken attestere eller anvise.",
                [who.id],
            )

    # §4.1 attestation
    if not line.attested_by:
        add("ATT-MANGLER", f"Bilaget har ingen attestant (ansvar {resp}, {format_kroner(line.amount)}).", [])
    else:
        if attestant is None:
            add(
                "ATT-FULLMAKT", f"«{line.attested_by}» finnes ikke i fullmaktsregisteret.", [line.attested_by]
            )
        elif not attestant.may_attest(resp) and attestant.key not in payers:
            add(
                "ATT-FULLMAKT",
                f"{attestant.label} har ikke attestasjonsfullmakt for ansvar {resp}.",
                [attestant.id],
            )
        if _key(line.attested_by) == payee_key:
            add(
                "ATT-EGEN",
                f"{reg.label(line.attested_by)} har attestert en regning til seg selv.",
                [line.attested_by],
            )
        if line.approved_by and _key(line.attested_by) == _key(line.approved_by):
            add(
                "ATT-ANV-SAMME",
                f"{reg.label(line.attested_by)} har både attestert og anvist bilaget.",
                [line.attested_by],
            )

    # §4.2 approval
    if not line.approved_by:
        add("ANV-MANGLER", f"Bilaget har ingen anviser (ansvar {resp}, {format_kroner(line.amount)}).", [])
    else:
        a_key = _key(line.approved_by)
        prescribed = False
        if payee is not None and payee.position in ("radmann", "ordforer"):
            wanted = "ordforer" if payee.position == "radmann" else "radmann"
            prescribed = approver is not None and approver.position == wanted
            if not prescribed:
                wanted_word = "ordføreren" if wanted == "ordforer" else "rådmannen"
                role_word = "rådmannen" if payee.position == "radmann" else "ordføreren"
                add(
                    "ANV-ORDFORER-RADMANN",
                    f"Regningen til {role_word} {payee.label} er anvist av {reg.label(line.approved_by)}; "
                    f"den skal anvises av {wanted_word}.",
                    [line.approved_by, payee.id],
                )
        if approver is None:
            add(
                "ANV-FULLMAKT", f"«{line.approved_by}» finnes ikke i fullmaktsregisteret.", [line.approved_by]
            )
        else:
            if not prescribed and not approver.may_approve(resp) and approver.key not in payers:
                add(
                    "ANV-FULLMAKT",
                    f"{approver.label} har ikke anvisningsmyndighet for ansvar {resp}.",
                    [approver.id],
                )
            total = line.amount if approved_total is None else approved_total
            if approver.limit is not None and total > approver.limit:
                add(
                    "ANV-BELOPSGRENSE",
                    f"{approver.label} har anvist {format_kroner(total)}, over beløpsgrensen på "
                    f"{format_kroner(approver.limit)}.",
                    [approver.id],
                )
        if a_key == payee_key:
            add(
                "ANV-EGEN",
                f"{reg.label(line.approved_by)} har anvist en regning til seg selv.",
                [line.approved_by],
            )
        elif reg.related(a_key, payee_key):
            add(
                "ANV-NAERSTAENDE",
                f"{reg.label(line.approved_by)} har anvist en regning til {reg.label(line.payee)}, "
                "som står som nærstående i fullmaktsregisteret.",
                [line.approved_by, line.payee],
            )
        if payee is not None and payee.key in reg.superiors(a_key):
            add(
                "ANV-OVERORDNET",
                f"{reg.label(line.approved_by)} har anvist en regning til sin overordnede {payee.label}.",
                [line.approved_by, payee.id],
            )
    if line.available is not None and line.amount > line.available:
        add(
            "ANV-DEKNING",
            f"Beløpet {format_kroner(line.amount)} er større enn disponibelt budsjett "
            f"{format_kroner(line.available)} på ansvar {resp}.",
            [p for p in (line.attested_by, line.approved_by) if p],
        )

    # §4.3 payment
    def has(column: str) -> bool:
        return columns is None or column in columns

    bank = [
        (who, label)
        for who, label, col in (
            (line.entered_by, "lagt inn", "registrert_av"),
            (line.bank_approved_by, "godkjent", "godkjent_av"),
        )
        if has(col) and who
    ]
    for who, label in bank:
        person = reg.get(who)
        if person is None or PAY not in person.roles:
            add(
                "UTB-FULLMAKT",
                f"{reg.label(who)} har {label} utbetalingen i nettbanken uten å ha utbetalingsfullmakt.",
                [who],
            )
    if has("registrert_av") and has("godkjent_av"):
        if line.entered_by and line.bank_approved_by and _key(line.entered_by) == _key(line.bank_approved_by):
            add(
                "UTB-TO-PERSONER",
                f"{reg.label(line.entered_by)} har både lagt inn og godkjent utbetalingen i nettbanken.",
                [line.entered_by],
            )
        elif bool(line.entered_by) != bool(line.bank_approved_by):
            who = line.entered_by or line.bank_approved_by or ""
            missing = "godkjent av" if line.entered_by else "lagt inn av"
            add(
                "UTB-TO-PERSONER",
                f"Utbetalingen i nettbanken mangler «{missing}»; bare {reg.label(who)} står oppført.",
                [who],
            )
    if has("remittert_av") and line.remitted_by:
        person = reg.get(line.remitted_by)
        if person is not None and PAY in person.roles:
            add("UTB-REMITTERING", f"{person.label} har remittert og har utbetalingsfullmakt.", [person.id])
    return out


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
    rs = _ruleset(ruleset)
    totals: dict[str, float] = {}
    for line in lines:
        if line.approved_by:
            totals[_key(line.approved_by)] = totals.get(_key(line.approved_by), 0.0) + line.amount
    merged: dict[tuple[str, tuple[str, ...]], Violation] = {}
    for line in lines:
        total = totals.get(_key(line.approved_by)) if line.approved_by else None
        for found in check_line(line, register, rs, columns=columns, approved_total=total):
            k = (found.rule, tuple(_key(p) for p in found.people))
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
            _key(p)
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
            if {_key(p) for p in found.people[:1]} & involved:  # the person the finding is about
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
    rs = _ruleset(ruleset)
    rules = _rules(rs)
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
        out.append(_violation(rules, rule, message, line.voucher, [], locations))

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
    rs = _ruleset(ruleset)
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
            _key(p)
            for line in lines
            for p in (line.attested_by, line.approved_by, line.entered_by, line.bank_approved_by,
                      line.remitted_by)
            if p
        }
        hits = tuple(v for v in register_found if {_key(p) for p in v.people[:1]} & involved)
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


__all__ = [
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
