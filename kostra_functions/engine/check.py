"""Check committed workbooks: recalculate and compare with the values stored in them.

``kostra sjekk`` (what CI runs) recalculates every ``.xlsx``/``.xlsm`` under a folder without writing
anything and fails when a stored value differs from the computed one (cell by cell: sheet!cell,
stored, computed) or when any cell ends in an error value. A difference means the workbook was not
regenerated after the code, the code lists, a rule set or a template changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kostra_functions.cells import ExcelError
from kostra_functions.engine.calculation import CellIssue, sheet_ref
from kostra_functions.engine.cell_refs import make_ref
from kostra_functions.engine.package import Package
from kostra_functions.engine.stored import iter_stored_values
from kostra_functions.engine.values import values_equal
from kostra_functions.errors import KostraError
from kostra_functions.formatting import number


@dataclass(frozen=True)
class Difference:
    sheet: str
    ref: str
    stored: Any
    computed: Any

    def __str__(self) -> str:
        where = sheet_ref(self.sheet, self.ref)
        return f"{where}: lagret {show(self.stored)}, beregnet {show(self.computed)}"


@dataclass
class CheckResult:
    path: Path
    differences: list[Difference] = field(default_factory=list)
    issues: list[CellIssue] = field(default_factory=list)
    error: str = ""
    formula_cells: int = 0

    @property
    def ok(self) -> bool:
        return not (self.differences or self.issues or self.error)


def show(value: Any) -> str:
    if value is None:
        return "(tom)"
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, bool):
        return "SANN" if value else "USANN"
    if isinstance(value, (int, float)):
        return number(value)
    return f"«{value}»"


def check_workbook(path: str | Path, motor: str | None = None) -> CheckResult:
    """Recalculate one workbook in memory (with the engine called ``motor``, ``None``: the default)
    and compare every formula and spilled value."""
    from kostra_functions.engine.motor import calculate_with

    p = Path(path)
    result = CheckResult(p)
    try:
        pkg = Package.read(p)
        calc = calculate_with(motor, pkg)
    except KostraError as exc:
        result.error = str(exc)
        return result
    result.issues = list(calc.issues)
    result.formula_cells = calc.formula_cells
    seen = set()
    for sheet, pos, _is_formula, stored in iter_stored_values(pkg):
        key = (sheet, pos)
        seen.add(key)
        computed = calc.values.get(key)
        if not values_equal(stored, computed):
            result.differences.append(Difference(sheet, make_ref(*pos), stored, computed))
    for key, computed in calc.values.items():
        if key not in seen and computed not in (None, ""):
            result.differences.append(Difference(key[0], make_ref(*key[1]), None, computed))
    result.differences.sort(key=lambda d: (d.sheet, d.ref))
    return result


def find_workbooks(folder: str | Path) -> list[Path]:
    base = Path(folder)
    if base.is_file():
        return [base]
    if not base.is_dir():
        raise KostraError(f"{base}: mappen finnes ikke.")
    return sorted(p for p in base.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm")
                  and not p.name.startswith(("~$", ".")))


def check_folder(folder: str | Path, *, jobs: int = 1,
                 progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
                 motor: str | None = None) -> list[CheckResult]:
    files = find_workbooks(folder)
    check = functools.partial(check_workbook, motor=motor)
    if jobs <= 1 or len(files) <= 1:
        it: Iterable[CheckResult] = map(check, files)
        if progress:
            it = progress(it, len(files))
        return list(it)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        it = pool.map(check, files)
        if progress:
            it = progress(it, len(files))
        return list(it)
