"""What formula rewriting needs to know of a workbook, read from the package before calculating
(:func:`read_facts`): its Excel tables, each sheet's used area and typed constants, names defined
for one sheet, and aliases for sheet names an engine cannot read. :class:`Unsupported` is what a
formula that cannot be rewritten raises (:mod:`~kostra_functions.engine.formula_rewrite`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.formula_refs import FORMULA_REFERENCE
from kostra_functions.engine.package import MAIN_NS, Package, safe_parse, unescape
from kostra_functions.engine.sheet_xml import SheetXml


class Unsupported(Exception):
    """A formula the rewrite cannot turn into plain references; ``code`` is the Excel error to show."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class TableDef:
    name: str
    sheet: str
    area: Area
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]

    @property
    def data(self) -> tuple[int, int]:
        return self.area.top + self.header_rows, self.area.bottom - self.totals_rows


@dataclass
class SheetFacts:
    name: str
    rows: list[int] = field(default_factory=list)  # sorted rows holding something
    cols: list[int] = field(default_factory=list)  # sorted columns holding something
    max_row: int = 0
    max_col: int = 0
    constants: dict[tuple[int, int], Any] = field(default_factory=dict)  # typed (non-formula) values
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    _positions: Any = None

    def positions(self) -> Any:
        """Rows and columns of every cell holding something, as two numpy arrays."""
        if self._positions is None:
            cells = list(self.constants) + list(self.formula_cells)
            arr = np.array(cells, dtype=np.int64).reshape(-1, 2)
            self._positions = (arr[:, 0], arr[:, 1])
        return self._positions


@dataclass
class WorkbookFacts:
    sheets: dict[str, SheetFacts]  # upper-case name → facts
    tables: dict[str, TableDef]  # upper-case table name → table
    aliases: dict[str, str] = field(default_factory=dict)  # real sheet name → alias for the engine
    #: names defined for one sheet only: (SHEET, NAME) upper-case → the reference they stand for
    local_names: dict[tuple[str, str], str] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetFacts | None:
        return self.sheets.get(name.upper())


# ---------------------------------------------------------------------------------------------
# Reading the facts


def _needs_alias(name: str) -> bool:
    return "'" in name


def read_facts(pkg: Package, sheets: list[tuple[str, str, SheetXml]], strings: list[str]) -> WorkbookFacts:
    """Facts of a package: ``sheets`` is ``(name, part, parsed sheet)`` per worksheet."""
    facts: dict[str, SheetFacts] = {}
    tables: dict[str, TableDef] = {}
    taken = {name.upper() for name, _, _ in sheets}
    aliases: dict[str, str] = {}
    for i, (name, part, xml) in enumerate(sheets, 1):
        f = SheetFacts(name)
        rows: set[int] = set()
        cols: set[int] = set()
        for (r, c), cell in xml.cells.items():
            if cell.is_empty:
                continue
            rows.add(r)
            cols.add(c)
            if cell.formula is None:
                f.constants[(r, c)] = _constant(cell.type, cell.value_raw, cell.inner, strings)
            else:
                f.formula_cells.add((r, c))
        f.rows, f.cols = sorted(rows), sorted(cols)
        f.max_row, f.max_col = (f.rows[-1] if f.rows else 0), (f.cols[-1] if f.cols else 0)
        facts[name.upper()] = f
        if _needs_alias(name):
            alias = f"KOSTRAARK{i}"
            while alias.upper() in taken:
                alias += "X"
            aliases[name] = alias
        for _, rtype, target, _ in pkg.relationships(part):
            if rtype.endswith("/table") and target in pkg.data:
                table = _read_table(pkg.data[target], name, f"{pkg.path.name}:{target}")
                if table is not None:
                    tables[table.name.upper()] = table
    return WorkbookFacts(facts, tables, aliases, _local_names(pkg))


def _local_names(pkg: Package) -> dict[tuple[str, str], str]:
    """Sheet-scoped defined names (``localSheetId``) that stand for a plain cell or range."""
    root = safe_parse(pkg.data[pkg.workbook_part], f"{pkg.path.name}:{pkg.workbook_part}")
    ns = f"{{{MAIN_NS}}}"
    sheets_el = root.find(f"{ns}sheets")
    order = [el.get("name", "") for el in (sheets_el if sheets_el is not None else [])]
    out: dict[tuple[str, str], str] = {}
    for el in root.iter(f"{ns}definedName"):
        local = el.get("localSheetId")
        text = (el.text or "").strip()
        if local is None or not local.isdigit() or int(local) >= len(order):
            continue
        m = FORMULA_REFERENCE.fullmatch(text)
        if m and m.group("sheet"):
            out[(order[int(local)].upper(), (el.get("name") or "").upper())] = text
    return out


def _constant(t: str, raw: str | None, inner: str, strings: list[str]) -> Any:
    if t == "inlineStr":
        return unescape("".join(re.findall(r"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", inner, re.DOTALL)))
    if raw is None:
        return None
    raw = unescape(raw)
    if t == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            return None
    if t in ("str", "e"):
        return raw
    if t == "b":
        return raw.strip() in ("1", "true")
    try:
        return float(raw)
    except ValueError:
        return raw


def _read_table(data: bytes, sheet: str, what: str) -> TableDef | None:
    root = safe_parse(data, what)
    ns = f"{{{MAIN_NS}}}"
    name = root.get("displayName") or root.get("name")
    ref = root.get("ref")
    if not name or not ref:
        return None
    columns = tuple(unescape(c.get("name", "")) for c in root.iter(f"{ns}tableColumn"))
    return TableDef(name, sheet, Area.parse(ref), int(root.get("headerRowCount", "1")),
                    int(root.get("totalsRowCount", "0")), columns)
