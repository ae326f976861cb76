"""Mapping ledgers to KOSTRA codes, function areas and result units; sums checked by hand.

The small ledger, budget and result units are in ``conftest.py`` (with their row numbers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kostra_functions.errors import InvalidCodeError, LedgerFormatError, OutOfRangeError
from kostra_functions.ledger import read_ledger
from kostra_functions.mapping import (
    MAPPED_COLUMNS,
    last_period,
    load_result_units,
    map_ledger,
    period_matrix,
    summarise,
)

HEADER = "Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp"


@pytest.fixture
def mapped(small_ledger: Path, small_result_units: Path) -> pd.DataFrame:
    units = load_result_units(small_result_units)
    return map_ledger(read_ledger(small_ledger), year=2023, result_units=units)


@pytest.fixture
def mapped_budget(small_budget: Path, small_result_units: Path) -> pd.DataFrame:
    units = load_result_units(small_result_units)
    return map_ledger(read_ledger(small_budget), year=2023, result_units=units)


def _row(frame: pd.DataFrame, source_row: int) -> pd.Series:
    return frame.loc[frame["kilde_rad"] == source_row].iloc[0]


def test_columns_added_and_no_row_lost(mapped: pd.DataFrame) -> None:
    assert list(mapped.columns[-len(MAPPED_COLUMNS):]) == list(MAPPED_COLUMNS)
    assert mapped["kilde_rad"].tolist() == list(range(2, 15))  # every row, in file order
    assert mapped.attrs["aar"] == 2023 and mapped.attrs["regelsett"] == "oslo_bydel"


def test_kostra_art_account_class_area_and_names(mapped: pd.DataFrame) -> None:
    # row 2: 10100 → KOSTRA art 010 (digits 2–4), drift (first digit 1); function 201 → FO2A
    r = _row(mapped, 2)
    assert (r["kostra_art"], r["kontoklasse"], r["funksjonsomrade"]) == ("010", "drift", "FO2A")
    assert r["funksjonsomrade_navn"] == "Barnehager"
    assert r["funksjon_navn"].startswith("Barnehage")
    # row 5: 16000 → 600 (user payments); row 10: 18100 → 810; rows 11/12: Oslo's 298 and 798
    assert [_row(mapped, n)["kostra_art"] for n in (5, 10, 11, 12)] == ["600", "810", "298", "798"]
    expected_areas = {7: "FO2B", 8: "FO2B", 9: "FO2C", 11: "FO3", 12: "FO1", 13: "FO4", 14: "FO2C"}
    assert {n: _row(mapped, n)["funksjonsomrade"] for n in expected_areas} == expected_areas
    assert _row(mapped, 13)["funksjon_navn"] == "Ytelse til livsopphold"


def test_result_units_from_the_table(mapped: pd.DataFrame) -> None:
    assert (_row(mapped, 7)["resultatenhet"], _row(mapped, 8)["resultatenhet"]) == ("30", "30")  # 310, 311
    assert _row(mapped, 8)["resultatenhet_navn"] == "Barnevern"
    assert _row(mapped, 12)["resultatenhet"] == "10"


def test_default_result_unit_is_the_ansvar(small_ledger: Path) -> None:
    mapped = map_ledger(read_ledger(small_ledger), year=2023)
    assert mapped["resultatenhet"].tolist() == mapped["ansvar"].tolist()
    assert set(mapped["resultatenhet_navn"]) == {""}


def test_earmarked_projects_start_with_2_or_3(mapped: pd.DataFrame) -> None:
    # 21001 (rows 9, 10) and 30012 (row 14) are earmarked; rows without project are not
    assert mapped.loc[mapped["oremerket"], "kilde_rad"].tolist() == [9, 10, 14]
    assert mapped["oremerket"].dtype == bool


def test_ordinary_project_is_not_earmarked(write_text) -> None:
    path = write_text("prosjekt.csv", [HEADER, "10100;110;120;10010;1;5,00", "10100;110;120;90001;1;5,00"])
    assert map_ledger(read_ledger(path), year=2023)["oremerket"].tolist() == [False, False]


def test_period_matrix_by_area(mapped: pd.DataFrame) -> None:
    matrix = period_matrix(mapped, ["funksjonsomrade"])
    assert list(matrix.columns) == list(range(1, 14))
    # rule-set order, only areas with rows
    assert list(matrix.index) == ["FO1", "FO2A", "FO2B", "FO2C", "FO3", "FO4"]
    # FO2A (201): p1 = 100 000 − 20 000 = 80 000; p2 = 100 000 − 20 000 = 80 000; p6 = 150 000,50
    assert matrix.loc["FO2A"].tolist() == [80000, 80000, 0, 0, 0, 150000.5, 0, 0, 0, 0, 0, 0, 0]
    # FO2B: p1 = 5 000,25 (244); p3 = 40 000 (252)
    assert matrix.loc["FO2B", 1] == 5000.25 and matrix.loc["FO2B", 3] == 40000
    # FO2C: p1 = 30 000 (21001), p2 = 12 345,67 (30012), p3 = −50 000 (21001)
    assert matrix.loc["FO2C", [1, 2, 3]].tolist() == [30000, 12345.67, -50000]
    # FO1 −7 000 (internal sale), FO3 +7 000 (internal purchase), FO4 900 in period 13
    assert (matrix.loc["FO1", 1], matrix.loc["FO3", 1], matrix.loc["FO4", 13]) == (-7000, 7000, 900)
    assert matrix.to_numpy().sum() == pytest.approx(348246.42)


def test_period_matrix_two_keys_and_plain_columns(mapped: pd.DataFrame) -> None:
    matrix = period_matrix(mapped, ["funksjonsomrade", "funksjon"])
    assert matrix.loc[("FO2B", "252"), 3] == 40000
    assert len(matrix) == 8  # functions 120, 201, 244, 252, 231, 232, 254, 281
    # plain (non-categorical) columns go through pandas' groupby; same sums
    plain = mapped.assign(fo=mapped["funksjonsomrade"].astype(str), ore=mapped["oremerket"])
    by_flag = period_matrix(plain, ["ore"])
    # earmarked: 30 000 + 12 345,67 − 50 000 = −7 654,33
    assert by_flag.loc[True].sum() == pytest.approx(-7654.33)
    assert by_flag.loc[False].sum() == pytest.approx(348246.42 + 7654.33)


def test_summarise_ordinary_through_period_2(mapped: pd.DataFrame, mapped_budget: pd.DataFrame) -> None:
    s = summarise(mapped, mapped_budget, through_period=2)
    r = s.loc[("FO2A", "201")]
    # budget 201: 12 × 110 000 − 11 × 20 000 = 1 320 000 − 220 000 = 1 100 000
    assert r["justert_budsjett"] == 1100000
    # budget to date: (110 000 − 20 000) × 2 = 180 000; accounts to date: 80 000 × 2 = 160 000
    assert r["budsjett_hittil"] == 180000 and r["regnskap_hittil"] == 160000
    assert r["regnskap_periode"] == 80000
    assert r["avvik_hittil"] == 20000  # 180 000 − 160 000: underspend (mindreforbruk)
    assert r["forbruk_andel"] == pytest.approx(160000 / 1100000)
    assert r["funksjonsomrade_navn"] == "Barnehager"
    # earmarked rows are not in the ordinary summary
    assert ("FO2C", "232") not in s.index and ("FO2C", "231") not in s.index


def test_summarise_overspend_and_period_13(mapped: pd.DataFrame, mapped_budget: pd.DataFrame) -> None:
    s3 = summarise(mapped, mapped_budget, through_period=3)
    r = s3.loc[("FO2B", "252")]
    # budget to date 3 × 10 000 = 30 000; accounts 40 000 → deviation −10 000 (merforbruk)
    assert (r["budsjett_hittil"], r["regnskap_hittil"], r["avvik_hittil"]) == (30000, 40000, -10000)
    s12 = summarise(mapped, None, through_period=12)
    s13 = summarise(mapped, None, through_period=13)
    assert s12.loc[("FO4", "281"), "regnskap_hittil"] == 0  # period 13 not counted before 13
    assert s13.loc[("FO4", "281"), "regnskap_hittil"] == 900
    assert np.isnan(s13.loc[("FO4", "281"), "forbruk_andel"])  # no budget


def test_summarise_earmarked_block(mapped: pd.DataFrame, mapped_budget: pd.DataFrame) -> None:
    s = summarise(mapped, mapped_budget, through_period=3, by=("prosjekt", "funksjon"), earmarked=True)
    assert list(s.index) == [("21001", "232"), ("30012", "231")]
    r = s.loc[("21001", "232")]
    # accounts 30 000 − 50 000 = −20 000; budget 40 000 − 40 000 = 0 → deviation 0 − (−20 000) = 20 000
    assert (r["regnskap_hittil"], r["budsjett_hittil"], r["avvik_hittil"]) == (-20000, 0, 20000)
    assert s.loc[("30012", "231"), "regnskap_hittil"] == pytest.approx(12345.67)
    both = summarise(mapped, mapped_budget, through_period=3, by=("funksjonsomrade",), earmarked=None)
    # FO2C all rows through 3: 30 000 + 12 345,67 − 50 000 = −7 654,33
    assert both.loc["FO2C", "regnskap_hittil"] == pytest.approx(-7654.33)


def test_summarise_refuses_bad_period(mapped: pd.DataFrame) -> None:
    with pytest.raises(OutOfRangeError):
        summarise(mapped, None, through_period=14)
    assert last_period(mapped) == 13


def test_invalid_codes_name_code_and_rows(write_text) -> None:
    lines = [
        HEADER,
        "10100;110;257;;1;1,00",  # 2: 257 first valid from 2024
        "10100;110;257;;2;1,00",  # 3
        "10100;110;202;;1;1,00",  # 4: 202 Grunnskole: valid, but in no function area of oslo_bydel
        "19990;110;120;;1;1,00",  # 5: KOSTRA art 999 does not exist
        "12800;110;120;;1;1,00",  # 6: art 280 (grunnerverv) only in investment
    ]
    with pytest.raises(InvalidCodeError) as info:
        map_ledger(read_ledger(write_text("ugyldig.csv", lines)), year=2023)
    message = str(info.value)
    assert "ugyldig.csv" in message and "4 ugyldige koder" in message
    assert "rad 2 og 3: funksjon 257: Funksjon 257 er ikke gyldig i 2023" in message
    assert "rad 4: Funksjon 202 hører ikke til noe funksjonsområde" in message
    assert "rad 5: art 19990 (KOSTRA-art 999)" in message
    assert "rad 6: art 12800 (KOSTRA-art 280): Art 280 er bare gyldig i investering, ikke i drift." in message


def test_function_254_valid_in_2023(write_text) -> None:
    path = write_text("f254.csv", [HEADER, "10100;510;254;;1;1,00"])
    assert map_ledger(read_ledger(path), year=2023)["funksjonsomrade"].tolist() == ["FO3"]


def test_year_without_code_list(small_ledger: Path) -> None:
    with pytest.raises(OutOfRangeError):
        map_ledger(read_ledger(small_ledger), year=2019)


def test_ansvar_missing_from_result_units(small_ledger: Path, write_text) -> None:
    units = write_text("res.csv", ["Ansvar;Resultatenhet;Navn", "210;20;Barnehager"], "utf-8-sig")
    with pytest.raises(InvalidCodeError) as info:
        map_ledger(read_ledger(small_ledger), year=2023, result_units=load_result_units(units))
    message = str(info.value)
    assert "rad 7: ansvar 310 finnes ikke i resultatenhetene" in message
    assert "rad 12: ansvar 110" in message


def test_load_result_units(small_result_units: Path) -> None:
    units = load_result_units(small_result_units)
    assert list(units.columns) == ["ansvar", "resultatenhet", "resultatenhet_navn", "kilde_rad"]
    assert units["ansvar"].tolist()[:2] == ["110", "210"]
    assert units.loc[units["ansvar"] == "311", "resultatenhet_navn"].item() == "Barnevern"
    assert units["kilde_rad"].tolist() == list(range(2, 10))


def test_result_units_errors(write_text) -> None:
    dup = write_text("dup.csv", ["Ansvar;RES;Navn", "210;20;A", "211;20;A", "210;21;B", "21X;22;C", ";23;D"])
    with pytest.raises(LedgerFormatError) as info:
        load_result_units(dup)
    message = str(info.value)
    assert "dup.csv" in message
    assert "rad 4, kolonne «Ansvar» (A): ansvar 210 står også på rad 2" in message
    assert "rad 5, kolonne «Ansvar» (A): «21X» skal bare ha sifre" in message
    assert "rad 6, kolonne «Ansvar» (A): ansvar mangler (tom celle)" in message
    missing = write_text("uten_res.csv", ["Ansvar;Navn", "210;A"])
    with pytest.raises(LedgerFormatError, match="«resultatenhet» mangler"):
        load_result_units(missing)


def test_result_units_from_xlsx_with_numbers(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ansvar", "Resultatenhet", "Resultatenhet navn"])
    ws.append([210.0, 20, "Barnehager"])
    ws.append([10, 30, "Stab"])  # ansvar 010 lost its leading zero in Excel
    path = tmp_path / "res.xlsx"
    wb.save(path)
    units = load_result_units(path)
    assert units["ansvar"].tolist() == ["210", "010"]
    assert units["resultatenhet"].tolist() == ["20", "30"]


def test_mapping_a_hand_built_frame_with_plain_strings() -> None:
    frame = pd.DataFrame({
        "art": ["10100", "16000"], "ansvar": ["210", "210"], "funksjon": ["201", "201"],
        "prosjekt": ["", ""], "periode": [1, 1], "belop": [10.0, -4.0], "kilde_rad": [2, 3],
    })
    mapped = map_ledger(frame, year=2023)
    assert mapped["kostra_art"].tolist() == ["010", "600"]
    assert period_matrix(mapped, ["funksjon"]).loc["201", 1] == 6.0  # 10 − 4
