"""Small lookup tables (CSV or XLSX) with text columns, such as a district's result units.

:func:`load_table` finds the header row by the names given per column, keeps every value as text
and refuses blanks, non-digits and repeated keys with file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions.ledger.codes import is_blank
from kostra_functions.ledger.columns import HEADER_SEARCH_ROWS
from kostra_functions.ledger.problems import Problems, Source, code_widths, source_error
from kostra_functions.ledger.reading import MAX_FILE_BYTES
from kostra_functions.rulesets import RuleSet
from kostra_functions.tables.headers import Column, column_letter, normalise_header, show
from kostra_functions.tables.sniff import check_size, sniff
from kostra_functions.tables.text import detect_encoding, split_line
from kostra_functions.tables.xlsx import open_workbook, sheet_rows


def load_table(
    path: str | Path,
    *,
    columns: dict[str, tuple[str, ...]],
    required: Sequence[str],
    unique: str | None = None,
    digits: Sequence[str] = (),
    what: str = "tabellen",
    ruleset: str | RuleSet | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """A small lookup table (CSV or XLSX) with text columns, e.g. the result units of a district.

    ``columns``: canonical name → accepted header names (normalised as :func:`normalise_header`).
    Every value is text (whole numbers from Excel lose their ``.0``; an ``ansvar`` column gets its
    leading zeros back up to the rule set's width). Blank rows are skipped; a blank required value, a
    non-digit value in a ``digits`` column or a value repeated in the ``unique`` column raises
    :class:`~kostra_functions.errors.LedgerFormatError` naming file, row and column. Returns the
    canonical columns (``""`` for an absent optional column) and ``kilde_rad``.
    """
    p = Path(path)
    source = Source(label=str(path), path=str(path))
    if not p.is_file():
        raise source_error(source, "filen finnes ikke.")
    limit = MAX_FILE_BYTES if max_bytes is None else int(max_bytes)
    check_size(p, limit, where=source.where())
    widths = code_widths(ruleset)
    kind = sniff(p)
    if kind == "ole":
        raise source_error(source, "dette er det gamle Excel-formatet (.xls). Lagre filen som .xlsx eller "
                                   "CSV.")
    lookup = {alias: name for name, aliases in columns.items() for alias in aliases}

    def score(cells: Sequence[Any]) -> int:
        return len({lookup[k] for k in (normalise_header(c) for c in cells) if k in lookup})

    need = len(required)
    numbered: list[tuple[int, list[Any]]] = []
    if kind == "xlsx":
        wb = open_workbook(p, where=source.where())
        try:
            ws = wb.worksheets[0]
            source.sheet = ws.title
            numbered = list(sheet_rows(ws, where=source.where()))
        finally:
            wb.close()
    else:
        encoding = detect_encoding(p, where=source.where())
        text = p.read_text(encoding=encoding)
        lines = text.split("\n")
        sep = ";"
        for line in lines[:HEADER_SEARCH_ROWS]:
            scores = {s: score(split_line(line.rstrip("\r"), s)) for s in (";", "\t", ",")}
            best = max(scores, key=lambda s: (scores[s], s == ";"))
            if scores[best] >= need:
                sep = best
                break
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"')
        numbered = []
        for record in reader:  # line_num: the physical line where the record ends
            numbered.append((reader.line_num, list(record)))
    candidates = (k for k, (_, cells) in enumerate(numbered[:HEADER_SEARCH_ROWS]) if score(cells) >= need)
    header_at = next(candidates, None)
    if header_at is None:
        names = ", ".join(f"«{columns[c][0]}»" for c in required)
        raise source_error(source, f"fant ingen overskriftsrad med {names} i {what}.")
    header_row, header = numbered[header_at]
    found: dict[str, list[Column]] = {}
    for i, cell in enumerate(header):
        key = normalise_header(cell)
        if key in lookup:
            found.setdefault(lookup[key], []).append(Column(lookup[key], str(cell).strip(), i))
    problems = [_duplicate_text_any(name, cols) for name, cols in found.items() if len(cols) > 1]
    problems += [f"kolonnen «{columns[name][0]}» mangler" for name in required if name not in found]
    if problems:
        raise source_error(source, f"overskriftsraden (rad {header_row}): " + "; ".join(problems) + ".")
    cols = {name: cs[0] for name, cs in found.items()}
    data: dict[str, list[str]] = {name: [] for name in columns}
    rows: list[int] = []
    bad = Problems(source)
    first_row: dict[str, int] = {}
    for number, cells in numbered[header_at + 1:]:
        values = {}
        for name in columns:
            c = cols.get(name)
            raw = cells[c.index] if c is not None and c.index < len(cells) else None
            values[name] = _cell_text(raw)
        if all(v == "" for v in values.values()):
            continue
        for name in required:
            if values[name] == "":
                bad.add([number], cols[name], f"{name.replace('_', ' ')} mangler (tom celle)")
        for name in digits:
            v = values.get(name, "")
            if v and not (v.isascii() and v.isdigit()):
                bad.add([number], cols[name], f"«{show(v)}» skal bare ha sifre")
            elif v and name == "ansvar" and len(v) < widths.ansvar:
                values[name] = v.zfill(widths.ansvar)
        if unique and values[unique]:
            key = values[unique]
            if key in first_row:
                bad.add([number], cols[unique], f"{unique} {key} står også på rad {first_row[key]}; hver "
                                                f"{unique} skal stå én gang")
            else:
                first_row[key] = number
        for name in columns:
            data[name].append(values[name])
        rows.append(number)
    bad.raise_if_any()
    if not rows:
        raise source_error(source, f"{what} har en overskriftsrad (rad {header_row}), men ingen rader med "
                                   "data.")
    frame = pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in data.items()})
    frame["kilde_rad"] = np.asarray(rows, dtype=np.int64)
    frame.attrs["path"] = str(path)
    return frame


def _duplicate_text_any(name: str, cols: Sequence[Column]) -> str:
    shown = " og ".join(f"«{show(c.header)}» ({column_letter(c.index)})" for c in cols)
    return f"kolonnene {shown} betyr begge {name.replace('_', ' ')}; fjern den som ikke skal brukes"


def _cell_text(value: Any) -> str:
    """A lookup-table cell as text: blanks ``""``, whole numbers without ``.0``, text stripped."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text

