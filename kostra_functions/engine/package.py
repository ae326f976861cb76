"""An Excel package (.xlsx/.xlsm) as parts, and surgical edits of worksheet XML.

Recalculating must not lose anything a controller made: styles, names, validation, conditional
formatting, comments, charts, images, VBA. So we never rebuild a workbook with a library that
understands only part of the format; we copy the package part by part (every part we do not edit is
written with exactly the bytes it had) and patch the cells we compute *as text* inside the worksheet
XML: only the ``<c>`` elements of formula cells (and of the cells a dynamic array spills into) are
rewritten, every other byte of the part stays as it was.

Every XML part we read is parsed with :mod:`defusedxml` first (no DTDs, no entity expansion), which
also proves it is well-formed before we patch it with the small tokenizer below.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from kostra_functions.errors import KostraError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = DOC_REL_NS + "/officeDocument"
REL_SHEET_METADATA = DOC_REL_NS + "/sheetMetadata"
CT_SHEET_METADATA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"

#: Refuse packages whose parts expand beyond this (a zip bomb, or not a workbook we should touch).
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200

MAX_ROW = 1_048_576
MAX_COL = 16_384


class WorkbookError(KostraError):
    """A workbook that cannot be read, calculated or written; the message names file, sheet, cell."""


# ---------------------------------------------------------------------------------------------
# Cell references


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


@functools.lru_cache(maxsize=4096)
def col_to_index(letters: str) -> int:
    """``"A"`` → 1, ``"AA"`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def index_to_col(index: int) -> str:
    """1 → ``"A"``, 27 → ``"AA"``."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_ref(ref: str) -> tuple[int, int]:
    """``"B3"`` → ``(3, 2)`` (row, column), both 1-based."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_to_index(m.group(1))


def make_ref(row: int, col: int) -> str:
    return f"{index_to_col(col)}{row}"


@dataclass(frozen=True)
class Area:
    """A rectangle of cells, 1-based and inclusive."""

    top: int
    left: int
    bottom: int
    right: int

    @classmethod
    def parse(cls, ref: str) -> Area:
        first, _, last = ref.partition(":")
        r1, c1 = parse_ref(first)
        r2, c2 = parse_ref(last) if last else (r1, c1)
        return cls(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    @classmethod
    def at(cls, row: int, col: int, rows: int = 1, cols: int = 1) -> Area:
        return cls(row, col, row + rows - 1, col + cols - 1)

    @property
    def ref(self) -> str:
        first = make_ref(self.top, self.left)
        if self.top == self.bottom and self.left == self.right:
            return first
        return f"{first}:{make_ref(self.bottom, self.right)}"

    @property
    def shape(self) -> tuple[int, int]:
        return self.bottom - self.top + 1, self.right - self.left + 1

    def cells(self) -> Iterator[tuple[int, int]]:
        for r in range(self.top, self.bottom + 1):
            for c in range(self.left, self.right + 1):
                yield r, c

    def __contains__(self, pos: object) -> bool:
        if not isinstance(pos, tuple) or len(pos) != 2:
            return False
        r, c = pos
        return self.top <= r <= self.bottom and self.left <= c <= self.right

    def intersects(self, other: Area) -> bool:
        return not (
            other.left > self.right or other.right < self.left or other.top > self.bottom
            or other.bottom < self.top
        )

    def within_sheet(self) -> bool:
        return self.top >= 1 and self.left >= 1 and self.bottom <= MAX_ROW and self.right <= MAX_COL


# ---------------------------------------------------------------------------------------------
# XML helpers


def escape_text(text: str) -> str:
    """Escape text for an XML element; characters XML cannot hold become Excel's ``_xHHHH_``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def escape_attr(text: str) -> str:
    return escape_text(text).replace('"', "&quot;")


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITY_MAP = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _ENTITY_MAP[name]

    return _ENTITY.sub(repl, text)


_ATTR = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def parse_attrs(raw: str) -> list[tuple[str, str]]:
    """Attributes of a start tag in document order, values unescaped."""
    return [(m.group(1), unescape(m.group(2) if m.group(2) is not None else m.group(3)))
            for m in _ATTR.finditer(raw)]


def format_attrs(attrs: Iterable[tuple[str, str]]) -> str:
    return "".join(f' {k}="{escape_attr(v)}"' for k, v in attrs)


def set_attr(attrs: list[tuple[str, str]], name: str, value: str | None,
             after: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """A copy of ``attrs`` with ``name`` set (``None`` removes it); new names go after ``after``."""
    out = [(k, v) for k, v in attrs]
    for i, (k, _) in enumerate(out):
        if k == name:
            if value is None:
                del out[i]
            else:
                out[i] = (k, value)
            return out
    if value is None:
        return out
    pos = 0
    for i, (k, _) in enumerate(out):
        if k in after:
            pos = i + 1
    out.insert(pos, (name, value))
    return out


def safe_parse(data: bytes, what: str) -> Element:
    """Parse an XML part safely (no DTD, no entities); a Norwegian error names the part."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise WorkbookError(
            f"{what}: XML-delen inneholder en DTD eller entiteter og avvises ({exc})."
        ) from None
    except SafeET.ParseError as exc:
        raise WorkbookError(f"{what}: XML-delen er ødelagt og kan ikke leses ({exc}).") from None


def decode_xml(data: bytes) -> tuple[str, str]:
    """Text of an XML part and the encoding to write it back with."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8"), "utf-8"


def encode_xml(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


# ---------------------------------------------------------------------------------------------
# The package


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet: its name as the tab shows it, its position and its XML part."""

    name: str
    index: int
    part: str
    state: str = "visible"


@dataclass
class Package:
    """The parts of a workbook file, in their original order, with their zip metadata."""

    path: Path
    entries: list[zipfile.ZipInfo]
    data: dict[str, bytes]
    _rels_cache: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Package:
        p = Path(path)
        if not p.is_file():
            raise WorkbookError(f"{p}: filen finnes ikke.")
        if p.suffix.lower() not in (".xlsx", ".xlsm"):
            raise WorkbookError(
                f"{p}: bare .xlsx og .xlsm kan beregnes (filtypen er «{p.suffix or 'ingen'}»). "
                "Lagre arbeidsboken som Excel-arbeidsbok først."
            )
        if not zipfile.is_zipfile(p):
            raise WorkbookError(f"{p}: filen er ikke en Excel-arbeidsbok (ikke en zip-pakke). Er den "
                                "lagret i et eldre format (.xls) eller kryptert med passord?")
        # the shared guard (kostra_functions.safety): zip bombs, XML entities, oversized sheets are
        # refused before any part is inflated or parsed; formulas' reader gets defusedxml too
        from kostra_functions import safety

        safety.harden_openpyxl(include_formulas=True)
        try:
            safety.check_xlsx(p, where=str(p))
        except KostraError as exc:
            raise WorkbookError(exc.message, where=exc.where) from None
        try:
            with zipfile.ZipFile(p) as zf:
                entries = zf.infolist()
                total = sum(i.file_size for i in entries)
                packed = sum(i.compress_size for i in entries) or 1
                if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                    raise WorkbookError(f"{p}: pakken er urimelig stor når den pakkes ut ({total} byte); "
                                        "den behandles ikke.")
                names = [i.filename for i in entries]
                if len(set(names)) != len(names):
                    raise WorkbookError(f"{p}: pakken har flere deler med samme navn og er ødelagt.")
                data = {i.filename: zf.read(i) for i in entries}
        except (zipfile.BadZipFile, OSError) as exc:
            raise WorkbookError(f"{p}: filen kan ikke leses som Excel-arbeidsbok ({exc}).") from None
        pkg = cls(p, entries, data)
        if "[Content_Types].xml" not in data or pkg.workbook_part not in data:
            raise WorkbookError(f"{p}: pakken mangler arbeidsbok-delen; er dette en Excel-fil?")
        return pkg

    # -- relationships -------------------------------------------------------------------------

    @staticmethod
    def rels_part(part: str) -> str:
        folder, name = posixpath.split(part)
        return posixpath.join(folder, "_rels", name + ".rels")

    def relationships(self, part: str) -> list[tuple[str, str, str, str]]:
        """``(id, type, target part, target mode)`` for a part ('' = the package)."""
        if part in self._rels_cache:
            return self._rels_cache[part]
        rels_name = "_rels/.rels" if part == "" else self.rels_part(part)
        out: list[tuple[str, str, str, str]] = []
        if rels_name in self.data:
            root = safe_parse(self.data[rels_name], f"{self.path.name}:{rels_name}")
            base = posixpath.dirname(part)
            for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
                target = rel.get("Target", "")
                mode = rel.get("TargetMode", "Internal")
                if mode != "External":
                    target = resolve_target(base, target)
                out.append((rel.get("Id", ""), rel.get("Type", ""), target, mode))
        self._rels_cache[part] = out
        return out

    @property
    def workbook_part(self) -> str:
        for _, rtype, target, _ in self.relationships(""):
            if rtype == REL_OFFICE_DOCUMENT or rtype.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    def sheets(self) -> list[SheetInfo]:
        wb = self.workbook_part
        root = safe_parse(self.data[wb], f"{self.path.name}:{wb}")
        targets = {rid: target for rid, rtype, target, _ in self.relationships(wb)
                   if rtype.endswith("/worksheet")}
        out = []
        sheets_el = root.find(f"{{{MAIN_NS}}}sheets")
        for i, sheet in enumerate(sheets_el if sheets_el is not None else []):
            rid = sheet.get(f"{{{DOC_REL_NS}}}id", "")
            if rid in targets and targets[rid] in self.data:
                out.append(SheetInfo(sheet.get("name", ""), i, targets[rid], sheet.get("state", "visible")))
        return out

    def part_with_type(self, source: str, suffix: str) -> str | None:
        for _, rtype, target, _ in self.relationships(source):
            if rtype.endswith(suffix):
                return target
        return None

    @property
    def has_vba(self) -> bool:
        return any(name.lower().endswith("vbaproject.bin") for name in self.data)

    # -- writing -------------------------------------------------------------------------------

    def write(self, out: str | os.PathLike[str], replaced: dict[str, bytes] | None = None,
              added: dict[str, bytes] | None = None, removed: Iterable[str] = (),
              exclusive: bool = False) -> None:
        """Write the package to ``out`` atomically: a temp file in the same folder, then os.replace.

        Parts not in ``replaced`` are written with their original bytes and zip metadata. If
        anything fails, ``out`` is untouched and the temp file is removed. ``exclusive``: create
        ``out``, never replace it (:func:`kostra_functions.safety.publish_file`).
        """
        from kostra_functions import safety

        replaced = replaced or {}
        added = added or {}
        removed = set(removed)
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        safety.check_output_target(target)  # open in Excel/LibreOffice (a lock file) or read-only
        # Written in the system's temporary folder (nothing stray here after kill -9), then renamed
        # over the target in one step, or created exclusively (of two runs, one wins).
        with safety.staged_write(target, exclusive=exclusive) as fh, zipfile.ZipFile(fh, "w") as zout:
            for info in self.entries:
                if info.filename in removed:
                    continue
                data = replaced.get(info.filename, self.data[info.filename])
                new_info = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                new_info.compress_type = info.compress_type
                new_info.external_attr = info.external_attr
                new_info.create_system = info.create_system
                new_info.comment = info.comment
                new_info.extra = info.extra if info.compress_type == zipfile.ZIP_STORED else b""
                zout.writestr(new_info, data)
            for name, data in added.items():
                new_info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                new_info.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(new_info, data)


def resolve_target(base: str, target: str) -> str:
    """The package part a relationship target points at (relative to the source's folder)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


# ---------------------------------------------------------------------------------------------
# Worksheet XML: find rows and cells, rewrite some of them, keep every other byte


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


# ---------------------------------------------------------------------------------------------
# Dynamic-array metadata (xl/metadata.xml)

XLDAPR_TYPE = (
    '<metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" '
    'merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/>'
)
XLDAPR_FUTURE = (
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/'
    'dynamicarray" fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
)
NEW_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<metadata xmlns="{MAIN_NS}"><metadataTypes count="1">{XLDAPR_TYPE}</metadataTypes>'
    f'{XLDAPR_FUTURE}<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)


@dataclass
class DynamicArrayMetadata:
    """Which ``cm`` (cell metadata) indices mark a formula as a dynamic array (Excel 365).

    Excel stores a spilling formula as an array formula (``<f t="array" ref="A1:B3">``) whose cell
    has ``cm="n"``: the n-th ``<bk>`` of ``<cellMetadata>`` in ``xl/metadata.xml`` points at the
    ``XLDAPR`` metadata type with ``fDynamic="1"``. Without it, Excel reads the formula as a legacy
    (Ctrl+Shift+Enter) array formula.
    """

    part: str | None
    dynamic_indices: set[int]
    cell_blocks: int = 0
    _needs_new: bool = False

    @classmethod
    def read(cls, pkg: Package) -> DynamicArrayMetadata:
        part = pkg.part_with_type(pkg.workbook_part, "/sheetMetadata")
        if part is None or part not in pkg.data:
            return cls(None, set())
        root = safe_parse(pkg.data[part], f"{pkg.path.name}:{part}")
        ns = f"{{{MAIN_NS}}}"
        types = [t.get("name", "") for t in root.iter(f"{ns}metadataType")]
        dynamic_future: set[int] = set()
        for fut in root.iter(f"{ns}futureMetadata"):
            if fut.get("name") != "XLDAPR":
                continue
            for i, bk in enumerate(fut.findall(f"{ns}bk")):
                for el in bk.iter():
                    if el.tag.endswith("}dynamicArrayProperties") and el.get("fDynamic") in ("1", "true"):
                        dynamic_future.add(i)
        indices: set[int] = set()
        cell_md = root.find(f"{ns}cellMetadata")
        blocks = 0
        if cell_md is not None:
            blocks = len(cell_md.findall(f"{ns}bk"))
            for i, bk in enumerate(cell_md.findall(f"{ns}bk"), start=1):
                for rc in bk.findall(f"{ns}rc"):
                    t = int(rc.get("t", "0"))
                    v = int(rc.get("v", "0"))
                    if 1 <= t <= len(types) and types[t - 1] == "XLDAPR" and v in dynamic_future:
                        indices.add(i)
        return cls(part, indices, blocks)

    def index_for_dynamic(self) -> int:
        """The ``cm`` value to give a dynamic-array cell; :meth:`updated_parts` adds it if needed."""
        if self.dynamic_indices:
            return min(self.dynamic_indices)
        self._needs_new = True
        return self.cell_blocks + 1 if self.part else 1

    def updated_parts(self, pkg: Package) -> tuple[dict[str, bytes], dict[str, bytes]]:
        """Parts to replace and to add so the index :meth:`index_for_dynamic` gave exists."""
        if not self._needs_new:
            return {}, {}
        replaced: dict[str, bytes] = {}
        added: dict[str, bytes] = {}
        if self.part is None:
            wb = pkg.workbook_part
            part = posixpath.join(posixpath.dirname(wb), "metadata.xml")
            n = 1
            while part in pkg.data:
                part = posixpath.join(posixpath.dirname(wb), f"metadata{n}.xml")
                n += 1
            added[part] = NEW_METADATA.encode("utf-8")
            rels_name = Package.rels_part(wb)
            rel_target = posixpath.relpath(part, posixpath.dirname(wb))
            existing = {rid for rid, *_ in pkg.relationships(wb)}
            k = len(existing) + 1
            while f"rId{k}" in existing:
                k += 1
            rel = f'<Relationship Id="rId{k}" Type="{REL_SHEET_METADATA}" Target="{rel_target}"/>'
            if rels_name in pkg.data:
                text, enc = decode_xml(pkg.data[rels_name])
                text = _insert_before_close(text, "Relationships", rel)
                replaced[rels_name] = encode_xml(text, enc)
            else:
                added[rels_name] = (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<Relationships xmlns="{PKG_REL_NS}">{rel}</Relationships>'
                ).encode()
            ct_text, enc = decode_xml(pkg.data["[Content_Types].xml"])
            override = f'<Override PartName="/{part}" ContentType="{CT_SHEET_METADATA}"/>'
            ct_text = _insert_before_close(ct_text, "Types", override)
            replaced["[Content_Types].xml"] = encode_xml(ct_text, enc)
            return replaced, added
        text, enc = decode_xml(pkg.data[self.part])
        text, index = _add_xldapr(text, f"{pkg.path.name}:{self.part}")
        if index != self.cell_blocks + 1:
            raise WorkbookError(
                f"{pkg.path.name}:{self.part}: uventet oppbygning av metadata for dynamiske matriser."
            )
        replaced[self.part] = encode_xml(text, enc)
        return replaced, added


def _insert_before_close(text: str, tag: str, xml: str) -> str:
    m = re.search(rf"</(?:\w+:)?{tag}>\s*$", text)
    if not m:
        raise WorkbookError(f"XML-delen mangler </{tag}>.")
    return text[:m.start()] + xml + text[m.start():]


def _add_xldapr(text: str, what: str) -> tuple[str, int]:
    """Add the XLDAPR metadata type, its future metadata and one cell-metadata block to a part."""
    m = re.search(r"<(?:(\w+):)?metadata\b", text)
    p = f"{m.group(1)}:" if m and m.group(1) else ""
    if p:
        raise WorkbookError(f"{what}: metadata med navneromsprefiks støttes ikke for dynamiske matriser.")
    types = re.search(r"<metadataTypes\b([^>]*?)(/?)>", text)
    if types and types.group(2) != "/":
        close = text.index("</metadataTypes>", types.end())
        body = text[types.end():close]
        n_types = len(re.findall(r"<metadataType\b", body)) + 1
        attrs = set_attr(parse_attrs(types.group(1)), "count", str(n_types))
        text = (text[:types.start()] + f"<metadataTypes{format_attrs(attrs)}>" + body + XLDAPR_TYPE
                + text[close:])
    else:
        n_types = 1
        block = f'<metadataTypes count="1">{XLDAPR_TYPE}</metadataTypes>'
        if types:
            text = text[:types.start()] + block + text[types.end():]
        else:
            head = re.search(r"<metadata\b[^>]*>", text)
            assert head is not None
            text = text[:head.end()] + block + text[head.end():]
    # futureMetadata goes after metadataTypes, metadataStrings, mdxMetadata and any futureMetadata
    # (schema order); searching for top-level closing tags keeps us out of nested extLst blocks.
    pos = max(m.end() for m in re.finditer(
        r"</metadataTypes>|</metadataStrings>|</mdxMetadata>|</futureMetadata>", text))
    text = text[:pos] + XLDAPR_FUTURE + text[pos:]
    after_future = pos + len(XLDAPR_FUTURE)
    rc = f'<bk><rc t="{n_types}" v="0"/></bk>'
    cell_md = re.search(r"<cellMetadata\b([^>]*?)(/?)>", text)
    if cell_md and cell_md.group(2) != "/":
        close = text.index("</cellMetadata>", cell_md.end())
        body = text[cell_md.end():close]
        index = len(re.findall(r"<bk\b", body)) + 1
        attrs = set_attr(parse_attrs(cell_md.group(1)), "count", str(index))
        text = text[:cell_md.start()] + f"<cellMetadata{format_attrs(attrs)}>" + body + rc + text[close:]
    else:
        index = 1
        block = f'<cellMetadata count="1">{rc}</cellMetadata>'
        if cell_md:
            text = text[:cell_md.start()] + block + text[cell_md.end():]
        else:
            text = text[:after_future] + block + text[after_future:]
    return text, index
