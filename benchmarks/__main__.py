"""``python -m benchmarks [--rask] [--bare A,B]``: run the benchmarks, print and write the figures."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    RESULTS_DIR,
    RESULTS_MD,
    Config,
    Report,
    echo_to,
    load,
    markdown,
    print_report,
    wait_for_quiet,
    write_results,
)

#: number → module (in run order).
BENCHMARKS: dict[int, str] = {
    1: "benchmarks.bench_scalar",
    2: "benchmarks.bench_table",
    3: "benchmarks.bench_ledger",
    4: "benchmarks.bench_recalc",
    5: "benchmarks.bench_regenerate",
    6: "benchmarks.bench_growth",
    7: "benchmarks.bench_controls",
    8: "benchmarks.bench_backtest",
    9: "benchmarks.bench_staff",
}
NAMES = {"scalar": 1, "table": 2, "ledger": 3, "recalc": 4, "regenerate": 5, "growth": 6, "kontroller": 7,
         "backtest": 8, "staff": 9}


def parse_selection(text: str | None) -> list[int]:
    if not text:
        return list(BENCHMARKS)
    chosen = []
    for part in text.split(","):
        key = part.strip().lower()
        if not key:
            continue
        number = int(key) if key.isdigit() else NAMES.get(key)
        if number not in BENCHMARKS:
            known = ", ".join(f"{n} ({name})" for name, n in NAMES.items())
            raise SystemExit(f"Ukjent benchmark «{part}»; velg blant {known}.")
        if number not in chosen:
            chosen.append(number)
    return sorted(chosen)


def run_one(number: int, cfg: Config, retry_load: float) -> tuple[Report, dict[str, Any]]:
    """Run one benchmark; when the load was high during it, wait and run it once more (keep the
    quieter run)."""
    module = importlib.import_module(BENCHMARKS[number])
    best: tuple[Report, dict[str, Any]] | None = None
    for attempt in (1, 2):
        before = wait_for_quiet(cfg)
        report = Report(module.NAME, module.TITLE)
        cfg.echo(f"\n{number}. {module.TITLE}  (last før: {before})")
        start = time.perf_counter()
        try:
            module.run(cfg, report)
        except Exception as exc:  # a benchmark that breaks must not hide the others' figures
            report.error = f"{type(exc).__name__}: {exc}"
            cfg.echo(traceback.format_exc())
        seconds = time.perf_counter() - start
        after = load()
        meta = {"number": number, "run_at": dt.datetime.now().isoformat(timespec="seconds"),
                "seconds": round(seconds, 1), "load_before": before, "load_after": after,
                "attempt": attempt}
        print_report(report, cfg.echo)
        cfg.echo(f"  ({seconds:.1f} s, last etter: {after})")
        peak = max(after[0], before[0])
        if best is None or peak < max(best[1]["load_after"][0], best[1]["load_before"][0]):
            best = (report, meta)
        high = max(before[0], after[0]) > retry_load
        if not high or cfg.quick or report.error or report.skipped:
            break
        cfg.echo(f"  høy last under målingen (> {retry_load:.2f}): måler på nytt")
    assert best is not None
    return best


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rask", action="store_true", help="rask kjøring: få gjentakelser, små størrelser")
    parser.add_argument("--bare", help="bare disse (nummer eller navn, skilt med komma): "
                        + ", ".join(f"{n}={name}" for name, n in NAMES.items()))
    parser.add_argument("--resultater", type=Path, default=RESULTS_DIR,
                        help="mappen latest.json skrives til (standard: benchmarks/results)")
    parser.add_argument("--data", type=Path, help="mappen for genererte data (standard: <resultater>/data)")
    parser.add_argument("--maks-last", type=float, default=1.5,
                        help="vent før hver benchmark til 1-minutts last er under dette (standard 1,5)")
    parser.add_argument("--maks-vent", type=float, default=None,
                        help="vent høyst så mange sekunder på lav last (standard 120, med --rask 0)")
    parser.add_argument("--ingen-md", action="store_true", help="ikke skriv benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    selection = parse_selection(args.bare)
    echo = echo_to()
    cfg = Config(
        quick=args.rask,
        results_dir=args.resultater,
        data_dir=args.data or args.resultater / "data",
        load_limit=args.maks_last,
        max_wait=args.maks_vent if args.maks_vent is not None else (0.0 if args.rask else 120.0),
        # RESULTS.md is the committed record: only full-size runs into the default folder write it.
        write_markdown=not (args.rask or args.ingen_md) and args.resultater.resolve() == RESULTS_DIR,
        echo=echo,
    )
    echo(f"kostra-functions benchmarks ({'rask' if cfg.quick else 'full'}): "
         + ", ".join(BENCHMARKS[n].rsplit("_", 1)[1] for n in selection) + f"; last {load()}")
    results = [run_one(n, cfg, retry_load=args.maks_last + 1.0) for n in selection]
    path = write_results(results, cfg, argv)
    echo(f"\nSkrev {path}")
    if cfg.write_markdown:
        RESULTS_MD.write_text(markdown(json.loads(path.read_text(encoding="utf-8"))) + "\n", encoding="utf-8")
        echo(f"Skrev {RESULTS_MD}")
    return 1 if any(r.error for r, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
