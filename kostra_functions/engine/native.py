"""The native engine: ``formualizer`` (a spreadsheet engine in Rust) with the ``KOSTRA_*`` table.

:func:`calculate` gives the same :class:`~kostra_functions.engine.recalc.Calculation` as the
``formulas`` path, so :func:`~kostra_functions.engine.recalc.write_calculation` stores the values
into the original XML for both engines (every part that is not a sheet stays byte for byte).

How a workbook is calculated:

1. ``formualizer`` reads the file itself (cells, shared formulas, legacy array formulas, defined
   names, Excel tables);
2. every row of :data:`kostra_functions.excel.functions.FUNCTIONS` is registered as a workbook
   function; a formula that spells one of ours the way a saved file can (``KOSTRA.X``,
   ``_xldudf_KOSTRA_X``, ``_xll.KOSTRA_X``, ``[1]!KOSTRA_X``) is rewritten to the table name;
3. ``formualizer`` passes ``0`` for an argument left out (``=KOSTRA_AVVIK(A1;;B1)``), which our
   functions must see as blank (as Excel passes it): each empty argument of a ``KOSTRA_*`` call is
   rewritten to a marker function whose value the callback turns back into blank;
4. the values a file stores for the cells a dynamic array spilled into are cleared first (they are
   the previous result, not the user's input, and would otherwise block the spill);
5. iterative calculation follows the workbook's own setting (``calcPr iterate``, count, max change).

Arguments reach the table's rows converted as in the ``formulas`` bridge and the xlwings face: a
single cell as a scalar, a range as a list of rows, blanks as ``None``, numbers as floats, error
values as :class:`~kostra_functions.cells.ExcelError`. A function or feature the engine
lacks gives that cell an Excel error value and a line in the report; nothing is refused.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import formualizer as fz

from kostra_functions.cells import ExcelError
from kostra_functions.engine.package import (
    MAIN_NS,
    Area,
    DynamicArrayMetadata,
    Package,
    SheetXml,
    WorkbookError,
    safe_parse,
)
from kostra_functions.excel.spec import ExcelFunction

NAME = "formualizer"

#: formualizer's error kinds and the codes Excel shows.
ERROR_CODES = {
    "Null": "#NULL!", "Div": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
    "Num": "#NUM!", "Na": "#N/A", "Spill": "#SPILL!", "Calc": "#CALC!", "GettingData": "#GETTING_DATA",
    "NImpl": "#NAME?", "Error": "#VALUE!",
}
_KINDS = {code: kind for kind, code in ERROR_CODES.items() if kind not in ("NImpl", "Error")}

#: The marker an omitted argument of a ``KOSTRA_*`` call is rewritten to, and its value.
OMITTED_FUNCTION = "KOSTRA__UTELATT"
_OMITTED = "\x00kostra-utelatt\x00"
#: The marker a ``KOSTRA_*`` argument that is a date-formatted cell is wrapped in, and its tag.
DATE_FUNCTION = "KOSTRA__DATO"
_DATE_TAG = "\x00kostra-dato\x00"
_BLANK = "\x00kostra-tom\x00"

Pos = tuple[int, int]
CellKey = tuple[str, Pos]


# ---------------------------------------------------------------------------------------------
# Formula text: our function spellings and omitted arguments


_STRING = re.compile(r'"(?:[^"]|"")*"')
#: A call of one of ours in any spelling a saved file can carry (add-in workbook prefix included).
_SPELLING = re.compile(
    r"(?<![\w.\]])(?:(?:\[\d+\]|'[^']*\.xla[mx]?')!)?(?:_xldudf_|_xll\.|_xlfn\.)?KOSTRA[._]([A-Za-z0-9_]+)\s*\(",
    re.IGNORECASE,
)


def _outside_strings(formula: str, fn: Callable[[str], str]) -> str:
    parts = re.split(r'("(?:[^"]|"")*")', formula)
    return "".join(p if p.startswith('"') else fn(p) for p in parts)


@functools.lru_cache(maxsize=65536)
def canonical_formula(formula: str) -> str:
    """``formula`` with every spelling of a ``KOSTRA_*`` call as the table name and every empty
    argument of such a call replaced by the omitted-argument marker."""
    text = _outside_strings(formula, lambda p: _SPELLING.sub(lambda m: f"KOSTRA_{m.group(1).upper()}(", p))
    if not _EMPTY_SLOT.search(text):
        return text
    return _mark_omitted(text)


#: Somewhere an argument may be empty (an empty argument list "()" included; the walk decides).
_EMPTY_SLOT = re.compile(r"[(,;]\s*[,;)]")
_NAME_BEFORE = re.compile(r"(?<![\w.])(KOSTRA_[A-Z0-9_]+)\s*$", re.IGNORECASE)


def _mark_omitted(text: str) -> str:
    """Insert the marker into every empty argument slot of a ``KOSTRA_*`` call (not the empty
    argument list of a call without arguments)."""
    out: list[str] = []
    # A stack entry per open parenthesis: True when it opens a KOSTRA_ call.
    stack: list[bool] = []
    slot_empty = False  # no content yet in the current argument slot of the innermost KOSTRA call
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"' or ch == "'":
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            slot_empty = False
            continue
        if ch == "(":
            m = _NAME_BEFORE.search("".join(out[-80:]))
            ours = m is not None and not m.group(1).upper() == OMITTED_FUNCTION
            stack.append(ours)
            out.append(ch)
            slot_empty = ours
            # An empty argument list "()" is no argument at all.
            if ours and text[i + 1:i + 2] == ")":
                slot_empty = False
            i += 1
            continue
        if ch in ",;" and stack and stack[-1]:
            if slot_empty:
                out.append(OMITTED_FUNCTION + "()")
            out.append(ch)
            slot_empty = True
            i += 1
            continue
        if ch == ")" and stack:
            ours = stack.pop()
            if ours and slot_empty:
                out.append(OMITTED_FUNCTION + "()")
            out.append(ch)
            slot_empty = False
            i += 1
            continue
        if ch in "{[":
            close = "}" if ch == "{" else "]"
            depth, j = 0, i
            while j < n:
                if text[j] == ch:
                    depth += 1
                elif text[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            slot_empty = False
            continue
        if not ch.isspace():
            slot_empty = False
        out.append(ch)
        i += 1
    return "".join(out)


def needs_rewrite(formula: str) -> bool:
    return "KOSTRA" in formula.upper()


# ---------------------------------------------------------------------------------------------
# Values between formualizer and the table


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


# ---------------------------------------------------------------------------------------------
# The table as workbook functions


@dataclass
class _Notes:
    """Norwegian reasons the rows gave for error values during one calculation, per function."""

    by_function: dict[str, list[str]] = field(default_factory=dict)

    def note(self, name: str, message: str) -> None:
        seen = self.by_function.setdefault(name, [])
        if message not in seen and len(seen) < 5:
            seen.append(message)


class UnreadableError(WorkbookError):
    """formualizer refuses to read or calculate the file (the formulas engine may still do it)."""


class NativeFunctions:
    """The table's rows as formualizer callbacks (built once per process, registered per workbook)."""

    def __init__(self, table: Mapping[str, ExcelFunction] | None = None) -> None:
        if table is None:
            from kostra_functions.excel.functions import FUNCTIONS as table
        self.table: dict[str, ExcelFunction] = dict(table)
        self.notes = _Notes()
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


