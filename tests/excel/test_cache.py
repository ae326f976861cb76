"""The result cache (``excel/cache.py``) and how the table's rows use it (``excel/spec.py``).

* identical calls are answered from a bounded LRU cache; the key is the *converted* arguments, so
  ``202``, ``202.0`` and ``" 202 "`` are one entry; errors and ``cached=False`` rows are never cached;
* the key includes :func:`kostra_functions.versioning.data_version`: editing a code list or a rule
  set gives new results at the next recalculation. Tested on copies in a temp folder (the data
  folders are monkeypatched; committed data files are never touched);
* a whole-district table: one call per formula (the faces spill it), and repeated identical calls
  with a range argument are answered from the cache (keyed by a digest of the range's contents).

Rows made here are plain :class:`ExcelFunction` objects, never added to ``FUNCTIONS``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kostra_functions import versioning
from kostra_functions.codes import data_files
from kostra_functions.errors import InvalidCodeError
from kostra_functions.excel.cache import ResultCache
from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import Arg, ExcelFunction

PACKAGE = Path(versioning.__file__).parent


class Counter:
    """An implementation that counts its calls."""

    def __init__(self, result: Any = "ok", error: Exception | None = None) -> None:
        self.calls = 0
        self.result, self.error = result, error

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.result if not callable(self.result) else self.result(*args)


def row(impl: Any, *args: Arg, returns: str = "scalar", cached: bool = True,
        maxsize: int = 4096) -> ExcelFunction:
    return ExcelFunction(name="KOSTRA_TEST", impl=impl, help="Test.", args=args, category="Test",
                         returns=returns, cached=cached,  # type: ignore[arg-type]
                         _cache=ResultCache(maxsize=maxsize))


@pytest.fixture
def fresh_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """No throttling of the file checks, no leftovers from other tests' watched files."""
    monkeypatch.setattr(versioning, "CHECK_INTERVAL", 0.0)
    monkeypatch.setattr(versioning, "_EXTRA", [])
    monkeypatch.setattr(versioning, "_state", {"stamp": None, "version": "", "checked": -1e9})
    monkeypatch.setattr(data_files, "CHECK_INTERVAL", 0.0)


def touch_later(path: Path) -> None:
    """Make sure the edit is visible to a check by modification time (coarse file systems)."""
    ns = path.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(ns, ns))


# ---------------------------------------------------------------------------------------------
# ResultCache


def test_lru_is_bounded_and_evicts_the_least_recently_used() -> None:
    cache = ResultCache(maxsize=3)
    for key in "abc":
        cache.get_or_compute(key, lambda k=key: k.upper())
    assert cache.get_or_compute("a", lambda: "x") == "A"  # hit: "a" becomes the most recent
    cache.get_or_compute("d", lambda: "D")  # evicts "b"
    assert len(cache) == 3
    assert cache.get_or_compute("b", lambda: "new") == "new"  # recomputed
    assert cache.get_or_compute("a", lambda: "x") == "A"
    assert (cache.hits, cache.misses) == (2, 5)
    with pytest.raises(ValueError):
        ResultCache(maxsize=0)


def test_a_failing_computation_stores_nothing() -> None:
    cache = ResultCache(maxsize=2)

    def boom() -> str:
        raise InvalidCodeError("nei")

    with pytest.raises(InvalidCodeError):
        cache.get_or_compute("k", boom)
    assert len(cache) == 0
    assert cache.get_or_compute("k", lambda: "ja") == "ja"


def test_threads_get_consistent_results() -> None:
    cache = ResultCache(maxsize=64)
    results: list[int] = []

    def work() -> None:
        for i in range(200):
            results.append(cache.get_or_compute(i % 50, lambda i=i: (i % 50) * 2))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 800 and all(r % 2 == 0 for r in results)
    assert cache.hits + cache.misses == 800 and len(cache) == 50


# ---------------------------------------------------------------------------------------------
# Rows: identical calls, errors, uncached rows


def test_identical_calls_are_computed_once_after_conversion() -> None:
    impl = Counter(result=lambda code: f"funksjon {code}")
    fn = row(impl, Arg("funksjon", "code", "Funksjonen."))
    assert fn.call(202.0) == fn.call(202) == fn.call(" 202 ") == fn.call([[202.0]]) == "funksjon 202"
    assert impl.calls == 1
    assert fn.call(203) == "funksjon 203" and impl.calls == 2


def test_errors_are_never_cached() -> None:
    impl = Counter(error=InvalidCodeError("Funksjon 999 finnes ikke."))
    fn = row(impl, Arg("funksjon", "code", "Funksjonen."))
    for _ in range(3):
        result = fn.call(999)
        assert isinstance(result, ExcelError) and result.code == "#N/A"
    assert impl.calls == 3
    assert isinstance(fn.call("abc"), ExcelError) and impl.calls == 3  # bad input: not even computed


def test_uncached_rows_always_compute() -> None:
    impl = Counter()
    fn = row(impl, Arg("x", "number", "Et tall."), cached=False)
    fn.call(1), fn.call(1)
    assert impl.calls == 2
    assert FUNCTIONS["KOSTRA_FEIL"].cached is False  # it explains the *current* data


