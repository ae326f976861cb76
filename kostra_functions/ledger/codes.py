"""A ledger's codes and periods: each distinct raw value normalised once, or the problem with it.

Codes (art, ansvar, funksjon, prosjekt) are digits; a code that lost its leading zeros (Excel read
it as a number) gets them back up to the rule set's width. Periods are ``1``–``13`` or Agresso's
``YYYYMM``, or a date from a workbook.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions.cells import as_excel_error
from kostra_functions.ledger.columns import LABEL
from kostra_functions.tables.headers import show


def factorize(values: Any) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (-1 = missing) and the distinct raw values, for a categorical or object array."""
    if isinstance(values, pd.Categorical):
        return np.asarray(values.codes, dtype=np.int64), list(values.categories)
    arr = np.asarray(values, dtype=object)
    types = set(map(type, arr))
    is_bool = (np.fromiter((type(v) is bool or type(v) is np.bool_ for v in arr), dtype=bool, count=len(arr))
               if bool in types or np.bool_ in types else np.zeros(len(arr), dtype=bool))
    if is_bool.any():  # True would otherwise count as 1 (same hash): keep it apart, as SANN/USANN
        arr = arr.copy()
        arr[is_bool] = ["SANN" if v else "USANN" for v in arr[is_bool]]
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def is_blank(value: Any) -> bool:
    """True for ``None``, NaN and text of only spaces."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def excel_error_text(value: Any) -> str | None:
    """The problem of a cell holding an Excel error value (``#REF!``), or ``None``."""
    err = as_excel_error(value)
    if err is None:
        return None
    return f"cellen inneholder feilverdien {err.norwegian}"


def normalise_code(value: Any, name: str, width: int, *, exact: bool) -> tuple[str | None, str | None, bool]:
    """(code, problem, padded) for one distinct raw value of a code column; code None = blank."""
    if is_blank(value):
        return None, None, False
    bad = excel_error_text(value)
    if bad:
        return None, bad, False
    if isinstance(value, bool):
        return None, f"«{value}» er ikke en {LABEL[name]}skode", False
    if isinstance(value, (datetime, date)):
        return None, f"en dato ({value:%d.%m.%Y}) er ikke en {LABEL[name]}skode", False
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if not math.isfinite(number) or number < 0 or number != int(number):
            return None, f"«{show(value)}» er ikke en gyldig {LABEL[name]}skode", False
        text = str(int(number))
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    if not (text.isascii() and text.isdigit()):
        return None, f"«{show(text)}» er ikke en gyldig {LABEL[name]}: koden skal bare ha sifre", False
    padded = False
    if len(text) < width:
        text, padded = text.zfill(width), True
    if exact and len(text) != width:
        return None, f"«{text}» har {len(text)} sifre; {LABEL[name]} skal ha {width} sifre", False
    return text, None, padded


def normalise_period(value: Any) -> tuple[int | None, int | None, str | None]:
    """(period, year or None, problem) for one distinct raw period value; period None = blank."""
    if is_blank(value):
        return None, None, None
    bad = excel_error_text(value)
    if bad:
        return None, None, bad
    if isinstance(value, bool):
        return None, None, f"«{value}» er ikke en periode"
    if isinstance(value, (datetime, date)):
        return value.month, value.year, None
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if not math.isfinite(number) or number != int(number):
            return None, None, f"«{show(value)}» er ikke en periode (1–13 eller ÅÅÅÅMM)"
        text = str(int(number))
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    if not (text.isascii() and text.isdigit()):
        return None, None, f"«{show(text)}» er ikke en periode (1–13 eller ÅÅÅÅMM, f.eks. 202306)"
    if len(text) == 6:
        yr, per = int(text[:4]), int(text[4:])
        if not 1 <= per <= 13:
            return None, None, f"periode «{text}» har måned {per:02d}; periodene er 01–13"
        return per, yr, None
    if len(text) <= 2:
        per = int(text)
        if not 1 <= per <= 13:
            return None, None, f"periode {per} er utenfor 1–13"
        return per, None, None
    return None, None, f"«{text}» er ikke en periode (1–13 eller ÅÅÅÅMM, f.eks. 202306)"
