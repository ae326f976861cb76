"""Writing a calculation into the package: every computed value stored as the cell's cached value
next to its formula, dynamic arrays stored as Excel 365 stores them, every other byte kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kostra_functions.engine.array_metadata import DynamicArrayMetadata
from kostra_functions.engine.calculation import Calculation, Pos
from kostra_functions.engine.cell_refs import Area, make_ref
from kostra_functions.engine.package import Package, parse_attrs, set_attr
from kostra_functions.engine.sheet_xml import SheetXml
from kostra_functions.engine.stored import SheetLayout, load_sheets
from kostra_functions.engine.values import encode_value


def write_calculation(pkg: Package, calc: Calculation, out: str | Path, *, exclusive: bool = False) -> None:
    """Write ``pkg`` to ``out`` with every computed value stored as the cell's cached value.

    ``exclusive``: create ``out``, never replace a file that appeared meanwhile (no ``--overskriv``)."""
    metadata = DynamicArrayMetadata.read(pkg)
    parsed, calc.parsed = calc.parsed, None  # the sheets calculate() parsed, changed below: once
    sheets = parsed[1] if parsed is not None and parsed[0] is pkg else load_sheets(pkg, metadata)
    replaced: dict[str, bytes] = {}
    for sheet in sheets:
        data = _patched_sheet(sheet, calc, metadata)
        if data is not None:
            replaced[sheet.info.part] = data
    more_replaced, added = metadata.updated_parts(pkg)
    replaced.update(more_replaced)
    workbook = _without_full_calc_on_load(pkg)
    if workbook is not None:
        replaced[pkg.workbook_part] = workbook
    pkg.write(out, replaced=replaced, added=added, exclusive=exclusive)


def _without_full_calc_on_load(pkg: Package) -> bytes | None:
    """The workbook part without ``fullCalcOnLoad`` (which tells Excel to recalculate everything on
    open, set by writers that cannot store values, openpyxl among them): the values are stored now,
    and a reader without the add-in should see them, not #NAME?. Nothing else is touched."""
    from kostra_functions.engine.package import decode_xml, encode_xml, format_attrs

    text, encoding = decode_xml(pkg.data[pkg.workbook_part])
    m = re.search(r"<((?:\w+:)?calcPr)\b([^>]*?)(\s*/?)>", text)
    if not m:
        return None
    attrs = parse_attrs(m.group(2))
    if dict(attrs).get("fullCalcOnLoad") not in ("1", "true"):
        return None
    new = f"<{m.group(1)}{format_attrs(set_attr(attrs, 'fullCalcOnLoad', None))}{m.group(3)}>"
    return encode_xml(text[:m.start()] + new + text[m.end():], encoding)


def _patched_sheet(sheet: SheetLayout, calc: Calculation, metadata: DynamicArrayMetadata) -> bytes | None:
    xml = sheet.xml
    name = sheet.info.name
    p = xml.prefix
    dynamic_cm: int | None = None
    spill_cells: dict[Pos, Any] = {}
    extent: Area | None = None
    for (s, anchor), area in calc.spills.items():
        if s != name:
            continue
        for pos in area.cells():
            if pos != anchor:
                spill_cells[pos] = calc.values.get((s, pos))
        extent = area if extent is None else Area(min(extent.top, area.top), min(extent.left, area.left),
                                                  max(extent.bottom, area.bottom),
                                                  max(extent.right, area.right))
    for cell in list(xml.formula_cells()):
        pos = (cell.row, cell.col)
        key = (name, pos)
        f = cell.formula
        assert f is not None
        value = calc.values.get(key)
        f_xml = f.raw
        cm: str | None = cell.attr("cm") or None
        if key in calc.spills:
            area = calc.spills[key]
            f_attrs = [(k, v) for k, v in f.attrs if k not in ("t", "ref", "si")]
            f_attrs = [("t", "array"), ("ref", area.ref), *f_attrs]
            text = None
            if f.get("t") == "shared":
                text = calc.formula_text.get(key, f.text)
            f_xml = f.render(f_attrs, text, prefix=p)
            if dynamic_cm is None:
                dynamic_cm = metadata.index_for_dynamic()
            cm = str(dynamic_cm)
        xml.replace_cell(cell, _value_cell(xml, cell.attrs, cell.inner, f_xml, value, cm))
    for master, area in sheet.cse.items():
        for pos in area.cells():
            if pos == master:
                continue
            cell = xml.cells.get(pos)
            value = calc.values.get((name, pos))
            if cell is None:
                xml.add_cell(pos[0], pos[1], _value_cell(xml, [("r", make_ref(*pos))], "", "", value, None))
            elif cell.formula is None:
                cm = cell.attr("cm") or None
                xml.replace_cell(cell, _value_cell(xml, cell.attrs, cell.inner, "", value, cm))
    for pos, value in spill_cells.items():
        cell = xml.cells.get(pos)
        if cell is None:
            xml.add_cell(pos[0], pos[1], _value_cell(xml, [("r", make_ref(*pos))], "", "", value, None))
        elif cell.formula is None:
            xml.replace_cell(cell, _value_cell(xml, cell.attrs, cell.inner, "", value, None))
    for pos in sheet.spill_owned - set(spill_cells):
        cell = xml.cells.get(pos)
        if cell is not None and cell.formula is None and not cell.is_empty:
            attrs = set_attr(set_attr(cell.attrs, "t", None), "cm", None)
            xml.replace_cell(cell, xml.cell_xml(cell.row, cell.col, attrs, ext_lst(cell.inner)))
    if extent is not None:
        xml.set_dimension(extent)
    return xml.to_bytes() if xml.changed else None


_EXT_LST = re.compile(r"<(?:\w+:)?extLst\b.*?</(?:\w+:)?extLst>", re.DOTALL)


def ext_lst(inner: str) -> str:
    """The ``<extLst>`` element of a cell's inner XML (kept when the cell is rewritten), or ``""``."""
    m = _EXT_LST.search(inner)
    return m.group(0) if m else ""


def _value_cell(xml: SheetXml, attrs: list[tuple[str, str]], inner: str, f_xml: str, value: Any,
                cm: str | None) -> str:
    t, v = encode_value(value)
    new_attrs = set_attr(attrs, "t", t, after=("r", "s"))
    new_attrs = set_attr(new_attrs, "cm", cm, after=("r", "s", "t"))
    p = xml.prefix
    body = f_xml + (f"<{p}v>{v}</{p}v>" if v is not None else "") + ext_lst(inner)
    return xml.cell_xml(0, 0, new_attrs, body)
