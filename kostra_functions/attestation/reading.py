"""Reading the authority register and the voucher list: CSV or XLSX files, or an Excel range.

A table is read as (normalised headers, :class:`Row` objects, display name); each row keeps its raw
cells and a reference to every cell for messages. Headers are case-insensitive; ``æ ø å`` may be
written ``ae o a``; spaces or ``_``. CSV is read with ``;``, ``,`` or tab, UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kostra_functions.attestation.fields import DISPLAY_NAMES
from kostra_functions.authority import normalise_key
from kostra_functions.cells import is_blank
from kostra_functions.errors import LedgerFormatError


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
    with p.open("rb") as fh:
        magic = fh.read(8)
    suffix = p.suffix.lower()
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFormatError(
            f"«{p.name}» er lagret i det gamle Excel-formatet (.xls) eller er passordbeskyttet. Lagre den "
            "som .xlsx (uten passord) eller CSV."
        )
    if magic.startswith(b"%PDF"):
        raise LedgerFormatError(f"«{p.name}» er en PDF-fil. Eksporter listen som CSV eller .xlsx.")
    if magic.startswith(b"PK\x03\x04"):
        return _read_xlsx(p, sheet)
    if suffix in (".xlsx", ".xlsm"):
        raise LedgerFormatError(f"«{p.name}» har endelsen {p.suffix}, men er ikke en Excel-arbeidsbok.")
    if suffix in (".csv", ".txt", ""):
        if sheet:
            raise LedgerFormatError(f"«{p.name}» er en CSV-fil og har ingen ark; fjern arknavnet «{sheet}».")
        return _read_csv(p)
    raise LedgerFormatError(f"«{p.name}»: ukjent filtype «{p.suffix}»; bruk .csv eller .xlsx.")


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, max(offset, 0)) + 1


def decode_text(p: Path, raw: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without BOM) or Windows-1252; UTF-16, binary data and bytes
    Windows-1252 does not define are refused with the row (:class:`LedgerFormatError`)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerFormatError(
            f"«{p.name}» er lagret som UTF-16 («Unicode-tekst»). Lagre den som «CSV UTF-8» eller «CSV "
            "(semikolonseparert)» og prøv igjen."
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise LedgerFormatError(
            f"«{p.name}» rad {_line_of(raw, nul)}: filen inneholder binære data (NUL-tegn) og er ikke en "
            "tekstfil (CSV)."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if raw.startswith(b"\xef\xbb\xbf"):
            raise LedgerFormatError(
                f"«{p.name}» rad {_line_of(raw, exc.start)}: filen starter med UTF-8-merke (BOM), men har "
                "tegn som ikke er gyldig UTF-8. Lagre filen på nytt som «CSV UTF-8»."
            ) from None
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise LedgerFormatError(
            f"«{p.name}» rad {_line_of(raw, exc.start)}: filen er verken UTF-8 eller Windows-1252 (byte "
            f"0x{raw[exc.start]:02X}). Åpne filen i Excel og lagre som «CSV UTF-8»."
        ) from None


def check_complete(p: Path, text: str, delimiter: str) -> None:
    """Refuse a file whose last line has data but no line break: it may have been cut off.

    Every exporting program ends each row with a line break; a file that was cut off (an interrupted
    copy) does not, and «12 500,00» cut to «12» would be a plausible wrong amount.
    """
    physical = _NEWLINE.split(text)
    if physical[-1].replace(delimiter, "").replace('"', "").strip():
        raise LedgerFormatError(
            f"«{p.name}» rad {len(physical)} (siste rad) slutter uten linjeskift, så filen kan være "
            "avkortet og et beløp kuttet. Kontroller at siste rad er hel og avslutt den med linjeskift, "
            "eller eksporter filen på nytt."
        )


def _header(cells: Sequence[Any], source: str, where: str) -> list[str]:
    """Normalised header names; two columns that normalise alike are refused (never one silently)."""
    header = [normalise_key(str(c)) if not is_blank(c) else "" for c in cells]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        if h in seen:
            raise LedgerFormatError(
                f"{source} {where}: kolonnene «{str(cells[seen[h]]).strip()}» (nr. {seen[h] + 1}) og "
                f"«{str(cells[i]).strip()}» (nr. {i + 1}) betyr det samme; fjern eller gi nytt navn til den "
                "som ikke skal brukes."
            )
        seen[h] = i
    return header


_NEWLINE = re.compile(r"\r\n|\n|\r")


def _read_csv(p: Path) -> tuple[list[str], list[Row], str]:
    raw = p.read_bytes()
    text = decode_text(p, raw)
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise LedgerFormatError(f"«{p.name}» er tom.")
    delimiter = max((";", ",", "\t"), key=lambda d: (first.count(d), d == ";"))
    check_complete(p, text, delimiter)
    # strict: a quote that never closes is an error, not the rest of the file read as one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[Row] = []
    number = 0
    try:
        for record in reader:
            number = reader.line_num
            if not any(c.strip() for c in record):
                continue
            if header is None:
                header = _header(record, f"«{p.name}»", f"overskriftsraden (rad {number})")
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
    except csv.Error as exc:
        why = ("et felt er lengre enn 131 072 tegn" if "field limit" in str(exc)
               else "et anførselstegn (\") står feil eller avsluttes aldri")
        raise LedgerFormatError(
            f"«{p.name}» rad {number + 1 if number else reader.line_num} kan ikke leses som CSV: {why}. "
            "Sjekk anførselstegnene i og etter denne raden."
        ) from None
    return header or [], rows, p.name


def _read_xlsx(p: Path, sheet: str | None) -> tuple[list[str], list[Row], str]:
    from openpyxl.utils import get_column_letter

    from kostra_functions import safety

    wb = safety.open_xlsx(p, where=f"«{p.name}»")
    try:
        if sheet:
            if sheet not in wb.sheetnames:
                raise LedgerFormatError(
                    f"«{p.name}» har ikke arket «{sheet}»; arkene er {', '.join(wb.sheetnames)}."
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # a wrong <dimension> (A1:XFD1048576) must not pad every row
        label = f"«{p.name}» ark «{ws.title}»"
        header: list[str] | None = None
        header_at = 0
        for number, record in enumerate(safety.guarded_rows(ws.iter_rows(values_only=True), where=label),
                                        start=1):
            if not all(is_blank(c) for c in record):
                header = _header(record, label, f"overskriftsraden (rad {number})")
                header_at = number
                break
        rows: list[Row] = []
        if header is None:
            return [], rows, f"{p.name} ark «{ws.title}»"
        width = max((i + 1 for i, h in enumerate(header) if h), default=1)
        letters = [get_column_letter(i + 1) for i in range(width)]
        body = ws.iter_rows(min_row=header_at + 1, max_col=width, values_only=True)
        for number, record in enumerate(safety.guarded_rows(body, where=label, start=header_at + 1),
                                        start=header_at + 1):
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
    header = _header(body[0], f"«{name}»", "overskriftsraden (rad 1)")
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

