"""The calculation engines (``--motor``) behind one interface: load → calculate → values → write.

Two engines calculate a workbook package into a :class:`~kostra_functions.engine.calculation.Calculation`
(a value for every formula cell and spilled cell, the spill ranges, and the cells that end in an
error value with the reason):

* ``formulas`` — the Python engine CI has always used (:mod:`kostra_functions.engine.recalc`);
* ``formualizer`` — the native engine (Rust), :mod:`kostra_functions.engine.native`.

Both reach the ``KOSTRA_*`` functions from the one table with the same argument conversion, and both
results are written by the same :func:`~kostra_functions.engine.write_values.write_calculation`, so every
part of the file that is not a sheet stays byte for byte whichever engine ran. Each engine module is
imported only when it is used (``kostra beregn --motor formualizer`` never imports ``formulas``'
function table).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kostra_functions.engine.calculation import Calculation, RecalcResult
    from kostra_functions.engine.package import Package

FORMULAS = "formulas"
NATIVE = "formualizer"

#: The engine a command uses without ``--motor``: the one that agrees with Excel on more cells of
#: the compatibility corpus (``python -m tests.compat.report``; figures in the README, «Engines»).
#: Measured 2026-12-02: formulas 181 of 181 cells, formualizer 172 of 181 (formualizer 0.13 lacks
#: TREND/LINEST as legacy array formulas, INDIRECT's R1C1 form and numeric-text criteria in
#: COUNTIF/SUMIF; tests/engine/test_engine_native_compat.py lists every gap).
DEFAULT = FORMULAS


@dataclass(frozen=True)
class Engine:
    name: str
    description: str
    calculate: Callable[[Package], Calculation]


def _formulas(pkg: Package) -> Calculation:
    from kostra_functions.engine.recalc import calculate

    return calculate(pkg)


def _native(pkg: Package) -> Calculation:
    """The native engine; a file its reader refuses is calculated by ``formulas`` instead (never
    refused as a whole while one engine can read it), and the log says so."""
    from kostra_functions.engine.native import UnreadableError, calculate

    try:
        return calculate(pkg)
    except UnreadableError as exc:
        import logging

        logging.getLogger("kostra_functions").warning(
            "%s Beregner med formulas i stedet.", exc)
        return _formulas(pkg)


ENGINES: dict[str, Engine] = {
    FORMULAS: Engine(FORMULAS, "Python-motoren formulas (standard, den CI alltid har brukt)", _formulas),
    NATIVE: Engine(NATIVE, "den raske motoren formualizer (Rust)", _native),
}


def engine(name: str | None) -> Engine:
    """The engine called ``name`` (``None``: the default); a Norwegian error for an unknown name."""
    from kostra_functions.engine.package import WorkbookError

    key = (name or DEFAULT).strip().lower()
    if key not in ENGINES:
        raise WorkbookError(f"Ukjent beregningsmotor «{name}». Velg {' eller '.join(ENGINES)}.")
    return ENGINES[key]


def calculate_with(name: str | None, pkg: Package) -> Calculation:
    """Calculate ``pkg`` with the engine called ``name`` (``None``: the default)."""
    return engine(name).calculate(pkg)


def recalculate(source: str | Path, output: str | Path | None = None, *, overwrite: bool = False,
                motor: str | None = None) -> RecalcResult:
    """:func:`recalc.recalculate` with the engine chosen: calculate ``source``, write ``output`` with
    cached values (formulas kept); ``output`` ``None`` means the source itself (needs ``overwrite``)."""
    from kostra_functions.engine.calculation import RecalcResult
    from kostra_functions.engine.package import Package
    from kostra_functions.engine.recalc import check_output_path
    from kostra_functions.engine.write_values import write_calculation

    chosen = engine(motor)
    src = Path(source)
    out = Path(output) if output is not None else src
    check_output_path(src, out, overwrite)
    pkg = Package.read(src)
    calc = chosen.calculate(pkg)
    write_calculation(pkg, calc, out, exclusive=not overwrite)
    return RecalcResult(src, out, calc)


#: The engine ``kostra regenerer`` uses unless told otherwise. Regeneration calculates only our own
#: templates, on which both engines must agree cell for cell (tests/engine/test_engine_agreement.py runs in
#: CI), and ``kostra sjekk`` in CI recomputes what it wrote with ``formulas``: so the 4–5 times faster
#: native engine loses nothing there. Any other workbook (``beregn``, ``publiser``, ``sjekk``) gets
#: :data:`DEFAULT`, the engine that agrees with Excel on more cells of the compatibility corpus.
REGENERATE_DEFAULT = NATIVE


def add_argument(parser: argparse.ArgumentParser, default: str = DEFAULT) -> None:
    """``--motor formulas|formualizer`` with its Norwegian help, for every command that calculates."""
    why = {FORMULAS: "stemmer med Excel i flest tilfeller",
           NATIVE: "raskest"}[default]
    other = NATIVE if default == FORMULAS else FORMULAS
    parser.add_argument(
        "--motor", default=None, metavar="|".join(ENGINES),  # an unknown name: Norwegian error in engine()
        help=f"beregningsmotoren: «{default}» (standard: {why}) eller «{other}»; begge gir samme "
        "verdier for malene",
    )


def chosen(args: Any) -> str:
    return getattr(args, "motor", None) or DEFAULT
