"""Values as Excel's standard functions see them, for the corrected functions of
:mod:`~kostra_functions.engine.stdfunctions`: error values, numbers, text and ranges told apart,
arguments typed directly converted, and a function's errors made its result (:func:`safe`)."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

import formulas.functions as ff
import numpy as np
import schedula as sh
from formulas.tokens.operand import Error, XlError

VALUE = Error.errors["#VALUE!"]
DIV0 = Error.errors["#DIV/0!"]
NUM = Error.errors["#NUM!"]

_NUMBER_TEXT = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


class Found(Exception):
    """An error value met while reading arguments; :func:`safe` makes it the function's result."""

    def __init__(self, err: XlError) -> None:
        self.err = err


def is_ranges(value: Any) -> bool:
    """Whether ``value`` is a reference as formulas passes it (its ``Ranges``)."""
    return type(value).__name__ == "Ranges"


def is_text(value: Any) -> bool:
    """Text in a cell (formulas' blank marker and error values are str subclasses, not text)."""
    return isinstance(value, str) and not isinstance(value, sh.Token)


def is_number(value: Any) -> bool:
    """A number in a cell (a logical value is not one)."""
    numeric = isinstance(value, (int, float, np.integer, np.floating))
    return numeric and not isinstance(value, (bool, np.bool_))


def same(a: float, b: float) -> bool:
    """Equal as Excel's criteria compare numbers: to 15 significant digits (0,1+0,2 equals 0,3)."""
    return a == b or float(format(a, ".15g")) == float(format(b, ".15g"))


def text_number(text: str) -> float | None:
    """A number written as text the way Excel's criteria read it (``"020"`` → 20), else None."""
    if _NUMBER_TEXT.match(text):
        return float(text)
    return None


def scalar(value: Any) -> Any:
    """The one value of a reference, array or numpy scalar (the first cell of a range)."""
    if is_ranges(value):
        value = value.value
    if isinstance(value, np.ndarray):
        return value.ravel()[0] if value.size else sh.EMPTY
    if isinstance(value, np.generic):
        return value.item()
    return value


def coerce_direct(value: Any) -> float:
    """An argument typed directly (not a reference): TRUE → 1, "3" → 3, "x" → #VALUE!."""
    value = scalar(value)
    if isinstance(value, XlError):
        raise Found(value)
    if value is sh.EMPTY or value is None:
        return 0.0
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, str):
        number = ff._text2num(value)
        if isinstance(number, str):
            raise Found(VALUE)
        return float(number)
    return float(value)


def numbers(args: tuple[Any, ...], *, errors: bool = True) -> list[float]:
    """The numbers SUM/AVERAGE/MIN/MAX see: numbers in references and arrays (text, logical values
    and blanks skipped, errors raised), and directly typed arguments converted."""
    out: list[float] = []
    for arg in args:
        if is_ranges(arg) or (isinstance(arg, np.ndarray) and arg.size > 1):
            values = arg.value if is_ranges(arg) else arg
            for v in np.ravel(values):
                if isinstance(v, XlError):
                    if errors:
                        raise Found(v)
                    continue
                if is_number(v):
                    out.append(float(v))
        else:
            try:
                out.append(coerce_direct(arg))
            except Found:
                if errors:
                    raise
    return out


def safe(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function that takes formulas' Ranges (references) as they are: errors found become the
    result, and a reference without value yet is passed over as formulas' own wrapper does."""
    from formulas.errors import RangeValueError

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        try:
            result = func(*args)
        except Found as found:
            return found.err
        except RangeValueError:
            return sh.bypass(sh.NONE)
        if isinstance(result, float) and not math.isfinite(result):
            return NUM
        return result

    return ff.wrap_func(wrapper, ranges=True)



def as_matrix(value: Any) -> np.ndarray:
    """A reference, array or value as a 2-D object array."""
    if is_ranges(value):
        value = value.value
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)
    return arr
