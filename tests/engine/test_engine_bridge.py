"""The formulas bridge: every table row under every spelling, same conversion and errors as xlwings,
no registry leaking out of the engine, and a Norwegian message for functions we do not have."""

from __future__ import annotations

from pathlib import Path

import formulas
import formulas.functions as ff
import openpyxl
import pytest

from kostra_functions.engine import bridge
from kostra_functions.engine.package import Package, WorkbookError
from kostra_functions.engine.recalc import calculate, recalculate
from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import Arg, ExcelFunction


def _book(path: Path, cells: dict[str, object], sheet: str = "Ark1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)
    return path


def _values(path: Path, engine: bridge.EngineFunctions | None = None) -> dict[str, object]:
    calc = calculate(Package.read(path), engine)
    return {f"{pos[0]}:{pos[1]}": v for (_, pos), v in calc.values.items()}


def _value(calc_values: dict[str, object], ref: str) -> object:
    from kostra_functions.engine.cell_refs import parse_ref

    r, c = parse_ref(ref)
    return calc_values[f"{r}:{c}"]


# -- registration ---------------------------------------------------------------------------------


def test_every_table_row_is_registered_under_every_spelling() -> None:
    engine = bridge.EngineFunctions()
    assert FUNCTIONS, "the table is empty"
    for name in FUNCTIONS:
        for spelling in bridge.spellings(name):
            assert engine.knows(spelling), spelling
            assert engine.spelling_to_name[spelling] == name


def test_spellings_cover_the_forms_files_carry() -> None:
    forms = set(bridge.spellings("KOSTRA_AVVIK_TABELL"))
    assert {"KOSTRA_AVVIK_TABELL", "KOSTRA.AVVIK_TABELL", "_XLDUDF_KOSTRA_AVVIK_TABELL",
            "_XLL.KOSTRA_AVVIK_TABELL", "_XLL.KOSTRA.AVVIK_TABELL"} <= forms
    for form in forms:
        assert bridge.canonical_name(form) == "KOSTRA_AVVIK_TABELL"
    assert bridge.canonical_name("SUMIFS") is None


def test_rows_added_to_a_table_are_registered_without_code_changes() -> None:
    extra = ExcelFunction(name="KOSTRA_TESTDOBBEL", impl=lambda x: 2 * x, help="test",
                          args=(Arg("tall", "number", "et tall"),), category="Test")
    engine = bridge.EngineFunctions({**FUNCTIONS, extra.name: extra})
    assert engine.knows("KOSTRA.TESTDOBBEL")
    assert not bridge.EngineFunctions().knows("KOSTRA_TESTDOBBEL")


def test_registry_does_not_leak_out_of_the_engine() -> None:
    original = ff.get_functions
    engine = bridge.EngineFunctions()
    with engine.activate():
        assert "KOSTRA_NAVN" in ff.get_functions()
    assert ff.get_functions is original
    assert "KOSTRA_NAVN" not in ff.get_functions()
    assert "_XLDUDF_KOSTRA_NAVN" not in ff.get_functions()
    # formulas on its own still does not know the name, as before.
    func = formulas.Parser().ast("=KOSTRA_NAVN(202)")[1].compile()
    with pytest.raises(Exception, match="NotImplementedError"):
        func()


def test_registry_is_restored_when_the_calculation_fails(tmp_path: Path) -> None:
    original = ff.get_functions
    engine = bridge.EngineFunctions()
    with pytest.raises(RuntimeError), engine.activate():
        raise RuntimeError("boom")
    assert ff.get_functions is original


# -- spellings in a real workbook --------------------------------------------------------------


@pytest.mark.parametrize("formula", [
    "=KOSTRA_NAVN(202,2023)",
    "=KOSTRA.NAVN(202,2023)",
    "=_xldudf_KOSTRA_NAVN(202,2023)",
    "=_xll.KOSTRA_NAVN(202,2023)",
    "=_xll.KOSTRA.NAVN(202,2023)",
    "=kostra_navn(202,2023)",
    "=[1]!KOSTRA_NAVN(202,2023)",
])
def test_each_spelling_calculates_in_a_workbook(tmp_path: Path, formula: str) -> None:
    path = _book(tmp_path / "stavemaate.xlsx", {"A1": formula})
    assert _value(_values(path), "A1") == "Grunnskole"


# -- argument conversion and error values (same as the xlwings face) ----------------------------


def test_arguments_and_errors_match_the_table_call(tmp_path: Path) -> None:
    path = _book(tmp_path / "argumenter.xlsx", {
        "B1": 202, "B2": "202", "B3": "=1/0", "B4": 254, "B5": " 202 ",
        "A1": "=KOSTRA_NAVN(B1,2023)",            # number code
        "A2": "=KOSTRA_NAVN(B2,2023)",            # text code
        "A3": "=KOSTRA_NAVN(B3,2023)",            # error in the argument cell
        "A4": "=KOSTRA_NAVN(B4,2024)",            # code that expired: #N/A
        "A5": "=KOSTRA_NAVN(B1:B2,2023)",         # a range where one cell belongs
        "A6": '=KOSTRA_NAVN(202,,"030105")',      # omitted argument is blank, not 0
        "A7": "=KOSTRA_NAVN(B5,2023)",
        "A8": "=KOSTRA_NAVN(C99,2023)",           # empty cell
        "A9": '=KOSTRA_FEIL("KOSTRA_NAVN",B4,2024)',
        "A10": "=ISNA(A4)",                       # the error value is formulas' own #N/A
        "A11": '=IFERROR(A3,"feil")',
    })
    values = _values(path)
    expected_calls = {
        "A1": FUNCTIONS["KOSTRA_NAVN"].call(202.0, 2023.0),
        "A2": FUNCTIONS["KOSTRA_NAVN"].call("202", 2023.0),
        "A3": FUNCTIONS["KOSTRA_NAVN"].call(ExcelError("#DIV/0!"), 2023.0),
        "A4": FUNCTIONS["KOSTRA_NAVN"].call(254.0, 2024.0),
        "A5": FUNCTIONS["KOSTRA_NAVN"].call([[202.0], ["202"]], 2023.0),
        "A6": FUNCTIONS["KOSTRA_NAVN"].call(202.0, None, "030105"),
        "A7": FUNCTIONS["KOSTRA_NAVN"].call(" 202 ", 2023.0),
        "A8": FUNCTIONS["KOSTRA_NAVN"].call(None, 2023.0),
    }
    for ref, expected in expected_calls.items():
        got = _value(values, ref)
        if isinstance(expected, ExcelError):
            assert isinstance(got, ExcelError) and got.code == expected.code, ref
        else:
            assert got == expected, ref
    assert _value(values, "A1") == "Grunnskole"
    assert _value(values, "A4").code == "#N/A"
    assert _value(values, "A3").code == "#VALUE!"
    assert _value(values, "A5").code == "#VALUE!"
    assert _value(values, "A8").code == "#VALUE!"
    assert "254" in _value(values, "A9")
    assert _value(values, "A10") is True
    assert _value(values, "A11") == "feil"


def test_error_cells_are_reported_with_the_norwegian_reason(tmp_path: Path) -> None:
    path = _book(tmp_path / "feil.xlsx", {"A1": "=KOSTRA_NAVN(254,2024)", "A2": "=A1", "A3": "=1+1"})
    result = recalculate(path, tmp_path / "feil_ut.xlsx")
    issues = {i.ref: i for i in result.issues}
    assert set(issues) == {"A1", "A2"}
    assert issues["A1"].error == "#N/A"
    assert issues["A1"].formula == "KOSTRA_NAVN(254,2024)"
    assert "254" in issues["A1"].message and "2024" in issues["A1"].message
    assert str(issues["A1"]).startswith("Ark1!A1: #N/A i formelen =KOSTRA_NAVN(254,2024)")


def _with_table_function() -> bridge.EngineFunctions:
    def table(n: int) -> list[list[object]]:
        return [[f"rad {i}", i * 1.5, None] for i in range(1, n + 1)]

    row = ExcelFunction(name="KOSTRA_TESTTABELL", impl=table, help="test",
                        args=(Arg("antall", "int", "antall rader"),), category="Test", returns="array")
    return bridge.EngineFunctions({**FUNCTIONS, row.name: row})


def test_table_result_spills_into_the_cells_below_and_right(tmp_path: Path) -> None:
    path = _book(tmp_path / "tabell.xlsx", {"A1": 3, "B1": "=KOSTRA_TESTTABELL(A1)",
                                            "F1": "=SUM(C1:C3)", "F2": "=COUNTA(B1:B3)"})
    values = _values(path, _with_table_function())
    assert [_value(values, r) for r in ("B1", "C1", "B3", "C3", "D2")] == ["rad 1", 1.5, "rad 3", 4.5, ""]
    assert _value(values, "F1") == 9.0  # 1.5 + 3 + 4.5: dependents see the spilled cells
    assert _value(values, "F2") == 3.0


# -- functions we do not have --------------------------------------------------------------------


def test_unknown_function_gives_name_error_in_its_cell_only(tmp_path: Path) -> None:
    path = _book(tmp_path / "ukjent.xlsx", {
        "A1": "=KOSTRA_FINNESIKKE(202)", "A2": "=KOSTRA_FINNESIKKE(254)+1",
        "B7": "=SUM(1,FOOBAR(2))", "C1": '="KOSTRA_LIKSOM(1)"', "D1": "=2+3",
    }, sheet="Budsjett 2023")
    out = tmp_path / "ukjent_ut.xlsx"
    result = recalculate(path, out)
    values = openpyxl.load_workbook(out, data_only=True)["Budsjett 2023"]
    assert [values[r].value for r in ("A1", "A2", "B7")] == ["#NAME?"] * 3  # as Excel shows them
    assert values["C1"].value == "KOSTRA_LIKSOM(1)" and values["D1"].value == 5
    report = "\n".join(map(str, result.issues))
    assert "'Budsjett 2023'!A1: #NAME?" in report and "'Budsjett 2023'!A2: #NAME?" in report
    assert "KOSTRA-funksjonen KOSTRA_FINNESIKKE finnes ikke" in report
    assert "'Budsjett 2023'!B7: #NAME?" in report and "FOOBAR kan ikke beregnes uten Excel" in report
    assert "KOSTRA_LIKSOM" not in report  # text in quotes is not a call
    assert len(result.issues) == 3


def test_unknown_function_is_reported_by_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import main

    path = _book(tmp_path / "ukjent.xlsx", {"A1": "=KOSTRA_FINNESIKKE(202)", "A2": "=1+1"})
    code = main(["beregn", str(path), "-o", str(tmp_path / "ut.xlsx")])
    err = capsys.readouterr().err
    assert code == 1  # written, with cells in error
    assert "KOSTRA_FINNESIKKE" in err and "Ark1!A1" in err and "Traceback" not in err
    assert openpyxl.load_workbook(tmp_path / "ut.xlsx", data_only=True).active["A2"].value == 2


def test_called_functions_skips_text_and_sheet_names() -> None:
    formula = '=IFERROR(KOSTRA_NAVN(A1),"X(1)")+\'Ark (2)\'!B1'
    assert bridge.called_functions(formula) == ["IFERROR", "KOSTRA_NAVN"]
    assert bridge.called_functions("=_xlfn.XLOOKUP(1,A:A,B:B)") == ["_xlfn.XLOOKUP"]


def test_not_a_workbook_is_a_norwegian_error(tmp_path: Path) -> None:
    bad = tmp_path / "tull.xlsx"
    bad.write_text("ikke en arbeidsbok")
    with pytest.raises(WorkbookError, match="ikke en Excel-arbeidsbok"):
        recalculate(bad, tmp_path / "ut.xlsx")


def test_range_arguments_arrive_as_rows_like_from_xlwings(tmp_path: Path) -> None:
    register = [["person", "navn", "roller", "ansvar", "beløpsgrense"],
                ["AB", "Anne Berg", "attestasjon", "330", None],
                ["CD", "Carl Dahl", "anvisning", "300-399", 50000]]
    cells: dict[str, object] = {}
    for r, row in enumerate(register, 1):
        for c, value in enumerate(row):
            if value is not None:
                cells[f"{'ABCDE'[c]}{r}"] = value
    cells["G1"] = '=KOSTRA_ATTESTASJON(A1:E3,12500,"330","Leverandør AS","AB","CD")'
    cells["G2"] = '=KOSTRA_ATTESTASJON(A1:E3,60000,"330","Leverandør AS","AB","CD")'
    path = _book(tmp_path / "register.xlsx", cells)
    values = _values(path)
    as_xlwings = [[None if v is None else (float(v) if isinstance(v, int) else v) for v in row]
                  for row in register]
    fn = FUNCTIONS["KOSTRA_ATTESTASJON"]
    assert _value(values, "G1") == fn.call(as_xlwings, 12500.0, "330", "Leverandør AS", "AB", "CD") == "OK"
    expected = fn.call(as_xlwings, 60000.0, "330", "Leverandør AS", "AB", "CD")
    assert _value(values, "G2") == expected and "ANV-BELOPSGRENSE" in expected


def test_date_cells_inside_a_range_reach_a_table_function_as_dates(tmp_path: Path) -> None:
    from datetime import date

    seen: list[object] = []

    def look(values: object) -> str:
        seen.append(values)
        return "ok"

    row = ExcelFunction("KOSTRA_TESTDATO", look, "test", args=(Arg("verdier", "table", "tabell"),),
                        category="Test")
    engine = bridge.EngineFunctions({**FUNCTIONS, row.name: row})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = date(2024, 1, 31), 12.5
    ws["A1"].number_format = "dd.mm.yyyy"
    ws["C1"] = "=KOSTRA_TESTDATO(A1:B1)"
    wb.save(tmp_path / "dato.xlsx")
    recalculate(tmp_path / "dato.xlsx", tmp_path / "dato_ut.xlsx", engine=engine)
    assert seen[-1] == [[date(2024, 1, 31), 12.5]]  # what xlwings passes Excel's function
