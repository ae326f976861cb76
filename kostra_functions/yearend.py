"""Year-end results: distributing a unit's net result to reserve funds (Kristiansands regler for
årsavslutning), and the order of
cuts at an accounting deficit (økonomireglementet §5.4.2).

**Units' results** (rule set ``kristiansand_resultat``, table ``[arsresultat]``). The net result is
positive for a surplus (overskudd, underspend against the adopted budget frame) and negative for a
deficit (merforbruk), Kristiansands regler for årsavslutning «Netto resultat». Amounts are kroner, handled
to the øre with
:class:`~decimal.Decimal`:

* surplus: «Enheter med overskudd kan … avsette 85 % av dette til disposisjonsfond … 15 % av
  enheters overskudd avsettes til det generelle disposisjonsfondet.» Special projects' unused
  funds go «i sin helhet» (100 %) to the unit's fund;
* **rounding** (our rule; Kristiansands regler for årsavslutning is silent): the unit's share is rounded
*down* to whole øre and
  the general fund gets the rest, so the two parts add up to the surplus exactly, the unit never
  gets more than 85 % and the general fund never less than 15 % (``avrunding = "ned"``; the rule
  set may choose ``"naermeste"``, half up);
* deficit: «enhetens disposisjonsfond [skal] brukes … Hele disposisjonsfondet skal om nødvendig
  benyttes.» What the fund cannot cover makes the fund negative, «skal som hovedregel … være
  tilbakeført innen 2 år etter at underskuddet oppstod»: an instalment plan in equal yearly
  instalments rounded down to the øre, the last instalment taking the remainder; a longer plan only
  when «kommunedirektøren [har åpnet for] en mer langsiktig nedbetalingsplan»;
* municipality in deficit: «I de tilfeller kommunen opererer med et samlet merforbruk etter at det
  generelle disposisjonsfond er oppbrukt, skal avsetning av overskudd i områdene avkortes
  forholdsmessig»: each unit's allocation is reduced by its share of the remaining deficit (at most
  the whole allocation); the reduction is «registrert … under memoriakonti». The 15 % to the
  general fund is not reduced: it goes to the fund that covers the deficit;
* «Alle disposisjonsfond ses under ett. Summen av disse fondene kan ikke bli under null»:
  :func:`close_year` reports by how much the sum would be below zero;
* «Det er ikke anledning til å samle fondsavsetninger på et høyere organisatorisk nivå»:
  :func:`pooled_allocations` names the units whose allocation goes to a shared fund;
* «Enheter kan benytte disposisjonsfond i løpet av året så lenge det sannsynliggjøres at enhetens
  fond vil være positivt eller i balanse ved årets slutt … skal alltid budsjettjusteres»:
  :func:`in_year_fund_use`; «… kan direktøren foreta en omfordeling mellom egne enheters
  disposisjonsfond»: :func:`fund_redistribution`.

Signs follow the accounts everywhere (as KOSTRA_AVVIK): a result or deviation + is a surplus
(mindreforbruk); a net surplus in the investment accounts is typed negative (a revenue) and is
taken to income, not cut (:func:`cuts`).

**Order of cuts** (rule set ``okonomireglement``, table ``[strykning]``): operations cut transfers
to investment, then allocations to funds financed by current revenue, then the budgeted coverage of
earlier deficits, which «skal iht forskriften vernes lengst»; investment reduces budgeted
allocations financed by investment revenue, then budgeted unused untied capital funds, and carries
the rest to the budget of the year the accounts are presented.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from kostra_functions.authority import format_kroner
from kostra_functions.errors import InvalidArgumentError, OutOfRangeError, RuleSetError
from kostra_functions.rulesets import RuleSet, load_ruleset

YEAREND_RULESET = "kristiansand_resultat"
CUTS_RULESET = "okonomireglement"
ORE = Decimal("0.01")
ZERO = Decimal("0.00")


def _ruleset(ruleset: str | RuleSet | None, default: str) -> RuleSet:
    if isinstance(ruleset, RuleSet):
        return ruleset
    return load_ruleset(ruleset or default)


def check_accounting_year(year: int | None, rs: RuleSet) -> None:
    """Refuse an accounting year outside the rule set's range (``arsresultat.regnskapsar``).

    The range runs from the year the regulation was adopted to the newest year with a KOSTRA code
    list plus the years of an economic plan: «23», «1899» or «2099» is a typing error, never a year
    a result is distributed for.
    """
    if year is None:
        return
    first = rs.get("arsresultat.regnskapsar.forste", None)
    if first is None:  # a rule set of its own without a range: only the plainly impossible is refused
        first, last = 1900, 9999
    else:
        from kostra_functions.codes.catalog import latest_year

        last = latest_year() + int(rs.get("arsresultat.regnskapsar.planlagte_ar", 0))
    if not int(first) <= year <= last:
        raise OutOfRangeError(
            f"Argumentet «regnskapsår» ({year}) er utenfor årene regelsettet «{rs.name}» gjelder for "
            f"({int(first)}–{last}). Skriv året med fire sifre, f.eks. {min(max(2023, int(first)), last)}."
        )


def to_ore(value: Any, arg: str) -> Decimal:
    """A kroner amount as a Decimal of whole øre; refuses amounts with a fraction of an øre.

    Float noise from Excel arithmetic (``0.1 + 0.2``) is accepted; ``100.005`` is refused.

    >>> to_ore(1234.5, "beløp")
    Decimal('1234.50')
    """
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et beløp i kroner, ikke «{value}».")
    else:
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise InvalidArgumentError(f"Argumentet «{arg}» er ikke et endelig tall.")
        cents = value * 100
        # Float noise grows with the amount (a SUM of øre amounts near 160 mill. kr is off by a few
        # millionths of an øre); allow it relative to the size, as Excel compares to 15 digits.
        if abs(cents - round(cents)) > max(1e-6, abs(cents) * 1e-13):
            raise InvalidArgumentError(
                f"Argumentet «{arg}» ({value}) har brøkdeler av øre; oppgi beløpet i hele øre."
            )
        number = Decimal(round(cents)) / 100
    if number != number.quantize(ORE):
        raise InvalidArgumentError(f"Argumentet «{arg}» ({number}) har brøkdeler av øre; oppgi hele øre.")
    return number.quantize(ORE)


def _kr(value: Decimal) -> str:
    return format_kroner(float(value))


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
    rs = _ruleset(ruleset, YEAREND_RULESET)
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
    rs = _ruleset(ruleset, YEAREND_RULESET)
    check_accounting_year(accounting_year, rs)
    result = _money(net_result, "nettoresultat")
    before = _money(fund_before, "fond_før")
    deficit_m = _money(municipal_deficit, "kommunens_merforbruk")
    if deficit_m < 0:
        raise InvalidArgumentError(
            "Argumentet «kommunens_merforbruk» er kommunens gjenstående merforbruk som positivt beløp; "
            f"det kan ikke være negativt ({_kr(deficit_m)})."
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
            total = _money(total_allocations, "sum_avsetninger")
            if total < to_unit:
                raise InvalidArgumentError(
                    f"«sum_avsetninger» ({_kr(total)}) kan ikke være mindre enn denne enhetens egen "
                    f"avsetning ({_kr(to_unit)})."
                )
            reduction = _reduction(to_unit, deficit_m, total)
            to_unit -= reduction
            notes.append(
                f"Kommunen har samlet merforbruk etter at det generelle disposisjonsfondet er brukt opp: "
                f"avsetningen avkortes forholdsmessig med {_kr(reduction)}, som registreres på memoriakonto "
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
                f"{_kr(new_negative)} "
                f"ekstra, som skal tilbakeføres etter nedbetalingsplanen (lages innen "
                f"{rs.get('arsresultat.merforbruk.nedbetalingsplan_frist')})."
            )
        if before < 0:
            notes.append(f"Negativt fond fra tidligere år ({_kr(before)}) følger sin egen nedbetalingsplan.")
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


def _money(value: Any, arg: str) -> Decimal:
    return value.quantize(ORE) if isinstance(value, Decimal) else to_ore(value, arg)


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
    rs = _ruleset(ruleset, YEAREND_RULESET)
    deficit_m = _money(municipal_deficit, "kommunens_merforbruk")
    if deficit_m < 0:
        raise InvalidArgumentError("«kommunens_merforbruk» kan ikke være negativ.")
    names = [u.unit for u in units]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InvalidArgumentError(f"Enhetene {', '.join(dup)} står flere ganger.")
    plain = {
        u.unit: distribute_result(
            _money(u.net_result, f"nettoresultat for {u.unit}"),
            _money(u.fund_before, f"fond_før for {u.unit}"),
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
                (*d.notes, f"Avsetningen avkortes forholdsmessig med {_kr(r)} (memoriakonto)."),
            )
        out[name] = d
    general_after = _money(general_fund_before, "generelt_fond_før") + sum(
        (d.to_general_fund for d in out.values()), ZERO
    )
    funds_total = general_after + sum((d.fund_after for d in out.values()), ZERO)
    minimum = Decimal(str(rs.get("arsresultat.fond.sum_minst")))
    below = max(minimum - funds_total, ZERO)
    notes = []
    if below > 0:
        notes.append(
            f"Summen av alle disposisjonsfond blir {_kr(funds_total)}; den kan ikke bli under "
            f"{_kr(minimum)} (alle disposisjonsfond ses under ett). {_kr(below)} må dekkes inn på annen måte."
        )
    return YearEnd(
        out,
        _money(general_fund_before, "generelt_fond_før"),
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
    rs = _ruleset(ruleset, CUTS_RULESET)
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
    left = _money(deficit, "merforbruk")
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
    amount = _money(budgeted.get(item, 0), name)
    if amount < 0:
        raise InvalidArgumentError(
            f"Det budsjetterte beløpet for «{name}» skal være et positivt beløp i kroner ({_kr(amount)})."
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


# ---------------------------------------------------------------------------------------------
# Reserve funds during the year and between units (Kristiansands regler for årsavslutning)


@dataclass(frozen=True)
class FundDecision:
    """Whether a use or move of reserve funds is allowed, who decides, and why (Norwegian)."""

    allowed: bool
    body: str | None
    reason: str
    expected_fund: Decimal | None = None


def in_year_fund_use(
    fund_before: float | Decimal,
    use: float | Decimal,
    expected_result: float | Decimal,
    *,
    budget_adjusted: bool,
    ruleset: str | RuleSet | None = None,
) -> FundDecision:
    """May a unit use its reserve fund during the year (Kristiansands regler for årsavslutning «Bruk av
    disposisjonsfond utenom
    regnskapsavslutningen»)?

    ``fund_before``: the unit's fund now; ``use``: the amount to use (> 0); ``expected_result``: the
    unit's expected result for the year with the use budgeted (+ = mindreforbruk, − = merforbruk, as
    KOSTRA_AVVIK). The fund expected at year end is ``fund_before − use − expected deficit``; an
    expected surplus is not counted (its allocation is 85 % and may be reduced). Allowed when that is
    ≥ 0 **and** the use is budget-adjusted («skal alltid budsjettjusteres»).
    """
    rs = _ruleset(ruleset, YEAREND_RULESET)
    table = rs.get("arsresultat.bruk_i_aret")
    before = _money(fund_before, "fond_nå")
    amount = _money(use, "bruk")
    result = _money(expected_result, "forventet_resultat")
    if amount <= 0:
        raise InvalidArgumentError(
            f"Argumentet «bruk» skal være beløpet som brukes, større enn 0 ({_kr(amount)})."
        )
    expected = before - amount + min(result, ZERO)
    deficit_text = f" og et forventet merforbruk på {_kr(-result)}" if result < 0 else ""
    if expected < 0:
        return FundDecision(
            False, None,
            f"Fondet ventes å bli {_kr(expected)} ved årets slutt ({_kr(before)} − bruk {_kr(amount)}"
            f"{deficit_text}). Bruk i løpet av året krever at fondet sannsynligvis er positivt eller i "
            f"balanse ved årets slutt; større bruk kan bare skje i forbindelse med {table['utenom']}.",
            expected,
        )
    if not budget_adjusted:
        return FundDecision(
            False, None,
            f"Fondet ventes å bli {_kr(expected)} ved årets slutt, men bruk av disposisjonsfond utenom "
            "regnskapsavslutningen skal alltid budsjettjusteres. Legg inn budsjettjusteringen først.",
            expected,
        )
    return FundDecision(
        True, "Enheten",
        f"Tillatt: fondet ventes å bli {_kr(expected)} ved årets slutt ({_kr(before)} − bruk {_kr(amount)}"
        f"{deficit_text}), og bruken er budsjettjustert.",
        expected,
    )


def fund_redistribution(
    from_area: str,
    to_area: str,
    *,
    special_reasons: bool,
    leaders_involved: bool,
    ruleset: str | RuleSet | None = None,
) -> FundDecision:
    """May the director move money between two units' reserve funds (Kristiansands regler for årsavslutning
    «Omfordeling …»)?

    ``from_area``/``to_area``: the area (the director's responsibility) each unit belongs to. Only
    between the director's *own* units, for «helt spesielle grunner», with the unit leaders involved.
    """
    rs = _ruleset(ruleset, YEAREND_RULESET)
    body = str(rs.get("arsresultat.omfordeling.organ"))
    a, b = str(from_area).strip(), str(to_area).strip()
    if not a or not b:
        raise InvalidArgumentError(
            "Argumentene «fra_område» og «til_område» (direktørens område) må fylles ut."
        )
    if a.casefold() != b.casefold():
        return FundDecision(
            False, None,
            f"Enhetene hører til ulike områder ({a} og {b}); direktøren kan bare omfordele mellom egne "
            "enheters disposisjonsfond.",
        )
    missing = []
    if not special_reasons:
        missing.append("at helt spesielle grunner tilsier det")
    if not leaders_involved:
        missing.append("at berørte enhetsledere er involvert")
    if missing:
        return FundDecision(False, None, "Omfordelingen krever " + " og ".join(missing) + ".")
    return FundDecision(
        True, body,
        f"{body} kan omfordele mellom egne enheters disposisjonsfond i område {a}: helt spesielle grunner "
        "og berørte enhetsledere er involvert.",
    )


def pooled_allocations(fund_of: dict[str, str]) -> dict[str, str]:
    """Units whose surplus is set aside in a fund other than their own, shared with other units.

    ``fund_of`` maps each unit to the fund its allocation goes to (blank = its own). Seed 004: «Det
    er ikke anledning til å samle fondsavsetninger på et høyere organisatorisk nivå for å begrense
    antall fond.» Returns unit → Norwegian explanation for every unit that does so.
    """
    sharing: dict[str, list[str]] = {}
    for unit, fund in fund_of.items():
        target = (fund or "").strip()
        if target and target.casefold() != unit.strip().casefold():
            sharing.setdefault(target.casefold(), []).append(unit)
    out: dict[str, str] = {}
    for unit, fund in fund_of.items():
        target = (fund or "").strip()
        if not target or target.casefold() == unit.strip().casefold():
            continue
        others = [u for u in sharing[target.casefold()] if u != unit]
        with_whom = f" sammen med {', '.join(others)}" if others else ""
        out[unit] = (
            f"Avsetningen skal til enhetens eget fond, ikke til fondet «{target}»{with_whom}: det er ikke "
            "anledning til å samle fondsavsetninger på et høyere organisatorisk nivå."
        )
    return out
