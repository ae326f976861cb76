"""The data of an attestation check: the authority register, voucher lines and the findings.

An :class:`AuthorityRegister` holds :class:`Person` rows (roles, :class:`Responsibilities`, amount
limit, superior, close relatives, who delegated); a :class:`VoucherList` holds :class:`VoucherLine`
rows; a check returns :class:`Violation` objects, collected for a whole list in an
:class:`AttestationReport`. The role words are the rule set's keys (``[attestasjon.roller]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

ATTEST = "attestasjon"
APPROVE = "anvisning"
PAY = "utbetaling"
RECONCILE = "bankavstemming"
WARNING = "advarsel"


def person_key(person_id: str) -> str:
    """How a person id (or payee id) is compared: stripped and case-folded (``" Ab "`` = ``"ab"``)."""
    return person_id.strip().casefold()


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
        return person_key(self.id)

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
        return None if not person_id else self.people.get(person_key(person_id))

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


class Breach(NamedTuple):
    """What a rule function finds: the Norwegian message and the ids of the people it concerns (the
    rule id, paragraph, voucher and location are added when it becomes a :class:`Violation`)."""

    message: str
    people: Sequence[str]


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

