"""An Excel package (.xlsx/.xlsm) as parts: read, its relationships and sheets, written back.

Recalculating must not lose anything a controller made: styles, names, validation, conditional
formatting, comments, charts, images, VBA. So we never rebuild a workbook with a library that
understands only part of the format; we copy the package part by part (every part we do not edit is
written with exactly the bytes it had) and patch the cells we compute *as text* inside the worksheet
XML (:mod:`~kostra_functions.engine.sheet_xml`): only the ``<c>`` elements of formula cells (and of
the cells a dynamic array spills into) are rewritten, every other byte of the part stays as it was.

Every XML part we read is parsed with :mod:`defusedxml` first (no DTDs, no entity expansion), which
also proves it is well-formed before it is patched. Cell references are in
:mod:`~kostra_functions.engine.cell_refs`, dynamic-array metadata in
:mod:`~kostra_functions.engine.array_metadata`.
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from kostra_functions.errors import KostraError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = DOC_REL_NS + "/officeDocument"
REL_SHEET_METADATA = DOC_REL_NS + "/sheetMetadata"
CT_SHEET_METADATA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"

#: Refuse packages whose parts expand beyond this (a zip bomb, or not a workbook we should touch).
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200


class WorkbookError(KostraError):
    """A workbook that cannot be read, calculated or written; the message names file, sheet, cell."""


# ---------------------------------------------------------------------------------------------
# XML helpers


def escape_text(text: str) -> str:
    """Escape text for an XML element; characters XML cannot hold become Excel's ``_xHHHH_``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def escape_attr(text: str) -> str:
    return escape_text(text).replace('"', "&quot;")


def number_text(x: float) -> str:
    """How a number is written in ``<v>``: integers without ``.0``, others round-trip exactly."""
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x)).replace("e", "E")


#: Characters an XML 1.0 document cannot hold (control characters other than tab and line breaks).
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
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
