"""Recalculate a workbook headlessly and store the results as cached values next to the formulas.

:func:`recalculate` reads an ``.xlsx``/``.xlsm`` package, calculates every formula with the
``formulas`` engine (extended with the ``KOSTRA_*`` table, :mod:`kostra_functions.engine.bridge`),
and writes a copy in which every formula is kept and its computed value is stored in the cell's
``<v>`` element, so Excel, LibreOffice and any viewer show numbers before they recalculate.
Everything else in the package is copied byte for byte (:mod:`kostra_functions.engine.package`).

Dynamic arrays (a formula in one cell whose result is a table) spill as in Excel 365: the formula
is stored as Excel stores a dynamic array (``<f t="array" ref="A1:C5">`` and ``cm`` pointing at
the ``XLDAPR`` cell metadata) and the values of the cells it spills into are stored as cached
values of those cells. A spill never overwrites a cell that holds something (a typed value, a
formula, part of a merged cell or another array): the formula gets ``#SPILL!`` as in Excel, and it
is reported. When other formulas depend on spilled cells, the workbook is calculated again with the
spill ranges in place until the ranges no longer change.

Every cell that ends in an error value is reported with sheet, cell, formula, error and — for a
``KOSTRA_*`` function — the Norwegian reason.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import logging
import math
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import formulas
import formulas.functions as ff
import numpy as np
import schedula as sh
from formulas.tokens.operand import XlError

from kostra_functions.cells import ExcelError
from kostra_functions.engine import bridge, formula_prep
from kostra_functions.engine.package import (
    MAIN_NS,
    Area,
    CellXml,
    DynamicArrayMetadata,
    Package,
    SheetInfo,
    SheetXml,
    WorkbookError,
    escape_text,
    make_ref,
    parse_attrs,
    safe_parse,
    set_attr,
    unescape,
)

#: How often the workbook is recalculated at most while spill ranges settle.
MAX_PASSES = 4

Pos = tuple[int, int]
CellKey = tuple[str, Pos]


@dataclass(frozen=True)
class CellIssue:
    """A cell that ends in an error value."""

    sheet: str
    ref: str
    formula: str
    error: str
    message: str = ""

    def __str__(self) -> str:
        text = f"{sheet_ref(self.sheet, self.ref)}: {self.error} i formelen ={self.formula}"
        return f"{text} — {self.message}" if self.message else text


@dataclass
class Calculation:
    """The result of calculating a package: values for every formula cell and spilled cell."""

    values: dict[CellKey, Any] = field(default_factory=dict)
    formula_text: dict[CellKey, str] = field(default_factory=dict)
    issues: list[CellIssue] = field(default_factory=list)
    spills: dict[CellKey, Area] = field(default_factory=dict)
    blocked: dict[CellKey, str] = field(default_factory=dict)
    passes: int = 0
    formula_cells: int = 0
    #: The package and its parsed sheets, kept for :func:`write_calculation` (parsed once).
    _parsed: tuple[Package, list[_Sheet]] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class RecalcResult:
    """What :func:`recalculate` did: where it wrote, and which cells end in an error value."""

    source: Path
    output: Path
    calculation: Calculation

    @property
    def issues(self) -> list[CellIssue]:
        return self.calculation.issues


def sheet_ref(sheet: str, ref: str) -> str:
    """``Ark1!B5``, or ``'Budsjett 2023'!B5`` when the sheet name needs quotes."""
    if re.fullmatch(r"[A-Za-z_\u00c0-\u024f][\w\u00c0-\u024f.]*", sheet):
        return f"{sheet}!{ref}"
    return "'" + sheet.replace("'", "''") + f"'!{ref}"


# ---------------------------------------------------------------------------------------------
# Values


def plain_value(value: Any) -> Any:
    """A formulas value as a plain Python value: float, str, bool, ExcelError or None (blank)."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.ravel()[0]
    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, XlError):
        return ExcelError(str(value) if str(value).startswith("#") else "#VALUE!")
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            return ExcelError("#NUM!")
        return f
    return ExcelError("#VALUE!")


def number_text(x: float) -> str:
    """How a number is written in ``<v>``: integers without ``.0``, others round-trip exactly."""
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x)).replace("e", "E")


def encode_value(value: Any) -> tuple[str | None, str | None]:
    """``(t attribute, <v> text)`` for a cached value (``t`` None means a number)."""
    if value is None:
        return "str", ""
    if isinstance(value, ExcelError):
        return "e", value.code
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "str", escape_text(value)
    return None, number_text(float(value))


def _matrix(raw: Any) -> np.ndarray:
    """A function result as a 2-D object array (Excel replaces blanks in results by 0)."""
    if hasattr(raw, "value") and type(raw).__name__ == "Ranges":
        raw = raw.value
    if isinstance(raw, np.ndarray):
        arr = np.asarray(raw, dtype=object)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(1, -1)
    else:
        arr = np.empty((1, 1), dtype=object)
        arr[0, 0] = raw
    return np.asarray(ff.replace_empty(arr), dtype=object)


# ---------------------------------------------------------------------------------------------
# The workbook as we see it before calculating


@dataclass
class _Sheet:
    info: SheetInfo
    xml: SheetXml
    merged: list[Area]
    cse: dict[Pos, Area]  # legacy array formulas: master → range
    dynamic: dict[Pos, Area]  # dynamic arrays as stored: anchor → spill range
    spill_owned: set[Pos]  # cells holding a stored spill value (blank for collision purposes)
    hidden_rows: set[int]
    has_filter: bool


def load_sheets(pkg: Package, metadata: DynamicArrayMetadata) -> list[_Sheet]:
    """Every sheet of ``pkg`` with what recalculation needs to know of its layout: merged
    areas, legacy array formulas, dynamic-array anchors and their stored spill cells, hidden rows."""
    out = []
    for info in pkg.sheets():
        xml = SheetXml(pkg.data[info.part], f"{pkg.path.name}:{info.name}")
        merged = [Area.parse(m) for m in re.findall(r'<(?:\w+:)?mergeCell\b[^>]*?ref="([^"]+)"', xml.text)]
        cse: dict[Pos, Area] = {}
        dynamic: dict[Pos, Area] = {}
        for cell in xml.formula_cells():
            f = cell.formula
            assert f is not None
            if f.get("t") != "array":
                continue
            area = Area.parse(f.get("ref") or cell.ref)
            cm = cell.attr("cm")
            if cm.isdigit() and int(cm) in metadata.dynamic_indices:
                dynamic[(cell.row, cell.col)] = area
            else:
                cse[(cell.row, cell.col)] = area
        owned = {pos for anchor, area in dynamic.items() for pos in area.cells() if pos != anchor}
        hidden = {row.index for row in xml.rows.values() if dict(row.attrs).get("hidden") in ("1", "true")}
        has_filter = re.search(r"<(?:\w+:)?autoFilter\b", xml.text) is not None
        out.append(_Sheet(info, xml, merged, cse, dynamic, owned, hidden, has_filter))
    return out


