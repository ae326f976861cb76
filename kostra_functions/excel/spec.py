"""The shape of one row in the table of Excel functions, and how a row is called.

A row (:class:`ExcelFunction`) is data: the Excel name, the implementation (a plain Python function
of already-converted arguments), Norwegian help for the function wizard, and one :class:`Arg` per
argument saying how a cell value is converted (see :mod:`kostra_functions.excel.convert`). Every
face (xlwings, xlwings Server, the ``formulas`` engine) is generated from these rows, so argument
conversion, caching and error values happen here once:

* :meth:`ExcelFunction.call` has Excel semantics: it never raises for bad input, it returns an
  :class:`~kostra_functions.cells.ExcelError` carrying the Norwegian reason;
* :meth:`ExcelFunction.call_python` raises the library's :class:`~kostra_functions.errors.KostraError`.

Identical calls are answered from a bounded cache (:mod:`kostra_functions.excel.cache`), keyed on
the converted arguments (ranges by a digest of their contents) and on the version of the code lists
and rule sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from kostra_functions import cells
from kostra_functions.digest import content_digest, digests_known
from kostra_functions.errors import InvalidArgumentError, KostraError
from kostra_functions.excel import convert
from kostra_functions.excel.cache import ResultCache
from kostra_functions.excel.convert import MAX_AMOUNT as _MAX_AMOUNT
from kostra_functions.versioning import data_version as _data_version

ArgType = Literal["code", "number", "int", "text", "bool", "date", "table", "numbers", "any"]
ReturnKind = Literal["scalar", "array"]

#: What a row's ``fast`` path returns when the cells are not the plain case it handles.
FALLBACK: Any = object()

#: Excel's function wizard (and xlwings' registration) cut descriptions at 255 characters.
HELP_LIMIT = 255

_EXCEL_TYPE_WORD = {
    "code": "kode",
    "number": "tall",
    "int": "heltall",
    "text": "tekst",
    "bool": "SANN/USANN",
    "date": "dato",
    "table": "område",
    "numbers": "område med tall",
    "any": "verdi",
}


@dataclass(frozen=True)
class Arg:
    """One argument: its Norwegian name (as Excel shows it), how to convert it, and its help text."""

    name: str
    type: ArgType
    help: str
    optional: bool = False
    default: Any = None
    width: int = 3
    repeating: bool = False

    def convert(self, value: Any) -> Any:
        """Convert one raw cell value; raises a KostraError naming this argument."""
        t = self.type
        if t == "any":
            return value
        if value is None and self.optional:  # a blank optional argument (every type but "any")
            return self.default
        if t == "table":
            if convert.is_blank(value) and not isinstance(value, (list, tuple)):
                if self.optional:
                    return self.default
                raise convert.MissingArgumentError(f"Argumentet «{self.name}» mangler.")
            return convert.to_table(value, self.name)
        if t == "numbers":
            if self.optional and _blank_range(value):
                return self.default
            return convert.to_number_list(value, self.name)
        if t == "code":
            code = convert.to_code(value, self.name, width=self.width, optional=self.optional)
            return self.default if code is None else code
        if t == "number":
            return convert.to_number(value, self.name, optional=self.optional, default=self.default)
        if t == "int":
            return convert.to_int(value, self.name, optional=self.optional, default=self.default)
        if t == "text":
            return convert.to_text(value, self.name, optional=self.optional, default=self.default)
        if t == "bool":
            return convert.to_bool(value, self.name, optional=self.optional, default=self.default)
        if t == "date":
            result = convert.to_date(value, self.name, optional=self.optional)
            return self.default if result is None else result
        raise AssertionError(f"unknown argument type {t!r}")

    @property
    def signature(self) -> str:
        """``navn`` or ``[navn]`` as Excel's help shows optional arguments."""
        text = f"{self.name}..." if self.repeating else self.name
        return f"[{text}]" if self.optional else text

    @property
    def type_word(self) -> str:
        return _EXCEL_TYPE_WORD[self.type]


def _fit(result: Any) -> Any:
    """An answer within what a cell holds: text over 32 767 characters (a finding quoting a pasted
    cell-full of text) gets its long quotes shortened. Done once, before the answer is cached."""
    if type(result) is str:
        return convert.cell_text(result) if len(result) > convert.CELL_LIMIT else result
    if isinstance(result, list):
        for row in result:
            if isinstance(row, list):
                for i, cell in enumerate(row):
                    if type(cell) is str and len(cell) > convert.CELL_LIMIT:
                        row[i] = convert.cell_text(cell)
    return result


def _blank_range(value: Any) -> bool:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        return all(convert.is_blank(v) for v in cells.iter_flat(value))
    return convert.is_blank(value)


