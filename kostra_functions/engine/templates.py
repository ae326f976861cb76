"""Workbook templates: reviewable Python sources in ``templates/src/``, built to ``templates/*.xlsx``.

A template source is a small module that defines ``TEMPLATE = Template(...)``: its settings (named
input cells on the sheet «Oppsett»), its input tables (one sheet each, a header row and one defined
name per column, e.g. ``G_Belop``), a ``build(book)`` function that lays out the report sheets with
ordinary Excel formulas mixed with ``KOSTRA_*`` functions, and a ``fill(district, period)`` function
that returns the aggregated data (per function/result unit/period, from pandas) that
``kostra regenerer`` writes into the input tables.

Formulas refer to inputs only through the defined names, so a report formula reads like
``=SUMIFS(G_Belop;G_Funksjon;$B7;G_Type;"Regnskap";G_Periode;"<="&Periode)``. When a template is
filled, each column name is resized to exactly the rows written (at least one row, so an empty table
sums to 0). Building is reproducible: the same source gives the same bytes (fixed timestamps), so
the committed ``.xlsx`` can be checked against its source.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kostra_functions.errors import KostraError

Kind = Literal["tekst", "tall", "heltall", "dato", "sann"]

SETTINGS_SHEET = "Oppsett"
#: Timestamp written into built templates (docProps and zip entries), so builds are reproducible.
BUILD_TIME = datetime(2023, 1, 1, 0, 0, 0)
#: calcId of Excel 2019/365's calculation engine. Our workbooks carry values stored by our engine,
#: which follows today's semantics (dynamic arrays), so Excel need not recalculate them on open
#: (openpyxl's default, 124519 = Excel 2007, plus fullCalcOnLoad makes Excel recalculate at once,
#: which shows #NAME? to anyone without the add-in).
CALC_ID = 191029

MONEY = '#,##0;[Red]-#,##0'  # ',' = the locale's thousands separator (a space in nb-NO)
MONEY_ORE = '#,##0.00;[Red]-#,##0.00'
PERCENT = "0.0 %"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
AREA_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FILL = PatternFill("solid", fgColor="E2EFDA")
THIN = Side(style="thin", color="999999")
TOP_LINE = Border(top=THIN)


class TemplateError(KostraError):
    """A template source or a template workbook that cannot be used; names the file."""


@dataclass(frozen=True)
class Column:
    """One column of an input table; ``name`` is the defined name of the column's data cells."""

    header: str
    name: str
    kind: Kind = "tekst"
    width: float = 14.0
    #: A calculated column: the formula for row ``{r}`` (written for every data row when filled).
    formula: str | None = None
    #: Typed by the controller, not filled from exports: carried over when a workbook is regenerated
    #: (:mod:`kostra_functions.engine.carryover`).
    typed: bool = False
    #: Allowed values (a drop-down list in Excel over the table's rows).
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """An input table on a sheet of its own: header in row 1, data from row 2."""

    key: str
    sheet: str
    columns: tuple[Column, ...]
    note: str = ""
    #: Defined name for the whole table including the header row (for functions that take a range
    #: with headers, such as KOSTRA_ATTESTASJON's register).
    whole_name: str | None = None
    #: Rows the defined names always cover (an input table the controller types into grows in Excel
    #: without the names following): 0 = exactly the rows written. Formula columns are written in
    #: every covered row.
    rows: int = 0
    #: Defined name of a cell counting entries below the covered rows (must be 0): an entry the
    #: formulas would not see is shown, never silently left out.
    guard_name: str | None = None
    #: Name of an Excel table (ListObject) over the covered rows, for the controller's convenience in
    #: Excel (banded rows, filter, sorting); the formulas use the defined names, never the table.
    excel_table: str | None = None

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass(frozen=True)
class Setting:
    """A named input cell on «Oppsett»."""

    name: str
    label: str
    default: Any = None
    kind: Kind = "tekst"
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""