# ---------------------------------------------------------------------------------------------
# Input sheets read only through defined names: fed to formulas as whole ranges

#: A defined name that is a plain cell or range of one sheet (``'Grunnlag'!$A$2:$A$436``).
_PLAIN_NAME = re.compile(r"^(?:'(?:[^']|'')+'|[^'!\s()]+)!"
                         r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?$")
#: Functions that can reach cells outside the ranges a formula names.
_REFERENCE_FUNCTIONS = re.compile(r"\b(?:INDIRECT|OFFSET)\s*\(", re.IGNORECASE)
_HEX = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NO_VALUE = object()


def _defined_name_texts(pkg: Package) -> list[str]:
    root = safe_parse(pkg.data[pkg.workbook_part], f"{pkg.path.name}:{pkg.workbook_part}")
    return [(el.text or "").strip() for el in root.iter(f"{{{MAIN_NS}}}definedName")]


def _input_sheets(pkg: Package, sheets: list[_Sheet],
                  prep: formula_prep.Prepared | None = None) -> dict[str, _Sheet]:
    """Sheets (by upper-case name) whose cells formulas read only as plain cells and ranges.

    Such a sheet (an input table such as «Grunnlag», a ledger «Hovedbok») is left out of the copy
    formulas loads, and every cell or range formulas reads from it is fed to the calculation as
    one value: formulas otherwise makes one node per cell, which for a table of a few thousand
    cells costs more than all the formulas. A sheet qualifies when it has no formula, no error value
    and no cell formulas could read in a way we do not reproduce (a date or text-typed cell), when
    every defined name pointing into it is a plain cell or range, when every formula (as calculated,
    after :mod:`~kostra_functions.engine.formula_prep`) names it only in plain A1 cells and ranges,
    and when no formula uses INDIRECT or OFFSET.
    """
    from kostra_functions.engine.formula_rewrite import FORMULA_REFERENCE, unquote_sheet

    overrides = prep.overrides if prep is not None else {}
    formulas_text = [overrides.get((s.info.name, (c.row, c.col))) or c.formula.text
                     for s in sheets for c in s.xml.formula_cells() if c.formula is not None]
    formulas_text = [t for t in formulas_text if t]
    if any(_REFERENCE_FUNCTIONS.search(t) for t in formulas_text):
        return {}
    names = _defined_name_texts(pkg)
    out: dict[str, _Sheet] = {}
    for sheet in sheets:
        name = sheet.info.name
        if next(sheet.xml.formula_cells(), None) is not None:
            continue
        mentions = (f"{name}!".upper(), f"'{name.replace(chr(39), chr(39) * 2)}'!".upper())
        mentioned = [t for t in formulas_text if any(m in t.upper() for m in mentions)]
        if any(not _plain_mentions(t, name, mentions, FORMULA_REFERENCE, unquote_sheet) for t in mentioned):
            continue
        pointing = [t for t in names if any(m in t.upper() for m in mentions)]
        if not (pointing or mentioned) or not all(_PLAIN_NAME.match(t) for t in pointing):
            continue
        if any(c.type not in ("n", "s", "b", "inlineStr")
               for c in sheet.xml.cells.values() if not c.is_empty):
            continue
        out[name.upper()] = sheet
    return out


def _plain_mentions(text: str, sheet: str, mentions: tuple[str, ...], ref: Any, unquote: Any) -> bool:
    """Whether every mention of ``sheet`` in ``text`` is a plain A1 cell or range."""
    upper = text.upper()
    count = sum(upper.count(m) for m in mentions)
    plain = sum(1 for m in ref.finditer(text)
                if m.group("sheet") and unquote(m.group("sheet")).upper() == sheet.upper() and m.group("c1"))
    return plain == count


def _formulas_value(cell: CellXml, strings: list[str]) -> Any:
    """A stored cell value as formulas' reader gives it to a calculation (openpyxl's types: int
    or float by the text of the number, dates left as serial numbers; floats to 15 digits)."""
    t, raw = cell.type, cell.value_raw
    if t == "inlineStr":
        value = stored_value(cell, strings)
        return _NO_VALUE if value is None else value
    if raw is None:
        return _NO_VALUE
    raw = unescape(raw)
    if t == "s":
        text = strings[int(raw)]
        if "_x" in text:
            text = _HEX.sub(lambda m: chr(int(m.group(1), 16)), text)
        return text.replace("x005F_", "")
    if t == "b":
        return bool(int(raw))
    if raw == "":
        return _NO_VALUE
    number: Any = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    return round(number, 15) if isinstance(number, float) else number


def _range_value(sheet: _Sheet, area: Area, strings: list[str]) -> np.ndarray:
    """The cells of ``area`` as formulas holds a range: an object array, ``EMPTY`` for a blank."""
    out = np.empty(area.shape, dtype=object)
    out.fill(sh.EMPTY)  # the token itself (np.full would store a plain copy of the text "empty")
    for (r, c), cell in sheet.xml.cells.items():
        if area.top <= r <= area.bottom and area.left <= c <= area.right:
            value = _formulas_value(cell, strings)
            if value is not _NO_VALUE:
                out[r - area.top, c - area.left] = value
    return out


def _without_cells(data: bytes, xml: SheetXml) -> bytes:
    """A worksheet part (``xml`` is its parse) with an empty ``<sheetData>`` (its values are fed to
    formulas directly)."""
    from kostra_functions.engine.package import encode_xml

    if xml.sheetdata_selfclosing:
        return data
    return encode_xml(xml.text[:xml.sheetdata_tag_end] + xml.text[xml.sheetdata_end:], xml.encoding)


# ---------------------------------------------------------------------------------------------
# Spill plan: which formulas spill where


@dataclass
class _Plan:
    areas: dict[CellKey, Area] = field(default_factory=dict)  # dynamic anchors → spill range
    blocked: dict[CellKey, str] = field(default_factory=dict)  # anchor → reason (#SPILL!)

    def same_as(self, other: _Plan) -> bool:
        return self.areas == other.areas and set(self.blocked) == set(other.blocked)


def _initial_plan(sheets: list[_Sheet]) -> _Plan:
    plan = _Plan()
    for sheet in sheets:
        for pos, area in sheet.dynamic.items():
            plan.areas[(sheet.info.name, pos)] = area
    return plan


# ---------------------------------------------------------------------------------------------
# One calculation pass


@dataclass
class _PassResult:
    values: dict[tuple[str, str], Any]  # (SHEET UPPER, "A1" or "A1:B3") → formulas value
    raw: dict[tuple[str, str], tuple[Any, list[str]]]  # cell/array output → (raw result, messages)
    referenced: list[tuple[str, Area]]  # ranges formulas read
    texts: dict[CellKey, str]  # formula text per formula cell (shared formulas translated)


_KEY = re.compile(r"^'\[[^\]]+\](.+)'!([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)$")


def _split_plain(key: Any) -> tuple[str, str] | None:
    if not isinstance(key, str) or isinstance(key, sh.Token):
        return None
    m = _KEY.match(key)
    if not m:
        return None
    return m.group(1).replace("''", "'"), m.group(2)


#: Compiled formula cells, shared by every calculation in the process (see :meth:`_Model.compile_cell`).
_COMPILED: collections.OrderedDict[tuple[Any, ...], tuple[Any, list[str]]] = collections.OrderedDict()
#: At most this many compiled cells are kept (least recently used dropped first).
COMPILED_CELLS_MAX = 20_000


#: A sheet whose used rectangle has more cells than this is read cell by cell (see :meth:`_Model.push`).
SPARSE_SHEET_CELLS = 5_000_000


def clear_compiled() -> None:
    """Forget every compiled formula (the next calculation compiles again)."""
    _COMPILED.clear()


class _Model(formulas.ExcelModel):
    """formulas' model, noting which cell a KOSTRA reason belongs to when formulas evaluates a
    constant part of a formula while compiling it, and reusing compiled formulas.

    Compiling a formula (parsing it and building its function) is most of the cost of calculating
    a workbook, and ``kostra regenerer`` calculates the same template's formulas for every
    district. A compiled formula depends only on its text, its cell, its sheet and file name (the
    calculation copy is always «beregning.xlsx»), which defined names exist, the engine's functions
    and the code lists (a constant ``KOSTRA_*`` call is evaluated while compiling); so it is kept
    under that key and reused. The one thing a compiled formula holds that differs between two
    filled copies of a template is the extent of a defined name it reads (a table resized to the
    district's rows): a reused formula gets the current extents.
    """

    def __init__(self, state: bridge.RunState, engine: bridge.EngineFunctions | None = None) -> None:
        super().__init__()
        self._state = state
        self._engine = engine
        self.compile_messages: dict[str, list[str]] = {}
        self._names: tuple[int, Any, frozenset[str]] | None = None

    def push(self, worksheet: Any, context: Any) -> Any:
        """formulas walks every cell of a sheet's used rectangle; a sheet with one cell far out
        (XFD1048576) would be billions of cells. Such a sheet is walked cell by cell instead (cells
        that do not exist are blank; formulas adds the blanks a formula reads when it completes)."""
        ws, ctx0 = self.add_sheet(worksheet, context)
        if ws.max_row * ws.max_column <= SPARSE_SHEET_CELLS:
            return super().push(worksheet, context)
        references = self.references
        formula_references = self.formula_references(ctx0)
        formula_ranges = self.formula_ranges(ctx0)
        ctx = {"external_links": self.external_links(ctx0)}
        ctx.update(ctx0)
        cells = [self.compile_cell(c, ctx, references, formula_references)
                 for _, c in sorted(ws._cells.items()) if hasattr(c, "value")]
        for cell in cells:
            self.add_cell(sh.await_result(cell), ctx, formula_ranges)
        return self

    def _name_key(self, references: Any) -> frozenset[str]:
        if self._names is None or self._names[0] != id(references) or self._names[1] is not references:
            self._names = (id(references), references, frozenset(references))
        return self._names[2]

    def compile_cell(self, cell: Any, context: Any, references: Any, formula_references: Any) -> Any:
        key = None
        if cell.data_type == "f":
            from kostra_functions.versioning import data_version

            text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None)
            if isinstance(text, str):
                key = (text, formula_references.get(cell.coordinate, cell.coordinate),
                       context.get("sheet"), context.get("excel"), context.get("directory"),
                       self._name_key(references), id(self._engine), data_version())
                hit = _COMPILED.get(key)
                if hit is not None:
                    _COMPILED.move_to_end(key)
                    compiled, messages = hit
                    if messages:
                        self.compile_messages[compiled.output] = list(messages)
                    return _rebound(compiled, references)
        self._state.take()
        compiled = super().compile_cell(cell, context, references, formula_references)
        messages = self._state.take()
        if messages and getattr(compiled, "output", None):
            self.compile_messages[compiled.output] = messages
        if key is not None and compiled.func is not None:
            _COMPILED[key] = (compiled, messages)
            while len(_COMPILED) > COMPILED_CELLS_MAX:
                _COMPILED.popitem(last=False)
            return _rebound(compiled, references)
        return compiled


