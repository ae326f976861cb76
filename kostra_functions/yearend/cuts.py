"""The order of cuts at an accounting deficit (økonomireglementet §5.4.2, rule set
``okonomireglement``, table ``[strykning]``): operations first cut transfers to investment, then
allocations to funds, then the coverage of earlier deficits; investment reduces allocations and
unused capital funds and carries the rest to the next budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kostra_functions.errors import InvalidArgumentError, RuleSetError
from kostra_functions.rulesets import RuleSet
from kostra_functions.yearend.amounts import CUTS_RULESET, ZERO, kroner_text, money, ruleset_for

# ---------------------------------------------------------------------------------------------
# Order of cuts at an accounting deficit (økonomireglementet §5.4.2)


@dataclass(frozen=True)
class CutStep:
    """One step: the budget item (key, Norwegian label), its budgeted amount and what is cut."""

    key: str
    label: str
    budgeted: Decimal
    cut: Decimal


@dataclass(frozen=True)
class Cuts:
    """The cuts per step in the prescribed order, and what is left of the deficit after them.

    ``remainder`` is, for operations, the deficit left uncovered; for investment, the amount carried
    to the investment budget of the year the accounts are presented.
    """

    part: str
    deficit: Decimal
    steps: tuple[CutStep, ...]
    remainder: Decimal
    remainder_label: str
    paragraph: str

    def rows(self) -> list[list[Any]]:
        """Rows [label, budgeted, cut] per step and a last row [remainder label, blank, remainder]."""
        out: list[list[Any]] = [[s.label, float(s.budgeted), float(s.cut)] for s in self.steps]
        out.append([self.remainder_label, None, float(self.remainder)])
        return out


_CUT_PARTS = {"drift": "drift", "d": "drift", "investering": "investering", "i": "investering"}


def cuts(
    part: str,
    deficit: float | Decimal,
    budgeted: dict[str, float | Decimal],
    *,
    ruleset: str | RuleSet | None = None,
) -> Cuts:
    """Cut budget items in the rule set's order until the deficit is covered (økonomireglementet §5.4.2).

    ``part`` is ``drift`` or ``investering``; ``deficit`` the accounting deficit (operations) or net
    overspend (investment) as a positive amount – a negative amount is a surplus (revenues are
    negative, as in the accounts): nothing is cut, and in investment the surplus is taken to income
    in the budget of the year the accounts are presented (the last row); ``budgeted`` the budgeted
    amount of each item by
    key (``[strykning.<part>] rekkefolge``), positive kroner. Each step cuts
    ``min(budgeted, what is left)``.
    """
    rs = ruleset_for(ruleset, CUTS_RULESET)
    key = _CUT_PARTS.get(str(part).strip().lower())
    if key is None:
        raise InvalidArgumentError(
            f"Argumentet «regnskap» skal være «drift» eller «investering», ikke «{part}»."
        )
    table = rs.get(f"strykning.{key}")
    order = [str(k) for k in table["rekkefolge"]]
    protected = table.get("vernes_lengst")
    if protected is not None and order[-1] != protected:
        raise RuleSetError(
            f"I regelsettet «{rs.name}» skal «{protected}» stå sist i strykning.{key}.rekkefolge: "
            "det skal iht. "
            "forskriften vernes lengst."
        )
    unknown = sorted(set(budgeted) - set(order))
    if unknown:
        raise InvalidArgumentError(f"Ukjente poster for strykning i {key}: {', '.join(unknown)}.")
    left = money(deficit, "merforbruk")
    if left < 0:
        # A surplus is typed negative (revenues −): nothing is cut; in investment it is taken to
        # income in the year the accounts are presented (§5.4.2 «En netto merinntekt …»).
        steps = [CutStep(item, str(table["navn"].get(item, item)),
                         _budgeted(budgeted, item, table), ZERO) for item in order]
        return Cuts(key, left, tuple(steps), left, str(table["merinntekt"]), str(table["paragraf"]))
    total_deficit = left
    steps = []
    for item in order:
        amount = _budgeted(budgeted, item, table)
        cut = min(amount, left)
        left -= cut
        steps.append(CutStep(item, str(table["navn"].get(item, item)), amount, cut))
    return Cuts(key, total_deficit, tuple(steps), left, str(table["rest"]), str(table["paragraf"]))


def _budgeted(budgeted: dict[str, float | Decimal], item: str, table: dict[str, Any]) -> Decimal:
    name = str(table["navn"].get(item, item))
    amount = money(budgeted.get(item, 0), name)
    if amount < 0:
        raise InvalidArgumentError(
            f"Det budsjetterte beløpet for «{name}» skal være et positivt beløp i kroner "
            f"({kroner_text(amount)})."
        )
    return amount


def operating_cuts(
    deficit: float | Decimal,
    transfers_to_investment: float | Decimal,
    fund_allocations: float | Decimal,
    deficit_coverage: float | Decimal,
    *,
    ruleset: str | RuleSet | None = None,
) -> Cuts:
    """Operations (økonomireglementet §5.4.2 Driftsregnskapet): the cut of each budget item, in order."""
    return cuts(
        "drift",
        deficit,
        {
            "overforing_investering": transfers_to_investment,
            "avsetning_fond": fund_allocations,
            "inndekning_underskudd": deficit_coverage,
        },
        ruleset=ruleset,
    )


def investment_cuts(
    overspend: float | Decimal,
    budgeted_allocations: float | Decimal,
    unspent_untied_capital_funds: float | Decimal,
    *,
    ruleset: str | RuleSet | None = None,
) -> Cuts:
    """Investment (økonomireglementet §5.4.2 Investeringsregnskapet): cuts in order; the rest goes to next
    year."""
    return cuts(
        "investering",
        overspend,
        {"avsetninger": budgeted_allocations, "ubundne_kapitalfond": unspent_untied_capital_funds},
        ruleset=ruleset,
    )

