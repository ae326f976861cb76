"""The UDF module Excel loads through the xlwings add-in. Generated from the table; edit nothing here.

Every row of :data:`kostra_functions.excel.functions.FUNCTIONS` becomes a module-level function of
the same Excel name, decorated with xlwings' classic decorators: ``@xw.func`` (category
``KOSTRA``, the Norwegian help as docstring), ``@xw.arg(name, doc=…)`` for every argument (ranges
as 2-D lists, blanks as ``None``, error cells as their text so they are never read as blank), and
``@xw.ret(expand="table")`` for functions that return a table. On Windows xlwings records that
metadata on the function; on Linux and macOS the decorators record nothing, so the same metadata is
also kept in ``__kostra_meta__`` (what the tests check) and the table stays the only source.

A call converts the cells once (:mod:`kostra_functions.excel.convert`). Bad input raises
:class:`KostraUdfError` with the Norwegian reason, which xlwings shows for the cell (the cell gets
``#VERDI!``); the same reason is available in the sheet with ``=KOSTRA_FEIL("KOSTRA_NAVN"; …)``.

Python parameter names are ASCII (``år`` → ``aar``) because xlwings writes them into a VBA module.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import xlwings as xw

from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import ExcelFunction

CATEGORY = "KOSTRA"
_ASCII = str.maketrans({"å": "aa", "ø": "o", "æ": "ae", "Å": "Aa", "Ø": "O", "Æ": "Ae"})


class KostraUdfError(Exception):
    """Raised to Excel with the Norwegian reason; xlwings shows it and the cell gets #VERDI!."""


def python_name(arg_name: str) -> str:
    """The ASCII Python/VBA parameter name for a Norwegian argument name (``år`` → ``aar``)."""
    name = arg_name.translate(_ASCII).replace(" ", "_").replace("-", "_")
    if not name.isidentifier() or not name.isascii():
        raise ValueError(f"argument name {arg_name!r} has no ASCII identifier")
    return name


def _to_excel(value: Any) -> Any:
    if isinstance(value, ExcelError):
        raise KostraUdfError(value.message or value.code)
    if isinstance(value, list):
        return [[c.code if isinstance(c, ExcelError) else c for c in row] for row in value]
    return value


def make_udf(fn: ExcelFunction) -> Callable[..., Any]:
    """Build the xlwings UDF for one table row (signature, docs and decorators from the row)."""

    def udf(*args: Any) -> Any:
        return _to_excel(fn.call(*args))

    params = []
    for arg in fn.args:
        kind = inspect.Parameter.VAR_POSITIONAL if arg.repeating else inspect.Parameter.POSITIONAL_OR_KEYWORD
        default = inspect.Parameter.empty if (arg.repeating or not arg.optional) else None
        params.append(inspect.Parameter(python_name(arg.name), kind, default=default))
    udf.__name__ = udf.__qualname__ = fn.name
    udf.__doc__ = fn.help
    udf.__module__ = __name__
    udf.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]

    meta: dict[str, Any] = {"name": fn.name, "category": CATEGORY, "doc": fn.help, "args": {}, "ret": {}}
    for arg in reversed(fn.args):  # decorators apply bottom-up; order does not matter to xlwings
        options: dict[str, Any] = {"doc": arg.help}
        if arg.type in ("table", "numbers"):
            options["ndim"] = 2
        options["err_to_str"] = True
        udf = xw.arg(python_name(arg.name), **options)(udf)
        meta["args"][python_name(arg.name)] = options
    if fn.returns == "array":
        meta["ret"] = {"expand": "table"}
        udf = xw.ret(expand="table")(udf)
    udf = xw.func(category=CATEGORY)(udf)
    udf.__kostra_meta__ = meta  # type: ignore[attr-defined]
    udf.__kostra__ = fn  # type: ignore[attr-defined]
    return udf


UDFS: dict[str, Callable[..., Any]] = {fn.name: make_udf(fn) for fn in FUNCTIONS.values()}
globals().update(UDFS)
__all__ = sorted(UDFS)
