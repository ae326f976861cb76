"""The benchmarks run (quick mode, the cheap ones) and write every key of their summary.

Not a timed test: nothing here looks at how fast anything is. It runs ``python -m benchmarks --rask
--bare 1,2,3`` (scalar functions, the district table, ledger mapping at small sizes) into a temporary
folder, so the committed ``benchmarks/RESULTS.md`` and ``benchmarks/results/`` are not touched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FIGURES = {
    "scalar": {"avvik.baseline", "avvik.miss", "avvik.hit", "funksjon.baseline", "funksjon.miss",
               "funksjon.hit"},
    "table": {"baseline", "cold", "other_input", "warm"},
    "ledger": {"baseline", "total", "read", "map", "aggregate"},
}
FIGURE_KEYS = {"key", "label", "unit", "median", "min", "max", "repeats", "samples", "baseline",
               "baseline_median", "ratio", "is_baseline", "target", "met", "note"}
BENCH_KEYS = {"number", "run_at", "seconds", "load_before", "load_after", "attempt", "title", "figures",
              "notes", "skipped", "error"}


def test_quick_benchmarks_write_every_key(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--rask", "--bare", "1,2,3", "--resultater", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert {"schema", "written", "command", "mode", "machine", "benchmarks"} <= set(data)
    assert data["mode"] == "rask" and data["machine"]["cpus"]
    assert set(data["benchmarks"]) == set(FIGURES)
    for name, keys in FIGURES.items():
        bench = data["benchmarks"][name]
        assert BENCH_KEYS <= set(bench), name
        assert not bench["error"], bench["error"]
        assert len(bench["load_before"]) == 3
        figures = {f["key"]: f for f in bench["figures"]}
        assert set(figures) == keys, name
        for f in figures.values():
            assert FIGURE_KEYS <= set(f), f["key"]
            assert f["median"] > 0 and f["repeats"] >= 1
            if f["baseline"]:
                assert f["ratio"] is not None and f["baseline_median"] > 0
            if f["target"]:
                assert f["met"] in (True, False)
    assert "Skrev" in proc.stdout
