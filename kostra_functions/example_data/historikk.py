"""Generate the example district's monthly history per KOSTRA function (for the back-test).

``python -m kostra_functions.example_data.historikk [--out FIL]`` writes
``historikk/bydel_eksempel.csv`` exactly as committed (a test regenerates it and compares the bytes).

Everything is read from ``bydel_eksempel_historikk.toml``: the functions, their size, the pattern
each one follows and, in its comments, why a prognosis method wins there. This module only does the
mechanics, with :class:`random.Random` and plain arithmetic (no numpy, no ``math.log``), so the file
is the same bytes on every platform:

* **level**: the 2023 level deflated by the yearly growth; the year's actual level misses it by a
  random share (``nivaavvik``); payroll functions get the pay settlement from May;
* **season**: the month's share of the year from a profile (``sesong``); holiday pay in June
  (``feriepenger``: 12 % of last year's pay minus the holiday deduction, prognose_metoder.md §3);
* **steps**: ``tilfeller`` functions count cases (placements, households) that start and end month
  by month, each case costing the same; ``trinn`` multiplies the level from a month on;
* **one-off events** (``hendelser``) are added in their month; period 13 holds small year-end
  accruals;
* **budget**: the expected level × ``budsjett_faktor``, set before the year, periodised with
  ``budsjett_nokkel`` (whole kroner that add up to the annual budget).

The CSV (``;``, decimal comma, UTF-8 with BOM, as Norwegian Excel writes it) has one row per year,
function and period 1–13: ``Bydel;År;Funksjon;Periode;Regnskap;Budsjett`` (kroner, expenses +, revenues −;
the budget is 0 in period 13). This is the format ``kostra prognose --tilbaketest --historikk FIL``
reads, so a controller can export the same sums from the ledger.
"""

from __future__ import annotations

import argparse
import random
import sys
import tomllib
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).with_name("bydel_eksempel_historikk.toml")
#: The committed history of the example district.
HISTORY_FILE = Path(__file__).with_name("historikk") / "bydel_eksempel.csv"
HEADER = ("Bydel", "År", "Funksjon", "Periode", "Regnskap", "Budsjett")


def load_spec(path: Path = SPEC_FILE) -> dict[str, Any]:
    """The history generator's data file (TOML)."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _normal(rng: random.Random, sd: float) -> float:
    """About normal with standard deviation ``sd`` (Irwin–Hall: three uniforms, no ``math.log``)."""
    return (rng.random() + rng.random() + rng.random() - 1.5) * 2.0 * sd


def _shares(weights: list[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]


def _spread_whole(total: int, weights: list[float]) -> list[int]:
    """Whole kroner per month that add up exactly to ``total`` (cumulative rounding)."""
    out, done, cum = [], 0, 0.0
    for w in _shares(weights):
        cum += w
        target = round(total * cum)
        out.append(target - done)
        done = target
    out[-1] += total - done
    return out


def _count(rng: random.Random, expected: float) -> int:
    """A whole number of new cases with mean ``expected``."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def function_history(spec: dict[str, Any], function: str, *, seed: int, scale: float = 1.0
                     ) -> dict[int, tuple[list[float], list[int]]]:
    """``{year: (13 period amounts, 12 monthly budget amounts)}`` for one function (kroner)."""
    hist = spec["historikk"]
    fs = spec["funksjoner"][function]
    profiles = spec["profiler"]
    years = [int(y) for y in hist["aar"]]
    growth = {int(k): float(v) for k, v in hist["vekst"].items()}
    rng = random.Random(f"{seed}-{function}")
    # the 2023 level deflated to each year (the level at the end of the year, after the settlement)
    level = {years[-1]: float(fs["niva"]) * 1e6 * scale}
    for y in range(years[-1] - 1, years[0] - 2, -1):
        level[y] = level[y + 1] / (1.0 + growth.get(y + 1, 0.0))
    season = _shares([float(w) for w in profiles[fs.get("sesong", "jevn")]])
    settlement = int(hist["lonnsoppgjor_maned"])
    cases = int(fs.get("tilfeller", 0))
    out: dict[int, tuple[list[float], list[int]]] = {}
    for year in years:
        g = growth.get(year, 0.0)
        factor = 1.0 + _normal(rng, float(fs.get("nivaavvik", 0.0)))
        months = []
        for m in range(1, 13):
            amount = level[year] * factor * season[m - 1] * 12.0
            if fs.get("lonn"):
                amount = amount / (1.0 + g) if m < settlement else amount
            months.append(amount / 12.0)
        if cases:
            per_case = level[year] / int(fs["tilfeller"]) / 12.0
            for m in range(12):
                ended = sum(1 for _ in range(cases) if rng.random() < float(fs["ut"]))
                cases = max(cases - ended + _count(rng, float(fs["inn"])), 0)
                months[m] = cases * per_case * season[m] * 12.0
        for y, m, share, _text in fs.get("trinn", []):
            if int(y) == year:
                for i in range(int(m) - 1, 12):
                    months[i] *= 1.0 + float(share)
        if fs.get("feriepenger"):
            # 12 % of last year's pay, minus the deduction of a bit more than this year's month
            months[5] += (float(hist["feriepenger_sats"]) * level[year - 1]
                          - float(hist["ferietrekk_maneder"]) * level[year] / 12.0)
        sd = float(fs.get("stoy", 0.0))
        months = [a * (1.0 + _normal(rng, sd)) for a in months]
        for y, m, amount, _text in fs.get("hendelser", []):
            if int(y) == year:
                months[int(m) - 1] += float(amount) * 1e6 * scale
        year_end = level[year] * _normal(rng, float(spec["arsavslutning"]["spredning"]))
        periods = [round(a, 2) for a in [*months, year_end]]
        budget_total = round(level[year] * float(fs.get("budsjett_faktor", 1.0)))
        key = [float(w) for w in profiles[fs.get("budsjett_nokkel", "jevn")]]
        out[year] = (periods, _spread_whole(budget_total, key))
    return out


