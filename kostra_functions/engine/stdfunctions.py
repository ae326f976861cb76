"""Standard Excel functions where ``formulas`` 1.3 disagrees with Excel, re-implemented.

Each correction is pinned by ``tests/test_oracle_libreoffice.py``, which compares our values with
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
import re
from collections.abc import Callable, Iterator
from typing import Any

import formulas.functions as ff
import numpy as np
import schedula as sh
from formulas.tokens.operand import Error, XlError

VALUE = Error.errors["#VALUE!"]
DIV0 = Error.errors["#DIV/0!"]
NUM = Error.errors["#NUM!"]

_NUMBER_TEXT = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


class _Found(Exception):
    def __init__(self, err: XlError) -> None:
        self.err = err


def _is_ranges(value: Any) -> bool:
    return type(value).__name__ == "Ranges"


def _is_text(value: Any) -> bool:
    """Text in a cell (formulas' blank marker and error values are str subclasses, not text)."""
    return isinstance(value, str) and not isinstance(value, sh.Token)


def _is_number(value: Any) -> bool:
    numeric = isinstance(value, (int, float, np.integer, np.floating))
    return numeric and not isinstance(value, (bool, np.bool_))


def _same(a: float, b: float) -> bool:
    """Equal as Excel's criteria compare numbers: to 15 significant digits (0,1+0,2 equals 0,3)."""
    return a == b or float(format(a, ".15g")) == float(format(b, ".15g"))


def _text_number(text: str) -> float | None:
    """A number written as text the way Excel's criteria read it (``"020"`` → 20), else None."""
    if _NUMBER_TEXT.match(text):
        return float(text)
    return None


def _scalar(value: Any) -> Any:
    if _is_ranges(value):
        value = value.value
    if isinstance(value, np.ndarray):
        return value.ravel()[0] if value.size else sh.EMPTY
    if isinstance(value, np.generic):
        return value.item()
    return value


def _coerce_direct(value: Any) -> float:
    """An argument typed directly (not a reference): TRUE → 1, "3" → 3, "x" → #VALUE!."""
    value = _scalar(value)
    if isinstance(value, XlError):
        raise _Found(value)
    if value is sh.EMPTY or value is None:
        return 0.0
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, str):
        number = ff._text2num(value)
        if isinstance(number, str):
            raise _Found(VALUE)
        return float(number)
    return float(value)


def _numbers(args: tuple[Any, ...], *, errors: bool = True) -> list[float]:
    """The numbers SUM/AVERAGE/MIN/MAX see: numbers in references and arrays (text, logical values
    and blanks skipped, errors raised), and directly typed arguments converted."""
    out: list[float] = []
    for arg in args:
        if _is_ranges(arg) or (isinstance(arg, np.ndarray) and arg.size > 1):
            values = arg.value if _is_ranges(arg) else arg
            for v in np.ravel(values):
                if isinstance(v, XlError):
                    if errors:
                        raise _Found(v)
                    continue
                if _is_number(v):
                    out.append(float(v))
        else:
            try:
                out.append(_coerce_direct(arg))
            except _Found:
                if errors:
                    raise
    return out


def _safe(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function that takes formulas' Ranges (references) as they are: errors found become the
    result, and a reference without value yet is passed over as formulas' own wrapper does."""
    from formulas.errors import RangeValueError

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        try:
            result = func(*args)
        except _Found as found:
            return found.err
        except RangeValueError:
            return sh.bypass(sh.NONE)
        if isinstance(result, float) and not math.isfinite(result):
            return NUM
        return result

    return ff.wrap_func(wrapper, ranges=True)


def xsum(*args: Any) -> Any:
    return float(math.fsum(_numbers(args)))


def xproduct(*args: Any) -> Any:
    nums = _numbers(args)
    return float(np.prod(nums)) if nums else 0.0


def xaverage(*args: Any) -> Any:
    nums = _numbers(args)
    if not nums:
        return DIV0
    return math.fsum(nums) / len(nums)


def xmin(*args: Any) -> Any:
    nums = _numbers(args)
    return min(nums) if nums else 0.0


def xmax(*args: Any) -> Any:
    nums = _numbers(args)
    return max(nums) if nums else 0.0


def xcount(*args: Any) -> Any:
    count = 0
    for arg in args:
        if _is_ranges(arg) or (isinstance(arg, np.ndarray) and arg.size > 1):
            values = arg.value if _is_ranges(arg) else arg
            count += sum(1 for v in np.ravel(values) if _is_number(v))
        else:
            try:
                _coerce_direct(arg)
                v = _scalar(arg)
                if v is not sh.EMPTY and not isinstance(v, XlError):
                    count += 1
            except _Found:
                pass
    return count


def _as_matrix(value: Any) -> np.ndarray:
    if _is_ranges(value):
        value = value.value
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)
    return arr