# ---------------------------------------------------------------------------------------------
# The workbook as stored


@dataclass
class _StoredSheet:
    name: str
    formulas: dict[Pos, str]  # every formula cell: its own text ("" for a shared-formula child)
    cse: dict[Pos, Area]  # legacy array formulas: master → range
    dynamic: dict[Pos, Area]  # dynamic arrays as stored: anchor → spill range


#: Error values formualizer's reader accepts as stored values; newer ones it refuses.
_READABLE_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
_NEWER_ERROR = re.compile(rb"(<(?:\w+:)?v>)(#(?:SPILL|CALC|GETTING_DATA|BLOCKED|UNKNOWN|FIELD|CONNECT|BUSY|"
                          rb"PYTHON|EXTERNAL)!?)(</(?:\w+:)?v>)")
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


class _FormulaSheets:
    """``pkg`` as the shared writer should see it: only the sheets that hold formulas (a sheet
    without one has nothing to store, and parsing a large ledger sheet costs seconds)."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.path = pkg.path
        self.data = pkg.data
        self.workbook_part = pkg.workbook_part

    def sheets(self) -> list[Any]:
        return [info for info in self.pkg.sheets() if _HAS_FORMULA.search(self.pkg.data[info.part])]


_REF_ARG = re.compile(r"^(?:('(?:[^']|'')+'|[A-Za-z_\u00c0-\u024f][\w.\u00c0-\u024f]*)!)?"
                      r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?$")


def _kostra_arg_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every argument of every ``KOSTRA_*`` call in ``text`` (outside quotes)."""
    spans: list[tuple[int, int]] = []
    stack: list[list[Any]] = []  # [is ours, start of the current argument]
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < n and not (text[j] == ch and text[j + 1:j + 2] != ch):
                j += 2 if text[j] == ch else 1
            i = j + 1
            continue
        if ch in "{[":
            close = _matching_bracket(text, i) if ch == "[" else text.find("}", i)
            i = (close if close >= 0 else n) + 1
            continue
        if ch == "(":
            m = _NAME_BEFORE.search(text[max(0, i - 80):i])
            ours = m is not None and m.group(1).upper() not in (OMITTED_FUNCTION, DATE_FUNCTION)
            stack.append([ours, i + 1])
        elif ch in ",;" and stack:
            if stack[-1][0]:
                spans.append((stack[-1][1], i))
            stack[-1][1] = i + 1
        elif ch == ")" and stack:
            ours, start = stack.pop()
            if ours:
                spans.append((start, i))
        i += 1
    return spans


