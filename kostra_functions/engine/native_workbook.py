"""A workbook package as ``formualizer`` reads it: the sheet parts with our formulas prepared
(:mod:`~kostra_functions.engine.native_formulas`), stored spill values cleared, stored error
values newer than its reader shown as ``#VALUE!``, date-formatted cells our calls read marked, the
workbook's iterative-calculation setting, and the table registered (:func:`load`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import formualizer as fz

from kostra_functions.engine.array_metadata import DynamicArrayMetadata
from kostra_functions.engine.calculation import Pos
from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.native_formulas import (
    DATE_FUNCTION,
    canonical_formula,
    kostra_arg_spans,
    needs_rewrite,
    read_tables,
    structured_references,
)
from kostra_functions.engine.native_functions import NativeFunctions, default_functions
from kostra_functions.engine.package import MAIN_NS, Package, WorkbookError, safe_parse
from kostra_functions.engine.sheet_xml import SheetXml


class UnreadableError(WorkbookError):
    """formualizer refuses to read or calculate the file (the formulas engine may still do it)."""


@dataclass
class StoredSheet:
    """What a sheet stores that the results are read by: its formulas and array formulas."""

    name: str
    formulas: dict[Pos, str]  # every formula cell: its own text ("" for a shared-formula child)
    cse: dict[Pos, Area]  # legacy array formulas: master → range
    dynamic: dict[Pos, Area]  # dynamic arrays as stored: anchor → spill range


#: Error values formualizer's reader accepts as stored values; newer ones it refuses.
_READABLE_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
_NEWER_ERROR = re.compile(rb"(<(?:\w+:)?v>)(#(?:SPILL|CALC|GETTING_DATA|BLOCKED|UNKNOWN|FIELD|CONNECT|BUSY|"
                          rb"PYTHON|EXTERNAL)!?)(</(?:\w+:)?v>)")
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


class _FormulaSheets:
    """``pkg`` as the shared writer should see it: only the sheets that hold formulas (a sheet
    without one has nothing to store, and parsing a large ledger sheet costs seconds)."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.path = pkg.path
        self.data = pkg.data
        self.workbook_part = pkg.workbook_part

    def sheets(self) -> list[Any]:
        return [info for info in self.pkg.sheets() if _HAS_FORMULA.search(self.pkg.data[info.part])]


