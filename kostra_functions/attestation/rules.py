"""Voucher rules: one function per rule id, run on each voucher line by :func:`check_line`.

Each rule is a small function registered with :func:`voucher_rule` under its id (as the SSB controls
are registered with ``@control("020")`` in :mod:`kostra_functions.controls`). It receives the
:class:`LineFacts` of one line (the line, the register and the people looked up once) and yields a
:class:`~kostra_functions.attestation.model.Breach` (Norwegian message, people) per finding. Whether
a rule runs at all (``aktiv``), its paragraph, title and severity come from the rule set's
``[attestasjon.regler]`` table (:mod:`kostra_functions.attestation.catalogue`), so a function only
states the rule. Each docstring states the rule and quotes the regulation as the rule set does.

:func:`check_line` runs the rules in :data:`LINE_RULE_ORDER`: the order the findings of one line
are reported in (segregation of payment first, then attestation §4.1, approval §4.2, budget cover
and the online bank §4.3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kostra_functions.attestation.catalogue import RuleTable, resolve_ruleset, rule_table, violation
from kostra_functions.attestation.model import (
    PAY,
    AuthorityRegister,
    Breach,
    Person,
    Violation,
    VoucherLine,
    person_key,
)
from kostra_functions.authority import format_kroner
from kostra_functions.rulesets import RuleSet


@dataclass(slots=True)
class LineFacts:
    """What a voucher rule sees: one line, the register, and the people on the line looked up once.

    ``payee_key``, ``attested_key`` and ``approved_key`` are the ids as people are compared (the
    latter two None when blank). ``payers`` are the keys of the attestant and approver when they hold
    payment authority (§4.3: reported as that breach, not as missing attest or approval authority).
    ``prescribed`` is True when the payee is the rådmann (ordfører) and the approver the ordfører
    (rådmann), as §4.2 prescribes; that approver needs no approval authority for the responsibility.
    Rules only read it; it is not frozen because a list of 100 000 lines builds one per line.
    """

    line: VoucherLine
    register: AuthorityRegister
    columns: frozenset[str] | None
    approved_total: float | None
    payee: Person | None
    attestant: Person | None
    approver: Person | None
    payee_key: str
    attested_key: str | None
    approved_key: str | None
    payers: frozenset[str]
    prescribed: bool

    def has(self, column: str) -> bool:
        """True when the list has the optional ``column`` (or the columns are not known)."""
        return self.columns is None or column in self.columns


def line_facts(
    line: VoucherLine,
    register: AuthorityRegister,
    *,
    columns: frozenset[str] | None = None,
    approved_total: float | None = None,
) -> LineFacts:
    """Look up the people on ``line`` in ``register`` for the voucher rules."""
    payee = register.get(line.payee)
    attestant = register.get(line.attested_by)
    approver = register.get(line.approved_by)
    payers = frozenset(who.key for who in (attestant, approver) if who is not None and PAY in who.roles)
    prescribed = False
    if payee is not None and payee.position in ("radmann", "ordforer"):
        wanted = "ordforer" if payee.position == "radmann" else "radmann"
        prescribed = approver is not None and approver.position == wanted
    return LineFacts(
        line, register, columns, approved_total, payee, attestant, approver,
        person_key(line.payee),
        person_key(line.attested_by) if line.attested_by else None,
        person_key(line.approved_by) if line.approved_by else None,
        payers, prescribed,
    )


VoucherRule = Callable[[LineFacts], Iterator[Breach]]
#: Registered voucher rules by rule id (filled by the :func:`voucher_rule` decorators below).
LINE_RULES: dict[str, VoucherRule] = {}


def voucher_rule(rule_id: str) -> Callable[[VoucherRule], VoucherRule]:
    """Register a rule function as the voucher rule ``rule_id`` (``"ATT-MANGLER"``)."""

    def register(fn: VoucherRule) -> VoucherRule:
        if rule_id in LINE_RULES:
            raise ValueError(f"voucher rule {rule_id} registered twice")
        LINE_RULES[rule_id] = fn
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# §4.3 segregation of payment


@voucher_rule("UTB-ATTESTERT-ANVIST")
def payer_attested_or_approved(f: LineFacts) -> Iterator[Breach]:
    """A person with payment authority must neither attest nor approve (one finding per act).

    Økonomireglementet §4.3: «Personer som har utbetalingsfullmakt skal hverken ha attestasjons- eller
    anvisningsmyndighet.»
    """
    for who, act in ((f.attestant, "attestert"), (f.approver, "anvist")):
        if who is not None and PAY in who.roles:
            yield Breach(
                f"{who.label} har utbetalingsfullmakt og har {act} bilaget; den som har utbetalingsfullmakt "
                "skal verken attestere eller anvise.",
                [who.id],
            )


# ---------------------------------------------------------------------------------------------
# §4.1 attestation


@voucher_rule("ATT-MANGLER")
def not_attested(f: LineFacts) -> Iterator[Breach]:
    """Every bill must be attested.

    Økonomireglementet §4.1: «Samtlige fakturaer/regninger skal attesteres.»
    """
    line = f.line
    if not line.attested_by:
        yield Breach(
            f"Bilaget har ingen attestant (ansvar {line.responsibility}, {format_kroner(line.amount)}).", []
        )


@voucher_rule("ATT-FULLMAKT")
def attestant_without_authority(f: LineFacts) -> Iterator[Breach]:
    """The attestant must be in the register with attest authority for the line's responsibility;
    an approver holds it too. A payer is reported by ``UTB-ATTESTERT-ANVIST`` instead.

    Økonomireglementet §4.1: «Det skal foreligge en ajourført oversikt over hvem som har
    bestillings-/attestasjonsfullmakt.» / «Alle som innehar anvisningsmyndighet, innehar samtidig
    attestasjonsmyndighet»
    """
    line, attestant = f.line, f.attestant
    if not line.attested_by:
        return
    if attestant is None:
        yield Breach(f"«{line.attested_by}» finnes ikke i fullmaktsregisteret.", [line.attested_by])
    elif not attestant.may_attest(line.responsibility) and attestant.key not in f.payers:
        yield Breach(
            f"{attestant.label} har ikke attestasjonsfullmakt for ansvar {line.responsibility}.",
            [attestant.id],
        )


@voucher_rule("ATT-EGEN")
def attested_own_bill(f: LineFacts) -> Iterator[Breach]:
    """Nobody may attest a bill to themselves.

    Økonomireglementet §4.1: «Den som attesterer, kan ikke attestere egne regninger.»
    """
    line = f.line
    if line.attested_by and f.attested_key == f.payee_key:
        yield Breach(
            f"{f.register.label(line.attested_by)} har attestert en regning til seg selv.", [line.attested_by]
        )


@voucher_rule("ATT-ANV-SAMME")
def attested_and_approved(f: LineFacts) -> Iterator[Breach]:
    """The same person may not both attest and approve a voucher.

    Økonomireglementet §4.1: «Alle som innehar anvisningsmyndighet, innehar samtidig
    attestasjonsmyndighet, men de kan ikke både attestere og anvise på samme bilag.»
    """
    line = f.line
    if line.attested_by and line.approved_by and f.attested_key == f.approved_key:
        yield Breach(
            f"{f.register.label(line.attested_by)} har både attestert og anvist bilaget.", [line.attested_by]
        )


# ---------------------------------------------------------------------------------------------
# §4.2 approval


@voucher_rule("ANV-MANGLER")
def not_approved(f: LineFacts) -> Iterator[Breach]:
    """Every payment must be approved (anvist) before it is made.

    Økonomireglementet §4.2: «Før utbetaling skjer, skal det foreligge anvisning, dvs. utbetalingsordre
    fra den som har myndighet til å gi slik ordre.»
    """
    line = f.line
    if not line.approved_by:
        yield Breach(
            f"Bilaget har ingen anviser (ansvar {line.responsibility}, {format_kroner(line.amount)}).", []
        )


@voucher_rule("ANV-ORDFORER-RADMANN")
def mayor_and_chief_executive(f: LineFacts) -> Iterator[Breach]:
    """The rådmann's bills are approved by the ordfører, the ordfører's by the rådmann.

    Økonomireglementet §4.2: «Ordfører anviser utbetalinger til rådmannen. Rådmannen anviser
    utbetalinger til ordføreren.»
    """
    line, payee = f.line, f.payee
    if not line.approved_by or payee is None or payee.position not in ("radmann", "ordforer") or f.prescribed:
        return
    wanted_word = "ordføreren" if payee.position == "radmann" else "rådmannen"
    role_word = "rådmannen" if payee.position == "radmann" else "ordføreren"
    yield Breach(
        f"Regningen til {role_word} {payee.label} er anvist av {f.register.label(line.approved_by)}; "
        f"den skal anvises av {wanted_word}.",
        [line.approved_by, payee.id],
    )


@voucher_rule("ANV-FULLMAKT")
def approver_without_authority(f: LineFacts) -> Iterator[Breach]:
    """The approver must be in the register with approval authority for the line's responsibility
    (not needed by the ordfører/rådmann approving the other's bill; a payer is reported by
    ``UTB-ATTESTERT-ANVIST`` instead).

    Økonomireglementet §4.2: «Det skal fremgå hvem som har anvisningsmyndighet på de ulike ansvar.» /
    «Anvisningsmyndighet og budsjettansvar følger samme stilling.»
    """
    line, approver = f.line, f.approver
    if not line.approved_by:
        return
    if approver is None:
        yield Breach(f"«{line.approved_by}» finnes ikke i fullmaktsregisteret.", [line.approved_by])
    elif not f.prescribed and not approver.may_approve(line.responsibility) and approver.key not in f.payers:
        yield Breach(
            f"{approver.label} har ikke anvisningsmyndighet for ansvar {line.responsibility}.", [approver.id]
        )


@voucher_rule("ANV-BELOPSGRENSE")
def over_amount_limit(f: LineFacts) -> Iterator[Breach]:
    """The voucher's sum of lines approved by one person may not exceed that person's amount limit
    (equal to the limit is allowed).

    Økonomireglementet §4.2: «… med rett til anvisning i henhold til delegert fullmakt.» (the limit is
    in the written delegation)
    """
    line, approver = f.line, f.approver
    if not line.approved_by or approver is None:
        return
    total = line.amount if f.approved_total is None else f.approved_total
    if approver.limit is not None and total > approver.limit:
        yield Breach(
            f"{approver.label} har anvist {format_kroner(total)}, over beløpsgrensen på "
            f"{format_kroner(approver.limit)}.",
            [approver.id],
        )


@voucher_rule("ANV-EGEN")
def approved_own_bill(f: LineFacts) -> Iterator[Breach]:
    """Nobody may approve a bill to themselves.

    Økonomireglementet §4.2: «Den som har anvisningsmyndighet kan ikke anvise egne regninger (for
    eksempel egne reiseregninger)»
    """
    line = f.line
    if line.approved_by and f.approved_key == f.payee_key:
        yield Breach(
            f"{f.register.label(line.approved_by)} har anvist en regning til seg selv.", [line.approved_by]
        )


@voucher_rule("ANV-NAERSTAENDE")
def approved_relatives_bill(f: LineFacts) -> Iterator[Breach]:
    """Nobody may approve a bill to a close relative (listed either way round in the register; a bill
    to oneself is ``ANV-EGEN``).

    Økonomireglementet §4.2: «… eller for familiemedlemmer mv. jfr. Forvaltningslovens
    habilitetsregler.»
    """
    line, reg, a_key = f.line, f.register, f.approved_key
    if a_key is None or a_key == f.payee_key:
        return
    if reg.related(a_key, f.payee_key):
        yield Breach(
            f"{reg.label(line.approved_by)} har anvist en regning til {reg.label(line.payee)}, "
            "som står som nærstående i fullmaktsregisteret.",
            [line.approved_by, line.payee],
        )


@voucher_rule("ANV-OVERORDNET")
def approved_superiors_bill(f: LineFacts) -> Iterator[Breach]:
    """A subordinate may not approve a superior's bill (the ``leder`` chain of the register).

    Økonomireglementet §4.2: «Underordnede kan ikke anvise overordnedes regninger.»
    """
    line, payee, reg = f.line, f.payee, f.register
    if f.approved_key and payee is not None and payee.key in reg.superiors(f.approved_key):
        yield Breach(
            f"{reg.label(line.approved_by)} har anvist en regning til sin overordnede {payee.label}.",
            [line.approved_by, payee.id],
        )


@voucher_rule("ANV-DEKNING")
def no_budget_cover(f: LineFacts) -> Iterator[Breach]:
    """The line's amount may not exceed the available budget (column ``disponibelt``).

    Økonomireglementet §4.2 Bruk av anvisningsmyndighet: «at det finnes dekning for beløpet»; §4.1:
    «Den som attesterer, må forsikre seg om at det er budsjettmessig dekning for beløpet»
    """
    line = f.line
    if line.available is not None and line.amount > line.available:
        yield Breach(
            f"Beløpet {format_kroner(line.amount)} er større enn disponibelt budsjett "
            f"{format_kroner(line.available)} på ansvar {line.responsibility}.",
            [p for p in (line.attested_by, line.approved_by) if p],
        )


# ---------------------------------------------------------------------------------------------
# §4.3 payment in the online bank


@voucher_rule("UTB-FULLMAKT")
def bank_without_payment_authority(f: LineFacts) -> Iterator[Breach]:
    """Whoever enters or approves the payment in the online bank must hold payment authority
    (checked only with the columns ``registrert_av`` / ``godkjent_av``).

    Økonomireglementet §4.3: «Utbetalinger som gjelder utgifter i henhold til kommunens budsjett,
    foretas av de personer som i henhold til fullmaktsskjema sendt bank/post er gitt
    utbetalingsfullmakt.»
    """
    line, reg = f.line, f.register
    for who, label, column in (
        (line.entered_by, "lagt inn", "registrert_av"),
        (line.bank_approved_by, "godkjent", "godkjent_av"),
    ):
        if not (f.has(column) and who):
            continue
        person = reg.get(who)
        if person is None or PAY not in person.roles:
            yield Breach(
                f"{reg.label(who)} har {label} utbetalingen i nettbanken uten å ha utbetalingsfullmakt.",
                [who],
            )


@voucher_rule("UTB-TO-PERSONER")
def bank_one_person(f: LineFacts) -> Iterator[Breach]:
    """Two different people enter and approve a payment in the online bank; both must be filled in
    (checked only with both columns ``registrert_av`` and ``godkjent_av``).

    Økonomireglementet §4.3: «Utbetalingene gjennom nettbank gjøres ved at en person legger inn
    transaksjonen, mens en annen godkjenner den.»
    """
    line, reg = f.line, f.register
    if not (f.has("registrert_av") and f.has("godkjent_av")):
        return
    entered, approved = line.entered_by, line.bank_approved_by
    if entered and approved and person_key(entered) == person_key(approved):
        yield Breach(
            f"{reg.label(entered)} har både lagt inn og godkjent utbetalingen i nettbanken.", [entered]
        )
    elif bool(entered) != bool(approved):
        who = entered or approved or ""
        missing = "godkjent av" if entered else "lagt inn av"
        yield Breach(
            f"Utbetalingen i nettbanken mangler «{missing}»; bare {reg.label(who)} står oppført.", [who]
        )


@voucher_rule("UTB-REMITTERING")
def remitted_by_payer(f: LineFacts) -> Iterator[Breach]:
    """The person who remits the payment file may not hold payment authority (checked only with the
    column ``remittert_av``).

    Økonomireglementet §4.3: «Den som remitterer, skal ikke ha utbetalingsfullmakt.»
    """
    line = f.line
    if f.has("remittert_av") and line.remitted_by:
        person = f.register.get(line.remitted_by)
        if person is not None and PAY in person.roles:
            yield Breach(f"{person.label} har remittert og har utbetalingsfullmakt.", [person.id])


#: The order :func:`check_line` runs the voucher rules in, so the findings of one line are reported in
#: this order.
LINE_RULE_ORDER = (
    "UTB-ATTESTERT-ANVIST",
    "ATT-MANGLER",
    "ATT-FULLMAKT",
    "ATT-EGEN",
    "ATT-ANV-SAMME",
    "ANV-MANGLER",
    "ANV-ORDFORER-RADMANN",
    "ANV-FULLMAKT",
    "ANV-BELOPSGRENSE",
    "ANV-EGEN",
    "ANV-NAERSTAENDE",
    "ANV-OVERORDNET",
    "ANV-DEKNING",
    "UTB-FULLMAKT",
    "UTB-TO-PERSONER",
    "UTB-REMITTERING",
)
if set(LINE_RULE_ORDER) != set(LINE_RULES) or len(LINE_RULE_ORDER) != len(LINE_RULES):
    raise AssertionError(f"LINE_RULE_ORDER and the registered voucher rules differ: {sorted(LINE_RULES)}")


def check_line(
    line: VoucherLine,
    register: AuthorityRegister,
    ruleset: str | RuleSet | None = None,
    *,
    columns: frozenset[str] | None = None,
    approved_total: float | None = None,
) -> list[Violation]:
    """Voucher rules for one line (økonomireglementet §4.1–4.3), in :data:`LINE_RULE_ORDER`.

    ``approved_total`` is the voucher's sum of lines approved by the line's approver (default: this
    line's amount), compared with the approver's amount limit. ``columns`` are the optional columns
    the list has; bank and remittance checks run only when their columns exist (default: run when
    the line has the value). Rules the rule set switches off (``aktiv = false``) are not run.
    """
    rules = rule_table(resolve_ruleset(ruleset))
    facts = line_facts(line, register, columns=columns, approved_total=approved_total)
    locations = [line.location] if line.location else []
    return [
        violation(rules, rule_id, found.message, line.voucher, found.people, locations)
        for rule_id, rule in _active_rules(rules)
        for found in rule(facts)
    ]


#: The active voucher rules in order, per rule table (a list of 100 000 lines asks once).
_ACTIVE_CACHE: dict[int, tuple[RuleTable, tuple[tuple[str, VoucherRule], ...]]] = {}


def _active_rules(rules: RuleTable) -> tuple[tuple[str, VoucherRule], ...]:
    hit = _ACTIVE_CACHE.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    active = tuple((rule_id, LINE_RULES[rule_id]) for rule_id in LINE_RULE_ORDER if rules.active(rule_id))
    if len(_ACTIVE_CACHE) > 32:
        _ACTIVE_CACHE.clear()
    _ACTIVE_CACHE[id(rules)] = (rules, active)
    return active
