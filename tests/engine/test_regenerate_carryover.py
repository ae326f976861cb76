"""Regenerating a workbook keeps what the controller typed (measures, carried-forward result,
allocations, a unit's fund, the chosen method) — for the same period and into the next one.

Numbers for «Bydel Test» (tests/engine/test_templates.py): function 120 through period 2 with method
«periodisert» has budget 14 400, prognosis 14 500 and deviation prognosis −100. The controller types
measures 100 (a saving) and a carried-forward surplus of =50*2 = 100 for 120, so
expected accounts = 14 500 − 100 = 14 400 and deviation prognosis = (14 400 + 100) − 14 400 = +100.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kostra_functions.engine import regenerate as rg
from tests.engine.test_templates import _district, _rows


def _regenerate(data: Path, out: Path, period: int, template: str) -> rg.JobResult:
    [result] = rg.regenerate(data, out, period=period, templates=[template], jobs=1)
    assert not result.error, result.error
    assert result.issues == [], [str(i) for i in result.issues]
    return result


def test_typed_adjustments_survive_regeneration_and_follow_into_the_next_period(tmp_path: Path) -> None:
    data = _district(tmp_path / "data" / "test")
    out = tmp_path / "ut"
    first = _regenerate(data.parent, out, 2, "avviksprognose")
    assert first.carried is not None and first.carried.source is None  # nothing to carry yet

    wb = openpyxl.load_workbook(first.output)
    ws = wb["Justeringer"]
    ws["A2"], ws["C2"], ws["D2"], ws["F2"] = "120", 100, "=50*2", "Vedtatt i BU 12.03"
    wb.save(first.output)  # the controller saves the workbook

    again = _regenerate(data.parent, out, 2, "avviksprognose")
    assert again.carried.source == first.output and again.carried.rows == {"justeringer": 1}
    wb = openpyxl.load_workbook(again.output)
    j = wb["Justeringer"]
    assert (j["A2"].value, j["C2"].value, j["D2"].value, j["F2"].value) == (
        "120",
        100,
        "=50*2",
        "Vedtatt i BU 12.03",
    )
    rows = _rows(openpyxl.load_workbook(again.output, data_only=True)["Avviksprognose"], 2)
    # H budget, I measures, J carried forward, K allocations, L expected accounts, M deviation prognosis
    assert rows["120"][7:13] == [14400, 100, 100, 0, 14400, 100]

    nxt = _regenerate(data.parent, out, 3, "avviksprognose")
    assert nxt.carried.source == again.output  # the newest earlier period of the same year
    j = openpyxl.load_workbook(nxt.output)["Justeringer"]
    assert (j["A2"].value, j["C2"].value, j["D2"].value) == ("120", 100, "=50*2")


def test_method_chosen_on_the_setup_sheet_is_kept(tmp_path: Path) -> None:
    data = _district(tmp_path / "data" / "test")
    out = tmp_path / "ut"
    first = _regenerate(data.parent, out, 2, "avviksprognose")
    wb = openpyxl.load_workbook(first.output)
    sheet, ref = next(iter(wb.defined_names["Metode"].destinations))
    wb[sheet][ref.replace("$", "")] = "lineær"
    wb.save(first.output)
    again = _regenerate(data.parent, out, 2, "avviksprognose")
    assert again.carried.settings == {"Metode": "lineær"}
    ws = openpyxl.load_workbook(again.output, data_only=True)["Avviksprognose"]
    # the setting applies to every function without a method of its own on «Funksjonsvalg»
    # lineær for 120: 2 500 × 12 / 2 = 15 000; deviation prognosis 14 400 − 15 000 = −600
    assert _rows(ws, 2)["120"][3] == "lineær"
    assert _rows(ws, 2)["120"][11:13] == [15000, -600]


def test_unit_funds_are_matched_by_unit_and_unknown_units_are_kept(tmp_path: Path) -> None:
    data = _district(tmp_path / "data" / "test")
    out = tmp_path / "ut"
    first = _regenerate(data.parent, out, 13, "aarsavslutning")
    wb = openpyxl.load_workbook(first.output)
    ws = wb["Enheter"]
    codes = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(codes["20"], 3, 5000)  # unit 20's fund before the year end
    ws.cell(ws.max_row + 1, 1, "99")  # a unit the new data no longer has, with a typed fund
    ws.cell(ws.max_row, 3, 777)
    wb.save(first.output)
    again = _regenerate(data.parent, out, 13, "aarsavslutning")
    assert again.carried.appended == {"enheter": ["99"]}
    ws = openpyxl.load_workbook(again.output)["Enheter"]
    values = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, ws.max_row + 1)}
    assert values["20"] == 5000 and values["10"] == 0 and values["99"] == 777


def test_change_since_last_month_comes_from_the_previous_periods_workbook(tmp_path: Path) -> None:
    """Function 120 of «Bydel Test»: period 2 deviation prognosis −100 (tests/engine/test_templates.py). In
    period 3 the accounts to date are 1 000 + 1 500 + 700 = 3 200 and the budget to date 3 600:
    periodisert 3 200 + 14 400 − 3 600 = 14 000, deviation 14 400 − 14 000 = 400; the change since
    last month is 400 − (−100) = 500."""
    data = _district(tmp_path / "data" / "test")
    out = tmp_path / "ut"
    _regenerate(data.parent, out, 2, "avviksprognose")
    march = _regenerate(data.parent, out, 3, "avviksprognose")
    wb = openpyxl.load_workbook(march.output, data_only=True)
    choices = {r[0]: r for r in wb["Funksjonsvalg"].iter_rows(min_row=2, values_only=True)}
    assert choices["120"][4] == -100
    row = _rows(wb["Avviksprognose"], 2)["120"]
    assert row[12] == 400 and row[13] == 500


def test_text_that_starts_with_equals_is_carried_as_text_not_as_a_formula(tmp_path: Path) -> None:
    # The explanation a controller typed as text (Excel stores '=ikke formel as a text cell) must
    # come back as the same text; reading the old workbook must not turn it into a formula.
    data = _district(tmp_path / "data" / "test")
    out = tmp_path / "ut"
    first = _regenerate(data.parent, out, 2, "avviksprognose")
    wb = openpyxl.load_workbook(first.output)
    ws = wb["Justeringer"]
    ws["A2"], ws["C2"], ws["F2"] = "120", 100, "=ikke en formel"
    ws["F2"].data_type = "s"
    wb.save(first.output)
    again = _regenerate(data.parent, out, 2, "avviksprognose")
    cell = openpyxl.load_workbook(again.output)["Justeringer"]["F2"]
    assert (cell.value, cell.data_type) == ("=ikke en formel", "s")
