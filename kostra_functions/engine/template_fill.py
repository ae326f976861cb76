"""Fill a built template with a district's data by writing the workbook's parts directly.

``kostra regenerer`` fills every template for every district (4 × 15 workbooks). A template is
built once (:func:`~kostra_functions.engine.templates.build_template`, with openpyxl) and then only
its input sheets change from district to district: the settings on «Oppsett», the rows of the input
tables, the names over them, the print header of each sheet. Loading and saving the whole workbook
with openpyxl for that cost more than calculating it, so a template is *compiled* once per process
(:func:`compiled`: its :class:`~kostra_functions.engine.package.Package`, sheet parts and names,
kept while the file is unchanged) and a fill patches the cells it changes with the engine's own sheet
editor (:class:`~kostra_functions.engine.sheet_xml.SheetXml`) and copies every other part byte for
byte.

The result is what openpyxl would write for the same fill, cell for cell: the same values with the
same types (text as text, also text that starts with ``=``; a controller's own formula,
:class:`~kostra_functions.engine.carryover.TypedFormula`, as a formula), the same number formats
per column kind, names, table ranges, guard cells and headers. Text is written as inline strings,
as the built templates already hold it (they have no shared-string table).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl.utils.datetime import to_excel

from kostra_functions.engine.carryover import TypedFormula
from kostra_functions.engine.cell_refs import Area, make_ref, parse_ref
from kostra_functions.engine.formula_refs import unquote_sheet
from kostra_functions.engine.package import (
    ILLEGAL_XML,
    Package,
    escape_attr,
    escape_text,
    number_text,
    unescape,
)
from kostra_functions.engine.sheet_xml import SheetXml
from kostra_functions.engine.templates import (
    MONEY_ORE,
    Column,
    Fill,
    Kind,
    Table,
    Template,
    TemplateError,
    table_guard,
    table_names,
    table_range,
)

#: Number format of a table column's cells, per kind (as in the built template's report sheets).
FORMATS: dict[Kind, str] = {"tekst": "@", "tall": MONEY_ORE, "heltall": "0", "dato": "dd.mm.yyyy",
                            "sann": "General"}
_BUILTIN_FORMATS = {"General": 0, "0": 1, "@": 49}

_NAME_RE = re.compile(r'<definedName\b[^>]*?\bname="([^"]*)"[^>]*>(.*?)</definedName>', re.S)
_ODD_HEADER_RE = re.compile(r'<oddHeader>.*?</oddHeader>|<oddHeader\s*/>', re.S)


@dataclass(frozen=True)
class Compiled:
    """A built template read once: what a fill needs to patch its parts."""

    package: Package
    #: The styles part, and its text with the cell formats a fill writes (:data:`FORMATS`) added.
    styles_part: str
    styles_xml: bytes
    #: Number format → cell style index of a plain cell with that format.
    styles: dict[str, int]
    #: Sheet name → its part (``xl/worksheets/sheet3.xml``).
    sheets: dict[str, str]
    #: Defined name → what it refers to.
    names: dict[str, str]
    #: Excel table display name → its part (``xl/tables/table1.xml``).
    tables: dict[str, str] = field(default_factory=dict)


def compiled(path: str | Path) -> Compiled:
    """The template at ``path`` compiled for filling; kept per process while the file is unchanged
    (same size and modification time), so the 15 districts of a run read and parse it once."""
    p = Path(path)
    if not p.is_file():
        raise TemplateError(f"{p}: malen er ikke bygget; kjør «kostra maler bygg».")
    stat = p.stat()
    return _compile(p.resolve(), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _compile(path: Path, size: int, mtime_ns: int) -> Compiled:
    del size, mtime_ns  # the cache key: a rebuilt template is compiled again
    pkg = Package.read(path)  # the shared guard: a template folder may be given (--maler-mappe)
    workbook = pkg.workbook_part
    sheets = {s.name: s.part for s in pkg.sheets()}
    names = {unescape(n): unescape(ref) for n, ref in _NAME_RE.findall(pkg.data[workbook].decode("utf-8"))}
    tables = {}
    for part in sheets.values():
        for _, rtype, target, _ in pkg.relationships(part):
            found = re.search(r'\bdisplayName="([^"]*)"', pkg.data.get(target, b"").decode("utf-8"))
            if rtype.endswith("/table") and found:
                tables[unescape(found.group(1))] = target
    styles_part = pkg.part_with_type(workbook, "/styles")
    if styles_part is None or styles_part not in pkg.data:
        raise TemplateError(f"{path}: malen mangler cellestiler; bygg den på nytt med «kostra maler bygg».")
    styles_xml, styles = _with_formats(pkg.data[styles_part].decode("utf-8"))
    return Compiled(pkg, styles_part, styles_xml.encode("utf-8"), styles, sheets, names, tables)


def _with_formats(styles: str) -> tuple[str, dict[str, int]]:
    """``styles`` with a plain cell format for each of :data:`FORMATS` appended (existing style
    indices are unchanged), and the index of each."""
    custom = {unescape(code): int(num) for num, code in
              re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"\s*/>', styles)}
    ids: dict[str, int] = {}
    added = []
    next_id = max([163, *custom.values()]) + 1
    for code in dict.fromkeys(FORMATS.values()):
        if code in _BUILTIN_FORMATS:
            ids[code] = _BUILTIN_FORMATS[code]
        elif code in custom:
            ids[code] = custom[code]
        else:
            ids[code] = custom[code] = next_id
            added.append(f'<numFmt numFmtId="{next_id}" formatCode="{escape_attr(code)}" />')
            next_id += 1
    if added:
        styles = re.sub(r'<numFmts count="0"\s*/>', "", styles, count=1)
        if "<numFmts" in styles:
            styles = re.sub(
                r'<numFmts count="\d+">(.*?)</numFmts>',
                lambda m: f'<numFmts count="{len(custom)}">{m.group(1)}{"".join(added)}</numFmts>',
                styles, count=1, flags=re.S)
        else:
            fmts = f'<numFmts count="{len(added)}">' + "".join(added) + "</numFmts>"
            styles = re.sub(r"(<styleSheet\b[^>]*>)", lambda m: m.group(1) + fmts, styles, count=1)
    match = re.search(r'<cellXfs count="(\d+)">(.*?)</cellXfs>', styles, re.S)
    if match is None:
        raise TemplateError("Malen mangler cellestiler (styles.xml); bygg den på nytt med "
                            "«kostra maler bygg».")
    count = len(re.findall(r"<xf\b", match.group(2)))
    indices: dict[str, int] = {}
    xfs = []
    for code, num in ids.items():
        indices[code] = count + len(xfs)
        xfs.append(f'<xf numFmtId="{num}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" '
                   f'pivotButton="0" quotePrefix="0" xfId="0" />')
    styles = (styles[: match.start()] + f'<cellXfs count="{count + len(xfs)}">' + match.group(2)
              + "".join(xfs) + "</cellXfs>" + styles[match.end():])
    return styles, indices


# ---------------------------------------------------------------------------------------------
# Cells


class _Formula(str):
    """A formula the template itself writes (a formula column, a guard)."""


def _checked(text: str, where: str) -> str:
    """``text`` escaped for XML; a control character (a damaged export) is refused, naming where."""
    if ILLEGAL_XML.search(text):
        shown = ILLEGAL_XML.sub("?", text)[:60]
        raise TemplateError(f"{where}: teksten «{shown}» inneholder kontrolltegn som ikke kan stå i en "
                            "arbeidsbok; rett teksten i eksporten.")
    return escape_text(text)


def cell_content(value: Any, where: str) -> tuple[str | None, str]:
    """``(t attribute, inner XML)`` of a cell holding ``value``: text stays text (also text that
    starts with ``=``), a TypedFormula is a formula, ``None`` is an empty cell."""
    if value is None:
        return None, ""
    if isinstance(value, (TypedFormula, _Formula)):
        return None, f"<f>{_checked(str(value).removeprefix('='), where)}</f><v />"
    if isinstance(value, bool):
        return "b", f"<v>{int(value)}</v>"
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise TemplateError(f"{where}: «{value}» er ikke et tall.")
        return "n", f"<v>{number_text(value)}</v>"
    if isinstance(value, (date, datetime)):
        return "n", f"<v>{number_text(to_excel(value))}</v>"
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return "inlineStr", f"<is><t{space}>{_checked(text, where)}</t></is>"


def typed_value(value: Any, col: Column, table: Table, row: int) -> Any:
    """A table cell's value converted to its column's kind (a TypedFormula stays a formula)."""
    if value is None:
        return None
    if isinstance(value, TypedFormula):  # the controller's own formula, carried over: keep it
        return value
    if col.kind == "tekst":
        return str(value)
    if col.kind in ("tall", "heltall"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value)
            except (TypeError, ValueError):
                if col.typed and isinstance(value, str):
                    return value  # the controller's text stays, and the row's status says what is wrong
                raise TemplateError(
                    f"«{table.sheet}» rad {row}, kolonne «{col.header}»: «{value}» er ikke et tall."
                ) from None
        return int(value) if col.kind == "heltall" else float(value)
    if col.kind == "sann":
        return bool(value)
    if col.kind == "dato":
        if isinstance(value, (date, datetime)):
            return value
        raise TemplateError(f"«{table.sheet}» rad {row}, kolonne «{col.header}»: «{value}» er ikke en dato.")
    return value


# ---------------------------------------------------------------------------------------------
# Sheets


class _Patch:
    """The cells a fill writes into one worksheet part (each cell once)."""

    def __init__(self, pkg: Package, part: str) -> None:
        self.sheet = SheetXml(pkg.data[part], f"{pkg.path.name}:{part}")
        self.written: set[tuple[int, int]] = set()
        self.extent = (1, 1)

    def style_of(self, row: int, col: int) -> int | None:
        cell = self.sheet.cells.get((row, col))
        style = cell.attr("s") if cell is not None else ""
        return int(style) if style.isdigit() else None

    def has_value(self, row: int, col: int) -> bool:
        return (row, col) in self.written or not self.sheet.is_blank(row, col)

    def put(self, row: int, col: int, value: Any, style: int | None, where: str) -> None:
        """Write ``value`` into the cell with ``style`` (``None``: no style)."""
        if (row, col) in self.written:
            raise AssertionError(f"{where}: written twice")
        self.written.add((row, col))
        kind, inner = cell_content(value, where)
        attrs = [("r", make_ref(row, col))]
        if style:
            attrs.append(("s", str(style)))
        if kind and kind != "n":
            attrs.append(("t", kind))
        existing = self.sheet.cells.get((row, col))
        if not inner and not style:
            if existing is not None:
                self.sheet.replace_cell(existing, self.sheet.cell_xml(row, col, attrs, ""))
            return
        xml = self.sheet.cell_xml(row, col, attrs, inner)
        if existing is not None:
            self.sheet.replace_cell(existing, xml)
        else:
            self.sheet.add_cell(row, col, xml)
        self.extent = (max(self.extent[0], row), max(self.extent[1], col))

    def to_bytes(self) -> bytes:
        self.sheet.set_dimension(Area(1, 1, *self.extent))
        return self.sheet.to_bytes()


def header_xml(district: Any, year: Any, period: Any) -> str:
    """The print header with the district, year and period, as ``<oddHeader>`` text."""
    name = str(district).replace("&", "&&")  # a lone & starts a header code
    when = [str(year)] if year is not None else []
    if period is not None:
        when.append(f"periode {period}")
    return escape_text(f"&L{name} – &A&R{', '.join(when) or '&D'}")


def _with_header(part: bytes, header: str) -> bytes:
    text = part.decode("utf-8")
    return _ODD_HEADER_RE.sub(lambda _: f"<oddHeader>{header}</oddHeader>", text, count=1).encode("utf-8")


def _target(comp: Compiled, name: str) -> tuple[str, int, int]:
    """(sheet, row, column) of the cell a setting's name points at."""
    sheet, _, cell = comp.names.get(name, "").rpartition("!")
    try:
        row, col = parse_ref(cell)
    except ValueError:
        raise TemplateError(f"Navnet «{name}» peker ikke på én celle.") from None
    return unquote_sheet(sheet), row, col


