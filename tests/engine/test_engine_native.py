"""The native engine (formualizer): our functions reach it like Excel calls them, nothing is refused.

Expected values are worked out by hand: the KOSTRA function names are those of the KOSTRA guide's
function list (100 Politisk styring, 120 Administrasjon, 202 Grunnskole); a year 0 has no code list,
so a literal 0 where the year goes is an error while an omitted year means the newest list.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from kostra_functions.cli import main
from kostra_functions.engine import motor, native, native_formulas, native_functions
from kostra_functions.engine.package import Package
from kostra_functions.excel.convert import ExcelError


def _calc(path: Path, name: str = motor.NATIVE):  # -> calculation.Calculation
    return motor.calculate_with(name, Package.read(path))


def _book(path: Path, cells: dict[str, object], *, title: str = "Ark1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)
    return path


def _value(calc, ref: str, sheet: str = "Ark1"):
    from kostra_functions.engine.cell_refs import parse_ref

    return calc.values.get((sheet, parse_ref(ref)))


@pytest.mark.parametrize("name", list(motor.ENGINES))
def test_omitted_argument_is_blank_not_zero(tmp_path: Path, name: str) -> None:
    calc = _calc(_book(tmp_path / "tom.xlsx", {
        "A1": '=KOSTRA_NAVN("120",)',  # year omitted: the newest list
        "A2": '=KOSTRA_NAVN("120",0)',  # year 0: no code list
        "A3": '=KOSTRA_NAVN("202",,)',
        "A4": '=KOSTRA_NAVN("202",2023)',
    }), name)
    assert _value(calc, "A1") == "Administrasjon"
    a2 = _value(calc, "A2")
    assert isinstance(a2, ExcelError) and a2.code == "#NUM!"
    assert _value(calc, "A3") == "Grunnskole"
    assert _value(calc, "A4") == "Grunnskole"
    a2_issue = [i for i in calc.issues if i.ref == "A2"]
    assert a2_issue and "0" in a2_issue[0].message  # the Norwegian reason reaches the report


def test_saved_file_spellings_reach_the_table(tmp_path: Path) -> None:
    calc = _calc(_book(tmp_path / "stavemaater.xlsx", {
        "A1": '=_xldudf_KOSTRA_NAVN("100")',
        "A2": '=KOSTRA.NAVN("100")',
        "A3": '=_xll.KOSTRA_NAVN("100")',
        "A4": '=IF(TRUE,kostra_navn("100"),"")',
        "A5": '="KOSTRA_NAVN(,)"',  # text, not a call: left alone
    }))
    for ref in ("A1", "A2", "A3", "A4"):
        assert _value(calc, ref) == "Politisk styring", ref
    assert _value(calc, "A5") == "KOSTRA_NAVN(,)"


def test_error_argument_gives_our_reason(tmp_path: Path) -> None:
    calc = _calc(_book(tmp_path / "feil.xlsx", {"A1": "=KOSTRA_NAVN(1/0)"}))
    value = _value(calc, "A1")
    assert isinstance(value, ExcelError) and value.code == "#VALUE!"
    assert "#DIV/0!" in calc.issues[0].message


def test_unknown_function_gives_that_cell_name_error_and_the_rest_is_computed(tmp_path: Path) -> None:
    source = _book(tmp_path / "ukjent.xlsx", {"A1": 2, "A2": 3, "B1": "=FINNESIKKE(A1)",
                                              "B2": "=KOSTRA_FINNESIKKE(A1)", "B3": "=A1*A2+1"})
    out = tmp_path / "ut.xlsx"
    code = main(["beregn", str(source), "-o", str(out), "--motor", motor.NATIVE])
    assert code == 1  # error cells are reported
    assert out.exists()
    calc = _calc(source)
    assert _value(calc, "B3") == 7.0
    for ref in ("B1", "B2"):
        value = _value(calc, ref)
        assert isinstance(value, ExcelError) and value.code == "#NAME?"
    reasons = {i.ref: i.message for i in calc.issues}
    assert "KOSTRA_FINNESIKKE" in reasons["B2"]
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb.active["B3"].value == 7
    assert wb.active["B1"].value == "#NAME?"


def test_dynamic_array_spills_and_a_blocked_spill_is_reported(tmp_path: Path) -> None:
    source = _book(tmp_path / "spill.xlsx", {"A1": "=_xlfn.SEQUENCE(3)", "C1": "=_xlfn.SEQUENCE(2)",
                                             "C2": "opptatt", "E1": "=SUM(A1:A3)"})
    calc = _calc(source)
    assert [_value(calc, r) for r in ("A1", "A2", "A3")] == [1.0, 2.0, 3.0]
    assert _value(calc, "E1") == 6.0
    blocked = _value(calc, "C1")
    assert isinstance(blocked, ExcelError) and blocked.code == "#SPILL!"
    assert [i.ref for i in calc.issues] == ["C1"]
    out = tmp_path / "spill_ut.xlsx"
    assert main(["beregn", str(source), "-o", str(out), "--motor", motor.NATIVE]) == 1
    # The stored spill values (the previous result) do not block the spill the next time.
    again = _calc(out)
    assert [_value(again, r) for r in ("A1", "A2", "A3")] == [1.0, 2.0, 3.0]
    assert _value(again, "E1") == 6.0


def test_iterative_calculation_follows_the_workbook_setting(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark1"
    ws["A1"] = "=B1+1"  # A = A/2 + 1 converges to A = 2, B = 1
    ws["B1"] = "=A1/2"
    wb.calculation.iterate = True
    wb.calculation.iterateCount = 100
    wb.calculation.iterateDelta = 0.000001
    wb.save(tmp_path / "sirkel.xlsx")
    calc = _calc(tmp_path / "sirkel.xlsx")
    assert _value(calc, "A1") == pytest.approx(2.0, abs=1e-4)
    assert _value(calc, "B1") == pytest.approx(1.0, abs=1e-4)


def test_every_non_sheet_part_is_kept_byte_for_byte(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "templates" / "avviksprognose.xlsx"
    out = tmp_path / "ut.xlsx"
    motor.recalculate(source, out, motor=motor.NATIVE)
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(out) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if name.startswith("xl/worksheets/") or name == "xl/workbook.xml":
                continue
            assert a.read(name) == b.read(name), name


def test_unknown_engine_is_a_norwegian_error() -> None:
    from kostra_functions.engine.package import WorkbookError

    with pytest.raises(WorkbookError, match="Ukjent beregningsmotor"):
        motor.engine("excel")


@pytest.mark.parametrize(("formula", "expected"), [
    ('KOSTRA_AVVIK(G19,D19,Periode,,E19,,)',
     f"KOSTRA_AVVIK(G19,D19,Periode,{native_formulas.OMITTED_FUNCTION}(),E19,{native_formulas.OMITTED_FUNCTION}(),"
     f"{native_formulas.OMITTED_FUNCTION}())"),
    ('KOSTRA_NAVN()', 'KOSTRA_NAVN()'),
    ('IF(,1,KOSTRA_NAVN(A1,))', f'IF(,1,KOSTRA_NAVN(A1,{native_formulas.OMITTED_FUNCTION}()))'),
    ("SUM('Bud,,sj'!A1,KOSTRA_NAVN(\"1,,2\"))", "SUM('Bud,,sj'!A1,KOSTRA_NAVN(\"1,,2\"))"),
    ('[1]!KOSTRA.NAVN({1,,2},)', f'KOSTRA_NAVN({{1,,2}},{native_formulas.OMITTED_FUNCTION}())'),
])
def test_formula_rewriting(formula: str, expected: str) -> None:
    assert native_formulas.canonical_formula(formula) == expected


def test_commands_take_the_engine_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    book = root / "workbooks" / "bydel_eksempel" / "bilagskontroll_2023-06.xlsx"
    assert main(["sjekk", str(book), "--motor", motor.NATIVE, "--jobber", "1"]) == 0
    assert main(["publiser", str(book), "-o", str(tmp_path / "p.xlsx"), "--motor", motor.NATIVE]) == 0
    capsys.readouterr()
    assert main(["beregn", str(book), "-o", str(tmp_path / "b.xlsx"), "--motor", "excel"]) == 2
    assert "Ukjent beregningsmotor «excel»" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(motor.ENGINES))
def test_date_cell_used_as_an_amount_is_a_value_error(tmp_path: Path, name: str) -> None:
    import datetime

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark1"
    ws["A1"] = datetime.datetime(2024, 3, 15)
    ws["A1"].number_format = "dd.mm.yyyy"
    ws["A2"] = 500000
    ws["A3"] = 120000
    ws["B1"] = '=KOSTRA_AVVIK(A1,A3,6,"lineær")'  # Excel hands the function a date: not an amount
    ws["B2"] = '=KOSTRA_NAVN(A2-499880)'  # a plain number cell stays a number: 120
    ws["B3"] = "=YEAR(A1)"  # standard functions still see the serial number
    wb.save(tmp_path / "dato.xlsx")
    calc = _calc(tmp_path / "dato.xlsx", name)
    b1 = _value(calc, "B1")
    assert isinstance(b1, ExcelError) and b1.code == "#VALUE!"
    assert _value(calc, "B2") == "Administrasjon"
    assert _value(calc, "B3") == 2024.0


def test_date_cells_inside_a_range_reach_a_table_function_as_dates(tmp_path: Path) -> None:
    from datetime import date

    from kostra_functions.excel.functions import FUNCTIONS
    from kostra_functions.excel.spec import Arg, ExcelFunction

    seen: list[object] = []

    def look(values: object) -> str:
        seen.append(values)
        return "ok"

    row = ExcelFunction("KOSTRA_TESTDATO", look, "test", args=(Arg("verdier", "table", "tabell"),),
                        category="Test", cached=False)
    functions = native_functions.NativeFunctions({**FUNCTIONS, row.name: row})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark1"
    ws["A1"], ws["B1"] = date(2024, 1, 31), 12.5
    ws["A1"].number_format = "dd.mm.yyyy"
    ws["A2"] = "tekst"  # A2:B2: text and a blank
    ws["C1"] = "=KOSTRA_TESTDATO(A1:B2)"
    ws["C2"] = "=KOSTRA_TESTDATO(A1)"
    wb.save(tmp_path / "dato.xlsx")
    calc = native.calculate(Package.read(tmp_path / "dato.xlsx"), functions)
    assert _value(calc, "C1") == "ok"
    # What xlwings passes Excel's function: the date as a date, the blank as None.
    assert [[date(2024, 1, 31), 12.5], ["tekst", None]] in seen
    assert [[date(2024, 1, 31)]] in seen  # one cell for a table argument: a one-cell table
