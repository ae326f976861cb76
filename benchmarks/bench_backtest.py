"""Target 7 (issue 19): the back-test of 15 districts × 3 years in at most 10 s.

Input: one history file (``Bydel;År;Funksjon;Periode;Regnskap;Budsjett``) with Oslo's 15 districts,
five years each (2019–2023), 16 functions, written by
:func:`kostra_functions.example_data.historikk.write_districts` (each district its own seed and size).
The years 2021–2023 are tested (2020 is the profile of 2021): every function, function area and
district total × 3 methods × periods 1–11 × 3 years.

* **command (one-shot)**: ``kostra prognose --tilbaketest --historikk FIL --år 2021-2023`` in a new
  Python process, as a controller runs it: start-up, imports, reading the file, the back-test and
  the terminal report. **The 10 s target applies to this.**
* **read + back-test (amortised)**: in one process, reading the file and back-testing it again;
* **back-test only**: the history already in memory (the vectorised part);
* baselines: ``kostra prognose --help`` (Python start-up and the CLI's imports) for the command;
  ``pandas.read_csv`` of the same file and ``groupby(Bydel, År, Funksjon).sum()``, the
  least any back-test must do with the file.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from benchmarks.harness import REPO, Config, Report, Target, time_once

NAME = "backtest"
TITLE = "Back-test of 15 districts × 3 years (kostra prognose --tilbaketest)"
TARGET_S = 10.0


def run(cfg: Config, report: Report) -> None:
    from kostra_functions import backtest as btm
    from kostra_functions.example_data import historikk

    path = cfg.data_dir / "historikk_15_bydeler.csv"
    historikk.write_districts(path, 15)
    repeats = cfg.size(5, 1)

    def baseline() -> Any:
        import pandas as pd

        frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
        return frame.groupby(["Bydel", "År", "Funksjon"])[["Regnskap", "Budsjett"]].sum()

    def cli(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "kostra_functions.cli", "prognose", *args],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"kostra prognose {' '.join(args)}: {proc.returncode} {proc.stderr[-500:]}")
        return proc.stdout

    def command() -> None:
        if "Bydel Vestre Aker" not in cli("--tilbaketest", "--historikk", str(path), "--år", "2021-2023"):
            raise RuntimeError("the report lacks the 15th district")

    def read_and_test() -> Any:
        return btm.run(btm.read_history(path), years=(2021, 2022, 2023))

    history = btm.read_history(path)
    rows = len(btm.run(history, years=(2021, 2022, 2023)).rows)
    report.time_figure("baseline", "pandas read_csv + groupby (baseline)",
                       time_once(baseline, repeats=repeats), "ms", is_baseline=True)
    report.time_figure("startup", "kostra prognose --help (start-up baseline)",
                       time_once(lambda: cli("--help"), repeats=repeats), "ms", is_baseline=True)
    report.time_figure("command", "kostra prognose --tilbaketest (one-shot)",
                       time_once(command, repeats=repeats), "ms", baseline="startup",
                       target=Target(f"≤ {TARGET_S:g} s", max_value=TARGET_S * 1000))
    report.time_figure("read_and_test", "read file + back-test (in process)",
                       time_once(read_and_test, repeats=repeats), "ms", baseline="baseline")
    report.time_figure("test_only", "back-test only (history in memory)",
                       time_once(lambda: btm.run(history, years=(2021, 2022, 2023)), repeats=repeats),
                       "ms", baseline="baseline")
    report.note(f"{len(history.functions)} series (15 districts × 16 functions), {rows} rows reported "
                "(functions, areas, totals), 3 methods × 11 periods × 3 years")
