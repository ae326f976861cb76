"""The engine-independent formula rewrite (structured references, INDIRECT/OFFSET/CELL, huge ranges,
aliased sheet names), checked on text against the table and cells worked out by hand."""

from __future__ import annotations

import pytest

from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.formula_rewrite import rewrite_formula
from kostra_functions.engine.workbook_facts import SheetFacts, TableDef, Unsupported, WorkbookFacts

# Tabell1 on «Data»: header row 1, data rows 2–5, totals row 6; columns A–D.
TABLE = TableDef("Tabell1", "Data", Area.parse("A1:D6"), 1, 1, ("Kode", "Navn", "Beløp", "Dobbel"))


def _facts() -> WorkbookFacts:
    data = SheetFacts("Data", rows=[1, 2, 3, 4, 5, 6, 40], cols=[1, 2, 3, 4], max_row=40, max_col=4,
                      constants={(1, 6): "C4", (2, 6): "Data"})
    quoted = SheetFacts("Bud'sj", rows=[1, 2], cols=[1], max_row=2, max_col=1)
    return WorkbookFacts({"DATA": data, "BUD'SJ": quoted}, {"TABELL1": TABLE}, {"Bud'sj": "KOSTRAARK2"})


@pytest.mark.parametrize(("formula", "sheet", "row", "col", "expected"), [
    ("SUM(Tabell1[Beløp])", "Rapport", 1, 1, "SUM(Data!$C$2:$C$5)"),
    ("Tabell1[[#This Row],[Beløp]]*2", "Data", 3, 4, "Data!$C$3*2"),
    ("[@Beløp]*2", "Data", 4, 4, "Data!$C$4*2"),
    ("Tabell1[@Beløp]", "Data", 5, 6, "Data!$C$5"),
    ("COUNTA(Tabell1[#Headers])", "Rapport", 1, 1, "COUNTA(Data!$A$1:$D$1)"),
    ("SUM(Tabell1[[#Totals],[Beløp]])", "Rapport", 1, 1, "SUM(Data!$C$6)"),
    ("ROWS(Tabell1[#All])", "Rapport", 1, 1, "ROWS(Data!$A$1:$D$6)"),
    ("SUM(Tabell1[[Beløp]:[Dobbel]])", "Rapport", 1, 1, "SUM(Data!$C$2:$D$5)"),
    ("ROWS(Tabell1)", "Rapport", 1, 1, "ROWS(Data!$A$2:$D$5)"),
    ('"Tabell1[Beløp]"&Tabell1', "Rapport", 1, 1, '"Tabell1[Beløp]"&Data!$A$2:$D$5'),
    ("INDIRECT(Data!F1)", "Rapport", 1, 1, "C4"),
    ('INDIRECT(Data!F2&"!B2")', "Rapport", 1, 1, "Data!B2"),
    ('INDIRECT("R2C3",FALSE)', "Data", 1, 1, "C2"),
    ("SUM(OFFSET(Data!A1,1,2,3,1))", "Rapport", 1, 1, "SUM(Data!C2:C4)"),
    ('CELL("row",B7)', "Data", 1, 1, "ROW(B7)"),
    ("SUMPRODUCT(Data!A1:A1048576*2)", "Rapport", 1, 1, "SUMPRODUCT(Data!A$1:A$40*2)"),
    ("SUM(Data!F:F)", "Rapport", 1, 1, "SUM(Data!F$1:F$2)"),  # only F1 and F2 hold something
    ("SUMIFS(Data!B:B,Data!A:A,\"x\")", "Rapport", 1, 1, "SUMIFS(Data!B$1:B$40,Data!A$1:A$40,\"x\")"),
    ("ROWS(Data!A:A)", "Rapport", 1, 1, "ROWS(Data!A:A)"),
    ("SUM('Bud''sj'!A1:A2)", "Rapport", 1, 1, "SUM(KOSTRAARK2!A1:A2)"),
])
def test_rewrite(formula: str, sheet: str, row: int, col: int, expected: str) -> None:
    assert rewrite_formula(formula, _facts(), sheet, row, col) == expected


@pytest.mark.parametrize(("formula", "sheet", "row", "code"), [
    ("Tabell1[[#This Row],[Beløp]]", "Rapport", 3, "#VALUE!"),  # outside the table's rows
    ("Tabell1[Finnesikke]", "Data", 3, "#REF!"),
    ('INDIRECT("B"&ROW())', "Data", 3, "#VALUE!"),
    ('CELL("filename")', "Data", 3, "#VALUE!"),
])
def test_what_cannot_be_rewritten_names_its_error(formula: str, sheet: str, row: int, code: str) -> None:
    with pytest.raises(Unsupported) as info:
        rewrite_formula(formula, _facts(), sheet, row, 1)
    assert info.value.code == code and info.value.reason
