"""Fill a built template with a district's data by writing the workbook's parts directly.

``kostra regenerer`` fills every template for every district (4 × 15 workbooks). A template is
built once (:func:`~kostra_functions.engine.templates.build_template`, with openpyxl) and then only
its input sheets change from district to district: the settings on «Oppsett», the rows of the input
tables, the names over them, the print header of each sheet. Loading and saving the whole workbook
with openpyxl for that cost more than calculating it, so a template is *compiled* once per process
(:func:`compiled`: its zip entries, sheet parts and names, kept while the file is unchanged) and a
fill patches the parts it changes and copies every other part byte for byte.

The result is what openpyxl would write for the same fill, cell for cell: the same values with the
same types (text as text, also text that starts with ``=``; a controller's own formula,
:class:`~kostra_functions.engine.carryover.TypedFormula`, as a formula), the same number formats
per column kind, names, table ranges, guard cells and headers. Text is written as inline strings,
as the built templates already hold it (they have no shared-string table).
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import to_excel

from kostra_functions.engine.carryover import TypedFormula
from kostra_functions.engine.templates import (
    MONEY_ORE,
    Column,
    Fill,
    Kind,
    Table,
    Template,
    TemplateError,
    write_parts,
)

#: Number format of a table column's cells, per kind (as in the built template's report sheets).
FORMATS: dict[Kind, str] = {"tekst": "@", "tall": MONEY_ORE, "heltall": "0", "dato": "dd.mm.yyyy",
                            "sann": "General"}
_BUILTIN_FORMATS = {"General": 0, "0": 1, "@": 49}

_SHEET_RE = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL_RE = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_REL_ID_FIRST_RE = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_NAME_RE = re.compile(r'<definedName\b[^>]*?\bname="([^"]*)"[^>]*>(.*?)</definedName>', re.S)
_ROW_RE = re.compile(r'<row\b([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_ROW_NUMBER_RE = re.compile(r'\br="(\d+)"')
_CELL_RE = re.compile(r'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_CELL_REF_RE = re.compile(r'\br="([A-Z]+)(\d+)"')
_STYLE_RE = re.compile(r'\bs="(\d+)"')
_SHEET_DATA_RE = re.compile(r'<sheetData\s*/>|<sheetData>(.*?)</sheetData>', re.S)
_DIMENSION_RE = re.compile(r'<dimension ref="[^"]*"\s*/>')
_ODD_HEADER_RE = re.compile(r'<oddHeader>.*?</oddHeader>|<oddHeader\s*/>', re.S)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Compiled:
    """A built template read once: what a fill needs to patch its parts."""

    path: Path
    #: Every zip entry in the template's order (name, bytes); styles.xml already holds the cell
    #: formats a fill writes (:data:`FORMATS`).
    entries: tuple[tuple[str, bytes], ...]
    #: Sheet name → its part (``xl/worksheets/sheet3.xml``).
    sheets: dict[str, str]
    #: Defined name → what it refers to, as written in workbook.xml.
    names: dict[str, str]
    #: Excel table display name → its part (``xl/tables/table1.xml``).
    tables: dict[str, str]
    #: Number format → cell style index of a plain cell with that format.
    styles: dict[str, int]


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
    from kostra_functions import safety

    safety.check_xlsx(path)  # a template folder may be given on the command line (--maler-mappe)
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    parts = dict(entries)
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {rid: target for target, rid in _REL_RE.findall(rels)}
    targets.update({rid: target for rid, target in _REL_ID_FIRST_RE.findall(rels)})
    sheets = {_unescape(name): _part(targets[rid]) for name, rid in _SHEET_RE.findall(workbook)}
    names = {_unescape(name): _unescape(ref) for name, ref in _NAME_RE.findall(workbook)}
    tables = {}
    for name, data in entries:
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            found = re.search(r'\bdisplayName="([^"]*)"', data.decode("utf-8"))
            if found:
                tables[_unescape(found.group(1))] = name
    styles_xml, styles = _with_formats(parts["xl/styles.xml"].decode("utf-8"))
    entries = [(n, styles_xml.encode("utf-8") if n == "xl/styles.xml" else d) for n, d in entries]
    return Compiled(path, tuple(entries), sheets, names, tables, styles)


def _part(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _with_formats(styles: str) -> tuple[str, dict[str, int]]:
    """``styles`` with a plain cell format for each of :data:`FORMATS` appended (existing style
    indices are unchanged), and the index of each."""
    custom = {_unescape(code): int(num) for num, code in
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
            quoted = escape(code, {'"': "&quot;"})
            added.append(f'<numFmt numFmtId="{next_id}" formatCode="{quoted}" />')
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


def _text(value: str, where: str) -> str:
    if _ILLEGAL_XML.search(value):
        shown = _ILLEGAL_XML.sub("?", value)[:60]
        raise TemplateError(f"{where}: teksten «{shown}» inneholder kontrolltegn som ikke kan stå i en "
                            "arbeidsbok; rett teksten i eksporten.")
    return escape(value)


def _string_cell(ref: str, style: str, value: str, where: str) -> str:
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_text(value, where)}</t></is></c>'


def cell_xml(ref: str, value: Any, style: int | None, where: str) -> str:
    """One ``<c>`` element for ``value`` (text stays text; a TypedFormula is a formula)."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s} />' if s else ""
    if isinstance(value, (TypedFormula, _Formula)):
        formula = str(value)[1:] if str(value).startswith("=") else str(value)
        return f'<c r="{ref}"{s}><f>{_text(formula, where)}</f><v /></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise TemplateError(f"{where}: «{value}» er ikke et tall.")
        return f'<c r="{ref}"{s} t="n"><v>{value!r}</v></c>'
    if isinstance(value, (date, datetime)):
        return f'<c r="{ref}"{s} t="n"><v>{to_excel(value)!r}</v></c>'
    return _string_cell(ref, s, str(value), where)


