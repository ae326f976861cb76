"""Formula text an engine can read: structured references, INDIRECT/OFFSET/CELL, huge ranges, quotes.

Engine-independent: :func:`rewrite_formula` takes a formula (without ``=``) and a
:class:`~kostra_functions.engine.workbook_facts.WorkbookFacts` read from the package
(:func:`~kostra_functions.engine.workbook_facts.read_facts`) and gives formula text that says the
same thing in plain A1 references:

* structured references of Excel tables (``Tabell1[Beløp]``, ``Tabell1[[#This Row],[Beløp]]``,
  ``Tabell1[@Beløp]``, ``[#Totals]``/``[#Data]``/``[#Headers]``/``[#All]``, column spans, the bare
  table name) become the A1 range the table part (``xl/tables/tableN.xml``) gives them;
* ``INDIRECT`` whose argument is text known before calculating (a literal, a typed cell, ``&`` of
  those) becomes the reference; ``OFFSET`` with such arguments becomes the range; ``CELL("row"|"col"|
  "address"|"contents"; ref)`` becomes ``ROW``/``COLUMN``/``ADDRESS``/the reference;
* a range reaching far past the cells a sheet holds (``A:A``, ``1:1``, ``A1:A1048576``, ``A:XFD``) is
  cut to the sheet's last used row/column (blank cells add nothing; the top-left corner is kept so
  INDEX/MATCH positions stay the same); ``ROWS``/``COLUMNS``/``COUNTBLANK`` of such a range keep it;
* sheet names the engine cannot read (an apostrophe, ``'Bud''sj'!A1``) are replaced by an alias
  (:attr:`WorkbookFacts.aliases`), which the caller maps back.

What cannot be rewritten raises :class:`~kostra_functions.engine.workbook_facts.Unsupported` with a
Norwegian reason; the caller gives that cell an error value and reports it. The saved formulas are
never changed: this text is only what the engine calculates. References themselves are parsed and
written by :mod:`~kostra_functions.engine.formula_refs`.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from kostra_functions.engine.cell_refs import MAX_COL, MAX_ROW, index_to_col
from kostra_functions.engine.formula_refs import (
    FORMULA_REFERENCE,
    Reference,
    format_reference,
    parse_reference_match,
    sheet_prefix,
)
from kostra_functions.engine.workbook_facts import SheetFacts, TableDef, Unsupported, WorkbookFacts

# ---------------------------------------------------------------------------------------------
# Scanning formula text


_STRING = re.compile(r'"(?:[^"]|"")*"')


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of string literals (never rewritten)."""
    return [m.span() for m in _STRING.finditer(text)]


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _matching(text: str, open_pos: int, pair: str = "()") -> int:
    """Index of the bracket closing the one at ``open_pos`` (strings and quoted names skipped)."""
    depth = 0
    i = open_pos
    while i < len(text):
        ch = text[i]
        if ch == '"' and pair == "()":
            j = text.index('"', i + 1) if '"' in text[i + 1:] else len(text)
            while j + 1 < len(text) and text[j + 1] == '"':
                j = text.index('"', j + 2) if '"' in text[j + 2:] else len(text)
            i = j + 1
            continue
        if ch == "'" and pair == "[]" and i + 1 < len(text):
            i += 2  # an escaped character in a column name
            continue
        if ch == pair[0]:
            depth += 1
        elif ch == pair[1]:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise Unsupported("#NAME?", "formelen har en parentes som ikke lukkes")


def _split_args(inner: str) -> list[str]:
    out, depth, start, i = [], 0, 0, 0
    while i < len(inner):
        ch = inner[i]
        if ch == '"':
            m = _STRING.match(inner, i)
            i = m.end() if m else len(inner)
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in ",;" and depth == 0:
            out.append(inner[start:i])
            start = i + 1
        i += 1
    out.append(inner[start:])
    return [a.strip() for a in out]


# ---------------------------------------------------------------------------------------------
# Structured references


_TABLE_START = re.compile(r"(?<![\w.'\]!\"])([A-Za-z_\\\u00c0-\uffff][\w.\u00c0-\uffff]*)(?=\[)")
_BARE_NAME = re.compile(r"(?<![\w.'\]!\"\[])([A-Za-z_\\\u00c0-\uffff][\w.\u00c0-\uffff]*)(?![\w.\[(!])")


