"""What kind of file a tabular reader was given, from its first bytes rather than its name.

An XLSX saved as ``.csv`` is still a workbook, and a PDF renamed ``.xlsx`` is still a PDF: every
reader asks :func:`sniff` and refuses what it cannot read with advice in its own words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from kostra_functions import formatting
from kostra_functions.errors import LedgerFormatError

#: The first bytes of a zip package (XLSX/XLSM are zip packages).
ZIP_MAGIC = b"PK\x03\x04"
#: The first bytes of an OLE compound file: old Excel (``.xls``) or a password-protected workbook.
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
#: The first bytes of a PDF file.
PDF_MAGIC = b"%PDF"
#: File names that promise a workbook.
XLSX_SUFFIXES = (".xlsx", ".xlsm")

FileKind = Literal["xlsx", "ole", "pdf", "text"]


def sniff(path: Path) -> FileKind:
    """``"xlsx"`` (a zip package), ``"ole"`` (``.xls`` or encrypted workbook), ``"pdf"`` or ``"text"``
    (anything else, to be read as CSV), from the file's first bytes."""
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(ZIP_MAGIC):
        return "xlsx"
    if magic.startswith(OLE_MAGIC):
        return "ole"
    if magic.startswith(PDF_MAGIC):
        return "pdf"
    return "text"


def size_text(n: int) -> str:
    """A file size as a message names it: ``2,0 GB``, ``12,5 MB``, ``1 234 byte``.

    >>> size_text(3 * 1024**3), size_text(1536 * 1024), size_text(1234)
    ('3,0 GB', '1,5 MB', '1 234 byte')
    """
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB".replace(".", ",")
    if n >= 1024**2:
        return f"{n / 1024**2:.1f} MB".replace(".", ",")
    return f"{formatting.whole(n)} byte"


def check_size(path: Path, limit: int, *, where: str, advice: str = "") -> int:
    """The file's size; :class:`LedgerFormatError` when it is over ``limit`` (``advice`` is appended
    after the sentence naming both sizes) or empty."""
    size = path.stat().st_size
    if size > limit:
        raise LedgerFormatError(f"filen er {size_text(size)}, mer enn grensen på {size_text(limit)}."
                                + advice, where=where)
    if size == 0:
        raise LedgerFormatError("filen er tom (0 byte).", where=where)
    return size
