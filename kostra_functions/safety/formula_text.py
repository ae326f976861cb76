"""Text from an export that begins like a formula (``=``, ``+``, ``-``, ``@``) written as text, never
as a formula: in CSV with a leading apostrophe (:func:`csv_text`), in XLSX as a string cell
(:func:`text_cells`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: Text that a spreadsheet would run as a formula when it starts a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_text(value: Any) -> Any:
    """A CSV cell that Excel/LibreOffice show as text, never run: ``'`` before ``= + - @`` (and tab/CR).

    Non-text values are returned unchanged; so is text that is a plain number (``-1234,50``), which
    a spreadsheet reads as that number and cannot run.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if re.fullmatch(r"[-+]?\d[\d  ]*(?:[.,]\d+)?", value):
        return value
    return "'" + value


def text_cells(cells: Iterable[Any]) -> None:
    """Make openpyxl cells holding text that starts like a formula into string cells (never formulas).

    openpyxl turns any assigned string that starts with ``=`` into a formula; here such cells get
    data type ``s`` again so the text is stored as text.
    """
    for cell in cells:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"

