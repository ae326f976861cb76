"""Iterative calculation of circular references, when the workbook enables it (Excel's «Aktiver
iterativ beregning»: ``<calcPr iterate="1" iterateCount="100" iterateDelta="0.001"/>``).

``formulas`` gives no value to a cell on a cycle. When the workbook allows iteration, every
reference from a formula without a value to another such cell is pointed at a *shadow* cell (the
same row, to the right of everything the sheet holds) in the calculation copy only. The model is then
free of cycles; the shadow cells are fed the values of the previous round, starting at 0, and the
workbook is calculated again until no value moves more than ``iterateDelta`` or ``iterateCount``
rounds are done — Excel's two limits. (Excel updates cells one after the other within a round; here
every cell of a round reads the previous round, so a result that has converged is the same, while
one stopped by the count can differ in the last digits.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kostra_functions.engine.cell_refs import MAX_COL, make_ref
from kostra_functions.engine.formula_refs import FORMULA_REFERENCE, format_reference, parse_reference_match
from kostra_functions.engine.package import MAIN_NS, Package, safe_parse
from kostra_functions.engine.workbook_facts import WorkbookFacts

Pos = tuple[int, int]
CellKey = tuple[str, Pos]


@dataclass(frozen=True)
class Settings:
    count: int
    delta: float


def settings(pkg: Package) -> Settings | None:
    """The workbook's iteration settings, or ``None`` when it does not enable iteration."""
    root = safe_parse(pkg.data[pkg.workbook_part], f"{pkg.path.name}:{pkg.workbook_part}")
    calc = root.find(f"{{{MAIN_NS}}}calcPr")
    if calc is None or calc.get("iterate") not in ("1", "true"):
        return None
    try:
        count = int(calc.get("iterateCount", "100"))
        delta = float(calc.get("iterateDelta", "0.001"))
    except ValueError:
        count, delta = 100, 0.001
    return Settings(max(1, min(count, 32767)), max(delta, 0.0))


def shadows(cells: set[CellKey], facts: WorkbookFacts) -> dict[CellKey, CellKey] | None:
    """Shadow cell per cell on a cycle (same sheet and row, past the sheet's last used column)."""
    out: dict[CellKey, CellKey] = {}
    for sheet, (r, c) in cells:
        f = facts.sheet(sheet)
        offset = (f.max_col if f is not None else 0) + 1
        if c + offset > MAX_COL:
            return None
        out[(sheet, (r, c))] = (sheet, (r, c + offset))
    return out


def shadowed_text(text: str, own_sheet: str, shadow: dict[CellKey, CellKey], facts: WorkbookFacts) -> str:
    """``text`` with every one-cell reference to a cell on a cycle pointed at its shadow."""
    upper = {(s.upper(), p): (s2, p2) for (s, p), (s2, p2) in shadow.items()}
    strings = [m.span() for m in re.finditer(r'"(?:[^"]|"")*"', text)]
    out, i = [], 0
    for m in FORMULA_REFERENCE.finditer(text):
        if any(a <= m.start() < b for a, b in strings) or not m.group("c1") or m.group("c2"):
            continue
        ref = parse_reference_match(m)
        if ref is None:
            continue
        sheet = ref.sheet or own_sheet
        target = upper.get((sheet.upper(), (ref.top, ref.left)))
        if target is None:
            continue
        out.append(text[i:m.start()])
        r, c = target[1]
        ref.top = ref.bottom = r
        ref.left = ref.right = c
        out.append(format_reference(ref, ref.sheet, facts) if ref.sheet else make_ref(r, c))
        i = m.end()
    return "".join(out) + text[i:]
