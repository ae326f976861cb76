"""A ledger's amounts: kroner as float64, vectorised for plain columns, text by the cell rules.

Text amounts go through :func:`kostra_functions.cells.parse_amount_text` (thousands separators,
trailing minus, ``kr``; ``"1,234"`` refused as ambiguous), so a file reads as the Excel functions
read a cell. A CSV column the C parser read as floats is checked by :func:`needs_text_amounts`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

import numpy as np
import pandas as pd

from kostra_functions.cells import MAX_AMOUNT, parse_amount_text
from kostra_functions.errors import KostraError
from kostra_functions.ledger.codes import excel_error_text, is_blank
from kostra_functions.ledger.problems import Problems
from kostra_functions.tables.headers import Column, show

#: How a raw amount is handled: 0 text, 1 plain number, 2 blank, anything else (3) one by one.
_VALUE_KIND: dict[type, int] = {str: 0, float: 1, int: 1, np.float64: 1, np.float32: 1, np.int64: 1,
                                np.int32: 1, type(None): 2}
#: Text that is a plain number (a voucher number, an amount without separators).
NUMBER_TEXT = re.compile(r"^-?\d{1,15}(?:[.,]\d+)?$")
_CLEAN_AMOUNT = {
    ",": (re.compile(r"^\s*[-+]?\d+(?:,\d+)?\s*$"), re.compile(r"^\s*[-+]?\d{1,3},\d{3}\s*$")),
    ".": (re.compile(r"^\s*[-+]?\d+(?:\.\d+)?\s*$"), re.compile(r"^\s*[-+]?\d{1,3}\.\d{3}\s*$")),
}


def _amount_reason(exc: KostraError) -> str:
    text = exc.message
    marker = "er ikke et tall: "
    if marker in text:
        return text.split(marker, 1)[1].rstrip(".")
    return text.rstrip(".")


def parse_amounts(values: np.ndarray, *, as_text: bool, decimal: str,
                  rows: np.ndarray, column: Column, problems: Problems) -> tuple[np.ndarray, np.ndarray]:
    """Kroner as float64 and a blank mask; problems are recorded with their rows."""
    n = len(values)
    if not as_text:
        out = np.asarray(values, dtype=np.float64)
        blank = np.isnan(out)
        return out, blank
    out = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    clean_re, ambiguous_re = _CLEAN_AMOUNT[decimal]
    bad: dict[str, list[int]] = {}
    # vectorised: plain numbers (cells from Excel), blanks, and plain text amounts
    kinds = np.fromiter((_VALUE_KIND.get(type(v), 3) for v in values), dtype=np.int8, count=n)
    is_num = kinds == 1
    if is_num.any():
        out[is_num] = values[is_num].astype(np.float64)
        blank[is_num] = np.isnan(out[is_num])
    blank[kinds == 2] = True
    is_str = kinds == 0
    if is_str.any():
        s = pd.Series(values[is_str], dtype=object)
        clean = s.str.match(clean_re).to_numpy(dtype=bool) & ~s.str.match(ambiguous_re).to_numpy(dtype=bool)
        idx = np.flatnonzero(is_str)
        if clean.any():
            text = s[clean].str.strip()
            if decimal == ",":
                text = text.str.replace(",", ".", regex=False)
            out[idx[clean]] = text.astype(np.float64).to_numpy()
        rest = idx[~clean]
    else:
        rest = np.zeros(0, dtype=np.int64)
    others = np.flatnonzero(kinds == 3)
    for i in np.concatenate([rest, others]).astype(np.int64):
        v = values[i]
        if is_blank(v):
            blank[i] = True
            continue
        message = excel_error_text(v)
        number = math.nan
        if message is None:
            if isinstance(v, (bool, np.bool_)):
                message = f"«{'SANN' if v else 'USANN'}» er ikke et beløp"
            elif isinstance(v, (datetime, date)):
                message = f"en dato ({v:%d.%m.%Y}) er ikke et beløp"
            elif isinstance(v, str):
                try:
                    number = parse_amount_text(v, column.header)
                except KostraError as exc:
                    message = f"«{show(v)}» er ikke et beløp: {_amount_reason(exc)}"
            elif isinstance(v, (int, float, np.integer, np.floating)):
                number = float(v)
            else:
                message = f"«{show(v)}» er ikke et beløp"
        if message is None:
            out[i] = number
        else:
            bad.setdefault(message, []).append(i)
    for message, idx_list in bad.items():
        problems.add(rows[np.asarray(idx_list)], column, message)
    return out, blank


def amount_problems(amount: np.ndarray, rows: np.ndarray, column: Column, problems: Problems) -> None:
    """Record amounts that are infinite or larger than :data:`~kostra_functions.cells.MAX_AMOUNT`."""
    finite = np.isfinite(amount)
    bad = ~finite & ~np.isnan(amount)
    if bad.any():
        problems.add(rows[bad], column, "beløpet er ikke et endelig tall")
    huge = finite & (np.abs(amount) > MAX_AMOUNT)
    if huge.any():
        problems.add(rows[huge], column, "beløpet er urimelig stort (over 10 000 mrd. kr); sjekk enhet og "
                                         "desimaltegn")


def needs_text_amounts(amount: np.ndarray) -> bool:
    """True when the fast float parse may have read something the text rules refuse or read otherwise."""
    a = np.abs(amount)
    if not np.isfinite(amount).all() or (a > MAX_AMOUNT).any():
        return True
    # "1,234" (1–3 digits, separator, exactly 3 decimals) is ambiguous in the text rules.
    window = (a >= 1) & (a < 1000)
    if not window.any():
        return False
    x = a[window]
    three = np.abs(x * 1000 - np.rint(x * 1000)) < 1e-6
    two = np.abs(x * 100 - np.rint(x * 100)) < 1e-6
    return bool((three & ~two).any())
