"""A cell's value as the library reads it: blanks, Excel error values, amounts, dates.

The bottom layer for cell values, owned by the library (the ledger and voucher readers use it as
much as the Excel faces do). A value arrives plain: ``float``/``int``/``str``/``bool``/``None``,
``datetime``/``date``, an :class:`ExcelError`, or a range as nested lists. This module says
whether it is blank or an error value and parses amounts and dates, or raises a
:mod:`kostra_functions.errors` exception with a Norwegian message naming the argument:

* numbers: ``1234.5``, ``"1 234,50"``, ``"1.234,50"``, ``"1,234.50"``, ``"kr 1 234,-"``,
  ``"(1 234)"``, ``"1234-"`` (trailing minus as in some Agresso exports), Unicode minus;
  an ambiguous ``"1.234"`` / ``"1,234"`` is refused rather than guessed;
* blanks (``None``, ``""``) and Excel error values (:class:`ExcelError`) are never read as 0.

The conversion of whole Excel arguments (codes, text, truth values, ranges) is
:mod:`kostra_functions.excel.convert`, built on this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kostra_functions.errors import InvalidArgumentError, MissingArgumentError

#: Excel's error values, English spelling (what files store) and the Norwegian display names.
ERROR_CODES: dict[str, str] = {
    "#NULL!": "#NULL!",
    "#DIV/0!": "#DIV/0!",
    "#VALUE!": "#VERDI!",
    "#REF!": "#REF!",
    "#NAME?": "#NAVN?",
    "#NUM!": "#NUM!",
    "#N/A": "#I/T",
    "#GETTING_DATA": "#GETTING_DATA",
    "#SPILL!": "#SPILL!",
    "#CALC!": "#CALC!",
}
_ERROR_BY_ANY_SPELLING = {**{k: k for k in ERROR_CODES}, **{v: k for k, v in ERROR_CODES.items()}}

#: The largest amount we accept (kroner). Larger values are almost surely a unit or paste mistake,
#: and floats lose øre precision far below float's own limit (2**53 øre ≈ 90 000 mill. kr).
MAX_AMOUNT = 1e13


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value, either received from a cell or returned to one.

    ``code`` is the English spelling stored in files (``"#VALUE!"``); ``message`` is our Norwegian
    explanation when we produced the error.
    """

    code: str
    message: str = ""

    def __str__(self) -> str:
        return self.code

    @property
    def norwegian(self) -> str:
        return ERROR_CODES.get(self.code, self.code)


def as_excel_error(value: Any) -> ExcelError | None:
    """The :class:`ExcelError` a raw value stands for, or ``None`` when it is not an error."""
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, str) and value.strip().upper() in _ERROR_BY_ANY_SPELLING:
        return ExcelError(_ERROR_BY_ANY_SPELLING[value.strip().upper()])
    return None


