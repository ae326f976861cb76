"""One request for all the cells of a recalculation: the batch endpoint of the xlwings Server face.

Office.js calls a custom function once per cell. The add-in's JavaScript (``addin_web/
custom-functions.js``) follows Office's documented batching pattern for custom functions: each call
is pushed onto a list, and a timer posts the list as one request when the recalculation has handed
over its cells. This module answers such a batch straight from the one table
(:data:`~kostra_functions.excel.functions.FUNCTIONS`):

request ``POST /kostra/batch``::

    {"client": "Office.js", "runtime": "1.4",
     "calls": [{"func_name": "KOSTRA_AVVIK", "args": [[[1200000]], [[650000]], [[6]], …]}, …]}

answer (same order)::

    {"data_version": "…", "results": [{"result": [[-100000.0]]},
                                      {"error": "#VALUE!", "message": "Argumentet «periode» …"}, …]}

Arguments arrive as Office.js sends them (every argument a 2-D list, an omitted one ``null``, typed
cells as ``{"type": …, "basicValue": …}``, error cells as ``{"type": "Error", …}``) and are read the
way the single-call endpoint reads them through xlwings (1×1 → the cell, a range stays 2-D, an empty
cell is blank, an error cell is its error text). A cell that fails is an error value in that cell
only, with its Norwegian reason (Excel shows it when the pointer rests on the cell). ``data_version``
identifies the code lists and rule sets: the add-in caches answers under it, so a new code list or
rule set is never answered from an old cache.
"""

from __future__ import annotations

import math
from typing import Any

from kostra_functions.cells import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.versioning import data_version

#: Where the add-in posts a batch.
BATCH_PATH = "/kostra/batch"
#: Most calls in one batch request (the add-in splits larger recalculations).
MAX_BATCH = 5000

#: Office.js error type names (CustomFunctionsRuntime ≥ 1.4) of our error codes.
ERROR_TYPES = {"#DIV/0!": "Div0", "#N/A": "NotAvailable", "#NAME?": "Name", "#NULL!": "Null",
               "#NUM!": "Num", "#REF!": "Ref", "#VALUE!": "Value"}
_ERROR_CODE_BY_TYPE = {v: k for k, v in ERROR_TYPES.items()}
_RANGE_TYPES = ("table", "numbers")
_ERROR_CODE_BY_TYPE.update({"NotAvailable": "#N/A", "Value": "#VALUE!", "Num": "#NUM!"})


def read_cell(value: Any) -> Any:
    """One Office.js cell as the table reads it: "" → blank, a typed value → its basic value, an
    error cell → its error text (``#N/A`` …)."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        if value.get("type") == "Error":
            code = value.get("basicValue")
            if isinstance(code, str) and code.startswith("#"):
                return code
            return _ERROR_CODE_BY_TYPE.get(str(value.get("errorType")), "#VALUE!")
        return read_cell(value.get("basicValue"))
    return value


def read_arg(value: Any, two_d: bool = False) -> Any:
    """One argument as xlwings reads it for our rows: ``null`` → blank; a range argument
    (``two_d``) stays 2-D; otherwise a 1×1 matrix is its cell, a single row or column a list."""
    if value is None:
        return None
    if len(value) == 1 and len(value[0]) == 1 and not two_d:  # fast path: one plain cell
        cell = value[0][0]
        t = type(cell)
        if t is float or t is int or t is bool:
            return cell
    rows = [[read_cell(c) for c in row] for row in value]
    if two_d:
        return rows
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    if len(rows) == 1:
        return rows[0]
    if all(len(r) == 1 for r in rows):
        return [r[0] for r in rows]
    return rows


def read_args(name: str, args: list[Any]) -> tuple[Any, ...]:
    """The raw cell values of one call, repeating arguments spread out (as xlwings does)."""
    fn = FUNCTIONS[name]
    repeating = fn.args[-1] if fn.args and fn.args[-1].repeating else None
    fixed = fn.args[:-1] if repeating else fn.args
    out = [read_arg(a, spec.type in _RANGE_TYPES) for a, spec in zip(args, fixed, strict=False)]
    if repeating is not None and len(args) > len(fixed) and args[len(fixed)] is not None:
        two_d = repeating.type in _RANGE_TYPES
        out.extend(read_arg(a, two_d) for a in args[len(fixed)])
    return tuple(out)


def _cell(value: Any, runtime_14: bool) -> Any:
    if isinstance(value, ExcelError):
        if runtime_14 and value.code in ERROR_TYPES:
            return {"type": "Error", "errorType": ERROR_TYPES[value.code]}
        return value.code
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return {"type": "Error", "errorType": "Num"} if runtime_14 else "#NUM!"
    return value


def answer_call(name: str, args: list[Any], runtime_14: bool = True) -> dict[str, Any]:
    """The answer for one (validated) call: ``{"result": 2-D}`` or ``{"error", "message"}``."""
    result = FUNCTIONS[name].call(*read_args(name, args))
    if isinstance(result, ExcelError):
        return {"error": result.code, "message": result.message}
    if isinstance(result, list):
        return {"result": [[_cell(c, runtime_14) for c in row] for row in result]}
    return {"result": [[_cell(result, runtime_14)]]}


def answer_batch(data: dict[str, Any]) -> dict[str, Any]:
    """The answer for a validated batch request (see the module docstring)."""
    runtime_14 = float(data.get("runtime") or "1.4") >= 1.4
    version = data_version()
    results = [answer_call(c["func_name"], c.get("args") or [], runtime_14) for c in data["calls"]]
    return {"data_version": version, "results": results}
