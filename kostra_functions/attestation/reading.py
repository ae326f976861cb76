"""Reading the authority register and the voucher list: CSV or XLSX files, or an Excel range.

A table is read as (normalised headers, :class:`Row` objects, display name); each row keeps its raw
cells and a reference to every cell for messages. Headers are case-insensitive; ``æ ø å`` may be
written ``ae o a``; spaces or ``_``. CSV is read with ``;``, ``,`` or tab, UTF-8 or Windows-1252.

File type, encoding, CSV records, sheets and header rows come from :mod:`kostra_functions.tables`
(the one tabular reader, so an encoding problem reads the same for every file); this module builds
the rows and keeps the attestation lists' own messages (file type, size, too many fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kostra_functions.attestation.fields import DISPLAY_NAMES
from kostra_functions.authority import normalise_key
from kostra_functions.cells import is_blank
from kostra_functions.errors import LedgerFormatError
from kostra_functions.tables.headers import column_letter, unique_headers
from kostra_functions.tables.sniff import XLSX_SUFFIXES, sniff
from kostra_functions.tables.text import csv_records
from kostra_functions.tables.xlsx import open_workbook, select_sheets, sheet_rows


@dataclass(frozen=True)
class Row:
    """One row of a table: raw cells by normalised column, where it is, and a reference per cell."""

    cells: dict[str, Any]  # normalised column → raw value
    where: str  # "fil.csv rad 5"
    cell_ref: dict[str, str]  # column → "fil.xlsx ark «X» celle C5" (or row + column name)


#: Largest voucher list or register read (bytes); both are read whole into memory.
MAX_LIST_BYTES = 256 * 1024**2


def read_rows(path: str | Path, *, sheet: str | None = None) -> tuple[list[str], list[Row], str]:
    """Read a CSV or XLSX file as (normalised headers, rows, display name); raises LedgerFormatError.

    The kind is decided from the file's first bytes, not its name, so an XLSX saved as ``.csv`` is
    read as XLSX; old ``.xls``, encrypted workbooks, PDF and other binary files are refused with
    advice. XLSX files pass :func:`kostra_functions.safety.check_xlsx` (zip bombs, XML entities).
    """
    p = Path(path)
    if not p.is_file():
        raise LedgerFormatError(f"Finner ikke filen «{path}».")
    size = p.stat().st_size
    if size > MAX_LIST_BYTES:
        raise LedgerFormatError(
            f"«{p.name}» er {size // 1024**2} MB, mer enn grensen på {MAX_LIST_BYTES // 1024**2} MB. Del opp "
            "listen (f.eks. per måned)."
        )
    kind = sniff(p)
    suffix = p.suffix.lower()
    if kind == "ole":
        raise LedgerFormatError(
            f"«{p.name}» er lagret i det gamle Excel-formatet (.xls) eller er passordbeskyttet. Lagre den "
            "som .xlsx (uten passord) eller CSV."
        )
    if kind == "pdf":
        raise LedgerFormatError(f"«{p.name}» er en PDF-fil. Eksporter listen som CSV eller .xlsx.")
    if kind == "xlsx":
        return _read_xlsx(p, sheet)
    if suffix in XLSX_SUFFIXES:
        raise LedgerFormatError(f"«{p.name}» har endelsen {p.suffix}, men er ikke en Excel-arbeidsbok.")
    if suffix in (".csv", ".txt", ""):
        if sheet:
            raise LedgerFormatError(f"«{p.name}» er en CSV-fil og har ingen ark; fjern arknavnet «{sheet}».")
        return _read_csv(p)
    raise LedgerFormatError(f"«{p.name}»: ukjent filtype «{p.suffix}»; bruk .csv eller .xlsx.")


def _read_csv(p: Path) -> tuple[list[str], list[Row], str]:
    delimiter, records = csv_records(p, where=f"«{p.name}»")
    header: list[str] | None = None
    rows: list[Row] = []
    for number, record in records:
        if not any(c.strip() for c in record):
            continue
        if header is None:
            header = unique_headers(record, normalise=normalise_key, source=f"«{p.name}»",
                                    where=f"overskriftsraden (rad {number})")
            continue
        if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
            raise LedgerFormatError(
                f"«{p.name}» rad {number} har {len(record)} felt, men overskriften har {len(header)}; "
                f"sjekk skilletegnet («{delimiter}») og anførselstegn."
            )
        where = f"{p.name} rad {number}"
        cells = {h: (record[i] if i < len(record) else "") for i, h in enumerate(header) if h}
        refs = {h: f"{where}, kolonne «{DISPLAY_NAMES.get(h, h)}»" for h in cells}
        rows.append(Row(cells, where, refs))
    return header or [], rows, p.name


def _read_xlsx(p: Path, sheet: str | None) -> tuple[list[str], list[Row], str]:
    wb = open_workbook(p, where=f"«{p.name}»")
    try:
        ws = select_sheets(wb, sheet or None, where=f"«{p.name}»")[0]
        label = f"«{p.name}» ark «{ws.title}»"
        header: list[str] | None = None
        header_at = 0
        for number, record in sheet_rows(ws, where=label):
            if not all(is_blank(c) for c in record):
                header = unique_headers(record, normalise=normalise_key, source=label,
                                        where=f"overskriftsraden (rad {number})")
                header_at = number
                break
        rows: list[Row] = []
        if header is None:
            return [], rows, f"{p.name} ark «{ws.title}»"
        width = max((i + 1 for i, h in enumerate(header) if h), default=1)
        letters = [column_letter(i) for i in range(width)]
        for number, record in sheet_rows(ws, where=label, start=header_at + 1, max_col=width):
            if all(is_blank(c) for c in record):
                continue
            where = f"{p.name} ark «{ws.title}» rad {number}"
            cells = {h: (record[i] if i < len(record) else None) for i, h in enumerate(header[:width]) if h}
            refs = {h: f"{p.name} ark «{ws.title}» celle {letters[i]}{number}"
                    for i, h in enumerate(header[:width]) if h}
            rows.append(Row(cells, where, refs))
        return header, rows, f"{p.name} ark «{ws.title}»"
    finally:
        wb.close()


def rows_from_range(table: Sequence[Sequence[Any]], name: str) -> tuple[list[str], list[Row], str]:
    """An Excel range (first row = headers) as rows, for the Excel face."""
    body = [list(r) for r in table if not all(is_blank(c) for c in r)]
    if not body:
        raise LedgerFormatError(f"Området «{name}» er tomt.")
    header = unique_headers(body[0], normalise=normalise_key, source=f"«{name}»",
                            where="overskriftsraden (rad 1)")
    rows = []
    for i, record in enumerate(body[1:], start=2):
        where = f"«{name}» rad {i}"
        if len(record) != len(header):
            raise LedgerFormatError(
                f"{where} har {len(record)} celler, men overskriftsraden har {len(header)}; området skal "
                "være rektangulært."
            )
        cells = {h: record[j] for j, h in enumerate(header) if h}
        rows.append(Row(cells, where, {h: f"{where}, kolonne «{DISPLAY_NAMES.get(h, h)}»" for h in cells}))
    return header, rows, f"«{name}»"

