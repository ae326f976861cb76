"""Target 3: read + validate + map + aggregate a 1 M-row ledger export.

The file is the example district's accounts regenerated with 1 000 000 rows (Windows-1252, ``;``,
decimal comma, ``YYYYMM`` periods, a text column), as Agresso exports it. Ours: :func:`read_ledger`
(encoding, header, every code and amount validated), :func:`map_ledger` (KOSTRA art, account class,
function area, names, result units from ``resultatenheter.csv``, earmarking; every distinct code
checked against the 2023 code list) and :func:`period_matrix` by function area, function and result
unit. Baseline: ``pandas.read_csv(sep=";", decimal=",")`` + ``groupby([Funksjon, Periode]).sum()``
of the same file, run in turn with ours (A, B, A, B …).
"""

from __future__ import annotations

from typing import Any

from benchmarks.data import ledger_csv
from benchmarks.harness import Config, Report, Target, interleaved

NAME = "ledger"
TITLE = "Ledger mapping: read + validate + map + aggregate (CSV export)"
MAX_RATIO = 2.0


def bare_pandas(path: Any) -> Any:
    import pandas as pd

    frame = pd.read_csv(path, sep=";", decimal=",", encoding="cp1252")
    return frame.groupby(["Funksjon", "Periode"])[frame.columns[-1]].sum()


def pipeline(path: Any, units: Any, parts: dict[str, list[float]] | None = None) -> Any:
    import time

    from kostra_functions.ledger import read_ledger
    from kostra_functions.mapping import map_ledger, period_matrix

    t0 = time.perf_counter()
    ledger = read_ledger(path)
    t1 = time.perf_counter()
    mapped = map_ledger(ledger, year=2023, result_units=units)
    t2 = time.perf_counter()
    matrix = period_matrix(mapped, ["funksjonsomrade", "funksjon", "resultatenhet"])
    t3 = time.perf_counter()
    if parts is not None:
        for key, value in (("read", t1 - t0), ("map", t2 - t1), ("aggregate", t3 - t2)):
            parts.setdefault(key, []).append(value)
    return matrix


def measure(cfg: Config, rows: int, repeats: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """(interleaved totals {ours, baseline}, ours split into read/map/aggregate) for ``rows`` rows."""
    from kostra_functions.example_data import paths
    from kostra_functions.mapping import load_result_units

    path = ledger_csv(cfg.data_dir, rows)
    units = load_result_units(paths()["resultatenheter"])
    pipeline(path, units)  # warm-up: imports, code lists; and the file in the page cache
    bare_pandas(path)
    parts: dict[str, list[float]] = {}
    totals = interleaved({"ours": lambda: pipeline(path, units, parts),
                          "baseline": lambda: bare_pandas(path)}, repeats=repeats)
    return totals, parts


def run(cfg: Config, report: Report) -> None:
    rows = cfg.size(1_000_000, 20_000)
    repeats = cfg.size(5, 3)
    totals, parts = measure(cfg, rows, repeats)
    size = f"{rows:,}".replace(",", " ")
    report.time_figure("baseline", f"pandas read_csv + groupby().sum(), {size} rows", totals["baseline"], "s",
                       is_baseline=True)
    report.time_figure("total", f"read + validate + map + aggregate, {size} rows", totals["ours"], "s",
                       baseline="baseline", target=Target(f"≤ {MAX_RATIO:g} × baseline", max_ratio=MAX_RATIO))
    for key, label in (("read", "  of which read_ledger (read + validate)"), ("map", "  of which map_ledger"),
                       ("aggregate", "  of which period_matrix")):
        report.time_figure(key, label, parts[key], "s", baseline="baseline")
    report.note(f"{repeats} repeats, ours and the baseline in turn; the file is in the page cache for both.")