class _Formula(str):
    """A formula the template itself writes (a formula column, a guard)."""


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


class _Sheet:
    """A worksheet part's rows, to change cells in and write back."""

    def __init__(self, xml: str) -> None:
        self.xml = xml
        match = _SHEET_DATA_RE.search(xml)
        if match is None:
            raise TemplateError("Et ark i malen mangler celledata; bygg malen på nytt med "
                                "«kostra maler bygg».")
        self.span = match.span()
        self.rows: dict[int, tuple[str, dict[int, str]]] = {}
        for row in _ROW_RE.finditer(match.group(1) or ""):
            attrs, body = row.group(1), row.group(2) or ""
            number = int(_ROW_NUMBER_RE.search(attrs).group(1))  # type: ignore[union-attr]
            cells: dict[int, str] = {}
            for cell in _CELL_RE.finditer(body):
                ref = _CELL_REF_RE.search(cell.group(1))
                if ref is not None:
                    cells[column_index_from_string(ref.group(1))] = cell.group(0)
            self.rows[number] = (attrs, cells)

    def style_of(self, row: int, col: int) -> int | None:
        cell = self.rows.get(row, ("", {}))[1].get(col)
        found = _STYLE_RE.search(cell.split(">", 1)[0]) if cell else None
        return int(found.group(1)) if found else None

    def put(self, row: int, col: int, xml: str) -> None:
        cells = self.rows.setdefault(row, (f' r="{row}"', {}))[1]
        if xml:
            cells[col] = xml
        else:
            cells.pop(col, None)

    def render(self, header: str | None) -> str:
        body = []
        last_row, last_col = 1, 1
        for number in sorted(self.rows):
            attrs, cells = self.rows[number]
            if cells:
                last_row, last_col = max(last_row, number), max(last_col, max(cells))
                body.append(f"<row{attrs}>" + "".join(cells[c] for c in sorted(cells)) + "</row>")
            elif "customHeight" in attrs or "hidden" in attrs:
                body.append(f"<row{attrs} />")
        start, end = self.span
        xml = self.xml[:start] + "<sheetData>" + "".join(body) + "</sheetData>" + self.xml[end:]
        dimension = f'<dimension ref="A1:{get_column_letter(last_col)}{last_row}" />'
        xml = _DIMENSION_RE.sub(dimension, xml, count=1)
        if header is not None:
            xml = _ODD_HEADER_RE.sub(lambda _: f"<oddHeader>{header}</oddHeader>", xml, count=1)
        return xml


def header_xml(district: Any, year: Any, period: Any) -> str:
    """The print header with the district, year and period, as ``<oddHeader>`` text."""
    name = str(district).replace("&", "&&")  # a lone & starts a header code
    when = [str(year)] if year is not None else []
    if period is not None:
        when.append(f"periode {period}")
    return escape(f"&L{name} – &A&R{', '.join(when) or '&D'}")


def _target(compiled_: Compiled, name: str) -> tuple[str, int, int]:
    ref = compiled_.names.get(name)
    match = re.fullmatch(r"'?((?:[^']|'')+?)'?!\$?([A-Z]+)\$?(\d+)", ref or "")
    if match is None:
        raise TemplateError(f"Navnet «{name}» peker ikke på én celle.")
    sheet = match.group(1).replace("''", "'")
    return sheet, int(match.group(3)), column_index_from_string(match.group(2))


def _table_names(table: Table, rows: int) -> dict[str, str]:
    """The names over ``table``'s columns (and the whole table) for ``rows`` data rows."""
    last = 1 + max(rows, table.rows, 1)
    sheet = table.sheet.replace("'", "''")
    names = {}
    for i, col in enumerate(table.columns, 1):
        letter = get_column_letter(i)
        names[col.name] = f"'{sheet}'!${letter}$2:${letter}${last}"
    if table.whole_name:
        names[table.whole_name] = f"'{sheet}'!$A$1:${get_column_letter(len(table.columns))}${last}"
    return names


# ---------------------------------------------------------------------------------------------
# Filling