def history_rows(spec: dict[str, Any] | None = None, *, seed: int | None = None, scale: float = 1.0
                 ) -> list[tuple[int, str, int, float, int]]:
    """Rows ``(year, function, period, actual, budget)`` for every year, function and period 1–13."""
    spec = spec or load_spec()
    seed_ = int(spec["historikk"]["seed"]) if seed is None else seed
    per_function = {f: function_history(spec, f, seed=seed_, scale=scale) for f in spec["funksjoner"]}
    rows = []
    for year in (int(y) for y in spec["historikk"]["aar"]):
        for function in sorted(per_function):
            periods, budget = per_function[function][year]
            for p in range(13):
                rows.append((year, function, p + 1, periods[p], budget[p] if p < 12 else 0))
    return rows


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def csv_text(rows: list[tuple[int, str, int, float, int]], district: str) -> str:
    """The rows as the CSV file's text (without the BOM)."""
    lines = [";".join(HEADER)]
    lines += [f"{district};{y};{f};{p};{_number(a)};{b}" for y, f, p, a, b in rows]
    return "\r\n".join(lines) + "\r\n"


def write(path: Path = HISTORY_FILE, **kw: Any) -> Path:
    """Write the history CSV (UTF-8 with BOM, CRLF) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = kw.pop("spec", None) or load_spec()
    text = csv_text(history_rows(spec, **kw), str(spec["historikk"]["navn"]))
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def write_districts(path: Path, count: int) -> Path:
    """One history file for the first ``count`` of Oslo's 15 districts (each its own seed and size,
    as :func:`kostra_functions.example_data.generate.districts` gives them), for benchmarks."""
    from kostra_functions.example_data import generate

    spec = load_spec()
    lines: list[str] = []
    for name, _folder, scale, seed in generate.districts(generate.load_spec(), count):
        text = csv_text(history_rows(spec, seed=seed, scale=scale), name)
        lines += text.splitlines()[(1 if lines else 0):]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Skriv eksempelbydelens månedshistorikk per funksjon.")
    parser.add_argument("--out", type=Path, default=HISTORY_FILE, help="CSV-filen som skrives")
    parser.add_argument("--districts", type=int, metavar="K",
                        help="K av Oslos bydeler i én fil (for benchmarks), i stedet for Bydel Eksempel")
    args = parser.parse_args(argv)
    print(write_districts(args.out, args.districts) if args.districts else write(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
