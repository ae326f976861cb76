"""Deviation prognoses for a whole district from real CSV files: Python API, Excel table and CLI.

The test district (written to files by the fixture, read with the real ledger reader and mapping):

=====  ======  ===========  =================================  ===========================  =======
func.  ansvar  RES          budget per month (periods 1–12)    accounts per month (1–6)      project
=====  ======  ===========  =================================  ===========================  =======
253    310     R1           100 000                            110 000 (+ 99 999,99 in p 7)
253    320     R2            50 000                             45 000
281    410     R4           200 000                            210 000
201    510     R5           −20 000 (revenue)                  −25 000
253    310     R1            10 000                              5 000                       21001
=====  ======  ===========  =================================  ===========================  =======

Last year (profile): 253/310 100 000 a month but 200 000 in June; 281 190 000 flat; 201 −20 000
flat; earmarked 253 (project 31001) 8 000 flat. Function areas (oslo_bydel): 201 FO2A, 253 FO3,
281 FO4. Kroner, expenses +; deviation = expected budget − expected accounts, + = mindreforbruk.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kostra_functions.cli import main
from kostra_functions.errors import InvalidArgumentError, OutOfRangeError
from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.functions.prognosis_table import prognosis_adjustments
from kostra_functions.ledger import read_ledger
from kostra_functions.mapping import load_result_units
from kostra_functions.prognosis.amounts import round_groups
from kostra_functions.prognosis.compute import compute
from kostra_functions.prognosis.district import ORDINARY, UNALLOCATED_NAME, district_basis
from kostra_functions.prognosis.rows import district_prognosis, function_rows
from kostra_functions.prognosis.table import HEADER as REPORT_HEADER

TABLE = FUNCTIONS["KOSTRA_AVVIK_TABELL"]
AVVIK = FUNCTIONS["KOSTRA_AVVIK"]
HEADER = "Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp\n"


def _write(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    path.write_text(HEADER + "".join(";".join(str(c) for c in r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bydel")
    budget, actual, last = [], [], []
    for p in range(1, 13):
        budget += [
            ("10100", "310", "253", "", p, "100000,00"),
            ("10100", "320", "253", "", p, "50000,00"),
            ("11200", "410", "281", "", p, "200000,00"),
            ("16000", "510", "201", "", p, "-20000,00"),
            ("10100", "310", "253", "21001", p, "10000,00"),
        ]
        last += [
            ("10100", "310", "253", "", p, "200000,00" if p == 6 else "100000,00"),
            ("11200", "410", "281", "", p, "190000,00"),
            ("16000", "510", "201", "", p, "-20000,00"),
            ("10100", "310", "253", "31001", p, "8000,00"),
        ]
    for p in range(1, 7):
        actual += [
            ("10100", "310", "253", "", p, "110000,00"),
            ("10100", "320", "253", "", p, "45000,00"),
            ("11200", "410", "281", "", p, "210000,00"),
            ("16000", "510", "201", "", p, "-25000,00"),
            ("10100", "310", "253", "21001", p, "5000,00"),
        ]
    actual.append(("10100", "310", "253", "", 7, "99999,99"))
    units = d / "resultatenheter.csv"
    units.write_text(
        "Ansvar;Resultatenhet;Resultatenhet navn\n310;R1;Sykehjem A\n320;R2;Sykehjem B\n"
        "410;R4;NAV sosial\n510;R5;Barnehager\n",
        encoding="utf-8",
    )
    return {
        "regnskap": _write(d / "regnskap.csv", actual),
        "budsjett": _write(d / "budsjett.csv", budget),
        "fjoraar": _write(d / "fjoraar.csv", last),
        "resultatenheter": units,
        "dir": d,
    }


@pytest.fixture(scope="module")
def ledgers(files: dict[str, Path]) -> dict[str, Any]:
    return {
        "actuals": read_ledger(files["regnskap"], kind="regnskap"),
        "budget": read_ledger(files["budsjett"], kind="budsjett"),
        "last": read_ledger(files["fjoraar"], kind="regnskap"),
        "units": load_result_units(files["resultatenheter"]),
    }


def _prognosis(ledgers: dict[str, Any], period: int, **kw: Any) -> pd.DataFrame:
    return district_prognosis(
        ledgers["actuals"], ledgers["budget"], period, year=2023, result_units=ledgers["units"], **kw
    )


def _by_function(detail: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    rows = function_rows(detail)
    return {(r["blokk"][:3], r["funksjon"]): r for r in rows.to_dict("records")}


def _range(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as fh:
        return [row for row in csv.reader(fh, delimiter=";")]


# ---------------------------------------------------------------------------------------------
# Python API


def test_periodised_period_6(ledgers: dict[str, Any]) -> None:
    f = _by_function(_prognosis(ledgers, 6))
    # 253 ordinary: budget 12 × 150 000 = 1 800 000; to date 6 × 155 000 = 930 000; budget to date 900 000
    # projection 930 000 + (1 800 000 − 900 000) = 1 830 000; deviation −30 000
    r = f[("Ord", "253")]
    assert (r["justert_budsjett"], r["regnskap_hittil"], r["budsjett_hittil"]) == (
        1_800_000,
        930_000,
        900_000,
    )
    assert (r["avvik_hittil"], r["prognose"], r["avviksprognose"]) == (-30_000, 1_830_000, -30_000)
    # 281: 1 260 000 + (2 400 000 − 1 200 000) = 2 460 000; 2 400 000 − 2 460 000 = −60 000
    assert f[("Ord", "281")]["avviksprognose"] == -60_000
    # 201 (revenue): −150 000 + (−240 000 − (−120 000)) = −270 000; −240 000 − (−270 000) = +30 000
    assert f[("Ord", "201")]["prognose"] == -270_000
    assert f[("Ord", "201")]["avviksprognose"] == 30_000
    # earmarked 253: 30 000 + (120 000 − 60 000) = 90 000; 120 000 − 90 000 = 30 000
    assert f[("Øre", "253")]["avviksprognose"] == 30_000


def test_rows_by_function_area_function_result_unit(ledgers: dict[str, Any]) -> None:
    d = _prognosis(ledgers, 6)
    keys = list(zip(d["blokk"].str[:3], d["funksjonsomrade"], d["funksjon"], d["resultatenhet"], strict=True))
    assert keys == [
        ("Ord", "FO2A", "201", "R5"),
        ("Ord", "FO3", "253", "R1"),
        ("Ord", "FO3", "253", "R2"),
        ("Ord", "FO4", "281", "R4"),
        ("Øre", "FO3", "253", "R1"),
    ]
    # R1: 660 000 + (1 200 000 − 600 000) = 1 260 000 → −60 000; R2: 270 000 + 300 000 = 570 000 → +30 000
    assert d["avviksprognose"].tolist()[1:3] == [-60_000, 30_000]
    assert d.loc[1, "resultatenhet_navn"] == "Sykehjem A"
    assert d.loc[1, "forklaring"].startswith("Periodisert: 660 000 + (1 200 000 - 600 000) = 1 260 000.")


def test_rows_by_result_unit(ledgers: dict[str, Any]) -> None:
    d = _prognosis(ledgers, 6, by="resultatenhet")
    assert list(zip(d["blokk"].str[:3], d["resultatenhet"], d["funksjon"], strict=True)) == [
        ("Ord", "R1", "253"),
        ("Ord", "R2", "253"),
        ("Ord", "R4", "281"),
        ("Ord", "R5", "201"),
        ("Øre", "R1", "253"),
    ]


def test_linear_period_6(ledgers: dict[str, Any]) -> None:
    f = _by_function(_prognosis(ledgers, 6, method="lineær"))
    # 253: 930 000 × 12 / 6 = 1 860 000 → 1 800 000 − 1 860 000 = −60 000
    assert f[("Ord", "253")]["avviksprognose"] == -60_000
    # 281: 1 260 000 × 2 = 2 520 000 → −120 000; 201: −150 000 × 2 = −300 000 → −240 000 + 300 000 = 60 000
    assert f[("Ord", "281")]["avviksprognose"] == -120_000
    assert f[("Ord", "201")]["avviksprognose"] == 60_000


def test_period_7_counts_the_july_posting(ledgers: dict[str, Any]) -> None:
    f = _by_function(_prognosis(ledgers, 7))
    # 253: to date 930 000 + 99 999,99 = 1 029 999,99; budget to date 7 × 150 000 = 1 050 000
    # projection 1 029 999,99 + 750 000 = 1 779 999,99; deviation 1 800 000 − 1 779 999,99 = 20 000,01
    assert f[("Ord", "253")]["regnskap_hittil"] == 1_029_999.99
    assert f[("Ord", "253")]["avviksprognose"] == 20_000.01


def test_profile_from_last_year(ledgers: dict[str, Any]) -> None:
    d = _prognosis(ledgers, 6, method="profil", profile=ledgers["last"])
    # 253 last year: total 11 × 100 000 + 200 000 = 1 300 000; to June 700 000 → share 7/13
    # R1: 660 000 × 13 / 7 = 8 580 000 / 7 = 1 225 714,2857 → 1 225 714,29
    # R2: 270 000 × 13 / 7 = 3 510 000 / 7 = 501 428,5714 → 501 428,57
    r1 = d[(d["funksjon"] == "253") & (d["resultatenhet"] == "R1") & (d["blokk"] == ORDINARY)].iloc[0]
    r2 = d[(d["funksjon"] == "253") & (d["resultatenhet"] == "R2")].iloc[0]
    assert (r1["prognose"], r2["prognose"]) == (1_225_714.29, 501_428.57)
    f = _by_function(d)
    # function: 930 000 × 13 / 7 = 12 090 000 / 7 = 1 727 142,857 → 1 727 142,86; 1 800 000 − that = 72 857,14
    assert f[("Ord", "253")]["prognose"] == 1_727_142.86
    assert f[("Ord", "253")]["avviksprognose"] == 72_857.14
    # 281 flat: share 6/12; 1 260 000 / 0,5 = 2 520 000; earmarked 253 flat: 30 000 / 0,5 = 60 000
    assert f[("Ord", "281")]["prognose"] == 2_520_000
    assert f[("Øre", "253")]["avviksprognose"] == 60_000  # 120 000 − 60 000


def test_profile_from_budget_periodisation(ledgers: dict[str, Any]) -> None:
    f = _by_function(_prognosis(ledgers, 6, method="profil"))
    # flat budget: share 6/12; 253: 930 000 / 0,5 = 1 860 000 (as lineær) → −60 000
    assert f[("Ord", "253")]["avviksprognose"] == -60_000


def test_adjustments(ledgers: dict[str, Any]) -> None:
    d = _prognosis(
        ledgers,
        6,
        measures={"253": 40_000},
        carried_forward={"281": -50_000},
        central_allocations={("201", "R5"): 30_000},
        manual_projections={"281": 2_600_000},
    )
    f = _by_function(d)
    # 253: 1 830 000 − 40 000 = 1 790 000; 1 800 000 − 1 790 000 = 10 000
    assert f[("Ord", "253")]["forventet_regnskap"] == 1_790_000
    assert f[("Ord", "253")]["avviksprognose"] == 10_000
    # 281 manual 2 600 000; expected budget 2 400 000 − 50 000 = 2 350 000; 2 350 000 − 2 600 000 = −250 000
    assert f[("Ord", "281")]["metode"] == "manuell"
    assert f[("Ord", "281")]["prognose"] == 2_600_000
    assert f[("Ord", "281")]["avviksprognose"] == -250_000
    # 201: expected budget −240 000 + 30 000 = −210 000; −210 000 − (−270 000) = 60 000
    assert f[("Ord", "201")]["avviksprognose"] == 60_000
    # the manual figure: R4 periodised 2 460 000 + unallocated 140 000 = 2 600 000
    unallocated = d[(d["funksjon"] == "281") & (d["resultatenhet"] == "")].iloc[0]
    assert unallocated["resultatenhet_navn"] == UNALLOCATED_NAME
    assert unallocated["prognose"] == 140_000
    # the 201 allocation sits on R5 (no unallocated row for 201)
    assert d[(d["funksjon"] == "201")]["resultatenhet"].tolist() == ["R5"]


def test_carried_forward_ignored_in_january(ledgers: dict[str, Any]) -> None:
    jan = _by_function(_prognosis(ledgers, 1, carried_forward={"281": -50_000}))
    # 281 in January: 210 000 + (2 400 000 − 200 000) = 2 410 000; −10 000, the deficit not counted
    assert jan[("Ord", "281")]["fremfort"] == 0
    assert jan[("Ord", "281")]["avviksprognose"] == -10_000
    feb = _by_function(_prognosis(ledgers, 2, carried_forward={"281": -50_000}))
    # February: 420 000 + 2 000 000 = 2 420 000; 2 400 000 − 50 000 − 2 420 000 = −70 000
    assert feb[("Ord", "281")]["avviksprognose"] == -70_000


def test_errors_raise_or_mark(ledgers: dict[str, Any]) -> None:
    with pytest.raises(OutOfRangeError, match="Summen av profilen"):
        _prognosis(
            ledgers, 6, method="profil", profile={"253": [0.0] * 12, "281": [1.0] * 12, "201": [1.0] * 12}
        )
    d = _prognosis(
        ledgers,
        6,
        method="profil",
        errors="mark",
        profile={"253": [0.0] * 12, "281": [1.0] * 12, "201": [1.0] * 12},
    )
    f = _by_function(d)
    assert np.isnan(f[("Ord", "253")]["avviksprognose"])
    assert "Summen av profilen" in f[("Ord", "253")]["feil"]
    assert f[("Ord", "281")]["avviksprognose"] == -120_000  # 2 400 000 − 1 260 000 / 0,5


def test_unknown_result_unit_in_adjustments(ledgers: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgumentError, match="Resultatenheten «R9»"):
        _prognosis(ledgers, 6, measures={("253", "R9"): 1_000})


def test_investment_rows_left_out(files: dict[str, Path], ledgers: dict[str, Any]) -> None:
    path = files["dir"] / "regnskap_med_investering.csv"
    path.write_text(
        files["regnskap"].read_text(encoding="utf-8") + "02000;910;253;12345;3;50000,00\n", encoding="utf-8"
    )
    actuals = read_ledger(path, kind="regnskap")
    basis = district_basis(actuals, ledgers["budget"], year=2023, result_units=None)
    assert basis.notes == (
        "1 rader med investeringsarter (kontoklasse investering) er holdt utenfor driftsoppfølgingen.",
    )
    f = _by_function(compute(basis, 6))
    assert f[("Ord", "253")]["regnskap_hittil"] == 930_000  # the 50 000 investment is not counted


def test_round_groups_largest_remainder() -> None:
    # three rows of 0,005: each alone rounds to 0,01 (sum 0,03) but the total 0,015 rounds to 0,02
    values = np.array([0.005, 0.005, 0.005])
    out = round_groups(values, np.array(["a", "a", "a"], dtype=object))
    assert sorted(out.tolist()) == [0.0, 0.01, 0.01]
    # 12 000 000 / 7 twice: 1 714 285,714 each; total 3 428 571,428… → 3 428 571,43 = ,71 + ,72
    two = np.array([12_000_000 / 7, 12_000_000 / 7])
    assert sorted(round_groups(two, np.array(["g", "g"], dtype=object)).tolist()) == [
        1_714_285.71,
        1_714_285.72,
    ]


# ---------------------------------------------------------------------------------------------
# Excel table


def test_table_layout_and_totals(files: dict[str, Path]) -> None:
    out = TABLE.call(_range(files["regnskap"]), _range(files["budsjett"]), 6, 2023)
    assert out[0] == list(REPORT_HEADER)
    labels = [(r[0][:3], r[1], r[2]) for r in out[1:]]
    assert labels == [
        ("Ord", "FO2A", "201"),
        ("Ord", "FO2A", "Sum"),
        ("Ord", "FO3", "253"),
        ("Ord", "FO3", "Sum"),
        ("Ord", "FO4", "281"),
        ("Ord", "FO4", "Sum"),
        ("Ord", "Sum", ""),
        ("Øre", "FO3", "253"),
        ("Øre", "FO3", "Sum"),
        ("Øre", "Sum", ""),
        ("Tot", "", ""),
    ]
    dev = out[0].index("Avviksprognose")
    # ordinary: 30 000 − 30 000 − 60 000 = −60 000; earmarked 30 000; district −30 000
    assert out[7][dev] == -60_000 and out[10][dev] == 30_000 and out[11][dev] == -30_000
    assert out[11][3] == "Sum bydelen"
    # adjusted budget: −240 000 + 1 800 000 + 2 400 000 + 120 000 = 4 080 000
    assert out[11][out[0].index("Justert budsjett")] == 4_080_000


def test_table_agrees_with_scalar_for_one_function(files: dict[str, Path]) -> None:
    acc, bud = _range(files["regnskap"]), _range(files["budsjett"])
    head = REPORT_HEADER
    for period in range(0, 14):
        for method in ("periodisert", "lineær"):
            row = next(r for r in TABLE.call(acc, bud, period, 2023, method) if r[2] == "253")
            scalar = AVVIK.call(
                row[head.index("Justert budsjett")],
                row[head.index("Regnskap hittil")],
                period,
                method,
                row[head.index("Budsjett hittil")],
            )
            assert scalar == row[head.index("Avviksprognose")], (period, method)
    # by hand, period 7 lineær: 1 029 999,99 × 12 / 7 = 12 359 999,88 / 7 = 1 765 714,2686 → 1 765 714,27
    row7 = next(r for r in TABLE.call(acc, bud, 7, 2023, "lineær") if r[2] == "253")
    assert row7[head.index("Prognose")] == 1_765_714.27
    assert AVVIK.call(1_800_000, 1_029_999.99, 7, "lineær") == 34_285.73  # 1 800 000 − 1 765 714,27


def test_table_with_adjustments_and_last_year(files: dict[str, Path]) -> None:
    adjustments = [
        ["Funksjon", "Tiltak", "Fremført", "Kap 303", "308", "Metode", "Prognose"],
        ["253", "40 000", "", "", "", "", ""],
        ["281", "", "-50000", "", "", "", "2 600 000,00"],
        ["201", "", "", "10000", "20 000", "", ""],
        [None, None, None, None, None, None, None],
    ]
    out = TABLE.call(_range(files["regnskap"]), _range(files["budsjett"]), 6, 2023, None, None, adjustments)
    dev = out[0].index("Avviksprognose")
    rows = {r[2]: r for r in out if r[0] == ORDINARY and r[2] not in ("Sum", "")}
    # as test_adjustments: 253 10 000; 281 −250 000; 201 (allocations 10 000 + 20 000) 60 000
    assert (rows["253"][dev], rows["281"][dev], rows["201"][dev]) == (10_000, -250_000, 60_000)
    assert rows["281"][out[0].index("Metode")] == "manuell"
    with_last = TABLE.call(
        _range(files["regnskap"]),
        _range(files["budsjett"]),
        6,
        2023,
        "profil",
        None,
        None,
        _range(files["fjoraar"]),
    )
    assert (
        with_last[-1][dev] == 72_857.14
    )  # 72 857,14 − 120 000 + 60 000 + 60 000 (test_profile_from_last_year)


def test_table_error_cells_propagate_to_sums(files: dict[str, Path]) -> None:
    adjustments = [["Funksjon", "Tiltak"], ["253", -5_000]]
    out = TABLE.call(_range(files["regnskap"]), _range(files["budsjett"]), 6, 2023, None, None, adjustments)
    dev = out[0].index("Avviksprognose")
    row253 = next(r for r in out if r[2] == "253" and r[0] == ORDINARY)
    assert isinstance(row253[dev], ExcelError) and row253[dev].code == "#NUM!"
    assert "positivt beløp" in row253[dev].message
    assert isinstance(out[-1][dev], ExcelError)  # the district total includes 253
    assert next(r for r in out if r[2] == "281")[dev] == -60_000  # other functions unaffected


def test_table_bad_input(files: dict[str, Path]) -> None:
    acc, bud = _range(files["regnskap"]), _range(files["budsjett"])
    only_header = TABLE.call([acc[0]], bud, 6, 2023)
    assert isinstance(only_header, ExcelError) and "«regnskap»" in only_header.message
    period = TABLE.call(acc, bud, 14, 2023)
    assert isinstance(period, ExcelError) and period.code == "#NUM!"
    unknown = TABLE.call(acc, bud, 6, 2023, None, None, [["Funksjon", "Tiltak (kr)"], ["253", 1]])
    assert isinstance(unknown, ExcelError) and "«Tiltak (kr)»" in unknown.message
    bad_amount = [row[:] for row in acc]
    bad_amount[3][5] = "abc"
    result = TABLE.call(bad_amount, bud, 6, 2023)
    assert isinstance(result, ExcelError) and "rad 4" in result.message


def test_adjustments_parser() -> None:
    adj = prognosis_adjustments(
        [
            ["funksjon", "resultatenhet", "tiltak", "kapittel 305", "avsetninger"],
            [253, "R1", "1 234,50", 100, 50],
            ["254", "", None, None, None],
        ],
        None,
    )
    assert adj.measures == {("253", "R1"): 1234.5}
    assert adj.central_allocations == {("253", "R1"): 150.0}  # 100 (kap. 305) + 50
    with pytest.raises(InvalidArgumentError, match="står to ganger"):
        prognosis_adjustments([["funksjon", "tiltak"], ["253", 1], ["253", 2]], None)
    with pytest.raises(InvalidArgumentError, match="kapitlene 303, 305, 306, 307, 308"):
        prognosis_adjustments([["funksjon", "kap 304"], ["253", 1]], None)


def test_table_is_fast_when_cached(files: dict[str, Path]) -> None:
    import time

    acc, bud = _range(files["regnskap"]), _range(files["budsjett"])
    TABLE.call(acc, bud, 5, 2023)
    start = time.perf_counter()
    for period in range(1, 14):
        TABLE.call(acc, bud, period, 2023, "lineær")
    per_period = (time.perf_counter() - start) / 13
    assert per_period < 0.05, per_period  # ~3 ms here; generous bound for a busy machine


# ---------------------------------------------------------------------------------------------
# CLI = table


def _numbers(rows: list[list[Any]]) -> list[list[Any]]:
    return [
        [
            round(float(c), 2) if isinstance(c, float) else (c.code if isinstance(c, ExcelError) else c)
            for c in row
        ]
        for row in rows
    ]


def _prognose(files: dict[str, Path], *options: str, units: bool = False) -> list[str]:
    """``kostra prognose`` on the hand-worked district's files for 2023, with ``options``."""
    args = ["prognose", *options, "--regnskap", str(files["regnskap"]), "--budsjett", str(files["budsjett"])]
    if units:
        args += ["--resultatenheter", str(files["resultatenheter"])]
    return [*args, "--aar", "2023"]


