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
    data = exp.load()
    wrong, fixed = [], []
    for book, entry in data.items():
        for key, cell in entry["cells"].items():
            sheet, ref = key.rsplit("!", 1)
            got = formulas_values[book].get((sheet, ref))
            ok = exp.same(cell["value"], got, cell.get("tolerance", 1e-9))
            name = f"{book}:{key}"
            if name in KNOWN_GAPS:
                if ok:
                    fixed.append(name)
            elif not ok:
                wrong.append(f"{name}: forventet {cell['value']!r} ({cell['source']}), "
                             f"fikk {exp.encode(got)!r}")
    assert not wrong, "\n".join(wrong)
    assert not fixed, f"agrees now, remove from KNOWN_GAPS: {fixed}"


def test_far_cell_does_not_make_the_calculation_slow(corpus: dict[str, Path]) -> None:
    start = time.perf_counter()
    values = _formulas(corpus["fjerncelle"])
    assert time.perf_counter() - start < 60  # was many minutes: every cell up to XFD1048576 walked
    assert values[("Rapport", "A1")] == 14.0 and values[("Rapport", "A2")] == 7.0