def _rebound(compiled: Any, references: Any) -> Any:
    """A copy of a compiled formula cell for another model, reading the defined names' current extents.

    formulas keeps, per input of a compiled formula, the range it stood for when compiled; for a
    defined name that range comes from ``references``. The copy shares the compiled function and
    gets its own input ranges (only names whose extent changed differ).
    """
    from formulas.cell import wrap_cell_func
    from formulas.ranges import Ranges

    pipe = compiled.func.func
    old_inputs = compiled.func.inputs
    inputs = collections.OrderedDict()
    for k, rng in old_inputs.items():
        now = references.get(k) if isinstance(k, str) else None
        inputs[k] = now if isinstance(now, Ranges) and isinstance(rng, Ranges) and now.ranges != rng.ranges \
            else rng
    cell = copy.copy(compiled)
    cell.func = wrap_cell_func(pipe, cell._args)
    cell.func.inputs = inputs
    return cell


class _Spy:
    """Wraps a cell's compiled function: keeps its raw result (before formulas reshapes it to the
    cell) and the Norwegian reasons the KOSTRA functions gave while it ran."""

    def __init__(self, func: Any, output: str, state: bridge.RunState,
                 record: dict[str, tuple[Any, list[str]]], compile_messages: list[str]) -> None:
        self.func = func
        self.output = output
        self.state = state
        self.record = record
        self.compile_messages = compile_messages

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.state.take()
        result = self.func(*args, **kwargs)
        self.record[self.output] = (result, self.compile_messages + self.state.take())
        return result

    def __getattr__(self, item: str) -> Any:
        return getattr(self.func, item)


