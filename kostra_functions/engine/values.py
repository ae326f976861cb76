"""A cell value between the ``formulas`` engine and the package: plain Python values, how they are
written as a cell's cached value, and how a stored value is compared with a computed one."""

from __future__ import annotations

import math
from typing import Any

import formulas.functions as ff
import numpy as np
import schedula as sh
from formulas.tokens.operand import XlError

from kostra_functions.cells import ExcelError
from kostra_functions.engine.package import escape_text, number_text


def plain_value(value: Any) -> Any:
    """A formulas value as a plain Python value: float, str, bool, ExcelError or None (blank)."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.ravel()[0]
    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, XlError):
        return ExcelError(str(value) if str(value).startswith("#") else "#VALUE!")
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            return ExcelError("#NUM!")
        return f
    return ExcelError("#VALUE!")


def encode_value(value: Any) -> tuple[str | None, str | None]:
    """``(t attribute, <v> text)`` for a cached value (``t`` None means a number)."""
    if value is None:
        return "str", ""
    if isinstance(value, ExcelError):
        return "e", value.code
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "str", escape_text(value)
    return None, number_text(float(value))


def as_matrix(raw: Any) -> np.ndarray:
    """A function result as a 2-D object array (Excel replaces blanks in results by 0)."""
    if hasattr(raw, "value") and type(raw).__name__ == "Ranges":
        raw = raw.value
    if isinstance(raw, np.ndarray):
        arr = np.asarray(raw, dtype=object)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(1, -1)
    else:
        arr = np.empty((1, 1), dtype=object)
        arr[0, 0] = raw
    return np.asarray(ff.replace_empty(arr), dtype=object)



def values_equal(a: Any, b: Any, rel: float = 1e-9, abs_tol: float = 1e-9) -> bool:
    """Equality for cached vs computed values: numbers within rounding noise, text exact."""
    if isinstance(a, ExcelError) or isinstance(b, ExcelError):
        return isinstance(a, ExcelError) and isinstance(b, ExcelError) and a.code == b.code
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)
    if a in (None, "") and b in (None, ""):
        return True
    return a == b