class _DateCells:
    """Which cells a ``KOSTRA_*`` call reads directly are formatted as dates (Excel, and xlwings,
    hand such a cell to a function as a date: used as an amount it is ``#VALUE!``, not a number)."""

    def __init__(self, pkg: Package, parsed: dict[str, SheetXml]) -> None:
        self.pkg = pkg
        self.parsed = parsed
        self._styles: set[str] | None = None
        self._parts = {info.name.upper(): info for info in pkg.sheets()}
        self._dated: dict[str, set[Pos]] = {}
        #: key → offsets of the date-formatted cells of a range argument (``KOSTRA__DATO(A1:C9;"0")``)
        self.masks: dict[str, set[Pos]] = {}

    def _dated_styles(self) -> set[str]:
        if self._styles is None:
            self._styles = set()
            part = self.pkg.part_with_type(self.pkg.workbook_part, "/styles")
            if part is not None and part in self.pkg.data:
                from openpyxl.styles.numbers import is_date_format

                root = safe_parse(self.pkg.data[part], f"{self.pkg.path.name}:{part}")
                ns = f"{{{MAIN_NS}}}"
                custom = {el.get("numFmtId"): el.get("formatCode") or "" for el in root.iter(f"{ns}numFmt")}
                builtin = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
                xfs = root.find(f"{ns}cellXfs")
                for i, xf in enumerate(xfs if xfs is not None else []):
                    fid = xf.get("numFmtId", "0")
                    code = custom.get(fid)
                    if (code is not None and is_date_format(code)) or (
                            code is None and fid.isdigit() and int(fid) in builtin):
                        self._styles.add(str(i))
        return self._styles

    def dated(self, sheet: str) -> set[Pos]:
        """Number cells of ``sheet`` formatted as dates (read once per sheet)."""
        info = self._parts.get(sheet.upper())
        if info is None:
            return set()
        if info.name not in self._dated:
            styles = self._dated_styles()
            found: set[Pos] = set()
            xml = self.parsed.get(info.name)
            if styles and xml is not None:
                found = {pos for pos, c in xml.cells.items() if c.attr("s") in styles and c.type == "n"}
            elif styles:
                from kostra_functions.engine.package import parse_ref

                for m in re.finditer(rb"<(?:\w+:)?c\b([^>]*)>", self.pkg.data[info.part]):
                    attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
                    if attrs.get(b"s", b"").decode() in styles and attrs.get(b"t", b"n") == b"n" \
                            and b"r" in attrs:
                        found.add(parse_ref(attrs[b"r"].decode()))
            self._dated[info.name] = found
        return self._dated[info.name]

    def wrap(self, formula: str, sheet: str) -> str:
        """``formula`` with each ``KOSTRA_*`` argument that is a cell or range holding
        date-formatted cells wrapped in the date marker (a range with the key of its mask)."""
        out, pos = [], 0
        for start, end in _kostra_arg_spans(formula):
            arg = formula[start:end].strip()
            m = _REF_ARG.match(arg)
            if m is None:
                continue
            target = m.group(1) or sheet
            if target.startswith("'"):
                target = target[1:-1].replace("''", "'")
            dated = self.dated(target)
            if not dated:
                continue
            area = Area.parse(arg.rsplit("!", 1)[-1].replace("$", ""))
            inside = {(r - area.top, c - area.left) for (r, c) in dated
                      if area.top <= r <= area.bottom and area.left <= c <= area.right}
            if not inside:
                continue
            if area.shape == (1, 1):
                out.append(formula[pos:start] + f"{DATE_FUNCTION}({arg})")
            else:
                key = str(len(self.masks))
                self.masks[key] = inside
                out.append(formula[pos:start] + f'{DATE_FUNCTION}({arg},"{key}")')
            pos = end
        return "".join(out) + formula[pos:] if out else formula