def _run_formulas(path: Path, engine: bridge.EngineFunctions, sheets: list[_Sheet],
                  display_name: str, inputs: dict[str, _Sheet] | None = None,
                  strings: list[str] | None = None, aliases: dict[str, str] | None = None,
                  dates: dict[str, set[Pos]] | None = None,
                  iterate: tuple[Any, dict[tuple[str, str], tuple[str, str]]] | None = None) -> _PassResult:
    from formulas.cell import Ref

    back = {alias.upper(): real for real, alias in (aliases or {}).items()}

    def _split_key(key: Any) -> tuple[str, str] | None:
        split = _split_plain(key)
        if split is None or not back:
            return split
        return back.get(split[0].upper(), split[0]), split[1]

    state = bridge.RunState(
        date_cells=dates or {},
        hidden_rows={s.info.name.upper(): s.hidden_rows for s in sheets},
        filtered_sheets={s.info.name.upper() for s in sheets if s.has_filter},
        subtotal_cells=_subtotal_cells(sheets),
    )
    record: dict[str, tuple[Any, list[str]]] = {}
    with engine.activate(state), _quiet_logs():
        model = _Model(state, engine)
        try:
            model.loads(str(path))
            model.finish()
        except Exception as exc:  # formulas raises many kinds for a formula it cannot read
            _diagnose_parse_failure(model, sheets, exc)
        dsp = model.dsp
        for name, cell in model.cells.items():
            if isinstance(cell, Ref) or cell.func is None:
                continue
            for fid in dsp.dmap.pred.get(name, {}):
                node = dsp.nodes.get(fid)
                if node and node.get("type") == "function" and node.get("function") is cell.func:
                    node["function"] = _Spy(cell.func, name, state, record,
                                            model.compile_messages.get(name, []))
        feeds = {}
        if inputs:
            for node_id in dsp.data_nodes:
                split = _split_key(node_id)
                if split is not None and split[0].upper() in inputs:
                    value = _range_value(inputs[split[0].upper()], Area.parse(split[1]), strings or [])
                    feeds[node_id] = formulas.Ranges().push(node_id, value)
        solution = model.calculate(inputs=feeds) if feeds else model.calculate()
        if iterate is not None:
            solution = _iterate(model, feeds, solution, iterate, _split_key)
        texts = _formula_texts(model, sheets, aliases or {})
    values: dict[tuple[str, str], Any] = {}
    for key, value in solution.items():
        split = _split_key(key)
        if split is not None:
            values[split] = value
    raw: dict[tuple[str, str], tuple[Any, list[str]]] = {}
    for key, item in record.items():
        split = _split_key(key)
        if split is not None:
            raw[split] = item
    referenced = []
    succ = dsp.dmap.succ
    for node_id in dsp.data_nodes:
        split = _split_key(node_id)
        if split is None or not succ.get(node_id):
            continue
        try:
            referenced.append((split[0], Area.parse(split[1])))
        except ValueError:
            continue
    return _PassResult(values, raw, referenced, texts)


