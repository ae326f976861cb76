"""What a calculation gives: a value for every formula cell and spilled cell, and the cells that
end in an error value (:class:`Calculation`, :class:`CellIssue`, :class:`RecalcResult`).

Both engines (``formulas``, :mod:`kostra_functions.engine.recalc`, and ``formualizer``,
:mod:`kostra_functions.engine.native`) calculate into a :class:`Calculation`, which
:func:`kostra_functions.engine.write_values.write_calculation` stores into the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.package import Package

if TYPE_CHECKING:
    from kostra_functions.engine.stored import SheetLayout

#: A cell's (row, column), 1-based.
Pos = tuple[int, int]
#: A cell of a workbook: (sheet name, position).
CellKey = tuple[str, Pos]


@dataclass(frozen=True)
class CellIssue:
    """A cell that ends in an error value."""

    sheet: str
    ref: str
    formula: str
    error: str
    message: str = ""

    def __str__(self) -> str:
        text = f"{sheet_ref(self.sheet, self.ref)}: {self.error} i formelen ={self.formula}"
        return f"{text} — {self.message}" if self.message else text


@dataclass
class Calculation:
    """The result of calculating a package: values for every formula cell and spilled cell."""

    values: dict[CellKey, Any] = field(default_factory=dict)
    formula_text: dict[CellKey, str] = field(default_factory=dict)
    issues: list[CellIssue] = field(default_factory=list)
    spills: dict[CellKey, Area] = field(default_factory=dict)
    blocked: dict[CellKey, str] = field(default_factory=dict)
    passes: int = 0
    formula_cells: int = 0
    #: The package and its parsed sheets, kept for
    #: :func:`~kostra_functions.engine.write_values.write_calculation` (parsed once).
    parsed: tuple[Package, list[SheetLayout]] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class RecalcResult:
    """What :func:`recalculate` did: where it wrote, and which cells end in an error value."""

    source: Path
    output: Path
    calculation: Calculation

    @property
    def issues(self) -> list[CellIssue]:
        return self.calculation.issues


def sheet_ref(sheet: str, ref: str) -> str:
    """``Ark1!B5``, or ``'Budsjett 2023'!B5`` when the sheet name needs quotes."""
    if re.fullmatch(r"[A-Za-z_\u00c0-\u024f][\w\u00c0-\u024f.]*", sheet):
        return f"{sheet}!{ref}"
    return "'" + sheet.replace("'", "''") + f"'!{ref}"