@dataclass(frozen=True)
class ExcelFunction:
    """One row of the table: an Excel function, its implementation and its Norwegian help."""

    name: str
    impl: Callable[..., Any]
    help: str
    args: tuple[Arg, ...]
    category: str
    returns: ReturnKind = "scalar"
    example: str = ""
    #: Longer explanation for ``kostra funksjoner`` and the user guide; ``help`` is what Excel's
    #: function wizard shows and must stay within its 255 characters.
    details: str = ""
    cached: bool = True
    #: Optional fast path for the plain case: called with the raw cells, it gives the same value as
    #: the full way or :data:`FALLBACK` (then the full way runs, which also words every error).
    fast: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    _cache: ResultCache = field(default_factory=lambda: ResultCache(maxsize=4096), compare=False, repr=False)
    _range_cache: ResultCache = field(
        default_factory=lambda: ResultCache(maxsize=64), compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.name.startswith("KOSTRA_") or self.name != self.name.upper():
            raise ValueError(f"Excel name must be KOSTRA_ in capitals: {self.name}")
        for text, what in [(self.help, "help"), *((a.help, f"help of {a.name}") for a in self.args)]:
            if len(text) > HELP_LIMIT:
                raise ValueError(
                    f"{self.name}: {what} has {len(text)} characters; Excel's function wizard shows "
                    f"at most {HELP_LIMIT} (put the rest in details)"
                )
        seen_optional = False
        for i, a in enumerate(self.args):
            if a.repeating and i != len(self.args) - 1:
                raise ValueError(f"{self.name}: only the last argument may repeat")
            if seen_optional and not a.optional:
                raise ValueError(f"{self.name}: required argument {a.name} after an optional one")
            seen_optional = seen_optional or a.optional

    @property
    def signature(self) -> str:
        """``KOSTRA_NAVN(funksjon; [år])`` as a Norwegian Excel shows it."""
        return f"{self.name}({'; '.join(a.signature for a in self.args)})"

    @cached_property
    def _plan(self) -> tuple[tuple[Arg, ...], Arg | None]:
        """The fixed arguments and the repeating one (if any), worked out once per row."""
        fixed = tuple(a for a in self.args if not a.repeating)
        repeating = self.args[-1] if self.args and self.args[-1].repeating else None
        return fixed, repeating

    def convert_args(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        """Convert raw cell values to the implementation's arguments (missing trailing args are blank)."""
        fixed, repeating = self._plan
        n = len(raw)
        if n > len(fixed) and repeating is None:
            raise InvalidArgumentError(
                f"{self.name} tar høyst {len(fixed)} argumenter, men fikk {len(raw)}."
            )
        out = []
        for i, arg in enumerate(fixed):
            value = raw[i] if i < n else None
            # Inline fast path for the usual cell, a finite float for a number argument (what
            # convert.to_number returns for it unchanged); everything else converts in full.
            if type(value) is float and arg.type == "number" and -_MAX_AMOUNT <= value <= _MAX_AMOUNT:
                out.append(value)
            else:
                out.append(arg.convert(value))
        if repeating is not None:
            out.extend(repeating.convert(v) for v in raw[len(fixed):])
        return tuple(out)

    def call_python(self, *raw: Any) -> Any:
        """Call with raw cell values; raises :class:`KostraError` for bad input (Python API)."""
        if self.fast is not None:
            value = self.fast(*raw)
            if value is not FALLBACK:
                return value
        args = self.convert_args(raw)
        if not self.cached:
            return _fit(self.impl(*args))
        try:
            key = (args, _data_version())
            hash(key)
        except TypeError:
            # A range argument (lists) is not hashable: key the call by a digest of its contents, so
            # a recalculation does not recompute a whole-district table. A digest can only miss
            # (equal content written differently), never give another call's result. The
            # implementation may hash the same ranges for its own caches: it gets these digests.
            digests = [content_digest(a) for a in args]
            with digests_known(args, digests):
                result = self._range_cache.get_or_compute((b"".join(digests), _data_version()),
                                                          lambda: _fit(self.impl(*args)))
            return [list(row) for row in result] if isinstance(result, list) else result
        return self._cache.get_or_compute(key, lambda: _fit(self.impl(*args)))

    def call(self, *raw: Any) -> Any:
        """Call with Excel semantics: a value, a table, or an :class:`ExcelError` with the reason."""
        fast = self.fast
        if fast is not None:
            value = fast(*raw)
            if value is not FALLBACK:
                return value
        try:
            return self.call_python(*raw)
        except KostraError as exc:
            return convert.error_from_exception(exc)

    def explain(self, *raw: Any) -> str:
        """The Norwegian reason a call fails, or an empty string when it succeeds (``KOSTRA_FEIL``)."""
        try:
            self.call_python(*raw)
        except KostraError as exc:
            return convert.reason_text(exc)
        return ""

