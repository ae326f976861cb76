"""Both engines agree, cell for cell, on every template and every committed workbook.

CI recalculates with ``formulas`` (the engine CI has always used) and with the native engine
(formualizer); a disagreement names the cell and both values. Agreement with LibreOffice on the
standard formulas is tested in ``test_oracle_libreoffice.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kostra_functions.engine import motor
from kostra_functions.engine.calculation import sheet_ref
from kostra_functions.engine.cell_refs import make_ref
from kostra_functions.engine.package import Package
from kostra_functions.engine.values import values_equal

ROOT = Path(__file__).resolve().parents[2]
BOOKS = sorted(ROOT.glob("templates/*.xlsx")) + sorted(ROOT.glob("workbooks/**/*.xlsx"))

pytestmark = pytest.mark.slow


def _show(value: object) -> str:
    code = getattr(value, "code", None)
    return code if isinstance(code, str) else repr(value)


@pytest.mark.parametrize("path", BOOKS, ids=[str(p.relative_to(ROOT)) for p in BOOKS])
def test_formulas_and_native_engine_agree(path: Path) -> None:
    slow = motor.calculate_with(motor.FORMULAS, Package.read(path))
    fast = motor.calculate_with(motor.NATIVE, Package.read(path))
    assert fast.formula_cells == slow.formula_cells
    differences = []
    for key in sorted(set(slow.values) | set(fast.values)):
        a, b = slow.values.get(key), fast.values.get(key)
        if not values_equal(a, b):
            sheet, pos = key
            differences.append(f"{sheet_ref(sheet, make_ref(*pos))}: {motor.FORMULAS} {_show(a)}, "
                               f"{motor.NATIVE} {_show(b)}")
    assert not differences, f"{len(differences)} celler er ulike:\n" + "\n".join(differences[:30])
    def where(calc):  # -> list of (sheet, cell, error)
        return [(i.sheet, i.ref, i.error) for i in calc.issues]

    assert where(fast) == where(slow)
    assert fast.spills.keys() == slow.spills.keys()


def test_there_is_something_to_compare() -> None:
    assert len(BOOKS) >= 8
