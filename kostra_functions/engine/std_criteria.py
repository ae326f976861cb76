"""Excel's criteria (``SUMIF(S)``, ``COUNTIF(S)``, ``AVERAGEIF(S)``) as Excel reads them; see
:mod:`~kostra_functions.engine.stdfunctions` for what ``formulas`` gets wrong and the sources."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import formulas.functions as ff
import numpy as np
import schedula as sh
from formulas.tokens.operand import Error, XlError

from kostra_functions.engine.std_values import (
    DIV0,
    VALUE,
    as_matrix,
    is_number,
    is_text,
    same,
    scalar,
    text_number,
)


class Criterion:
    """One criterion of SUMIFS/COUNTIFS/… as Excel reads it."""

    _OPS = ("<=", ">=", "<>", "=", "<", ">")

    def __init__(self, raw: Any) -> None:
        raw = scalar(raw)
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
        if is_number(raw):
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
        number = text_number(text)
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
            return v is sh.EMPTY or (is_text(v) and v == "")
        if self.kind == "number":
            if is_number(v):
                return same(float(v), self.operand)
            if is_text(v):
                number = text_number(v)
                return number is not None and same(number, self.operand)
            return False
        if self.kind == "bool":
            return isinstance(v, (bool, np.bool_)) and bool(v) == self.operand
        if self.kind == "error":
            return v is self.operand
        if is_text(v):
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
            if not is_number(v):
                return False
            if same(float(v), self.operand):
                return self.op in ("<=", ">=")
            a, b = float(v), self.operand
        elif self.kind == "text":
            if not is_text(v):
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
        yield as_matrix(rng), crit


def _criteria_array(crit: Any) -> np.ndarray | None:
    """A criterion that is itself a range/array makes the function return an array."""
    arr = as_matrix(crit)
    return arr if arr.size > 1 else None


def _ifs(aggregate: str, target: Any, pairs: list[tuple[Any, Any]], logical_as_number: bool = False) -> Any:
    ranges = [m for m, _ in _criteria_cells(pairs)]
    shape = ranges[0].shape
    if any(r.shape != shape for r in ranges):
        return VALUE
    target_m = as_matrix(target) if target is not None else None
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
        mask &= _mask(rng, Criterion(scalar(c)))
    if aggregate == "count":
        return int(mask.sum())
    assert target is not None
    nums = []
    for v in target[mask]:
        if isinstance(v, XlError):
            return v
        if is_number(v):
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
