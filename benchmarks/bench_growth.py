"""Target 6: how the costs grow with ledger rows (1×, 10×, 100×) and districts (1, 5, 15).

1× is the example district's accounts (2 652 rows; the budget keeps its 1 806 rows). Measured:

* ledger mapping (read + validate + map + aggregate, as target 3) and its pandas baseline;
* ``KOSTRA_AVVIK_TABELL`` with the accounts passed as a range: cold (new ledger contents) and warm;
* ``kostra regenerer`` (all four templates) for 1 district at 1×, 10×, 100× rows, and for 1, 5 and
  15 districts at 1×.

A scalar function (``KOSTRA_AVVIK``, ``KOSTRA_FUNKSJON``) does not depend on the ledger at all.
The growth factor of a figure is its median divided by the 1× (or 1-district) median.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_ledger import measure
from benchmarks.bench_regenerate import run_regenerate
from benchmarks.data import csv_range, districts_dir, example_row_count, ledger_csv
from benchmarks.harness import FRESH, Config, Report, time_once

NAME = "growth"
TITLE = "Growth: 1×, 10×, 100× ledger rows; 1, 5, 15 districts"


def table_times(accounts: list[list[Any]], budget: list[list[Any]], repeats: int) -> tuple[list[float],
                                                                                           list[float]]:
    from kostra_functions.excel.functions import FUNCTIONS

    fn = FUNCTIONS["KOSTRA_AVVIK_TABELL"]
    amount = len(accounts[0]) - 1
    original = accounts[1][amount]
    counter = FRESH

    def call() -> None:
        result = fn.call(accounts, budget, 6.0, 2023.0)
        if not isinstance(result, list):
            raise RuntimeError(f"KOSTRA_AVVIK_TABELL gave {result!r}")

    def new_ledger() -> None:
        accounts[1][amount] = original + next(counter) / 100

    cold = time_once(call, repeats=repeats, setup=new_ledger)
    call()
    warm = time_once(call, repeats=repeats)
    return cold, warm


def run(cfg: Config, report: Report) -> None:
    from kostra_functions.example_data import paths

    base = example_row_count()
    factors = (1, 10, 100) if not cfg.quick else (1, 10)
    repeats = cfg.size(3, 2)
    budget = csv_range(paths()["budsjett"], "utf-8-sig")
    for f in factors:
        rows = base * f
        totals, _ = measure(cfg, rows, repeats)
        report.time_figure(f"ledger_baseline_{f}x", f"pandas read_csv + groupby, {f}× ({rows} rows)",
                           totals["baseline"], "s", is_baseline=True)
        report.time_figure(f"ledger_{f}x", f"ledger mapping, {f}× ({rows} rows)", totals["ours"], "s",
                           baseline=f"ledger_baseline_{f}x")
    for f in factors:
        rows = base * f
        accounts = csv_range(ledger_csv(cfg.data_dir, rows), "cp1252")
        cold, warm = table_times(accounts, budget, repeats)
        report.time_figure(f"table_cold_{f}x", f"KOSTRA_AVVIK_TABELL cold, {f}× ({rows} rows)", cold, "ms",
                           baseline="table_cold_1x" if f != 1 else None)
        report.time_figure(f"table_warm_{f}x", f"KOSTRA_AVVIK_TABELL warm, {f}× ({rows} rows)", warm, "ms",
                           baseline="table_warm_1x" if f != 1 else None)
        del accounts
    tmp = Path(tempfile.mkdtemp(prefix="kostra-bench-growth-"))
    try:
        for f in factors:
            data = districts_dir(cfg.data_dir, 1, None if f == 1 else base * f)
            wall, _, _, _ = run_regenerate(data, tmp / f"rows{f}")
            report.time_figure(f"regen_rows_{f}x", f"kostra regenerer, 1 district, {f}× rows", [wall], "s",
                               baseline="regen_rows_1x" if f != 1 else None)
        for count in ((1, 5, 15) if not cfg.quick else (1, 2)):
            wall, _, _, _ = run_regenerate(districts_dir(cfg.data_dir, count), tmp / f"d{count}")
            report.time_figure(f"regen_districts_{count}", f"kostra regenerer, {count} district(s), 1× rows",
                               [wall], "s", baseline="regen_districts_1" if count != 1 else None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report.note("Ratios here are growth factors against the 1× (or 1-district) figure of the same row. "
                "Scalar functions do not read the ledger: their cost does not grow with it.")
    report.note(f"{repeats} repeats for the ledger and table figures; one run per regeneration size. "
                "«Rows» for regeneration: this year's and last year's accounts each have that many rows.")
