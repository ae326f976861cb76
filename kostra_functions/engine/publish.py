"""A values-only copy of a workbook, for readers without the add-in.

Someone without ``kostra-functions`` who opens a workbook full of ``KOSTRA_*`` formulas sees
``#NAVN?`` as soon as Excel recalculates. :func:`publish` writes a copy where every formula is
replaced by its value (calculated now, or the value stored in the file), and everything else —
formatting, column widths, merged cells, comments, charts — is kept byte for byte. The calculation
chain (``calcChain.xml``), which lists formula cells, is dropped, since there are none left.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kostra_functions.engine import bridge
from kostra_functions.engine.array_metadata import DynamicArrayMetadata
from kostra_functions.engine.calculation import Calculation, CellIssue, sheet_ref
from kostra_functions.engine.cell_refs import make_ref
from kostra_functions.engine.package import (
    Package,
    WorkbookError,
    decode_xml,
    encode_xml,
    escape_text,
    safe_parse,
    set_attr,
)
from kostra_functions.engine.recalc import calculate, check_output_path
from kostra_functions.engine.stored import load_sheets, shared_strings, stored_value
from kostra_functions.engine.values import encode_value
from kostra_functions.engine.write_values import ext_lst


@dataclass
class PublishResult:
    source: Path
    output: Path
    formulas_replaced: int
    issues: list[CellIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def publish(source: str | Path, output: str | Path, *, overwrite: bool = False, recalculate: bool = True,
            engine: bridge.EngineFunctions | None = None, motor: str | None = None) -> PublishResult:
    """Write a copy of ``source`` with every formula replaced by its value.

    ``recalculate`` (default) calculates the workbook first, so the values are current; otherwise
    the values stored in the file are used, and a formula cell without a stored value is an error.
    ``motor`` names the engine (:mod:`kostra_functions.engine.motor`); ``engine`` is a ``formulas``
    function table to use instead (tests).
    """
    src, out = Path(source), Path(output)
    check_output_path(src, out, overwrite)
    pkg = Package.read(src)
    metadata = DynamicArrayMetadata.read(pkg)
    sheets = load_sheets(pkg, metadata)
    calc: Calculation | None = None
    if recalculate:
        from kostra_functions.engine import motor as motors

        calc = calculate(pkg, engine) if engine is not None else motors.calculate_with(motor, pkg)
    strings = shared_strings(pkg) if calc is None else []
    replaced: dict[str, bytes] = {}
    count = 0
    missing: list[str] = []
    for sheet in sheets:
        xml = sheet.xml
        name = sheet.info.name
        array_cells: set[tuple[int, int]] = set()
        if calc is not None:
            for (s, anchor), area in calc.spills.items():
                if s == name:
                    array_cells.update(p for p in area.cells() if p != anchor)
        for anchor, area in list(sheet.cse.items()) + list(sheet.dynamic.items()):
            array_cells.update(p for p in area.cells() if p != anchor)
        for pos, cell in list(xml.cells.items()):
            is_formula = cell.formula is not None
            if not is_formula and pos not in array_cells:
                continue
            if calc is not None:
                value = calc.values.get((name, pos), cell if not is_formula else None)
                if value is cell:  # a stored spill value the new calculation no longer has
                    value = None
            else:
                value = stored_value(cell, strings)
                if is_formula and not cell.value_raw and cell.type != "str":
                    missing.append(sheet_ref(name, cell.ref))
            if is_formula:
                count += 1
            attrs = set_attr(cell.attrs, "cm", None)
            xml.replace_cell(cell, _literal_cell(xml, attrs, cell.inner, value))
        if calc is not None:  # spilled cells that had no element yet
            for (s, anchor), area in calc.spills.items():
                if s != name:
                    continue
                for pos in area.cells():
                    if pos != anchor and pos not in xml.cells:
                        xml.add_cell(pos[0], pos[1], _literal_cell(xml, [("r", make_ref(*pos))], "",
                                                                   calc.values.get((name, pos))))
        if xml.changed:
            replaced[sheet.info.part] = xml.to_bytes()
    if missing:
        raise WorkbookError(
            f"{src.name}: disse formlene har ingen lagret verdi: {', '.join(missing[:10])}"
            + (f" og {len(missing) - 10} til" if len(missing) > 10 else "")
            + ". Kjør uten --bruk-lagrede (eller «kostra beregn» først). Ingen fil er skrevet."
        )
    removed, more = _drop_calc_chain(pkg)
    replaced.update(more)
    pkg.write(out, replaced=replaced, removed=removed, exclusive=not overwrite)
    warnings = _kostra_outside_cells(pkg)
    return PublishResult(src, out, count, calc.issues if calc else [], warnings)


def _literal_cell(xml: Any, attrs: list[tuple[str, str]], inner: str, value: Any) -> str:
    p = xml.prefix
    ext = ext_lst(inner)
    if value is None or value == "":
        return xml.cell_xml(0, 0, set_attr(attrs, "t", None), ext)
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
        body = f"<{p}is><{p}t{space}>{escape_text(value)}</{p}t></{p}is>"
        return xml.cell_xml(0, 0, set_attr(attrs, "t", "inlineStr", after=("r", "s")), body + ext)
    t, v = encode_value(value)
    new_attrs = set_attr(attrs, "t", t, after=("r", "s"))
    return xml.cell_xml(0, 0, new_attrs, f"<{p}v>{v}</{p}v>" + ext)


def _drop_calc_chain(pkg: Package) -> tuple[set[str], dict[str, bytes]]:
    wb = pkg.workbook_part
    chain = pkg.part_with_type(wb, "/calcChain")
    if chain is None:
        return set(), {}
    replaced: dict[str, bytes] = {}
    rels_name = Package.rels_part(wb)
    text, enc = decode_xml(pkg.data[rels_name])
    text = re.sub(r'<Relationship\b[^>]*Type="[^"]*/calcChain"[^>]*/>', "", text)
    replaced[rels_name] = encode_xml(text, enc)
    ct, enc = decode_xml(pkg.data["[Content_Types].xml"])
    ct = re.sub(rf'<Override\b[^>]*PartName="/{re.escape(chain)}"[^>]*/>', "", ct)
    replaced["[Content_Types].xml"] = encode_xml(ct, enc)
    safe_parse(replaced["[Content_Types].xml"], "[Content_Types].xml")
    return {chain}, replaced


def _calls_kostra(formula: str) -> bool:
    from kostra_functions.engine.bridge import called_functions, canonical_name

    return any(canonical_name(name.upper()) for name in called_functions("=" + formula))


def _kostra_outside_cells(pkg: Package) -> list[str]:
    """KOSTRA functions left in names, conditional formatting or validation (not replaced)."""
    warnings = []
    wb_text = pkg.data[pkg.workbook_part].decode("utf-8", errors="replace")
    for m in re.finditer(r'<definedName\b[^>]*name="([^"]+)"[^>]*>([^<]*)</definedName>', wb_text):
        if _calls_kostra(html.unescape(m.group(2))):  # not a sheet named «KOSTRA og enheter»
            warnings.append(
                f"Navnet «{m.group(1)}» bruker en KOSTRA-funksjon og viser #NAVN? uten tillegget."
            )
    for sheet in pkg.sheets():
        text = pkg.data[sheet.part].decode("utf-8", errors="replace")
        for tag in ("conditionalFormatting", "dataValidation"):
            for block in re.findall(rf"<(?:\w+:)?{tag}\b.*?</(?:\w+:)?{tag}>", text, re.DOTALL):
                if "KOSTRA" in block.upper():
                    what = "Betinget formatering" if tag == "conditionalFormatting" else "Datavalidering"
                    warnings.append(f"{what} i arket «{sheet.name}» bruker en KOSTRA-funksjon og virker "
                                    "ikke uten tillegget.")
    return warnings
