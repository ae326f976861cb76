"""The compatibility corpus: small workbooks, built with openpyxl, of what staff workbooks use.

Each :class:`Book` builds one workbook around one feature and names the cells whose value is checked.
A checked cell's expected value comes from one of two places, recorded per cell in ``expected.json``:

* ``libreoffice``: LibreOffice headless recalculating the file (``python -m tests.compat.derive``
  writes them; ``test_compat.py`` derives them again when LibreOffice is installed, as in CI);
* ``excel``: Excel's documented behaviour, written here next to the cell with the reason (used where
  LibreOffice 7.x lacks the feature, e.g. dynamic arrays, or where LibreOffice is known to differ).

The workbooks are rebuilt from this file on every run; no binary is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table, TableColumn, TableFormula, TableStyleInfo

#: An expected value that is an Excel error value (JSON: ``{"error": "#VALUE!"}``).


@dataclass(frozen=True)
class XlErr:
    code: str


@dataclass(frozen=True)
class Check:
    """A checked cell; ``excel`` is set when the expected value is Excel's documented behaviour."""

    sheet: str
    ref: str
    excel: Any = None
    why: str = ""
    tolerance: float = 1e-9

    @property
    def from_excel(self) -> bool:
        return bool(self.why)


@dataclass
class Book:
    name: str
    feature: str
    build: Callable[[openpyxl.Workbook], list[Check]]
    checks: list[Check] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        wb = openpyxl.Workbook()
        self.checks = self.build(wb)
        path = folder / f"{self.name}.xlsx"
        wb.save(path)
        return path


def _ark(wb: openpyxl.Workbook, title: str = "Ark1") -> Any:
    ws = wb.active
    ws.title = title
    return ws


def _cells(sheet: str, refs: str) -> list[Check]:
    return [Check(sheet, r) for r in refs.split()]


# ---------------------------------------------------------------------------------------------
# The books


