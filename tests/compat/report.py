"""Agreement of each engine with the compatibility corpus: ``python -m tests.compat.report``.

Prints, per engine, the share of checked cells whose value equals the expected one (LibreOffice or
Excel's documented behaviour, ``expected.json``), overall and per feature, and the cells that differ
(``--detaljer``). Engines are an engine-name → calculate mapping (:func:`engines`); an engine that is
not installed is left out with a note.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.compat import expected as exp
from tests.compat.corpus import BOOKS, build_all

#: path of a workbook → {("Sheet", "A1"): value}; values plain Python, ExcelError for an error value
Calculate = Callable[[Path], dict[tuple[str, str], Any]]


def _formulas(path: Path) -> dict[tuple[str, str], Any]:
    from kostra_functions.engine.cell_refs import make_ref
    from kostra_functions.engine.package import Package
    from kostra_functions.engine.recalc import calculate

    calc = calculate(Package.read(path))
    return {(sheet, make_ref(*pos)): value for (sheet, pos), value in calc.values.items()}


def engines() -> dict[str, Calculate]:
    """``formulas`` always; every engine of the engine interface (``motor.py``) when it is there."""
    from kostra_functions.engine.cell_refs import make_ref
    from kostra_functions.engine.package import Package

    out: dict[str, Calculate] = {"formulas": _formulas}
    try:
        from kostra_functions.engine import motor  # the engine interface (another part of issue 12)
    except ImportError:
        return out
    for name, eng in getattr(motor, "ENGINES", {}).items():
        def run(path: Path, calc: Any = eng.calculate) -> dict[tuple[str, str], Any]:
            result = calc(Package.read(path))
            return {(sheet, make_ref(*pos)): value for (sheet, pos), value in result.values.items()}

        out[name] = run
    return out


@dataclass
class Score:
    cells: int = 0
    equal: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.equal / self.cells if self.cells else 0.0


def score(calc: Calculate, folder: Path) -> dict[str, Score]:
    """Per feature: how many checked cells ``calc`` gets equal to the expected value."""
    data = exp.load()
    paths = build_all(folder)
    out: dict[str, Score] = {}
    for book in BOOKS:
        entry = data[book.name]
        s = out.setdefault(entry["feature"], Score())
        start = time.perf_counter()
        try:
            values = calc(paths[book.name])
            failure = ""
        except Exception as exc:  # the whole workbook refused: every cell of it misses
            values, failure = {}, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        s.seconds += time.perf_counter() - start
        for key, cell in entry["cells"].items():
            sheet, ref = key.rsplit("!", 1)
            s.cells += 1
            got = values.get((sheet, ref))
            if exp.same(cell["value"], got, cell.get("tolerance", 1e-9)):
                s.equal += 1
            else:
                s.misses.append(f"{book.name}:{key} forventet {cell['value']!r}, fikk "
                                f"{failure or exp.encode(got)!r}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--detaljer", action="store_true", help="list every cell that differs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kostra-compat-") as tmp:
        for name, calc in engines().items():
            scores = score(calc, Path(tmp) / name)
            cells = sum(s.cells for s in scores.values())
            equal = sum(s.equal for s in scores.values())
            seconds = sum(s.seconds for s in scores.values())
            print(f"{name}: {equal}/{cells} celler like ({equal / cells:.0%}), {seconds:.1f} s")
            for feature, s in scores.items():
                print(f"  {feature:<40} {s.equal:>3}/{s.cells:<3} {s.share:>5.0%}  {s.seconds:5.1f} s")
                if args.detaljer:
                    for miss in s.misses:
                        print(f"      {miss}")


if __name__ == "__main__":
    main()