def _a1(top: int, left: int, bottom: int, right: int, sheet: str, absolute: bool = True) -> str:
    d = "$" if absolute else ""
    first = f"{d}{index_to_col(left)}{d}{top}"
    if (top, left) == (bottom, right):
        return sheet_prefix(sheet) + first
    return sheet_prefix(sheet) + f"{first}:{d}{index_to_col(right)}{d}{bottom}"


def _column_name(raw: str) -> str:
    return re.sub(r"'(.)", r"\1", raw.strip())


def _structured(table: TableDef, spec: str, row: int, own_sheet: str) -> str:
    """The A1 range of ``Table[spec]`` (``spec`` without the outer brackets)."""
    items = re.findall(r"\[((?:[^\]']|'.)*)\]", spec) if spec.strip().startswith("[") else [spec]
    specials: list[str] = []
    cols: list[str] = []
    text = spec.strip()
    if text.startswith("@"):
        specials.append("#THIS ROW")
        rest = text[1:].strip()
        if rest.startswith("["):
            rest = rest[1:-1]
        if rest:
            cols.append(_column_name(rest))
    else:
        joined = spec
        for item in items:
            name = item.strip()
            if name.startswith("#"):
                specials.append(name.upper())
            elif name:
                cols.append(_column_name(name))
        # a column span [A]:[B]
        if re.search(r"\]\s*:\s*\[", joined) and len(cols) == 2:
            cols = [cols[0] + "\x00" + cols[1]]
    data_top, data_bottom = table.data
    area = table.area
    if not specials:
        specials = ["#DATA"]
    rows: list[tuple[int, int]] = []
    for s in specials:
        if s == "#ALL":
            rows.append((area.top, area.bottom))
        elif s == "#DATA":
            rows.append((data_top, data_bottom))
        elif s == "#HEADERS":
            if table.header_rows == 0:
                raise Unsupported("#REF!", f"tabellen {table.name} har ingen overskriftsrad")
            rows.append((area.top, area.top + table.header_rows - 1))
        elif s == "#TOTALS":
            if table.totals_rows == 0:
                raise Unsupported("#REF!", f"tabellen {table.name} har ingen totalrad")
            rows.append((area.bottom - table.totals_rows + 1, area.bottom))
        elif s == "#THIS ROW":
            if own_sheet.upper() != table.sheet.upper() or not data_top <= row <= data_bottom:
                raise Unsupported("#VALUE!", f"[#Denne raden] i tabellen {table.name} brukt utenfor "
                                             "tabellens rader")
            rows.append((row, row))
        else:
            raise Unsupported("#REF!", f"ukjent spesifikasjon {s} i tabellreferansen {table.name}")
    top, bottom = min(r[0] for r in rows), max(r[1] for r in rows)
    left, right = area.left, area.right
    if cols:
        upper = [c.upper() for c in table.columns]
        first, _, last = cols[0].partition("\x00")
        try:
            i = upper.index(first.upper())
            j = upper.index(last.upper()) if last else i
        except ValueError:
            missing = first if not last else f"{first}:{last}"
            raise Unsupported("#REF!", f"tabellen {table.name} har ingen kolonne «{missing}»") from None
        left, right = area.left + min(i, j), area.left + max(i, j)
    if bottom < top:
        raise Unsupported("#REF!", f"tabellen {table.name} har ingen rader")
    return _a1(top, left, bottom, right, table.sheet)


_UNNAMED = re.compile(r"(?<![\w.'\]\[!\\])\[")


def _table_at(facts: WorkbookFacts, sheet: str, row: int, col: int | None) -> TableDef | None:
    if col is None:
        return None
    for table in facts.tables.values():
        if table.sheet.upper() == sheet.upper() and (row, col) in table.area:
            return table
    return None


def _rewrite_unnamed(text: str, table: TableDef, sheet: str, row: int) -> str:
    """``[@Beløp]``/``[Beløp]`` without a table name, in a formula inside that table."""
    out, i = [], 0
    spans = _protected_spans(text)
    for m in _UNNAMED.finditer(text):
        if m.start() < i or _in_spans(m.start(), spans):
            continue
        close = _matching(text, m.start(), "[]")
        out.append(text[i:m.start()])
        out.append(_structured(table, text[m.start() + 1:close], row, sheet))
        i = close + 1
    return "".join(out) + text[i:]


