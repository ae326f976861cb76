"""The records of an SSB file as columns: every field sliced once, amounts parsed once (numpy).

The controls look at the same fields of every record many times; slicing 200 000 strings field by
field in Python for each control is what made the controls slow. :func:`record_table` turns the
record texts into one ``(n, 48)`` array of code points, slices each field out as a numpy string
column, and parses the amount field without a Python loop, following SSB's rule for a valid amount
(control 014, ``kravspesifikasjon/felles_regnskap.md``: blanks, an optional minus sign, then one or
more digits to the end of the field). ``-0`` and ``00`` are valid amounts equal to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kostra_functions.ssb_file import FIELDS, RECORD_LENGTH

_SPACE, _MINUS, _ZERO, _NINE = 32, 45, 48, 57
_AMOUNT = next((start - 1, end) for name, start, end in FIELDS if name == "belop")
_WEIGHTS = 10 ** np.arange(_AMOUNT[1] - _AMOUNT[0] - 1, -1, -1, dtype=np.int64)


@dataclass(frozen=True)
class RecordTable:
    """Columns of an SSB file: ``line`` numbers, record ``length``, one string column per field.

    ``fields`` holds the fields of :data:`kostra_functions.ssb_file.FIELDS` as they are written
    (padded with blanks); ``code`` is funksjon/kapittel without the padding. ``amount`` is the beløp
    in 1000 kr (0 where the field is not a valid integer) and ``amount_ok`` says whether it is valid.
    """

    line: np.ndarray
    length: np.ndarray
    fields: dict[str, np.ndarray]
    amount: np.ndarray
    amount_ok: np.ndarray

    def __len__(self) -> int:
        return int(self.line.shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.fields[name]

    def subset(self, mask: np.ndarray) -> RecordTable:
        return RecordTable(self.line[mask], self.length[mask],
                           {k: v[mask] for k, v in self.fields.items()},
                           self.amount[mask], self.amount_ok[mask])


def record_table(lines: Sequence[int], texts: Sequence[str]) -> RecordTable:
    """The :class:`RecordTable` of record ``texts`` with their 1-based line numbers."""
    n = len(texts)
    length = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    chars = np.array(texts, dtype=f"U{RECORD_LENGTH}").reshape(n)
    grid = chars.view(np.uint32).reshape(n, RECORD_LENGTH).copy()
    grid[grid == 0] = _SPACE  # short records: padded with blanks (control 001 reports them)
    fields = {}
    for name, start, end in FIELDS:
        width = end - start + 1
        fields[name] = np.ascontiguousarray(grid[:, start - 1:end]).view(f"U{width}").reshape(n)
    fields["code"] = np.char.strip(fields["funksjon_kapittel"])
    amount, ok = _amounts(grid[:, _AMOUNT[0]:_AMOUNT[1]])
    return RecordTable(np.asarray(lines, dtype=np.int64), length, fields, amount, ok)


def _amounts(field: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, valid) for every amount field: `` *-?[0-9]+`` filling the field to its end."""
    n, width = field.shape
    digit = (field >= _ZERO) & (field <= _NINE)
    blank = field == _SPACE
    first = np.where(blank.all(axis=1), width, np.argmin(blank, axis=1))  # first non-blank
    rows = np.arange(n)
    at_first = field[rows, np.minimum(first, width - 1)]
    negative = (first < width) & (at_first == _MINUS)
    start = first + negative
    # digits_to_end[r, j]: every character from j to the end of the field is a digit
    digits_to_end = np.flip(np.cumprod(np.flip(digit, axis=1), axis=1), axis=1).astype(bool)
    ok = (start < width) & digits_to_end[rows, np.minimum(start, width - 1)]
    values = np.where(digit, field.astype(np.int64) - _ZERO, 0) @ _WEIGHTS
    values = np.where(ok, np.where(negative, -values, values), 0)
    return values, ok