def xsumproduct(*args: Any) -> Any:
    """SUMPRODUCT: every array the same shape; entries that are not numbers count as 0."""
    arrays = [_as_matrix(a) for a in args]
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        return VALUE
    total = np.ones(shape, dtype=float)
    for arr in arrays:
        for v in arr.ravel():
            if isinstance(v, XlError):
                return v
        numeric = np.vectorize(lambda v: float(v) if _is_number(v) else 0.0, otypes=[float])(arr)
        total = total * numeric
    return float(math.fsum(total.ravel()))


# ---------------------------------------------------------------------------------------------
# Criteria


class Criterion:
    """One criterion of SUMIFS/COUNTIFS/… as Excel reads it."""

    _OPS = ("<=", ">=", "<>", "=", "<", ">")

    def __init__(self, raw: Any) -> None:
        raw = _scalar(raw)
        self.op = "="
        self.blank_rule: str | None = None
        self.kind: str
        self.operand: Any
        if raw is sh.EMPTY or raw is None:
            # A criterion cell left blank reads as 0 in Excel and LibreOffice (=COUNTIF(A:A;C1)).
            self.kind, self.operand = "number", 0.0
            return
        if isinstance(raw, XlError):
            self.kind, self.operand = "error", raw
            return
        if isinstance(raw, (bool, np.bool_)):
            self.kind, self.operand = "bool", bool(raw)
            return
        if _is_number(raw):
            self.kind, self.operand = "number", float(raw)
            return
        text = str(raw)
        for op in self._OPS:
            if text.startswith(op):
                self.op, text = op, text[len(op):]
                break
        else:
            if text == "":
                self.blank_rule = "blank_or_empty_text"
        if text == "" and self.op in ("=", "<>") and self.blank_rule is None:
            self.blank_rule = "blank"
        number = _text_number(text)
        upper = text.strip().upper()
        if number is not None:
            self.kind, self.operand = "number", number
        elif upper in ("TRUE", "FALSE", "SANN", "USANN"):
            self.kind, self.operand = "bool", upper in ("TRUE", "SANN")
        elif upper in Error.errors:
            self.kind, self.operand = "error", Error.errors[upper]
        else:
            self.kind, self.operand = "text", text
            self._pattern = _wildcard(text) if self.op in ("=", "<>") else None

    @property
    def key(self) -> tuple[Any, ...]:
        operand = self.operand
        if self.kind == "error":
            operand = str(operand)
        elif self.kind == "text":
            operand = operand.casefold()
        return (self.op, self.kind, operand, self.blank_rule)

    def _equals(self, v: Any) -> bool:
        if self.blank_rule == "blank":
            return v is sh.EMPTY
        if self.blank_rule == "blank_or_empty_text":
            return v is sh.EMPTY or (_is_text(v) and v == "")
        if self.kind == "number":
            if _is_number(v):
                return _same(float(v), self.operand)
            if _is_text(v):
                number = _text_number(v)
                return number is not None and _same(number, self.operand)
            return False
        if self.kind == "bool":
            return isinstance(v, (bool, np.bool_)) and bool(v) == self.operand
        if self.kind == "error":
            return v is self.operand
        if _is_text(v):
            return bool(self._pattern.match(v))
        return False

    def matches(self, v: Any) -> bool:
        if isinstance(v, np.generic):
            v = v.item()
        if self.op == "=":
            return self._equals(v)
        if self.op == "<>":
            return not self._equals(v)
        if self.kind == "number":
            if not _is_number(v):
                return False
            if _same(float(v), self.operand):
                return self.op in ("<=", ">=")
            a, b = float(v), self.operand
        elif self.kind == "text":
            if not _is_text(v):
                return False
            a, b = v.casefold(), self.operand.casefold()
        elif self.kind == "bool":
            if not isinstance(v, (bool, np.bool_)):
                return False
            a, b = bool(v), self.operand
        else:
            return False
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[self.op]


