"""The table of Excel functions, registered into the ``formulas`` engine.

``formulas`` looks functions up in one process-wide dictionary (``formulas.functions.
get_functions()``) while it parses and compiles a workbook. We never add to that dictionary.
:class:`EngineFunctions` builds a *copy* of it extended with

* every row of :data:`kostra_functions.excel.functions.FUNCTIONS`, read when the object is built
  (never a hand-kept list), under every spelling a saved file can carry (:func:`spellings`);
* corrected standard functions where ``formulas`` disagrees with Excel
  (:mod:`kostra_functions.engine.stdfunctions`, each one pinned by a LibreOffice/hand-worked test);
* ``_xlfn.`` aliases for every standard function (Excel writes ``_xlfn.`` before functions newer
  than Excel 2007);

and :meth:`EngineFunctions.activate` installs that copy only for the duration of a ``with`` block
(parse, compile and calculate happen inside it). Leaving the block restores ``formulas`` exactly,
so nothing leaks between tests or between two engines in one process.

Cell values are converted once, like the xlwings face does: a ``formulas`` range arrives as a numpy
array whose blanks are ``EMPTY`` and whose errors are ``XlError``; we hand the row plain values
(``None``, floats, text, booleans, :class:`~kostra_functions.cells.ExcelError`), a single
cell as a scalar and a larger range as a list of rows, exactly what xlwings passes. The row's answer
comes back as a value, a table (a numpy array that spills) or an error value with the same code
(``#N/A`` stays ``#N/A``); the Norwegian reason is kept for the report.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import formulas
import formulas.excel
import formulas.functions as ff
import formulas.functions.operators as fops
import formulas.tokens.operand as _operand
import numpy as np
import schedula as sh
from formulas.errors import RangeValueError
from formulas.tokens.operand import Empty, Error, XlError
from formulas.tokens.operator import Operator, OperatorToken

from kostra_functions.cells import ExcelError
from kostra_functions.excel.spec import ExcelFunction

#: Prefixes a saved workbook may put before an add-in / custom function name.
#: ``_xldudf_``: Excel's marker for a user-defined function (Office.js custom functions are saved as
#: ``_xldudf_KOSTRA_NAVN``); ``_xll.``: functions of an XLL add-in; ``_xlfn.``: "future function".
UDF_PREFIXES: tuple[str, ...] = ("", "_XLDUDF_", "_XLL.", "_XLFN.")

#: Error values formulas does not define; Excel has them (dynamic arrays).
SPILL = XlError("#SPILL!")
CALC = XlError("#CALC!")
_EXTRA_ERRORS = {"#SPILL!": SPILL, "#CALC!": CALC}

#: Internal function the recalculation uses for a formula whose spill range is blocked.
SPILL_FUNCTION = "_KOSTRA_SPILL"


def xl_error(code: str) -> XlError:
    """The canonical ``formulas`` error object for an Excel error code (errors compare by identity)."""
    err = Error.errors.get(code) or _EXTRA_ERRORS.get(code)
    if err is None:
        return Error.errors["#VALUE!"]
    return err


def spellings(name: str) -> tuple[str, ...]:
    """Every spelling of ``KOSTRA_X`` a saved file can carry, upper case (formulas upper-cases names).

    ``KOSTRA_AVVIK_TABELL`` → ``KOSTRA_AVVIK_TABELL``, ``KOSTRA.AVVIK_TABELL`` (the namespaced form
    Excel on the web shows for custom functions), each also after ``_XLDUDF_``, ``_XLL.``, ``_XLFN.``.
    """
    upper = name.upper()
    if not upper.startswith("KOSTRA_"):
        raise ValueError(f"not a KOSTRA_ name: {name}")
    bodies = (upper, "KOSTRA." + upper[len("KOSTRA_"):])
    return tuple(prefix + body for prefix in UDF_PREFIXES for body in bodies)


def canonical_name(spelling: str) -> str | None:
    """The table name (``KOSTRA_X``) a spelling stands for, or ``None`` if it is not ours."""
    s = spelling.upper()
    for prefix in sorted(UDF_PREFIXES, key=len, reverse=True):
        if prefix and s.startswith(prefix):
            s = s[len(prefix):]
            break
    if s.startswith("KOSTRA."):
        s = "KOSTRA_" + s[len("KOSTRA."):]
    return s if s.startswith("KOSTRA_") else None


class _Omitted(int):
    """An argument left out (``=KOSTRA_NAVN(202;;"030105")``): 0 to standard functions, None to ours."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED = _Omitted(0)


# ---------------------------------------------------------------------------------------------
# Value conversion between formulas and the table


def to_cell_value(value: Any) -> Any:
    """One formulas scalar as a plain cell value (what xlwings would pass)."""
    if value is sh.EMPTY or isinstance(value, _Omitted):
        return None
    if isinstance(value, XlError):
        return ExcelError(str(value))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    return value


