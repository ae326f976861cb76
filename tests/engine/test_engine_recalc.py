"""Recalculate and write: a staff-style workbook round-trips with every typed cell, every formula and
every other part unchanged, cached values stored; writes are atomic; VBA is kept byte for byte."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from kostra_functions.engine import bridge
from kostra_functions.engine.package import Package, WorkbookError
from kostra_functions.engine.recalc import recalculate
from kostra_functions.engine.sheet_xml import SheetXml
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import Arg, ExcelFunction

# Hand-worked expectations for the staff workbook below (not our output copied back):
# Budsjett!D5 = C5 - B5 = 1 250 000 - 1 180 000,50 = 69 999,50 (mindreforbruk), D6 = 40 000 - 52 500 =
# -12 500, D7 = 300 000 - 0 = 300 000 (B7 is blank), D8 = SUM(D5:D7) = 357 499,50,
# E5 = ROUND(D5/C5*100;1) = ROUND(5,59996;1) = 5,6. Oppslag!B2 = KOSTRA_NAVN(202;2023) = "Grunnskole"
# (code list), B3 = KOSTRA_OMRADE(253;2023) = "FO3" (rule set oslo_bydel), B4 = Budsjett!D8 * 2.
EXPECTED = {
    ("Budsjett", "D5"): 69999.5,
    ("Budsjett", "D6"): -12500.0,
    ("Budsjett", "D7"): 300000.0,
    ("Budsjett", "D8"): 357499.5,
    ("Budsjett", "E5"): 5.6,
    ("Budsjett", "F5"): "Grunnskole",
    ("Budsjett", "F6"): "Grunnskole",
    ("Oppslag", "B2"): "Grunnskole",
    ("Oppslag", "B3"): "FO3",
    ("Oppslag", "B4"): 714999.0,
    ("Oppslag", "B5"): True,
}


def staff_workbook(path: Path) -> Path:
    """A workbook as a district controller makes one: formatting, names, validation, comments,
    conditional formatting, merged title, a chart, typed codes with leading zeros, KOSTRA formulas."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budsjett"
    ws["A1"] = "Budsjettoppfølging Bydel Eksempel 2023"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    ws["A1"].alignment = Alignment(horizontal="center")
    headers = ["Funksjon", "Regnskap", "Budsjett", "Avvik", "Avvik %", "Navn"]
    for i, h in enumerate(headers, 1):
        cell = ws.cell(4, i, h)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    ws["A2"] = "Periode"
    ws["B2"] = 6
    ws["C2"] = "Skrevet inn av controller: ikke rør"
    rows = [("202", 1180000.5, 1250000), ("202", 52500, 40000), ("253", None, 300000)]
    for r, (fn, actual, budget) in enumerate(rows, 5):
        ws.cell(r, 1, fn).number_format = "@"
        if actual is not None:
            ws.cell(r, 2, actual)
        ws.cell(r, 3, budget)
        ws.cell(r, 4, f"=C{r}-B{r}")
        for c in (2, 3, 4):
            ws.cell(r, c).number_format = "# ##0,00"
    ws["E5"] = "=ROUND(D5/C5*100,1)"
    ws["F5"] = "=KOSTRA_NAVN(A5,2023)"
    ws["F6"] = "=KOSTRA.NAVN(A6,2023)"
    ws["A8"] = "Sum"
    ws["D8"] = "=SUM(D5:D7)"
    ws["D8"].font = Font(bold=True)
    ws["G5"] = "010"  # an art typed as text with its leading zero
    ws["G6"] = 0.1
    ws["G7"] = "Merknad med «anførselstegn» & <tegn>"
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["F"].width = 30
    ws.row_dimensions[4].height = 24
    ws.freeze_panes = "A5"
    ws["B5"].comment = Comment("Tall fra Agresso per juni", "Controller")
    dv = DataValidation(type="whole", operator="between", formula1="1", formula2="13", allow_blank=True)
    dv.error = "Periode må være 1–13"
    ws.add_data_validation(dv)
    dv.add("B2")
    ws.conditional_formatting.add("D5:D7", CellIsRule(operator="lessThan", formula=["0"],
                                                      font=Font(color="9C0006")))
    chart = BarChart()
    chart.title = "Avvik"
    chart.add_data(Reference(ws, min_col=4, min_row=4, max_row=7), titles_from_data=True)
    ws.add_chart(chart, "H4")
    wb.defined_names["Periode"] = DefinedName("Periode", attr_text="Budsjett!$B$2")
    look = wb.create_sheet("Oppslag")
    look["A1"] = "Oppslag"
    look["B2"] = "=KOSTRA_NAVN(202,2023)"
    look["B3"] = "=KOSTRA_OMRADE(253,2023)"
    look["B4"] = "=Budsjett!D8*2"
    look["B5"] = "=Periode=6"
    look["C2"] = 42
    look.sheet_properties.tabColor = "FF0000"
    wb.save(path)
    return path