def _wildcard(text: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "~" and i + 1 < len(text) and text[i + 1] in "*?~":
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)


def _criteria_cells(pairs: list[tuple[Any, Any]]) -> Iterator[tuple[np.ndarray, Any]]:
    for rng, crit in pairs:
        yield _as_matrix(rng), crit


def _criteria_array(crit: Any) -> np.ndarray | None:
    """A criterion that is itself a range/array makes the function return an array."""
    arr = _as_matrix(crit)
    return arr if arr.size > 1 else None


def _ifs(aggregate: str, target: Any, pairs: list[tuple[Any, Any]], logical_as_number: bool = False) -> Any:
    ranges = [m for m, _ in _criteria_cells(pairs)]
    shape = ranges[0].shape
    if any(r.shape != shape for r in ranges):
        return VALUE
    target_m = _as_matrix(target) if target is not None else None
    if target_m is not None and target_m.shape != shape:
        return VALUE
    crit_values = [c for _, c in pairs]
    arrays = [_criteria_array(c) for c in crit_values]
    if any(a is not None for a in arrays):
        out_shape = next(a.shape for a in arrays if a is not None)
        result = np.empty(out_shape, dtype=object)
        for idx in np.ndindex(out_shape):
            crits = [a[idx] if a is not None and a.shape == out_shape else
                     (VALUE if a is not None else c) for a, c in zip(arrays, crit_values, strict=True)]
            result[idx] = _ifs_one(aggregate, target_m, ranges, crits, logical_as_number)
        return result.view(ff.Array)
    return _ifs_one(aggregate, target_m, ranges, crit_values, logical_as_number)


#: Masks of criteria already evaluated on a range's values. A template asks «G_Type = "Regnskap"» of
#: the same range hundreds of times; formulas hands every call a fresh array, so the key is the
#: values themselves (a tuple hashes quickly), checked for equality on a hit.
_MASKS: dict[tuple[Any, ...], dict[tuple[Any, ...], np.ndarray]] = {}
_MAX_CACHED_RANGES = 64


def _mask(rng: np.ndarray, crit: Criterion) -> np.ndarray:
    content = (rng.shape, tuple(rng.ravel().tolist()))
    masks = _MASKS.get(content)
    if masks is None:
        if len(_MASKS) >= _MAX_CACHED_RANGES:
            _MASKS.clear()
        masks = _MASKS[content] = {}
    key = crit.key
    if key not in masks:
        flat = [crit.matches(v) for v in rng.ravel()]
        masks[key] = np.asarray(flat, dtype=bool).reshape(rng.shape)
    return masks[key]


def _ifs_one(aggregate: str, target: np.ndarray | None, ranges: list[np.ndarray], crits: list[Any],
             logical_as_number: bool = False) -> Any:
    mask = np.ones(ranges[0].shape, dtype=bool)
    for rng, c in zip(ranges, crits, strict=True):
        mask &= _mask(rng, Criterion(_scalar(c)))
    if aggregate == "count":
        return int(mask.sum())
    assert target is not None
    nums = []
    for v in target[mask]:
        if isinstance(v, XlError):
            return v
        if _is_number(v):
            nums.append(float(v))
        elif logical_as_number and isinstance(v, (bool, np.bool_)):
            nums.append(float(v))
    if aggregate == "sum":
        return float(math.fsum(nums))
    if not nums:
        return DIV0
    return math.fsum(nums) / len(nums)


def xsumifs(sum_range: Any, *args: Any) -> Any:
    """SUMIFS; TRUE/FALSE in the sum range count as 1/0 (ECMA-376 Part 1, SUMIFS)."""
    if not args or len(args) % 2:
        return VALUE
    return _ifs("sum", sum_range, list(zip(args[::2], args[1::2], strict=True)), logical_as_number=True)


def xsumif(rng: Any, criteria: Any, sum_range: Any = None) -> Any:
    return _ifs("sum", rng if sum_range is None else sum_range, [(rng, criteria)])