def is_blank(value: Any) -> bool:
    """True for an empty cell: ``None``, an empty or all-whitespace string."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def reject_error(value: Any, arg: str) -> None:
    """Raise :class:`InvalidArgumentError` naming ``arg`` when ``value`` is an Excel error value."""
    err = as_excel_error(value)
    if err is not None:
        raise InvalidArgumentError(
            f"Argumentet «{arg}» inneholder feilverdien {err.norwegian}. Rett feilen i cellen det "
            "viser til først."
        )


def unwrap_single(value: Any, arg: str) -> Any:
    """A 1×1 range (``[[x]]``, ``[x]``, 1-element array) is its single value; a larger one is an error."""
    while isinstance(value, (list, tuple)) or is_ndarray(value):
        flat = list(iter_flat(value))
        if len(flat) != 1:
            raise InvalidArgumentError(
                f"Argumentet «{arg}» skal være én celle, men er et område med {len(flat)} celler."
            )
        value = flat[0]
    return value


def is_ndarray(value: Any) -> bool:
    """True for a numpy array, without importing numpy."""
    return type(value).__name__ == "ndarray"


def iter_flat(value: Any) -> Iterable[Any]:
    """The cells of a range (nested lists/tuples or a numpy array), row by row."""
    if is_ndarray(value):
        yield from value.ravel().tolist()
        return
    for item in value:
        if isinstance(item, (list, tuple)) or is_ndarray(item):
            yield from iter_flat(item)
        else:
            yield item


_CURRENCY = re.compile(r"(?i)^(?:nok|kr\.?)\s*|\s*(?:nok|kr\.?|,-|\.-)$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_GROUP_SPLIT = re.compile(r"[\s\u00a0\u202f\u2009']+")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_amount_text(text: str, arg: str = "beløp") -> float:
    """Parse a number written as text, Norwegian or English style, or raise with the reason.

    >>> parse_amount_text("1 234,50")
    1234.5
    >>> parse_amount_text("-1.234.567,89")
    -1234567.89
    >>> parse_amount_text("kr 12 500,-")
    12500.0
    """
    original = text
    s = text.strip().replace("\u2212", "-").replace("\u2013", "-")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    for _ in range(2):
        s = _CURRENCY.sub("", s).strip()
    if s.endswith("-") and len(s) > 1 and s[-2].isdigit():
        negative, s = not negative, s[:-1]
    if s.startswith(("-", "+")):
        negative ^= s[0] == "-"
        s = s[1:].strip()
    s = _CURRENCY.sub("", s).strip()

    def bad(reason: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"«{original}» i argumentet «{arg}» er ikke et tall: {reason}.")

    spaced = s
    s = _SPACES.sub("", s)
    if not s:
        raise bad("det er ingen sifre")
    if not re.fullmatch(r"[0-9.,eE+-]+", s):
        raise bad("teksten inneholder tegn som ikke hører til et beløp")
    if not any(ch.isdigit() for ch in s):  # «.», «,» or «-,-» alone is no amount, not 0
        raise bad("det er ingen sifre")
    if spaced != s:
        # spaces (or ') only as thousands separators: "12 34,50" or "1 2 3" are two or three numbers
        # in one cell, not 1234,50 or 123
        groups = _GROUP_SPLIT.split(spaced)
        last = re.match(r"\d*", groups[-1])
        if not (1 <= len(groups[0]) <= 3 and groups[0].isdigit()
                and all(len(g) == 3 and g.isdigit() for g in groups[1:-1])
                and last is not None and len(last.group()) == 3):
            raise bad("mellomrommene (tusenskille) står på feil sted")
    if "e" in s.lower():
        if not _PLAIN_NUMBER.match(s):
            raise bad("ugyldig tallformat")
        number = float(s)
    else:
        dots, commas = s.count("."), s.count(",")
        if dots and commas:
            decimal = "," if s.rfind(",") > s.rfind(".") else "."
            thousands = "." if decimal == "," else ","
            if s.count(decimal) > 1:
                raise bad("desimaltegnet står flere ganger")
            int_part, frac = s.split(decimal)
            if not _valid_grouping(int_part, thousands):
                raise bad("tusenskilletegnene står på feil sted")
            number = float(int_part.replace(thousands, "") + "." + frac)
        elif dots > 1 or commas > 1:
            sep = "." if dots else ","
            if not _valid_grouping(s, sep):
                raise bad("tusenskilletegnene står på feil sted")
            number = float(s.replace(sep, ""))
        elif dots == 1 or commas == 1:
            sep = "." if dots else ","
            int_part, frac = s.split(sep)
            if len(frac) == 3 and int_part not in ("", "0") and len(int_part) <= 3:
                raise bad(
                    f"det er uklart om «{sep}» er desimaltegn eller tusenskille; skriv for eksempel "
                    f"{int_part}{frac} eller {int_part},{frac}0"
                )
            if not frac.isdigit() and frac != "":
                raise bad("ugyldig tallformat")
            number = float((int_part or "0") + "." + (frac or "0"))
        else:
            if not s.isdigit():
                raise bad("ugyldig tallformat")
            number = float(s)
    return -number if negative else number


def _valid_grouping(int_part: str, sep: str) -> bool:
    groups = int_part.split(sep)
    return (
        1 <= len(groups[0]) <= 3
        and groups[0].isdigit()
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


def to_number(value: Any, arg: str, *, optional: bool = False, default: float | None = None) -> float:
    """A cell value as a finite float (kroner, periods, shares).

    Blank: ``default`` when ``optional``, else :class:`MissingArgumentError`. Booleans, dates,
    error values, NaN/inf and amounts beyond :data:`MAX_AMOUNT` are refused with a reason.
    """
    # Fast path for what Excel passes most (a float cell); NaN fails the comparison and goes on.
    t = type(value)
    if t is float or t is int:
        if -MAX_AMOUNT <= value <= MAX_AMOUNT:
            return float(value)
    elif value is None and optional:
        return default  # type: ignore[return-value]
    value = unwrap_single(value, arg)
    if is_blank(value):
        if optional:
            return default  # type: ignore[return-value]
        raise MissingArgumentError(f"Argumentet «{arg}» mangler (cellen er tom).")
    reject_error(value, arg)
    if isinstance(value, bool):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et tall, ikke SANN/USANN.")
    if isinstance(value, (datetime, date)):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et tall, ikke en dato ({value:%d.%m.%Y}).")
    if isinstance(value, str):
        number = parse_amount_text(value, arg)
    elif isinstance(value, (int, float)) or hasattr(value, "__float__"):
        number = float(value)
    else:
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et tall, ikke {type(value).__name__}.")
    if math.isnan(number) or math.isinf(number):
        raise InvalidArgumentError(f"Argumentet «{arg}» er ikke et endelig tall.")
    if abs(number) > MAX_AMOUNT:
        raise InvalidArgumentError(
            f"Argumentet «{arg}» er urimelig stort ({number:.4g}); beløp over 10 000 mrd. kr godtas ikke."
        )
    return number


def to_date(value: Any, arg: str, *, optional: bool = False) -> date | None:
    """A cell value as a date: an Excel serial number, a date, or text ``dd.mm.åååå`` / ``åååå-mm-dd``."""
    value = unwrap_single(value, arg)
    if is_blank(value):
        if optional:
            return None
        raise MissingArgumentError(f"Argumentet «{arg}» mangler (cellen er tom).")
    reject_error(value, arg)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466 or value != int(value):
            raise InvalidArgumentError(f"Argumentet «{arg}» ({value:g}) er ikke en gyldig dato.")
        from datetime import timedelta

        # Excel's 1900 system counts the non-existent 29.02.1900; serials from 61 on are shifted.
        return date(1899, 12, 30) + timedelta(days=int(value))
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise InvalidArgumentError(
        f"«{value}» i argumentet «{arg}» er ikke en dato; skriv for eksempel 31.12.2023."
    )
