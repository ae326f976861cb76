"""CSV and XLSX report files, written through :mod:`kostra_functions.safety`.

Both are written next to the target and renamed over it (:func:`~kostra_functions.safety.atomic_write`,
:func:`~kostra_functions.safety.atomic_path`), so a crash never leaves half a file; text from the
exports (names, voucher texts) that starts like a formula is kept as text
(:func:`~kostra_functions.safety.csv_text`, :func:`~kostra_functions.safety.text_cells`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kostra_functions.safety import atomic_path, atomic_write, csv_text, text_cells


def write_csv(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """``rows`` as ``;``-separated CSV, UTF-8 with BOM (as Norwegian Excel opens it), ``\\r\\n`` line
    ends; text that would start a formula gets a leading ``'``."""
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        for row in rows:
            writer.writerow([csv_text(v) for v in row])


def save_workbook(wb: Any, path: str | Path) -> None:
    """Save an openpyxl workbook to ``path``, every sheet's text stored as text, never as a formula."""
    for sheet in wb.worksheets:
        for cells in sheet.iter_rows():
            text_cells(cells)
    with atomic_path(path) as tmp:
        wb.save(tmp)
