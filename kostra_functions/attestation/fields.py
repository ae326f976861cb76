"""Cells of a register or voucher-list row turned into values, with every problem collected.

Reading a file (:mod:`kostra_functions.attestation.reading`) gives rows of raw cells; building the
register or the voucher list turns each cell into text, an amount or a list, and collects every
problem with its cell in :class:`CellErrors`, so the user sees all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kostra_functions.cells import as_excel_error, is_blank, to_number
from kostra_functions.errors import KostraError, LedgerFormatError

#: How a normalised column name is written in messages (``belop`` → ``beløp``).
DISPLAY_NAMES = {"belop": "beløp", "belopsgrense": "beløpsgrense", "naerstaende": "nærstående"}
_MAX_LISTED_ERRORS = 25


def require_columns(
    header: Iterable[str],
    columns: dict[str, bool],
    source: str,
    what: str,
    alternatives: dict[str, str] | None = None,
) -> None:
    """Refuse a table that lacks a required column of ``columns`` (column → required), naming what
    was found; ``alternatives`` maps a column to another that may stand in for it."""
    present = set(header)
    missing = [
        c
        for c, required in columns.items()
        if required and c not in present and not (alternatives and alternatives.get(c) in present)
    ]
    if missing:
        names = ", ".join(f"«{DISPLAY_NAMES.get(c, c)}»" for c in missing)
        found = ", ".join(f"«{h}»" for h in header if h) or "(ingen)"
        raise LedgerFormatError(
            f"{what} {source} mangler kolonnene {names}. Fant kolonnene {found}. "
            "Se formatet i dokumentasjonen (kostra_functions/attestation/__init__.py)."
        )


class CellErrors:
    """The problems found in a table, each with its cell; raised together (at most 25 listed)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        """Note a problem at ``where`` (a cell reference)."""
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        """Raise :class:`LedgerFormatError` listing the problems, if there are any."""
        if not self.items:
            return
        shown = self.items[:_MAX_LISTED_ERRORS]
        more = len(self.items) - len(shown)
        text = "\n  ".join(shown) + (f"\n  … og {more} feil til" if more > 0 else "")
        raise LedgerFormatError(
            f"{self.what} har {len(self.items)} feil; ingenting er kontrollert:\n  {text}"
        )


def cell_text(value: Any, ref: str, errors: CellErrors, missing: str | None = None) -> str | None:
    """A cell as stripped text; blank is None (an error ``missing`` when given)."""
    if is_blank(value):
        if missing:
            errors.add(ref, missing)
        return None
    err = as_excel_error(value)
    if err is not None:
        errors.add(ref, f"cellen inneholder feilverdien {err.norwegian}")
        return None
    if isinstance(value, bool):
        errors.add(ref, "cellen inneholder SANN/USANN, ikke tekst")
        return None
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip()


def cell_amount(value: Any, ref: str, errors: CellErrors, *, required: bool) -> float | None:
    """A cell as an amount in kroner («12 500,00» accepted); blank is None (an error when ``required``)."""
    if is_blank(value):
        if required:
            errors.add(ref, "beløpet mangler")
        return None
    try:
        return to_number(value, "beløp")
    except KostraError as exc:
        errors.add(ref, exc.message)
        return None


def split_list(text: str | None) -> list[str]:
    """A cell's comma-, semicolon- or line-separated items, stripped, blanks left out."""
    if not text:
        return []
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]