def test_a_rows_cache_is_bounded() -> None:
    impl = Counter(result=lambda x: x * 2)
    fn = row(impl, Arg("x", "number", "Et tall."), maxsize=2)
    for x in (1, 2, 3, 1):
        fn.call(x)
    assert impl.calls == 4  # 1 was evicted by 3
    assert len(fn._cache) == 2


def test_a_real_row_answers_repeats_from_its_cache() -> None:
    fn = FUNCTIONS["KOSTRA_NAVN"]
    fn._cache.clear()
    assert fn.call(202.0, 2023.0) == fn.call("202", 2023) == "Grunnskole"
    assert (fn._cache.misses, fn._cache.hits) == (1, 1)


# ---------------------------------------------------------------------------------------------
# Invalidation when data changes (copies in tmp_path; the package's files are never written)


@pytest.fixture
def ruleset_copy(tmp_path: Path, fresh_versions: None) -> Iterator[Path]:
    for name in ("oslo_bydel.toml", "okonomireglement.toml"):  # oslo_bydel inherits the other
        shutil.copy(PACKAGE / "rulesets" / name, tmp_path / name)
    yield tmp_path / "oslo_bydel.toml"


def test_watched_rule_set_edit_gives_new_results(ruleset_copy: Path) -> None:
    versioning.watch(ruleset_copy)
    fn = FUNCTIONS["KOSTRA_OMRADENAVN"]
    assert fn.call(253, 2023, str(ruleset_copy)) == "Helse og omsorg"
    # Loading the copy watches every file of its chain (also the inherited sibling copy).
    before = versioning.data_version()
    assert fn.call(253, 2023, str(ruleset_copy)) == "Helse og omsorg"  # from the cache
    text = ruleset_copy.read_text(encoding="utf-8")
    ruleset_copy.write_text(text.replace('navn = "Helse og omsorg"', 'navn = "Helse, omsorg og rus"'),
                            encoding="utf-8")
    touch_later(ruleset_copy)
    assert versioning.data_version() != before
    assert fn.call(253, 2023, str(ruleset_copy)) == "Helse, omsorg og rus"
    ruleset_copy.write_text(text, encoding="utf-8")  # and back: the old version's entry is valid again
    touch_later(ruleset_copy)
    assert versioning.data_version() == before
    assert fn.call(253, 2023, str(ruleset_copy)) == "Helse og omsorg"


def test_unwatched_rule_set_file_edit_gives_new_results(ruleset_copy: Path) -> None:
    fn = FUNCTIONS["KOSTRA_OMRADENAVN"]
    assert fn.call(253, 2023, str(ruleset_copy)) == "Helse og omsorg"
    text = ruleset_copy.read_text(encoding="utf-8")
    ruleset_copy.write_text(text.replace('navn = "Helse og omsorg"', 'navn = "Helse, omsorg og rus"'),
                            encoding="utf-8")
    touch_later(ruleset_copy)
    assert fn.call(253, 2023, str(ruleset_copy)) == "Helse, omsorg og rus"


def test_code_list_edit_gives_new_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          fresh_versions: None) -> None:
    codes = tmp_path / "codes"
    codes.mkdir()
    for csv in (PACKAGE / "codes").glob("*.csv"):
        shutil.copy(csv, codes / csv.name)
    monkeypatch.setattr(data_files, "DATA_DIR", codes)
    monkeypatch.setattr(versioning, "_DATA_DIRS", (codes, PACKAGE / "rulesets"))
    fn = FUNCTIONS["KOSTRA_NAVN"]
    assert fn.call(202, 2023) == "Grunnskole"
    functions_csv = codes / "functions.csv"
    text = functions_csv.read_text(encoding="utf-8")
    assert "\n202,Grunnskole," in text
    functions_csv.write_text(text.replace("\n202,Grunnskole,", "\n202,Grunnskole (ny kodeliste),"),
                             encoding="utf-8")
    touch_later(functions_csv)
    assert fn.call(202, 2023) == "Grunnskole (ny kodeliste)"


# ---------------------------------------------------------------------------------------------
# Whole-district tables


def _table_row(impl: Any) -> ExcelFunction:
    return row(impl, Arg("regnskap", "table", "Regnskapet."), Arg("periode", "int", "Perioden."),
               returns="array")


def _ledger(n: int) -> list[list[Any]]:
    return [["funksjon", "beløp"]] + [[f"{200 + i % 90}", float(i)] for i in range(n)]


def test_a_table_call_returns_the_whole_table_once() -> None:
    impl = Counter(result=lambda rows, period: [["funksjon", "sum"], *[[r[0], r[1]] for r in rows[1:4]]])
    fn = _table_row(impl)
    result = fn.call(_ledger(5000), 6)
    assert impl.calls == 1 and len(result) == 4  # one call gives every row of the spill


def test_identical_table_calls_are_computed_once() -> None:
    impl = Counter(result=lambda rows, period: [["antall", len(rows) - 1]])
    fn = _table_row(impl)
    fn.call(_ledger(5000), 6)
    fn.call(_ledger(5000), 6.0)  # equal content, new list objects: what every recalculation passes
    assert impl.calls == 1
