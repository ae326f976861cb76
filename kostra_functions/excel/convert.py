"""Cell values to Python and back, in one place.

Every face hands us cell values in its own shape: xlwings gives ``float``/``str``/``bool``/``None``
and nested lists for ranges (errors as strings such as ``"#N/A"`` when read with ``err_to_str``);
the ``formulas`` engine gives numpy arrays, ``XlError`` objects and its ``EMPTY`` marker (the
engine bridge turns those into the plain values below before calling us). This module turns those
plain values into what the library needs, or raises a :mod:`kostra_functions.errors` exception with
a Norwegian message that names the argument:

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kostra_functions.errors import (
    InvalidArgumentError,
    KostraError,
    MissingArgumentError,
)

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


def is_blank(value: Any) -> bool:
    """True for an empty cell: ``None``, an empty or all-whitespace string."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def _reject_error(value: Any, arg: str) -> None:
    err = as_excel_error(value)
    if err is not None:
        raise InvalidArgumentError(
            f"Argumentet «{arg}» inneholder feilverdien {err.norwegian}. Rett feilen i cellen det "
            "viser til først."
        )


def unwrap_single(value: Any, arg: str) -> Any:
    """A 1×1 range (``[[x]]``, ``[x]``, 1-element array) is its single value; a larger one is an error."""
    while isinstance(value, (list, tuple)) or _is_ndarray(value):
        flat = list(_iter_flat(value))
        if len(flat) != 1:
            raise InvalidArgumentError(
                f"Argumentet «{arg}» skal være én celle, men er et område med {len(flat)} celler."
            )
        value = flat[0]
    return value


def _is_ndarray(value: Any) -> bool:
    return type(value).__name__ == "ndarray"


def _iter_flat(value: Any) -> Iterable[Any]:
    if _is_ndarray(value):
        yield from value.ravel().tolist()
        return
    for item in value:
        if isinstance(item, (list, tuple)) or _is_ndarray(item):
            yield from _iter_flat(item)
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
    _reject_error(value, arg)
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
    _reject_error(value, arg)
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
    _reject_error(value, arg)
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
    _reject_error(value, arg)
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


def to_date(value: Any, arg: str, *, optional: bool = False) -> date | None:
    """A cell value as a date: an Excel serial number, a date, or text ``dd.mm.åååå`` / ``åååå-mm-dd``."""
    value = unwrap_single(value, arg)
    if is_blank(value):
        if optional:
            return None
        raise MissingArgumentError(f"Argumentet «{arg}» mangler (cellen er tom).")
    _reject_error(value, arg)
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


def to_table(value: Any, arg: str) -> list[list[Any]]:
    """A range as a list of rows (2-D). A single value is a 1×1 table; a 1-D list is one row."""
    if _is_ndarray(value):
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


def table_to_excel(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Rows for a dynamic-array return: ``None`` stays blank, numpy scalars become floats."""
    out: list[list[Any]] = []
    for row in rows:
        out_row = []
        for cell in row:
            if cell is None or isinstance(cell, (str, bool, ExcelError)):
                out_row.append(cell)
            elif isinstance(cell, float) and math.isnan(cell):
                out_row.append(None)
            elif hasattr(cell, "__float__"):
                out_row.append(float(cell))
            else:
                out_row.append(str(cell))
        out.append(out_row)
    return out
