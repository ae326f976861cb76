"""Workbooks as tables: sheets and rows of an XLSX/XLSM file, read-only, stored values.

Every workbook is opened through :func:`kostra_functions.safety.open_xlsx` (zip bombs, XML
entities and oversized sheets are refused before openpyxl parses anything) and every row through
:func:`kostra_functions.safety.guarded_rows`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kostra_functions import safety
from kostra_functions.errors import LedgerFormatError
from kostra_functions.tables.sniff import size_text


def check_unpacked_size(path: Path, limit: int, *, where: str) -> None:
    """Refuse a workbook that is not a zip package, or that unpacks to more than ``4 * limit`` bytes."""
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise LedgerFormatError("filen er ikke en gyldig Excel-arbeidsbok (.xlsx); den kan være skadet.",
                                where=where) from None
    if unpacked > 4 * limit:
        raise LedgerFormatError(f"arbeidsboken pakker seg ut til {size_text(unpacked)}, mer enn grensen. "
                                "Eksporter som CSV eller del opp filen.", where=where)


def open_workbook(path: Path, *, where: str) -> Any:
    """The workbook, read-only with stored values, after :func:`kostra_functions.safety.open_xlsx`'s
    checks. The caller closes it."""
    return safety.open_xlsx(path, where=where)


def select_sheets(wb: Any, sheet: str | None, *, where: str) -> list[Any]:
    """``[wb[sheet]]``, or every sheet when ``sheet`` is ``None``; a sheet that does not exist is
    refused naming the sheets there are."""
    if sheet is None:
        return list(wb.worksheets)
    if sheet not in wb.sheetnames:
        raise LedgerFormatError(f"arket «{sheet}» finnes ikke; arkene er "
                                + ", ".join(f"«{s}»" for s in wb.sheetnames) + ".", where=where)
    return [wb[sheet]]


def row_number(row: Sequence[Any], fallback: int) -> int:
    """The sheet's own row number of a row of cells (``fallback`` when no cell knows it)."""
    for cell in row:
        r = getattr(cell, "row", None)
        if r is not None:
            return int(r)
    return fallback


def sheet_rows(ws: Any, *, where: str, start: int = 1, max_col: int | None = None
               ) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, cell values)`` from row ``start`` on, guarded by
    :func:`kostra_functions.safety.guarded_rows`. A wrong ``<dimension>`` (``A1:XFD1048576``) is
    reset first so it cannot pad every row; ``max_col`` reads only the first columns, so a stray
    cell in column XFD does not make every row 16 384 cells wide."""
    if start == 1 and hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    rows = ws.iter_rows(min_row=start, max_col=max_col) if (start > 1 or max_col) else ws.iter_rows()
    for number, row in enumerate(safety.guarded_rows(rows, where=where, start=start), start=start):
        yield row_number(row, number), [c.value for c in row]