# ---------------------------------------------------------------------------------------------
# Filling


def fill_template(template: Template, template_file: str | Path, fill: Fill, out: str | Path) -> Path:
    """Write ``fill`` into a copy of the built template at ``out`` (formulas not yet calculated)."""
    comp = compiled(template_file)
    patches: dict[str, _Patch] = {}

    def sheet(name: str) -> _Patch:
        if name not in comp.sheets:
            raise TemplateError(f"{template.name}: malen mangler arket «{name}»; bygg den på nytt.")
        if name not in patches:
            patches[name] = _Patch(comp.package, comp.sheets[name])
        return patches[name]

    known_settings = {s.name for s in template.settings}
    for name, value in fill.settings.items():
        if name not in known_settings:
            raise TemplateError(f"{template.name}: ukjent innstilling «{name}».")
        sheet_name, row, col = _target(comp, name)
        ws = sheet(sheet_name)
        ws.put(row, col, value, ws.style_of(row, col), f"«{sheet_name}» {make_ref(row, col)}")

    names: dict[str, str] = {}
    table_refs: dict[str, str] = {}
    for key, rows in fill.tables.items():
        table = template.table(key)
        ws = sheet(table.sheet)
        known = {c.name for c in table.columns}
        for r, record in enumerate(rows, 2):
            unknown = set(record) - known
            if unknown:
                raise TemplateError(
                    f"{template.name}: ukjente kolonner i «{table.sheet}»: {sorted(unknown)}.")
            for c, col in enumerate(table.columns, 1):
                if col.formula is not None:
                    value: Any = _Formula(col.formula.format(r=r))
                else:
                    value = typed_value(record.get(col.name), col, table, r)
                where = f"«{table.sheet}» rad {r}, kolonne «{col.header}»"
                ws.put(r, c, value, comp.styles[FORMATS[col.kind]], where)
        if table.rows:
            covered = max(len(rows), table.rows)
            _fixed_rows(ws, table, covered, names)
            if table.excel_table:
                table_refs[table.excel_table] = table_range(table, covered)
        names.update(table_names(table, len(rows)))

    header = None
    if "Bydel" in fill.settings:
        header = header_xml(fill.settings["Bydel"], fill.settings.get("Aar"), fill.settings.get("Periode"))
    data = comp.package.data
    replaced = {comp.styles_part: comp.styles_xml}
    for name, part in comp.sheets.items():
        xml = patches[name].to_bytes() if name in patches else data[part]
        if header is not None:
            xml = _with_header(xml, header)
        if xml is not data[part]:
            replaced[part] = xml
    if names:
        workbook = comp.package.workbook_part
        replaced[workbook] = _with_names(data[workbook].decode("utf-8"), names).encode("utf-8")
    for display, ref in table_refs.items():
        part = comp.tables.get(display)
        if part is not None:
            xml = data[part].decode("utf-8")
            xml = re.sub(r'(<table\b[^>]*?\bref=")[^"]*(")', rf"\g<1>{ref}\g<2>", xml, count=1)
            xml = re.sub(r'(<autoFilter\b[^>]*?\bref=")[^"]*(")', rf"\g<1>{ref}\g<2>", xml, count=1)
            replaced[part] = xml.encode("utf-8")
    target = Path(out)
    comp.package.write(target, replaced=replaced)  # atomic: a reader never sees half a workbook
    return target


