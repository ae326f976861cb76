"""Standard Excel functions where ``formulas`` 1.3 disagrees with Excel, re-implemented.

Each correction is pinned by ``tests/oracle/test_oracle_libreoffice.py``, which compares our values with
LibreOffice headless on the same file and, where LibreOffice itself departs from Excel, with the
value worked by hand from Excel's documented behaviour. What ``formulas`` gets wrong, and we fix:

* **Numbers stored as text inside ranges** (``SUM``, ``AVERAGE``, ``COUNT``, ``MIN``, ``MAX``,
  ``PRODUCT``, ``SUMPRODUCT``): formulas counts the text ``"3"`` in ``A1:A5`` as 3 (and
  ``SUMPRODUCT`` counts ``TRUE`` as 1). Excel ignores text and logical values in references and
  arrays and converts them only when typed directly as an argument (``SUM("3";2)`` = 5).
  ``MIN``/``MAX``/``AVERAGE`` over a range holding text gave ``#VALUE!``.
* **Criteria** (``SUMIF(S)``, ``COUNTIF(S)``, ``AVERAGEIF(S)``): a criterion with leading zeros
  (``"020"``, a KOSTRA art) raised ``#VALUE!``; ``"<>202"``, ``"<>"`` and ``"="`` skipped blanks,
  text and logical values; ``">100"`` counted numbers stored as text. Excel (see the oracle test
  for sources): ``=``-criteria that look like a number match numbers *and* text that reads as that
  number (``"020"`` matches 20, ``"20"`` and ``"0020"``); ``<``/``>`` criteria compare numbers with
  numbers and text with text only; ``<>x`` matches everything ``=x`` does not, blanks included;
  ``"="`` matches blank cells, ``""`` blank cells and empty text, ``"<>"`` non-blank cells.
* **Rounding** (``ROUND``, ``ROUNDUP``, ``ROUNDDOWN``, ``MROUND``): formulas rounds the binary
  double (``ROUND(0,285;2)`` = 0,28, ``ROUND(1,005;2)`` = 1); Excel rounds the decimal number the
  cell shows, to 15 significant digits, half away from zero (0,29 and 1,01). ``MROUND(2,5;1)`` = 3.
* **SUBTOTAL** is missing in formulas. Ours skips cells that themselves hold ``SUBTOTAL``/
  ``AGGREGATE`` (no double counting), rows hidden in the file for 101–111, and hidden rows of a
  sheet with an AutoFilter (filtered out) for all codes.
* **Double negation** ``--x`` (the operator ``U--``): formulas folds ``--`` into ``+`` and keeps
  ``TRUE`` as ``TRUE``; Excel gives 1, so ``SUMPRODUCT(--(A1:A9="202"))`` counts.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections.abc import Callable
from typing import Any

import formulas.functions as ff
import numpy as np
import schedula as sh
from formulas.tokens.operand import Error, XlError

from kostra_functions.engine.std_criteria import (
    xaverageif,
    xaverageifs,
    xcountif,
    xcountifs,
    xsumif,
    xsumifs,
)
from kostra_functions.engine.std_values import (
    DIV0,
    NUM,
    VALUE,
    Found,
    as_matrix,
    coerce_direct,
    is_number,
    is_ranges,
    is_text,
    numbers,
    safe,
    scalar,
)


def xsum(*args: Any) -> Any:
    return float(math.fsum(numbers(args)))


def xproduct(*args: Any) -> Any:
    nums = numbers(args)
    return float(np.prod(nums)) if nums else 0.0


def xaverage(*args: Any) -> Any:
    nums = numbers(args)
    if not nums:
        return DIV0
    return math.fsum(nums) / len(nums)


def xmin(*args: Any) -> Any:
    nums = numbers(args)
    return min(nums) if nums else 0.0


def xmax(*args: Any) -> Any:
    nums = numbers(args)
    return max(nums) if nums else 0.0


def xcount(*args: Any) -> Any:
    count = 0
    for arg in args:
        if is_ranges(arg) or (isinstance(arg, np.ndarray) and arg.size > 1):
            values = arg.value if is_ranges(arg) else arg
            count += sum(1 for v in np.ravel(values) if is_number(v))
        else:
            try:
                coerce_direct(arg)
                v = scalar(arg)
                if v is not sh.EMPTY and not isinstance(v, XlError):
                    count += 1
            except Found:
                pass
    return count


def xsumproduct(*args: Any) -> Any:
    """SUMPRODUCT: every array the same shape; entries that are not numbers count as 0."""
    arrays = [as_matrix(a) for a in args]
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        return VALUE
    total = np.ones(shape, dtype=float)
    for arr in arrays:
        for v in arr.ravel():
            if isinstance(v, XlError):
                return v
        numeric = np.vectorize(lambda v: float(v) if is_number(v) else 0.0, otypes=[float])(arr)
        total = total * numeric
    return float(math.fsum(total.ravel()))


# ---------------------------------------------------------------------------------------------
# Rounding


_CONTEXT = decimal.Context(prec=60)


def _decimal(x: float) -> decimal.Decimal:
    """The number as Excel sees it: 15 significant decimal digits."""
    return decimal.Decimal(format(float(x), ".15g"))


def _round(x: float, digits: float, mode: str) -> float:
    d = int(digits)  # Excel truncates the digits argument toward zero
    if not math.isfinite(x):
        return x
    quantum = decimal.Decimal(1).scaleb(-d)
    try:
        value = _decimal(x).quantize(quantum, rounding=mode, context=_CONTEXT)
    except decimal.InvalidOperation:
        return float(x)
    return float(value) + 0.0


def xmround(number: Any, multiple: Any) -> Any:
    n, m = float(number), float(multiple)
    if m == 0:
        return 0.0
    if n != 0 and (n > 0) != (m > 0):
        return NUM
    q = (_decimal(n) / _decimal(m)).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP,
                                             context=_CONTEXT)
    return float(_decimal(float(q * _decimal(m))))


# ---------------------------------------------------------------------------------------------
# SUBTOTAL


def _subtotal_values(engine: Any, arg: Any, ignore_hidden: bool) -> list[Any]:
    if not is_ranges(arg):
        raise Found(VALUE)
    state = engine.state
    out: list[Any] = []
    for rng in arg.ranges:
        sheet = rng.get("sheet", "")
        top, left = int(rng["r1"]), int(rng["n1"])
        values = np.asarray(arg.value if len(arg.ranges) == 1 else _single(arg, rng), dtype=object)
        if values.ndim < 2:
            values = values.reshape(1, -1)
        skip = state.subtotal_cells.get(sheet, set())
        hidden = state.hidden_rows.get(sheet, set())
        filtered = sheet in state.filtered_sheets
        for (i, j), v in np.ndenumerate(values):
            row, col = top + i, left + j
            if (row, col) in skip:
                continue
            if row in hidden and (ignore_hidden or filtered):
                continue
            out.append(v)
    return out


def _single(arg: Any, rng: dict[str, Any]) -> Any:
    from formulas.ranges import Ranges

    return Ranges((rng,), arg.values).value


def make_subtotal(engine: Any) -> Callable[..., Any]:
    def xsubtotal(function_num: Any, *refs: Any) -> Any:
        try:
            code = int(coerce_direct(function_num))
        except Found as found:
            return found.err
        ignore_hidden = code > 100
        base = code - 100 if ignore_hidden else code
        if base not in range(1, 12) or not refs:
            return VALUE
        values: list[Any] = []
        try:
            for ref in refs:
                values.extend(_subtotal_values(engine, ref, ignore_hidden))
        except Found as found:
            return found.err
        if base == 3:
            return sum(1 for v in values if v is not sh.EMPTY)
        if base == 2:
            return sum(1 for v in values if is_number(v))
        for v in values:
            if isinstance(v, XlError):
                return v
        nums = [float(v) for v in values if is_number(v)]
        if base == 9:
            return float(math.fsum(nums))
        if base == 1:
            return math.fsum(nums) / len(nums) if nums else DIV0
        if base == 4:
            return max(nums) if nums else 0.0
        if base == 5:
            return min(nums) if nums else 0.0
        if base == 6:
            return float(np.prod(nums)) if nums else 0.0
        ddof = 1 if base in (7, 10) else 0
        if len(nums) <= ddof:
            return DIV0
        var = float(np.var(nums, ddof=ddof))
        return math.sqrt(var) if base in (7, 8) else var

    return safe(xsubtotal)


# ---------------------------------------------------------------------------------------------
# The tables the bridge installs


def corrected_functions(engine: Any) -> dict[str, Callable[..., Any]]:
    """Replacement implementations, keyed by upper-case Excel name."""
    round_ = ff.wrap_ufunc(functools.partial(_round, mode=decimal.ROUND_HALF_UP))
    return {
        "SUM": safe(xsum),
        "PRODUCT": safe(xproduct),
        "AVERAGE": safe(xaverage),
        "MIN": safe(xmin),
        "MAX": safe(xmax),
        "COUNT": safe(xcount),
        "SUMPRODUCT": safe(xsumproduct),
        "SUMIF": safe(xsumif),
        "SUMIFS": safe(xsumifs),
        "COUNTIF": safe(xcountif),
        "COUNTIFS": safe(xcountifs),
        "AVERAGEIF": safe(xaverageif),
        "AVERAGEIFS": safe(xaverageifs),
        "ROUND": round_,
        "ROUNDUP": ff.wrap_ufunc(functools.partial(_round, mode=decimal.ROUND_UP)),
        "ROUNDDOWN": ff.wrap_ufunc(functools.partial(_round, mode=decimal.ROUND_DOWN)),
        "MROUND": ff.wrap_ufunc(xmround),
        "SUBTOTAL": make_subtotal(engine),
        "ISNUMBER": _isnumber(),
        "IF": _if(),
        "SEQUENCE": safe(xsequence),
    }


def xsequence(rows: Any, columns: Any = 1, start: Any = 1, step: Any = 1) -> Any:
    """SEQUENCE(rows; [columns]; [start]; [step]) of Excel 365 (formulas lacks it): a table filled
    row by row; an omitted argument is 1; zero rows or columns is #CALC!, fewer is #VALUE!, as in Excel."""
    def whole(value: Any, default: float) -> float:
        value = scalar(value)
        if value is sh.EMPTY or value is None or type(value).__name__ == "_Omitted":
            return default
        return coerce_direct(value)

    n_rows, n_cols = int(whole(rows, 1)), int(whole(columns, 1))
    first, by = whole(start, 1), whole(step, 1)
    if n_rows < 1 or n_cols < 1:
        from kostra_functions.engine.bridge import CALC

        return Error.errors["#VALUE!"] if n_rows < 0 or n_cols < 0 else CALC
    if n_rows * n_cols > 1_048_576:
        return Error.errors["#NUM!"]
    values = first + by * np.arange(n_rows * n_cols, dtype=float).reshape(n_rows, n_cols)
    return np.asarray(values, dtype=object).view(ff.Array)


