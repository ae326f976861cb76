"""Cell references of a worksheet: ``A1`` and (row, column), and rectangular areas (:class:`Area`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

#: The last row and column of a worksheet (Excel 2007 and later).
MAX_ROW = 1_048_576
MAX_COL = 16_384


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


@functools.lru_cache(maxsize=4096)
def col_to_index(letters: str) -> int:
    """``"A"`` → 1, ``"AA"`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def index_to_col(index: int) -> str:
    """1 → ``"A"``, 27 → ``"AA"``."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_ref(ref: str) -> tuple[int, int]:
    """``"B3"`` → ``(3, 2)`` (row, column), both 1-based."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_to_index(m.group(1))


def make_ref(row: int, col: int) -> str:
    return f"{index_to_col(col)}{row}"


@dataclass(frozen=True)
class Area:
    """A rectangle of cells, 1-based and inclusive."""

    top: int
    left: int
    bottom: int
    right: int

    @classmethod
    def parse(cls, ref: str) -> Area:
        first, _, last = ref.partition(":")
        r1, c1 = parse_ref(first)
        r2, c2 = parse_ref(last) if last else (r1, c1)
        return cls(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    @classmethod
    def at(cls, row: int, col: int, rows: int = 1, cols: int = 1) -> Area:
        return cls(row, col, row + rows - 1, col + cols - 1)

    @property
    def ref(self) -> str:
        first = make_ref(self.top, self.left)
        if self.top == self.bottom and self.left == self.right:
            return first
        return f"{first}:{make_ref(self.bottom, self.right)}"

    @property
    def shape(self) -> tuple[int, int]:
        return self.bottom - self.top + 1, self.right - self.left + 1

    def cells(self) -> Iterator[tuple[int, int]]:
        for r in range(self.top, self.bottom + 1):
            for c in range(self.left, self.right + 1):
                yield r, c

    def __contains__(self, pos: object) -> bool:
        if not isinstance(pos, tuple) or len(pos) != 2:
            return False
        r, c = pos
        return self.top <= r <= self.bottom and self.left <= c <= self.right

    def intersects(self, other: Area) -> bool:
        return not (
            other.left > self.right or other.right < self.left or other.top > self.bottom
            or other.bottom < self.top
        )

    def within_sheet(self) -> bool:
        return self.top >= 1 and self.left >= 1 and self.bottom <= MAX_ROW and self.right <= MAX_COL
