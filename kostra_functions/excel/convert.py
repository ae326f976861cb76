"""Excel arguments to Python values, and errors back to cells.

Every face hands us cell values in its own shape: xlwings gives ``float``/``str``/``bool``/``None``
and nested lists for ranges (errors as strings such as ``"#N/A"`` when read with ``err_to_str``);
the ``formulas`` engine gives numpy arrays, ``XlError`` objects and its ``EMPTY`` marker (the
engine bridge turns those into the plain values below before calling us). This module turns those
plain values into the arguments the library's functions take, or raises a
:mod:`kostra_functions.errors` exception with a Norwegian message that names the argument
(cell values themselves, amounts and dates are read by :mod:`kostra_functions.cells`):

* numbers: ``1234.5``, ``"1 234,50"``, ``"1.234,50"``, ``"1,234.50"``, ``"kr 1 234,-"``,
  ``"(1 234)"``, ``"1234-"`` (trailing minus as in some Agresso exports), Unicode minus;
  an ambiguous ``"1.234"`` / ``"1,234"`` is refused rather than guessed;
* codes: ``202``, ``202.0``, ``" 202 "`` and ``"202"`` are all the code ``"202"``; an art typed as
  ``10`` gets its lost leading zero back (``"010"``) because codes have a fixed width;
* blanks (``None``, ``""``) and Excel error values (:class:`ExcelError`) are never read as 0.
"""

from __future__ import annotations

import math
import re
from typing import Any

from kostra_functions.cells import (
    ERROR_CODES,
    MAX_AMOUNT,
    ExcelError,
    as_excel_error,
    is_blank,
    is_ndarray,
    parse_amount_text,
    reject_error,
    to_date,
    to_number,
    unwrap_single,
)
from kostra_functions.errors import (
    InvalidArgumentError,
    KostraError,
    MissingArgumentError,
)

# Cell values (kostra_functions.cells) are named here too: the faces convert arguments with them.
__all__ = [
    "CELL_LIMIT",
    "ERROR_CODES",
    "MAX_AMOUNT",
    "QUOTE_LIMIT",
    "REASON_LIMIT",
    "ExcelError",
    "as_excel_error",
    "cell_text",
    "error_from_exception",
    "is_blank",
    "parse_amount_text",
    "reason_text",
    "to_bool",
    "to_code",
    "to_date",
    "to_int",
    "to_number",
    "to_number_list",
    "to_table",
    "to_text",
    "unwrap_single",
]

#: A reason longer than this is shortened (a cell holds 32 767 characters; a reason quoting a whole
#: pasted text would not fit, and nobody reads it): quoted values over :data:`QUOTE_LIMIT` characters
#: keep their start and end.
REASON_LIMIT = 2000
QUOTE_LIMIT = 80
_QUOTED = re.compile(r"«([^«»]*)»")


def _shorten_quote(match: re.Match[str]) -> str:
    text = match.group(1)
    if len(text) <= QUOTE_LIMIT:
        return match.group(0)
    keep = QUOTE_LIMIT // 2 - 2
    return f"«{text[:keep]} … {text[-keep:]}» ({len(text)} tegn)"


def reason_text(exc: BaseException) -> str:
    """The Norwegian reason of an error as a cell shows it: quoted long values shortened."""
    text = str(exc)
    if len(text) <= QUOTE_LIMIT:
        return text
    text = _QUOTED.sub(_shorten_quote, text)
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


#: The most characters an Excel cell holds.
CELL_LIMIT = 32_767


def cell_text(text: str) -> str:
    """Text answered into a cell, within Excel's 32 767 characters: an answer quoting a pasted
    cell-full of text has its long quotes shortened (as :func:`reason_text` does), and is cut at
    the limit only if that is not enough."""
    if len(text) <= CELL_LIMIT:
        return text
    text = _QUOTED.sub(_shorten_quote, text)
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "…"


def error_from_exception(exc: KostraError) -> ExcelError:
    """The Excel error value a face shows for a library exception."""
    return ExcelError(exc.excel_error, reason_text(exc))


def to_int(
    value: Any, arg: str, *, optional: bool = False, default: int | None = None
) -> int:
    """A cell value as a whole number (period, year). ``3.0`` and ``"3"`` are 3; ``3.5`` is an error."""
    if type(value) is float and value.is_integer() and -MAX_AMOUNT <= value <= MAX_AMOUNT:
        return int(value)
    number = to_number(value, arg, optional=optional, default=None)
    if number is None:
        return default  # type: ignore[return-value]
    if number != int(number):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et heltall, ikke {number:g}.")
    return int(number)


