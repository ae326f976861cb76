"""The Excel rows KOSTRA_AVVIK, KOSTRA_PROGNOSE and KOSTRA_AVVIK_FORKLARING through the table.

``.call`` has Excel semantics: a number, or an ExcelError carrying the Norwegian reason. Expected
values are worked out by hand in the comments (kroner, expenses +; deviation + = mindreforbruk).
"""

from __future__ import annotations

from typing import Any

import pytest

from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS

AVVIK = FUNCTIONS["KOSTRA_AVVIK"]
PROGNOSE = FUNCTIONS["KOSTRA_PROGNOSE"]
FORKLARING = FUNCTIONS["KOSTRA_AVVIK_FORKLARING"]


def _error(result: Any, code: str, *words: str) -> None:
    assert isinstance(result, ExcelError), f"expected {code}, got {result!r}"
    assert result.code == code, result
    for word in words:
        assert word in result.message, result.message


def test_signature() -> None:
    assert AVVIK.signature == (
        "KOSTRA_AVVIK(justert_budsjett; regnskap_hittil; periode; [metode]; "
        "[budsjett_hittil_eller_profil]; [tiltak]; [fremført]; [avsetninger]; [regelsett])"
    )
    assert PROGNOSE.signature.replace("PROGNOSE", "AVVIK") == AVVIK.signature
    assert all(arg.help for arg in AVVIK.args)


def test_linear() -> None:
    # 650 000 × 12 / 6 = 1 300 000; 1 200 000 − 1 300 000 = −100 000
    assert AVVIK.call(1_200_000, 650_000, 6, "lineær") == -100_000.0
    assert PROGNOSE.call(1_200_000, 650_000, 6, "lineær") == 1_300_000.0


def test_periodised_is_the_default() -> None:
    # 650 000 + (1 200 000 − 600 000) = 1 250 000; 1 200 000 − 1 250 000 = −50 000
    assert AVVIK.call(1_200_000, 650_000, 6, None, 600_000) == -50_000.0
    assert AVVIK.call(1_200_000, 650_000, 6, "", 600_000) == -50_000.0
    assert PROGNOSE.call(1_200_000, 650_000, 6, "periodisert", 600_000) == 1_250_000.0


def test_profile_as_a_range_row_or_column() -> None:
    # 100 a month, June 200: share 700 / 1 300; 650 000 × 13 / 7 = 1 207 142,857… → 1 207 142,86
    row = [[100, 100, 100, 100, 100, 200, 100, 100, 100, 100, 100, 100]]
    column = [[v] for v in row[0]]
    assert PROGNOSE.call(1_200_000, 650_000, 6, "profil", row) == 1_207_142.86
    assert PROGNOSE.call(1_200_000, 650_000, 6, "profil", column) == 1_207_142.86
    # 1 200 000 − 1 207 142,86 = −7 142,86
    assert AVVIK.call(1_200_000, 650_000, 6, "profil", row) == -7_142.86


def test_profile_share_as_one_number() -> None:
    # 650 000 / 0,52 = 1 250 000
    assert PROGNOSE.call(1_200_000, 650_000, 6, "profil", 0.52) == 1_250_000.0
    assert PROGNOSE.call(1_200_000, 650_000, 6, "profil", "0,52") == 1_250_000.0


def test_profile_profile_with_text_amounts() -> None:
    # Norwegian text in the profile cells: same as 100 … 200 … 100
    row = [["100", "100", "100", "100", "100", "200,00", "100", "100", "100", "100", "100", "100"]]
    assert PROGNOSE.call(1_200_000, 650_000, 6, "profil", row) == 1_207_142.86


def test_manual() -> None:
    # 1 200 000 − 1 280 000 = −80 000
    assert AVVIK.call(1_200_000, 650_000, 6, "manuell", 1_280_000) == -80_000.0


def test_all_adjustments() -> None:
    # projection 1 300 000 − measures 40 000 = 1 260 000;
    # expected budget 1 200 000 + 75 000 + 30 000 = 1 305 000; deviation 45 000
    assert AVVIK.call(1_200_000, 650_000, 6, "lineær", None, 40_000, 75_000, 30_000) == 45_000.0
    assert PROGNOSE.call(1_200_000, 650_000, 6, "lineær", None, 40_000, 75_000, 30_000) == 1_260_000.0


def test_carried_forward_from_february() -> None:
    # January: 100 000 × 12 = 1 200 000; carried forward 75 000 ignored → 0
    assert AVVIK.call(1_200_000, 100_000, 1, "lineær", None, None, 75_000) == 0.0
    text = FORKLARING.call(1_200_000, 100_000, 1, "lineær", None, None, 75_000)
    assert "Fremført resultat 75 000 er ikke tatt med" in text
    # February: 200 000 × 12 / 2 = 1 200 000; 1 200 000 + 75 000 − 1 200 000 = 75 000
    assert AVVIK.call(1_200_000, 200_000, 2, "lineær", None, None, 75_000) == 75_000.0


