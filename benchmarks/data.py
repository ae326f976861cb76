"""Benchmark inputs: the example district as Excel ranges, and large generated ledgers and districts.

Large files come from :mod:`kostra_functions.example_data.generate` (deterministic) and are kept in
the data folder (default ``benchmarks/results/data``, git-ignored), so a second run does not
generate them again.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

from kostra_functions.example_data import DATA_DIR, paths
from kostra_functions.example_data import generate as gen

Range = list[list[Any]]


def excel_cell(text: str) -> Any:
    """A CSV field as Excel holds it after import: a number when it reads as one, text otherwise,
    ``None`` for an empty cell (``"813 500"`` with no-break spaces → 813500.0; ``"1,5"`` → 1.5)."""
    t = text.strip()
    if not t:
        return None
    compact = t.replace("\u00a0", "").replace(" ", "")
    try:
        return float(compact.replace(",", "."))
    except ValueError:
        return t


def csv_range(path: Path, encoding: str) -> Range:
    """A CSV export as the range Excel passes a UDF: header row of text, then the cells."""
    with path.open(encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    return [rows[0], *([excel_cell(c) for c in row] for row in rows[1:] if row)]


def example_ranges() -> tuple[Range, Range]:
    """(accounts, budget) of Bydel Eksempel 2023 as ranges (2 652 and 1 806 rows under a header)."""
    p = paths()
    return csv_range(p["regnskap"], "cp1252"), csv_range(p["budsjett"], "utf-8-sig")


def _spec_district() -> tuple[dict[str, Any], int, float, int]:
    spec = gen.load_spec()
    _name, _folder, scale, seed = gen.districts(spec, None)[0]
    return spec, int(spec["bydel"]["aar"]), scale, seed


def ledger_csv(data_dir: Path, rows: int) -> Path:
    """The example district's accounts with exactly ``rows`` rows (Windows-1252, ``;``, decimal comma)."""
    target = data_dir / f"regnskap_{rows}.csv"
    if target.is_file():
        return target
    spec, year, scale, seed = _spec_district()
    cells = gen.district_cells(spec, year=year, scale=scale, seed=seed)
    data, _ = gen.ledger_bytes(cells, year, rows=rows, seed=seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def example_row_count() -> int:
    """Rows in the committed example accounts (the 1× size)."""
    with paths()["regnskap"].open("rb") as fh:
        return sum(1 for line in fh if line.strip()) - 1


def districts_dir(data_dir: Path, count: int, rows: int | None = None) -> Path:
    """A data folder with ``count`` of Oslo's districts (as ``kostra regenerer --data`` expects),
    each with accounts (``rows`` rows, or the example's voucher counts), budget, result units, last
    year's accounts, and the example voucher list and authority register in ``bilag/``."""
    target = data_dir / (f"bydeler_{count}" + ("" if rows is None else f"_{rows}"))
    marker = target / ".ferdig"
    if marker.is_file():
        return target
    if target.exists():
        shutil.rmtree(target)
    gen.generate(target, rows=rows, count=count)
    shutil.copytree(DATA_DIR.parent / "bilag", target / "bilag")
    marker.write_text("ok\n", encoding="utf-8")
    return target