@dataclass
class Fill:
    """What ``kostra regenerer`` writes into a template: setting values and table rows."""

    settings: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    """A template as its source defines it."""

    name: str
    title: str
    description: str
    settings: tuple[Setting, ...]
    tables: tuple[Table, ...]
    build: Callable[[Book], None]
    fill: Callable[[Any, int], Fill]
    #: What district data the template needs (``regnskap``, ``budsjett``, ``bilag`` …).
    needs: tuple[str, ...] = ("regnskap", "budsjett")
    source: Path | None = None

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)


# ---------------------------------------------------------------------------------------------
# Finding and loading template sources


def default_templates_dir() -> Path:
    """``templates/`` of the checkout (``$KOSTRA_MALER`` overrides it)."""
    env = os.environ.get("KOSTRA_MALER")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2] / "templates"
    return repo if repo.is_dir() else Path("templates")


def load_templates(folder: str | Path | None = None) -> dict[str, Template]:
    """Every template source in ``<folder>/src/*.py`` (files starting with ``_`` are helpers)."""
    base = Path(folder) if folder else default_templates_dir()
    src = base / "src"
    if not src.is_dir():
        raise TemplateError(f"{src}: fant ingen malkilder (mappen finnes ikke).")
    out: dict[str, Template] = {}
    for path in sorted(src.glob("*.py")):
        if path.name.startswith("_"):
            continue
        template = _load_source(path)
        if template.name in out:
            raise TemplateError(f"{path}: malen «{template.name}» er definert to ganger.")
        out[template.name] = template
    return out


def _load_source(path: Path) -> Template:
    module_name = f"kostra_template_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise TemplateError(f"{path}: kan ikke lese malkilden.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except KostraError:
        raise
    except Exception as exc:
        raise TemplateError(f"{path}: malkilden feiler ({type(exc).__name__}: {exc}).") from exc
    template = getattr(module, "TEMPLATE", None)
    if not isinstance(template, Template):
        raise TemplateError(f"{path}: malkilden definerer ikke TEMPLATE = Template(...).")
    object.__setattr__(template, "source", path)
    return template


# ---------------------------------------------------------------------------------------------
# Building


class Book:
    """What a template's ``build`` function gets: the workbook and small layout helpers."""

    def __init__(self, wb: openpyxl.Workbook, template: Template) -> None:
        self.wb = wb
        self.template = template
        self.report_sheets: list[str] = []

    def report(self, title: str, widths: Sequence[float] = ()) -> Worksheet:
        """A new report sheet (shown first, in creation order)."""
        ws = self.wb.create_sheet(title)
        self.report_sheets.append(title)
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.sheet_view.showGridLines = False
        print_setup(ws)
        return ws

    @staticmethod
    def title(ws: Worksheet, text: str, subtitle: str | None = None) -> None:
        ws["A1"] = text
        ws["A1"].font = Font(bold=True, size=14)
        if subtitle is not None:
            ws["A2"] = subtitle
            ws["A2"].font = Font(italic=True, color="595959")

    @staticmethod
    def header(ws: Worksheet, row: int, labels: Sequence[str], start_col: int = 1) -> None:
        if ws.print_title_rows is None:  # the first heading row repeats on every printed page
            ws.print_title_rows = f"{row}:{row}"
        for i, label in enumerate(labels):
            cell = ws.cell(row, start_col + i, label)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 30

    @staticmethod
    def style_row(ws: Worksheet, row: int, first_col: int, last_col: int, *, fill: PatternFill | None = None,
                  bold: bool = False, top_line: bool = False) -> None:
        for col in range(first_col, last_col + 1):
            cell = ws.cell(row, col)
            if fill is not None:
                cell.fill = fill
            if bold:
                cell.font = Font(bold=True)
            if top_line:
                cell.border = TOP_LINE

    @staticmethod
    def number_format(ws: Worksheet, ref: str, fmt: str) -> None:
        for row in ws[ref]:
            for cell in row if isinstance(row, tuple) else (row,):
                cell.number_format = fmt