def _iterate(model: Any, feeds: dict[str, Any], solution: Any,
             iterate: tuple[Any, dict[tuple[str, str], tuple[str, str]]], split: Any) -> Any:
    """Calculate again and again, each round feeding the shadow cells the values of the cells on
    the cycles from the round before (:mod:`kostra_functions.engine.iteration`)."""
    settings, shadow_of = iterate
    nodes: dict[tuple[str, str], str] = {}
    for node_id in model.dsp.data_nodes:
        key = split(node_id)
        if key is not None:
            nodes[(key[0].upper(), key[1])] = node_id
    pairs = [(nodes[sh_key], nodes[src]) for sh_key, src in shadow_of.items()
             if sh_key in nodes and src in nodes]
    if not pairs:
        return solution
    previous: dict[str, Any] = dict.fromkeys((src for _, src in pairs), 0.0)
    for _ in range(settings.count):
        shadow_feeds = {}
        for shadow_node, src in pairs:
            value = np.empty((1, 1), dtype=object)
            value[0, 0] = previous[src]
            shadow_feeds[shadow_node] = formulas.Ranges().push(shadow_node, value)
        solution = model.calculate(inputs={**feeds, **shadow_feeds})
        change = 0.0
        current: dict[str, Any] = {}
        for _, src in pairs:
            v = solution.get(src)
            v = v.value if hasattr(v, "value") else v
            v = np.asarray(v, dtype=object).ravel()[0] if isinstance(v, np.ndarray) else v
            current[src] = v
            old = previous[src]
            if isinstance(v, (int, float)) and isinstance(old, (int, float)) and not isinstance(v, bool):
                change = max(change, abs(float(v) - float(old)))
            elif v != old:
                change = math.inf
        previous = current
        if change < settings.delta:
            break
    return solution


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """formulas/schedula log a traceback for every cell they cannot calculate; we report those cells
    ourselves (with sheet and cell), so their logs are silenced while we calculate."""
    loggers = [logging.getLogger(name) for name in ("schedula", "formulas")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _formula_texts(model: formulas.ExcelModel, sheets: list[_Sheet],
                   aliases: dict[str, str]) -> dict[CellKey, str]:
    """Formula text of every formula cell as openpyxl reads it (shared formulas translated)."""
    from formulas.excel import BOOK

    out: dict[CellKey, str] = {}
    books = [d[BOOK] for d in model.books.values() if BOOK in d]
    if not books:
        return out
    book = books[0]
    for sheet in sheets:
        engine_name = aliases.get(sheet.info.name, sheet.info.name)
        if engine_name not in book.sheetnames:
            continue
        ws = book[engine_name]
        for cell in sheet.xml.formula_cells():
            value = ws.cell(cell.row, cell.col).value
            text = getattr(value, "text", value)
            if isinstance(text, str) and text.startswith("="):
                out[(sheet.info.name, (cell.row, cell.col))] = text[1:]
    return out


def _subtotal_cells(sheets: list[_Sheet]) -> dict[str, set[Pos]]:
    out: dict[str, set[Pos]] = {}
    for sheet in sheets:
        cells = set()
        shared_subtotal: set[str] = set()
        for cell in sheet.xml.formula_cells():
            f = cell.formula
            assert f is not None
            text = f.text.upper()
            if "SUBTOTAL(" in text or "AGGREGATE(" in text:
                cells.add((cell.row, cell.col))
                if f.get("t") == "shared":
                    shared_subtotal.add(f.get("si"))
            elif f.get("t") == "shared" and f.get("si") in shared_subtotal:
                cells.add((cell.row, cell.col))
        out[sheet.info.name.upper()] = cells
    return out


class _Unreadable(Exception):
    def __init__(self, cells: list[CellKey], reason: str) -> None:
        super().__init__(reason)
        self.cells = cells
        self.reason = reason


def _diagnose_parse_failure(model: Any, sheets: list[_Sheet], exc: Exception) -> None:
    """Raise :class:`_Unreadable` naming the cells whose formula (as calculated) formulas cannot read."""
    from formulas.excel import BOOK

    bad: list[CellKey] = []
    parser = formulas.Parser()
    books = [d[BOOK] for d in model.books.values() if BOOK in d]
    for sheet in sheets:
        ws = None
        if books:
            upper = sheet.info.name.upper()
            ws = next((books[0][n] for n in books[0].sheetnames if n.upper() == upper), None)
        for cell in sheet.xml.formula_cells():
            assert cell.formula is not None
            text = cell.formula.text
            if ws is not None:
                value = ws.cell(cell.row, cell.col).value
                text = getattr(value, "text", value) if value is not None else text
                text = text[1:] if isinstance(text, str) and text.startswith("=") else text
            if not isinstance(text, str) or not text:
                continue
            try:
                parser.ast("=" + bridge.normalize_formula(text))
            except Exception:
                bad.append((sheet.info.name, (cell.row, cell.col)))
    raise _Unreadable(bad, f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------------------
# The calculation copy: what formulas reads on each pass


def _calc_copy(pkg: Package, sheets: list[_Sheet], plan: _Plan, texts: dict[CellKey, str],
               folder: Path, inputs: dict[str, _Sheet] | None = None,
               prep: formula_prep.Prepared | None = None) -> Path:
    """Write the package formulas reads for a pass (normalized names, spill ranges in place, the
    cells of ``inputs`` sheets left out: they are fed as ranges; the texts :mod:`formula_prep`
    prepared instead of the saved ones)."""
    replaced: dict[str, bytes] = {}
    overrides = prep.overrides if prep is not None else {}
    if prep is not None and prep.workbook is not None:
        replaced[pkg.workbook_part] = prep.workbook
    for sheet in sheets:
        name = sheet.info.name
        if inputs and name.upper() in inputs:
            replaced[sheet.info.part] = _without_cells(pkg.data[sheet.info.part], sheet.xml)
            continue
        new_areas = {pos: area for (s, pos), area in plan.areas.items() if s == name}
        blocked = {pos for (s, pos) in plan.blocked if s == name}
        own = {pos: text for (s, pos), text in overrides.items() if s == name}
        if not own and not _calc_copy_changes(sheet, new_areas, blocked, texts):
            continue  # formulas reads this sheet as it is: no need to parse and rewrite it
        xml = SheetXml(pkg.data[sheet.info.part], sheet.xml.what)
        changed = False
        for cell in list(xml.formula_cells()):
            pos = (cell.row, cell.col)
            f = cell.formula
            assert f is not None
            text = texts.get((name, pos), f.text)
            normalized = own.get(pos) or bridge.normalize_formula(text)
            if pos in blocked:
                xml.replace_cell(cell, _formula_cell(xml, cell, [], f"{bridge.SPILL_FUNCTION}()"))
                changed = True
            elif pos in new_areas:
                attrs = [("t", "array"), ("ref", new_areas[pos].ref)]
                xml.replace_cell(cell, _formula_cell(xml, cell, attrs, normalized))
                changed = True
            elif pos in own:
                attrs = [(k, v) for k, v in f.attrs if f.get("t") != "shared" or k not in ("t", "ref", "si")]
                xml.replace_cell(cell, _formula_cell(xml, cell, attrs, normalized))
                changed = True
            elif normalized != f.text and f.text:
                xml.replace_cell(cell, _formula_cell(xml, cell, f.attrs, normalized))
                changed = True
        # Values stored by an earlier spill that the current plan no longer covers are blank now.
        covered = {p for pos, area in new_areas.items() for p in area.cells()}
        for pos in sheet.spill_owned - covered:
            cell = xml.cells.get(pos)
            if cell is not None and cell.formula is None and not cell.is_empty:
                xml.replace_cell(cell, xml.cell_xml(cell.row, cell.col, set_attr(cell.attrs, "t", None), ""))
                changed = True
        if changed:
            replaced[sheet.info.part] = xml.to_bytes()
    target = folder / ("beregning" + pkg.path.suffix.lower())
    if not replaced and pkg.path.suffix.lower() == ".xlsx":
        shutil.copyfile(pkg.path, target)
    else:
        pkg.write(target, replaced=replaced)
    return target


def _calc_copy_changes(sheet: _Sheet, new_areas: dict[Pos, Area], blocked: set[Pos],
                       texts: dict[CellKey, str]) -> bool:
    """Whether :func:`_calc_copy` changes anything on this sheet (read from the parsed sheet)."""
    if new_areas or blocked:
        return True
    name = sheet.info.name
    for cell in sheet.xml.formula_cells():
        f = cell.formula
        assert f is not None
        text = texts.get((name, (cell.row, cell.col)), f.text)
        if f.text and bridge.normalize_formula(text) != f.text:
            return True
    return any((c := sheet.xml.cells.get(pos)) is not None and c.formula is None and not c.is_empty
               for pos in sheet.spill_owned)


def _formula_cell(xml: SheetXml, cell: CellXml, f_attrs: list[tuple[str, str]], text: str) -> str:
    p = xml.prefix
    f = f"<{p}f{''.join(f' {k}={chr(34)}{v}{chr(34)}' for k, v in f_attrs)}>{escape_text(text)}</{p}f>"
    attrs = set_attr(cell.attrs, "t", None)
    attrs = set_attr(attrs, "cm", None)
    return xml.cell_xml(cell.row, cell.col, attrs, f)


# ---------------------------------------------------------------------------------------------
# The calculation


def calculate(pkg: Package, engine: bridge.EngineFunctions | None = None) -> Calculation:
    """Calculate every formula of a package; raises :class:`WorkbookError` when it cannot."""
    engine = engine or default_engine()
    metadata = DynamicArrayMetadata.read(pkg)
    sheets = load_sheets(pkg, metadata)
    display = pkg.path.name
    strings = shared_strings(pkg)
    parts = [(s.info.name, s.info.part, s.xml) for s in sheets]
    prep = formula_prep.prepare(pkg, parts, strings, engine.knows)
    prep.dates = formula_prep.date_cells(pkg, parts, prep.aliases)
    by_name = {s.info.name: s for s in sheets}
    plan = _initial_plan(sheets)
    texts: dict[CellKey, str] = {}
    calc = Calculation()
    used = plan
    inputs = _input_sheets(pkg, sheets, prep) if not prep.aliases else {}
    with tempfile.TemporaryDirectory(prefix="kostra-beregn-") as tmp:
        folder = Path(tmp)
        result: _PassResult | None = None
        for attempt in range(1, MAX_PASSES + 1):
            used = plan
            result = _run_pass(pkg, sheets, used, texts, folder, inputs, prep, engine, display, strings)
            if not texts:
                texts = {**result.texts, **prep.originals}
            calc.passes = attempt
            plan = _next_plan(sheets, by_name, used, result)
            if plan.same_as(used) or not _depends_on_change(used, plan, result):
                break
        else:
            raise WorkbookError(
                f"{display}: dynamiske matriser endrer størrelse hver gang arbeidsboken beregnes "
                f"(prøvde {MAX_PASSES} ganger); sjekk om en formel avhenger av sitt eget resultat."
            )
    assert result is not None
    result = _with_iteration(pkg, sheets, used, texts, inputs, prep, engine, display, strings, result)
    _collect(calc, sheets, used, plan, result, texts, prep.notes)
    calc._parsed = (pkg, sheets)
    return calc


def _with_iteration(pkg: Package, sheets: list[_Sheet], plan: _Plan, texts: dict[CellKey, str],
                    inputs: dict[str, _Sheet], prep: formula_prep.Prepared, engine: bridge.EngineFunctions,
                    display: str, strings: list[str], result: _PassResult) -> _PassResult:
    """``result``, or — when the workbook enables iterative calculation and some formulas got no
    value (a circular reference) — the result of iterating them as Excel does."""
    from kostra_functions.engine import iteration

    missing: set[CellKey] = set()
    for sheet in sheets:
        upper = sheet.info.name.upper()
        for cell in sheet.xml.formula_cells():
            pos = (cell.row, cell.col)
            if pos in sheet.cse or (sheet.info.name, pos) in plan.blocked:
                continue
            area = plan.areas.get((sheet.info.name, pos))
            if (upper, area.ref if area is not None else cell.ref) not in result.raw:
                missing.add((sheet.info.name, pos))
    if not missing or prep.facts is None:
        return result
    settings = iteration.settings(pkg)
    if settings is None:
        return result
    shadow = iteration.shadows(missing, prep.facts)
    if shadow is None:
        return result
    iter_prep = copy.copy(prep)
    iter_prep.overrides = dict(prep.overrides)
    for key in missing:
        sheet_name, pos = key
        by_name = next(s for s in sheets if s.info.name == sheet_name)
        cell = by_name.xml.cells[pos]
        assert cell.formula is not None
        text = prep.overrides.get(key) or bridge.normalize_formula(texts.get(key) or cell.formula.text)
        iter_prep.overrides[key] = iteration.shadowed_text(text, sheet_name, shadow, prep.facts)
    shadow_of = {(s2.upper(), make_ref(*p2)): (s.upper(), make_ref(*p))
                 for (s, p), (s2, p2) in shadow.items()}
    with tempfile.TemporaryDirectory(prefix="kostra-iterasjon-") as tmp:
        path = _calc_copy(pkg, sheets, plan, texts, Path(tmp), inputs, iter_prep)
        return _run_formulas(path, engine, sheets, display, inputs, strings, prep.aliases, prep.dates,
                             (settings, shadow_of))


def _run_pass(pkg: Package, sheets: list[_Sheet], plan: _Plan, texts: dict[CellKey, str], folder: Path,
              inputs: dict[str, _Sheet], prep: formula_prep.Prepared, engine: bridge.EngineFunctions,
              display: str, strings: list[str]) -> _PassResult:
    """One pass; a formula formulas cannot read gets ``#VALUE!`` (reported) and the pass is run again."""
    for _ in range(3):
        path = _calc_copy(pkg, sheets, plan, texts, folder, inputs, prep)
        try:
            return _run_formulas(path, engine, sheets, display, inputs, strings, prep.aliases,
                                 prep.dates)
        except _Unreadable as exc:
            if not exc.cells:
                raise WorkbookError(f"{display}: arbeidsboken kan ikke beregnes ({exc.reason}). "
                                    "Ingen fil er skrevet.") from None
            for key in exc.cells:
                prep.give_error(key, "#VALUE!", "formelen kan ikke tolkes av beregningsmotoren")
    raise WorkbookError(f"{display}: arbeidsboken kan ikke beregnes. Ingen fil er skrevet.")


def _shape_of(raw: Any) -> tuple[int, int]:
    if hasattr(raw, "value") and type(raw).__name__ == "Ranges":
        raw = raw.value
    if isinstance(raw, np.ndarray):
        if raw.ndim == 0:
            return 1, 1
        if raw.ndim == 1:
            return 1, raw.shape[0]
        return int(raw.shape[0]), int(raw.shape[1])
    return 1, 1


def _next_plan(sheets: list[_Sheet], by_name: dict[str, _Sheet], used: _Plan,
               result: _PassResult) -> _Plan:
    """Where each formula spills, given the result shapes of the last pass."""
    new = _Plan()
    taken: dict[str, list[Area]] = {s.info.name: [] for s in sheets}
    for sheet in sheets:
        name = sheet.info.name
        upper = name.upper()
        for cell in sorted(sheet.xml.formula_cells(), key=lambda c: (c.row, c.col)):
            pos = (cell.row, cell.col)
            key = (name, pos)
            if pos in sheet.cse:
                continue
            if key in used.blocked:  # its formula was replaced by #SPILL! in this pass
                new.blocked[key] = used.blocked[key]
                continue
            f = cell.formula
            assert f is not None
            shared_ref = f.get("ref") if f.get("t") == "shared" else ""
            shared_master = bool(shared_ref) and Area.parse(shared_ref).shape != (1, 1)
            used_area = used.areas.get(key)
            raw = result.raw.get((upper, used_area.ref if used_area is not None else cell.ref))
            if raw is None:
                if used_area is not None:
                    new.areas[key] = used_area
                continue
            rows, cols = _shape_of(raw[0])
            if (rows, cols) == (1, 1):
                if used_area is not None:
                    new.areas[key] = Area.at(cell.row, cell.col)
                continue
            area = Area.at(cell.row, cell.col, rows, cols)
            reason = _collision(sheet, by_name, area, pos, taken[name])
            if shared_master and not reason:
                reason = (f"formelen er kopiert til {f.get('ref')} som delt formel; en formel som gir en "
                          "tabell må skrives inn i én celle")
            if reason:
                new.blocked[key] = reason
            else:
                new.areas[key] = area
                taken[name].append(area)
    return new


def _collision(sheet: _Sheet, by_name: dict[str, _Sheet], area: Area, anchor: Pos,
               taken: list[Area]) -> str:
    if not area.within_sheet():
        return f"resultatet ({area.shape[0]}×{area.shape[1]}) går utenfor regnearket"
    for pos in area.cells():
        if pos == anchor:
            continue
        if pos in sheet.spill_owned:
            continue
        if not sheet.xml.is_blank(*pos):
            return f"cellen {make_ref(*pos)} i området {area.ref} er ikke tom"
    for merged in sheet.merged:
        if merged.intersects(area):
            return f"området {area.ref} overlapper de sammenslåtte cellene {merged.ref}"
    for master, cse in sheet.cse.items():
        if cse.intersects(area):
            return f"området {area.ref} overlapper matriseformelen i {make_ref(*master)}"
    for other in taken:
        if other.intersects(area):
            return f"området {area.ref} overlapper en annen dynamisk matrise ({other.ref})"
    return ""


def _depends_on_change(old: _Plan, new: _Plan, result: _PassResult) -> bool:
    """True when some formula reads a cell whose value the new spill plan changes."""
    changed: list[tuple[str, Area]] = []
    for key in set(old.areas) | set(new.areas) | set(old.blocked) | set(new.blocked):
        a, b = old.areas.get(key), new.areas.get(key)
        if a == b and (key in old.blocked) == (key in new.blocked):
            continue
        _, pos = key
        sheet = key[0]
        for area in (a, b, Area.at(*pos)):
            if area is not None:
                changed.append((sheet.upper(), area))
    if not changed:
        return False
    for sheet, ref_area in result.referenced:
        for csheet, area in changed:
            if sheet == csheet and ref_area.intersects(area):
                return True
    return False


def _collect(calc: Calculation, sheets: list[_Sheet], used: _Plan, plan: _Plan, result: _PassResult,
             texts: dict[CellKey, str], notes: dict[CellKey, tuple[str, str]] | None = None) -> None:
    """Values of every formula cell (and spilled cell) from the last pass, and the issues."""
    for sheet in sheets:
        name = sheet.info.name
        upper = name.upper()
        for cell in sheet.xml.formula_cells():
            pos = (cell.row, cell.col)
            key = (name, pos)
            assert cell.formula is not None
            text = texts.get(key, cell.formula.text)
            calc.formula_text[key] = text
            calc.formula_cells += 1
            if pos in sheet.cse:
                area = sheet.cse[pos]
                raw_cse = result.raw.get((upper, area.ref))
                _collect_cse(calc, name, area, result.values.get((upper, area.ref)), cell.ref, text,
                             raw_cse[0] if raw_cse is not None else None)
                continue
            if key in plan.blocked:
                calc.values[key] = ExcelError("#SPILL!")
                calc.blocked[key] = plan.blocked[key]
                calc.spills[key] = Area.at(*pos)
                calc.issues.append(CellIssue(name, cell.ref, text, "#SPILL!",
                                             f"Resultatet får ikke plass: {plan.blocked[key]}."))
                continue
            used_area = used.areas.get(key)
            out_ref = used_area.ref if used_area is not None else cell.ref
            raw = result.raw.get((upper, out_ref))
            if raw is None:
                _missing(calc, name, cell.ref, text)
                continue
            matrix = _matrix(raw[0])
            messages = raw[1]
            area = plan.areas.get(key)
            if area is not None:
                calc.spills[key] = area
                if matrix.shape != area.shape:
                    calc.values[key] = ExcelError("#VALUE!")
                    calc.issues.append(CellIssue(name, cell.ref, text, "#VALUE!",
                                                 "Størrelsen på den dynamiske matrisen ble ikke stabil."))
                    continue
                for (r, c) in area.cells():
                    calc.values[(name, (r, c))] = plain_value(matrix[r - area.top, c - area.left])
            else:
                calc.values[key] = plain_value(matrix[0, 0])
            v = calc.values.get(key)
            if isinstance(v, ExcelError):
                message = "; ".join(dict.fromkeys(messages))
                if notes and key in notes:
                    message = notes[key][1]
                if not message and v.code == "#NAME?":
                    message = "ukjent navn eller funksjon"
                calc.issues.append(CellIssue(name, cell.ref, text, v.code, message))


def _collect_cse(calc: Calculation, name: str, area: Area, value: Any, ref: str, text: str,
                 raw: Any = None) -> None:
    """Values of a legacy (Ctrl+Shift+Enter) array formula over ``area``, placed as Excel places
    them: the result from the top-left cell; a one-row result repeated down the range and a
    one-column result across it; cells beyond the result #N/A. ``raw`` is the formula's own result
    (``value`` is what formulas made of it for the range, which for a one-cell range of a larger
    result is #VALUE! where Excel shows the first value)."""
    if value is None and raw is None:
        _missing(calc, name, ref, text)
        return
    matrix = _matrix(raw if raw is not None else value)
    errors = []
    rows, cols = matrix.shape
    for (r, c) in area.cells():
        i, j = r - area.top, c - area.left
        i = 0 if rows == 1 else i
        j = 0 if cols == 1 else j
        inside = i < rows and j < cols
        v = plain_value(matrix[i, j]) if inside else ExcelError("#N/A")
        calc.values[(name, (r, c))] = v
        if isinstance(v, ExcelError):
            errors.append(v)
    if errors:
        calc.issues.append(CellIssue(name, area.ref, text, errors[0].code,
                                     f"{len(errors)} av {area.shape[0] * area.shape[1]} celler i "
                                     "matriseformelen har feilverdi"))


def _missing(calc: Calculation, sheet: str, ref: str, text: str) -> None:
    calc.values[(sheet, _pos(ref))] = None
    calc.issues.append(CellIssue(sheet, ref, text, "(ingen verdi)",
                                 "Beregningsmotoren ga ingen verdi for cellen (sirkulær referanse?)."))


def _pos(ref: str) -> Pos:
    from kostra_functions.engine.package import parse_ref

    return parse_ref(ref)


# ---------------------------------------------------------------------------------------------
# Writing the results into the package


def write_calculation(pkg: Package, calc: Calculation, out: str | Path, *, exclusive: bool = False) -> None:
    """Write ``pkg`` to ``out`` with every computed value stored as the cell's cached value.

    ``exclusive``: create ``out``, never replace a file that appeared meanwhile (no ``--overskriv``)."""
    metadata = DynamicArrayMetadata.read(pkg)
    parsed, calc._parsed = calc._parsed, None  # the sheets calculate() parsed, changed below: once
    sheets = parsed[1] if parsed is not None and parsed[0] is pkg else load_sheets(pkg, metadata)
    replaced: dict[str, bytes] = {}
    for sheet in sheets:
        data = _patched_sheet(sheet, calc, metadata)
        if data is not None:
            replaced[sheet.info.part] = data
    more_replaced, added = metadata.updated_parts(pkg)
    replaced.update(more_replaced)
    workbook = _without_full_calc_on_load(pkg)
    if workbook is not None:
        replaced[pkg.workbook_part] = workbook
    pkg.write(out, replaced=replaced, added=added, exclusive=exclusive)


def _without_full_calc_on_load(pkg: Package) -> bytes | None:
    """The workbook part without ``fullCalcOnLoad`` (which tells Excel to recalculate everything on
    open, set by writers that cannot store values, openpyxl among them): the values are stored now,
    and a reader without the add-in should see them, not #NAME?. Nothing else is touched."""
    from kostra_functions.engine.package import decode_xml, encode_xml, format_attrs

    text, encoding = decode_xml(pkg.data[pkg.workbook_part])
    m = re.search(r"<((?:\w+:)?calcPr)\b([^>]*?)(\s*/?)>", text)
    if not m:
        return None
    attrs = parse_attrs(m.group(2))
    if dict(attrs).get("fullCalcOnLoad") not in ("1", "true"):
        return None
    new = f"<{m.group(1)}{format_attrs(set_attr(attrs, 'fullCalcOnLoad', None))}{m.group(3)}>"
    return encode_xml(text[:m.start()] + new + text[m.end():], encoding)


def _patched_sheet(sheet: _Sheet, calc: Calculation, metadata: DynamicArrayMetadata) -> bytes | None:
    xml = sheet.xml
    name = sheet.info.name
    p = xml.prefix
    dynamic_cm: int | None = None
    spill_cells: dict[Pos, Any] = {}
    extent: Area | None = None
    for (s, anchor), area in calc.spills.items():
        if s != name:
            continue
        for pos in area.cells():
            if pos != anchor:
                spill_cells[pos] = calc.values.get((s, pos))
        extent = area if extent is None else Area(min(extent.top, area.top), min(extent.left, area.left),
                                                  max(extent.bottom, area.bottom),
                                                  max(extent.right, area.right))
    for cell in list(xml.formula_cells()):
        pos = (cell.row, cell.col)
        key = (name, pos)
        f = cell.formula
        assert f is not None
        value = calc.values.get(key)
        f_xml = f.raw
        cm: str | None = cell.attr("cm") or None
        if key in calc.spills:
            area = calc.spills[key]
            f_attrs = [(k, v) for k, v in f.attrs if k not in ("t", "ref", "si")]
            f_attrs = [("t", "array"), ("ref", area.ref), *f_attrs]
            text = None
            if f.get("t") == "shared":
                text = calc.formula_text.get(key, f.text)
            f_xml = f.render(f_attrs, text, prefix=p)
            if dynamic_cm is None:
                dynamic_cm = metadata.index_for_dynamic()
            cm = str(dynamic_cm)
        xml.replace_cell(cell, _value_cell(xml, cell.attrs, cell.inner, f_xml, value, cm))
    for master, area in sheet.cse.items():
        for pos in area.cells():
            if pos == master:
                continue
            cell = xml.cells.get(pos)
            value = calc.values.get((name, pos))
            if cell is None:
                xml.add_cell(pos[0], pos[1], _value_cell(xml, [("r", make_ref(*pos))], "", "", value, None))
            elif cell.formula is None:
                cm = cell.attr("cm") or None
                xml.replace_cell(cell, _value_cell(xml, cell.attrs, cell.inner, "", value, cm))
    for pos, value in spill_cells.items():
        cell = xml.cells.get(pos)
        if cell is None:
            xml.add_cell(pos[0], pos[1], _value_cell(xml, [("r", make_ref(*pos))], "", "", value, None))
        elif cell.formula is None:
            xml.replace_cell(cell, _value_cell(xml, cell.attrs, cell.inner, "", value, None))
    for pos in sheet.spill_owned - set(spill_cells):
        cell = xml.cells.get(pos)
        if cell is not None and cell.formula is None and not cell.is_empty:
            attrs = set_attr(set_attr(cell.attrs, "t", None), "cm", None)
            xml.replace_cell(cell, xml.cell_xml(cell.row, cell.col, attrs, ext_lst(cell.inner)))
    if extent is not None:
        xml.set_dimension(extent)
    return xml.to_bytes() if xml.changed else None


_EXT_LST = re.compile(r"<(?:\w+:)?extLst\b.*?</(?:\w+:)?extLst>", re.DOTALL)


def ext_lst(inner: str) -> str:
    """The ``<extLst>`` element of a cell's inner XML (kept when the cell is rewritten), or ``""``."""
    m = _EXT_LST.search(inner)
    return m.group(0) if m else ""


def _value_cell(xml: SheetXml, attrs: list[tuple[str, str]], inner: str, f_xml: str, value: Any,
                cm: str | None) -> str:
    t, v = encode_value(value)
    new_attrs = set_attr(attrs, "t", t, after=("r", "s"))
    new_attrs = set_attr(new_attrs, "cm", cm, after=("r", "s", "t"))
    p = xml.prefix
    body = f_xml + (f"<{p}v>{v}</{p}v>" if v is not None else "") + ext_lst(inner)
    return xml.cell_xml(0, 0, new_attrs, body)


# ---------------------------------------------------------------------------------------------
# Public entry points


_DEFAULT_ENGINE: bridge.EngineFunctions | None = None


def default_engine() -> bridge.EngineFunctions:
    """The engine for the table as it is now (built on first use, once per process)."""
    global _DEFAULT_ENGINE
    if _DEFAULT_ENGINE is None:
        _DEFAULT_ENGINE = bridge.EngineFunctions()
    return _DEFAULT_ENGINE


def check_output_path(source: Path, output: Path, overwrite: bool) -> None:
    """Refuse to overwrite the input (or any existing file) without ``overwrite``."""
    if output.suffix.lower() != source.suffix.lower():
        raise WorkbookError(
            f"{output}: utfilen må ha samme filtype som innfilen ({source.suffix}); ellers kan Excel "
            "ikke åpne den."
        )
    if output.exists() and not overwrite:
        same = output.resolve() == source.resolve()
        what = "innfilen" if same else "en eksisterende fil"
        raise WorkbookError(f"{output}: vil ikke skrive over {what} uten --overskriv.")


def recalculate(source: str | Path, output: str | Path | None = None, *, overwrite: bool = False,
                engine: bridge.EngineFunctions | None = None) -> RecalcResult:
    """Calculate ``source`` and write it to ``output`` with cached values (formulas kept).

    ``output`` ``None`` means the source itself, which needs ``overwrite=True``. Nothing is written
    when the workbook cannot be calculated (an unknown function, a formula the engine cannot read);
    cells that calculate to an error value are written as Excel would show them and reported.
    """
    src = Path(source)
    out = Path(output) if output is not None else src
    check_output_path(src, out, overwrite)
    pkg = Package.read(src)
    calc = calculate(pkg, engine)
    write_calculation(pkg, calc, out, exclusive=not overwrite)
    return RecalcResult(src, out, calc)


def iter_stored_values(pkg: Package) -> Iterator[tuple[str, Pos, bool, Any]]:
    """``(sheet, pos, is_formula, stored value)`` for every formula cell and every stored spill value."""
    metadata = DynamicArrayMetadata.read(pkg)
    strings = shared_strings(pkg)
    for sheet in load_sheets(pkg, metadata):
        array_cells: set[Pos] = set()
        for anchor, area in list(sheet.dynamic.items()) + list(sheet.cse.items()):
            array_cells.update(p for p in area.cells() if p != anchor)
        for pos, cell in sheet.xml.cells.items():
            if cell.formula is not None:
                yield sheet.info.name, pos, True, stored_value(cell, strings)
            elif pos in array_cells:
                yield sheet.info.name, pos, False, stored_value(cell, strings)


def shared_strings(pkg: Package) -> list[str]:
    part = pkg.part_with_type(pkg.workbook_part, "/sharedStrings")
    if part is None or part not in pkg.data:
        return []
    root = safe_parse(pkg.data[part], f"{pkg.path.name}:{part}")
    ns = f"{{{MAIN_NS}}}"
    out = []
    for si in root.findall(f"{ns}si"):
        out.append("".join(t.text or "" for t in si.iter(f"{ns}t") if not _in_phonetic(si, t)))
    return out


def _in_phonetic(si: Any, t: Any) -> bool:
    for rph in si.findall(f"{{{MAIN_NS}}}rPh"):
        if t in list(rph.iter()):
            return True
    return False


def stored_value(cell: CellXml, strings: list[str]) -> Any:
    """The value a cell stores (its cached value for a formula), as a plain Python value."""
    t = cell.type
    if cell.value_raw is None:
        if t == "inlineStr" and cell.has_inline:
            texts = re.findall(r"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", cell.inner, re.DOTALL)
            return unescape("".join(texts))
        return None
    raw = unescape(cell.value_raw)
    if raw == "" and t not in ("str", "inlineStr"):
        return None  # <v/>: no value stored (openpyxl writes this for formulas)
    if t == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            return ExcelError("#REF!")
    if t in ("str", "inlineStr"):
        return raw
    if t == "b":
        return raw.strip() in ("1", "true")
    if t == "e":
        return ExcelError(raw.strip())
    try:
        return float(raw)
    except ValueError:
        return raw


def values_equal(a: Any, b: Any, rel: float = 1e-9, abs_tol: float = 1e-9) -> bool:
    """Equality for cached vs computed values: numbers within rounding noise, text exact."""
    if isinstance(a, ExcelError) or isinstance(b, ExcelError):
        return isinstance(a, ExcelError) and isinstance(b, ExcelError) and a.code == b.code
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)
    if a in (None, "") and b in (None, ""):
        return True
    return a == b