def test_cli_equals_table_for_every_period(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = files["dir"] / "alle.csv"
    code = main(_prognose(files, "--alle-perioder", "--csv", str(out_csv), units=True))
    assert code == 0
    with out_csv.open(encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh, delimiter=";"))
    acc, bud = _range(files["regnskap"]), _range(files["budsjett"])
    for period in range(1, 14):
        table = _numbers(TABLE.call(acc, bud, period, 2023))
        cli_rows = [r[1:] for r in written[1:] if r[0] == str(period)]
        assert len(cli_rows) == len(table) - 1
        for cli_row, table_row in zip(cli_rows, table[1:], strict=True):
            parsed = [
                float(c.replace(",", ".")) if isinstance(t, float) else c
                for c, t in zip(cli_row, table_row, strict=True)
            ]
            assert parsed == table_row, period
    printed = capsys.readouterr().out
    assert "Avviksprognose" in printed and "-30 000" in printed  # period 6 district total in the summary


def test_cli_single_period_terminal_and_xlsx(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = files["dir"] / "p6.xlsx"
    code = main(_prognose(files, "--periode", "6", "--per", "resultatenhet", "--xlsx", str(xlsx), units=True))
    assert code == 0
    printed = capsys.readouterr().out
    assert "Sum R1 Sykehjem A" in printed and "Sum bydelen" in printed
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Avviksprognose", "Forklaringer"]
    rows = list(wb["Avviksprognose"].iter_rows(values_only=True))
    assert rows[-1][5] == "Sum bydelen" and rows[-1][-1] == -30_000
    assert wb["Forklaringer"].cell(2, 9).value.startswith("Periodisert: 660 000")


def test_cli_bad_period(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(_prognose(files, "--periode", "14"))
    assert code == 2
    assert "skal være 0–13" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The bundled example district: CLI numbers = KOSTRA_AVVIK_TABELL numbers, every period 1–13


def _example_range(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return list(csv.reader(text.splitlines(), delimiter=";"))


@pytest.mark.parametrize("method", ["periodisert", "profil"])
def test_cli_equals_table_on_the_example(
    method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kostra_functions import example_data

    paths = example_data.paths()
    out_csv = tmp_path / "eksempel.csv"
    code = main(["prognose", "--alle-perioder", "--metode", method, "--csv", str(out_csv)])
    err = capsys.readouterr().err
    if method == "profil":
        # the example's earmarked 232 had its grant posted early last year: last year's cumulative is
        # negative through September, so the profile gives no share there (#NUM! and exit code 1)
        assert code == 1
        assert "Funksjon 232 (øremerkede prosjekter, fjorårets regnskap)" in err
    else:
        assert code == 0
    with out_csv.open(encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh, delimiter=";"))
    acc, bud = _example_range(paths["regnskap"]), _example_range(paths["budsjett"])
    last = _example_range(paths["regnskap_fjoraar"]) if method == "profil" else None
    for period in range(1, 14):
        table = _numbers(TABLE.call(acc, bud, period, None, method, None, None, last))
        cli_rows = [r[1:] for r in written[1:] if r[0] == str(period)]
        assert len(cli_rows) == len(table) - 1 > 10
        for cli_row, table_row in zip(cli_rows, table[1:], strict=True):
            parsed = [
                float(c.replace(",", ".")) if isinstance(t, float) else c
                for c, t in zip(cli_row, table_row, strict=True)
            ]
            assert parsed == table_row, (method, period, table_row[:4])
    if method == "profil":
        row = next(
            r
            for r in _numbers(TABLE.call(acc, bud, 9, None, method, None, None, last))
            if r[2] == "232" and r[0] == "Øremerkede prosjekter"
        )
        assert row[REPORT_HEADER.index("Avviksprognose")] == "#NUM!"


def test_cli_adjustments_file(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    adjustments = files["dir"] / "justeringer.csv"
    adjustments.write_text(
        "Funksjon;Tiltak;Fremført;Kap 303;Prognose\n253;40 000;;;\n281;;-50 000;;2 600 000\n201;;;30 000;\n",
        encoding="cp1252",
    )
    out_csv = files["dir"] / "justert.csv"
    code = main(_prognose(files, "--periode", "6", "--justeringer", str(adjustments), "--csv", str(out_csv)))
    assert code == 0
    capsys.readouterr()
    with out_csv.open(encoding="utf-8-sig") as fh:
        rows = {r[2]: r for r in csv.reader(fh, delimiter=";") if r[0] == ORDINARY}
    # as test_adjustments: 253 10 000; 281 −250 000 (manual); 201 60 000
    assert (rows["253"][-1], rows["281"][-1], rows["201"][-1]) == ("10000,00", "-250000,00", "60000,00")
    assert rows["281"][4] == "manuell"
