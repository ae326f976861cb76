"""Publishing: a values-only copy keeps formatting and every value, and has no formula left."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from kostra_functions.engine.package import Package, WorkbookError
from kostra_functions.engine.publish import publish
from kostra_functions.engine.recalc import recalculate
from kostra_functions.engine.sheet_xml import SheetXml
from tests.engine.test_engine_recalc import EXPECTED, staff_workbook


def _with_calc_chain(source: Path, target: Path) -> Path:
    """Add the calcChain part Excel writes (it lists formula cells; stale entries upset Excel)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType='
                                    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain'
                                    b'+xml"/></Types>')
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdCalc" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/calcChain" '
                                    b'Target="calcChain.xml"/></Relationships>')
            zout.writestr(info, data)
        zout.writestr("xl/calcChain.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                      '<c r="D5" i="1"/><c r="D6"/><c r="D7"/></calcChain>')
    return target


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("publiser")
    source = _with_calc_chain(staff_workbook(folder / "stab0.xlsx"), folder / "stab.xlsx")
    out = folder / "stab_verdier.xlsx"
    result = publish(source, out)
    assert result.issues == [] and result.formulas_replaced == 11
    return source, out


def test_no_formula_is_left(published: tuple[Path, Path]) -> None:
    _, out = published
    pkg = Package.read(out)
    for sheet in pkg.sheets():
        assert list(SheetXml(pkg.data[sheet.part], sheet.name).formula_cells()) == []
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate


def test_values_are_the_calculated_ones_and_typed_cells_unchanged(published: tuple[Path, Path]) -> None:
    source, out = published
    values = openpyxl.load_workbook(out)  # no data_only: these are plain values now
    for (sheet, ref), expected in EXPECTED.items():
        got = values[sheet][ref].value
        assert got == (pytest.approx(expected) if isinstance(expected, float) else expected), (sheet, ref)
    before = openpyxl.load_workbook(source)
    for ws in before.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                twin = values[ws.title][cell.coordinate]
                if cell.data_type != "f":
                    assert twin.value == cell.value and twin.data_type == cell.data_type
                assert twin._style == cell._style
    assert values["Budsjett"]["G5"].value == "010"


def test_formatting_parts_are_kept_and_calc_chain_dropped(published: tuple[Path, Path]) -> None:
    source, out = published
    a, b = Package.read(source), Package.read(out)
    assert "xl/calcChain.xml" in a.data and "xl/calcChain.xml" not in b.data
    assert b"calcChain" not in b.data["[Content_Types].xml"]
    assert b"calcChain" not in b.data["xl/_rels/workbook.xml.rels"]
    sheets = {s.part for s in a.sheets()}
    for name, data in a.data.items():
        changed = ("xl/calcChain.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels", a.workbook_part)
        if name in sheets or name in changed:
            continue
        assert b.data[name] == data, name


def test_stored_values_can_be_published_without_recalculating(tmp_path: Path) -> None:
    source = staff_workbook(tmp_path / "stab.xlsx")
    with pytest.raises(WorkbookError, match="ingen lagret verdi"):
        publish(source, tmp_path / "ut.xlsx", recalculate=False)
    assert not (tmp_path / "ut.xlsx").exists()
    recalculate(source, tmp_path / "beregnet.xlsx")
    publish(tmp_path / "beregnet.xlsx", tmp_path / "ut.xlsx", recalculate=False)
    assert openpyxl.load_workbook(tmp_path / "ut.xlsx")["Oppslag"]["B2"].value == "Grunnskole"


def test_publish_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import main

    source = staff_workbook(tmp_path / "stab.xlsx")
    assert main(["publiser", str(source), "-o", str(tmp_path / "verdier.xlsx")]) == 0
    assert "11 formler erstattet" in capsys.readouterr().out
    assert main(["publiser", str(source), "-o", str(tmp_path / "verdier.xlsx")]) == 2  # exists
