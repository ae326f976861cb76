"""The UDF module Excel loads through the xlwings add-in. Generated from the table; edit nothing here.

Every row of :data:`kostra_functions.excel.functions.FUNCTIONS` becomes a module-level function of
the same Excel name, decorated with xlwings' classic decorators: ``@xw.func`` (category
``KOSTRA``, the Norwegian help as docstring), ``@xw.arg(name, doc=…)`` for every argument (ranges
as 2-D lists, blanks as ``None``, error cells as their text so they are never read as blank), and
``@xw.ret(expand="table")`` for functions that return a table. On Windows xlwings records that
metadata on the function (``__xlfunc__``); on Linux and macOS the decorators record nothing, so the
same metadata is also kept in ``__kostra_meta__`` (what the tests check) and the table stays the
only source.

A call converts the cells once (:mod:`kostra_functions.excel.convert`). Bad input raises
:class:`KostraUdfError` with the Norwegian reason. What the cell then shows is decided by xlwings'
generated VBA wrapper (``On Error GoTo failed: KOSTRA_X = Err.Description``): the *text* of the
error, not an Excel error value — classic xlwings cannot return ``#I/T``/``#VERDI!`` from a UDF
(xlwings issues #776 and #1108). On Windows :class:`KostraUdfError` is therefore a pywin32
``COMException`` whose description is just ``"#I/T: <Norwegian reason>"``, so the cell shows that
short text instead of a Python traceback. The same reason is available in the sheet with
``=KOSTRA_FEIL("KOSTRA_NAVN"; …)``; the xlwings Server face and the ``formulas`` engine return real
Excel error values, and so does the desktop add-in KOSTRA.xlam, whose VBA wrappers
(:mod:`kostra_functions.excel.vba_module`, ``kostra addin vba``) turn that text into ``CVErr(…)``.

Python parameter names are ASCII (``år`` → ``aar``) and never a VBA keyword (``type`` → ``type_``)
because xlwings writes them into a VBA module as the wrapper's parameter names; one keyword there
and the whole module fails to compile.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import xlwings as xw

from kostra_functions.excel.convert import ERROR_CODES, ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import ExcelFunction

CATEGORY = "KOSTRA"
_ASCII = str.maketrans({"å": "aa", "ø": "o", "æ": "ae", "Å": "Aa", "Ø": "O", "Æ": "Ae"})

#: VBA keywords and names the xlwings wrapper uses itself (lower case). A parameter with one of these
#: names makes the generated ``xlwings_udfs`` VBA module fail to compile (or shadows what it calls).
VBA_RESERVED: frozenset[str] = frozenset(
    """
    alias and any as attribute base binary boolean byref byte byval call case cdecl circle close
    compare const currency database date debug decimal declare defbool defbyte defcur defdate
    defdbl defdec defint deflng deflnglng deflngptr defobj defsng defstr defvar dim do doevents
    double each else elseif empty end endif enum eqv erase error event exit explicit false for
    friend function get global gosub goto if imp implements in input integer is lbound len let lib
    like lock long longlong longptr loop lset me mid mod module new next not nothing null object on
    open option optional or paramarray preserve print private property ptrsafe public put
    raiseevent redim rem resume return rset scale seek select set shared single spc static step
    stop string sub tab then to true type typeof ubound unlock until variant wend while width with
    withevents write xor
    application activeworkbook activesheet thisworkbook xlpy argsarray k failed caller
    """.split()
)


def _com_exception_base() -> type[Exception]:
    """pywin32's ``COMException`` on Windows (its description reaches VBA's ``Err.Description``)."""
    try:
        from win32com.server.exception import COMException
    except ImportError:
        return Exception
    return COMException


_UdfErrorBase: type[Exception] = _com_exception_base()


class KostraUdfError(_UdfErrorBase):  # type: ignore[misc,valid-type]
    """Raised to Excel with the Norwegian reason; the cell shows ``"#I/T: <reason>"`` (Windows).

    ``str(error)`` is the reason alone; ``excel_error`` is the error value the other faces return.
    """

    def __init__(self, message: str, excel_error: str = "#VALUE!") -> None:
        self.message = message
        self.excel_error = excel_error
        if _UdfErrorBase is Exception:
            Exception.__init__(self, message)
        else:  # pragma: no cover - Windows only
            _UdfErrorBase.__init__(  # type: ignore[call-arg]
                self, description=self.cell_text, source="kostra-functions"
            )

    @property
    def cell_text(self) -> str:
        """What the cell shows on Windows: the Norwegian error name and the reason."""
        return f"{ERROR_CODES.get(self.excel_error, self.excel_error)}: {self.message}"

    def __str__(self) -> str:
        return self.message


def python_name(arg_name: str) -> str:
    """The ASCII Python/VBA parameter name for a Norwegian argument name (``år`` → ``aar``).

    A VBA keyword gets a trailing underscore (``type`` → ``type_``).
    """
    name = arg_name.translate(_ASCII).replace(" ", "_").replace("-", "_")
    if not name.isidentifier() or not name.isascii() or not name[0].isalpha():
        raise ValueError(f"argument name {arg_name!r} has no ASCII identifier")
    if name.lower() in VBA_RESERVED:
        name += "_"
    return name


def _to_excel(value: Any) -> Any:
    if isinstance(value, ExcelError):
        raise KostraUdfError(value.message or value.norwegian, value.code)
    if isinstance(value, list):
        return [[c.code if isinstance(c, ExcelError) else c for c in row] for row in value]
    return value


def arg_options(fn: ExcelFunction) -> dict[str, dict[str, Any]]:
    """``@xw.arg`` options per Python parameter name, in argument order."""
    options: dict[str, dict[str, Any]] = {}
    for arg in fn.args:
        opts: dict[str, Any] = {"doc": arg.help}
        if arg.type in ("table", "numbers"):
            opts["ndim"] = 2
        opts["err_to_str"] = True
        options[python_name(arg.name)] = opts
    return options


def make_udf(fn: ExcelFunction, decorators: Any = xw) -> Callable[..., Any]:
    """Build the xlwings UDF for one table row (signature, docs and decorators from the row).

    ``decorators`` supplies ``func``/``arg``/``ret``: xlwings itself by default; the tests pass
    xlwings' Windows decorators (``xlwings/udfs.py``) to check what Windows records.
    """

    def udf(*args):  # no annotations: xlwings would read them as converters
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

    options = arg_options(fn)
    meta: dict[str, Any] = {"name": fn.name, "category": CATEGORY, "doc": fn.help, "args": {}, "ret": {}}
    # The usual stacked order: @arg/@ret below @func, so @func is applied last. Order matters on
    # Windows: every @arg call re-runs xlwings' func recording without options, which resets the
    # category to "xlwings"; only the final @func(category=…) makes it stick.
    result: Any = udf
    for name, opts in options.items():
        result = decorators.arg(name, **dict(opts))(result)
        meta["args"][name] = opts
    if fn.returns == "array":
        meta["ret"] = {"expand": "table"}
        result = decorators.ret(expand="table")(result)
    result = decorators.func(category=CATEGORY)(result)
    result.__kostra_meta__ = meta
    result.__kostra__ = fn
    return result


def windows_decorators(udfs_module: Any) -> SimpleNamespace:
    """The ``func``/``arg``/``ret`` decorators of xlwings' Windows ``udfs`` module (for tests)."""
    return SimpleNamespace(func=udfs_module.xlfunc, arg=udfs_module.xlarg, ret=udfs_module.xlret)


UDFS: dict[str, Callable[..., Any]] = {fn.name: make_udf(fn) for fn in FUNCTIONS.values()}
globals().update(UDFS)
__all__ = sorted(UDFS)