_REF_ARG = re.compile(r"^(?:('(?:[^']|'')+'|[A-Za-z_\u00c0-\u024f][\w.\u00c0-\u024f]*)!)?"
                      r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?$")


class _DateCells:
    """Which cells a ``KOSTRA_*`` call reads directly are formatted as dates (Excel, and xlwings,
    hand such a cell to a function as a date: used as an amount it is ``#VALUE!``, not a number)."""

    def __init__(self, pkg: Package, parsed: dict[str, SheetXml]) -> None:
        self.pkg = pkg
        self.parsed = parsed
        self._styles: set[str] | None = None
        self._parts = {info.name.upper(): info for info in pkg.sheets()}
        self._dated: dict[str, set[Pos]] = {}
        #: key → offsets of the date-formatted cells of a range argument (``KOSTRA__DATO(A1:C9;"0")``)
        self.masks: dict[str, set[Pos]] = {}

    def _dated_styles(self) -> set[str]:
        if self._styles is None:
            self._styles = set()
            part = self.pkg.part_with_type(self.pkg.workbook_part, "/styles")
            if part is not None and part in self.pkg.data:
                from openpyxl.styles.numbers import is_date_format

                root = safe_parse(self.pkg.data[part], f"{self.pkg.path.name}:{part}")
                ns = f"{{{MAIN_NS}}}"
                custom = {el.get("numFmtId"): el.get("formatCode") or "" for el in root.iter(f"{ns}numFmt")}
                builtin = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
                xfs = root.find(f"{ns}cellXfs")
                for i, xf in enumerate(xfs if xfs is not None else []):
                    fid = xf.get("numFmtId", "0")
                    code = custom.get(fid)
                    if (code is not None and is_date_format(code)) or (
                            code is None and fid.isdigit() and int(fid) in builtin):
                        self._styles.add(str(i))
        return self._styles

    def dated(self, sheet: str) -> set[Pos]:
        """Number cells of ``sheet`` formatted as dates (read once per sheet)."""
        info = self._parts.get(sheet.upper())
        if info is None:
            return set()
        if info.name not in self._dated:
            styles = self._dated_styles()
            found: set[Pos] = set()
            xml = self.parsed.get(info.name)
            if styles and xml is not None:
                found = {pos for pos, c in xml.cells.items() if c.attr("s") in styles and c.type == "n"}
            elif styles:
                from kostra_functions.engine.cell_refs import parse_ref

                for m in re.finditer(rb"<(?:\w+:)?c\b([^>]*)>", self.pkg.data[info.part]):
                    attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
                    if attrs.get(b"s", b"").decode() in styles and attrs.get(b"t", b"n") == b"n" \
                            and b"r" in attrs:
                        found.add(parse_ref(attrs[b"r"].decode()))
            self._dated[info.name] = found
        return self._dated[info.name]

    def wrap(self, formula: str, sheet: str) -> str:
        """``formula`` with each ``KOSTRA_*`` argument that is a cell or range holding
        date-formatted cells wrapped in the date marker (a range with the key of its mask)."""
        out, pos = [], 0
        for start, end in kostra_arg_spans(formula):
            arg = formula[start:end].strip()
            m = _REF_ARG.match(arg)
            if m is None:
                continue
            target = m.group(1) or sheet
            if target.startswith("'"):
                target = target[1:-1].replace("''", "'")
            dated = self.dated(target)
            if not dated:
                continue
            area = Area.parse(arg.rsplit("!", 1)[-1].replace("$", ""))
            inside = {(r - area.top, c - area.left) for (r, c) in dated
                      if area.top <= r <= area.bottom and area.left <= c <= area.right}
            if not inside:
                continue
            if area.shape == (1, 1):
                out.append(formula[pos:start] + f"{DATE_FUNCTION}({arg})")
            else:
                key = str(len(self.masks))
                self.masks[key] = inside
                out.append(formula[pos:start] + f'{DATE_FUNCTION}({arg},"{key}")')
            pos = end
        return "".join(out) + formula[pos:] if out else formula


def _prepared(pkg: Package) -> tuple[dict[str, bytes], list[StoredSheet], Any, dict[str, set[Pos]]]:
    """The sheet parts as formualizer should read them, what each sheet stores, and the parsed
    sheets for :func:`~kostra_functions.engine.write_values.write_calculation` (each sheet with
    formulas parsed once, read only).

    Changes, in memory only (the file written later is patched from the original XML): every
    ``KOSTRA_*`` formula in the table's spelling with its omitted arguments marked
    (:func:`canonical_formula`); the values stored for the cells of a dynamic array's spill range
    removed (the previous result, which would otherwise block the new spill); stored error values
    newer than formualizer's reader (``#SPILL!``, ``#CALC!``) shown to it as ``#VALUE!``.
    """
    from kostra_functions.engine.package import encode_xml
    from kostra_functions.engine.stored import load_sheets

    metadata = DynamicArrayMetadata.read(pkg)
    parsed = load_sheets(_FormulaSheets(pkg), metadata)  # type: ignore[arg-type]
    tables = read_tables(pkg)
    table_names = [t.name.upper() for t in tables if t.name]
    dates = _DateCells(pkg, {s.info.name: s.xml for s in parsed})
    replaced: dict[str, bytes] = {}
    out = []
    for sheet in parsed:
        xml = sheet.xml
        formulas: dict[Pos, str] = {}
        edits: list[tuple[int, int, str]] = []
        for cell in xml.formula_cells():
            f = cell.formula
            assert f is not None
            own = f.text or ""
            formulas[(cell.row, cell.col)] = own
            new = canonical_formula(own) if own and needs_rewrite(own) else own
            if tables and any(name in new.upper() for name in table_names):
                new = structured_references(new, cell.row, sheet.info.name, tables)
            if "KOSTRA_" in new.upper():
                new = dates.wrap(new, sheet.info.name)
            if new != own:
                element = xml.text[cell.start:cell.end]
                edits.append((cell.start, cell.end,
                              element.replace(f.raw, f.render(None, new, prefix=xml.prefix), 1)))
        for pos in sheet.spill_owned:
            cell = xml.cells.get(pos)
            if cell is not None and cell.formula is None:
                edits.append((cell.start, cell.end, ""))
        if edits:
            text = xml.text
            for start, end, new_text in sorted(edits, reverse=True):
                text = text[:start] + new_text + text[end:]
            replaced[sheet.info.part] = encode_xml(text, xml.encoding)
        out.append(StoredSheet(sheet.info.name, formulas, dict(sheet.cse), dict(sheet.dynamic)))
    for info in pkg.sheets():
        data = replaced.get(info.part, pkg.data[info.part])
        if b"#" in data and _NEWER_ERROR.search(data):
            replaced[info.part] = _NEWER_ERROR.sub(rb"\1#VALUE!\3", data)
    return replaced, out, (pkg, parsed), dates.masks


def _iteration(pkg: Package) -> tuple[bool, int, float]:
    """The workbook's iterative-calculation setting: (on, max iterations, max change)."""
    root = safe_parse(pkg.data[pkg.workbook_part], f"{pkg.path.name}:{pkg.workbook_part}")
    el = root.find(f"{{{MAIN_NS}}}calcPr")
    if el is None:
        return False, 100, 0.001
    on = el.get("iterate") in ("1", "true")
    try:
        count = int(el.get("iterateCount") or 100)
        delta = float(el.get("iterateDelta") or 0.001)
    except ValueError:
        count, delta = 100, 0.001
    return on, max(1, count), delta


def _config(pkg: Package) -> Any:
    cfg = fz.EvaluationConfig()
    on, count, delta = _iteration(pkg)
    if on:
        cfg.cycle_policy = "iterate"
        cfg.iterate_max_iterations = count
        cfg.iterate_max_change = delta
    return fz.WorkbookConfig(eval_config=cfg)


def load(pkg: Package, functions: NativeFunctions | None = None) -> tuple[Any, list[StoredSheet], Any]:
    """A formualizer workbook for ``pkg`` with the table registered and the formulas prepared, what
    each sheet stores, and the parsed sheets for the writer."""
    functions = functions or default_functions()
    replaced, sheets, parsed, date_masks = _prepared(pkg)
    try:
        wb = fz.Workbook.from_bytes(_package_bytes(pkg, replaced), config=_config(pkg))
    except Exception as exc:  # formualizer's reader refuses the file: say so, in Norwegian
        raise UnreadableError(f"{pkg.path.name}: beregningsmotoren formualizer kan ikke lese filen "
                            f"({exc}).") from exc
    functions.register(wb, date_masks)
    return wb, sheets, parsed



def _package_bytes(pkg: Package, replaced: dict[str, bytes]) -> bytes:
    """The package as a zip for formualizer (the file itself when nothing had to change)."""
    if not replaced and pkg.path.is_file():
        return pkg.path.read_bytes()
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in pkg.data.items():
            z.writestr(name, replaced.get(name, data))
    return buf.getvalue()
