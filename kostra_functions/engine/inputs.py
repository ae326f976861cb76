"""Input sheets read only through plain cells and ranges: left out of the copy ``formulas`` loads
and fed to the calculation as whole ranges (see :func:`input_sheets`)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import schedula as sh

from kostra_functions.engine import formula_prep
from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.package import MAIN_NS, Package, safe_parse, unescape
from kostra_functions.engine.sheet_xml import CellXml, SheetXml
from kostra_functions.engine.stored import SheetLayout, stored_value

#: A defined name that is a plain cell or range of one sheet (``'Grunnlag'!$A$2:$A$436``).
_PLAIN_NAME = re.compile(r"^(?:'(?:[^']|'')+'|[^'!\s()]+)!"
                         r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?$")
#: Functions that can reach cells outside the ranges a formula names.
_REFERENCE_FUNCTIONS = re.compile(r"\b(?:INDIRECT|OFFSET)\s*\(", re.IGNORECASE)
_HEX = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NO_VALUE = object()


def _defined_name_texts(pkg: Package) -> list[str]:
    root = safe_parse(pkg.data[pkg.workbook_part], f"{pkg.path.name}:{pkg.workbook_part}")
    return [(el.text or "").strip() for el in root.iter(f"{{{MAIN_NS}}}definedName")]


def input_sheets(pkg: Package, sheets: list[SheetLayout],
                 prep: formula_prep.Prepared | None = None) -> dict[str, SheetLayout]:
    """Sheets (by upper-case name) whose cells formulas read only as plain cells and ranges.

    Such a sheet (an input table such as «Grunnlag», a ledger «Hovedbok») is left out of the copy
    formulas loads, and every cell or range formulas reads from it is fed to the calculation as
    one value: formulas otherwise makes one node per cell, which for a table of a few thousand
    cells costs more than all the formulas. A sheet qualifies when it has no formula, no error value
    and no cell formulas could read in a way we do not reproduce (a date or text-typed cell), when
    every defined name pointing into it is a plain cell or range, when every formula (as calculated,
    after :mod:`~kostra_functions.engine.formula_prep`) names it only in plain A1 cells and ranges,
    and when no formula uses INDIRECT or OFFSET.
    """
    from kostra_functions.engine.formula_refs import FORMULA_REFERENCE, unquote_sheet

    overrides = prep.overrides if prep is not None else {}
    formulas_text = [overrides.get((s.info.name, (c.row, c.col))) or c.formula.text
                     for s in sheets for c in s.xml.formula_cells() if c.formula is not None]
    formulas_text = [t for t in formulas_text if t]
    if any(_REFERENCE_FUNCTIONS.search(t) for t in formulas_text):
        return {}
    names = _defined_name_texts(pkg)
    out: dict[str, SheetLayout] = {}
    for sheet in sheets:
        name = sheet.info.name
        if next(sheet.xml.formula_cells(), None) is not None:
            continue
        mentions = (f"{name}!".upper(), f"'{name.replace(chr(39), chr(39) * 2)}'!".upper())
        mentioned = [t for t in formulas_text if any(m in t.upper() for m in mentions)]
        if any(not _plain_mentions(t, name, mentions, FORMULA_REFERENCE, unquote_sheet) for t in mentioned):
            continue
        pointing = [t for t in names if any(m in t.upper() for m in mentions)]
        if not (pointing or mentioned) or not all(_PLAIN_NAME.match(t) for t in pointing):
            continue
        if any(c.type not in ("n", "s", "b", "inlineStr")
               for c in sheet.xml.cells.values() if not c.is_empty):
            continue
        out[name.upper()] = sheet
    return out


def _plain_mentions(text: str, sheet: str, mentions: tuple[str, ...], ref: Any, unquote: Any) -> bool:
    """Whether every mention of ``sheet`` in ``text`` is a plain A1 cell or range."""
    upper = text.upper()
    count = sum(upper.count(m) for m in mentions)
    plain = sum(1 for m in ref.finditer(text)
                if m.group("sheet") and unquote(m.group("sheet")).upper() == sheet.upper() and m.group("c1"))
    return plain == count


def _formulas_value(cell: CellXml, strings: list[str]) -> Any:
    """A stored cell value as formulas' reader gives it to a calculation (openpyxl's types: int
    or float by the text of the number, dates left as serial numbers; floats to 15 digits)."""
    t, raw = cell.type, cell.value_raw
    if t == "inlineStr":
        value = stored_value(cell, strings)
        return _NO_VALUE if value is None else value
    if raw is None:
        return _NO_VALUE
    raw = unescape(raw)
    if t == "s":
        text = strings[int(raw)]
        if "_x" in text:
            text = _HEX.sub(lambda m: chr(int(m.group(1), 16)), text)
        return text.replace("x005F_", "")
    if t == "b":
        return bool(int(raw))
    if raw == "":
        return _NO_VALUE
    number: Any = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    return round(number, 15) if isinstance(number, float) else number


def range_value(sheet: SheetLayout, area: Area, strings: list[str]) -> np.ndarray:
    """The cells of ``area`` as formulas holds a range: an object array, ``EMPTY`` for a blank."""
    out = np.empty(area.shape, dtype=object)
    out.fill(sh.EMPTY)  # the token itself (np.full would store a plain copy of the text "empty")
    for (r, c), cell in sheet.xml.cells.items():
        if area.top <= r <= area.bottom and area.left <= c <= area.right:
            value = _formulas_value(cell, strings)
            if value is not _NO_VALUE:
                out[r - area.top, c - area.left] = value
    return out


def without_cells(data: bytes, xml: SheetXml) -> bytes:
    """A worksheet part (``xml`` is its parse) with an empty ``<sheetData>`` (its values are fed to
    formulas directly)."""
    from kostra_functions.engine.package import encode_xml

    if xml.sheetdata_selfclosing:
        return data
    return encode_xml(xml.text[:xml.sheetdata_tag_end] + xml.text[xml.sheetdata_end:], xml.encoding)
