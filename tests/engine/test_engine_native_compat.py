"""The native engine (formualizer) on the compatibility corpus: every expected value (LibreOffice or
Excel's documented behaviour, ``tests/compat``) except the gaps listed here, each with its reason.

The list is the truth both ways: a listed cell that starts agreeing fails the test (remove it), and
a cell that stops agreeing fails it too. The default engine (``engine/motor.py``) is the one with
fewer gaps; the README's corpus figures come from ``python -m tests.compat.report``.
"""

from __future__ import annotations

import pytest

from kostra_functions.engine import motor
from kostra_functions.engine.cell_refs import make_ref
from kostra_functions.engine.package import Package
from tests.compat import expected as exp
from tests.compat.corpus import build_all

#: Cells formualizer 0.13 does not get right through our engine, with why.
KNOWN_GAPS: dict[str, str] = {
    "navn:Ark1!C4": "SUMPRODUCT of a defined name that holds a formula (Satser*(1+Mva)) gives #VALUE!",
    "indirekte:Ark1!C10": "INDIRECT with an R1C1 reference (second argument FALSE) gives #REF!",
    "cse:Ark1!G1": "LINEST as a legacy array formula is not implemented",
    "cse:Ark1!H1": "LINEST as a legacy array formula is not implemented",
    "cse:Ark1!G4": "TREND/LINEST as a legacy array formula is not implemented",
    "cse:Ark1!H4": "TREND/LINEST as a legacy array formula is not implemented",
    "tekstkoder:Ark1!C1": "COUNTIF criterion \"0101\" is compared as text only (Excel: also equals 101)",
    "tekstkoder:Ark1!C8": "SUMIF criterion \"101\" is compared as text only (Excel: also the number 101)",
    "fallgruver:Ark1!C17": "=0.1+0.2=0.3 is FALSE: compares the binary doubles exactly (Excel and "
                           "LibreOffice compare to 15 significant digits: TRUE)",
}


@pytest.fixture(scope="module")
def native_values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = {}
    for name, path in build_all(tmp_path_factory.mktemp("compat_native")).items():
        calc = motor.calculate_with(motor.NATIVE, Package.read(path))
        out[name] = {(sheet, make_ref(*pos)): value for (sheet, pos), value in calc.values.items()}
    return out


def test_native_engine_agrees_with_the_corpus(native_values: dict[str, dict]) -> None:
    exp.check_engine(native_values, KNOWN_GAPS)


def test_the_default_engine_has_no_more_gaps_than_the_other() -> None:
    from tests.compat.test_compat import KNOWN_GAPS as FORMULAS_GAPS

    gaps = {motor.FORMULAS: len(FORMULAS_GAPS), motor.NATIVE: len(KNOWN_GAPS)}
    assert gaps[motor.DEFAULT] == min(gaps.values()), gaps