def _if() -> dict[str, Any]:
    """IF with a single condition returns the chosen branch as it is, never broadcast to the other
    branch's shape: =IF(A1="";"";KOSTRA_DISPONERING(…)) is "" when A1 is blank, as in Excel (formulas
    made it a table of ""). An array condition keeps formulas' element-wise IF."""
    from formulas.functions import logic

    original = logic.FUNCTIONS["IF"]
    elementwise = original["function"]

    def xif(condition: Any, value_if_true: Any = True, value_if_false: Any = False) -> Any:
        from formulas.errors import RangeValueError

        try:
            return _xif(condition, value_if_true, value_if_false)
        except RangeValueError:
            return sh.bypass(sh.NONE)

    def _xif(condition: Any, value_if_true: Any, value_if_false: Any) -> Any:
        c = condition.value if is_ranges(condition) else condition
        if isinstance(c, np.ndarray):
            if c.size != 1:
                return elementwise(condition, value_if_true, value_if_false)
            c = c.ravel()[0]
        if isinstance(c, np.generic):
            c = c.item()
        if isinstance(c, XlError):
            return c
        if c is sh.EMPTY:
            c = False
        if is_text(c):
            upper = c.strip().upper()
            if upper not in ("TRUE", "FALSE"):
                return VALUE
            c = upper == "TRUE"
        chosen = value_if_true if c else value_if_false
        return chosen.value if is_ranges(chosen) else chosen

    return {"function": ff.wrap_func(xif, ranges=True), "solve_cycle": original["solve_cycle"]}


