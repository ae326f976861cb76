"""Deviation prognoses: the methods and adjustments, with every expected value worked out by hand.

Signs: expenses +, revenues −; deviation = expected adjusted budget − expected accounts,
+ = mindreforbruk, − = merforbruk. Every figure is rounded to øre (ROUND half away from zero).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from kostra_functions import prognosis as pg
from kostra_functions.errors import (
    InvalidArgumentError,
    MissingArgumentError,
    OutOfRangeError,
    RuleSetError,
)

# ---------------------------------------------------------------------------------------------
# The four methods on the brief's example: budget 1 200 000, actual to date 650 000 at period 6


def test_linear_brief_example() -> None:
    p = pg.prognosis(1_200_000, 650_000, 6, method="lineær")
    # 650 000 × 12 / 6 = 7 800 000 / 6 = 1 300 000
    assert p.projection == 1_300_000.00
    assert p.expected_accounts == 1_300_000.00
    # 1 200 000 − 1 300 000 = −100 000 (merforbruk)
    assert p.deviation == -100_000.00
    assert p.explanation.startswith("Lineær: 650 000 × 12 / 6 = 1 300 000.")
    assert "= -100 000 (merforbruk)" in p.explanation


def test_periodised() -> None:
    # budget to date 600 000: 650 000 + (1 200 000 − 600 000) = 1 250 000
    p = pg.prognosis(1_200_000, 650_000, 6, method="periodisert", budget_ytd=600_000)
    assert p.projection == 1_250_000.00
    # 1 200 000 − 1 250 000 = −50 000
    assert p.deviation == -50_000.00
    assert p.projection_explanation == "Periodisert: 650 000 + (1 200 000 - 600 000) = 1 250 000"


def test_periodised_uneven_budget() -> None:
    # budget periodised heavier in spring: 700 000 to date. 650 000 + (1 200 000 − 700 000) = 1 150 000
    p = pg.prognosis(1_200_000, 650_000, 6, method="periodisert", budget_ytd=700_000)
    assert p.projection == 1_150_000.00
    assert p.deviation == 50_000.00  # 1 200 000 − 1 150 000, mindreforbruk


def test_profile_from_monthly_amounts() -> None:
    # profile: 100 in every month except June 200 → total 1 300, cumulative to June 700
    profile = [100.0] * 5 + [200.0] + [100.0] * 6
    p = pg.prognosis(1_200_000, 650_000, 6, method="profil", profile=profile)
    # share 700 / 1 300 = 7/13; 650 000 / (7/13) = 650 000 × 13 / 7 = 8 450 000 / 7 = 1 207 142,857…
    assert p.projection == 1_207_142.86
    # 1 200 000 − 1 207 142,86 = −7 142,86
    assert p.deviation == -7_142.86
    assert p.share == pytest.approx(7 / 13)
    assert "andel t.o.m. periode 6 = 700 / 1 300 = 0,5385" in p.projection_explanation


def test_profile_with_share_given() -> None:
    # share 0,52: 650 000 / 0,52 = 1 250 000
    p = pg.prognosis(1_200_000, 650_000, 6, method="profil", share=0.52)
    assert p.projection == 1_250_000.00
    assert p.deviation == -50_000.00


def test_profile_thirteenth_value_counts_in_total_only() -> None:
    # 12 × 100 + period 13: 300 → total 1 500; cumulative to period 6 = 600; share 0,4
    profile = [100.0] * 12 + [300.0]
    p = pg.prognosis(1_200_000, 650_000, 6, method="profil", profile=profile)
    # 650 000 / 0,4 = 1 625 000
    assert p.projection == 1_625_000.00
    assert p.deviation == -425_000.00  # 1 200 000 − 1 625 000


def test_manual() -> None:
    p = pg.prognosis(1_200_000, 650_000, 6, method="manuell", manual_projection=1_280_000)
    assert p.projection == 1_280_000.00
    assert p.deviation == -80_000.00  # 1 200 000 − 1 280 000
    assert p.projection_explanation == "Manuell: controllerens prognose 1 280 000"


@pytest.mark.parametrize("spelling", ["lineær", "Lineær", " LINEAER ", "linear"])
def test_method_spellings(spelling: str) -> None:
    assert pg.normalise_method(spelling) == "lineær"


def test_unknown_method() -> None:
    with pytest.raises(InvalidArgumentError, match="Metoden «snitt» er ukjent"):
        pg.prognosis(1_200_000, 650_000, 6, method="snitt")


def test_blank_method_is_default_periodised() -> None:
    assert pg.normalise_method(None) == "periodisert"
    assert pg.normalise_method("  ") == "periodisert"
    assert pg.default_method("oslo_bydel") == "periodisert"


# ---------------------------------------------------------------------------------------------
# Adjustments: measures, carried forward (from February), central allocations


def test_all_adjustments() -> None:
    p = pg.prognosis(
        1_200_000,
        650_000,
        6,
        method="lineær",
        measures=40_000,
        carried_forward=75_000,
        central_allocations=30_000,
    )
    assert p.projection == 1_300_000.00  # 650 000 × 12 / 6
    assert p.expected_accounts == 1_260_000.00  # 1 300 000 − 40 000
    assert p.expected_budget == 1_305_000.00  # 1 200 000 + 75 000 + 30 000
    assert p.deviation == 45_000.00  # 1 305 000 − 1 260 000, mindreforbruk
    assert "Tiltak: 1 300 000 - 40 000 = forventet regnskap 1 260 000." in p.explanation
    assert (
        "Forventet justert budsjett = 1 200 000 + fremført 75 000 + sentrale avsetninger 30 000 = 1 305 000."
    ) in p.explanation


def test_carried_forward_deficit() -> None:
    # deficit brought forward −120 000: expected budget 1 200 000 − 120 000 = 1 080 000
    p = pg.prognosis(1_200_000, 600_000, 6, method="lineær", carried_forward=-120_000)
    assert p.projection == 1_200_000.00  # 600 000 × 12 / 6
    assert p.expected_budget == 1_080_000.00
    assert p.deviation == -120_000.00  # 1 080 000 − 1 200 000


def test_carried_forward_not_counted_in_january() -> None:
    # January: 100 000 × 12 / 1 = 1 200 000; carried forward 75 000 is not counted before period 2
    jan = pg.prognosis(1_200_000, 100_000, 1, method="lineær", carried_forward=75_000)
    assert jan.carried_forward == 0.0
    assert jan.carried_forward_given == 75_000.00
    assert jan.expected_budget == 1_200_000.00
    assert jan.deviation == 0.00
    assert "Fremført resultat 75 000 er ikke tatt med" in jan.explanation
    # February: 200 000 × 12 / 2 = 1 200 000; expected budget 1 200 000 + 75 000 = 1 275 000
    feb = pg.prognosis(1_200_000, 200_000, 2, method="lineær", carried_forward=75_000)
    assert feb.deviation == 75_000.00


def test_carried_forward_rule_from_rule_set(tmp_path) -> None:
    assert pg.carried_forward_from("oslo_bydel") == 2
    own = tmp_path / "egen.toml"
    own.write_text(
        '[regelsett]\nnavn = "egen"\n[prognose]\nfremfort_fra_periode = 1\nkilde = "test"\n', encoding="utf-8"
    )
    assert pg.carried_forward_from(str(own)) == 1
    # with the rule «from January», the January prognosis counts it: 1 200 000 + 75 000 − 1 200 000
    jan = pg.prognosis(
        1_200_000,
        100_000,
        1,
        method="lineær",
        carried_forward=75_000,
        carried_forward_from=pg.carried_forward_from(str(own)),
    )
    assert jan.deviation == 75_000.00
    bad = tmp_path / "feil.toml"
    bad.write_text('[regelsett]\nnavn = "feil"\n[prognose]\nfremfort_fra_periode = 14\n', encoding="utf-8")
    with pytest.raises(RuleSetError, match="fremfort_fra_periode"):
        pg.carried_forward_from(str(bad))


def test_negative_central_allocation_is_a_deduction() -> None:
    # expected deduction −25 000: 1 200 000 − 25 000 = 1 175 000; projection 650 000 + 600 000
    p = pg.prognosis(1_200_000, 650_000, 6, budget_ytd=600_000, central_allocations=-25_000)
    assert p.expected_budget == 1_175_000.00
    assert p.deviation == -75_000.00  # 1 175 000 − 1 250 000


def test_negative_measures_refused() -> None:
    with pytest.raises(OutOfRangeError, match="skal være et positivt beløp"):
        pg.prognosis(1_200_000, 650_000, 6, method="lineær", measures=-40_000)


def test_measures_refused_when_year_closed() -> None:
    with pytest.raises(OutOfRangeError, match="alle månedene er lukket"):
        pg.prognosis(1_200_000, 1_190_000, 12, method="lineær", measures=10_000)
    # 0 is fine: 1 200 000 − 1 190 000 = 10 000
    assert pg.prognosis(1_200_000, 1_190_000, 12, method="lineær", measures=0).deviation == 10_000.00


# ---------------------------------------------------------------------------------------------
# June with holiday pay: lineær and profil disagree


def test_june_holiday_pay_linear_vs_profile() -> None:
    """Salaries 800 000 a month; June 1 400 000 with the holiday pay paid out (seed: prognose_metoder §3).

    This year, Jan–May 5 × 800 000 = 4 000 000, June 1 400 000 → to date 5 400 000; budget 10 200 000.
    Last year: Jan–May 5 × 750 000 = 3 750 000, June 1 300 000, July 450 000 (holiday deduction, few
    temps), Aug–Dec 5 × 750 000 = 3 750 000 → total 9 250 000; cumulative to June 5 050 000.
    """
    budget, actual = 10_200_000, 5 * 800_000 + 1_400_000
    assert actual == 5_400_000
    last_year = [750_000.0] * 5 + [1_300_000.0, 450_000.0] + [750_000.0] * 5
    linear = pg.prognosis(budget, actual, 6, method="lineær")
    # 5 400 000 × 12 / 6 = 10 800 000 → 10 200 000 − 10 800 000 = −600 000 (merforbruk)
    assert linear.projection == 10_800_000.00
    assert linear.deviation == -600_000.00
    profile = pg.prognosis(budget, actual, 6, method="profil", profile=last_year)
    # share 5 050 000 / 9 250 000 = 101/185; 5 400 000 × 185 / 101 = 999 000 000 / 101
    #   = 9 891 089,1089… → 9 891 089,11; 10 200 000 − 9 891 089,11 = 308 910,89 (mindreforbruk)
    assert profile.projection == 9_891_089.11
    assert profile.deviation == 308_910.89
    assert pg.deviation_word(linear.deviation) == "merforbruk"
    assert pg.deviation_word(profile.deviation) == "mindreforbruk"


# ---------------------------------------------------------------------------------------------
# Revenue functions (negative budgets)


def test_revenue_function_linear_and_periodised() -> None:
    # budget −1 000 000 (revenue), to date −600 000 at period 6
    lin = pg.prognosis(-1_000_000, -600_000, 6, method="lineær")
    assert lin.projection == -1_200_000.00  # −600 000 × 12 / 6
    assert lin.deviation == 200_000.00  # −1 000 000 − (−1 200 000): more revenue = mindreforbruk
    per = pg.prognosis(-1_000_000, -600_000, 6, method="periodisert", budget_ytd=-500_000)
    # −600 000 + (−1 000 000 − (−500 000)) = −600 000 − 500 000 = −1 100 000
    assert per.projection == -1_100_000.00
    assert per.deviation == 100_000.00  # −1 000 000 + 1 100 000


def test_revenue_function_profile_all_negative() -> None:
    # last year's revenue: −100 000 a month, June −200 000 → total −1 300 000; to June −700 000
    profile = [-100_000.0] * 5 + [-200_000.0] + [-100_000.0] * 6
    p = pg.prognosis(-1_000_000, -600_000, 6, method="profil", profile=profile)
    # share −700 000 / −1 300 000 = 7/13; −600 000 × 13 / 7 = −7 800 000 / 7 = −1 114 285,714… → −1 114 285,71
    assert p.projection == -1_114_285.71
    assert p.deviation == 114_285.71  # −1 000 000 − (−1 114 285,71)


def test_revenue_measure_is_positive_saving() -> None:
    # more revenue decided: 50 000; −1 200 000 − 50 000 = −1 250 000 expected accounts
    p = pg.prognosis(-1_000_000, -600_000, 6, method="lineær", measures=50_000)
    assert p.expected_accounts == -1_250_000.00
    assert p.deviation == 250_000.00  # −1 000 000 + 1 250 000


# ---------------------------------------------------------------------------------------------
# Periods 0, 12, 13


@pytest.mark.parametrize("method", ["lineær", "periodisert", "profil"])
def test_period_zero_projects_budget(method: str) -> None:
    p = pg.prognosis(1_200_000, 0, 0, method=method, central_allocations=30_000, carried_forward=50_000)
    assert p.projection == 1_200_000.00
    # carried forward not counted at period 0 (< 2); 1 200 000 + 30 000 − 1 200 000 = 30 000
    assert p.deviation == 30_000.00
    assert p.explanation.startswith("Periode 0 (ingen måned lukket): prognose = justert budsjett 1 200 000.")


def test_period_zero_with_actuals_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError, match="Periode 0 betyr at ingen måned er lukket"):
        pg.prognosis(1_200_000, 5_000, 0, method="lineær")


@pytest.mark.parametrize("method", ["lineær", "periodisert", "profil"])
def test_period_12_and_13_project_actuals(method: str) -> None:
    p12 = pg.prognosis(1_200_000, 1_190_000, 12, method=method)
    assert p12.projection == 1_190_000.00
    assert p12.deviation == 10_000.00  # 1 200 000 − 1 190 000
    # period 13 (year-end accruals posted): to date 1 210 000 is the year, not × 12 / 13
    p13 = pg.prognosis(1_200_000, 1_210_000, 13, method=method)
    assert p13.projection == 1_210_000.00
    assert p13.deviation == -10_000.00


def test_manual_wins_in_every_period() -> None:
    p = pg.prognosis(1_200_000, 1_190_000, 12, method="manuell", manual_projection=1_230_000)
    assert p.deviation == -30_000.00  # 1 200 000 − 1 230 000


# ---------------------------------------------------------------------------------------------
# Rounding to øre


def test_rounding_to_ore() -> None:
    # 1 000 000 × 12 / 7 = 12 000 000 / 7 = 1 714 285,714… → 1 714 285,71
    p = pg.prognosis(1_700_000, 1_000_000, 7, method="lineær")
    assert p.projection == 1_714_285.71
    assert p.deviation == -14_285.71  # 1 700 000 − 1 714 285,71


def test_rounding_half_away_from_zero_like_excel() -> None:
    # 1 000,01 × 12 / 8 = 12 000,12 / 8 = 1 500,015 exactly in decimals → 1 500,02 (ROUND in Excel)
    assert pg.prognosis(0, 1_000.01, 8, method="lineær").projection == 1_500.02
    assert pg.prognosis(0, -1_000.01, 8, method="lineær").projection == -1_500.02
    assert pg.round_ore(2.675) == 2.68
    assert pg.round_ore(-0.125) == -0.13
    assert pg.round_ore(0.004) == 0.0


def test_format_amount_norwegian() -> None:
    assert pg.format_amount(1_234_567.5) == "1 234 567,50"
    assert pg.format_amount(-100_000) == "-100 000"
    assert pg.format_amount(0.0) == "0"


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("period", [-1, 14, 100])
def test_period_out_of_range(period: int) -> None:
    with pytest.raises(OutOfRangeError, match=f"«periode» er {period}"):
        pg.prognosis(1_200_000, 650_000, period, method="lineær")


def test_period_not_whole() -> None:
    with pytest.raises(InvalidArgumentError, match="heltall"):
        pg.check_period(3.5)


def test_profile_share_zero() -> None:
    # nothing spent in the first three months last year: share 0 at period 3
    profile = [0.0, 0.0, 0.0] + [100.0] * 9
    with pytest.raises(OutOfRangeError, match=re.escape("andel 0,0000 t.o.m. periode 3")):
        pg.prognosis(1_200_000, 300_000, 3, method="profil", profile=profile)
    with pytest.raises(OutOfRangeError, match="større enn 0"):
        pg.prognosis(1_200_000, 300_000, 3, method="profil", share=0.0)


def test_profile_zero_or_negative_share() -> None:
    with pytest.raises(OutOfRangeError, match="Summen av profilen"):
        pg.profile_share([0.0] * 12, 6)
    # mixed signs: to June +100, whole year −1 100 → share negative
    with pytest.raises(OutOfRangeError, match="andel -0,0909"):
        pg.profile_share([100.0] + [0.0] * 5 + [-200.0] * 6, 6)


def test_profile_wrong_length() -> None:
    with pytest.raises(InvalidArgumentError, match=r"12 månedsbeløp .* men har 11"):
        pg.prognosis(1_200_000, 650_000, 6, method="profil", profile=[100.0] * 11)


def test_missing_basis() -> None:
    with pytest.raises(MissingArgumentError, match="periodisert krever periodisert budsjett"):
        pg.prognosis(1_200_000, 650_000, 6, method="periodisert")
    with pytest.raises(MissingArgumentError, match="profil krever"):
        pg.prognosis(1_200_000, 650_000, 6, method="profil")
    with pytest.raises(MissingArgumentError, match="manuell krever"):
        pg.prognosis(1_200_000, 650_000, 6, method="manuell")
    # at period 12 and 0 the budget to date is not needed
    assert pg.prognosis(1_200_000, 1_000_000, 12, method="periodisert").deviation == 200_000.00


def test_missing_budget() -> None:
    with pytest.raises(MissingArgumentError, match="justert_budsjett"):
        pg.prognosis(None, 650_000, 6, method="lineær")  # type: ignore[arg-type]


def test_nan_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="regnskap_hittil"):
        pg.prognosis(1_200_000, float("nan"), 6, method="lineær")


# ---------------------------------------------------------------------------------------------
# Vectorised


def test_project_array_matches_scalar() -> None:
    methods = ["lineær", "periodisert", "profil", "manuell", "profil"]
    budget = np.array([1_200_000, 1_200_000, 1_200_000, 1_200_000, 500_000], dtype=float)
    actual = np.array([650_000, 650_000, 650_000, 650_000, 100_000], dtype=float)
    bytd = np.array([600_000, 600_000, 600_000, 600_000, 0], dtype=float)
    share = np.array([np.nan, np.nan, 0.52, np.nan, 0.0])
    manual = np.array([np.nan, np.nan, np.nan, 1_280_000, np.nan])
    values, invalid = pg.project_array(methods, 6, budget, actual, bytd, share, manual)
    # 1 300 000 (lineær), 1 250 000 (650 000 + 600 000), 1 250 000 (/0,52), 1 280 000, share 0 → invalid
    assert values[:4].tolist() == [1_300_000.0, 1_250_000.0, 1_250_000.0, 1_280_000.0]
    assert invalid.tolist() == [False, False, False, False, True]
    for i in range(4):
        scalar = pg.projection(
            methods[i],
            adjusted_budget=budget[i],
            actual_ytd=actual[i],
            period=6,
            budget_ytd=bytd[i],
            share=None if np.isnan(share[i]) else share[i],
            manual_projection=None if np.isnan(manual[i]) else manual[i],
        )
        assert scalar.value == pytest.approx(values[i], abs=1e-9)


def test_project_array_period_rules() -> None:
    budget = np.array([1_200_000.0, -300_000.0])
    actual = np.array([1_190_000.0, -310_000.0])
    values, invalid = pg.project_array(["lineær", "profil"], 13, budget, actual, budget, None, None)
    assert values.tolist() == [1_190_000.0, -310_000.0]  # period 13: accounts to date
    values0, _ = pg.project_array(["lineær", "profil"], 0, budget, np.zeros(2), np.zeros(2))
    assert values0.tolist() == [1_200_000.0, -300_000.0]  # period 0: the budget
    assert not invalid.any()
