"""The compatibility corpus: its expected values re-derived from LibreOffice, and the `formulas` path
agreeing with them cell for cell (see ``corpus.py`` for where each expected value comes from)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from kostra_functions.engine.libreoffice import find_soffice
from tests.compat import expected as exp
from tests.compat.corpus import BOOKS, build_all
from tests.compat.report import _formulas

#: Cells the `formulas` path does not yet get right, with why. The test below fails when one of them
#: starts agreeing too (then it leaves this list), so the list is always the truth.
KNOWN_GAPS: dict[str, str] = {}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("compat"))


@pytest.fixture(scope="module")
def formulas_values(corpus: dict[str, Path]) -> dict[str, dict]:
    return {name: _formulas(path) for name, path in corpus.items()}


def test_every_checked_cell_has_an_expected_value_with_its_source() -> None:
    data = exp.load()
    assert set(data) == {b.name for b in BOOKS}
    for book, entry in data.items():
        assert entry["cells"], book
        for key, cell in entry["cells"].items():
            assert cell["source"] in ("libreoffice", "excel"), (book, key)
            if cell["source"] == "excel":
                assert cell["why"], (book, key)


@pytest.mark.slow
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice er ikke installert (CI har det)")
def test_libreoffice_gives_the_committed_values(tmp_path: Path) -> None:
    fresh = exp.derive(tmp_path)
    committed = exp.load()
    differ = []
    for book, entry in committed.items():
        for key, cell in entry["cells"].items():
            if cell["source"] != "libreoffice":
                continue
            now = fresh[book]["cells"][key]["value"]
            if json.dumps(now) != json.dumps(cell["value"]):
                differ.append(f"{book}:{key}: lagret {cell['value']!r}, LibreOffice nå {now!r}")
    assert not differ, "\n".join(differ)


def test_formulas_path_agrees_with_the_corpus(formulas_values: dict[str, dict]) -> None:
    exp.check_engine(formulas_values, KNOWN_GAPS)


def test_far_cell_does_not_make_the_calculation_slow(corpus: dict[str, Path]) -> None:
    start = time.perf_counter()
    values = _formulas(corpus["fjerncelle"])
    assert time.perf_counter() - start < 60  # was many minutes: every cell up to XFD1048576 walked
    assert values[("Rapport", "A1")] == 14.0 and values[("Rapport", "A2")] == 7.0


def test_recalculating_the_corpus_changes_only_cached_values(corpus: dict[str, Path], tmp_path: Path) -> None:
    """The rewrites are for the calculation only: the written file keeps every formula as saved and
    every part that is not a sheet byte for byte (a dynamic array adds Excel's cell metadata)."""
    import re

    from kostra_functions.engine.package import Package
    from kostra_functions.engine.recalc import recalculate

    for name, path in corpus.items():
        out = tmp_path / f"{name}_ut.xlsx"
        recalculate(path, out)
        before, after = Package.read(path), Package.read(out)
        sheets = {s.part for s in before.sheets()}
        for part, data in before.data.items():
            if part in sheets:
                formulas_before = re.findall(r"<f\b[^>]*?(?:/>|>.*?</f>)", data.decode())
                formulas_after = re.findall(r"<f\b[^>]*?(?:/>|>.*?</f>)", after.data[part].decode())
                if name != "dynamisk":  # a spilling formula gets t="array" ref="…" as Excel stores it
                    assert formulas_after == formulas_before, (name, part)
            elif part == before.workbook_part:
                assert after.data[part] == data.replace(b' fullCalcOnLoad="1"', b""), (name, part)
            elif name != "dynamisk" or part not in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                assert after.data[part] == data, (name, part)
