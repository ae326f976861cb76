"""Authority in budget matters: which body may decide a budget change (økonomireglementet §3.3).

Given an action, the amount, the frame area(s) and the date, :func:`budget_authority` answers the
**lowest** body that may decide it (a higher body may always decide what a lower one may), why, and
under which paragraph, or that the change is not allowed at all. Bodies, frame areas, limits and
paragraphs come from the rule set's ``[fullmakt]`` tables (``okonomireglement.toml``), so another
municipality adapts the rules by writing a file. The checks, in this order:

1. §3.3.6: «Det kan ikke foretas endring av årsbudsjettet etter 31.12» – a decision dated after
   31 December of the budget year is not allowed (31 December itself is allowed);
2. §3.3.2: a measure that commits the municipality beyond the economic plan or conflicts with the
   council's goals and premises is outside every delegated authority → Kommunestyret;
3. §3.3.3 C / §3.3.1: «Det kan ikke overføres midler mellom rammeområdene» – money that ends up in
   another frame area → Kommunestyret;
4. §3.3.1 / §3.3.5: a change that makes a frame area's net frame be exceeded, or raises an
   investment project's total budget → Kommunestyret;
5. the action's own rule for the class of frame area: an ordinary sector area (its hovedutvalg),
   the formannskap's areas 1, 7 and 8, or the investment area 9, with its amount limit.
   Limits are inclusive: «inntil kr 200 000» allows exactly 200 000 kr; 200 000,01 kr is over.

Amounts are kroner with the sign of the accounts (expenses +, revenues −, as everywhere in this
package); the size of the change is what counts, so an extra revenue of 250 000 kr may be typed
250000 or −250000. A decision dated before the budget year is refused with a question (a typo is
likelier than a change decided before the year began).

>>> from datetime import date
>>> d = budget_authority("merinntekt", 200_000, "2", date(2023, 6, 1), 2023)
>>> (d.body, d.paragraph)
('Hovedutvalget', '§3.3.4 b)')
>>> budget_authority("merinntekt", 200_000.01, "2", date(2023, 6, 1), 2023).body
'Kommunestyret'
>>> budget_authority("mellom_ansvar", 1, "3", date(2024, 1, 1), 2023).allowed
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kostra_functions import formatting
from kostra_functions.errors import (
    InvalidArgumentError,
    InvalidCodeError,
    MissingArgumentError,
    RuleSetError,
)
from kostra_functions.rulesets import RuleSet, load_ruleset

#: The rule set these rules come from when none is given (økonomireglementet).
AUTHORITY_RULESET = "okonomireglement"

#: The special action that moves money between two frame areas (it has no per-class table).
BETWEEN_FRAME_AREAS = "mellom_rammeomrader"

_CLASS_ORDINARY = "ordinaer"
_CLASS_FORMANNSKAP = "formannskap"
_CLASS_INVESTMENT = "investering"

_ALIASES = {
    "merinntekter": "merinntekt",
    "disponere_merinntekter": "merinntekt",
    "flytting": "flytting_mellom_ar",
    "flytting_til_neste_ar": "flytting_mellom_ar",
    "mellom_rammeomradene": BETWEEN_FRAME_AREAS,
    "avsetning_fond": "avsetning_disposisjonsfond",
    "bruk_fond": "bruk_disposisjonsfond",
    "fordeling_ramme": "fordeling",
    "fordeling_postniva": "fordeling_poster",
}


@dataclass(frozen=True)
class AuthorityDecision:
    """Who may decide a budget change.

    ``body`` is the lowest body that may decide (``None`` when the change is not allowed at all),
    ``allowed`` whether any body may decide it, ``reason`` the Norwegian explanation for the
    controller and ``paragraph`` the paragraph(s) of the rule set's regulation (økonomireglementet §3.3).
    """

    action: str
    body: str | None
    allowed: bool
    reason: str
    paragraph: str


def normalise_key(text: str) -> str:
    """A typed word as a rule-set key: lower case, ``æøå`` → ``ae o a``, spaces/hyphens → ``_``.

    >>> normalise_key("  Mellom rammeområder ")
    'mellom_rammeomrader'
    """
    s = text.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return re.sub(r"[\s\-./]+", "_", s).strip("_")


def format_kroner(amount: float) -> str:
    """An amount as a controller writes it: ``1 234 567,50 kr``; whole kroner without decimals.

    >>> format_kroner(200000)
    '200 000 kr'
    >>> format_kroner(-1234.5)
    '-1 234,50 kr'
    """
    return f"{formatting.kroner(amount)} kr"


def _ruleset(ruleset: str | RuleSet | None) -> RuleSet:
    if isinstance(ruleset, RuleSet):
        return ruleset
    return load_ruleset(ruleset or AUTHORITY_RULESET)


def actions(ruleset: str | RuleSet | None = None) -> dict[str, str]:
    """The actions the rule set knows: key → Norwegian description (for help texts and errors)."""
    rs = _ruleset(ruleset)
    table = rs.get("fullmakt.handling")
    out = {key: str(value.get("navn", key)) for key, value in table.items() if isinstance(value, dict)}
    out[BETWEEN_FRAME_AREAS] = "Flytte budsjett mellom rammeområder"
    return out


def frame_areas(ruleset: str | RuleSet | None = None) -> dict[str, str]:
    """The frame areas (rammeområder) of the rule set: code → name (økonomireglementet §3.2.2)."""
    names = _ruleset(ruleset).get("fullmakt.rammeomrader.navn")
    return {str(k): str(v) for k, v in names.items()}


def _action_key(action: str, rs: RuleSet) -> str:
    if not isinstance(action, str) or not action.strip():
        raise MissingArgumentError("Argumentet «handling» mangler.")
    key = normalise_key(action)
    key = _ALIASES.get(key, key)
    known = actions(rs)
    if key not in known:
        listing = ", ".join(sorted(known))
        raise InvalidArgumentError(f"Handlingen «{action}» er ukjent. Kjente handlinger: {listing}.")
    return key


def _area_code(area: Any, arg: str, rs: RuleSet) -> str:
    """A frame area as typed: 2, 2.0, «02», «2 Oppvekst og kultur», «Oppvekst og kultur» → «2»."""
    if isinstance(area, float) and area == int(area):
        area = int(area)
    text = str(area).strip() if area is not None else ""
    if not text:
        raise MissingArgumentError(f"Argumentet «{arg}» mangler.")
    areas = frame_areas(rs)
    match = re.fullmatch(r"0*(\d+)\s*[.:\-–]?\s*(.*)", text)
    code = match.group(1) if match else None
    name = (match.group(2) if match else text).strip()
    if code is None:
        by_name = [k for k, v in areas.items() if normalise_key(v) == normalise_key(name)]
        code = by_name[0] if by_name else None
    if code in areas and (not name or normalise_key(name) == normalise_key(areas[code])):
        return code
    listing = ", ".join(f"{k} {v}" for k, v in areas.items())
    if code in areas:
        raise InvalidCodeError(
            f"Rammeområde «{text}» i argumentet «{arg}»: område {code} heter «{areas[code]}», ikke "
            f"«{name}». Skriv bare nummeret ({code}) eller nummer og riktig navn."
        )
    raise InvalidCodeError(
        f"Rammeområde «{text}» i argumentet «{arg}» finnes ikke i regelsettet «{rs.name}». "
        f"Kjente rammeområder: {listing}."
    )


def same_frame_area(a: Any, b: Any, ruleset: str | RuleSet | None = None) -> bool:
    """True when two typed frame areas («2», «02», «2 Oppvekst og kultur») are the same area."""
    rs = _ruleset(ruleset)
    return _area_code(a, "fra_område", rs) == _area_code(b, "til_område", rs)


def _area_class(code: str, rs: RuleSet) -> str:
    if code in {str(c) for c in rs.get("fullmakt.rammeomrader.investering")}:
        return _CLASS_INVESTMENT
    if code in {str(c) for c in rs.get("fullmakt.rammeomrader.formannskap")}:
        return _CLASS_FORMANNSKAP
    return _CLASS_ORDINARY


def _last_day(budget_year: int, rs: RuleSet) -> date:
    text = str(rs.get("fullmakt.frist.siste_dag"))
    match = re.fullmatch(r"\s*(\d{1,2})\.(\d{1,2})\.?\s*", text)
    if not match:
        raise RuleSetError(
            f"«fullmakt.frist.siste_dag» i regelsettet «{rs.name}» skal være dag.måned, f.eks. «31.12», "
            f"ikke «{text}»."
        )
    try:
        return date(budget_year, int(match.group(2)), int(match.group(1)))
    except ValueError as exc:
        raise RuleSetError(f"«fullmakt.frist.siste_dag» = «{text}» er ikke en gyldig dato.") from exc


def _body(name: Any, rs: RuleSet, where: str) -> str:
    bodies = [str(b) for b in rs.get("fullmakt.organer")]
    if str(name) not in bodies:
        raise RuleSetError(
            f"Organet «{name}» i «{where}» står ikke i «fullmakt.organer» i regelsettet «{rs.name}» "
            f"({', '.join(bodies)})."
        )
    return str(name)


def _decision(
    action: str, body: Any, reason: str, paragraph: str, rs: RuleSet, where: str
) -> AuthorityDecision:
    return AuthorityDecision(action, _body(body, rs, where), True, reason, paragraph)


def _check_amount(amount: Any) -> float:
    """The size of the change in kroner. The sign follows the accounts (expenses +, revenues −, as
    KOSTRA_AVVIK): an extra revenue typed −250 000 is a change of 250 000 kr."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise InvalidArgumentError(f"Argumentet «beløp» skal være et tall, ikke «{amount}».")
    if amount != amount or amount == 0 or amount in (float("inf"), float("-inf")):
        raise InvalidArgumentError(
            f"Argumentet «beløp» skal være endringens størrelse i kroner, ikke 0 (fikk {amount:g})."
        )
    return abs(float(amount))