def xcountifs(*args: Any) -> Any:
    if not args or len(args) % 2:
        return VALUE
    return _ifs("count", None, list(zip(args[::2], args[1::2], strict=True)))


def xcountif(rng: Any, criteria: Any) -> Any:
    return _ifs("count", None, [(rng, criteria)])


def xaverageifs(avg_range: Any, *args: Any) -> Any:
    if not args or len(args) % 2:
        return VALUE
    return _ifs("average", avg_range, list(zip(args[::2], args[1::2], strict=True)))


def xaverageif(rng: Any, criteria: Any, avg_range: Any = None) -> Any:
    return _ifs("average", rng if avg_range is None else avg_range, [(rng, criteria)])


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
    if not _is_ranges(arg):
        raise _Found(VALUE)
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
            code = int(_coerce_direct(function_num))
        except _Found as found:
            return found.err
        ignore_hidden = code > 100
        base = code - 100 if ignore_hidden else code
        if base not in range(1, 12) or not refs:
            return VALUE
        values: list[Any] = []
        try:
            for ref in refs:
                values.extend(_subtotal_values(engine, ref, ignore_hidden))
        except _Found as found:
            return found.err
        if base == 3:
            return sum(1 for v in values if v is not sh.EMPTY)
        if base == 2:
            return sum(1 for v in values if _is_number(v))
        for v in values:
            if isinstance(v, XlError):
                return v
        nums = [float(v) for v in values if _is_number(v)]
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

    return _safe(xsubtotal)


# ---------------------------------------------------------------------------------------------
# The tables the bridge installs


def corrected_functions(engine: Any) -> dict[str, Callable[..., Any]]:
    """Replacement implementations, keyed by upper-case Excel name."""
    round_ = ff.wrap_ufunc(functools.partial(_round, mode=decimal.ROUND_HALF_UP))
    return {
        "SUM": _safe(xsum),
        "PRODUCT": _safe(xproduct),
        "AVERAGE": _safe(xaverage),
        "MIN": _safe(xmin),
        "MAX": _safe(xmax),
        "COUNT": _safe(xcount),
        "SUMPRODUCT": _safe(xsumproduct),
        "SUMIF": _safe(xsumif),
        "SUMIFS": _safe(xsumifs),
        "COUNTIF": _safe(xcountif),
        "COUNTIFS": _safe(xcountifs),
        "AVERAGEIF": _safe(xaverageif),
        "AVERAGEIFS": _safe(xaverageifs),
        "ROUND": round_,
        "ROUNDUP": ff.wrap_ufunc(functools.partial(_round, mode=decimal.ROUND_UP)),
        "ROUNDDOWN": ff.wrap_ufunc(functools.partial(_round, mode=decimal.ROUND_DOWN)),
        "MROUND": ff.wrap_ufunc(xmround),
        "SUBTOTAL": make_subtotal(engine),
        "ISNUMBER": _isnumber(),
        "IF": _if(),
        "SEQUENCE": _safe(xsequence),
    }


def xsequence(rows: Any, columns: Any = 1, start: Any = 1, step: Any = 1) -> Any:
    """SEQUENCE(rows; [columns]; [start]; [step]) of Excel 365 (formulas lacks it): a table filled
    row by row; an omitted argument is 1; zero rows or columns is #CALC!, fewer is #VALUE!, as in Excel."""
    def whole(value: Any, default: float) -> float:
        value = _scalar(value)
        if value is sh.EMPTY or value is None or type(value).__name__ == "_Omitted":
            return default
        return _coerce_direct(value)

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
        c = condition.value if _is_ranges(condition) else condition
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
        if _is_text(c):
            upper = c.strip().upper()
            if upper not in ("TRUE", "FALSE"):
                return VALUE
            c = upper == "TRUE"
        chosen = value_if_true if c else value_if_false
        return chosen.value if _is_ranges(chosen) else chosen

    return {"function": ff.wrap_func(xif, ranges=True), "solve_cycle": original["solve_cycle"]}


def _isnumber() -> Callable[..., Any]:
    """ISNUMBER: formulas says TRUE for the text "3"; Excel says FALSE."""
    from formulas.functions import info

    return ff.wrap_ranges_func(functools.partial(info.iserror, check=_is_number, array=info.FalseArray))


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