def _fixed_rows(ws: _Patch, table: Table, covered: int, names: dict[str, str]) -> None:
    """Formula columns in every covered row and the guard counting entries below them, as the built
    template has them for its own covered rows (:func:`~kostra_functions.engine.templates.table_guard`)."""
    for c, col in enumerate(table.columns, 1):
        if col.formula is not None:
            for r in range(2, covered + 2):
                if not ws.has_value(r, c):
                    ws.put(r, c, _Formula(col.formula.format(r=r)), None, make_ref(r, c))
    guard = table_guard(table, covered)
    if guard is not None:
        for row, value in ((3, guard.text), (4, _Formula(guard.formula))):
            ws.put(row, guard.column, value, ws.style_of(row, guard.column), make_ref(row, guard.column))
        names[guard.name] = guard.ref


def _with_names(workbook: str, names: dict[str, str]) -> str:
    """workbook.xml with each of ``names`` defined as given (replaced, or added at the end)."""
    left = dict(names)

    def replace(match: re.Match[str]) -> str:
        name = unescape(match.group(1))
        if name not in left:
            return match.group(0)
        ref = escape_text(left.pop(name))
        return f'<definedName name="{match.group(1)}">{ref}</definedName>'

    workbook = _NAME_RE.sub(replace, workbook)
    if left:
        added = "".join(f'<definedName name="{escape_attr(n)}">{escape_text(r)}</definedName>'
                        for n, r in left.items())
        if "</definedNames>" in workbook:
            workbook = workbook.replace("</definedNames>", added + "</definedNames>", 1)
        else:
            workbook = workbook.replace("</sheets>", f"</sheets><definedNames>{added}</definedNames>", 1)
    return workbook
