"""Dynamic-array metadata (``xl/metadata.xml``): which cells Excel 365 reads as dynamic arrays, and
the parts to add or patch so the formulas we store as spilling are read as such."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from kostra_functions.engine.package import (
    CT_SHEET_METADATA,
    MAIN_NS,
    PKG_REL_NS,
    REL_SHEET_METADATA,
    Package,
    WorkbookError,
    decode_xml,
    encode_xml,
    format_attrs,
    parse_attrs,
    safe_parse,
    set_attr,
)

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