def _as_date(value: Any, arg: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise InvalidArgumentError(f"Argumentet «{arg}» skal være en dato, ikke «{value}».")


def budget_authority(
    action: str,
    amount: float,
    frame_area: str | int,
    decision_date: date,
    budget_year: int,
    *,
    other_frame_area: str | int | None = None,
    revenue_kind: str | None = None,
    actual_revenue: float | None = None,
    increases_frame: bool = False,
    outside_premises: bool = False,
    ruleset: str | RuleSet | None = None,
) -> AuthorityDecision:
    """The lowest body that may decide a budget change (see :func:`_budget_authority` for the rules).

    A decision dated in the year before the budget year (a December decision on next year's budget)
    is decided as usual, with a note first in the reason; earlier than that is refused as a likely
    typo of the date or the budget year.
    """
    decision = _budget_authority(
        action, amount, frame_area, decision_date, budget_year, other_frame_area=other_frame_area,
        revenue_kind=revenue_kind, actual_revenue=actual_revenue, increases_frame=increases_frame,
        outside_premises=outside_premises, ruleset=ruleset,
    )
    when = _as_date(decision_date, "dato")
    if isinstance(budget_year, int) and when.year == budget_year - 1:
        note = (
            f"Merk: vedtaket er datert {when:%d.%m.%Y}, før budsjettåret {budget_year} begynner; sjekk at "
            "dato og budsjettår er riktige. "
        )
        return AuthorityDecision(decision.action, decision.body, decision.allowed, note + decision.reason,
                                 decision.paragraph)
    return decision


def _budget_authority(
    action: str,
    amount: float,
    frame_area: str | int,
    decision_date: date,
    budget_year: int,
    *,
    other_frame_area: str | int | None = None,
    revenue_kind: str | None = None,
    actual_revenue: float | None = None,
    increases_frame: bool = False,
    outside_premises: bool = False,
    ruleset: str | RuleSet | None = None,
) -> AuthorityDecision:
    """The lowest body that may decide a budget change, with reason and paragraph (økonomireglementet §3.3).

    ``action`` is a key of ``[fullmakt.handling]`` (``merinntekt``, ``mellom_ansvar``,
    ``mellom_poster``, ``omprioritering``, ``flytting_mellom_ar``, ``avsetning_disposisjonsfond``,
    ``bruk_disposisjonsfond``, ``bruk_bundet_driftsfond``, ``tilleggsbevilgning``, ``fordeling``,
    ``fordeling_poster``, and the council-only changes of §3.3.1 ``endre_frie_inntekter``,
    ``endre_finansutgifter``, ``endre_avsetninger_netto``, ``endre_finansiering_investering``; the
    rule set's comment above them explains how §3.3.1 and §3.3.3 are read together) or
    ``mellom_rammeomrader``. ``amount`` is the change in kroner with the accounts' sign (expenses +,
    revenues −); its size counts, 0 is refused. ``frame_area`` may be typed 2, «02» or
    «2 Oppvekst og kultur». ``frame_area`` is the frame area the decision concerns (for a move:
    where the money comes from). ``other_frame_area`` is where the money ends up (a move's target; for
    ``bruk_disposisjonsfond`` the frame area on whose responsibility the fund was set aside); when
    it differs from ``frame_area`` only the council may decide (§3.3.3 C).

    ``revenue_kind`` (``merinntekt`` only): ``ordinaer`` (default), ``prosjekt`` (external project
    revenue), ``nav`` (NAV refunds), ``statstilskudd`` (earmarked state grant, no municipal
    appropriation in the field) or ``statstilskudd_med_bevilgning``. The last four are exempt from
    the 200 000 kr limit; their authority is limited to ``actual_revenue`` when it is given.

    ``increases_frame``: the change makes the net frame be exceeded (operations) or raises a
    project's total budget (investment). ``outside_premises``: §3.3.2 applies.

    Raises :class:`~kostra_functions.errors.KostraError` for an unknown action or frame area, an
    amount ≤ 0, or an action that does not exist for the frame area (e.g. ``omprioritering``
    outside the investment area), rather than guessing.
    """
    rs = _ruleset(ruleset)
    key = _action_key(action, rs)
    amount = _check_amount(amount)
    area = _area_code(frame_area, "rammeområde", rs)
    other = None if other_frame_area in (None, "") else _area_code(other_frame_area, "annet_rammeområde", rs)
    decision_date = _as_date(decision_date, "dato")
    if isinstance(budget_year, bool) or not isinstance(budget_year, int) or not 1900 <= budget_year <= 2200:
        raise InvalidArgumentError(
            f"Argumentet «budsjettår» skal være et årstall, f.eks. 2023 (fikk {budget_year})."
        )
    kind_key, kind = _revenue_kind(key, revenue_kind, rs)
    if actual_revenue is not None:
        if kind is None or not bool(kind.get("unntatt_grense", False)):
            raise InvalidArgumentError(
                "Argumentet «faktisk_inntekt» brukes bare for merinntekter som er unntatt beløpsgrensen "
                "(inntektstype prosjekt, nav, statstilskudd eller statstilskudd_med_bevilgning)."
            )
        if actual_revenue < 0:
            raise InvalidArgumentError("Argumentet «faktisk_inntekt» kan ikke være negativt.")
    area_class = _area_class(area, rs)
    area_name = frame_areas(rs)[area]
    if key == BETWEEN_FRAME_AREAS:
        if other is None:
            raise MissingArgumentError(
                "Handlingen «mellom_rammeomrader» krever argumentet «annet_rammeområde» (rammeområdet "
                "midlene flyttes til)."
            )
        if other == area:
            raise InvalidArgumentError(
                f"Begge rammeområdene er {area}; bruk handlingen «mellom_ansvar» eller «mellom_poster» "
                "for endringer innenfor ett rammeområde."
            )
        rule = None
    else:
        rule = _action_rule(key, area_class, area, area_name, rs)

    last_day = _last_day(budget_year, rs)
    if decision_date < date(budget_year - 1, 1, 1):
        raise InvalidArgumentError(
            f"Vedtaksdatoen {decision_date:%d.%m.%Y} er mer enn ett år før budsjettåret {budget_year}. "
            f"Sjekk «dato» og «budsjettår» (skulle budsjettåret være {decision_date.year}?)."
        )
    if decision_date > last_day:
        return AuthorityDecision(
            key,
            None,
            False,
            f"Vedtaksdatoen {decision_date:%d.%m.%Y} er etter {last_day:%d.%m.%Y}: det kan ikke foretas "
            f"endring av årsbudsjettet for {budget_year} etter {last_day:%d.%m.} (budsjettforskriften § 15).",
            str(rs.get("fullmakt.frist.paragraf")),
        )
    if outside_premises:
        t = rs.get("fullmakt.begrensninger")
        return _decision(
            key, t["organ"], str(t["begrunnelse"]), str(t["paragraf"]), rs, "fullmakt.begrensninger"
        )
    if other is not None and other != area:
        t = rs.get("fullmakt.mellom_rammeomrader")
        other_name = frame_areas(rs)[other]
        reason = (
            f"Midlene flyttes fra rammeområde {area} {area_name} til rammeområde {other} "
            f"{other_name}. {t['begrunnelse']}"
        )
        return _decision(key, t["organ"], reason, str(t["paragraf"]), rs, "fullmakt.mellom_rammeomrader")
    if increases_frame:
        t = rs.get("fullmakt.okt_ramme")
        suffix = "investering" if area_class == _CLASS_INVESTMENT else "drift"
        return _decision(
            key,
            t["organ"],
            str(t[f"begrunnelse_{suffix}"]),
            str(t[f"paragraf_{suffix}"]),
            rs,
            "fullmakt.okt_ramme",
        )
    assert rule is not None  # mellom_rammeomrader always returned above
    where = f"fullmakt.handling.{key}.{area_class}"
    if kind is not None and bool(kind.get("unntatt_grense", False)) and area_class != _CLASS_INVESTMENT:
        return _exempt_revenue(key, kind_key, kind, rule, amount, actual_revenue, rs)
    limit = rule.get("grense")
    if limit is not None and amount > float(limit):
        reason = (
            f"{rule['begrunnelse_over_grense']} Beløpet {format_kroner(amount)} er over grensen på "
            f"{format_kroner(float(limit))}."
        )
        return _decision(key, rule["organ_over_grense"], reason, str(rule["paragraf_over_grense"]), rs, where)
    reason = str(rule["begrunnelse"])
    if limit is not None:
        reason += (
            f" Beløpet {format_kroner(amount)} er innenfor grensen på inntil {format_kroner(float(limit))}."
        )
    return _decision(key, rule["organ"], reason, str(rule["paragraf"]), rs, where)


def _revenue_kind(
    key: str, revenue_kind: str | None, rs: RuleSet
) -> tuple[str | None, dict[str, Any] | None]:
    kinds = {k: v for k, v in rs.get("fullmakt.inntektstyper").items() if isinstance(v, dict)}
    if revenue_kind is None or not str(revenue_kind).strip():
        return ("ordinaer", kinds.get("ordinaer")) if key == "merinntekt" else (None, None)
    kind_key = normalise_key(str(revenue_kind))
    if key != "merinntekt":
        if kind_key == "ordinaer":
            return None, None
        raise InvalidArgumentError(
            f"Argumentet «inntektstype» («{revenue_kind}») brukes bare med handlingen «merinntekt»."
        )
    if kind_key not in kinds:
        raise InvalidArgumentError(
            f"Inntektstypen «{revenue_kind}» er ukjent. Kjente typer: {', '.join(kinds)}."
        )
    return kind_key, kinds[kind_key]


def _action_rule(key: str, area_class: str, area: str, area_name: str, rs: RuleSet) -> dict[str, Any]:
    table = rs.get(f"fullmakt.handling.{key}")
    rule = table.get(area_class)
    if isinstance(rule, dict):
        return rule
    all_classes = (_CLASS_ORDINARY, _CLASS_FORMANNSKAP, _CLASS_INVESTMENT)
    classes = {c for c in all_classes if isinstance(table.get(c), dict)}
    valid = [code for code in frame_areas(rs) if _area_class(code, rs) in classes]
    hint = ""
    if area_class == _CLASS_INVESTMENT:
        hint = (
            " I investeringsbudsjettet: bruk «omprioritering», «flytting_mellom_ar», «fordeling» "
            "eller «tilleggsbevilgning»."
        )
    raise InvalidArgumentError(
        f"Handlingen «{key}» ({table.get('navn', key)}) gjelder ikke rammeområde {area} {area_name}; "
        f"den gjelder rammeområdene {', '.join(valid) or '(ingen)'}.{hint}"
    )


def _exempt_revenue(
    key: str,
    kind_key: str | None,
    kind: dict[str, Any],
    rule: dict[str, Any],
    amount: float,
    actual_revenue: float | None,
    rs: RuleSet,
) -> AuthorityDecision:
    where = f"fullmakt.inntektstyper.{kind_key}"
    paragraph = str(kind.get("paragraf", rule["paragraf"]))
    if actual_revenue is not None and amount > actual_revenue:
        reason = (
            f"{kind['begrunnelse']} Beløpet {format_kroner(amount)} er større enn den faktiske "
            f"inntekten på {format_kroner(actual_revenue)}; det overskytende må kommunestyret vedta."
        )
        return _decision(key, rs.get("fullmakt.hoyeste_organ"), reason, paragraph, rs, where)
    body = kind.get("organ", rule["organ"])
    reason = str(kind["begrunnelse"])
    if actual_revenue is None:
        reason += " Beløpet må ikke være større enn den faktiske inntekten."
    return _decision(key, body, reason, paragraph, rs, where)