def test_norwegian_text_amounts_accepted() -> None:
    # "1 234,50" is 1 234,5; period 0: projection = budget 1 234,50 → deviation 0, accounts 1 234,50
    assert PROGNOSE.call("1 234,50", 0, 0) == 1234.5
    assert AVVIK.call("1 234,50", 0, 0) == 0.0
    # "1 200 000" and "650 000,00": as test_linear
    assert AVVIK.call("1 200 000", "650 000,00", "6", "lineær") == -100_000.0


def test_revenue_function() -> None:
    # −600 000 × 12 / 6 = −1 200 000; −1 000 000 − (−1 200 000) = 200 000 (more revenue)
    assert AVVIK.call(-1_000_000, -600_000, 6, "lineær") == 200_000.0


def test_periods_0_12_13() -> None:
    assert AVVIK.call(1_200_000, 0, 0, "lineær") == 0.0  # projection = budget
    assert AVVIK.call(1_200_000, 1_190_000, 12, "lineær") == 10_000.0  # 1 200 000 − 1 190 000
    assert AVVIK.call(1_200_000, 1_210_000, 13, "periodisert") == -10_000.0  # 1 200 000 − 1 210 000


def test_explanation_text() -> None:
    assert FORKLARING.call(1_200_000, 650_000, 6, "lineær") == (
        "Lineær: 650 000 × 12 / 6 = 1 300 000. Forventet regnskap = 1 300 000. Forventet justert "
        "budsjett = 1 200 000. Avviksprognose = 1 200 000 - 1 300 000 = -100 000 (merforbruk)."
    )


# ---------------------------------------------------------------------------------------------
# Errors: an Excel error value with the reason, never a number


@pytest.mark.parametrize("period", [-1, 14])
def test_period_out_of_range_is_num(period: int) -> None:
    _error(AVVIK.call(1_200_000, 650_000, period, "lineær"), "#NUM!", "«periode»", str(period))


def test_period_not_whole_is_value() -> None:
    _error(AVVIK.call(1_200_000, 650_000, 3.5, "lineær"), "#VALUE!", "«periode»")


def test_profile_share_zero_is_num() -> None:
    profile = [[0, 0, 0, 100, 100, 100, 100, 100, 100, 100, 100, 100]]
    _error(AVVIK.call(1_200_000, 300_000, 3, "profil", profile), "#NUM!", "andel 0,0000")
    _error(AVVIK.call(1_200_000, 300_000, 3, "profil", 0), "#NUM!", "større enn 0")
    _error(AVVIK.call(1_200_000, 300_000, 3, "profil", 45), "#NUM!", "høyst 1")


def test_missing_budget_is_value() -> None:
    _error(AVVIK.call(None, 650_000, 6, "lineær"), "#VALUE!", "«justert_budsjett» mangler")


def test_text_in_amount_is_value() -> None:
    _error(AVVIK.call(1_200_000, "abc", 6, "lineær"), "#VALUE!", "«regnskap_hittil»")


def test_missing_basis_for_periodised() -> None:
    _error(AVVIK.call(1_200_000, 650_000, 6), "#VALUE!", "periodisert budsjett t.o.m. periode 6")


def test_range_where_a_number_belongs() -> None:
    _error(
        AVVIK.call(1_200_000, 650_000, 6, "periodisert", [[1, 2]]),
        "#VALUE!",
        "«budsjett_hittil_eller_profil»",
        "bare metoden profil",
    )


def test_bad_cell_in_profile() -> None:
    profile = [[100] * 5 + ["#N/A"] + [100] * 6]
    _error(
        AVVIK.call(1_200_000, 650_000, 6, "profil", profile), "#VALUE!", "«budsjett_hittil_eller_profil[6]»"
    )


def test_unknown_method() -> None:
    _error(AVVIK.call(1_200_000, 650_000, 6, "gjennomsnitt"), "#VALUE!", "«gjennomsnitt» er ukjent")


def test_negative_measures_is_num() -> None:
    _error(AVVIK.call(1_200_000, 650_000, 6, "lineær", None, -40_000), "#NUM!", "positivt beløp")


def test_actuals_at_period_zero() -> None:
    _error(AVVIK.call(1_200_000, 5_000, 0, "lineær"), "#VALUE!", "Periode 0")


def test_feil_explains() -> None:
    message = FUNCTIONS["KOSTRA_FEIL"].call("KOSTRA_AVVIK", 1_200_000, 650_000, 14)
    assert "«periode» er 14" in message
