"""Register rules: one function per rule id, run on each person of the register by :func:`check_register`.

Each rule is registered with :func:`register_rule` under its id, like the voucher rules
(:mod:`kostra_functions.attestation.rules`), and yields a
:class:`~kostra_functions.attestation.model.Breach` per finding about one person (the person is the
first of the people named). Whether a rule runs (``aktiv``), its paragraph, title and severity come
from the rule set's ``[attestasjon.regler]``.

:func:`check_register` runs :data:`PERSON_RULE_ORDER` for every person, then, when the register has
the column ``delegert_av``, :data:`DELEGATION_RULE_ORDER` for every person: the delegation chain back
to the head of the administration (``[attestasjon.delegering]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kostra_functions.attestation.catalogue import resolve_ruleset, rule_table, violation
from kostra_functions.attestation.model import (
    APPROVE,
    ATTEST,
    PAY,
    RECONCILE,
    AuthorityRegister,
    Breach,
    Person,
    Responsibilities,
    Violation,
)
from kostra_functions.authority import format_kroner
from kostra_functions.rulesets import RuleSet


@dataclass(frozen=True)
class Delegation:
    """``[attestasjon.delegering]``: the position that holds approval authority from the council
    (``opphav``, e.g. ``radmann``), how messages name it, and how many links below it approval
    authority may be delegated (``maks_ledd``)."""

    origin: str
    origin_word: str
    max_links: int


@dataclass(frozen=True)
class RegisterFacts:
    """What a register rule sees besides the person: the register and the delegation settings."""

    register: AuthorityRegister
    delegation: Delegation | None = None


RegisterRule = Callable[[Person, RegisterFacts], Iterator[Breach]]
#: Registered register rules by rule id (filled by the :func:`register_rule` decorators below).
REGISTER_RULES: dict[str, RegisterRule] = {}


def register_rule(rule_id: str) -> Callable[[RegisterRule], RegisterRule]:
    """Register a rule function as the register rule ``rule_id`` (``"UTB-ROLLER"``)."""

    def add(fn: RegisterRule) -> RegisterRule:
        if rule_id in REGISTER_RULES:
            raise ValueError(f"register rule {rule_id} registered twice")
        REGISTER_RULES[rule_id] = fn
        return fn

    return add


@register_rule("UTB-BANKAVSTEMMING")
def reconciler_with_payment_authority(person: Person, facts: RegisterFacts) -> Iterator[Breach]:
    """The person who checks the bank reconciliations may not hold payment authority.

    Økonomireglementet §4.3: «Bankavstemmingene kontrolleres av en som ikke har utbetalingsfullmakt.»
    """
    if {PAY, RECONCILE} <= person.roles:
        yield Breach(
            f"{person.label} kontrollerer bankavstemmingene og har utbetalingsfullmakt.", [person.id]
        )


@register_rule("UTB-ROLLER")
def payer_with_attest_or_approval(person: Person, facts: RegisterFacts) -> Iterator[Breach]:
    """A person with payment authority may hold neither attest nor approval authority.

    Økonomireglementet §4.3: «Personer som har utbetalingsfullmakt skal hverken ha attestasjons- eller
    anvisningsmyndighet.»; §4 Begreper: «Personer som har anvisningsfullmakt kan ikke ha
    utbetalingsfullmakt.»
    """
    if PAY in person.roles and person.roles & {ATTEST, APPROVE}:
        other = ", ".join(sorted(person.roles & {ATTEST, APPROVE}))
        yield Breach(f"{person.label} har utbetalingsfullmakt og også {other}.", [person.id])


@register_rule("ANV-OKONOMISJEF")
def finance_manager_approves(person: Person, facts: RegisterFacts) -> Iterator[Breach]:
    """The økonomisjef may not hold approval authority.

    Økonomireglementet §4.2: «Anvisningsmyndighet kan ikke overdras eller delegeres til økonomisjef.»
    """
    if person.position == "okonomisjef" and APPROVE in person.roles:
        yield Breach(f"{person.label} er økonomisjef og står med anvisningsmyndighet.", [person.id])


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


@register_rule("DELEG-ANVISNING")
def approval_delegation(person: Person, facts: RegisterFacts) -> Iterator[Breach]:
    """Approval authority is delegated in writing by someone who holds it, traces back through
    ``delegert_av`` to the head of the administration within ``maks_ledd`` links, and covers no more
    responsibilities and no higher amount limit than the delegator's.

    Økonomireglementet §4.2: «Rådmannen kan foreta intern delegering av sin anvisningsmyndighet …» /
    «Anvisningsmyndigheten kan delegeres til sektorledere, som igjen kan videredelegere denne til
    virksomhetsledere.»
    """
    delegation = facts.delegation
    if delegation is None or APPROVE not in person.roles:
        return
    origin, origin_word = delegation.origin, delegation.origin_word
    people = facts.register.people
    if person.position == origin:
        return  # the head of the administration holds it from the council
    giver = people.get(person.delegated_by) if person.delegated_by else None
    if giver is None:
        yield Breach(f"{person.label} har anvisningsmyndighet, men det står ikke hvem som har delegert den "
                     "(kolonnen «delegert_av»); den skal gis skriftlig.", [person.id])
        return
    if APPROVE not in giver.roles:
        yield Breach(f"{person.label} har fått anvisningsmyndighet av {giver.label}, som selv ikke har "
                     "anvisningsmyndighet.", [person.id, giver.id])
        return
    links, current, seen = 1, giver, {person.key}
    while current.position != origin and current.delegated_by and current.key not in seen:
        seen.add(current.key)
        nxt = people.get(current.delegated_by)
        if nxt is None:
            break
        links, current = links + 1, nxt
    if current.position != origin:
        yield Breach(f"Anvisningsmyndigheten til {person.label} kan ikke føres tilbake til {origin_word} "
                     f"gjennom «delegert_av» (kjeden stopper hos {current.label}).", [person.id, current.id])
    elif links > delegation.max_links:
        yield Breach(f"{person.label} har anvisningsmyndighet {links} ledd under {origin_word}; den kan "
                     f"delegeres og videredelegeres ett ledd, høyst {delegation.max_links} ledd under "
                     f"{origin_word}.", [person.id, giver.id])
    if not _covers_all(giver.responsibilities, person.responsibilities):
        yield Breach(f"{person.label} har anvisningsmyndighet for {_describe(person.responsibilities)}, mer "
                     f"enn {giver.label} som delegerte den ({_describe(giver.responsibilities)}).",
                     [person.id, giver.id])
    if giver.limit is not None and (person.limit is None or person.limit > giver.limit):
        own = "ingen beløpsgrense" if person.limit is None else format_kroner(person.limit)
        yield Breach(f"{person.label} har {own}, høyere enn {giver.label}s beløpsgrense på "
                     f"{format_kroner(giver.limit)}.", [person.id, giver.id])


@register_rule("DELEG-ATTESTASJON")
def attest_delegation(person: Person, facts: RegisterFacts) -> Iterator[Breach]:
    """Attest authority (of a person without approval authority) is issued in writing by a superior
    who holds approval authority, and covers no more responsibilities than the issuer's.

    Økonomireglementet §4.1: «Attestasjonsmyndigheten skal gis skriftlig … Den som innehar
    anvisningsmyndighet kan utstede attestasjonsmyndighet til en eller flere av sine medarbeidere.»
    """
    if facts.delegation is None or APPROVE in person.roles or ATTEST not in person.roles:
        return
    giver = facts.register.people.get(person.delegated_by) if person.delegated_by else None
    if giver is None:
        yield Breach(f"{person.label} har attestasjonsmyndighet, men det står ikke hvem som har gitt den "
                     "(kolonnen «delegert_av»); den skal gis skriftlig.", [person.id])
        return
    if APPROVE not in giver.roles:
        yield Breach(f"{person.label} har fått attestasjonsmyndighet av {giver.label}, som ikke har "
                     "anvisningsmyndighet.", [person.id, giver.id])
        return
    if person.manager is not None and giver.key not in facts.register.superiors(person.key):
        yield Breach(f"{person.label} har fått attestasjonsmyndighet av {giver.label}, som ikke er leder for "
                     "vedkommende; den kan bare gis til egne medarbeidere.", [person.id, giver.id])
    if not _covers_all(giver.responsibilities, person.responsibilities):
        yield Breach(f"{person.label} har attestasjonsmyndighet for {_describe(person.responsibilities)}, "
                     f"mer enn {giver.label} har ({_describe(giver.responsibilities)}).",
                     [person.id, giver.id])


#: The rules :func:`check_register` runs for every person, in this order.
PERSON_RULE_ORDER = ("UTB-BANKAVSTEMMING", "UTB-ROLLER", "ANV-OKONOMISJEF")
#: The delegation rules, run for every person after :data:`PERSON_RULE_ORDER` (only with the column
#: ``delegert_av``). A person with approval authority gets ``DELEG-ANVISNING``, one with attest
#: authority only ``DELEG-ATTESTASJON``.
DELEGATION_RULE_ORDER = ("DELEG-ANVISNING", "DELEG-ATTESTASJON")
if sorted(PERSON_RULE_ORDER + DELEGATION_RULE_ORDER) != sorted(REGISTER_RULES):
    raise AssertionError(f"register rule orders and registered rules differ: {sorted(REGISTER_RULES)}")


def check_register(register: AuthorityRegister, ruleset: str | RuleSet | None = None) -> list[Violation]:
    """Register rules: payment authority with attest/approval or bank reconciliation (§4.3); an
    økonomisjef approving (§4.2); the delegation chain when the register says who delegated (§4.1,
    §4.2)."""
    rs = resolve_ruleset(ruleset)
    rules = rule_table(rs)
    passes = [(RegisterFacts(register), PERSON_RULE_ORDER)]
    if "delegert_av" in register.columns:
        table = rs.get("attestasjon.delegering")
        delegation = Delegation(str(table["opphav"]), str(table["opphav_navn"]), int(table["maks_ledd"]))
        passes.append((RegisterFacts(register, delegation), DELEGATION_RULE_ORDER))
    found: list[Violation] = []
    for facts, order in passes:
        active = [(rule_id, REGISTER_RULES[rule_id]) for rule_id in order if rules.active(rule_id)]
        for person in register.people.values():
            for rule_id, rule in active:
                found.extend(
                    violation(rules, rule_id, b.message, None, b.people, [person.location])
                    for b in rule(person, facts)
                )
    return found