def _rewrite_structured(text: str, facts: WorkbookFacts, sheet: str, row: int,
                        col: int | None = None) -> str:
    if not facts.tables:
        return text
    out, i = [], 0
    spans = _protected_spans(text)
    for m in _TABLE_START.finditer(text):
        if m.start() < i or _in_spans(m.start(), spans):
            continue
        table = facts.tables.get(m.group(1).upper())
        if table is None:
            continue
        close = _matching(text, m.end(), "[]")
        out.append(text[i:m.start()])
        out.append(_structured(table, text[m.end() + 1:close], row, sheet))
        i = close + 1
    text = "".join(out) + text[i:]
    own = _table_at(facts, sheet, row, col)
    if own is not None and "[" in text:
        text = _rewrite_unnamed(text, own, sheet, row)
    # the bare table name: its data body
    spans = _protected_spans(text)
    quoted = [m.span() for m in re.finditer(r"'(?:[^']|'')*'", text)]

    def bare(m: re.Match[str]) -> str:
        table = facts.tables.get(m.group(1).upper())
        if table is None or _in_spans(m.start(), spans) or _in_spans(m.start(), quoted):
            return m.group(0)
        top, bottom = table.data
        return _a1(top, table.area.left, bottom, table.area.right, table.sheet)

    return _BARE_NAME.sub(bare, text)


def _inline_local_names(text: str, facts: WorkbookFacts, sheet: str) -> str:
    """Names defined for the formula's own sheet replaced by the reference they stand for."""
    upper = sheet.upper()
    if not any(s == upper for s, _ in facts.local_names):
        return text
    spans = _protected_spans(text)
    quoted = [m.span() for m in re.finditer(r"'(?:[^']|'')*'", text)]

    def repl(m: re.Match[str]) -> str:
        target = facts.local_names.get((upper, m.group(1).upper()))
        if target is None or _in_spans(m.start(), spans) or _in_spans(m.start(), quoted):
            return m.group(0)
        return target

    return _BARE_NAME.sub(repl, text)


# ---------------------------------------------------------------------------------------------
# References: cut to the used area, alias sheet names

_SHAPE_FUNCTIONS = re.compile(r"(?:ROWS|COLUMNS|COUNTBLANK)\(\s*$", re.IGNORECASE)
_AGGREGATE = re.compile(r"(?:SUM|COUNT|COUNTA|MIN|MAX|AVERAGE|PRODUCT)\(\s*$", re.IGNORECASE)
#: Ranges with more cells than this are cut to the used area of their sheet.
BIG_RANGE = 50_000


def _cut(ref: Reference, f: SheetFacts, trim_start: bool) -> Reference:
    """``ref`` cut to the cells of its sheet that hold something (never smaller than one cell).

    The bottom and right edge go to the sheet's last used row and column (so every cut range of
    one sheet keeps the same height, as SUMIFS and array arithmetic need); ``trim_start`` (a range
    that is the only argument of SUM, COUNT, …) cuts it to the cells inside it that hold something.
    """
    top, left = ref.top, ref.left
    if trim_start:
        pos = f.positions()
        mask = (pos[0] >= ref.top) & (pos[0] <= ref.bottom) & (pos[1] >= ref.left) & (pos[1] <= ref.right)
        if not mask.any():
            return Reference(ref.sheet, top, left, top, left, True, True, True, True, True)
        rows, cols = pos[0][mask], pos[1][mask]
        top, left, bottom, right = int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max())
    else:
        lo_c, hi_c = bisect.bisect_left(f.cols, ref.left), bisect.bisect_right(f.cols, ref.right)
        lo_r, hi_r = bisect.bisect_left(f.rows, ref.top), bisect.bisect_right(f.rows, ref.bottom)
        bottom = f.max_row if hi_r > lo_r else ref.top
        right = f.max_col if hi_c > lo_c else ref.left
    bottom, right = max(top, min(ref.bottom, bottom)), max(left, min(ref.right, right))
    return Reference(ref.sheet, top, left, bottom, right, ref.abs_top or ref.bottom == MAX_ROW,
                ref.abs_left or ref.right == MAX_COL, ref.abs_bottom or ref.bottom == MAX_ROW,
                ref.abs_right or ref.right == MAX_COL, (top, left) == (bottom, right) and ref.single)


