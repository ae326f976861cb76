"""Expected values of the compatibility corpus: derive them, store them, compare with them.

``expected.json`` maps ``book → "Sheet!A1" → {"value": …, "source": "libreoffice"|"excel", "why": …}``;
an error value is stored as ``{"error": "#VALUE!"}``. ``python -m tests.compat.expected`` builds the
corpus, recalculates it in LibreOffice headless (one ``soffice`` call) and writes the file.
"""

from __future__ import annotations

import json
import math
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.compat.corpus import BOOKS, Book, XlErr, build_all

EXPECTED_FILE = Path(__file__).with_name("expected.json")


def encode(value: Any) -> Any:
    if isinstance(value, XlErr):
        return {"error": value.code}
    code = getattr(value, "code", None)  # ExcelError
    if isinstance(code, str) and code.startswith("#"):
        return {"error": code}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return (value - datetime(1899, 12, 30)).total_seconds() / 86400.0
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)


def same(expected: Any, actual: Any, tolerance: float = 1e-9) -> bool:
    """Whether an engine's value (plain Python, ExcelError for an error) equals the stored one."""
    a = encode(actual)
    if isinstance(expected, dict) or isinstance(a, dict):
        return expected == a
    if isinstance(expected, bool) or isinstance(a, bool):
        return expected is a
    if isinstance(expected, float) and isinstance(a, float):
        return math.isclose(expected, a, rel_tol=tolerance, abs_tol=tolerance)
    if expected in (None, "") and a in (None, "", 0.0):
        return True
    return expected == a


def libreoffice_values(paths: dict[str, Path], books: list[Book], outdir: Path) -> dict[str, dict[str, Any]]:
    """Values LibreOffice computes for every checked cell (it recalculates on load)."""
    import openpyxl

    from kostra_functions.engine.libreoffice import convert

    converted = convert(list(paths.values()), outdir, recalculate=True)
    out: dict[str, dict[str, Any]] = {}
    for book in books:
        wb = openpyxl.load_workbook(converted[paths[book.name].resolve()], data_only=True)
        values = {}
        for check in book.checks:
            cell = wb[check.sheet][check.ref]
            v = XlErr(cell.value) if cell.data_type == "e" else cell.value
            values[f"{check.sheet}!{check.ref}"] = encode(v)
        out[book.name] = values
    return out


def derive(folder: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Expected values: Excel's documented ones from the corpus, the rest from LibreOffice."""
    paths = build_all(folder / "books")
    lo = libreoffice_values(paths, BOOKS, folder / "lo")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for book in BOOKS:
        cells: dict[str, dict[str, Any]] = {}
        for check in book.checks:
            key = f"{check.sheet}!{check.ref}"
            if check.from_excel:
                cells[key] = {"value": encode(check.excel), "source": "excel", "why": check.why}
            else:
                cells[key] = {"value": lo[book.name][key], "source": "libreoffice"}
            if check.tolerance != 1e-9:
                cells[key]["tolerance"] = check.tolerance
        out[book.name] = {"feature": book.feature, "cells": cells}  # type: ignore[dict-item]
    return out


def load() -> dict[str, Any]:
    return json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


def check_engine(values: dict[str, dict], known_gaps: set[str] | frozenset[str] | dict[str, str]) -> None:
    """Assert that an engine's ``values`` (book → {(sheet, ref): value}) equal every expected cell of
    the corpus, except the engine's ``known_gaps`` (``"book:Sheet!A1"``), which must still differ: a
    gap that closes fails too, so the list stays true."""
    wrong, fixed = [], []
    for book, entry in load().items():
        for key, cell in entry["cells"].items():
            sheet, ref = key.rsplit("!", 1)
            got = values[book].get((sheet, ref))
            ok = same(cell["value"], got, cell.get("tolerance", 1e-9))
            name = f"{book}:{key}"
            if name in known_gaps:
                if ok:
                    fixed.append(name)
            elif not ok:
                wrong.append(f"{name}: forventet {cell['value']!r} ({cell['source']}), fikk {encode(got)!r}")
    assert not wrong, "\n".join(wrong)
    assert not fixed, f"agrees now, remove from KNOWN_GAPS: {fixed}"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kostra-compat-") as tmp:
        data = derive(Path(tmp))
    EXPECTED_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"skrev {EXPECTED_FILE}")


if __name__ == "__main__":
    main()
