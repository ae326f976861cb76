"""Reading a ledger or budget export file: what kind of file it is, then its CSV or its workbook.

:func:`read_ledger` refuses what it cannot read (PDF, old ``.xls``, encrypted workbooks, too large
or empty files) with advice, reads CSV through :mod:`kostra_functions.ledger.csv_file`, and reads
an XLSX's first sheet with a header row (or ``sheet=``) here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.ledger.columns import (
    HEADER_SEARCH_ROWS,
    KINDS,
    Kind,
    checked_header,
    header_found_text,
    header_score,
)
from kostra_functions.ledger.csv_file import read_csv_ledger
from kostra_functions.ledger.frame import build_frame, object_array
from kostra_functions.ledger.problems import Source, Widths, code_widths, source_error
from kostra_functions.rulesets import RuleSet
from kostra_functions.tables.sniff import XLSX_SUFFIXES, check_size, sniff
from kostra_functions.tables.xlsx import check_unpacked_size, open_workbook, select_sheets, sheet_rows

#: Files larger than this are refused (bytes); pass ``max_bytes`` to change it per call.
MAX_FILE_BYTES = 2 * 1024**3


def read_ledger(
    path: str | Path,
    *,
    kind: Kind | None = None,
    year: int | None = None,
    sheet: str | None = None,
    ruleset: str | RuleSet | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read an accounts or budget export (CSV or XLSX) into the canonical ledger frame.

    ``kind``: ``"regnskap"`` (accounts) or ``"budsjett"`` (adjusted budget spread over periods
    1–12; the sum is the adjusted annual budget). ``None`` decides from the amount header:
    «Budsjett»/«Justert budsjett» → budget, «Regnskap» → accounts, a generic «Beløp» → accounts.
    ``year``: when given, periods written as ``YYYYMM`` must be in this year. ``sheet``: XLSX sheet
    name (default: the first sheet with a header row). ``ruleset``: gives the code widths
    (default ``oslo_bydel``). ``max_bytes``: size limit (default :data:`MAX_FILE_BYTES`).

    Amounts are kroner, expenses positive, revenues negative, exactly as in the file. Raises
    :class:`~kostra_functions.errors.LedgerFormatError` naming file, row and column (see the
    module docstring for what is accepted).
    """
    if kind is not None and kind not in KINDS:
        raise InvalidArgumentError(f"Filtypen må være «regnskap» eller «budsjett», ikke «{kind}».")
    p = Path(path)
    source = Source(label=str(path), path=str(path))
    if not p.exists():
        raise source_error(source, "filen finnes ikke.")
    if p.is_dir():
        raise source_error(source, "dette er en mappe, ikke en fil.")
    limit = MAX_FILE_BYTES if max_bytes is None else int(max_bytes)
    check_size(p, limit, where=source.where(), advice=" Del opp eksporten (f.eks. per periode eller ansvar) "
                                                      "eller øk grensen.")
    widths = code_widths(ruleset)
    kind_found = sniff(p)
    suffix = p.suffix.lower()
    if kind_found == "pdf":
        raise source_error(source, "dette er en PDF-fil, ikke en eksport. Eksporter regnskapet fra Agresso "
                                   "som CSV eller .xlsx.")
    if kind_found == "ole" and suffix in XLSX_SUFFIXES:
        raise source_error(source, "arbeidsboken er passordbeskyttet (kryptert) eller lagret i det gamle "
                                   "Excel-formatet (.xls). Fjern passordet, lagre som .xlsx eller CSV og "
                                   "prøv igjen.")
    if kind_found == "ole" or suffix == ".xls":
        raise source_error(source, "dette er det gamle Excel-formatet (.xls). Lagre filen som .xlsx eller "
                                   "som CSV (semikolonseparert) og prøv igjen.")
    if kind_found == "xlsx" or suffix in XLSX_SUFFIXES:
        if kind_found != "xlsx":
            raise source_error(source, "filen har endelsen .xlsx, men er ikke en Excel-arbeidsbok.")
        frame = _read_xlsx(p, source, kind=kind, year=year, sheet=sheet, widths=widths, limit=limit)
    else:
        frame = read_csv_ledger(p, source, kind=kind, year=year, widths=widths)
    return frame


def _read_xlsx(path: Path, source: Source, *, kind: str | None, year: int | None, sheet: str | None,
               widths: Widths, limit: int) -> pd.DataFrame:
    where = source.where()
    check_unpacked_size(path, limit, where=where)
    # zip bombs, XML entities and oversized sheets are refused before openpyxl parses anything
    wb = open_workbook(path, where=where)
    try:
        sheets = select_sheets(wb, sheet, where=where)
        for ws in sheets:
            result = _read_sheet(ws, source, kind=kind, year=year, widths=widths, last=ws is sheets[-1])
            if result is not None:
                return result
    finally:
        wb.close()
    raise source_error(source, "arbeidsboken har ingen ark.")


def _read_sheet(ws: Any, source: Source, *, kind: str | None, year: int | None, widths: Widths,
                last: bool) -> pd.DataFrame | None:
    sheet_source = Source(label=source.label, path=source.path, sheet=ws.title)
    where = sheet_source.where()
    header_cells: list[Any] | None = None
    header_row = 0
    seen = 0
    first_text: list[Any] | None = None
    for number, values in sheet_rows(ws, where=where):
        if any(v is not None and str(v).strip() for v in values):
            seen += 1
            first_text = first_text or values
            if header_score(values) >= 3:
                header_cells, header_row = values, number
                break
        if seen >= HEADER_SEARCH_ROWS:
            break
    if header_cells is None:
        if not last:
            return None
        if first_text is None:
            raise source_error(sheet_source, "arket er tomt.")
        raise source_error(sheet_source, "fant ingen overskriftsrad med kolonnene Art, Ansvar, Funksjon, "
                                         f"Periode og Beløp blant de første {HEADER_SEARCH_ROWS} radene. "
                                         f"Første rad er: {header_found_text(first_text)}.")
    cells = ["" if c is None else c for c in header_cells]
    columns, implied = checked_header(cells, kind, sheet_source, row=header_row, place="arket")
    assert implied is not None
    used = list(columns.values())
    data: dict[str, list[Any]] = {c.name: [] for c in used}
    numbers: list[int] = []
    # Only the columns we use: a stray cell in column XFD must not make every row 16 384 cells wide.
    for number, row in sheet_rows(ws, where=where, start=header_row + 1,
                                  max_col=max(c.index for c in used) + 1):
        width = len(row)
        for c in used:
            data[c.name].append(row[c.index] if c.index < width else None)
        numbers.append(number)
    if not numbers:
        raise source_error(sheet_source,
                           f"arket har en overskriftsrad (rad {header_row}), men ingen rader med data.")
    values = {name: object_array(v) for name, v in data.items()}
    frame = build_frame(values, columns, np.asarray(numbers, dtype=np.int64), source=sheet_source,
                        kind=implied, year=year, widths=widths, amounts_are_text=True, decimal=",",
                        excel=True)
    frame.attrs["ark"] = ws.title
    return frame