def print_setup(ws: Worksheet, landscape: bool = True) -> None:
    """A4, one page wide (the fit-to-page switch on, any number of pages tall), page numbers below;
    the district and period go into the header when the workbook is filled
    (:func:`kostra_functions.engine.template_fill.header_xml`)."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.left.text = "&A"
    ws.oddHeader.right.text = "&D"
    ws.oddFooter.center.text = "Side &P av &N"


def build_template(template: Template, out: str | Path) -> Path:
    """Build a template's ``.xlsx`` (reproducibly) at ``out``."""
    wb = openpyxl.Workbook()
    settings_ws = wb.active
    settings_ws.title = SETTINGS_SHEET
    _write_settings(wb, settings_ws, template)
    for table in template.tables:
        _write_table_sheet(wb, table)
    book = Book(wb, template)
    template.build(book)
    order = book.report_sheets + [SETTINGS_SHEET] + [t.sheet for t in template.tables]
    wb._sheets = [wb[name] for name in order] + [ws for ws in wb._sheets if ws.title not in order]
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == order[0]
        if ws.title not in book.report_sheets:
            print_setup(ws)
    wb.calculation.calcId = CALC_ID
    wb.calculation.fullCalcOnLoad = False
    wb.properties.creator = "kostra-functions"
    wb.properties.title = template.title
    wb.properties.created = BUILD_TIME
    wb.properties.modified = BUILD_TIME
    wb.properties.lastModifiedBy = "kostra-functions"
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as zin:  # openpyxl stamps the current time: fix it
        parts = [(info.filename, _fixed_core_times(zin.read(info)) if info.filename == "docProps/core.xml"
                  else zin.read(info)) for info in zin.infolist()]
    write_parts(target, parts)
    return target


def write_parts(target: Path, parts: Sequence[tuple[str, bytes]]) -> None:
    """Write a workbook's parts as a zip with fixed timestamps (same data in, same bytes out, so
    built and regenerated workbooks diff cleanly), via a temporary file next to ``target`` so a
    reader never sees half a workbook."""
    stamp = (BUILD_TIME.year, BUILD_TIME.month, BUILD_TIME.day, 0, 0, 0)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, data in parts:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zout.writestr(info, data)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _fixed_core_times(data: bytes) -> bytes:
    import re

    text = data.decode("utf-8")
    stamp = BUILD_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
    return text.encode("utf-8")


def _write_settings(wb: openpyxl.Workbook, ws: Worksheet, template: Template) -> None:
    ws["A1"] = template.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = template.description
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:D2")
    ws.row_dimensions[2].height = 60
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 70
    Book.header(ws, 4, ["Innstilling", "Verdi", "Forklaring"])
    for i, setting in enumerate(template.settings, 5):
        ws.cell(i, 1, setting.label)
        cell = ws.cell(i, 2, setting.default)
        cell.fill = INPUT_FILL
        if setting.kind == "tekst":
            cell.number_format = "@"
        ws.cell(i, 3, setting.help).alignment = Alignment(wrap_text=True)
        define_name(wb, setting.name, f"'{SETTINGS_SHEET}'!$B${i}")
        dv = None
        if setting.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(setting.choices) + '"', allow_blank=True)
        elif setting.minimum is not None and setting.maximum is not None:
            dv = DataValidation(type="whole", operator="between", formula1=str(setting.minimum),
                                formula2=str(setting.maximum), allow_blank=True)
        if dv is not None:
            dv.error = f"Ugyldig verdi for {setting.label.lower()}."
            dv.errorTitle = setting.label
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)


def _write_table_sheet(wb: openpyxl.Workbook, table: Table) -> None:
    ws = wb.create_sheet(table.sheet)
    Book.header(ws, 1, [c.header for c in table.columns])
    ws.row_dimensions[1].height = 45  # room for a three-line heading
    for i, col in enumerate(table.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"
    if table.note:
        note_col = len(table.columns) + 2
        ws.cell(1, note_col, table.note).font = Font(italic=True, color="595959")
        ws.column_dimensions[get_column_letter(note_col)].width = 60
    if table.rows:
        _write_fixed_rows(ws, table, covered=table.rows)
    for i, col in enumerate(table.columns, 1):
        letter = get_column_letter(i)
        last = 1 + max(table.rows, 1000)
        dv = None
        if col.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True)
            dv.error = f"Velg {', '.join(col.choices)}."
        elif col.typed and col.kind == "tall":
            dv = DataValidation(type="decimal", operator="between", formula1="-1000000000000",
                                formula2="1000000000000", allow_blank=True)
            dv.error = "Skriv et tall (kroner), uten tusenskille som tekst."
        if dv is not None:
            dv.errorTitle = col.header
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")
    define_table_names(wb, table, rows=0)


