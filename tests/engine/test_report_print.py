"""Every template and example workbook prints as a committee expects, and shows no working notes.

Print: each report sheet (the sheets before «Oppsett») is one page wide with the fit-to-page switch
really on (``sheetPr/pageSetUpPr fitToPage``), repeats its heading row, and has a header/footer
with the page number (the district and period are written into the header when a workbook is
filled). Words: no internal reference («seed 000», «usikkert navn», «navn ikke funnet», TODO …) in
any cell, header or footer of the report templates and their regenerated workbooks.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((REPO / "templates").glob("*.xlsx"))
WORKBOOKS = sorted((REPO / "workbooks").rglob("*.xlsx"))
#: Templates whose every word is scanned here: all four.
WORD_SCANNED = ("avviksprognose", "statusrapport", "bilagskontroll", "aarsavslutning")
INTERNAL = re.compile(r"seed \d|usikkert navn|navn ikke funnet|IKKE FUNNET|INFERRED|TODO|FIXME|"
                      r"placeholder|ikke i kodelisten", re.IGNORECASE)


def _report_sheets(wb: openpyxl.Workbook) -> list[openpyxl.worksheet.worksheet.Worksheet]:
    names = wb.sheetnames
    return [wb[n] for n in names[: names.index("Oppsett")]]


@pytest.mark.parametrize("path", TEMPLATES + WORKBOOKS, ids=lambda p: p.name)
def test_report_sheets_print_one_page_wide_with_headings_and_page_numbers(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in _report_sheets(wb):
        assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage, \
            (path.name, ws.title)
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, (path.name, ws.title)
        if path.name.split("_")[0].split(".")[0] in WORD_SCANNED:
            assert ws.print_title_rows, (path.name, ws.title)
        assert "&P" in (ws.oddFooter.center.text or ""), (path.name, ws.title)
    if path.parent.name != "templates":  # a filled workbook names the district and period on each page
        for ws in _report_sheets(wb):
            assert "Bydel" in (ws.oddHeader.left.text or ""), (path.name, ws.title)
            if not path.name.startswith("bilagskontroll"):  # a voucher list has no period
                assert "periode" in (ws.oddHeader.right.text or ""), (path.name, ws.title)


@pytest.mark.parametrize("path", [p for p in TEMPLATES + WORKBOOKS if p.name.split("_")[0].split(".")[0]
                                  in WORD_SCANNED], ids=lambda p: p.name)
def test_no_internal_words_in_any_sheet_or_header(path: Path) -> None:
    for data_only in (False, True):  # the formulas' own text and the values they show
        wb = openpyxl.load_workbook(path, data_only=data_only)
        for ws in wb.worksheets:
            texts = [ws.oddHeader.left.text, ws.oddHeader.right.text, ws.oddFooter.center.text]
            texts += [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            bad = [t for t in texts if t and INTERNAL.search(t)]
            assert not bad, (path.name, ws.title, bad[:3])


def test_money_columns_fit_nine_digit_amounts() -> None:
    """A 9-digit amount with a minus and separators («-123 456 789») needs a column at least 13 wide."""
    for path in TEMPLATES:
        if path.stem not in WORD_SCANNED:
            continue
        wb = openpyxl.load_workbook(path)
        for ws in _report_sheets(wb):
            for row in ws.iter_rows():
                for cell in row:
                    if cell.number_format.startswith("#,##0"):
                        width = ws.column_dimensions[cell.column_letter].width
                        assert width >= 13, (path.name, ws.title, cell.coordinate, width)


@pytest.mark.slow
def test_publiser_pdf_gives_the_committee_pdf(tmp_path: Path) -> None:
    """`kostra publiser --pdf`: the report sheets only, Norwegian number format, header and page numbers."""
    import shutil
    import subprocess

    from kostra_functions.cli import main
    from kostra_functions.engine.libreoffice import find_soffice

    if find_soffice() is None or shutil.which("pdftotext") is None:
        pytest.fail("LibreOffice and pdftotext are needed for the committee PDF (installed in CI)")
    out = tmp_path / "statusrapport_juni.xlsx"
    source = REPO / "workbooks" / "bydel_eksempel" / "statusrapport_2023-06.xlsx"
    assert main(["publiser", str(source), "-o", str(out), "--bruk-lagrede", "--pdf"]) == 0
    pdf = out.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Status per funksjonsområde" in text and "Status per KOSTRA-funksjon" in text
    assert "Bydel Eksempel – Funksjonsområder" in text and "2023, periode 6" in text
    assert "Side 1 av" in text
    assert "368 249 273" in text  # accounts to date, ordinary operations, in Norwegian format
    assert "Summert fra regnskaps- og budsjetteksporten" not in text  # input sheets are left out


def test_prognose_xlsx_columns_fit_amounts_and_names(tmp_path: Path) -> None:
    """`kostra prognose --xlsx`: no ##### for 9-digit amounts, full function names, prints one page wide."""
    from openpyxl.utils import get_column_letter

    from kostra_functions.cli import main

    out = tmp_path / "prognose.xlsx"
    assert main(["prognose", "--periode", "6", "--xlsx", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Avviksprognose"]
    header = [c.value for c in ws[1]]
    for col, name in enumerate(header, 1):
        width = ws.column_dimensions[get_column_letter(col)].width
        values = [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]
        if any(isinstance(v, float) and abs(v) >= 1e8 for v in values):
            assert width >= 15, (name, width)  # «-123 456 789,00» is 15 characters
        if name == "Navn":
            longest = max(len(str(v)) for v in values if v)
            assert width >= min(longest, 58), (width, longest)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