def _isnumber() -> Callable[..., Any]:
    """ISNUMBER: formulas says TRUE for the text "3"; Excel says FALSE."""
    from formulas.functions import info

    return ff.wrap_ranges_func(functools.partial(info.iserror, check=is_number, array=info.FalseArray))


def _r15(x: Any) -> float:
    return float(format(float(x), ".15g"))


def _comparison(op: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    """formulas' comparison, but numbers compared to 15 significant digits as Excel does
    (=0,1+0,2=0,3 is TRUE)."""
    import formulas.functions.operators as fops

    def compare(x: tuple[int, Any], y: tuple[int, Any]) -> bool:
        (xt, xv), (yt, yv) = x, y
        if xt == yt == 0:
            xv, yv = _r15(xv), _r15(yv)
        return op((xt, xv), (yt, yv))

    return ff.wrap_ufunc(compare, input_parser=fops.logic_input_parser, args_parser=lambda *a: a)


def _negate_twice(x: float) -> float:
    return float(x) + 0.0  # the input parser already made a number of TRUE / "3"


def corrected_operators() -> dict[str, Callable[..., Any]]:
    """``U--`` (the double negation formulas folds away, see :mod:`kostra_functions.engine.bridge`)
    and the comparison operators with Excel's 15-digit number comparison."""
    import operator

    ops = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, ">": operator.gt,
           "<=": operator.le, ">=": operator.ge}
    out = {name: _comparison(op) for name, op in ops.items()}
    out["U--"] = ff.wrap_ufunc(_negate_twice)
    return out