def tables(wb: openpyxl.Workbook) -> list[Check]:
    """An Excel table (Tabell1) with a calculated column and a totals row, read by structured refs."""
    ws = _ark(wb, "Data")
    ws.append(["Kode", "Navn", "Beløp", "Dobbel"])
    rows = [("0101", "Lønn", 1000), ("0120", "Materiell", 250.5), ("0101", "Lønn vikar", 300),
            ("1400", "Kjøp", 75)]
    for i, (code, name, amount) in enumerate(rows, 2):
        ws.append([code, name, amount, "=Tabell1[[#This Row],[Beløp]]*2"])
        ws.cell(i, 1).number_format = "@"
    ws.append(["Sum", None, "=SUBTOTAL(109,Tabell1[Beløp])", "=SUBTOTAL(109,Tabell1[Dobbel])"])
    table = Table(displayName="Tabell1", ref="A1:D6", totalsRowCount=1)
    calculated = TableFormula(attr_text="Tabell1[[#This Row],[Beløp]]*2")
    table.tableColumns = [TableColumn(id=1, name="Kode", totalsRowLabel="Sum"),
                          TableColumn(id=2, name="Navn"),
                          TableColumn(id=3, name="Beløp", totalsRowFunction="sum"),
                          TableColumn(id=4, name="Dobbel", totalsRowFunction="sum",
                                      calculatedColumnFormula=calculated)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws["F2"] = "=Tabell1[[#This Row],[Beløp]]+1"  # outside the table, same row: implicit intersection
    r = wb.create_sheet("Rapport")
    formulas = {
        "B1": "=SUM(Tabell1[Beløp])",
        "B2": "=SUMIFS(Tabell1[Beløp],Tabell1[Kode],\"0101\")",
        "B3": "=COUNTA(Tabell1[#Headers])",
        "B4": "=SUM(Tabell1[[#Data],[Beløp]])",
        "B5": "=SUM(Tabell1[[#Totals],[Beløp]])",
        "B6": "=ROWS(Tabell1)",
        "B7": "=ROWS(Tabell1[#All])",
        "B8": "=INDEX(Tabell1[Navn],2)",
        "B9": "=SUM(Tabell1[[Beløp]:[Dobbel]])",
        "B10": "=VLOOKUP(\"1400\",Tabell1,3,FALSE)",
        "B11": "=SUM(Tabell1[Dobbel])",
        "B12": "=COUNTIF(Tabell1[Kode],\"0101\")",
    }
    for ref, f in formulas.items():
        r[ref] = f
    lo_differs = "LibreOffice 7 differs here; Excel's documented meaning of the specifier"
    by_excel = {"B3": (4, f"{lo_differs}: [#Headers] is the header row, 4 cells"),
                "B6": (4, f"{lo_differs}: the table name alone is its data body, 4 rows"),
                "B7": (6, f"{lo_differs}: [#All] is header, data and totals, 6 rows")}
    checks = _cells("Data", "D2 D3 D4 D5 C6 D6 F2")
    for ref in formulas:
        checks.append(Check("Rapport", ref, *by_excel[ref]) if ref in by_excel else Check("Rapport", ref))
    return checks


def names(wb: openpyxl.Workbook) -> list[Check]:
    """Defined names: a range, a constant, a sheet-scoped name, a name over another name."""
    ws = _ark(wb)
    for i, v in enumerate([100, 250, 75.5, 10], 1):
        ws.cell(i, 1, v)
    wb.defined_names["Satser"] = DefinedName("Satser", attr_text="Ark1!$A$1:$A$4")
    wb.defined_names["Mva"] = DefinedName("Mva", attr_text="0.25")
    wb.defined_names["Første"] = DefinedName("Første", attr_text="Ark1!$A$1")
    wb.defined_names["Brutto"] = DefinedName("Brutto", attr_text="Satser*(1+Mva)")
    wb.defined_names["HeleA"] = DefinedName("HeleA", attr_text="Ark1!$A:$A")
    ws2 = wb.create_sheet("Del")
    ws2["A1"] = 7
    ws2.defined_names["Lokal"] = DefinedName("Lokal", attr_text="Del!$A$1")
    ws["C1"] = "=SUM(Satser)"
    ws["C2"] = "=Mva*100"
    ws["C3"] = "=Første+1"
    ws["C4"] = "=SUMPRODUCT(Brutto)"
    ws["C5"] = "=MAX(Satser)-MIN(Satser)"
    ws["C6"] = "=SUM(HeleA)+COUNT(HeleA)"
    ws2["B1"] = "=Lokal*2"
    ws2["B2"] = "=INDEX(Satser,3)"
    return _cells("Ark1", "C1 C2 C3 C4 C5 C6") + _cells("Del", "B1 B2")


def indirect_offset(wb: openpyxl.Workbook) -> list[Check]:
    """INDIRECT and OFFSET with constant and cell arguments; CELL; an unknown user function."""
    ws = _ark(wb)
    for i, v in enumerate([10, 20, 30, 40, 50], 1):
        ws.cell(i, 1, v)
    ws["B1"] = "A3"
    ws["B2"] = "Data"
    d = wb.create_sheet("Data")
    d["B2"] = 99
    formulas = {
        "C1": "=INDIRECT(\"A2\")",
        "C2": "=SUM(INDIRECT(\"A1:A3\"))",
        "C3": "=INDIRECT(B1)*2",
        "C4": "=INDIRECT(\"Data!B2\")",
        "C5": "=INDIRECT(B2&\"!B2\")+1",
        "C6": "=SUM(OFFSET(A1,1,0,2,1))",
        "C7": "=OFFSET(A1,4,0)",
        "C8": "=SUM(OFFSET(A1:A2,3,0))",
        "C9": "=CELL(\"row\",A4)",
        "C10": "=INDIRECT(\"R2C1\",FALSE)",
        "C11": "=SUM(A1:INDEX(A1:A5,3))",
        "C12": "=ROWS(OFFSET(A1,0,0,4,2))",
    }
    for ref, f in formulas.items():
        ws[ref] = f
    ws["D1"] = "=MINFUNKSJON(1)"
    ws["D2"] = "=SUM(A1:A5)"
    return [*_cells("Ark1", " ".join(formulas)),
            Check("Ark1", "D1", XlErr("#NAME?"), "Excel shows #NAME? for a function it does not know"),
            Check("Ark1", "D2")]


def whole_columns(wb: openpyxl.Workbook) -> list[Check]:
    """Whole-column and whole-row references in SUMIFS, SUMIF, COUNTIF, SUM, MATCH."""
    ws = _ark(wb, "Hovedbok")
    ws.append(["Funksjon", "Beløp"])
    data = [("202", 100), ("0101", 50), ("202", 25.5), ("253", 10), ("0101", 4), ("202", -7)]
    for code, amount in data:
        ws.append([code, amount])
    r = wb.create_sheet("Ark1")
    formulas = {
        "A1": "=SUMIFS(Hovedbok!B:B,Hovedbok!A:A,\"202\")",
        "A2": "=SUMIF(Hovedbok!A:A,\"0101\",Hovedbok!B:B)",
        "A3": "=COUNTIF(Hovedbok!A:A,\"202\")",
        "A4": "=SUM(Hovedbok!B:B)",
        "A5": "=SUM(Hovedbok!2:2)",
        "A6": "=MATCH(\"253\",Hovedbok!A:A,0)",
        "A7": "=COUNTA(Hovedbok!A:B)",
        "A8": "=SUMIFS(Hovedbok!$B:$B,Hovedbok!$A:$A,\"<>202\")",
    }
    for ref, f in formulas.items():
        r[ref] = f
    return _cells("Ark1", " ".join(formulas))


def arrays_whole(wb: openpyxl.Workbook) -> list[Check]:
    """Whole rows and columns inside legacy array formulas ({=Ark1!1:1}, {=SUM(IF(A:A>2,A:A))})."""
    ws = _ark(wb)
    for c, v in enumerate([3, 5, 8], 1):
        ws.cell(1, c, v)
    d = wb.create_sheet("Data")
    for i, v in enumerate([1, 4, 2, 6], 1):
        d.cell(i, 1, v)
    ws["A3"] = ArrayFormula("A3", "=Ark1!1:1")
    ws["A4"] = ArrayFormula("A4", "=SUM(Ark1!1:1*2)")
    ws["A5"] = ArrayFormula("A5", "=SUM(IF(Data!A:A>2,Data!A:A))")
    ws["A6"] = ArrayFormula("A6", "=MAX(Data!A:A*Data!A:A)")
    ws["A7"] = ArrayFormula("A7:C7", "=Ark1!A1:C1*10")
    return _cells("Ark1", "A3 A4 A5 A6 A7 B7 C7")


def cse(wb: openpyxl.Workbook) -> list[Check]:
    """Legacy Ctrl+Shift+Enter arrays over ranges: TREND, LINEST, CHOOSE, TRANSPOSE, keeping shape."""
    ws = _ark(wb)
    xs, ys = [1, 2, 3, 4], [3, 5, 7, 9.5]
    for i, (x, y) in enumerate(zip(xs, ys, strict=True), 1):
        ws.cell(i, 1, x)
        ws.cell(i, 2, y)
    ws["D1"] = ArrayFormula("D1:D4", "=TREND(B1:B4,A1:A4)")
    ws["E1"] = ArrayFormula("E1:F1", "=LINEST(B1:B4,A1:A4)")
    ws["G1"] = ArrayFormula("G1:H4", "=CHOOSE({1,2},B1:B4,A1:A4)")
    ws["I1"] = ArrayFormula("I1:L1", "=TRANSPOSE(A1:A4)")
    ws["D6"] = ArrayFormula("D6:D8", "=A1:A3*2")
    ws["E6"] = ArrayFormula("E6:E9", "=A1:A3+B1:B3")  # one cell more than the result: #N/A
    ws["F6"] = ArrayFormula("F6", "=SUM(A1:A4*B1:B4)")
    checks = _cells("Ark1", "D1 D2 D3 D4 E1 F1 G1 H1 G4 H4 I1 J1 K1 L1 D6 D7 D8 E6 E7 E8 F6")
    checks.append(Check("Ark1", "E9", XlErr("#N/A"),
                        "Excel fills cells of an array range beyond the result with #N/A"))
    return checks


def dynamic(wb: openpyxl.Workbook) -> list[Check]:
    """Dynamic arrays (Excel 365) that spill; LibreOffice 7 has none of these functions, so each
    expected value is Excel's documented result, worked out by hand."""
    ws = _ark(wb)
    for i, v in enumerate(["b", "a", "b", "c", "a"], 1):
        ws.cell(i, 1, v)
        ws.cell(i, 2, i * 10)
    ws["D1"] = "=_xlfn.SEQUENCE(3)"
    ws["E1"] = "=_xlfn.UNIQUE(A1:A5)"
    ws["F1"] = "=_xlfn._xlws.FILTER(B1:B5,A1:A5=\"b\")"
    ws["G1"] = "=_xlfn._xlws.SORT(B1:B5,1,-1)"
    ws["H1"] = "=SUM(_xlfn.ANCHORARRAY(D1))"
    why = "Excel 365 spills the result down from the formula cell"
    return [Check("Ark1", "D1", 1, why), Check("Ark1", "D2", 2, why), Check("Ark1", "D3", 3, why),
            Check("Ark1", "E1", "b", why), Check("Ark1", "E2", "a", why), Check("Ark1", "E3", "c", why),
            Check("Ark1", "F1", 10, why), Check("Ark1", "F2", 30, why),
            Check("Ark1", "G1", 50, why), Check("Ark1", "G5", 10, why),
            Check("Ark1", "H1", 6, "D1# is the spill range D1:D3 = 1+2+3")]


def circular(wb: openpyxl.Workbook) -> list[Check]:
    """A circular reference in a workbook that enables iterative calculation (calcPr iterate)."""
    ws = _ark(wb)
    ws["A1"] = 100
    ws["B1"] = "=A1+C1*0.5"  # income + half the fee…
    ws["C1"] = "=B1*0.1"  # …the fee is 10 % of the total: B = 100 + 0.05 B → B = 105.263157…
    ws["B3"] = "=B1*2"
    wb.calculation.iterate = True
    wb.calculation.iterateCount = 100
    wb.calculation.iterateDelta = 0.0001
    return [Check("Ark1", "B1", tolerance=1e-3), Check("Ark1", "C1", tolerance=1e-3),
            Check("Ark1", "B3", tolerance=1e-3)]


def dates(wb: openpyxl.Workbook) -> list[Check]:
    """Date cells in date arithmetic and date functions."""
    ws = _ark(wb)
    ws["A1"] = date(2024, 3, 15)
    ws["A2"] = date(2023, 12, 31)
    ws["A1"].number_format = ws["A2"].number_format = "dd.mm.yyyy"
    formulas = {
        "B1": "=YEAR(A1)", "B2": "=MONTH(A1)", "B3": "=A1-A2", "B4": "=EOMONTH(A1,0)",
        "B5": "=DATE(2024,2,29)-DATE(2024,1,1)", "B6": "=WEEKDAY(A1,2)", "B7": "=A1+30",
        "B8": "=_xlfn.DAYS(A1,A2)", "B9": "=DATEDIF(A2,A1,\"m\")", "B10": "=EDATE(A1,-1)",
        "B11": "=TEXT(A1,\"yyyy-mm-dd\")", "B12": "=NETWORKDAYS(A2,A1)",
    }
    for ref, f in formulas.items():
        ws[ref] = f
    return _cells("Ark1", " ".join(formulas))


def text_codes(wb: openpyxl.Workbook) -> list[Check]:
    """KOSTRA codes typed as text with leading zeros, in criteria, lookups and tests."""
    ws = _ark(wb)
    for i, (code, amount) in enumerate([("0101", 10), ("010", 20), ("101", 40), ("0101", 80)], 1):
        ws.cell(i, 1, code).number_format = "@"
        ws.cell(i, 2, amount)
    formulas = {
        "C1": "=COUNTIF(A1:A4,\"0101\")", "C2": "=SUMIFS(B1:B4,A1:A4,\"010\")",
        "C3": "=ISNUMBER(A2)", "C4": "=A1&\"x\"", "C5": "=VLOOKUP(\"010\",A1:B4,2,FALSE)",
        "C6": "=LEN(A1)", "C7": "=VALUE(A1)", "C8": "=SUMIF(A1:A4,\"101\",B1:B4)",
        "C9": "=A1=\"0101\"", "C10": "=MATCH(\"101\",A1:A4,0)", "C11": "=TEXT(7,\"000\")",
        "C12": "=SUM(A1:A4)",
    }
    for ref, f in formulas.items():
        ws[ref] = f
    why = ("Excel's COUNTIF/SUMIF read number-like text as a number on both sides, so «0101» and "
           "«101» match the same criterion (LibreOffice compares the text); documented e.g. at "
           "exceljet.net/formulas/count-numbers-with-leading-zeros: COUNTIF(B4:B8,\"01\") returns 5")
    excel = {"C1": (3, why), "C8": (130, why)}
    return [Check("Ark1", ref, *excel[ref]) if ref in excel else Check("Ark1", ref) for ref in formulas]


def apostrophes(wb: openpyxl.Workbook) -> list[Check]:
    """A sheet whose name holds an apostrophe, referred to as 'Bud''sj'!A1."""
    ws = _ark(wb)
    b = wb.create_sheet("Bud'sj")
    for i, (k, v) in enumerate([("x", 5), ("y", 7), ("x", 11)], 1):
        b.cell(i, 1, k)
        b.cell(i, 2, v)
    s = wb.create_sheet("Drift 2024")
    s["A1"] = 3
    formulas = {
        "A1": "='Bud''sj'!B1", "A2": "=SUM('Bud''sj'!B1:B3)",
        "A3": "=SUMIFS('Bud''sj'!B1:B3,'Bud''sj'!A1:A3,\"x\")", "A4": "='Drift 2024'!A1*2",
        "A5": "=COUNTA('Bud''sj'!A:A)",
    }
    for ref, f in formulas.items():
        ws[ref] = f
    return _cells("Ark1", " ".join(formulas))


def far_cells(wb: openpyxl.Workbook) -> list[Check]:
    """A cell at the sheet's far corner XFD1048576."""
    ws = _ark(wb)
    ws["XFD1048576"] = 7
    ws["A1"] = 2
    d = wb.create_sheet("Rapport")
    d["A1"] = "=Ark1!XFD1048576*2"
    d["A2"] = "=SUM(Ark1!XFD:XFD)"
    d["A3"] = "=SUM(Ark1!A1,Ark1!XFD1048576)"
    d["A4"] = "=COUNT(Ark1!1048576:1048576)"
    return _cells("Rapport", "A1 A2 A3 A4")


def full_height(wb: openpyxl.Workbook) -> list[Check]:
    """Explicit full-height and full-sheet ranges (A1:A1048576, A:XFD) must read every row."""
    d = _ark(wb, "Data")
    d["A1"] = 2
    d["A2"] = 9
    d["B5"] = 4
    d["A300"] = 1
    ws = wb.create_sheet("Ark1")
    formulas = {
        "A1": "=SUM(Data!A1:A1048576)", "A2": "=SUMPRODUCT(Data!A1:A1048576)",
        "A3": "=SUM(Data!A:XFD)", "A4": "=SUM(Data!A1:XFD1048576)", "A5": "=COUNT(Data!A1:A1048576)",
        "A6": "=SUMPRODUCT(Data!A1:A1048576*2)", "A7": "=SUM(Data!1:1048576)",
        "A8": "=MAX(Data!A2:A1048576)",
    }
    for ref, f in formulas.items():
        ws[ref] = f
    return _cells("Ark1", " ".join(formulas))


def kostra_date_amount(wb: openpyxl.Workbook) -> list[Check]:
    """A date cell used as an amount in a KOSTRA_* function: #VALUE! (#VERDI!), as in the Python
    face (``FUNCTIONS["KOSTRA_AVVIK"].call`` with a date) and in Excel through xlwings, which passes a
    date-formatted cell as a date."""
    ws = _ark(wb)
    ws["A1"] = date(2024, 3, 15)
    ws["A1"].number_format = "dd.mm.yyyy"
    ws["A2"] = 500000
    ws["A3"] = 120000
    ws["B1"] = "=KOSTRA_AVVIK(A1,A3,6,\"lineær\")"
    ws["B2"] = "=KOSTRA_AVVIK(A2,A3,6,\"lineær\")"
    ws["B3"] = "=YEAR(A1)"
    ws["B4"] = "=KOSTRA_AVVIK(A2,A1,6,\"lineær\")"
    why = "the Python face FUNCTIONS['KOSTRA_AVVIK'].call(date, ...) gives #VALUE! (#VERDI!)"
    from kostra_functions.excel.functions import FUNCTIONS

    face = FUNCTIONS["KOSTRA_AVVIK"].call
    return [Check("Ark1", "B1", face(date(2024, 3, 15), 120000.0, 6.0, "lineær"), why),
            Check("Ark1", "B2", face(500000.0, 120000.0, 6.0, "lineær"),
                  "the Python face FUNCTIONS['KOSTRA_AVVIK'].call(500000, 120000, 6, 'lineær')"),
            Check("Ark1", "B3"),
            Check("Ark1", "B4", face(500000.0, date(2024, 3, 15), 6.0, "lineær"), why)]


def everyday(wb: openpyxl.Workbook) -> list[Check]:
    """Functions a budget follow-up sheet uses every day: lookups, rounding, conditions, text."""
    ws = _ark(wb)
    rows = [("202", "Grunnskole", 1180000.5, 1250000), ("253", "Helse", 52500, 40000),
            ("254", "Pleie", 0, 300000), ("0101", "Lønn", -1234.567, 0)]
    for i, row in enumerate(rows, 1):
        for j, v in enumerate(row, 1):
            ws.cell(i, j, v)
    ws["A4"].number_format = "@"
    formulas = {
        "G1": "=VLOOKUP(\"253\",A1:D4,2,FALSE)", "G2": "=INDEX(B1:B4,MATCH(\"254\",A1:A4,0))",
        "G3": "=IFERROR(VLOOKUP(\"999\",A1:D4,2,FALSE),\"mangler\")", "G4": "=ROUND(C4,2)",
        "G5": "=ROUND(1.005,2)", "G6": "=ROUNDDOWN(C1/1000,0)", "G7": "=SUMPRODUCT((D1:D4-C1:C4)*(D1:D4>0))",
        "G8": "=IF(C2>D2,\"merforbruk\",\"mindreforbruk\")", "G9": "=TEXT(C1,\"0.00\")",
        "G10": "=AVERAGEIFS(D1:D4,D1:D4,\">0\")", "G11": "=_xlfn.MAXIFS(C1:C4,D1:D4,\">0\")",
        "G12": "=_xlfn.IFS(C3>0,\"ja\",TRUE,\"nei\")", "G13": "=_xlfn.TEXTJOIN(\";\",TRUE,A1:A4)",
        "G14": "=COUNTIFS(C1:C4,\">0\",D1:D4,\">0\")", "G15": "=ABS(MIN(C1:C4))",
        "G16": "=MOD(-7,3)", "G17": "=INT(-2.5)", "G18": "=LEFT(B1,4)&\"-\"&RIGHT(A4,2)",
        "G19": "=SUMIF(C1:C4,\"<0\")", "G20": "=D1/0",
    }
    for ref, f in formulas.items():
        ws[ref] = f
    return _cells("Ark1", " ".join(formulas))


def hazards(wb: openpyxl.Workbook) -> list[Check]:
    """Where engines often part from Excel: blanks, text numbers, booleans, errors, coercion."""
    ws = _ark(wb)
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 5, "7", True, None
    ws["A5"] = "=NA()"
    ws["B1"] = "tekst"
    formulas = {
        "C1": "=SUM(A1:A4)", "C2": "=A1+A2", "C3": "=COUNT(A1:A4)", "C4": "=COUNTA(A1:A4)",
        "C5": "=A4=\"\"", "C6": "=A4=0", "C7": "=ISBLANK(A4)", "C8": "=SUM(A1:A5)",
        "C9": "=IFERROR(SUM(A1:A5),-1)", "C10": "=ISNUMBER(\"010\")", "C11": "=--A2*2",
        "C12": "=1.5&\"\"", "C13": "=\"ABC\"=\"abc\"", "C14": "=A3+1", "C15": "=B1*1",
        "C16": "=ISNA(A5)", "C17": "=0.1+0.2=0.3", "C18": "=COUNTBLANK(A1:A4)",
        "C19": "=SUMPRODUCT(--(A1:A3=5))", "C20": "=AVERAGE(A1:A4)", "C21": "=50%*A1",
        "C22": "=MAX(A1:A4)", "C23": "=\"\"&A4", "C24": "=LEN(A4)",
    }
    for ref, f in formulas.items():
        ws[ref] = f
    why = ("Excel ignores logical values and text in a reference given to SUM/COUNT/AVERAGE "
           "(Microsoft's SUM, COUNT and AVERAGE pages); LibreOffice stores TRUE as the number 1 "
           "and counts it")
    excel = {"C1": (5, why), "C3": (1, why), "C20": (5, why)}
    return [Check("Ark1", ref, *excel[ref]) if ref in excel else Check("Ark1", ref) for ref in formulas]


BOOKS: list[Book] = [
    Book("tabeller", "strukturerte referanser", tables),
    Book("navn", "definerte navn", names),
    Book("indirekte", "INDIRECT/OFFSET/ukjente funksjoner", indirect_offset),
    Book("helkolonne", "hele kolonner i SUMIFS", whole_columns),
    Book("matrise_helrad", "hele rader/kolonner i matriser", arrays_whole),
    Book("cse", "CSE-matriser (TREND, LINEST, CHOOSE)", cse),
    Book("dynamisk", "dynamiske matriser", dynamic),
    Book("sirkulaer", "sirkulære referanser med iterasjon", circular),
    Book("datoer", "datoer", dates),
    Book("tekstkoder", "tekstkoder med ledende null", text_codes),
    Book("apostrof", "apostrof i arknavn", apostrophes),
    Book("fjerncelle", "celle i XFD1048576", far_cells),
    Book("fullhoyde", "områder i full høyde", full_height),
    Book("dato_belop", "dato som beløp i KOSTRA_*", kostra_date_amount),
    Book("hverdag", "vanlige funksjoner i oppfølgingsark", everyday),
    Book("fallgruver", "blanke, tekst-tall, sannhetsverdier, feil", hazards),
]


def build_all(folder: Path) -> dict[str, Path]:
    """Write every book into ``folder``; returns book name → path (checks are filled in)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {book.name: book.write(folder) for book in BOOKS}
