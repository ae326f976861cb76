"""Filling a built template by patching its parts (kostra_functions.engine.template_fill).

Each expected value is worked out from the template's definition: «Justeringer» has seven columns
(A–G, G the status formula), 60 covered rows (2–61) as an Excel table «TabJusteringer», and a guard
in column I (two after the last column) counting entries below the covered rows.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from kostra_functions.engine.carryover import TypedFormula
from kostra_functions.engine.template_fill import compiled, fill_template
from kostra_functions.engine.templates import (
    Fill,
    Template,
    TemplateError,
    default_templates_dir,
    load_templates,
)

TEMPLATE = "avviksprognose"


@pytest.fixture(scope="module")
def template() -> Template:
    return load_templates()[TEMPLATE]


def _built(tmp_path: Path) -> Path:
    copy = tmp_path / f"{TEMPLATE}.xlsx"
    shutil.copy(default_templates_dir() / f"{TEMPLATE}.xlsx", copy)
    return copy


def test_rows_beyond_the_covered_grow_table_names_and_guard(template: Template, tmp_path: Path) -> None:
    rows = [{"J_Funksjon": "120", "J_Tiltak": 1000 + i} for i in range(75)]  # rows 2–76
    out = fill_template(template, _built(tmp_path), Fill({"Bydel": "Bydel Test"}, {"justeringer": rows}),
                        tmp_path / "ut.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Justeringer"]
    assert ws.tables["TabJusteringer"].ref == "A1:G76"
    assert wb.defined_names["J_Tiltak"].attr_text == "'Justeringer'!$C$2:$C$76"
    assert ws["I3"].value == "Utfylte celler under rad 76 (blir ikke tatt med; skal være 0):"
    assert ws["I4"].value == "=COUNTA(A77:F20077)"
    assert wb.defined_names["J_Utenfor"].attr_text == "'Justeringer'!$I$4"
    # the last row: the typed amount as a number in kroner and øre, its status formula for row 76
    assert (ws["C76"].value, ws["C76"].number_format) == (1074.0, "#,##0.00;[Red]-#,##0.00")
    assert ws["G76"].value.startswith('=IF(COUNTA(A76:E76)=0,"",')
    # the header of every sheet names the district
    assert all(s.oddHeader.left.text == "Bydel Test – &A" for s in wb.worksheets)


def test_export_text_stays_text_and_typed_formula_a_formula(template: Template, tmp_path: Path) -> None:
    rows = [{"J_Funksjon": "120", "J_Merknad": "=HYPERLINK(\"http://x\")"},
            {"J_Funksjon": "0120", "J_Fremfort": TypedFormula("=50*2"), "J_Merknad": "  A & B <C>  "}]
    out = fill_template(template, _built(tmp_path), Fill({}, {"justeringer": rows}), tmp_path / "ut.xlsx")
    ws = openpyxl.load_workbook(out)["Justeringer"]
    assert (ws["F2"].value, ws["F2"].data_type) == ('=HYPERLINK("http://x")', "s")
    assert (ws["A3"].value, ws["A3"].data_type) == ("0120", "s")  # leading zero kept: a code is text
    assert (ws["D3"].value, ws["D3"].data_type) == ("=50*2", "f")
    assert ws["F3"].value == "  A & B <C>  "  # spaces and XML characters kept as typed


def test_control_character_is_named_and_nothing_written(template: Template, tmp_path: Path) -> None:
    rows = [{"J_Funksjon": "120", "J_Merknad": "ok"}, {"J_Funksjon": "121", "J_Merknad": "bad\x07text"}]
    out = tmp_path / "ut.xlsx"
    with pytest.raises(TemplateError, match=r"«Justeringer» rad 3, kolonne «Merknad».*kontrolltegn"):
        fill_template(template, _built(tmp_path), Fill({}, {"justeringer": rows}), out)
    assert not out.exists() and not list(tmp_path.glob(".ut.xlsx*"))


def test_a_rebuilt_template_is_compiled_again(template: Template, tmp_path: Path) -> None:
    built = _built(tmp_path)
    first = compiled(built)
    assert compiled(built) is first  # the 15 districts of a run share one compiled template
    os.utime(built, ns=(built.stat().st_atime_ns, built.stat().st_mtime_ns + 10**9))
    assert compiled(built) is not first


def test_a_template_that_is_not_built_says_how_to_build_it(template: Template, tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="kostra maler bygg"):
        fill_template(template, tmp_path / "mangler.xlsx", Fill(), tmp_path / "ut.xlsx")