def _rewrite_refs(text: str, facts: WorkbookFacts, own_sheet: str | None) -> str:
    spans = _protected_spans(text)
    out, i = [], 0
    for m in FORMULA_REFERENCE.finditer(text):
        if _in_spans(m.start(), spans):
            continue
        ref = parse_reference_match(m)
        if ref is None:
            continue
        sheet = ref.sheet or own_sheet
        f = facts.sheet(sheet) if sheet is not None else None
        big = (ref.bottom - ref.top + 1) * (ref.right - ref.left + 1) > BIG_RANGE
        before = text[:m.start()]
        whole = m.group("k1") is not None or m.group("r1") is not None
        changed = False
        if f is not None and (big or whole) and not _SHAPE_FUNCTIONS.search(before):
            after = text[m.end():].lstrip()
            trim = bool(_AGGREGATE.search(before)) and after.startswith(")")
            ref = _cut(ref, f, trim)
            changed = True
        aliased = ref.sheet is not None and any(s.upper() == ref.sheet.upper() for s in facts.aliases)
        if not changed and not aliased:
            continue
        out.append(text[i:m.start()])
        out.append(format_reference(ref, ref.sheet, facts))
        i = m.end()
    return "".join(out) + text[i:]


# ---------------------------------------------------------------------------------------------
# INDIRECT, OFFSET, CELL with arguments known before calculating


_FUNC = re.compile(r"(?<![\w.])(?:_xlfn\.)?(INDIRECT|OFFSET|CELL)\s*\(", re.IGNORECASE)


def _value_of(arg: str, facts: WorkbookFacts, own_sheet: str) -> Any:
    """The value of an argument known before calculating: literals, typed cells, ``&`` of those."""
    arg = arg.strip()
    parts = _split_concat(arg)
    if len(parts) > 1:
        return "".join(_text(_value_of(p, facts, own_sheet)) for p in parts)
    if arg.startswith('"') and arg.endswith('"') and len(arg) >= 2:
        return arg[1:-1].replace('""', '"')
    if re.fullmatch(r"-?\d+(\.\d+)?", arg):
        return float(arg)
    if arg.upper() in ("TRUE", "FALSE"):
        return arg.upper() == "TRUE"
    m = FORMULA_REFERENCE.fullmatch(arg)
    if m and m.group("c1") and not m.group("c2"):
        ref = parse_reference_match(m)
        sheet = facts.sheet(ref.sheet or own_sheet) if ref else None
        if ref is not None and sheet is not None:
            if (ref.top, ref.left) in sheet.constants:
                return sheet.constants[(ref.top, ref.left)]
            if (ref.top, ref.left) not in sheet.formula_cells:
                return None
    raise Unsupported("#VALUE!", "argumentet beregnes av en formel; kan ikke følges uten Excel")


def _split_concat(arg: str) -> list[str]:
    out, depth, start, i = [], 0, 0, 0
    while i < len(arg):
        ch = arg[i]
        if ch == '"':
            m = _STRING.match(arg, i)
            i = m.end() if m else len(arg)
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "&" and depth == 0:
            out.append(arg[start:i])
            start = i + 1
        i += 1
    out.append(arg[start:])
    return out


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v == int(v) else repr(v)
    return str(v)


