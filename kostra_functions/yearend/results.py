"""Units' results at year end (Kristiansands regler for årsavslutning): a surplus to the unit's and
the general reserve fund, a deficit from the unit's fund and an instalment plan for what it cannot
cover, allocations reduced in proportion when the municipality is in deficit, all funds seen as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from kostra_functions.errors import InvalidArgumentError, OutOfRangeError, RuleSetError
from kostra_functions.rulesets import RuleSet
from kostra_functions.yearend.amounts import (
    ORE,
    YEAREND_RULESET,
    ZERO,
    check_accounting_year,
    kroner_text,
    money,
    ruleset_for,
    to_ore,
)

# ---------------------------------------------------------------------------------------------
# Units' results (Kristiansands regler for årsavslutning)


@dataclass(frozen=True)
class Instalment:
    """One instalment of a repayment plan: year number (1, 2, …), calendar year if known, kroner."""

    number: int
    year: int | None
    amount: Decimal


@dataclass(frozen=True)
class ResultDistribution:
    """How one unit's net result is distributed (Kristiansands regler for årsavslutning). Kroner; fund
    balances + = positive fund.

    ``to_unit_fund`` and ``to_general_fund`` are allocations of a surplus (after any reduction);
    ``reduction`` is the allocation withheld because the municipality is in deficit (memorandum
    account); ``use_of_unit_fund`` is what a deficit takes from the unit's positive fund;
    ``new_negative`` is the part of this year's deficit the fund could not cover (the fund goes
    negative by it) and ``repayment`` its instalment plan.
    """

    net_result: Decimal
    fund_before: Decimal
    to_unit_fund: Decimal
    to_general_fund: Decimal
    reduction: Decimal
    use_of_unit_fund: Decimal
    new_negative: Decimal
    fund_after: Decimal
    repayment: tuple[Instalment, ...]
    notes: tuple[str, ...]

    @property
    def allocation_before_reduction(self) -> Decimal:
        return self.to_unit_fund + self.reduction

    def rows(self) -> list[list[Any]]:
        """Label/amount rows for a spreadsheet (what ``KOSTRA_DISPONERING`` returns).

        Always :data:`DISPOSITION_ROWS` rows, whatever the repayment plan, so the table never grows
        into the cells below it: the plan is given as its number of years, the yearly instalment
        (every year but the last) and the last instalment (which takes the øre left over).
        """
        plan = self.repayment
        first = plan[0] if plan else None
        last = plan[-1] if plan else None
        out: list[list[Any]] = [
            ["Avsetning til enhetens disposisjonsfond", float(self.to_unit_fund)],
            ["Avsetning til det generelle disposisjonsfondet", float(self.to_general_fund)],
            ["Avkortet avsetning (memoriakonto)", float(self.reduction)],
            ["Bruk av enhetens disposisjonsfond", float(self.use_of_unit_fund)],
            ["Udekket merforbruk (negativt fond)", float(self.new_negative)],
            ["Enhetens disposisjonsfond etter årsavslutning", float(self.fund_after)],
            ["Antall år for tilbakeføring", len(plan)],
            [_instalment_label("Tilbakeføring per år", first, last, first=True),
             float(first.amount) if first else 0.0],
            [_instalment_label("Tilbakeføring siste år", last, last, first=False),
             float(last.amount) if last else 0.0],
        ]
        return out


#: The fixed number of rows of :meth:`ResultDistribution.rows`.
DISPOSITION_ROWS = 9


def _instalment_label(text: str, inst: Instalment | None, last: Instalment | None, *, first: bool) -> str:
    if inst is None or last is None:
        return text
    if first:
        if last.number == 1:
            return f"{text} ({inst.year})" if inst.year else text
        if last.number == 2:
            end = str(inst.year) if inst.year else "år 1"
        else:
            end = f"{inst.year}–{last.year - 1}" if inst.year and last.year else f"år 1–{last.number - 1}"
        return f"{text} ({end})"
    return f"{text} ({inst.year})" if inst.year else f"{text} (år {inst.number})"


def _percent(rs: RuleSet, path: str) -> Decimal:
    value = rs.get(path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise RuleSetError(f"«{path}» i regelsettet «{rs.name}» skal være en prosent mellom 0 og 100.")
    return Decimal(str(value))


def _split_surplus(surplus: Decimal, special_project: bool, rs: RuleSet) -> tuple[Decimal, Decimal]:
    if special_project:
        unit_pct = _percent(rs, "arsresultat.overskudd.spesielle_prosjekter_prosent")
    else:
        unit_pct = _percent(rs, "arsresultat.overskudd.enhet_prosent")
        general_pct = _percent(rs, "arsresultat.overskudd.generelt_prosent")
        if unit_pct + general_pct != 100:
            raise RuleSetError(
                f"I regelsettet «{rs.name}» blir enhet_prosent + generelt_prosent {unit_pct + general_pct}, "
                "ikke 100."
            )
    mode = str(rs.get("arsresultat.overskudd.avrunding"))
    rounding = {"ned": ROUND_DOWN, "naermeste": ROUND_HALF_UP}.get(mode)
    if rounding is None:
        raise RuleSetError(
            f"«arsresultat.overskudd.avrunding» i regelsettet «{rs.name}» skal være «ned» eller «naermeste», "
            f"ikke «{mode}»."
        )
    unit = (surplus * unit_pct / 100).quantize(ORE, rounding=rounding)
    return unit, surplus - unit


def _reduction(allocation: Decimal, municipal_deficit: Decimal, total_allocations: Decimal) -> Decimal:
    if allocation <= 0 or municipal_deficit <= 0:
        return ZERO
    withheld = min(municipal_deficit, total_allocations)
    share = (allocation * withheld / total_allocations).quantize(ORE, rounding=ROUND_HALF_UP)
    return min(share, allocation)


def repayment_plan(
    amount: Decimal | float,
    *,
    years: int | None = None,
    extended_granted: bool = False,
    accounting_year: int | None = None,
    ruleset: str | RuleSet | None = None,
) -> tuple[Instalment, ...]:
    """Equal yearly instalments repaying a negative fund (Kristiansands regler for årsavslutning; default
    within 2 years).

    Each instalment is ``amount / years`` rounded down to the øre; the last takes the remainder, so
    the plan sums to ``amount`` exactly. More years than the rule set's ``tilbakebetaling_ar`` need
    ``extended_granted`` (Kristiansands regler for årsavslutning «Forlenget tilbakebetaling»). Fewer years
    are allowed.
    """
    rs = ruleset_for(ruleset, YEAREND_RULESET)
    check_accounting_year(accounting_year, rs)
    total = to_ore(amount, "beløp") if not isinstance(amount, Decimal) else amount.quantize(ORE)
    rule_years = int(rs.get("arsresultat.merforbruk.tilbakebetaling_ar"))
    n = rule_years if years is None else years
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgumentError(
            f"Argumentet «nedbetalingsår» skal være et helt antall år ≥ 1 (fikk {years})."
        )
    if n > rule_years and not extended_granted:
        granter = rs.get("arsresultat.merforbruk.forlenget_innvilges_av")
        raise OutOfRangeError(
            f"Et negativt disposisjonsfond skal som hovedregel tilbakeføres innen {rule_years} år. En lengre "
            f"nedbetalingsplan ({n} år) krever at {granter} har åpnet for det (sett «forlenget_innvilget» "
            "til SANN)."
        )
    if total <= 0:
        return ()
    each = (total / n).quantize(ORE, rounding=ROUND_DOWN)
    plan = []
    for i in range(1, n + 1):
        value = each if i < n else total - each * (n - 1)
        plan.append(Instalment(i, accounting_year + i if accounting_year else None, value))
    return tuple(plan)


def distribute_result(
    net_result: float | Decimal,
    fund_before: float | Decimal = 0,
    *,
    special_project: bool = False,
    municipal_deficit: float | Decimal = 0,
    total_allocations: float | Decimal | None = None,
    repayment_years: int | None = None,
    extended_granted: bool = False,
    accounting_year: int | None = None,
    ruleset: str | RuleSet | None = None,
) -> ResultDistribution:
    """Distribute one unit's net result at year end (Kristiansands regler for årsavslutning; see the module
    docstring).

    ``net_result``: + surplus, − deficit (kroner). ``fund_before``: the unit's reserve fund before
    closing (negative if it already shows a deficit). ``municipal_deficit``: the municipality's
    remaining overall deficit after the general reserve fund is used up (≥ 0); with it,
    ``total_allocations`` is the sum of all units' allocations of surplus this year (before
    reduction) so this unit's proportional share can be computed. For an exact øre split over all
    units use :func:`close_year`.
    """
    rs = ruleset_for(ruleset, YEAREND_RULESET)
    check_accounting_year(accounting_year, rs)
    result = money(net_result, "nettoresultat")
    before = money(fund_before, "fond_før")
    deficit_m = money(municipal_deficit, "kommunens_merforbruk")
    if deficit_m < 0:
        raise InvalidArgumentError(
            "Argumentet «kommunens_merforbruk» er kommunens gjenstående merforbruk som positivt beløp; "
            f"det kan ikke være negativt ({kroner_text(deficit_m)})."
        )
    notes: list[str] = []
    to_unit = to_general = reduction = use = new_negative = ZERO
    plan: tuple[Instalment, ...] = ()
    if result > 0:
        to_unit, to_general = _split_surplus(result, special_project, rs)
        if special_project:
            notes.append("Ubrukte midler på spesielle prosjekter avsettes i sin helhet til disposisjonsfond.")
        if deficit_m > 0:
            if total_allocations is None:
                raise InvalidArgumentError(
                    "Når kommunen har merforbruk, trengs argumentet «sum_avsetninger» (summen av alle "
                    "enheters avsetninger av overskudd) for å avkorte forholdsmessig."
                )
            total = money(total_allocations, "sum_avsetninger")
            if total < to_unit:
                raise InvalidArgumentError(
                    f"«sum_avsetninger» ({kroner_text(total)}) kan ikke være mindre enn denne enhetens egen "
                    f"avsetning ({kroner_text(to_unit)})."
                )
            reduction = _reduction(to_unit, deficit_m, total)
            to_unit -= reduction
            notes.append(
                f"Kommunen har samlet merforbruk etter at det generelle disposisjonsfondet er brukt opp: "
                f"avsetningen avkortes forholdsmessig med {kroner_text(reduction)}, som registreres på "
                "memoriakonto "
                "og tilbakeføres ved rullering av økonomiplanen."
            )
    elif result < 0:
        deficit = -result
        use = min(deficit, max(before, ZERO))
        new_negative = deficit - use
        if new_negative > 0:
            plan = repayment_plan(
                new_negative,
                years=repayment_years,
                extended_granted=extended_granted,
                accounting_year=accounting_year,
                ruleset=rs,
            )
            notes.append(
                "Disposisjonsfondet dekker ikke hele merforbruket; fondet blir negativt med "
                f"{kroner_text(new_negative)} "
                f"ekstra, som skal tilbakeføres etter nedbetalingsplanen (lages innen "
                f"{rs.get('arsresultat.merforbruk.nedbetalingsplan_frist')})."
            )
        if before < 0:
            notes.append(f"Negativt fond fra tidligere år ({kroner_text(before)}) følger sin egen "
                         "nedbetalingsplan.")
    fund_after = before + to_unit if result >= 0 else before + result
    return ResultDistribution(
        net_result=result,
        fund_before=before,
        to_unit_fund=to_unit,
        to_general_fund=to_general,
        reduction=reduction,
        use_of_unit_fund=use,
        new_negative=new_negative,
        fund_after=fund_after,
        repayment=plan,
        notes=tuple(notes),
    )



@dataclass(frozen=True)
class UnitResult:
    """A unit's net result (+ surplus, − deficit) and reserve fund before closing, kroner."""

    unit: str
    net_result: float | Decimal
    fund_before: float | Decimal = 0
    special_project: bool = False