def to_code(value: Any, arg: str, *, width: int = 3, optional: bool = False) -> str | None:
    """A cell value as a fixed-width digit code (function, art, ansvar …).

    ``202``, ``202.0``, ``"202"`` and ``" 202 "`` give ``"202"``. A number shorter than ``width``
    gets its leading zeros back (Excel drops them: art ``010`` typed as a number arrives as 10).
    Text is kept as typed (so ``"10"`` as text is refused for a 3-digit code rather than guessed).
    """
    t = type(value)
    if t is str:  # fast path: digits of the right width
        text = value.strip()
        if len(text) == width and text.isdigit() and text.isascii():
            return text
    elif t is float:
        if value >= 0 and value.is_integer():
            text = str(int(value)).zfill(width)
            if len(text) == width:
                return text
    elif value is None and optional:
        return None
    value = unwrap_single(value, arg)
    if is_blank(value):
        if optional:
            return None
        raise MissingArgumentError(f"Argumentet «{arg}» mangler (cellen er tom).")
    reject_error(value, arg)
    if isinstance(value, bool):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være en kode, ikke SANN/USANN.")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidArgumentError(f"Argumentet «{arg}» er ikke et endelig tall, og derfor ingen kode.")
        if isinstance(value, float) and (value != int(value) or value < 0):
            raise InvalidArgumentError(f"Argumentet «{arg}» ({value:g}) er ikke en gyldig kode.")
        if value < 0:
            raise InvalidArgumentError(f"Argumentet «{arg}» ({value}) er ikke en gyldig kode.")
        text = str(int(value)).zfill(width)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    else:
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være en kode, ikke {type(value).__name__}.")
    if not text.isdigit() or not text.isascii():
        raise InvalidArgumentError(
            f"«{text}» i argumentet «{arg}» er ikke en gyldig kode: den skal bare ha sifre."
        )
    if len(text) != width:
        raise InvalidArgumentError(
            f"«{text}» i argumentet «{arg}» har {len(text)} sifre; koden skal ha {width} sifre."
        )
    return text


def to_text(value: Any, arg: str, *, optional: bool = False, default: str | None = None) -> str:
    """A cell value as stripped text; numbers that are whole become their digits (``202.0`` → ``"202"``)."""
    if type(value) is str:  # fast path: text that is neither blank nor an error value (#…)
        text = value.strip()
        if text and text[0] != "#":
            return text
    elif value is None and optional:
        return default  # type: ignore[return-value]
    value = unwrap_single(value, arg)
    if is_blank(value):
        if optional:
            return default  # type: ignore[return-value]
        raise MissingArgumentError(f"Argumentet «{arg}» mangler (cellen er tom).")
    reject_error(value, arg)
    if isinstance(value, bool):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være tekst, ikke SANN/USANN.")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise InvalidArgumentError(f"Argumentet «{arg}» er ikke et endelig tall.")
        if value == int(value):
            return str(int(value))
        return repr(value)
    return str(value).strip()


def to_bool(value: Any, arg: str, *, optional: bool = False, default: bool | None = None) -> bool:
    """A cell value as a truth value: SANN/USANN, TRUE/FALSE, ja/nei, 1/0."""
    value = unwrap_single(value, arg)
    if is_blank(value):
        if optional:
            return default  # type: ignore[return-value]
        raise MissingArgumentError(f"Argumentet «{arg}» mangler (cellen er tom).")
    reject_error(value, arg)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("sann", "true", "ja", "j", "x", "1"):
            return True
        if word in ("usann", "false", "nei", "n", "0"):
            return False
    raise InvalidArgumentError(f"Argumentet «{arg}» skal være SANN eller USANN, ikke «{value}».")


def to_table(value: Any, arg: str) -> list[list[Any]]:
    """A range as a list of rows (2-D). A single value is a 1×1 table; a 1-D list is one row."""
    if is_ndarray(value):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if not value:
        raise InvalidArgumentError(f"Området i argumentet «{arg}» er tomt.")
    if not isinstance(value[0], (list, tuple)):
        return [list(value)]
    if set(map(type, value)) == {list}:
        rows = list(value)  # the rows themselves are not copied: the functions only read a range
    else:
        rows = list(map(list, value))
    if len(set(map(len, rows))) != 1:
        raise InvalidArgumentError(f"Området i argumentet «{arg}» har rader med ulik lengde.")
    return rows


def to_number_list(value: Any, arg: str) -> list[float]:
    """A one-row or one-column range of numbers (e.g. a 12-month profile), every cell required."""
    rows = to_table(value, arg)
    if len(rows) > 1 and len(rows[0]) > 1:
        raise InvalidArgumentError(
            f"Argumentet «{arg}» skal være én rad eller én kolonne, men er {len(rows)}×{len(rows[0])}."
        )
    flat = [cell for row in rows for cell in row]
    return [to_number(cell, f"{arg}[{i + 1}]") for i, cell in enumerate(flat)]