def to_argument(value: Any, as_table: bool) -> Any:
    """A formulas argument as the row expects it: a scalar for one cell, else a list of rows."""
    if isinstance(value, _Omitted):
        return None
    if hasattr(value, "value") and type(value).__name__ == "Ranges":
        value = value.value
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return to_cell_value(value.item()) if not as_table else [[to_cell_value(value.item())]]
        arr = value if value.ndim == 2 else value.reshape(1, -1)
        if arr.size == 1 and not as_table:
            return to_cell_value(arr.ravel()[0])
        return [[to_cell_value(v) for v in row] for row in arr.tolist()]
    return to_cell_value(value)


def _excel_serial(d: date) -> float:
    base = datetime(1899, 12, 30)
    dt = d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)
    return (dt - base).total_seconds() / 86400.0


def to_engine_scalar(value: Any) -> Any:
    """A plain Python value as a formulas cell value."""
    if value is None:
        return sh.EMPTY
    if isinstance(value, ExcelError):
        return xl_error(value.code)
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (date, datetime)):
        return _excel_serial(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (int, float)):
        f = float(value)
        return f if math.isfinite(f) else Error.errors["#NUM!"]
    return str(value)


def to_engine_result(value: Any) -> Any:
    """A row's answer as formulas expects a function result (a table becomes a spilling array).

    A blank inside a table (``None``) becomes empty text, so the spilled cell shows nothing rather
    than the 0 Excel shows for a blank *reference* in an array.
    """
    if isinstance(value, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
        if not rows or not rows[0]:
            return Error.errors["#VALUE!"]
        width = max(len(r) for r in rows)
        arr = np.empty((len(rows), width), dtype=object)
        arr[:, :] = ""
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                arr[i, j] = "" if cell is None else to_engine_scalar(cell)
        if arr.shape == (1, 1):
            return arr[0, 0]
        return arr.view(ff.Array)
    result = to_engine_scalar(value)
    return 0.0 if result is sh.EMPTY else result


# ---------------------------------------------------------------------------------------------
# Per-run state: what the report needs to know about errors


@dataclass
class RunState:
    """What one calculation collects: Norwegian reasons for error values, per cell when known."""

    pending: list[str] = field(default_factory=list)
    hidden_rows: dict[str, set[int]] = field(default_factory=dict)
    filtered_sheets: set[str] = field(default_factory=set)
    subtotal_cells: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    #: Cells formatted as dates (sheet upper-case as the engine names it → positions): a KOSTRA
    #: function gets such a cell as a date, as xlwings passes it in Excel.
    date_cells: dict[str, set[tuple[int, int]]] = field(default_factory=dict)

    def note(self, message: str) -> None:
        if len(self.pending) < 20:
            self.pending.append(message)

    def take(self) -> list[str]:
        out, self.pending = self.pending, []
        return out


# ---------------------------------------------------------------------------------------------
# The registry copy


class EngineFunctions:
    """formulas' functions plus the table's rows and our corrections, installed only in a context."""

    def __init__(self, table: Mapping[str, ExcelFunction] | None = None, *,
                 corrections: bool = True) -> None:
        if table is None:
            from kostra_functions.excel.functions import FUNCTIONS as table
        self.table: dict[str, ExcelFunction] = dict(table)
        self.state = RunState()
        base = _ORIGINAL_GET_FUNCTIONS()
        functions: collections.defaultdict[str, Callable[..., Any]] = collections.defaultdict(
            lambda: ff.not_implemented
        )
        functions.update(base)
        for name in list(base):
            if not name.startswith("_XLFN."):
                functions.setdefault("_XLFN." + name, base[name])
                functions.setdefault("_XLFN._XLWS." + name, base[name])
        self.operators: collections.defaultdict[str, Callable[..., Any]] = collections.defaultdict(
            lambda: ff.not_implemented
        )
        self.operators.update(fops.OPERATORS)
        if corrections:
            from kostra_functions.engine import stdfunctions

            for name, func in stdfunctions.corrected_functions(self).items():
                functions[name] = func
                functions["_XLFN." + name] = func
            self.operators.update(stdfunctions.corrected_operators())
        self.spelling_to_name: dict[str, str] = {}
        for fn in self.table.values():
            engine_func = _make_engine_function(fn, self)
            for spelling in spellings(fn.name):
                functions[spelling] = engine_func
                self.spelling_to_name[spelling] = fn.name
        functions[SPILL_FUNCTION] = ff.wrap_func(lambda *a: SPILL)
        self.functions = functions

    def knows(self, name: str) -> bool:
        """True when a function name (any case) can be calculated (not merely listed)."""
        func = self.functions.get(name.upper())
        return func is not None and func is not ff.not_implemented and not _is_not_implemented(func)

    @contextlib.contextmanager
    def activate(self, state: RunState | None = None) -> Iterator[RunState]:
        """Install this registry into formulas for the block; restore formulas afterwards."""
        with _ACTIVATION_LOCK:
            previous_state = self.state
            self.state = state or RunState()
            saved = _install(self)
            try:
                yield self.state
            finally:
                _restore(saved)
                self.state = previous_state


def _is_not_implemented(func: Any) -> bool:
    wrapped = func
    for _ in range(5):
        if wrapped is ff.not_implemented:
            return True
        wrapped = getattr(wrapped, "__wrapped__", None)
        if wrapped is None:
            return False
    return False


def _make_engine_function(fn: ExcelFunction, engine: EngineFunctions) -> Callable[..., Any]:
    table_args = [a.type in ("table", "numbers") for a in fn.args]

    def call(*args: Any) -> Any:
        raw = []
        for i, arg in enumerate(args):
            as_table = table_args[min(i, len(table_args) - 1)] if table_args else False
            if type(arg).__name__ == "Ranges":
                dated = _date_of(arg, engine.state.date_cells)
                if dated is not None:
                    raw.append([[dated]] if as_table else dated)
                    continue
                try:
                    value = arg.value
                except RangeValueError:
                    # No value yet: formulas evaluates a formula whose arguments are all references
                    # once while compiling, with references that have no values. Passed over as
                    # formulas' own wrapper does (no result), the call comes again with the values;
                    # an answer here would be kept as the cell's constant result.
                    return sh.bypass(sh.NONE)
                except Exception as exc:
                    engine.state.note(f"{fn.name}: argument {i + 1} kan ikke leses "
                                      f"({type(exc).__name__}: {exc})")
                    return Error.errors["#VALUE!"]
                converted = to_argument(value, as_table)
                if isinstance(converted, list):
                    _dates_in_table(arg, converted, engine.state.date_cells)
                raw.append(converted)
                continue
            raw.append(to_argument(arg, as_table))
        try:
            result = fn.call(*raw)
        except Exception as exc:  # a bug in an implementation: visible, never a silent #VALUE!
            engine.state.note(f"{fn.name}: intern feil ({type(exc).__name__}: {exc})")
            return Error.errors["#VALUE!"]
        if isinstance(result, ExcelError):
            if result.message:
                engine.state.note(f"{fn.name}: {result.message}")
            return xl_error(result.code)
        return to_engine_result(result)

    call.__name__ = fn.name
    call.__qualname__ = fn.name
    call.__doc__ = fn.help
    return ff.wrap_func(call, ranges=True)


def _serial_date(value: Any) -> date | None:
    if isinstance(value, float) and 0 <= value < 2958466:
        from datetime import timedelta

        return date(1899, 12, 30) + timedelta(days=int(value))
    return None


def _dates_in_table(arg: Any, rows: list[list[Any]], date_cells: dict[str, set[tuple[int, int]]]) -> None:
    """Numbers of date-formatted cells in a range argument become dates (as xlwings passes them)."""
    if not date_cells or len(arg.ranges) != 1:
        return
    rng = arg.ranges[0]
    cells = date_cells.get(str(rng.get("sheet", "")).upper())
    if not cells:
        return
    try:
        top, left = int(rng["r1"]), int(rng["n1"])
    except (KeyError, TypeError, ValueError):
        return
    for r, c in cells:
        i, j = r - top, c - left
        if 0 <= i < len(rows) and 0 <= j < len(rows[i]):
            d = _serial_date(rows[i][j])
            if d is not None:
                rows[i][j] = d


def _date_of(arg: Any, date_cells: dict[str, set[tuple[int, int]]]) -> date | None:
    """The date a one-cell reference holds when that cell is formatted as a date, else None."""
    if not date_cells or len(arg.ranges) != 1:
        return None
    rng = arg.ranges[0]
    if rng.get("r1") != rng.get("r2") or rng.get("n1") != rng.get("n2"):
        return None
    try:
        pos = (int(rng["r1"]), int(rng["n1"]))
    except (KeyError, TypeError, ValueError):
        return None
    if pos not in date_cells.get(str(rng.get("sheet", "")).upper(), ()):
        return None
    try:
        value = to_cell_value(np.asarray(arg.value, dtype=object).ravel()[0])
    except Exception:
        return None
    return _serial_date(value) if not isinstance(value, bool) else None


# ---------------------------------------------------------------------------------------------
# Installing into formulas (and taking it out again)

_ORIGINAL_GET_FUNCTIONS = ff.get_functions
_ACTIVATION_LOCK = threading.RLock()


class _QuietTqdm:
    """formulas draws a progress bar while it loads a workbook; the CLI draws its own."""

    @staticmethod
    def tqdm(*args: Any, **kwargs: Any) -> Any:
        import tqdm

        kwargs["disable"] = True
        return tqdm.tqdm(*args, **kwargs)


def _install(engine: EngineFunctions) -> dict[str, Any]:
    saved = {
        "get_functions": ff.get_functions,
        "operators": fops.OPERATORS,
        "empty_compile": Empty.__dict__["compile"],
        "op_process": OperatorToken.__dict__["process"],
        "op_compile": Operator.__dict__["compile"],
        "op_set_expr": Operator.__dict__["set_expr"],
        "tqdm": formulas.excel.tqdm,
        "build_cel": _operand._build_cel,
    }
    functions = engine.functions
    ff.get_functions = lambda: functions  # type: ignore[assignment]
    fops.OPERATORS = engine.operators  # type: ignore[assignment]
    Empty.compile = staticmethod(lambda: OMITTED)  # type: ignore[method-assign,assignment]
    OperatorToken.process = _double_minus_process(saved["op_process"])  # type: ignore[method-assign]
    Operator.compile = _double_minus_compile(saved["op_compile"])  # type: ignore[method-assign]
    Operator.set_expr = _double_minus_set_expr(saved["op_set_expr"])  # type: ignore[method-assign]
    formulas.excel.tqdm = _QuietTqdm  # type: ignore[attr-defined]
    _operand._build_cel = _build_cel  # type: ignore[attr-defined]
    return saved


def _restore(saved: dict[str, Any]) -> None:
    ff.get_functions = saved["get_functions"]
    fops.OPERATORS = saved["operators"]
    Empty.compile = saved["empty_compile"]
    OperatorToken.process = saved["op_process"]
    Operator.compile = saved["op_compile"]
    Operator.set_expr = saved["op_set_expr"]
    formulas.excel.tqdm = saved["tqdm"]
    _operand._build_cel = saved["build_cel"]  # type: ignore[attr-defined]


def _build_cel(c: str, r: Any) -> tuple[str, str]:
    """formulas reads row 1048576 and column XFD as "to the end of the sheet" (``A1:A1048576``
    became ``A1:A``, cut to its first row; ``XFD1048576`` became nothing). They are the last row
    and column, nothing more; whole columns and rows are written out before formulas sees them."""
    return c, str((r and int(r)) or "")


# formulas folds a run of signs into one operator, so "--A1" becomes "+A1", which keeps TRUE as TRUE
# and "3" as text. Excel's double negation turns both into numbers (SUMPRODUCT(--(A1:A9="x"))).
# We remember that the folded "+" came from minus signs and compile it as a real negation twice.

def _double_minus_process(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def process(self: Any, match: Any, context: Any = None, parser: Any = None) -> Any:
        attr = original(self, match, context=context, parser=parser)
        if attr.get("name") == "+" and "-" in attr.get("sum_minus", ""):
            attr["double_minus"] = True
        return attr

    return process


def _double_minus_compile(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def compile(self: Any) -> Any:
        if self.attr.get("double_minus") and self.name == "u+":
            return fops.OPERATORS["U--"]
        return original(self)

    return compile


def _double_minus_set_expr(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def set_expr(self: Any, *tokens: Any) -> None:
        original(self, *tokens)
        if self.attr.get("double_minus") and self.name == "u+":
            self.attr["expr"] = "--" + self.attr["expr"][1:]

    return set_expr


# ---------------------------------------------------------------------------------------------
# Finding the functions a formula calls


_STRING = re.compile(r'"(?:[^"]|"")*"')
_QUOTED_SHEET = re.compile(r"'(?:[^']|'')*'")
_CALL = re.compile(r"(?<![\w.\]])(?:\[\d+\]!)?([A-Za-z_][\w.]*)\(")
_EXTERNAL_UDF = re.compile(r"(?:\[\d+\]|'[^']*\.xla[mx]?')!(?=(?:_xldudf_|_xll\.)?KOSTRA[._])",
                           re.IGNORECASE)


def called_functions(formula: str) -> list[str]:
    """Names of the functions a formula calls, as written (``=IFERROR(KOSTRA_NAVN(A1);"")`` →
    ``["IFERROR", "KOSTRA_NAVN"]``). Text in quotes and quoted sheet names are skipped."""
    text = _STRING.sub('""', formula)
    text = _QUOTED_SHEET.sub("''", text)
    return [m.group(1) for m in _CALL.finditer(text)]


def normalize_formula(formula: str) -> str:
    """Drop the add-in workbook prefix Excel may put before an add-in function (``[1]!KOSTRA_X(``,
    ``'kostra.xlam'!KOSTRA_X(``) so the engine sees the plain name; quoted text is left alone."""
    if "!" not in formula or "KOSTRA" not in formula.upper():
        return formula
    parts = re.split(r'("(?:[^"]|"")*")', formula)
    return "".join(p if p.startswith('"') else _EXTERNAL_UDF.sub("", p) for p in parts)