def fill_template(template: Template, template_file: str | Path, fill: Fill, out: str | Path) -> Path:
    """Write ``fill`` into a copy of the built template at ``out`` (formulas not yet calculated)."""
    comp = compiled(template_file)
    parts = dict(comp.entries)
    sheets: dict[str, _Sheet] = {}

    def sheet(name: str) -> _Sheet:
        if name not in comp.sheets:
            raise TemplateError(f"{template.name}: malen mangler arket «{name}»; bygg den på nytt.")
        if name not in sheets:
            sheets[name] = _Sheet(parts[comp.sheets[name]].decode("utf-8"))
        return sheets[name]

    known_settings = {s.name for s in template.settings}
    for name, value in fill.settings.items():
        if name not in known_settings:
            raise TemplateError(f"{template.name}: ukjent innstilling «{name}».")
        sheet_name, row, col = _target(comp, name)
        ws = sheet(sheet_name)
        ref = f"{get_column_letter(col)}{row}"
        ws.put(row, col, cell_xml(ref, value, ws.style_of(row, col), f"«{sheet_name}» {ref}"))

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
                ref = f"{get_column_letter(c)}{r}"
                where = f"«{table.sheet}» rad {r}, kolonne «{col.header}»"
                ws.put(r, c, cell_xml(ref, value, comp.styles[FORMATS[col.kind]], where))
        if table.rows:
            covered = max(len(rows), table.rows)
            _fixed_rows(ws, table, covered, names, table_refs)
        names.update(_table_names(table, len(rows)))

    header = None
    if "Bydel" in fill.settings:
        header = header_xml(fill.settings["Bydel"], fill.settings.get("Aar"), fill.settings.get("Periode"))
    for name, part in comp.sheets.items():
        if name in sheets:
            parts[part] = sheets[name].render(header).encode("utf-8")
        elif header is not None:
            xml = parts[part].decode("utf-8")
            xml = _ODD_HEADER_RE.sub(lambda _: f"<oddHeader>{header}</oddHeader>", xml, count=1)
            parts[part] = xml.encode("utf-8")
    if names:
        workbook = _with_names(parts["xl/workbook.xml"].decode("utf-8"), names)
        parts["xl/workbook.xml"] = workbook.encode("utf-8")
    for display, ref in table_refs.items():
        part = comp.tables.get(display)
        if part is not None:
            xml = parts[part].decode("utf-8")
            xml = re.sub(r'(<table\b[^>]*?\bref=")[^"]*(")', rf"\g<1>{ref}\g<2>", xml, count=1)
            xml = re.sub(r'(<autoFilter\b[^>]*?\bref=")[^"]*(")', rf"\g<1>{ref}\g<2>", xml, count=1)
            parts[part] = xml.encode("utf-8")
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_parts(target, [(name, parts[name]) for name, _ in comp.entries])
    return target


def _fixed_rows(ws: _Sheet, table: Table, covered: int, names: dict[str, str],
                table_refs: dict[str, str]) -> None:
    """Formula columns in every covered row, the Excel table over them, and the guard counting
    entries below them (as the built template has them for its own covered rows)."""
    for c, col in enumerate(table.columns, 1):
        if col.formula is not None:
            for r in range(2, covered + 2):
                if c not in ws.rows.get(r, ("", {}))[1]:
                    ref = f"{get_column_letter(c)}{r}"
                    ws.put(r, c, cell_xml(ref, _Formula(col.formula.format(r=r)), None, ref))
    if table.excel_table:
        table_refs[table.excel_table] = f"A1:{get_column_letter(len(table.columns))}{covered + 1}"
    if table.guard_name:
        note_col = len(table.columns) + 2
        letter = get_column_letter(note_col)
        end = get_column_letter(len(table.columns) - sum(c.formula is not None for c in table.columns))
        below = covered + 2
        text = f"Utfylte celler under rad {covered + 1} (blir ikke tatt med; skal være 0):"
        ws.put(3, note_col, cell_xml(f"{letter}3", text, ws.style_of(3, note_col), f"{letter}3"))
        guard = _Formula(f"=COUNTA(A{below}:{end}{below + 20000})")
        ws.put(4, note_col, cell_xml(f"{letter}4", guard, ws.style_of(4, note_col), f"{letter}4"))
        names[table.guard_name] = f"'{table.sheet.replace(chr(39), chr(39) * 2)}'!${letter}$4"


def _with_names(workbook: str, names: dict[str, str]) -> str:
    """workbook.xml with each of ``names`` defined as given (replaced, or added at the end)."""
    left = dict(names)

    def replace(match: re.Match[str]) -> str:
        name = _unescape(match.group(1))
        if name not in left:
            return match.group(0)
        ref = escape(left.pop(name))
        return f'<definedName name="{match.group(1)}">{ref}</definedName>'

    workbook = _NAME_RE.sub(replace, workbook)
    if left:
        added = "".join(f'<definedName name="{escape(n)}">{escape(r)}</definedName>' for n, r in left.items())
        if "</definedNames>" in workbook:
            workbook = workbook.replace("</definedNames>", added + "</definedNames>", 1)
        else:
            workbook = workbook.replace("</sheets>", f"</sheets><definedNames>{added}</definedNames>", 1)
    return workbook
