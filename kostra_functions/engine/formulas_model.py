"""One calculation pass of the ``formulas`` engine: its model (compiled formulas reused across
workbooks, sparse sheets read cell by cell), the KOSTRA reasons noted per cell, the values of input
sheets fed as ranges, iterative calculation, and what the pass gives (:class:`PassResult`)."""

from __future__ import annotations

import collections
import contextlib
import copy
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import schedula as sh

from kostra_functions.engine import bridge
from kostra_functions.engine.calculation import CellKey, Pos
from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.inputs import range_value
from kostra_functions.engine.stored import SheetLayout


@dataclass
class PassResult:
    """What one pass of formulas gives: values and raw results per output, the ranges formulas
    read, and the formula texts as formulas read them."""

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


def run_formulas(path: Path, engine: bridge.EngineFunctions, sheets: list[SheetLayout],
                 display_name: str, inputs: dict[str, SheetLayout] | None = None,
                 strings: list[str] | None = None, aliases: dict[str, str] | None = None,
                 dates: dict[str, set[Pos]] | None = None,
                 iterate: tuple[Any, dict[tuple[str, str], tuple[str, str]]] | None = None) -> PassResult:
    """Calculate the calculation copy at ``path`` with formulas once (``inputs`` sheets fed as
    ranges, ``iterate`` the settings and shadow cells of an iterative calculation); raises
    :class:`UnreadableFormulas` when formulas cannot read a formula."""
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
                    value = range_value(inputs[split[0].upper()], Area.parse(split[1]), strings or [])
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
    return PassResult(values, raw, referenced, texts)


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


def _formula_texts(model: formulas.ExcelModel, sheets: list[SheetLayout],
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


def _subtotal_cells(sheets: list[SheetLayout]) -> dict[str, set[Pos]]:
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


class UnreadableFormulas(Exception):
    """formulas cannot read the workbook; ``cells`` are the formula cells it cannot parse."""

    def __init__(self, cells: list[CellKey], reason: str) -> None:
        super().__init__(reason)
        self.cells = cells
        self.reason = reason


def _diagnose_parse_failure(model: Any, sheets: list[SheetLayout], exc: Exception) -> None:
    """Raise :class:`UnreadableFormulas` naming the cells whose formula (as calculated) formulas
    cannot read."""
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
    raise UnreadableFormulas(bad, f"{type(exc).__name__}: {exc}")