def _write_fixed_rows(ws: Worksheet, table: Table, covered: int) -> None:
    """Formula columns in every covered row, and the guard counting entries below them."""
    for c, col in enumerate(table.columns, 1):
        if col.formula is not None:
            for r in range(2, covered + 2):
                if ws.cell(r, c).value is None:
                    ws.cell(r, c, col.formula.format(r=r))
    if table.excel_table:
        _excel_table(ws, table, covered)
    guard = table_guard(table, covered)
    if guard is not None:
        ws.cell(3, guard.column, guard.text)
        ws.cell(4, guard.column, guard.formula).font = Font(bold=True)
        define_name(ws.parent, guard.name, guard.ref)


@dataclass(frozen=True)
class Guard:
    """The cells beside an input table that count entries below its covered rows (which no formula
    reads): a note in row 3 and the count in row 4 of column ``column``, named ``name``."""

    column: int
    text: str
    formula: str
    name: str
    ref: str


def table_guard(table: Table, covered: int) -> Guard | None:
    """The guard of ``table`` when ``covered`` rows are covered; ``None`` when it has none."""
    if not table.guard_name:
        return None
    column = len(table.columns) + 2
    end = get_column_letter(len(table.columns) - sum(c.formula is not None for c in table.columns))
    below = covered + 2
    sheet = table.sheet.replace("'", "''")
    return Guard(column, f"Utfylte celler under rad {covered + 1} (blir ikke tatt med; skal være 0):",
                 f"=COUNTA(A{below}:{end}{below + 20000})", table.guard_name,
                 f"'{sheet}'!${get_column_letter(column)}$4")


def table_range(table: Table, covered: int) -> str:
    """The Excel table's range over the header and ``covered`` rows (``A1:G61``)."""
    return f"A1:{get_column_letter(len(table.columns))}{covered + 1}"


def _excel_table(ws: Worksheet, table: Table, covered: int) -> None:
    """The Excel table over the header and the covered rows (created, or resized on fill)."""
    from openpyxl.worksheet.table import Table as ListObject
    from openpyxl.worksheet.table import TableStyleInfo

    ref = table_range(table, covered)
    name = table.excel_table or ""
    if name in ws.tables:
        existing = ws.tables[name]
        existing.ref = ref
        if existing.autoFilter is not None:
            existing.autoFilter.ref = ref
        return
    listobject = ListObject(displayName=name, ref=ref)
    listobject.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(listobject)


def define_name(wb: openpyxl.Workbook, name: str, ref: str) -> None:
    """Define (or redefine) the workbook-wide name ``name`` as ``ref``."""
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def define_table_names(wb: openpyxl.Workbook, table: Table, rows: int) -> None:
    """Define a name per column of ``table`` (and its whole-table name) over ``rows`` data rows."""
    for name, ref in table_names(table, rows).items():
        define_name(wb, name, ref)


def table_names(table: Table, rows: int) -> dict[str, str]:
    """The names over ``table``'s columns (and its whole-table name) for ``rows`` data rows."""
    last = 1 + max(rows, table.rows, 1)
    sheet = table.sheet.replace("'", "''")
    names = {}
    for i, col in enumerate(table.columns, 1):
        letter = get_column_letter(i)
        names[col.name] = f"'{sheet}'!${letter}$2:${letter}${last}"
    if table.whole_name:
        names[table.whole_name] = f"'{sheet}'!$A$1:${get_column_letter(len(table.columns))}${last}"
    return names