@dataclass(frozen=True)
class YearEnd:
    """The whole municipality's closing: each unit's distribution and the funds seen as one."""

    units: dict[str, ResultDistribution]
    general_fund_before: Decimal
    general_fund_after: Decimal
    memorandum_total: Decimal
    funds_total_after: Decimal
    below_minimum: Decimal  # how far the sum of all funds is below the rule set's minimum (0)
    notes: tuple[str, ...]


def close_year(
    units: Sequence[UnitResult],
    general_fund_before: float | Decimal,
    *,
    municipal_deficit: float | Decimal = 0,
    accounting_year: int | None = None,
    ruleset: str | RuleSet | None = None,
) -> YearEnd:
    """Close the year for all units (Kristiansands regler for årsavslutning), with exact proportional
    reductions.

    Reductions (``municipal_deficit`` > 0) are split by the largest-remainder method so they add up,
    to the øre, to ``min(municipal_deficit, sum of allocations)``. Deficits use the default 2-year
    repayment plan.
    """
    rs = ruleset_for(ruleset, YEAREND_RULESET)
    deficit_m = money(municipal_deficit, "kommunens_merforbruk")
    if deficit_m < 0:
        raise InvalidArgumentError("«kommunens_merforbruk» kan ikke være negativ.")
    names = [u.unit for u in units]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InvalidArgumentError(f"Enhetene {', '.join(dup)} står flere ganger.")
    plain = {
        u.unit: distribute_result(
            money(u.net_result, f"nettoresultat for {u.unit}"),
            money(u.fund_before, f"fond_før for {u.unit}"),
            special_project=u.special_project,
            accounting_year=accounting_year,
            ruleset=rs,
        )
        for u in units
    }
    allocations = {k: d.to_unit_fund for k, d in plain.items() if d.to_unit_fund > 0}
    total = sum(allocations.values(), ZERO)
    withheld = min(deficit_m, total)
    reductions = _largest_remainder(allocations, withheld, total) if withheld > 0 else {}
    out: dict[str, ResultDistribution] = {}
    for name, d in plain.items():
        r = reductions.get(name, ZERO)
        if r:
            d = ResultDistribution(
                d.net_result,
                d.fund_before,
                d.to_unit_fund - r,
                d.to_general_fund,
                r,
                d.use_of_unit_fund,
                d.new_negative,
                d.fund_after - r,
                d.repayment,
                (*d.notes, f"Avsetningen avkortes forholdsmessig med {kroner_text(r)} (memoriakonto)."),
            )
        out[name] = d
    general_after = money(general_fund_before, "generelt_fond_før") + sum(
        (d.to_general_fund for d in out.values()), ZERO
    )
    funds_total = general_after + sum((d.fund_after for d in out.values()), ZERO)
    minimum = Decimal(str(rs.get("arsresultat.fond.sum_minst")))
    below = max(minimum - funds_total, ZERO)
    notes = []
    if below > 0:
        notes.append(
            f"Summen av alle disposisjonsfond blir {kroner_text(funds_total)}; den kan ikke bli under "
            f"{kroner_text(minimum)} (alle disposisjonsfond ses under ett). {kroner_text(below)} må dekkes "
            "inn på annen måte."
        )
    return YearEnd(
        out,
        money(general_fund_before, "generelt_fond_før"),
        general_after,
        sum(reductions.values(), ZERO),
        funds_total,
        below,
        tuple(notes),
    )


def _largest_remainder(weights: dict[str, Decimal], amount: Decimal, total: Decimal) -> dict[str, Decimal]:
    """Split ``amount`` (kroner) over ``weights`` in proportion, in whole øre that add up exactly."""
    target = int(amount * 100)
    exact = {k: w * 100 * amount / total for k, w in weights.items()}
    floors = {k: int(v) for k, v in exact.items()}
    left = target - sum(floors.values())
    order = sorted(weights, key=lambda k: (-(exact[k] - floors[k]), k))
    for k in order[:left]:
        floors[k] += 1
    return {k: Decimal(v) / 100 for k, v in floors.items()}

