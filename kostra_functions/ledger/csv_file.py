"""A ledger or budget export as CSV read into the canonical frame.

The encoding is found by :func:`~kostra_functions.tables.text.detect_encoding`; the header row and
the separator (``;``, tab or ``,``) from the first :data:`~kostra_functions.ledger.columns.HEADER_SEARCH_ROWS`
lines; pandas' C parser then reads the rows, with plain amounts as floats and codes as categories,
and :func:`~kostra_functions.ledger.frame.build_frame` validates them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions.errors import LedgerFormatError
from kostra_functions.ledger.amounts import NUMBER_TEXT, needs_text_amounts
from kostra_functions.ledger.columns import HEADER_SEARCH_ROWS, checked_header, header_score
from kostra_functions.ledger.frame import build_frame, object_array
from kostra_functions.ledger.problems import Source, Widths, source_error
from kostra_functions.tables.headers import show
from kostra_functions.tables.text import LINE_BREAK, check_complete, detect_encoding, split_line


def read_csv_ledger(path: Path, source: Source, *, kind: str | None, year: int | None,
                    widths: Widths) -> pd.DataFrame:
    """A CSV export as the canonical frame (``attrs["koding"]``: the encoding found)."""
    encoding = detect_encoding(path, where=source.where())
    with path.open("r", encoding=encoding, newline="") as fh:
        head = fh.read(1 << 16)
    lines = LINE_BREAK.split(head)  # also Excel for Mac's «CSV (Macintosh)», lines ended by CR
    if len(head) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    if not any(ln.strip() for ln in lines):
        raise source_error(source, "filen er tom (ingen rader med tekst).")
    header_index = None
    best: tuple[int, str] = (0, ";")
    for i, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if not line.strip():
            continue
        for sep in (";", "\t", ","):
            if sep not in line and sep != ";":
                continue
            score = header_score(split_line(line, sep))
            if score > best[0]:
                best = (score, sep)
        if best[0] >= 3:
            header_index = i
            break
    if header_index is None:
        first = next(ln for ln in lines if ln.strip())
        raise source_error(
            source,
            "fant ingen overskriftsrad med kolonnene Art, Ansvar, Funksjon, Periode og Beløp blant de "
            f"første {HEADER_SEARCH_ROWS} radene. Første rad er: «{show(first, 80)}». Filen skal være "
            "semikolonseparert (;) med én overskriftsrad.",
        )
    sep = best[1]
    header_cells = split_line(lines[header_index], sep)
    header_row = header_index + 1
    columns, implied = checked_header(header_cells, kind, source, row=header_row, place="filen")
    assert implied is not None
    used = sorted(columns.values(), key=lambda c: c.index)
    decimal = "." if sep == "," else ","
    # Codes are read as categories (each distinct code parsed and checked once). Columns we do not
    # use are read too, because ``usecols`` makes pandas' C parser about twice as slow: as numbers
    # when the first rows hold only numbers (voucher numbers), as categories when they show few
    # distinct values, else as plain objects. If a guess fails, everything is re-read safely.
    codes: dict[int, Any] = {c.index: "category" for c in used if c.name != "belop"}
    amount_col = columns["belop"]
    sample = [split_line(ln, sep) for ln in lines[header_index + 1:] if ln.strip()]
    guessed: dict[int, Any] = {}
    safe: dict[int, Any] = {}
    for i in range(len(header_cells)):
        if i in codes or i == amount_col.index:
            continue
        seen = [r[i].strip() for r in sample if i < len(r)]
        few = len(set(seen)) <= max(1, len(seen) // 2)
        safe[i] = "category" if few else object
        numeric = bool(seen) and all(NUMBER_TEXT.match(v) for v in seen if v)
        guessed[i] = "float64" if numeric and not few else safe[i]
    read_kwargs: dict[str, Any] = dict(
        # The columns are the header's or the first data row's (a trailing «;»): without names,
        # pandas takes their number from the first line after the header, so a blank line there made
        # every row «no data» (issue 15). A later, wider row is still refused by the parser.
        sep=sep, header=None, names=range(max(len(header_cells), len(sample[0]) if sample else 0)),
        index_col=False,
        skiprows=header_row, encoding=encoding,
        keep_default_na=False, na_filter=True, na_values=[""], skip_blank_lines=False, quotechar='"',
        engine="c", decimal=decimal,
    )
    empty = source_error(source, f"filen har en overskriftsrad (rad {header_row}), men ingen rader med data.")

    def read(dtype: dict[int, Any]) -> pd.DataFrame:
        try:
            return pd.read_csv(path, dtype=dtype, **read_kwargs)
        except pd.errors.EmptyDataError:
            raise empty from None
        except pd.errors.ParserError as exc:
            raise _parser_error(source, exc, header_cells) from None

    # Fast path: the C parser reads plain amounts ("-1234,50") as floats. Anything else (thousands
    # separators, "kr", blanks, or a value the text rules would read differently) is re-read as text.
    fast = True
    try:
        raw = read({**guessed, **codes, amount_col.index: "float64"})
        fast = not needs_text_amounts(raw[amount_col.index].to_numpy(dtype=np.float64))
    except ValueError:  # a value the float parser refuses: read the amounts as text
        fast = False
    if not fast:
        raw = read({**safe, **codes, amount_col.index: object})
    n = len(raw)
    if n == 0:
        raise empty
    rows = np.arange(header_row + 1, header_row + 1 + n, dtype=np.int64)
    check_complete(path, sep, where=source.where(), last_row=int(rows[-1]))
    values: dict[str, Any] = {}
    for c in used:
        if c.index not in raw.columns:  # no data row reaches this column
            values[c.name] = object_array([None] * n)
        elif c.name == "belop":
            values[c.name] = raw[c.index].to_numpy()
        else:
            values[c.name] = raw[c.index].array
    frame = build_frame(values, columns, rows, source=source, kind=implied, year=year, widths=widths,
                        amounts_are_text=not fast, decimal=decimal)
    frame.attrs["koding"] = encoding
    return frame


def _parser_error(source: Source, exc: Exception, header: Sequence[str]) -> LedgerFormatError:
    text = str(exc)
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:
        return source_error(source, f"rad {int(m.group(1)) + 1}: et anførselstegn (\") åpner en tekst som "
                                    "aldri avsluttes, så resten av filen ville blitt lest som én tekst. "
                                    "Fjern eller doble anførselstegnet (\"\").")
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        expected, line, saw = m.groups()
        return source_error(source, f"rad {line} har {saw} felt, men radene over har {expected} "
                                    f"(overskriftsraden har {len(header)}). Sjekk om et semikolon (;) står i "
                                    "en tekst uten anførselstegn.")
    return source_error(source, f"filen kan ikke leses som CSV: {show(text, 120)}.")
