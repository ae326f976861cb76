"""The deviation prognosis for one KOSTRA function: projection, measures, carried-forward, allocations.

Signs and units (ARCHITECTURE.md): amounts in kroner as in municipal accounts, **expenses +,
revenues −**.

* ``deviation = expected adjusted budget − expected annual accounts``; **+ = mindreforbruk**
  (underspend), **− = merforbruk** (overspend);
* ``expected adjusted budget = adjusted budget + carried-forward result + central allocations``,
  where carried-forward is + for a surplus (mindreforbruk) brought from last year and − for a
  deficit, and central allocations are + for an expected allocation (− for an expected deduction);
* ``expected annual accounts = projection − measures``, where measures are the decided corrective
  measures' saving for the rest of the year, a positive amount (for a revenue function, more revenue
  is also a positive saving). Measures must be 0 once every month is closed (``m ≥ 12``).

The projection is one of the methods of :mod:`kostra_functions.prognosis.methods`; the carried-forward
period comes from the rule set (:mod:`kostra_functions.prognosis.rules`). Derived figures are
computed from rounded parts, so a row adds up exactly as shown: ``expected accounts =
round(projection) − measures``, ``deviation = expected budget − expected accounts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kostra_functions.errors import OutOfRangeError
from kostra_functions.prognosis.amounts import format_amount, round_ore, term
from kostra_functions.prognosis.methods import (
    DEFAULT_METHOD,
    LINEAR,
    MANUAL,
    MAX_PROJECTION,
    MONTHS,
    PERIODISED,
    PROFILE,
    DeferredText,
    Projection,
    finite_number,
    projection,
    text_state,
)
from kostra_functions.prognosis.rules import DEFAULT_CARRIED_FORWARD_FROM


@dataclass(frozen=True)
class Prognosis:
    """One deviation prognosis; all amounts in kroner rounded to øre, expenses +, revenues −.

    ``deviation`` = ``expected_budget`` − ``expected_accounts``; + = mindreforbruk (underspend),
    − = merforbruk (overspend).
    """

    method: str
    period: int
    adjusted_budget: float
    actual_ytd: float
    projection: float
    measures: float
    expected_accounts: float
    carried_forward: float
    carried_forward_given: float
    central_allocations: float
    expected_budget: float
    deviation: float
    projection_explanation: str = DeferredText()  # type: ignore[assignment]
    share: float | None = None
    carried_forward_from: int = DEFAULT_CARRIED_FORWARD_FROM

    __getstate__ = text_state

    @property
    def explanation(self) -> str:
        """The Norwegian explanation of every figure (for the written report)."""
        return explain(self)


def check_measures(measures: float, period: int) -> float:
    """Measures (kroner saved in the rest of the year) must be ≥ 0, and 0 once every month is closed."""
    if measures < 0:
        raise OutOfRangeError(
            f"Argumentet «tiltak» er {format_amount(measures)}; tiltak er innsparingen resten av året "
            "og skal være et positivt beløp (også for inntektsfunksjoner: økt inntekt er en "
            "innsparing). En besluttet merkostnad legges inn i prognosen, ikke som tiltak."
        )
    if measures and period >= MONTHS:
        raise OutOfRangeError(
            f"Argumentet «tiltak» er {format_amount(measures)} i periode {period}, men alle månedene er "
            "lukket, så tiltak kan ikke lenger gi innsparing. Sett tiltak til 0."
        )
    return measures


def prognosis(
    adjusted_budget: float,
    actual_ytd: float,
    period: int,
    *,
    method: str = DEFAULT_METHOD,
    budget_ytd: float | None = None,
    profile: Sequence[float] | None = None,
    share: float | None = None,
    manual_projection: float | None = None,
    measures: float = 0.0,
    carried_forward: float = 0.0,
    central_allocations: float = 0.0,
    carried_forward_from: int = DEFAULT_CARRIED_FORWARD_FROM,
) -> Prognosis:
    """The deviation prognosis for one KOSTRA function (Fellesskriv 5/2022 §2).

    Amounts in kroner, expenses +, revenues −. ``measures`` ≥ 0 is the decided measures' saving for
    the rest of the year; ``carried_forward`` is last year's result brought forward (+ surplus,
    − deficit), counted from period ``carried_forward_from``; ``central_allocations`` is what the
    district expects from chapters 303–308 (+ allocation). Returns a :class:`Prognosis` whose
    ``deviation`` = expected adjusted budget − expected annual accounts (+ = mindreforbruk,
    − = merforbruk), every figure rounded to øre.
    """
    proj = projection(
        method, adjusted_budget=adjusted_budget, actual_ytd=actual_ytd, period=period,
        budget_ytd=budget_ytd, profile=profile, share=share, manual_projection=manual_projection,
    )
    return _assemble(proj, adjusted_budget, actual_ytd, measures, carried_forward, central_allocations,
                     carried_forward_from)


def _assemble(proj: Projection, adjusted_budget: float, actual_ytd: float, measures: float,
              carried_forward: float, central_allocations: float, cf_from: int) -> Prognosis:
    measures_ = check_measures(round_ore(finite_number(measures, "tiltak")), proj.period)
    cf_given = round_ore(finite_number(carried_forward, "fremført"))
    alloc = round_ore(finite_number(central_allocations, "avsetninger"))
    budget = round_ore(float(adjusted_budget))
    cf = cf_given if proj.period >= cf_from else 0.0
    projected = round_ore(proj.value)
    expected_accounts = round_ore(projected - measures_)
    expected_budget = round_ore(budget + cf + alloc)
    # Every field is given, so the object is filled directly: the generated __init__ of a frozen
    # dataclass sets the 15 fields one object.__setattr__ at a time, which costs more than the sums.
    p = object.__new__(Prognosis)
    p.__dict__.update(
        method=proj.method,
        period=proj.period,
        adjusted_budget=budget,
        actual_ytd=round_ore(float(actual_ytd)),
        projection=projected,
        measures=measures_,
        expected_accounts=expected_accounts,
        carried_forward=cf,
        carried_forward_given=cf_given,
        central_allocations=alloc,
        expected_budget=expected_budget,
        deviation=round_ore(expected_budget - expected_accounts),
        _text_projection_explanation=proj.__dict__["_text_explanation"],  # made when read
        share=proj.share,
        carried_forward_from=cf_from,
    )
    return p


def deviation_only(method: str, period: int, adjusted_budget: float, actual_ytd: float,
                   basis: float | None, measures: float, carried_forward: float,
                   central_allocations: float, cf_from: int) -> float | None:
    """Only the ``deviation`` of :func:`prognosis`, for the plain case; ``None`` otherwise.

    The fast path of ``KOSTRA_AVVIK`` (one figure per cell, no explanation): the same projection and
    the same øre roundings as :func:`projection` and :func:`_assemble`, in the same order, so the
    figure is identical. Arguments are already finite floats within the amount limit, ``method`` is
    canonical and ``period`` an int 0–13; ``basis`` is the number of the 5th argument (budget to date,
    share or manual projection) or ``None``. Any case that is an error (or needs a profile range)
    gives ``None``, and the caller takes the full path, which words the error.
    """
    if method == PROFILE and basis is not None and not 0 < basis <= 1:
        return None  # the share is checked whatever the period (the full way words the error)
    if method == MANUAL:
        if basis is None:
            return None
        value = basis
    elif period == 0:
        if actual_ytd != 0:
            return None
        value = adjusted_budget
    elif period >= MONTHS:
        value = actual_ytd
    elif method == LINEAR:
        value = actual_ytd * MONTHS / period
    elif method == PERIODISED:
        if basis is None:
            return None
        value = actual_ytd + (adjusted_budget - basis)
    else:  # profil with the share as one number
        if basis is None or not 0 < basis <= 1:
            return None
        value = actual_ytd / basis
        if not abs(value) < MAX_PROJECTION:
            return None
    # round_ore(0.0) and round_ore(-0.0) are 0.0: blank measures, carried-forward and allocations
    # (most cells) skip the rounding.
    measures_ = round_ore(measures) if measures else 0.0
    if measures_ < 0 or (measures_ and period >= MONTHS):
        return None
    cf = round_ore(carried_forward) if carried_forward and period >= cf_from else 0.0
    alloc = round_ore(central_allocations) if central_allocations else 0.0
    expected_accounts = round_ore(round_ore(value) - measures_)
    expected_budget = round_ore(round_ore(adjusted_budget) + cf + alloc)
    return round_ore(expected_budget - expected_accounts)


def deviation_word(deviation: float) -> str:
    """``mindreforbruk`` for + , ``merforbruk`` for −, ``ingen avvik`` for 0."""
    if deviation > 0:
        return "mindreforbruk"
    if deviation < 0:
        return "merforbruk"
    return "ingen avvik"


def explain(p: Prognosis) -> str:
    """Norwegian text explaining every figure of a prognosis (inputs, method, adjustments).

    >>> explain(prognosis(1_200_000, 650_000, 6, method="lineær"))  # doctest: +NORMALIZE_WHITESPACE
    'Lineær: 650 000 × 12 / 6 = 1 300 000. Forventet regnskap = 1 300 000. Forventet justert
    budsjett = 1 200 000. Avviksprognose = 1 200 000 - 1 300 000 = -100 000 (merforbruk).'
    """
    parts = [p.projection_explanation + "."]
    if p.measures:
        parts.append(
            f"Tiltak: {format_amount(p.projection)} - {term(p.measures)} = forventet regnskap "
            f"{format_amount(p.expected_accounts)}."
        )
    else:
        parts.append(f"Forventet regnskap = {format_amount(p.expected_accounts)}.")
    text = format_amount(p.adjusted_budget)
    for amount, label in ((p.carried_forward, "fremført"), (p.central_allocations, "sentrale avsetninger")):
        if amount:
            text += f" {'-' if amount < 0 else '+'} {label} {format_amount(abs(amount))}"
    if text != format_amount(p.adjusted_budget):
        text += f" = {format_amount(p.expected_budget)}"
    parts.append(f"Forventet justert budsjett = {text}.")
    if p.carried_forward_given and not p.carried_forward:
        parts.append(
            f"Fremført resultat {format_amount(p.carried_forward_given)} er ikke tatt med: det tas med "
            f"fra periode {p.carried_forward_from} (regelsettet, [prognose] fremfort_fra_periode)."
        )
    parts.append(
        f"Avviksprognose = {format_amount(p.expected_budget)} - {term(p.expected_accounts)} "
        f"= {format_amount(p.deviation)} ({deviation_word(p.deviation)})."
    )
    return " ".join(parts)
