"""A1 references in formula text: found (:data:`FORMULA_REFERENCE`), parsed into a
:class:`Reference` and written back (under a sheet's alias when it has one)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kostra_functions.engine.cell_refs import MAX_COL, MAX_ROW, col_to_index, index_to_col

if TYPE_CHECKING:
    from kostra_functions.engine.workbook_facts import WorkbookFacts

_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u00c0-\uffff][\w.\u00c0-\uffff]*)"
#: A reference in a formula's text: a cell, a cell range, whole columns or whole rows, with an
#: optional sheet.
FORMULA_REFERENCE = re.compile(
    rf"(?<![\w.\"\]])(?:(?P<sheet>{_SHEET})!)?"
    r"(?:(?P<c1>\$?[A-Za-z]{1,3}\$?\d+)(?::(?P<c2>\$?[A-Za-z]{1,3}\$?\d+))?"
    r"|(?P<k1>\$?[A-Za-z]{1,3}):(?P<k2>\$?[A-Za-z]{1,3})"
    r"|(?P<r1>\$?\d+):(?P<r2>\$?\d+))"
    r"(?![\w(!\[])")
_CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")


def sheet_prefix(sheet: str) -> str:
    """``Ark1!`` or ``'Mitt ark'!``: how a reference to ``sheet`` starts in a formula."""
    if re.fullmatch(r"[A-Za-z_\u00c0-\uffff][\w.\u00c0-\uffff]*", sheet) and not re.fullmatch(
            r"[A-Za-z]{1,2}\d+|R\d*C\d*", sheet, re.IGNORECASE):
        return f"{sheet}!"
    return "'" + sheet.replace("'", "''") + "'!"



def unquote_sheet(sheet: str) -> str:
    """A sheet name as written in a formula without its quotes: ``'Mitt ark'`` → ``Mitt ark``."""
    return sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet


@dataclass
class Reference:
    """A cell, range, whole columns or whole rows, with its sheet and which edges are absolute."""

    sheet: str | None
    top: int
    left: int
    bottom: int
    right: int
    abs_top: bool
    abs_left: bool
    abs_bottom: bool
    abs_right: bool
    single: bool


def parse_reference_match(m: re.Match[str]) -> Reference | None:
    """The reference a :data:`FORMULA_REFERENCE` match stands for, or ``None`` when it is
    not one (it reaches beyond Excel's grid)."""
    sheet = unquote_sheet(m.group("sheet")) if m.group("sheet") else None
    if m.group("c1"):
        a = _CELL.match(m.group("c1"))
        b = _CELL.match(m.group("c2") or m.group("c1"))
        assert a and b
        r1, c1, r2, c2 = int(a.group(4)), col_to_index(a.group(2)), int(b.group(4)), col_to_index(b.group(2))
        ref = Reference(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2), bool(a.group(3)),
                   bool(a.group(1)), bool(b.group(3)), bool(b.group(1)), m.group("c2") is None)
    elif m.group("k1"):
        k1, k2 = m.group("k1"), m.group("k2")
        c1, c2 = col_to_index(k1.lstrip("$")), col_to_index(k2.lstrip("$"))
        ref = Reference(sheet, 1, min(c1, c2), MAX_ROW, max(c1, c2), True, k1.startswith("$"), True,
                   k2.startswith("$"), False)
    else:
        r1, r2 = int(m.group("r1").lstrip("$")), int(m.group("r2").lstrip("$"))
        ref = Reference(sheet, min(r1, r2), 1, max(r1, r2), MAX_COL, m.group("r1").startswith("$"), True,
                   m.group("r2").startswith("$"), True, False)
    if ref.right > MAX_COL or ref.bottom > MAX_ROW or ref.top < 1 or ref.left < 1:
        return None
    return ref


def format_reference(ref: Reference, sheet: str | None, facts: WorkbookFacts) -> str:
    """A reference written back into a formula, its sheet under the workbook's alias when it has one."""
    prefix = ""
    if sheet is not None:
        alias = facts.aliases.get(sheet) or next(
            (a for s, a in facts.aliases.items() if s.upper() == sheet.upper()), None)
        prefix = f"{alias}!" if alias else sheet_prefix(sheet)

    def cell(r: int, c: int, ar: bool, ac: bool) -> str:
        return f"{'$' if ac else ''}{index_to_col(c)}{'$' if ar else ''}{r}"

    first = cell(ref.top, ref.left, ref.abs_top, ref.abs_left)
    if ref.single:
        return prefix + first
    return prefix + first + ":" + cell(ref.bottom, ref.right, ref.abs_bottom, ref.abs_right)