def _prepared(pkg: Package) -> tuple[dict[str, bytes], list[_StoredSheet], Any, dict[str, set[Pos]]]:
    """The sheet parts as formualizer should read them, what each sheet stores, and the parsed
    sheets for :func:`recalc.write_calculation` (each sheet with formulas parsed once, read only).

    Changes, in memory only (the file written later is patched from the original XML): every
    ``KOSTRA_*`` formula in the table's spelling with its omitted arguments marked
    (:func:`canonical_formula`); the values stored for the cells of a dynamic array's spill range
    removed (the previous result, which would otherwise block the new spill); stored error values
    newer than formualizer's reader (``#SPILL!``, ``#CALC!``) shown to it as ``#VALUE!``.
    """
    from kostra_functions.engine.package import encode_xml
    from kostra_functions.engine.stored import load_sheets

    metadata = DynamicArrayMetadata.read(pkg)
    parsed = load_sheets(_FormulaSheets(pkg), metadata)  # type: ignore[arg-type]
    tables = read_tables(pkg)
    table_names = [t.name.upper() for t in tables if t.name]
    dates = _DateCells(pkg, {s.info.name: s.xml for s in parsed})
    replaced: dict[str, bytes] = {}
    out = []
    for sheet in parsed:
        xml = sheet.xml
        formulas: dict[Pos, str] = {}
        edits: list[tuple[int, int, str]] = []
        for cell in xml.formula_cells():
            f = cell.formula
            assert f is not None
            own = f.text or ""
            formulas[(cell.row, cell.col)] = own
            new = canonical_formula(own) if own and needs_rewrite(own) else own
            if tables and any(name in new.upper() for name in table_names):
                new = structured_references(new, cell.row, sheet.info.name, tables)
            if "KOSTRA_" in new.upper():
                new = dates.wrap(new, sheet.info.name)
            if new != own:
                element = xml.text[cell.start:cell.end]
                edits.append((cell.start, cell.end,
                              element.replace(f.raw, f.render(None, new, prefix=xml.prefix), 1)))
        for pos in sheet.spill_owned:
            cell = xml.cells.get(pos)
            if cell is not None and cell.formula is None:
                edits.append((cell.start, cell.end, ""))
        if edits:
            text = xml.text
            for start, end, new_text in sorted(edits, reverse=True):
                text = text[:start] + new_text + text[end:]
            replaced[sheet.info.part] = encode_xml(text, xml.encoding)
        out.append(_StoredSheet(sheet.info.name, formulas, dict(sheet.cse), dict(sheet.dynamic)))
    for info in pkg.sheets():
        data = replaced.get(info.part, pkg.data[info.part])
        if b"#" in data and _NEWER_ERROR.search(data):
            replaced[info.part] = _NEWER_ERROR.sub(rb"\1#VALUE!\3", data)
    return replaced, out, (pkg, parsed), dates.masks


def _iteration(pkg: Package) -> tuple[bool, int, float]:
    """The workbook's iterative-calculation setting: (on, max iterations, max change)."""
    root = safe_parse(pkg.data[pkg.workbook_part], f"{pkg.path.name}:{pkg.workbook_part}")
    el = root.find(f"{{{MAIN_NS}}}calcPr")
    if el is None:
        return False, 100, 0.001
    on = el.get("iterate") in ("1", "true")
    try:
        count = int(el.get("iterateCount") or 100)
        delta = float(el.get("iterateDelta") or 0.001)
    except ValueError:
        count, delta = 100, 0.001
    return on, max(1, count), delta


