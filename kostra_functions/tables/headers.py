"""Header rows: header cells normalised for matching, duplicate columns, and cells named in messages.

Two normalisations exist because two kinds of table use them: :func:`normalise_header` (only a–z
and 0–9, for exports whose headers vary: ``Beløp (kr)`` → ``belopkr``) and the rule-set key of
:func:`kostra_functions.authority.normalise_key` (``Person id`` → ``person_id``), which
:func:`unique_headers` takes as its ``normalise`` argument for the attestation lists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kostra_functions.cells import is_blank
from kostra_functions.errors import LedgerFormatError


def normalise_header(text: Any) -> str:
    """A header cell reduced for matching: lower case, no accents, only a–z and 0–9.

    >>> normalise_header(" Beløp (kr) "), normalise_header("Justert  budsjett"), normalise_header("ÅR")
    ('belopkr', 'justertbudsjett', 'ar')
    """
    s = "" if text is None else str(text)
    s = s.lower().replace("ø", "o").replace("æ", "ae").replace("œ", "oe").replace("ß", "ss")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", s)


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 → ``A``, 26 → ``AA``).

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def show(value: Any, limit: int = 40) -> str:
    """A cell value for a message: control characters removed, long text cut.

    >>> show("  =HYPERLINK(\\"x\\")\\n"), show("a" * 50, 10)
    ('=HYPERLINK("x")', 'aaaaaaaaa…')
    """
    text = str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Column:
    """One column of the source that feeds a canonical column."""

    name: str  # canonical
    header: str  # as written
    index: int  # 0-based position in the source

    def describe(self) -> str:
        """The column as a message names it: ``kolonne «Beløp» (F)``."""
        return f"kolonne «{show(self.header)}» ({column_letter(self.index)})"


def unique_headers(cells: Sequence[Any], *, normalise: Callable[[str], str], source: str, where: str
                   ) -> list[str]:
    """A header row as normalised names (``""`` for a blank cell); two columns that normalise alike are
    refused with :class:`LedgerFormatError` (never one of them silently). ``source`` and ``where``
    begin the message (``«bilag.csv»``, ``overskriftsraden (rad 1)``)."""
    header = [normalise(str(c)) if not is_blank(c) else "" for c in cells]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        if h in seen:
            raise LedgerFormatError(
                f"{source} {where}: kolonnene «{str(cells[seen[h]]).strip()}» (nr. {seen[h] + 1}) og "
                f"«{str(cells[i]).strip()}» (nr. {i + 1}) betyr det samme; fjern eller gi nytt navn til den "
                "som ikke skal brukes."
            )
        seen[h] = i
    return header
