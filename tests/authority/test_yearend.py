"""Year-end results (seed 004, Kristiansand) and the order of cuts (seed 001 §5.4.2), by hand.

Net result: + surplus (overskudd), − deficit (merforbruk); seed 004 «Netto resultat»: «Enheter med
et positivt netto resultat har et overskudd i forhold til vedtatt budsjettramme.»
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kostra_functions.errors import InvalidArgumentError, OutOfRangeError, RuleSetError
from kostra_functions.yearend.cuts import investment_cuts, operating_cuts
from kostra_functions.yearend.results import (
    Instalment,
    UnitResult,
    close_year,
    distribute_result,
    repayment_plan,
)


def D(text: str) -> Decimal:
    return Decimal(text)


# -- surplus -----------------------------------------------------------------------------------------


def test_surplus_85_to_the_unit_15_to_the_general_fund() -> None:
    # «Enheter med overskudd kan … avsette 85 % av dette til disposisjonsfond ved årsavslutning.
    # 15 % av enheters overskudd avsettes til det generelle disposisjonsfondet.»
    # 100 000 × 0,85 = 85 000; 100 000 × 0,15 = 15 000. Fund 20 000 + 85 000 = 105 000.
    d = distribute_result(100_000, 20_000)
    assert (d.to_unit_fund, d.to_general_fund, d.fund_after) == (D("85000.00"), D("15000.00"), D("105000.00"))
    assert d.use_of_unit_fund == d.reduction == d.new_negative == D("0.00")
    assert d.repayment == ()


@pytest.mark.parametrize(
    ("surplus", "unit", "general"),
    [
        # 100 000,01 × 0,85 = 85 000,0085 → rounded down 85 000,00; general gets 15 000,01
        (100_000.01, "85000.00", "15000.01"),
        # 0,01 × 0,85 = 0,0085 → 0,00; the whole øre to the general fund
        (0.01, "0.00", "0.01"),
        # 333,33 × 0,85 = 283,3305 → 283,33; 333,33 − 283,33 = 50,00
        (333.33, "283.33", "50.00"),
        # 1 234 567,89 × 0,85 = 1 049 382,7065 → 1 049 382,70; rest 185 185,19
        (1_234_567.89, "1049382.70", "185185.19"),
    ],
)
def test_rounding_unit_share_down_the_parts_add_up(surplus: float, unit: str, general: str) -> None:
    d = distribute_result(surplus)
    assert (d.to_unit_fund, d.to_general_fund) == (D(unit), D(general))
    assert d.to_unit_fund + d.to_general_fund == d.net_result


def test_parts_always_add_up_to_the_surplus() -> None:
    for ore in range(1, 2_000, 7):
        d = distribute_result(ore / 100)
        assert d.to_unit_fund + d.to_general_fund == Decimal(ore) / 100
        assert d.to_unit_fund <= d.net_result * D("0.85")  # the unit never gets more than 85 %


def test_rounding_to_nearest_when_the_rule_set_says_so(tmp_path: Path) -> None:
    own = tmp_path / "naermeste.toml"
    own.write_text(
        '[regelsett]\nnavn = "naermeste"\narver = "kristiansand_resultat"\n\n'
        '[arsresultat.overskudd]\navrunding = "naermeste"\n',
        encoding="utf-8",
    )
    # 0,01 × 0,85 = 0,0085 → half up → 0,01 to the unit, 0,00 to the general fund
    d = distribute_result(0.01, ruleset=str(own))
    assert (d.to_unit_fund, d.to_general_fund) == (D("0.01"), D("0.00"))


def test_special_projects_keep_everything() -> None:
    # «… kan ubrukte midler på disse prosjektene i sin helhet avsettes til disposisjonsfond»
    d = distribute_result(40_000, special_project=True)
    assert (d.to_unit_fund, d.to_general_fund) == (D("40000.00"), D("0.00"))


def test_surplus_reduces_a_negative_fund() -> None:
    # Fund −50 000 from an earlier deficit; surplus 100 000 → 85 000 to the fund → 35 000.
    d = distribute_result(100_000, -50_000)
    assert d.fund_after == D("35000.00") and d.to_general_fund == D("15000.00")


# -- surplus when the municipality is in deficit --------------------------------------------------------


def test_surplus_when_the_municipality_is_in_deficit_is_reduced_proportionally() -> None:
    # «I de tilfeller kommunen opererer med et samlet merforbruk etter at det generelle
    # disposisjonsfond er oppbrukt, skal avsetning av overskudd i områdene avkortes forholdsmessig»
    # This unit: 85 000 of all units' 150 000. Remaining deficit 30 000 = 20 % of 150 000.
    # Reduction 85 000 × 30 000 / 150 000 = 17 000 → memorandum; 68 000 to the fund.
    d = distribute_result(100_000, 0, municipal_deficit=30_000, total_allocations=150_000)
    assert (d.to_unit_fund, d.reduction, d.to_general_fund) == (D("68000.00"), D("17000.00"), D("15000.00"))
    assert d.fund_after == D("68000.00")
    assert any("memoriakonto" in n for n in d.notes)


def test_municipal_deficit_larger_than_all_allocations_withholds_everything() -> None:
    # Deficit 200 000 ≥ all allocations 150 000: everything is withheld (85 000 × 150 000/150 000).
    d = distribute_result(100_000, 0, municipal_deficit=200_000, total_allocations=150_000)
    assert (d.to_unit_fund, d.reduction) == (D("0.00"), D("85000.00"))


def test_municipal_deficit_needs_the_sum_of_allocations() -> None:
    with pytest.raises(InvalidArgumentError, match="sum_avsetninger"):
        distribute_result(100_000, 0, municipal_deficit=30_000)
    with pytest.raises(InvalidArgumentError, match="mindre enn denne enhetens"):
        distribute_result(100_000, 0, municipal_deficit=30_000, total_allocations=80_000)
    with pytest.raises(InvalidArgumentError, match="negativt"):
        distribute_result(100_000, 0, municipal_deficit=-1)


# -- deficit ---------------------------------------------------------------------------------------------


def test_deficit_covered_by_the_units_fund() -> None:
    # «Når en enhet ligger an til underskudd skal enhetens disposisjonsfond brukes»
    # Fund 50 000, deficit 30 000 → use 30 000, 20 000 left, nothing to repay.
    d = distribute_result(-30_000, 50_000)
    assert (d.use_of_unit_fund, d.fund_after, d.new_negative) == (D("30000.00"), D("20000.00"), D("0.00"))
    assert d.to_unit_fund == d.to_general_fund == D("0.00")
    assert d.repayment == ()


def test_deficit_equal_to_the_fund_empties_it() -> None:
    d = distribute_result(-100_000, 100_000)
    assert (d.use_of_unit_fund, d.fund_after, d.repayment) == (D("100000.00"), D("0.00"), ())


def test_deficit_larger_than_the_fund() -> None:
    # «Hele disposisjonsfondet skal om nødvendig benyttes.» Fund 100 000, deficit 300 000: use
    # 100 000; the fund shows −200 000, «tilbakeført innen 2 år»: 100 000 in 2024 and 2025.
    d = distribute_result(-300_000, 100_000, accounting_year=2023)
    assert (d.use_of_unit_fund, d.new_negative, d.fund_after) == (
        D("100000.00"),
        D("200000.00"),
        D("-200000.00"),
    )
    assert d.repayment == (Instalment(1, 2024, D("100000.00")), Instalment(2, 2025, D("100000.00")))


def test_instalments_add_up_to_the_oere() -> None:
    # 100 000,01 / 2 = 50 000,005 → 50 000,00 first year; the last takes 50 000,01.
    plan = repayment_plan(100_000.01)
    assert [i.amount for i in plan] == [D("50000.00"), D("50000.01")]
    # 1 000 / 3 years (granted) = 333,33 + 333,33 + 333,34
    plan = repayment_plan(1_000, years=3, extended_granted=True)
    assert [i.amount for i in plan] == [D("333.33"), D("333.33"), D("333.34")]


def test_longer_plan_only_when_granted() -> None:
    # «Når det foreligger grunner for å ikke bruke to-årsregelen …, kan kommunedirektøren åpne for
    # å fastsette en mer langsiktig nedbetalingsplan.»
    with pytest.raises(OutOfRangeError, match="kommunedirektøren"):
        distribute_result(-200_000, 0, repayment_years=4)
    d = distribute_result(-200_000, 0, repayment_years=4, extended_granted=True, accounting_year=2023)
    assert [(i.year, i.amount) for i in d.repayment] == [
        (2024, D("50000.00")),
        (2025, D("50000.00")),
        (2026, D("50000.00")),
        (2027, D("50000.00")),
    ]
    # A shorter plan than 2 years needs no grant: 1 year.
    assert [i.amount for i in distribute_result(-200_000, 0, repayment_years=1).repayment] == [D("200000.00")]
    with pytest.raises(InvalidArgumentError, match="nedbetalingsår"):
        distribute_result(-200_000, 0, repayment_years=0)


def test_deficit_on_an_already_negative_fund_plans_only_the_new_part() -> None:
    # Fund −50 000; deficit 20 000: nothing to use, the new 20 000 is repaid over 2 years.
    d = distribute_result(-20_000, -50_000)
    assert (d.use_of_unit_fund, d.new_negative, d.fund_after) == (D("0.00"), D("20000.00"), D("-70000.00"))
    assert [i.amount for i in d.repayment] == [D("10000.00"), D("10000.00")]


def test_amounts_must_be_whole_oere() -> None:
    with pytest.raises(InvalidArgumentError, match="øre"):
        distribute_result(100.005)
    # float noise from spreadsheet arithmetic is fine: 0.1 + 0.2 = 0.30000000000000004
    assert distribute_result(0.1 + 0.2).net_result == D("0.30")


# -- the whole municipality --------------------------------------------------------------------------


def test_close_year_reduces_exactly_and_sees_funds_as_one() -> None:
    # A: surplus 100 000 → 85 000 / 15 000. B: special project 40 000 → 40 000. C: deficit 50 000,
    # fund 10 000 → fund −40 000. Allocations 125 000; remaining municipal deficit 25 000 (20 %):
    # A 85 000 × 0,2 = 17 000, B 40 000 × 0,2 = 8 000; memorandum 25 000.
    # General fund 5 000 + 15 000 = 20 000. Funds: 20 000 + 68 000 + 32 000 − 40 000 = 80 000 ≥ 0.
    y = close_year(
        [
            UnitResult("A", 100_000),
            UnitResult("B", 40_000, special_project=True),
            UnitResult("C", -50_000, 10_000),
        ],
        5_000,
        municipal_deficit=25_000,
    )
    assert y.units["A"].reduction == D("17000.00") and y.units["A"].to_unit_fund == D("68000.00")
    assert y.units["B"].reduction == D("8000.00") and y.units["B"].fund_after == D("32000.00")
    assert y.units["C"].fund_after == D("-40000.00")
    assert (y.memorandum_total, y.general_fund_after, y.funds_total_after, y.below_minimum) == (
        D("25000.00"),
        D("20000.00"),
        D("80000.00"),
        D("0.00"),
    )


def test_close_year_largest_remainder() -> None:
    # Three special projects with 1,00 each; deficit 1,00 → 0,3333… each; floors 0,33 × 3 = 0,99;
    # the last øre goes to the first by name: A 0,34, B 0,33, C 0,33.
    units = [UnitResult(n, 1, special_project=True) for n in ("C", "A", "B")]
    y = close_year(units, 0, municipal_deficit=1)
    assert [y.units[n].reduction for n in ("A", "B", "C")] == [D("0.34"), D("0.33"), D("0.33")]
    assert y.memorandum_total == D("1.00")


def test_sum_of_funds_cannot_go_below_zero() -> None:
    # «Alle disposisjonsfond ses under ett. Summen av disse fondene kan ikke bli under null»
    # A: deficit 100 000, fund 0 → −100 000. B: fund 30 000, result 0. General 0.
    # Sum −70 000: 70 000 below zero.
    y = close_year([UnitResult("A", -100_000), UnitResult("B", 0, 30_000)], 0)
    assert y.funds_total_after == D("-70000.00") and y.below_minimum == D("70000.00")
    assert "under ett" in y.notes[0]


def test_close_year_refuses_duplicate_units() -> None:
    with pytest.raises(InvalidArgumentError, match="flere ganger"):
        close_year([UnitResult("A", 1), UnitResult("A", 2)], 0)


# -- order of cuts (seed 001 §5.4.2) ---------------------------------------------------------------


def test_operating_cuts_in_order() -> None:
    # «1. Stryke overføringer fra driftsregnskapet til finansiering av utgifter i årets
    # investeringsregnskap … 2. Stryke avsetninger til fond … 3. Stryke budsjettert inndekning av
    # tidligere års regnskapsmessige underskudd». Deficit 500 000; budgeted 300 000, 100 000,
    # 400 000 → cut 300 000, 100 000, then 100 000 of the coverage; nothing left.
    c = operating_cuts(500_000, 300_000, 100_000, 400_000)
    assert [s.cut for s in c.steps] == [D("300000.00"), D("100000.00"), D("100000.00")]
    assert c.remainder == D("0.00")
    assert [s.key for s in c.steps] == ["overforing_investering", "avsetning_fond", "inndekning_underskudd"]


def test_operating_deficit_larger_than_everything() -> None:
    # 1 000 000 − (300 000 + 100 000 + 400 000) = 200 000 left uncovered.
    c = operating_cuts(1_000_000, 300_000, 100_000, 400_000)
    assert [s.cut for s in c.steps] == [D("300000.00"), D("100000.00"), D("400000.00")]
    assert c.remainder == D("200000.00")


def test_small_deficit_touches_only_the_first_step() -> None:
    c = operating_cuts(50_000, 300_000, 100_000, 400_000)
    assert [s.cut for s in c.steps] == [D("50000.00"), D("0.00"), D("0.00")]


def test_investment_cuts_and_carry_forward() -> None:
    # «1. Redusere budsjetterte avsetninger finansiert av inntekter i investeringsregnskapet
    # 2. Overføre budsjettert, ikke disponert bruk av ubundne kapitalfond … Er investeringsregnskapet
    # fremdeles i ubalanse skal merutgiften føres opp til dekning på investeringsbudsjettet i det år
    # regnskapet legges fram.» 500 000 − 100 000 − 150 000 = 250 000 carried forward.
    c = investment_cuts(500_000, 100_000, 150_000)
    assert [s.cut for s in c.steps] == [D("100000.00"), D("150000.00")]
    assert c.remainder == D("250000.00") and "investeringsbudsjettet" in c.remainder_label


def test_the_municipality_may_swap_steps_1_and_2_but_not_move_step_3(tmp_path: Path) -> None:
    # «Punkt en og to står uprioritert i forskriften og er fastsatt av kommunen selv. Punkt tre skal
    # iht forskriften vernes lengst.»
    swapped = tmp_path / "bytt.toml"
    swapped.write_text(
        '[regelsett]\nnavn = "bytt"\narver = "okonomireglement"\n\n[strykning.drift]\n'
        'rekkefolge = ["avsetning_fond", "overforing_investering", "inndekning_underskudd"]\n',
        encoding="utf-8",
    )
    c = operating_cuts(150_000, 300_000, 100_000, 400_000, ruleset=str(swapped))
    assert [(s.key, s.cut) for s in c.steps] == [
        ("avsetning_fond", D("100000.00")),
        ("overforing_investering", D("50000.00")),
        ("inndekning_underskudd", D("0.00")),
    ]
    wrong = tmp_path / "feil.toml"
    wrong.write_text(
        '[regelsett]\nnavn = "feil"\narver = "okonomireglement"\n\n[strykning.drift]\n'
        'rekkefolge = ["inndekning_underskudd", "avsetning_fond", "overforing_investering"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleSetError, match="vernes lengst"):
        operating_cuts(1, 1, 1, 1, ruleset=str(wrong))


def test_a_surplus_is_not_cut() -> None:
    # Revenues are negative (as KOSTRA_AVVIK): a surplus typed −1 cuts nothing. §5.4.2 regulates only
    # the operating deficit, so the last row just says nothing is cut.
    c = operating_cuts(-1, 10, 10, 10)
    assert [s.cut for s in c.steps] == [D("0.00")] * 3
    assert c.remainder == D("-1.00")
    assert c.remainder_label == "Regnskapsmessig mindreforbruk: ingenting strykes"


def test_investment_net_surplus_is_taken_to_income() -> None:
    # §5.4.2: «En netto merinntekt skal føres opp til inntekt på investeringsbudsjettet i det året
    # regnskapet legges fram». −250 000 (a revenue) → nothing cut, −250 000 to income.
    c = investment_cuts(-250_000, 40_000, 60_000)
    assert [(s.budgeted, s.cut) for s in c.steps] == [(D("40000.00"), D("0.00")), (D("60000.00"), D("0.00"))]
    assert c.remainder == D("-250000.00")
    assert c.remainder_label.startswith("Netto merinntekt føres opp til inntekt på investeringsbudsjettet")
    # a net overspend is still cut in order (trigger vs. non-trigger of the surplus rule)
    assert investment_cuts(70_000, 40_000, 60_000).remainder == D("0.00")


def test_cuts_bad_input() -> None:
    with pytest.raises(InvalidArgumentError, match="positivt"):
        investment_cuts(1, -5, 0)
    assert operating_cuts(0, 10, 10, 10).remainder == D("0.00")


def test_large_sum_with_float_noise_is_whole_ore() -> None:
    # A district's net result from a float SUM of øre amounts (Bydel Vestre Aker in the benchmark
    # data: 161 607 047,48) carries a few millionths of an øre of noise; it is whole øre, not refused.
    from decimal import Decimal

    from kostra_functions.yearend.amounts import to_ore

    noisy = 161607047.45 + 0.01 + 0.01 + 0.01
    assert to_ore(noisy, "nettoresultat") == Decimal("161607047.48")
    import pytest

    from kostra_functions.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="brøkdeler av øre"):
        to_ore(161607047.485, "nettoresultat")  # half an øre is a real fraction