def _config(pkg: Package) -> Any:
    cfg = fz.EvaluationConfig()
    on, count, delta = _iteration(pkg)
    if on:
        cfg.cycle_policy = "iterate"
        cfg.iterate_max_iterations = count
        cfg.iterate_max_change = delta
    return fz.WorkbookConfig(eval_config=cfg)


# ---------------------------------------------------------------------------------------------
# Calculating


def load(pkg: Package, functions: NativeFunctions | None = None) -> tuple[Any, list[_StoredSheet], Any]:
    """A formualizer workbook for ``pkg`` with the table registered and the formulas prepared, what
    each sheet stores, and the parsed sheets for the writer."""
    functions = functions or default_functions()
    replaced, sheets, parsed, date_masks = _prepared(pkg)
    try:
        wb = fz.Workbook.from_bytes(_package_bytes(pkg, replaced), config=_config(pkg))
    except Exception as exc:  # formualizer's reader refuses the file: say so, in Norwegian
        raise UnreadableError(f"{pkg.path.name}: beregningsmotoren formualizer kan ikke lese filen "
                            f"({exc}).") from exc
    functions.register(wb, date_masks)
    return wb, sheets, parsed


@dataclass(frozen=True)
class Table:
    """An Excel table (``xl/tables/tableN.xml``) as structured references need it."""

    name: str
    sheet: str
    area: Area
    headers: tuple[str, ...]
    header_row: bool
    totals_row: bool


def read_tables(pkg: Package) -> list[Table]:
    out = []
    for info in pkg.sheets():
        for _, rtype, target, mode in pkg.relationships(info.part):
            if not rtype.endswith("/table") or mode == "External" or target not in pkg.data:
                continue
            root = safe_parse(pkg.data[target], f"{pkg.path.name}:{target}")
            try:
                area = Area.parse(root.get("ref") or "")
            except Exception:  # a table without a readable range: its references stay #NAME?
                continue
            out.append(Table(root.get("displayName") or root.get("name") or "", info.name, area,
                             tuple(c.get("name") or "" for c in root.iter(f"{{{MAIN_NS}}}tableColumn")),
                             root.get("headerRowCount", "1") != "0",
                             (root.get("totalsRowCount") or "0") != "0"))
    return out


_ESCAPED = re.compile(r"'(.)")


