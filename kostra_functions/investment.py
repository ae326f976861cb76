"""What counts as an investment, and when an investment needs a progress plan (økonomireglementet §7.2, §7.6).

* §7.2: «Investeringer gjelder anskaffelse av varige driftsmidler med kostpris **over** 100 000
  kroner og hvor investeringsobjektet har en forventet levetid på **minst** 3 år.» So a cost of
  exactly 100 000 kr is operations (drift), 100 000,01 kr is an investment; a life of exactly
  3 years qualifies, 2,99 years does not.
* §7.2 Avgrensing mot driftsregnskapet: repair or replacement up to today's standard after major
  damage to an investment within its normal life «vanligvis regnes som vedlikehold» (operations).
* §7.6 nr. 5: a single investment with a total appropriation **over** 5 mill. kr needs a progress
  plan with estimated payments per period; exactly 5 000 000 kr does not.

Limits come from the rule set's ``[investering]`` table. Amounts in kroner, life in years.

>>> classify_acquisition(100_000, 5).is_investment
False
>>> classify_acquisition(100_000.01, 3).is_investment
True
>>> needs_progress_plan(5_000_000)
False
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kostra_functions.authority import format_kroner
from kostra_functions.errors import InvalidArgumentError
from kostra_functions.rulesets import RuleSet, load_ruleset

INVESTMENT_RULESET = "okonomireglement"


@dataclass(frozen=True)
class InvestmentClass:
    """Whether an acquisition is an investment, why (Norwegian) and under which paragraph."""

    is_investment: bool
    reason: str
    paragraph: str

    @property
    def account_class(self) -> str:
        return "investering" if self.is_investment else "drift"


def _ruleset(ruleset: str | RuleSet | None) -> RuleSet:
    if isinstance(ruleset, RuleSet):
        return ruleset
    return load_ruleset(ruleset or INVESTMENT_RULESET)


def _amount(value: float, arg: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or math.isinf(value)
    ):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et tall, ikke «{value}».")
    if value < 0:
        raise InvalidArgumentError(f"Argumentet «{arg}» kan ikke være negativt ({value:g}).")
    return float(value)


def classify_acquisition(
    cost: float, life_years: float, *, repair: bool = False, ruleset: str | RuleSet | None = None
) -> InvestmentClass:
    """Investment or operations for an acquisition of a fixed asset (økonomireglementet §7.2).

    ``cost`` is the acquisition cost in kroner, ``life_years`` the expected life in years,
    ``repair`` true for repair/replacement up to today's standard after damage within normal life.
    """
    rs = _ruleset(ruleset)
    cost = _amount(cost, "kostpris")
    life = _amount(life_years, "levetid")
    over = float(rs.get("investering.kostpris_over"))
    min_life = float(rs.get("investering.levetid_minst_ar"))
    paragraph = str(rs.get("investering.paragraf"))
    if repair:
        return InvestmentClass(
            False,
            "Reparasjon eller erstatning opp til dagens standard etter skade innenfor normal levetid regnes "
            "vanligvis som vedlikehold og finansieres over driftsbudsjettet.",
            str(rs.get("investering.vedlikehold.paragraf")),
        )
    problems = []
    if not cost > over:
        problems.append(f"kostprisen {format_kroner(cost)} er ikke over {format_kroner(over)}")
    if not life >= min_life:
        problems.append(f"forventet levetid {life:g} år er under {min_life:g} år")
    if problems:
        return InvestmentClass(False, "Drift: " + " og ".join(problems) + ".", paragraph)
    return InvestmentClass(
        True,
        f"Investering: kostpris {format_kroner(cost)} er over {format_kroner(over)} og forventet levetid "
        f"{life:g} år er minst {min_life:g} år.",
        paragraph,
    )


def needs_progress_plan(total_appropriation: float, *, ruleset: str | RuleSet | None = None) -> bool:
    """True when a single investment's total appropriation is over the limit (økonomireglementet §7.6 nr.
    5)."""
    rs = _ruleset(ruleset)
    amount = _amount(total_appropriation, "totalbevilgning")
    return amount > float(rs.get("investering.fremdriftsplan.bevilgning_over"))


def progress_plan_reason(total_appropriation: float, *, ruleset: str | RuleSet | None = None) -> str:
    """The Norwegian explanation of :func:`needs_progress_plan`."""
    rs = _ruleset(ruleset)
    limit = float(rs.get("investering.fremdriftsplan.bevilgning_over"))
    para = rs.get("investering.fremdriftsplan.paragraf")
    if needs_progress_plan(total_appropriation, ruleset=rs):
        return (
            f"Totalbevilgningen {format_kroner(total_appropriation)} er over {format_kroner(limit)}: "
            f"bevilgningsvedtaket skal ha antatt fremdriftsplan med periodiserte utbetalinger ({para})."
        )
    return (
        f"Totalbevilgningen {format_kroner(total_appropriation)} er ikke over {format_kroner(limit)}: "
        f"fremdriftsplan kreves ikke ({para})."
    )
