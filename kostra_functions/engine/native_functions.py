"""The ``KOSTRA_*`` table as ``formualizer`` workbook functions: values converted between the
engine and the table's rows (arguments as the ``formulas`` bridge and the xlwings face pass them),
the markers for omitted arguments and date-formatted cells undone, and the Norwegian reasons the
rows give for error values noted per function."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import formualizer as fz

from kostra_functions.cells import ExcelError
from kostra_functions.engine.calculation import Pos
from kostra_functions.engine.native_formulas import DATE_FUNCTION, OMITTED_FUNCTION
from kostra_functions.excel.spec import ExcelFunction

#: formualizer's error kinds and the codes Excel shows.
ERROR_CODES = {
    "Null": "#NULL!", "Div": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
    "Num": "#NUM!", "Na": "#N/A", "Spill": "#SPILL!", "Calc": "#CALC!", "GettingData": "#GETTING_DATA",
    "NImpl": "#NAME?", "Error": "#VALUE!",
}
_KINDS = {code: kind for kind, code in ERROR_CODES.items() if kind not in ("NImpl", "Error")}

#: The value of the omitted-argument marker
#: (:data:`~kostra_functions.engine.native_formulas.OMITTED_FUNCTION`).
_OMITTED = "\x00kostra-utelatt\x00"
#: The tag of a date-formatted cell (:data:`~kostra_functions.engine.native_formulas.DATE_FUNCTION`).
_DATE_TAG = "\x00kostra-dato\x00"
_BLANK = "\x00kostra-tom\x00"


def _serial(d: date) -> float:
    base = datetime(1899, 12, 30)
    dt = d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)
    return (dt - base).total_seconds() / 86400.0


def from_engine(value: Any) -> Any:
    """One formualizer value as a plain cell value (``None``, float, text, bool, ExcelError)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict) and value.get("type") == "Error":
        return ExcelError(ERROR_CODES.get(str(value.get("kind")), "#VALUE!"))
    if isinstance(value, (date, datetime)):
        return _serial(value)
    if isinstance(value, list):  # an array result read as one value: its first cell
        first = value[0] if value else None
        return from_engine(first[0] if isinstance(first, list) and first else first)
    return ExcelError("#VALUE!")


def _plain(value: Any) -> Any:
    """One callback value as a plain cell value, our markers undone (a date-formatted cell is a
    date, as xlwings passes it; a marked blank is blank)."""
    if isinstance(value, str) and value.startswith("\x00"):
        if value in (_OMITTED, _BLANK):
            return None
        if value.startswith(_DATE_TAG):
            return date(1899, 12, 30) + timedelta(days=int(float(value[len(_DATE_TAG):])))
    return from_engine(value)


def to_argument(value: Any, as_table: bool) -> Any:
    """A callback argument as the row expects it (as :func:`bridge.to_argument` does for formulas)."""
    if isinstance(value, list):
        rows = [r if isinstance(r, list) else [r] for r in value]
        if not as_table and len(rows) == 1 and len(rows[0]) == 1:
            return _plain(rows[0][0])
        return [[_plain(v) for v in row] for row in rows]
    plain = _plain(value)
    return [[plain]] if as_table and isinstance(plain, date) else plain


def to_engine(value: Any, in_table: bool = False) -> Any:
    """A row's answer as formualizer takes it: a table spills, a blank in a table shows nothing."""
    if isinstance(value, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
        if not rows or not rows[0]:
            return fz.LiteralValue.error("Value", None)
        width = max(len(r) for r in rows)
        table = [[to_engine(c, True) for c in r] + [""] * (width - len(r)) for r in rows]
        return table[0][0] if len(table) == 1 and width == 1 else table
    if value is None:
        return "" if in_table else 0.0
    if isinstance(value, ExcelError):
        return fz.LiteralValue.error(_KINDS.get(value.code, "Value"), value.message or None)
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (date, datetime)):
        return _serial(value)
    if isinstance(value, (int, float)):
        f = float(value)
        return f if f == f and f not in (float("inf"), float("-inf")) else fz.LiteralValue.error("Num", None)
    if hasattr(value, "item"):  # a numpy scalar
        return to_engine(value.item(), in_table)
    return str(value)


@dataclass
class Notes:
    """Norwegian reasons the rows gave for error values during one calculation, per function."""

    by_function: dict[str, list[str]] = field(default_factory=dict)

    def note(self, name: str, message: str) -> None:
        seen = self.by_function.setdefault(name, [])
        if message not in seen and len(seen) < 5:
            seen.append(message)



class NativeFunctions:
    """The table's rows as formualizer callbacks (built once per process, registered per workbook)."""

    def __init__(self, table: Mapping[str, ExcelFunction] | None = None) -> None:
        if table is None:
            from kostra_functions.excel.functions import FUNCTIONS as table
        self.table: dict[str, ExcelFunction] = dict(table)
        self.notes = Notes()
        self.callbacks = {fn.name: self._callback(fn) for fn in self.table.values()}

    def _callback(self, fn: ExcelFunction) -> Callable[..., Any]:
        table_args = [a.type in ("table", "numbers") for a in fn.args]
        last = len(table_args) - 1

        def call(*args: Any) -> Any:
            raw = [to_argument(a, table_args[min(i, last)] if table_args else False)
                   for i, a in enumerate(args)]
            try:
                result = fn.call(*raw)
            except Exception as exc:  # a bug in an implementation: visible, never a silent #VALUE!
                self.notes.note(fn.name, f"{fn.name}: intern feil ({type(exc).__name__}: {exc})")
                return fz.LiteralValue.error("Value", None)
            if isinstance(result, ExcelError) and result.message:
                self.notes.note(fn.name, f"{fn.name}: {result.message}")
            return to_engine(result)

        call.__name__ = fn.name
        return call

    def register(self, wb: Any, date_masks: dict[str, set[Pos]] | None = None) -> None:
        for name, callback in self.callbacks.items():
            wb.register_function(name, callback, min_args=0, max_args=255)
        wb.register_function(OMITTED_FUNCTION, _omitted, min_args=0, max_args=0)
        masks = date_masks or {}
        wb.register_function(DATE_FUNCTION, lambda value=None, key=None: _dated(value, masks.get(key)),
                             min_args=1, max_args=2)


def _omitted() -> str:
    return _OMITTED


def _dated(value: Any = None, mask: set[Pos] | None = None) -> Any:
    """``KOSTRA__DATO(A1)``: the number in a date-formatted cell, tagged as a date for our rows;
    ``KOSTRA__DATO(A1:C9;"n")``: the range with the cells of mask ``n`` (offsets) tagged."""
    if isinstance(value, list):
        rows = [r if isinstance(r, list) else [r] for r in value]
        return [[_dated(v) if mask and (i, j) in mask else
                 _BLANK if v is None else
                 fz.LiteralValue.error(_KINDS.get(ERROR_CODES.get(str(v.get("kind")), ""), "Value"), None)
                 if isinstance(v, dict) else v
                 for j, v in enumerate(row)] for i, row in enumerate(rows)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{_DATE_TAG}{float(value)!r}"
    return to_engine(from_engine(value))


_FUNCTIONS: NativeFunctions | None = None


def default_functions() -> NativeFunctions:
    """The callbacks for the table as it is now (built on first use, once per process)."""
    global _FUNCTIONS
    if _FUNCTIONS is None:
        _FUNCTIONS = NativeFunctions()
    return _FUNCTIONS