def _matching_bracket(text: str, i: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``i`` (``'`` escapes the next character), or -1."""
    depth = 0
    j = i
    while j < len(text):
        ch = text[j]
        if ch == "'":
            j += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _table_range(table: Table, inner: str | None, row: int) -> str | None:
    """The plain reference a structured reference's bracket content means, or None (left alone)."""
    if inner is None:
        items = ["#Data"]
    elif inner.startswith("["):
        items = re.findall(r"\[((?:[^\]']|'.)*)\]|(:)", inner)
        items = [a or b for a, b in items]
    else:
        items = [inner]
    specs: list[str] = []
    columns: list[str] = []
    joined = False
    for item in items:
        if item == ":":
            joined = True
            continue
        text = _ESCAPED.sub(r"\1", item).strip()
        if text.startswith("@"):
            specs.append("#THIS ROW")
            text = text[1:].strip()
            if text.startswith("[") and text.endswith("]"):
                text = _ESCAPED.sub(r"\1", text[1:-1])
            if text:
                columns.append(text)
        elif text.startswith("#"):
            specs.append(text.upper())
        else:
            columns.append(text)
    upper = [h.upper() for h in table.headers]
    if any(c.upper() not in upper for c in columns) or len(columns) > 2 or (joined and len(columns) != 2):
        return None
    a = table.area
    first_data = a.top + (1 if table.header_row else 0)
    last_data = a.bottom - (1 if table.totals_row else 0)
    parts = {"#ALL": (a.top, a.bottom), "#DATA": (first_data, last_data),
             "#HEADERS": (a.top, a.top) if table.header_row else None,
             "#TOTALS": (a.bottom, a.bottom) if table.totals_row else None,
             "#THIS ROW": (row, row)}
    chosen = [parts.get(spec) for spec in (specs or ["#DATA"])]
    if any(p is None for p in chosen):
        return None
    top = min(p[0] for p in chosen if p)
    bottom = max(p[1] for p in chosen if p)
    if columns:
        left = a.left + upper.index(columns[0].upper())
        right = a.left + upper.index(columns[-1].upper())
        left, right = min(left, right), max(left, right)
    else:
        left, right = a.left, a.right
    from kostra_functions.engine.package import index_to_col

    this_row = specs == ["#THIS ROW"]
    r1 = f"{top}" if this_row else f"${top}"
    r2 = f"{bottom}" if this_row else f"${bottom}"
    ref = f"${index_to_col(left)}{r1}"
    if (top, left) != (bottom, right):
        ref += f":${index_to_col(right)}{r2}"
    return ref


def structured_references(formula: str, row: int, sheet: str, tables: list[Table]) -> str:
    """``formula`` with every structured reference (``Tabell1[Beløp]``, ``Tabell1[[#This Row],
    [Beløp]]``, ``Tabell1[@Beløp]``, ``Tabell1[[#Totals],[Beløp]]``, ``Tabell1[[A]:[B]]``,
    ``Tabell1[#All]``, a bare ``Tabell1``) as the plain range it means for a formula on ``row``:
    formualizer 0.13 reads only some of these forms, and a column reference in a table's totals
    row would otherwise include that row itself."""
    by_name = {t.name.upper(): t for t in tables if t.name}
    if not by_name:
        return formula
    names = re.compile(r"(?<![\w.\]!'])(" + "|".join(re.escape(n) for n in by_name) + r")(?![\w.(!])",
                       re.IGNORECASE)

    def convert(part: str) -> str:
        out, pos = [], 0
        for m in names.finditer(part):
            if m.start() < pos:
                continue
            table = by_name[m.group(1).upper()]
            end = m.end()
            inner: str | None = None
            if end < len(part) and part[end] == "[":
                close = _matching_bracket(part, end)
                if close < 0:
                    continue
                inner, end = part[end + 1:close], close + 1
            ref = _table_range(table, inner, row)
            if ref is None:
                continue
            if table.sheet != sheet:
                ref = f"{_quoted(table.sheet)}!{ref}"
            out.append(part[pos:m.start()] + ref)
            pos = end
        return "".join(out) + part[pos:]

    return _outside_strings(formula, convert)


def _package_bytes(pkg: Package, replaced: dict[str, bytes]) -> bytes:
    """The package as a zip for formualizer (the file itself when nothing had to change)."""
    if not replaced and pkg.path.is_file():
        return pkg.path.read_bytes()
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in pkg.data.items():
            z.writestr(name, replaced.get(name, data))
    return buf.getvalue()


def calculate(pkg: Package, functions: NativeFunctions | None = None) -> Any:
    """Calculate every formula of ``pkg`` with formualizer; a :class:`recalc.Calculation`."""
    from kostra_functions.engine.calculation import Calculation, CellIssue

    functions = functions or default_functions()
    functions.notes = _Notes()
    wb, sheets, parsed = load(pkg, functions)
    try:
        wb.evaluate_all()
    except Exception as exc:  # the engine gives up on the whole workbook: let formulas take it
        raise UnreadableError(f"{pkg.path.name}: beregningsmotoren formualizer kan ikke beregne "
                              f"arbeidsboken ({exc}).") from exc
    calc = Calculation()
    calc.parsed = parsed  # the writer patches these sheets; the others have nothing to store
    for sheet in sheets:
        name = sheet.name
        cse_members = {p for a in sheet.cse.values() for p in a.cells()}
        for pos, own in sheet.formulas.items():
            if pos in cse_members and pos not in sheet.cse:
                continue  # a cell inside a legacy array formula: filled from its master below
            key = (name, pos)
            text = own or (wb.get_formula(name, pos[0], pos[1]) or "").removeprefix("=")
            calc.formula_text[key] = text
            calc.formula_cells += 1
            ref = _ref(pos)
            if pos in sheet.cse:
                _collect_cse(calc, wb, name, sheet.cse[pos], text, CellIssue)
                continue
            value = from_engine(wb.get_value(name, pos[0], pos[1]))
            extent = _spill_extent(wb, name, ref) if _may_spill(text, value, sheet, pos) else None
            if extent is not None and extent.shape != (1, 1):
                calc.spills[key] = extent
                for cell in extent.cells():
                    calc.values[(name, cell)] = value if cell == pos else _member_value(wb, name, cell)
            else:
                calc.values[key] = value
            if isinstance(value, ExcelError):
                if value.code == "#SPILL!":
                    reason = "området resultatet skal fylle er ikke tomt"
                    calc.spills[key] = Area.at(*pos)
                    calc.blocked[key] = reason
                    calc.issues.append(CellIssue(name, ref, text, "#SPILL!",
                                                 f"Resultatet får ikke plass: {reason}."))
                    continue
                calc.issues.append(CellIssue(name, ref, text, value.code, _reason(text, value, functions)))
            elif value is None and _is_cycle(wb, name, pos):
                calc.issues.append(CellIssue(name, ref, text, "(ingen verdi)",
                                             "Sirkulær referanse: cellen avhenger av seg selv, og "
                                             "arbeidsboken har ikke iterativ beregning slått på."))
    calc.passes = 1
    return calc


def _may_spill(text: str, value: Any, sheet: _StoredSheet, pos: Pos) -> bool:
    # Any formula may return an array; asking the engine per cell is cheap next to guessing wrong.
    return True


def _spill_extent(wb: Any, sheet: str, ref: str) -> Area | None:
    report = wb.inspect_cell(_quoted(sheet) + "!" + ref).to_dict()
    spill = (report.get("cell") or {}).get("spill")
    if not spill or spill.get("kind") != "Anchor" or not spill.get("extent"):
        return None
    return Area.parse(spill["extent"].rsplit("!", 1)[1])


def _member_value(wb: Any, sheet: str, pos: Pos) -> Any:
    """The value a spill gave a cell."""
    return from_engine(wb.get_value(sheet, pos[0], pos[1]))


def _is_cycle(wb: Any, sheet: str, pos: Pos) -> bool:
    raw = wb.get_value(sheet, pos[0], pos[1])
    return isinstance(raw, dict) and raw.get("kind") == "Circ"


def _collect_cse(calc: Any, wb: Any, name: str, area: Area, text: str, issue_cls: Any) -> None:
    top_left = (area.top, area.left)
    extent = _spill_extent(wb, name, _ref(top_left)) or Area.at(*top_left)
    errors = []
    for pos in area.cells():
        v = _member_value(wb, name, pos) if pos in extent else ExcelError("#N/A")
        calc.values[(name, pos)] = v
        if isinstance(v, ExcelError):
            errors.append(v)
    if errors:
        calc.issues.append(issue_cls(name, area.ref, text, errors[0].code,
                                     f"{len(errors)} av {area.shape[0] * area.shape[1]} celler i "
                                     "matriseformelen har feilverdi"))


_CALLED = re.compile(r"(?<![\w.\]])([A-Za-z_][\w.]*)\s*\(")


def _reason(text: str, value: ExcelError, functions: NativeFunctions) -> str:
    called = [m.group(1).upper() for m in _CALLED.finditer(_STRING.sub('""', text))]
    messages = [msg for name in dict.fromkeys(called)
                for msg in functions.notes.by_function.get(canonical_name(name) or "", [])]
    if messages:
        return "; ".join(messages[:3])
    if value.code == "#NAME?":
        unknown = [n for n in dict.fromkeys(called) if canonical_name(n) and canonical_name(n) not in
                   functions.table]
        if unknown:
            return (f"{', '.join(unknown)} finnes ikke i denne versjonen av kostra-functions "
                    "(se «kostra funksjoner»)")
        return "ukjent navn eller funksjon, eller en funksjon beregningsmotoren ikke har"
    return ""


def canonical_name(spelling: str) -> str | None:
    """The table name (``KOSTRA_X``) a spelling stands for, or ``None`` if it is not ours."""
    m = re.fullmatch(r"(?:_xldudf_|_xll\.|_xlfn\.)?KOSTRA[._]([A-Za-z0-9_]+)", spelling, re.IGNORECASE)
    return f"KOSTRA_{m.group(1).upper()}" if m else None


def _ref(pos: Pos) -> str:
    from kostra_functions.engine.package import make_ref

    return make_ref(*pos)


def _quoted(sheet: str) -> str:
    if re.fullmatch(r"[A-Za-z_][\w.]*", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"