def _number(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return int(v // 1) if v >= 0 else -int((-v) // 1)
    try:
        return int(float(str(v)))
    except ValueError:
        raise Unsupported("#VALUE!", f"«{v}» er ikke et tall") from None


def _r1c1(text: str) -> str:
    m = re.fullmatch(r"(?:(.+)!)?R(\d+)C(\d+)(?::R(\d+)C(\d+))?", text.strip(), re.IGNORECASE)
    if not m:
        raise Unsupported("#REF!", f"«{text}» er ikke en R1C1-referanse")
    sheet = m.group(1)
    ref = f"{index_to_col(int(m.group(3)))}{m.group(2)}"
    if m.group(4):
        ref += f":{index_to_col(int(m.group(5)))}{m.group(4)}"
    return (sheet + "!" if sheet else "") + ref


def _indirect(args: list[str], facts: WorkbookFacts, own_sheet: str) -> str:
    text = _text(_value_of(args[0], facts, own_sheet)).strip()
    if len(args) > 1 and args[1] and _value_of(args[1], facts, own_sheet) in (False, 0.0):
        text = _r1c1(text)
    m = FORMULA_REFERENCE.fullmatch(text)
    if not m or parse_reference_match(m) is None:
        table = re.fullmatch(r"([\w.\u00c0-\uffff]+)\[(.*)\]", text)
        if table and table.group(1).upper() in facts.tables:
            return _structured(facts.tables[table.group(1).upper()], table.group(2), 0, own_sheet)
        raise Unsupported("#REF!", f"INDIRECT: «{text}» er ikke en referanse")
    ref = parse_reference_match(m)
    assert ref is not None
    if ref.sheet is not None and facts.sheet(ref.sheet) is None:
        raise Unsupported("#REF!", f"INDIRECT: arket «{ref.sheet}» finnes ikke")
    return format_reference(ref, ref.sheet, facts) if ref.sheet else m.group(0)


def _offset(args: list[str], facts: WorkbookFacts, own_sheet: str) -> str:
    m = FORMULA_REFERENCE.fullmatch(args[0].strip())
    if not m or len(args) < 3 or (ref := parse_reference_match(m)) is None:
        raise Unsupported("#VALUE!", "OFFSET: første argument er ikke en fast referanse")
    rows, cols = (_number(_value_of(a, facts, own_sheet)) if a else 0 for a in args[1:3])
    height = _number(_value_of(args[3], facts, own_sheet)) if len(args) > 3 and args[3] else \
        ref.bottom - ref.top + 1
    width = _number(_value_of(args[4], facts, own_sheet)) if len(args) > 4 and args[4] else \
        ref.right - ref.left + 1
    top, left = ref.top + rows, ref.left + cols
    if height < 1 or width < 1 or top < 1 or left < 1 or top + height - 1 > MAX_ROW \
            or left + width - 1 > MAX_COL:
        raise Unsupported("#REF!", "OFFSET peker utenfor regnearket")
    new = Reference(ref.sheet, top, left, top + height - 1, left + width - 1, False, False, False, False,
               height == 1 and width == 1)
    return format_reference(new, ref.sheet, facts) if ref.sheet else format_reference(new, None, facts)


def _cell(args: list[str], facts: WorkbookFacts, own_sheet: str) -> str:
    kind = _text(_value_of(args[0], facts, own_sheet)).lower()
    ref = args[1] if len(args) > 1 and args[1] else None
    if ref is None:
        raise Unsupported("#VALUE!", "CELL uten referanse gjelder cellen som sist ble endret i Excel")
    if kind == "row":
        return f"ROW({ref})"
    if kind == "col":
        return f"COLUMN({ref})"
    if kind == "address":
        return f"ADDRESS(ROW({ref}),COLUMN({ref}))"
    if kind == "contents":
        return f"INDEX({ref},1,1)"
    raise Unsupported("#VALUE!", f"CELL(\"{kind}\") kan ikke beregnes uten Excel")


def _rewrite_reference_functions(text: str, facts: WorkbookFacts, own_sheet: str) -> str:
    for _ in range(50):
        spans = _protected_spans(text)
        found = None
        for m in _FUNC.finditer(text):
            if not _in_spans(m.start(), spans):
                found = m
        if found is None:
            return text
        close = _matching(text, found.end() - 1)
        args = _split_args(text[found.end():close])
        name = found.group(1).upper()
        handler = {"INDIRECT": _indirect, "OFFSET": _offset, "CELL": _cell}[name]
        text = text[:found.start()] + handler(args, facts, own_sheet) + text[close + 1:]
    return text


# ---------------------------------------------------------------------------------------------


def rewrite_formula(text: str, facts: WorkbookFacts, sheet: str, row: int, col: int | None = None) -> str:
    """``text`` (a formula without ``=``, on ``sheet`` at ``row``/``col``) in plain A1 references."""
    if facts.local_names:
        text = _inline_local_names(text, facts, sheet)
    if facts.tables:
        text = _rewrite_structured(text, facts, sheet, row, col)
    if _FUNC.search(text):
        text = _rewrite_reference_functions(text, facts, sheet)
    return _rewrite_refs(text, facts, sheet)


def rewrite_defined_name(text: str, facts: WorkbookFacts) -> str:
    """A defined name's formula with aliased sheet names and whole columns/rows cut to the used
    area of their sheet (a name over ``Data!$C:$C`` would otherwise be a million cells)."""
    return _rewrite_refs(text, facts, None)
