"""Keep what a controller typed when a workbook is regenerated.

``kostra regenerer`` fills a template with each district's exports. Some input cells are not from
the exports but typed by the controller: decided measures, the expected carried-forward result and
central allocations on «Justeringer», a unit's fund before the year-end on «Enheter», the chosen
method on «Oppsett». Those columns are marked ``typed=True`` in the template source
(:class:`~kostra_functions.engine.templates.Column`), and settings the fill does not set are typed
by definition.

Before a workbook is written, the typed values are read from the workbook it replaces (the same
template, district and period), or, for a new period, from the newest earlier period's workbook of
the same year, so the controller's entries follow them from month to month:

* a table whose every column is typed is carried whole (every non-blank row);
* a table mixing export data and typed columns is matched row by row on its first column (e.g.
  the result unit code); a typed value whose row no longer exists in the new data is appended as
  its own row, never dropped;
* a formula the controller typed stays a formula (:class:`TypedFormula`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from kostra_functions.engine.templates import Fill, Template


class TypedFormula(str):
    """A formula a controller typed in an input table; written back as a formula, not as text."""


@dataclass
class CarriedOver:
    """What was carried from an earlier workbook (for the run's report)."""

    source: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    appended: dict[str, list[str]] = field(default_factory=dict)


_PERIOD_RE = re.compile(r"_(\d{4})-(\d{2})\.xlsx$")


def previous_workbook(target: Path) -> Path | None:
    """The workbook whose typed values the new one inherits: ``target`` itself if it exists, else the
    newest earlier period of the same template and year in the same folder."""
    if target.is_file():
        return target
    match = _PERIOD_RE.search(target.name)
    if not match:
        return None
    stem = target.name[: match.start()]
    year, period = match.group(1), int(match.group(2))
    earlier = []
    for candidate in target.parent.glob(f"{stem}_{year}-*.xlsx"):
        m = _PERIOD_RE.search(candidate.name)
        if m and candidate.name[: m.start()] == stem and int(m.group(2)) < period:
            earlier.append((int(m.group(2)), candidate))
    return max(earlier)[1] if earlier else None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _read_value(cell: Any) -> Any:
    """A cell's value; a formula (data type ``f``) as :class:`TypedFormula`. Text that merely starts
    with ``=`` (an export's name written as text) stays text: it must never become a formula."""
    value = getattr(cell, "value", None)
    if isinstance(value, str) and getattr(cell, "data_type", None) == "f":
        return TypedFormula(value)
    return value


def carry_over(template: Template, fill: Fill, source: Path | None) -> CarriedOver:
    """Merge the typed values of ``source`` into ``fill`` (in place); returns what was carried."""
    report = CarriedOver(source=source)
    if source is None:
        return report
    from kostra_functions import safety

    safety.check_xlsx(source)  # the old workbook lies in a shared folder: check it like any input
    safety.harden_openpyxl()
    # Read-only: only the settings and input sheets are parsed, as a stream (the report sheets,
    # most of the file, are never read).
    wb = openpyxl.load_workbook(source, data_only=False, read_only=True)
    try:
        _carry_settings(template, fill, wb, report)
        for table in template.tables:
            typed = [c for c in table.columns if c.typed]
            if typed and table.sheet in wb.sheetnames:
                _carry_table(table, typed, fill, wb[table.sheet], report)
    finally:
        wb.close()
    return report


def _carry_settings(template: Template, fill: Fill, wb: Any, report: CarriedOver) -> None:
    for setting in template.settings:
        if setting.name in fill.settings or setting.name not in wb.defined_names:
            continue
        dests = list(wb.defined_names[setting.name].destinations)
        if len(dests) != 1 or dests[0][0] not in wb.sheetnames:
            continue
        sheet, ref = dests[0]
        cell = wb[sheet][ref.replace("$", "")]
        if isinstance(cell, tuple):  # a range, not one cell: not a setting this template wrote
            continue
        value = cell.value
        if not _is_blank(value) and value != setting.default:
            fill.settings[setting.name] = _read_value(cell)
            report.settings[setting.name] = value


def _carry_table(table: Any, typed: list[Any], fill: Fill, ws: Any, report: CarriedOver) -> None:
    rows = ws.iter_rows()
    header = [c.value for c in next(rows, ())]
    position = {col.name: header.index(col.header) for col in table.columns if col.header in header}
    old_rows = []
    for row in rows:
        record = {name: _read_value(row[i]) if i < len(row) else None for name, i in position.items()}
        if any(not _is_blank(record.get(c.name)) for c in typed):
            old_rows.append(record)
    if not old_rows:
        return
    all_typed = len(typed) == len([c for c in table.columns if c.formula is None])
    new_rows = fill.tables.setdefault(table.key, [])
    if all_typed:
        if not new_rows:  # the exports never fill a fully typed table: take the controller's rows
            new_rows.extend({c.name: r.get(c.name) for c in table.columns if c.formula is None}
                            for r in old_rows)
            report.rows[table.key] = len(old_rows)
        return
    key = table.columns[0].name
    by_key = {str(r.get(key)): r for r in new_rows}
    carried, appended = 0, []
    for old in old_rows:
        target = by_key.get(str(old.get(key)))
        if target is None:
            new = {c.name: old.get(c.name) for c in table.columns if c.formula is None}
            new_rows.append(new)
            appended.append(str(old.get(key)))
            continue
        changed = False
        for col in typed:
            value = old.get(col.name)
            if not _is_blank(value) and value != target.get(col.name):
                target[col.name] = value
                changed = True
        carried += changed  # rows where the controller's entry differs from the generated default
    if carried:
        report.rows[table.key] = carried
    if appended:
        report.appended[table.key] = appended


# ---------------------------------------------------------------------------------------------
# The prognosis workbook is where the controller types: other reports take its inputs from it

PROGNOSIS_TEMPLATE = "avviksprognose"
PROGNOSIS_SHEET = "Avviksprognose"
DEVIATION_HEADER = "Avviksprognose"


def _sibling(target: Path, template: str, period: int | None = None) -> Path | None:
    match = _PERIOD_RE.search(target.name)
    if not match:
        return None
    del template
    year = match.group(1)
    if period is not None:
        candidate = target.parent / f"{PROGNOSIS_TEMPLATE}_{year}-{period:02d}.xlsx"
        return candidate if candidate.is_file() else None
    current = int(match.group(2))
    earlier = []
    for candidate in target.parent.glob(f"{PROGNOSIS_TEMPLATE}_{year}-*.xlsx"):
        m = _PERIOD_RE.search(candidate.name)
        if m and candidate.name[: m.start()] == PROGNOSIS_TEMPLATE and int(m.group(2)) < current:
            earlier.append((int(m.group(2)), candidate))
    return max(earlier)[1] if earlier else None


def carry_from_prognosis(template: Template, fill: Fill, target: Path) -> CarriedOver | None:
    """Inputs a workbook shares with the district's prognosis workbook (same folder and year).

    * A report other than the prognosis (the status report) takes «Justeringer» and the typed
      columns of «Funksjonsvalg» from the prognosis workbook of the same period, so the committee
      sees the prognosis the controller entered.
    * «Funksjonsvalg»'s «Forrige måneds avviksprognose» is read from the newest earlier period's
      prognosis workbook (its stored values), so the change since last month can be shown.
    """
    keys = {t.key for t in template.tables}
    if "funksjonsvalg" not in keys:
        return None
    match = _PERIOD_RE.search(target.name)
    if not match:
        return None
    period = int(match.group(2))
    report = None
    if template.name != PROGNOSIS_TEMPLATE:
        sibling = _sibling(target, template.name, period)
        if sibling is not None:
            fill.tables.pop("justeringer", None)
            for row in fill.tables.get("funksjonsvalg", []):
                for col in ("F_Manuell", "F_Forklaring"):
                    row.pop(col, None)
            report = carry_over(template, fill, sibling)
    previous = _sibling(target, template.name)
    if previous is not None:
        values = previous_deviations(previous)
        for row in fill.tables.get("funksjonsvalg", []):
            value = values.get(str(row.get("F_Funksjon")))
            if value is not None:
                row["F_Forrige"] = value
    return report


def previous_deviations(path: Path) -> dict[str, float]:
    """Function code → the deviation prognosis stored in a prognosis workbook (its report sheet)."""
    from kostra_functions import safety

    safety.check_xlsx(path)
    safety.harden_openpyxl()
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        if PROGNOSIS_SHEET not in wb.sheetnames:
            return {}
        column = None
        out: dict[str, float] = {}
        for row in wb[PROGNOSIS_SHEET].iter_rows(values_only=True):
            if column is None:
                if DEVIATION_HEADER in row and "Funksjon" in row:
                    column, code_col = row.index(DEVIATION_HEADER), row.index("Funksjon")
                continue
            code = row[code_col] if code_col < len(row) else None
            value = row[column] if column < len(row) else None
            if isinstance(code, str) and re.fullmatch(r"\d{3}", code) and isinstance(value, (int, float)):
                out[code] = float(value)
        return out
    finally:
        wb.close()
