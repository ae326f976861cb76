"""What a package stores, read without calculating: each sheet's layout (merged cells, array
formulas, dynamic arrays and their spilled cells, hidden rows), the shared strings and the value
each cell stores (its cached value for a formula)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kostra_functions.cells import ExcelError
from kostra_functions.engine.array_metadata import DynamicArrayMetadata
from kostra_functions.engine.calculation import Pos
from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.package import MAIN_NS, Package, SheetInfo, safe_parse, unescape
from kostra_functions.engine.sheet_xml import CellXml, SheetXml


@dataclass
class SheetLayout:
    """A sheet as stored, parsed once, with what calculating and writing it need to know of its layout."""

    info: SheetInfo
    xml: SheetXml
    merged: list[Area]
    cse: dict[Pos, Area]  # legacy array formulas: master → range
    dynamic: dict[Pos, Area]  # dynamic arrays as stored: anchor → spill range
    spill_owned: set[Pos]  # cells holding a stored spill value (blank for collision purposes)
    hidden_rows: set[int]
    has_filter: bool


def load_sheets(pkg: Package, metadata: DynamicArrayMetadata) -> list[SheetLayout]:
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
        out.append(SheetLayout(info, xml, merged, cse, dynamic, owned, hidden, has_filter))
    return out



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
    """The workbook's shared strings (phonetic runs left out), by index."""
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
