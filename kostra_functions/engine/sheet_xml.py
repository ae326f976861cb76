"""Worksheet XML as text: find rows and cells, rewrite some of them, keep every other byte.

Only the ``<c>`` elements of the cells we compute are rewritten (see
:mod:`kostra_functions.engine.package`); the part is parsed with :mod:`defusedxml` first, which
also proves it is well-formed before the small tokenizer here patches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kostra_functions.engine.cell_refs import Area, make_ref, parse_ref
from kostra_functions.engine.package import (
    MAIN_NS,
    WorkbookError,
    decode_xml,
    encode_xml,
    escape_text,
    format_attrs,
    parse_attrs,
    safe_parse,
    set_attr,
    unescape,
)


@dataclass
class FormulaXml:
    """The ``<f>`` element of a cell, as written."""

    attrs: list[tuple[str, str]]
    raw_text: str  # escaped, as in the file
    raw: str  # the whole element

    @property
    def text(self) -> str:
        return unescape(self.raw_text)

    def get(self, name: str, default: str = "") -> str:
        return dict(self.attrs).get(name, default)

    def render(self, attrs: list[tuple[str, str]] | None = None, text: str | None = None,
               prefix: str = "") -> str:
        attrs = self.attrs if attrs is None else attrs
        raw_text = self.raw_text if text is None else escape_text(text)
        if attrs == self.attrs and text is None:
            return self.raw
        if raw_text == "":
            return f"<{prefix}f{format_attrs(attrs)}/>"
        return f"<{prefix}f{format_attrs(attrs)}>{raw_text}</{prefix}f>"


@dataclass
class CellXml:
    """One ``<c>`` element: where it is in the part and what it holds."""

    row: int
    col: int
    start: int
    end: int
    attrs: list[tuple[str, str]]
    inner: str
    formula: FormulaXml | None
    value_raw: str | None  # escaped content of <v>, None when absent
    has_inline: bool
    explicit_ref: bool

    @property
    def ref(self) -> str:
        return make_ref(self.row, self.col)

    @property
    def type(self) -> str:
        return dict(self.attrs).get("t", "n")

    def attr(self, name: str, default: str = "") -> str:
        return dict(self.attrs).get(name, default)

    @property
    def is_empty(self) -> bool:
        """No formula, no value: only formatting (what Excel treats as blank)."""
        return self.formula is None and self.value_raw is None and not self.has_inline


@dataclass
class RowXml:
    index: int
    start: int
    end: int  # end of the whole element
    attrs: list[tuple[str, str]]
    content_start: int  # -1 for <row/>
    content_end: int
    explicit_ref: bool
    cells: list[CellXml] = field(default_factory=list)


class SheetXml:
    """The rows and cells of one worksheet part, and a set of edits to apply to its text."""

    def __init__(self, data: bytes, what: str) -> None:
        self.what = what
        root = safe_parse(data, what)
        if root.tag != f"{{{MAIN_NS}}}worksheet":
            raise WorkbookError(f"{what}: delen er ikke et regneark.")
        self.text, self.encoding = decode_xml(data)
        m = re.search(r"<(?:([A-Za-z_][\w.-]*):)?worksheet\b", self.text)
        self.prefix = f"{m.group(1)}:" if m and m.group(1) else ""
        self.rows: dict[int, RowXml] = {}
        self.cells: dict[tuple[int, int], CellXml] = {}
        self._edits: list[tuple[int, int, str]] = []
        self._new_cells: dict[int, dict[int, str]] = {}
        self._parse()

    # -- reading -------------------------------------------------------------------------------

    def _parse(self) -> None:
        p = re.escape(self.prefix)
        text = self.text
        m = re.search(rf"<{p}sheetData\b[^>]*?(/?)>", text)
        if not m:
            raise WorkbookError(f"{self.what}: regnearket mangler <sheetData>.")
        self.sheetdata_start, self.sheetdata_tag_end = m.start(), m.end()
        if m.group(1) == "/":
            self.sheetdata_selfclosing = True
            self.sheetdata_end = m.end()
            return
        self.sheetdata_selfclosing = False
        end = text.find(f"</{self.prefix}sheetData>", m.end())
        if end < 0:
            raise WorkbookError(f"{self.what}: <sheetData> er ikke avsluttet.")
        self.sheetdata_end = end
        row_re = re.compile(rf"<{p}row\b([^>]*?)(/?)>")
        cell_re = re.compile(rf"<{p}c\b([^>]*?)(?:/>|>(.*?)</{p}c>)", re.DOTALL)
        f_re = re.compile(rf"<{p}f\b([^>]*?)(?:/>|>(.*?)</{p}f>)", re.DOTALL)
        v_re = re.compile(rf"<{p}v\b[^>]*?(?:/>|>(.*?)</{p}v>)", re.DOTALL)
        is_re = re.compile(rf"<{p}is\b")
        row_close = f"</{self.prefix}row>"
        pos = m.end()
        last_row = 0
        while True:
            rm = row_re.search(text, pos, end)
            if not rm:
                break
            attrs = parse_attrs(rm.group(1))
            r_attr = dict(attrs).get("r")
            index = int(r_attr) if r_attr else last_row + 1
            last_row = index
            if rm.group(2) == "/":
                row = RowXml(index, rm.start(), rm.end(), attrs, -1, -1, bool(r_attr))
                pos = rm.end()
            else:
                close = text.find(row_close, rm.end(), end)
                if close < 0:
                    raise WorkbookError(f"{self.what}: rad {index} er ikke avsluttet.")
                row = RowXml(index, rm.start(), close + len(row_close), attrs, rm.end(), close,
                             bool(r_attr))
                last_col = 0
                for cm in cell_re.finditer(text, rm.end(), close):
                    cattrs = parse_attrs(cm.group(1))
                    ref = dict(cattrs).get("r")
                    if ref:
                        r, c = parse_ref(ref)
                    else:
                        r, c = index, last_col + 1
                    last_col = c
                    inner = cm.group(2) or ""
                    fm = f_re.search(inner)
                    formula = None
                    if fm:
                        formula = FormulaXml(parse_attrs(fm.group(1)), fm.group(2) or "", fm.group(0))
                    vm = v_re.search(inner)
                    value_raw = (vm.group(1) or "") if vm else None
                    cell = CellXml(r, c, cm.start(), cm.end(), cattrs, inner, formula, value_raw,
                                   bool(is_re.search(inner)), bool(ref))
                    row.cells.append(cell)
                    self.cells[(r, c)] = cell
                pos = row.end
            self.rows[index] = row

    def formula_cells(self) -> Iterator[CellXml]:
        for cell in self.cells.values():
            if cell.formula is not None:
                yield cell

    def is_blank(self, row: int, col: int) -> bool:
        cell = self.cells.get((row, col))
        return cell is None or cell.is_empty

    # -- editing -------------------------------------------------------------------------------

    def replace_cell(self, cell: CellXml, new_xml: str) -> None:
        self._edits.append((cell.start, cell.end, new_xml))

    def add_cell(self, row: int, col: int, xml: str) -> None:
        """Add a cell that has no ``<c>`` element yet (a spilled value)."""
        self._new_cells.setdefault(row, {})[col] = xml

    def cell_xml(self, row: int, col: int, attrs: list[tuple[str, str]], inner: str) -> str:
        p = self.prefix
        if not inner:
            return f"<{p}c{format_attrs(attrs)}/>"
        return f"<{p}c{format_attrs(attrs)}>{inner}</{p}c>"

    def _row_insertions(self) -> list[tuple[int, int, str]]:
        edits: list[tuple[int, int, str]] = []
        p = self.prefix
        new_rows: dict[int, str] = {}
        for r, cols in sorted(self._new_cells.items()):
            row = self.rows.get(r)
            if row is None:
                content = "".join(xml for _, xml in sorted(cols.items()))
                new_rows[r] = f'<{p}row r="{r}">{content}</{p}row>'
                continue
            if any(not c.explicit_ref for c in row.cells):
                raise WorkbookError(
                    f"{self.what}: rad {r} har celler uten adresse; åpne og lagre filen i Excel før "
                    "den beregnes."
                )
            if row.content_start < 0:  # <row .../> becomes <row ...>cells</row>
                content = "".join(xml for _, xml in sorted(cols.items()))
                attrs = _widen_spans(row.attrs, cols)
                edits.append((row.start, row.end, f"<{p}row{format_attrs(attrs)}>{content}</{p}row>"))
                continue
            for c, xml in sorted(cols.items()):
                after = [cell for cell in row.cells if cell.col < c]
                pos = after[-1].end if after else row.content_start
                edits.append((pos, pos, xml))
            new_attrs = _widen_spans(row.attrs, cols)
            if new_attrs != row.attrs:
                tag_end = self.text.index(">", row.start) + 1
                edits.append((row.start, tag_end, f"<{p}row{format_attrs(new_attrs)}>"))
        if new_rows:
            if any(not row.explicit_ref for row in self.rows.values()):
                raise WorkbookError(f"{self.what}: regnearket har rader uten radnummer; åpne og lagre "
                                    "filen i Excel før den beregnes.")
            if self.sheetdata_selfclosing:
                content = "".join(xml for _, xml in sorted(new_rows.items()))
                tag = self.text[self.sheetdata_start:self.sheetdata_tag_end]
                edits.append((self.sheetdata_start, self.sheetdata_tag_end,
                              tag[:-2].rstrip() + ">" + content + f"</{p}sheetData>"))
            else:
                for r, xml in sorted(new_rows.items()):
                    later = [row for row in self.rows.values() if row.index > r]
                    pos = min(row.start for row in later) if later else self.sheetdata_end
                    edits.append((pos, pos, xml))
        return edits

    def set_dimension(self, area: Area) -> None:
        p = re.escape(self.prefix)
        m = re.search(rf"<{p}dimension\b([^>]*?)/>", self.text)
        if not m:
            return
        attrs = parse_attrs(m.group(1))
        current = dict(attrs).get("ref")
        try:
            old = Area.parse(current) if current else area
        except ValueError:
            old = area
        merged = Area(min(old.top, area.top), min(old.left, area.left), max(old.bottom, area.bottom),
                      max(old.right, area.right))
        if merged != old:
            new_attrs = format_attrs(set_attr(attrs, "ref", merged.ref))
            self._edits.append((m.start(), m.end(), f"<{self.prefix}dimension{new_attrs}/>"))

    @property
    def changed(self) -> bool:
        return bool(self._edits or self._new_cells)

    def to_bytes(self) -> bytes:
        edits = sorted(self._edits + self._row_insertions(), key=lambda e: (e[0], e[1]))
        out = []
        pos = 0
        for start, end, new in edits:
            if start < pos:
                raise AssertionError(f"overlapping edits in {self.what}")
            out.append(self.text[pos:start])
            out.append(new)
            pos = end
        out.append(self.text[pos:])
        return encode_xml("".join(out), self.encoding)


def _widen_spans(attrs: list[tuple[str, str]], cols: dict[int, str]) -> list[tuple[str, str]]:
    spans = dict(attrs).get("spans")
    if not spans or ":" not in spans or " " in spans.strip():
        return attrs
    try:
        lo, hi = (int(x) for x in spans.split(":"))
    except ValueError:
        return attrs
    lo, hi = min([lo, *cols]), max([hi, *cols])
    return set_attr(attrs, "spans", f"{lo}:{hi}")