def _sheet_parts(pkg: Package) -> dict[str, str]:
    return {s.name: s.part for s in pkg.sheets()}


def _outside_formula_cells(data: bytes, what: str) -> str:
    """The sheet XML with every formula cell's element cut out: what must not change at all."""
    xml = SheetXml(data, what)
    spans = sorted((c.start, c.end) for c in xml.formula_cells())
    out, pos = [], 0
    for start, end in spans:
        out.append(xml.text[pos:start])
        out.append("<FORMULA-CELL/>")
        pos = end
    out.append(xml.text[pos:])
    return "".join(out)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("rundtur")
    source = staff_workbook(folder / "stab.xlsx")
    out = folder / "stab_beregnet.xlsx"
    result = recalculate(source, out)
    assert result.issues == []
    return source, out


def test_cached_values_are_the_hand_worked_numbers(round_trip: tuple[Path, Path]) -> None:
    _, out = round_trip
    wb = openpyxl.load_workbook(out, data_only=True)
    for (sheet, ref), expected in EXPECTED.items():
        got = wb[sheet][ref].value
        if isinstance(expected, float):
            assert got == pytest.approx(expected, abs=1e-9), (sheet, ref)
        else:
            assert got == expected, (sheet, ref)


def test_every_formula_and_typed_cell_is_unchanged(round_trip: tuple[Path, Path]) -> None:
    source, out = round_trip
    before = openpyxl.load_workbook(source)
    after = openpyxl.load_workbook(out)
    assert before.sheetnames == after.sheetnames
    for ws in before.worksheets:
        other = after[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                twin = other[cell.coordinate]
                assert twin.value == cell.value, (ws.title, cell.coordinate)
                assert twin.data_type == cell.data_type, (ws.title, cell.coordinate)
                assert twin.number_format == cell.number_format
                assert list(twin._style) == list(cell._style)  # same font, fill, border, format ids
        assert other.merged_cells.ranges == ws.merged_cells.ranges
        assert other.freeze_panes == ws.freeze_panes
        assert {k: v.width for k, v in other.column_dimensions.items()} == \
               {k: v.width for k, v in ws.column_dimensions.items()}
    assert after["Budsjett"]["B5"].comment.text == "Tall fra Agresso per juni"
    assert after["Budsjett"].data_validations.dataValidation[0].sqref == \
           before["Budsjett"].data_validations.dataValidation[0].sqref
    assert len(after["Budsjett"].conditional_formatting) == 1
    assert after.defined_names["Periode"].attr_text == "Budsjett!$B$2"
    # typed text keeps its leading zero and stays text
    assert after["Budsjett"]["G5"].value == "010" and after["Budsjett"]["G5"].data_type == "s"


def test_every_other_part_is_byte_identical(round_trip: tuple[Path, Path]) -> None:
    source, out = round_trip
    a, b = Package.read(source), Package.read(out)
    assert [i.filename for i in a.entries] == [i.filename for i in b.entries]
    sheet_parts = set(_sheet_parts(a).values())
    for name, data in a.data.items():
        if name in sheet_parts:
            continue
        if name == a.workbook_part:  # only fullCalcOnLoad goes: the values are stored now
            assert b'fullCalcOnLoad="1"' in data
            assert b.data[name] == data.replace(b' fullCalcOnLoad="1"', b"")
            continue
        assert b.data[name] == data, name
    assert any("chart" in n for n in a.data), "the fixture should contain a chart"
    for part in sheet_parts:
        assert _outside_formula_cells(b.data[part], part) == _outside_formula_cells(a.data[part], part), part


def test_formula_elements_are_kept_verbatim(round_trip: tuple[Path, Path]) -> None:
    source, out = round_trip
    a, b = Package.read(source), Package.read(out)
    for part in _sheet_parts(a).values():
        fa = {c.ref: c.formula.raw for c in SheetXml(a.data[part], part).formula_cells()}
        fb = {c.ref: c.formula.raw for c in SheetXml(b.data[part], part).formula_cells()}
        assert fa == fb


def test_recalculating_the_output_changes_nothing(round_trip: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = round_trip
    again = tmp_path / "igjen.xlsx"
    recalculate(out, again)
    a, b = Package.read(out), Package.read(again)
    assert a.data == b.data


def test_input_is_never_overwritten_without_permission(tmp_path: Path) -> None:
    source = staff_workbook(tmp_path / "stab.xlsx")
    before = source.read_bytes()
    with pytest.raises(WorkbookError, match="overskriv"):
        recalculate(source, source)
    with pytest.raises(WorkbookError, match="overskriv"):
        recalculate(source)
    assert source.read_bytes() == before
    recalculate(source, overwrite=True)
    assert openpyxl.load_workbook(source, data_only=True)["Budsjett"]["D8"].value == pytest.approx(357499.5)


def test_existing_output_needs_permission_and_stays_intact_when_calculation_fails(tmp_path: Path) -> None:
    source = staff_workbook(tmp_path / "stab.xlsx")
    out = tmp_path / "ut.xlsx"
    out.write_bytes(b"forrige versjon")
    with pytest.raises(WorkbookError, match="overskriv"):
        recalculate(source, out)
    broken = tmp_path / "ødelagt.xlsx"  # a worksheet part that is not XML: nothing can be calculated
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(broken, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data[:len(data) // 2] if info.filename.endswith("sheet2.xml") else data)
    with pytest.raises(WorkbookError):
        recalculate(broken, out, overwrite=True)
    assert out.read_bytes() == b"forrige versjon"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stab.xlsx", "ut.xlsx", "ødelagt.xlsx"]


def _make_xlsm(source: Path, target: Path, vba: bytes) -> Path:
    """An .xlsm: the workbook part gets the macro-enabled content type and a vbaProject part."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                text = data.decode()
                text = text.replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                text = text.replace("</Types>", '<Default Extension="bin" ContentType='
                                    '"application/vnd.ms-office.vbaProject"/></Types>')
                data = text.encode()
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.decode().replace("</Relationships>", (
                    '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                    'vbaProject" Target="vbaProject.bin"/></Relationships>')).encode()
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", vba)
    return target


def test_xlsm_keeps_its_vba_project_byte_for_byte(tmp_path: Path) -> None:
    vba = bytes(range(256)) * 64 + b"Sub Auto_Open(): Kill \"C:\\\": End Sub"
    source = _make_xlsm(staff_workbook(tmp_path / "stab.xlsx"), tmp_path / "makro.xlsm", vba)
    out = tmp_path / "makro_beregnet.xlsm"
    result = recalculate(source, out)
    assert result.issues == []
    with zipfile.ZipFile(out) as z:
        assert z.read("xl/vbaProject.bin") == vba
        assert "macroEnabled" in z.read("[Content_Types].xml").decode()
    wb = openpyxl.load_workbook(out, data_only=True, keep_vba=True)
    assert wb["Budsjett"]["D8"].value == pytest.approx(357499.5)


# -- dynamic arrays ------------------------------------------------------------------------------


def _table_engine() -> bridge.EngineFunctions:
    def table(n: int) -> list[list[object]]:
        return [[f"rad {i}", float(i)] for i in range(1, n + 1)]

    row = ExcelFunction(name="KOSTRA_TESTTABELL", impl=table, help="test",
                        args=(Arg("antall", "int", "antall rader"),), category="Test", returns="array")
    return bridge.EngineFunctions({**FUNCTIONS, row.name: row})


def test_dynamic_array_is_stored_as_excel_stores_one(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 3
    ws["B2"] = "=KOSTRA_TESTTABELL(A1)"
    ws["E2"] = "=SUM(C2:C4)"
    wb.save(tmp_path / "dyn.xlsx")
    out = tmp_path / "dyn_ut.xlsx"
    result = recalculate(tmp_path / "dyn.xlsx", out, engine=_table_engine())
    assert result.issues == []
    pkg = Package.read(out)
    sheet = pkg.data[pkg.sheets()[0].part].decode()
    anchor = re.search(r'<c r="B2"[^>]*>.*?</c>', sheet).group(0)
    assert 't="array"' in anchor and 'ref="B2:C4"' in anchor and 'cm="1"' in anchor
    assert "xl/metadata.xml" in pkg.data
    metadata = pkg.data["xl/metadata.xml"].decode()
    assert 'name="XLDAPR"' in metadata and 'fDynamic="1"' in metadata
    assert "sheetMetadata" in pkg.data["xl/_rels/workbook.xml.rels"].decode()
    assert "/xl/metadata.xml" in pkg.data["[Content_Types].xml"].decode()
    values = openpyxl.load_workbook(out, data_only=True).active
    assert [[values.cell(r, c).value for c in (2, 3)] for r in (2, 3, 4)] == \
           [["rad 1", 1], ["rad 2", 2], ["rad 3", 3]]
    assert values["E2"].value == 6

    # Saved again by openpyxl (which drops cm and the metadata part), the formula is a legacy
    # Ctrl+Shift+Enter array formula over B2:C4; Excel repeats a one-row result down such a range.
    wb = openpyxl.load_workbook(out)
    wb.active["A1"] = 1
    wb.save(tmp_path / "dyn2.xlsx")
    recalculate(tmp_path / "dyn2.xlsx", tmp_path / "dyn2_ut.xlsx", engine=_table_engine())
    fixed = openpyxl.load_workbook(tmp_path / "dyn2_ut.xlsx", data_only=True).active
    assert [fixed[r].value for r in ("B2", "B3", "B4", "C4")] == ["rad 1", "rad 1", "rad 1", 1]


def test_dynamic_array_resizes_when_recalculated(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 3
    ws["B2"] = "=KOSTRA_TESTTABELL(A1)"
    wb.save(tmp_path / "dyn.xlsx")
    out = tmp_path / "dyn_ut.xlsx"
    recalculate(tmp_path / "dyn.xlsx", out, engine=_table_engine())
    # Change A1 in the XML itself (as Excel would save it), keeping the dynamic-array metadata.
    pkg = Package.read(out)
    part = pkg.sheets()[0].part
    data = re.sub(rb'(<c r="A1"[^>]*><v>)3(</v>)', rb"\g<1>1\g<2>", pkg.data[part])
    smaller = tmp_path / "mindre.xlsx"
    pkg.write(smaller, replaced={part: data})
    recalculate(smaller, tmp_path / "mindre_ut.xlsx", engine=_table_engine())
    values = openpyxl.load_workbook(tmp_path / "mindre_ut.xlsx", data_only=True).active
    assert values["B2"].value == "rad 1" and values["C2"].value == 1
    assert values["B3"].value is None and values["C4"].value is None  # old spilled values removed
    text = Package.read(tmp_path / "mindre_ut.xlsx").data[part].decode()
    assert 'ref="B2:C2"' in text


def _checked_table_engine() -> bridge.EngineFunctions:
    """A table function shaped like KOSTRA_DUPLIKATER: a table with a header row and a rule-set
    name in, one row per table row out (its first column with the rule set, and its third column)."""

    def check(table: list[list[object]], ruleset: str) -> list[list[object]]:
        return [[f"{row[0]} ({ruleset})", row[2]] for row in table[1:]]

    fn = ExcelFunction(name="KOSTRA_TESTKONTROLL", impl=check, help="test",
                       args=(Arg("tabell", "table", "tabell med overskrifter"),
                             Arg("regelsett", "text", "regelsett")),
                       category="Test", returns="array")
    return bridge.EngineFunctions({**FUNCTIONS, fn.name: fn})


def test_dynamic_array_over_named_ranges_only_is_calculated_with_their_values(tmp_path: Path) -> None:
    """Regression: a function whose arguments are all references (here two defined names: a table
    on a sheet with formula cells, and one constant cell) is run once by formulas while compiling,
    with references that have no values yet; that run must be passed over, not kept as #VALUE!."""
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Bilag"
    data.append(["bilag", "beløp", "dobbelt"])
    data.append(["B1", 100, "=B2*2"])
    data.append(["B2", 250, "=B3*2"])
    data.append(["B3", 7, "=B4*2"])
    setup = wb.create_sheet("Oppsett")
    setup["A1"], setup["B1"] = "Regelsett", "oslo_bydel"
    out_sheet = wb.create_sheet("Kontroll")
    out_sheet["A2"] = "=KOSTRA_TESTKONTROLL(Bilagsliste,Regelsett_bilag)"
    wb.defined_names["Bilagsliste"] = DefinedName("Bilagsliste", attr_text="Bilag!$A$1:$C$4")
    wb.defined_names["Regelsett_bilag"] = DefinedName("Regelsett_bilag", attr_text="Oppsett!$B$1")
    src = _save(wb, tmp_path / "kontroll.xlsx")
    out = tmp_path / "kontroll_ut.xlsx"
    result = recalculate(src, out, engine=_checked_table_engine())
    assert result.issues == []
    values = openpyxl.load_workbook(out, data_only=True)["Kontroll"]
    # Column C of Bilag is calculated first: 100*2 = 200, 250*2 = 500, 7*2 = 14; the rule set is Oppsett!B1.
    assert [[values.cell(r, c).value for c in (1, 2)] for r in (2, 3, 4)] == [
        ["B1 (oslo_bydel)", 200], ["B2 (oslo_bydel)", 500], ["B3 (oslo_bydel)", 14]]
    assert values["A5"].value is None
    sheet_xml = Package.read(out).data[Package.read(out).sheets()[2].part].decode()
    assert 'ref="A2:B4"' in sheet_xml and 'cm="1"' in sheet_xml


def test_spill_never_overwrites_a_typed_cell(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"] = "=KOSTRA_TESTTABELL(3)"
    ws["C3"] = "skrevet inn"
    ws["D1"] = "=B2"
    wb.save(tmp_path / "sperret.xlsx")
    out = tmp_path / "sperret_ut.xlsx"
    result = recalculate(tmp_path / "sperret.xlsx", out, engine=_table_engine())
    issues = {i.ref: i for i in result.issues}
    assert issues["B2"].error == "#SPILL!" and "C3" in issues["B2"].message
    assert issues["D1"].error == "#SPILL!"  # a dependent sees the error, as in Excel
    values = openpyxl.load_workbook(out, data_only=True).active
    assert values["C3"].value == "skrevet inn"
    assert values["B2"].value == "#SPILL!"
    assert values["B3"].value is None and values["C2"].value is None


def test_spill_is_blocked_by_merged_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"] = "=KOSTRA_TESTTABELL(2)"
    ws.merge_cells("C5:D6")
    ws.merge_cells("B3:C3")
    wb.save(tmp_path / "flettet.xlsx")
    result = recalculate(tmp_path / "flettet.xlsx", tmp_path / "flettet_ut.xlsx", engine=_table_engine())
    assert [i.error for i in result.issues] == ["#SPILL!"]
    assert "B3:C3" in result.issues[0].message


# -- more of what real files contain ----------------------------------------------------------


def test_shared_formulas_written_by_excel_get_their_values(tmp_path: Path) -> None:
    """Excel stores a formula filled down as one shared formula (text in the master only)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 5):
        ws.cell(r, 1, r * 10)
    ws["B1"] = "=A1*2"
    wb.save(tmp_path / "delt0.xlsx")
    pkg = Package.read(tmp_path / "delt0.xlsx")
    part = pkg.sheets()[0].part
    text = pkg.data[part].decode()
    text = re.sub(r'<c r="B1"><f>A1\*2</f><v ?/></c>',
                  '<c r="B1"><f t="shared" ref="B1:B4" si="0">A1*2</f><v>20</v></c>', text)
    for r in range(2, 5):  # children carry only the group id, and here a stale cached value
        text = re.sub(rf'(<c r="A{r}"[^>]*>.*?</c>)', rf'\1<c r="B{r}"><f t="shared" si="0"/><v>0</v></c>',
                      text, count=1)
    pkg.write(tmp_path / "delt.xlsx", replaced={part: text.encode()})
    result = recalculate(tmp_path / "delt.xlsx", tmp_path / "delt_ut.xlsx")
    assert result.issues == []
    assert result.calculation.formula_text[("Sheet", (4, 2))] == "A4*2"
    values = openpyxl.load_workbook(tmp_path / "delt_ut.xlsx", data_only=True).active
    assert [values.cell(r, 2).value for r in range(1, 5)] == [20, 40, 60, 80]
    out = Package.read(tmp_path / "delt_ut.xlsx").data[part].decode()
    assert '<c r="B3"><f t="shared" si="0"/><v>60</v></c>' in out


def test_if_with_a_single_condition_does_not_spill_the_other_branch(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "x"
    ws["B1"] = '=IF(A2="","",KOSTRA_TESTTABELL(3))'  # A2 blank: just "" (formulas made a 3×2 table)
    ws["B5"] = '=IF(A1="","",KOSTRA_TESTTABELL(2))'
    wb.save(tmp_path / "hvis.xlsx")
    result = recalculate(tmp_path / "hvis.xlsx", tmp_path / "hvis_ut.xlsx", engine=_table_engine())
    assert result.issues == []
    spills = {key[1]: area.ref for key, area in result.calculation.spills.items()}
    assert spills == {(5, 2): "B5:C6"}
    assert result.calculation.values[("Sheet", (1, 2))] == ""


def test_existing_cell_metadata_is_extended_not_replaced(tmp_path: Path) -> None:
    """A workbook that already has metadata (rich values, say) gets the dynamic-array type added."""
    wb = openpyxl.Workbook()
    wb.active["B2"] = "=KOSTRA_TESTTABELL(2)"
    wb.save(tmp_path / "meta0.xlsx")
    pkg = Package.read(tmp_path / "meta0.xlsx")
    existing = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<metadataTypes count="1"><metadataType name="XLRICHVALUE" minSupportedVersion="120000"/>'
                '</metadataTypes><futureMetadata name="XLRICHVALUE" count="1"><bk><extLst/></bk>'
                '</futureMetadata><valueMetadata count="1"><bk><rc t="1" v="0"/></bk></valueMetadata>'
                '</metadata>')
    rels = pkg.data["xl/_rels/workbook.xml.rels"].decode().replace("</Relationships>", (
        '<Relationship Id="rIdMeta" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sheetMetadata" Target="metadata.xml"/></Relationships>'))
    ct = pkg.data["[Content_Types].xml"].decode().replace("</Types>", (
        '<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheetMetadata+xml"/></Types>'))
    pkg.write(tmp_path / "meta.xlsx", replaced={"xl/_rels/workbook.xml.rels": rels.encode(),
                                                "[Content_Types].xml": ct.encode()},
              added={"xl/metadata.xml": existing.encode()})
    recalculate(tmp_path / "meta.xlsx", tmp_path / "meta_ut.xlsx", engine=_table_engine())
    out = Package.read(tmp_path / "meta_ut.xlsx")
    metadata = out.data["xl/metadata.xml"].decode()
    assert 'name="XLRICHVALUE"' in metadata and 'name="XLDAPR"' in metadata
    assert '<metadataTypes count="2">' in metadata and '<rc t="2" v="0"/>' in metadata
    assert "<valueMetadata" in metadata
    from kostra_functions.engine.array_metadata import DynamicArrayMetadata

    assert DynamicArrayMetadata.read(out).dynamic_indices == {1}
    assert 'cm="1"' in out.data[out.sheets()[0].part].decode()
    again = recalculate(tmp_path / "meta_ut.xlsx", tmp_path / "meta_ut2.xlsx", engine=_table_engine())
    assert again.calculation.passes == 1 and Package.read(tmp_path / "meta_ut2.xlsx").data == out.data


def test_recalculate_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import main

    source = staff_workbook(tmp_path / "stab.xlsx")
    assert main(["beregn", str(source), "-o", str(tmp_path / "ut.xlsx")]) == 0
    assert "Beregnet 11 formler" in capsys.readouterr().out
    wb = openpyxl.load_workbook(source)
    wb["Oppslag"]["B9"] = "=KOSTRA_NAVN(254,2024)"
    wb.save(tmp_path / "feil.xlsx")
    assert main(["beregn", str(tmp_path / "feil.xlsx"), "-o", str(tmp_path / "feil_ut.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "Oppslag!B9: #N/A i formelen =KOSTRA_NAVN(254,2024)" in err and "254" in err
    assert (tmp_path / "feil_ut.xlsx").exists()  # written, errors shown as Excel would show them
    assert main(["beregn", str(source)]) == 2  # neither -o nor --overskriv


# -- workbooks staff already use (issue: never refuse, wrong numbers) ------------------------------
# Expected values worked out by hand from the cells below (and in tests/compat from LibreOffice).


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def test_full_height_range_reads_every_row_and_publish_copies_it(tmp_path: Path) -> None:
    from kostra_functions.engine.publish import publish

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = 2, 9  # 2 + 9 = 11; formulas read A1:A1048576 as A1 alone and gave 2
    ws["C1"] = "=SUM(A1:A1048576)"
    ws["C2"] = "=SUMPRODUCT(A1:A1048576)"
    ws["C3"] = "=SUM(Ark2!A:XFD)"
    ws2 = wb.create_sheet("Ark2")
    ws2["A1"], ws2["B3"], ws2["C700"] = 1, 2, 3  # 1 + 2 + 3 = 6
    ws.title = "Ark1"
    source = _save(wb, tmp_path / "full.xlsx")
    recalculate(source, tmp_path / "full_ut.xlsx")
    values = openpyxl.load_workbook(tmp_path / "full_ut.xlsx", data_only=True)["Ark1"]
    assert [values[r].value for r in ("C1", "C2", "C3")] == [11, 11, 6]
    publish(source, tmp_path / "publisert.xlsx", motor="formulas")
    published = openpyxl.load_workbook(tmp_path / "publisert.xlsx")["Ark1"]
    assert [published[r].value for r in ("C1", "C2", "C3")] == [11, 11, 6]


def test_a_cell_at_xfd1048576_is_read_quickly_and_counted(tmp_path: Path) -> None:
    import time

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["XFD1048576"] = 7
    ws["A1"] = "=XFD1048576*2"
    ws["A2"] = "=SUM(XFD:XFD)"
    source = _save(wb, tmp_path / "fjern.xlsx")
    start = time.perf_counter()
    result = recalculate(source, tmp_path / "fjern_ut.xlsx")
    assert time.perf_counter() - start < 60  # walked billions of cells before
    values = openpyxl.load_workbook(tmp_path / "fjern_ut.xlsx", data_only=True).active
    assert (values["A1"].value, values["A2"].value) == (14, 7) and result.issues == []


def test_apostrophe_in_a_sheet_name(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    b = wb.create_sheet("Bud'sj")
    b["A1"], b["A2"] = 5, 7
    ws["A1"] = "='Bud''sj'!A1"
    ws["A2"] = "=SUM('Bud''sj'!A1:A2)*2"  # (5 + 7) * 2 = 24
    source = _save(wb, tmp_path / "apostrof.xlsx")
    recalculate(source, tmp_path / "apostrof_ut.xlsx")
    out = openpyxl.load_workbook(tmp_path / "apostrof_ut.xlsx", data_only=True)
    assert (out.active["A1"].value, out.active["A2"].value) == (5, 24)
    assert out.sheetnames == ["Sheet", "Bud'sj"]  # the file keeps its sheet names
    formulas_kept = openpyxl.load_workbook(tmp_path / "apostrof_ut.xlsx").active
    assert formulas_kept["A1"].value == "='Bud''sj'!A1"


def test_structured_references_and_unsupported_cells_never_refuse_the_workbook(tmp_path: Path) -> None:
    from openpyxl.worksheet.table import Table

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Kode", "Beløp"])
    for code, amount in (("0101", 100), ("0120", 20), ("0101", 3)):
        ws.append([code, amount])
    ws.add_table(Table(displayName="Tabell1", ref="A1:B4"))
    ws["D1"] = "=SUMIFS(Tabell1[Beløp],Tabell1[Kode],\"0101\")"  # 100 + 3
    ws["D2"] = "=INDIRECT(\"B\"&ROW())"  # computed argument: not followed without Excel
    ws["D3"] = "=CELL(\"filename\")"
    ws["D4"] = "=SUM(OFFSET(B1,1,0,3,1))"  # 123
    ws["D5"] = "=D1+D4"  # 226
    source = _save(wb, tmp_path / "tabell.xlsx")
    result = recalculate(source, tmp_path / "tabell_ut.xlsx")
    values = openpyxl.load_workbook(tmp_path / "tabell_ut.xlsx", data_only=True).active
    assert [values[r].value for r in ("D1", "D2", "D3", "D4", "D5")] == [103, "#VALUE!", "#VALUE!", 123, 226]
    report = {issue.ref: str(issue) for issue in result.issues}
    assert set(report) == {"D2", "D3"}
    assert "kan ikke følges uten Excel" in report["D2"] and "CELL" in report["D3"]


def test_circular_reference_iterates_when_the_workbook_enables_it(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 100
    ws["B1"] = "=A1+C1*0.5"
    ws["C1"] = "=B1*0.1"  # B = 100 + 0.05 B → B = 100 / 0.95 = 105.263157…, C = 10.526315…
    wb.calculation.iterate = True
    wb.calculation.iterateCount = 100
    wb.calculation.iterateDelta = 0.000001
    source = _save(wb, tmp_path / "sirkel.xlsx")
    result = recalculate(source, tmp_path / "sirkel_ut.xlsx")
    values = openpyxl.load_workbook(tmp_path / "sirkel_ut.xlsx", data_only=True).active
    assert values["B1"].value == pytest.approx(100 / 0.95, abs=1e-5)
    assert values["C1"].value == pytest.approx(10 / 0.95, abs=1e-5)
    assert result.issues == []
    wb.calculation.iterate = False  # not enabled: no value, reported (Excel warns of the cycle)
    _save(wb, tmp_path / "sirkel2.xlsx")
    off = recalculate(tmp_path / "sirkel2.xlsx", tmp_path / "sirkel2_ut.xlsx")
    assert {i.ref for i in off.issues} == {"B1", "C1"}


def test_a_date_used_as_an_amount_is_value_error_as_in_the_python_face(tmp_path: Path) -> None:
    from datetime import date

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = date(2024, 3, 15)
    ws["A1"].number_format = "dd.mm.yyyy"
    ws["A2"], ws["A3"] = 500000, 120000
    ws["B1"] = '=KOSTRA_AVVIK(A1,A3,6,"lineær")'
    ws["B2"] = '=KOSTRA_AVVIK(A2,A3,6,"lineær")'
    face = FUNCTIONS["KOSTRA_AVVIK"].call(date(2024, 3, 15), 120000.0, 6.0, "lineær")
    assert face.code == "#VALUE!"
    source = _save(wb, tmp_path / "dato.xlsx")
    result = recalculate(source, tmp_path / "dato_ut.xlsx")
    values = openpyxl.load_workbook(tmp_path / "dato_ut.xlsx", data_only=True).active
    # lineær: 120 000 / 6 * 12 = 240 000 forecast; avvik = 500 000 - 240 000 = 260 000
    assert (values["B1"].value, values["B2"].value) == ("#VALUE!", 260000)
    assert "ikke en dato" in str(result.issues[0])


def test_shared_formula_with_indirect_resolves_each_cell_of_the_group(tmp_path: Path) -> None:
    """A shared formula whose cells need rewriting (INDIRECT of the cell beside it, a whole column)
    gets each cell resolved on its own; the saved formulas stay shared."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, (target, amount) in enumerate([("C3", 10), ("C1", 20), ("C2", 30)], 1):
        ws.cell(r, 1, target)
        ws.cell(r, 3, amount)
    ws["B1"] = "=INDIRECT(A1)+SUM(C:C)"
    wb.save(tmp_path / "delt0.xlsx")
    pkg = Package.read(tmp_path / "delt0.xlsx")
    part = pkg.sheets()[0].part
    text = pkg.data[part].decode()
    text = re.sub(r'<c r="B1"><f>(.*?)</f><v ?/></c>',
                  r'<c r="B1"><f t="shared" ref="B1:B3" si="0">\1</f><v>0</v></c>', text)
    for r in (2, 3):
        text = re.sub(rf'(<c r="A{r}"[^>]*>.*?</c>)', rf'\1<c r="B{r}"><f t="shared" si="0"/><v>0</v></c>',
                      text, count=1)
    pkg.write(tmp_path / "delt.xlsx", replaced={part: text.encode()})
    result = recalculate(tmp_path / "delt.xlsx", tmp_path / "delt_ut.xlsx")
    assert result.issues == []
    values = openpyxl.load_workbook(tmp_path / "delt_ut.xlsx", data_only=True).active
    # SUM(C:C) = 60; B1 = C3 + 60 = 90, B2 = C1 + 60 = 70, B3 = C2 + 60 = 80
    assert [values.cell(r, 2).value for r in range(1, 4)] == [90, 70, 80]
    out = Package.read(tmp_path / "delt_ut.xlsx").data[part].decode()
    assert '<c r="B2"><f t="shared" si="0"/><v>70</v></c>' in out
