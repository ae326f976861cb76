"""Where a ledger's data comes from, and the problems found in it, raised together with their rows.

:class:`Problems` collects what is wrong with the rows and raises one
:class:`~kostra_functions.errors.LedgerFormatError` listing up to :data:`MAX_REPORTED` of them, each
with its rows (:func:`rows_text`) and column. :func:`code_widths` gives the rule set's code widths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kostra_functions import formatting
from kostra_functions.errors import LedgerFormatError
from kostra_functions.rulesets import RuleSet, load_ruleset
from kostra_functions.tables.headers import Column

#: At most this many problems are listed in one error message (the count of the rest is given).
MAX_REPORTED = 20


def rows_text(rows: Sequence[int], total: int | None = None, shown: int = 5) -> str:
    """Row numbers as a Norwegian message names them: «rad 3», «rad 3, 4 og 7», or the first
    ``shown`` and how many more («rad 2, 3, 4, 5, 6 og 12 rader til»)."""
    total = len(rows) if total is None else total
    first = [str(r) for r in list(rows)[:shown]]
    if total == 1:
        return f"rad {first[0]}"
    if total <= shown:
        return "rad " + ", ".join(first[:-1]) + " og " + first[-1]
    return f"rad {', '.join(first)} og {formatting.whole(total - len(first))} rader til"



@dataclass
class Source:
    """Where data comes from, for messages: a file (and sheet) or a range label."""

    label: str
    path: str
    sheet: str | None = None

    def where(self) -> str:
        """The source as a message names it: ``fil.xlsx, ark «Hovedbok»``."""
        return f"{self.label}, ark «{self.sheet}»" if self.sheet else self.label


@dataclass
class Problems:
    """Problems found in the rows; raised together as one LedgerFormatError."""

    source: Source
    items: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0

    def add(self, rows: Sequence[int] | np.ndarray, column: Column | None, message: str) -> None:
        """Record ``message`` for ``rows`` (and ``column``); nothing when ``rows`` is empty."""
        rows = [int(r) for r in rows]
        if not rows:
            return
        where = rows_text(rows)
        if column is not None:
            where += ", " + column.describe()
        self.items.append((rows[0], f"{where}: {message}"))
        self.total += 1

    def raise_if_any(self) -> None:
        """Raise every problem found, sorted by row, as one LedgerFormatError (none: return)."""
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])
        lines = [text for _, text in self.items[:MAX_REPORTED]]
        if self.total == 1:
            message = lines[0]
        else:
            message = f"{self.total} feil:\n  " + "\n  ".join(lines)
            if self.total > MAX_REPORTED:
                message += f"\n  … og {self.total - MAX_REPORTED} feil til."
        raise LedgerFormatError(message, where=self.source.where())


def source_error(source: Source, message: str) -> LedgerFormatError:
    """The error for a problem with the whole source (not particular rows), located at ``source``."""
    return LedgerFormatError(message, where=source.where())


@dataclass(frozen=True)
class Widths:
    """The rule set's code widths (digits) and the first digit of a drift and an investering art."""

    art: int
    ansvar: int
    funksjon: int
    prosjekt: int
    art_first: tuple[str, str]  # (drift, investering)


def code_widths(ruleset: str | RuleSet | None) -> Widths:
    """The code widths of ``ruleset`` (default ``oslo_bydel``)."""
    rs = load_ruleset(ruleset)
    return Widths(
        art=int(rs.get("kontostreng.art.siffer")),
        ansvar=int(rs.get("kontostreng.ansvar.siffer")),
        funksjon=int(rs.get("kontostreng.funksjon.siffer")),
        prosjekt=int(rs.get("kontostreng.prosjekt.siffer")),
        art_first=(str(rs.get("kontostreng.art.drift_forste_siffer")),
                   str(rs.get("kontostreng.art.investering_forste_siffer"))),
    )

