"""Builders for real files in ``tmp_path``: CSV bytes in any encoding, XLSX via openpyxl, raw XLSX
packages with hand-written sheet XML (for what openpyxl would never write), and damaged copies.

Used by the reader corpus (:mod:`tests.corpus.test_reader_corpus`) and the hostile-file tests.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Regnskap" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def column_letter(index: int) -> str:
    """1-based column number → letters (1 → A, 16384 → XFD)."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_xml(ref: str, value: Any) -> str:
    """One ``<c>``: numbers as numbers, ``("e", "#N/A")`` an error cell, ``("f", "A1+1")`` a formula
    without a cached value, ``("f", "A1+1", 5)`` with one, text as an inline string."""
    if isinstance(value, tuple) and value[0] == "e":
        return f'<c r="{ref}" t="e"><v>{escape(value[1])}</v></c>'
    if isinstance(value, tuple) and value[0] == "f":
        cached = f"<v>{value[2]}</v>" if len(value) > 2 else ""
        return f'<c r="{ref}"><f>{escape(value[1])}</f>{cached}</c>'
    if isinstance(value, tuple) and value[0] == "raw":
        return f'<c r="{ref}"><v>{value[1]}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(
    rows: Iterable[tuple[int, Sequence[Any]]], *, dimension: str | None = None, prolog: str = ""
) -> str:
    """Sheet XML for ``(row number, values)``; ``None`` values are left out (blank cells)."""
    parts = [SHEET_HEAD.replace("\n", "\n" + prolog, 1) if prolog else SHEET_HEAD]
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for number, values in rows:
        cells = "".join(
            cell_xml(f"{column_letter(i + 1)}{number}", v) for i, v in enumerate(values) if v is not None
        )
        parts.append(f'<row r="{number}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def raw_xlsx(
    path: Path,
    sheet: str,
    *,
    parts: dict[str, bytes | str] | None = None,
    workbook: str = WORKBOOK,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A minimal but valid workbook package with the given sheet XML (and extra or replaced parts)."""
    files: dict[str, bytes | str] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
    }
    files.update(parts or {})
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def openpyxl_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "Regnskap",
    before: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
) -> Path:
    """An XLSX written by openpyxl (as Excel would hold it); ``before``: sheets in front of the data."""
    from openpyxl import Workbook

    wb = Workbook()
    first = True
    for name, sheet_rows in [*before, (title, rows)]:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = name
        for r in sheet_rows:
            ws.append(list(r))
    wb.save(path)
    return path


def encode_lines(
    lines: Sequence[str], encoding: str = "cp1252", newline: str = "\r\n", final: bool = True
) -> bytes:
    return (newline.join(lines) + (newline if final else "")).encode(encoding)


def deflate_bomb(
    path: Path,
    *,
    unpacked_bytes: int,
    name: str = "xl/worksheets/sheet1.xml",
    declared_bytes: int | None = None,
) -> Path:
    """A workbook whose sheet inflates to ``unpacked_bytes`` of XML (whitespace inside the root).

    Built without ever holding the inflated data: one block of spaces is deflated after a full
    flush (which resets the compressor, so every block compresses to the same bytes) and repeated.
    ``declared_bytes`` writes a smaller size into the zip headers (a lying header). The CRC is
    computed over the real content, so nothing but the size gives the bomb away.
    """
    block = b" " * (1 << 20)
    head = (SHEET_HEAD + "<sheetData>").encode()
    tail = b"</sheetData></worksheet>"
    blocks, rest = divmod(unpacked_bytes - len(head) - len(tail), len(block))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    repeated = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    assert repeated == again, "full flush should make identical blocks compress identically"
    last = comp.compress(b" " * rest + tail) + comp.flush()
    crc = zlib.crc32(head)
    block_crc_state = crc
    for _ in range(blocks):
        block_crc_state = zlib.crc32(block, block_crc_state)
    crc = zlib.crc32(b" " * rest + tail, block_crc_state)
    size = len(head) + blocks * len(block) + rest + len(tail)
    compressed_size = len(first) + blocks * len(repeated) + len(last)
    declared = size if declared_bytes is None else declared_bytes
    assert size < 2**32 and compressed_size < 2**32, "keep the bomb below zip64"

    # everything else of the package, written normally, then our entry appended by hand
    raw_xlsx(path, "", parts={})
    with zipfile.ZipFile(path) as zf:
        others = [(i, zf.read(i)) for i in zf.infolist() if i.filename != name]
    with open(path, "wb") as out:
        central: list[bytes] = []
        for info, data in others:
            packed = zlib.compressobj(6, zlib.DEFLATED, -15)
            body = packed.compress(data) + packed.flush()
            central.append(_entry(out, info.filename, body, zlib.crc32(data), len(data), len(body)))
        offset = out.tell()
        fname = name.encode()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, compressed_size, declared, len(fname), 0
            )
            + fname
        )
        out.write(first)
        for _ in range(blocks):
            out.write(repeated)
        out.write(last)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                compressed_size,
                declared,
                len(fname),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + fname
        )
        start = out.tell()
        for c in central:
            out.write(c)
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0
            )
        )
    return path


def _entry(out: Any, name: str, body: bytes, crc: int, size: int, packed: int) -> bytes:
    offset = out.tell()
    fname = name.encode()
    out.write(
        struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, packed, size, len(fname), 0) + fname
    )
    out.write(body)
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            packed,
            size,
            len(fname),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + fname
    )


def truncated(path: Path, target: Path, fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


PDF_BYTES = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
#: The first bytes of an OLE compound file: old .xls, or an encrypted .xlsx.
CFB_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("regnskap.csv", "Art;Ansvar;Funksjon;Periode;Beløp\r\n10100;210;201;6;100\r\n")
    return path
