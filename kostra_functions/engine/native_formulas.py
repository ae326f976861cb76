"""Formula text as the native engine (``formualizer``) should read it: every spelling of a
``KOSTRA_*`` call a saved file can carry as the table name, omitted arguments marked, the
arguments of our calls found, and structured references to Excel tables as plain ranges."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.package import MAIN_NS, Package, safe_parse

#: The marker an omitted argument of a ``KOSTRA_*`` call is rewritten to.
OMITTED_FUNCTION = "KOSTRA__UTELATT"
#: The marker a ``KOSTRA_*`` argument that is a date-formatted cell is wrapped in.
DATE_FUNCTION = "KOSTRA__DATO"

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


def kostra_arg_spans(text: str) -> list[tuple[int, int]]:
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
    from kostra_functions.engine.cell_refs import index_to_col

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
                ref = f"{quoted_sheet(table.sheet)}!{ref}"
            out.append(part[pos:m.start()] + ref)
            pos = end
        return "".join(out) + part[pos:]

    return _outside_strings(formula, convert)


_CALLED = re.compile(r"(?<![\w.\]])([A-Za-z_][\w.]*)\s*\(")


def called_names(text: str) -> list[str]:
    """The names ``text`` calls as functions (upper case, in order; text in quotes left out)."""
    return [m.group(1).upper() for m in _CALLED.finditer(_STRING.sub('""', text))]


def canonical_name(spelling: str) -> str | None:
    """The table name (``KOSTRA_X``) a spelling stands for, or ``None`` if it is not ours."""
    m = re.fullmatch(r"(?:_xldudf_|_xll\.|_xlfn\.)?KOSTRA[._]([A-Za-z0-9_]+)", spelling, re.IGNORECASE)
    return f"KOSTRA_{m.group(1).upper()}" if m else None


def quoted_sheet(sheet: str) -> str:
    """``sheet`` as a reference writes it: quoted unless it is a plain name."""
    if re.fullmatch(r"[A-Za-z_][\w.]*", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"
