"""The native engine: ``formualizer`` (a spreadsheet engine in Rust) with the ``KOSTRA_*`` table.

:func:`calculate` gives the same :class:`~kostra_functions.engine.calculation.Calculation` as
the ``formulas`` path, so :func:`~kostra_functions.engine.write_values.write_calculation` stores
the values into the original XML for both engines (every part that is not a sheet stays byte
for byte). The work is shared by :mod:`~kostra_functions.engine.native_formulas` (formula text),
:mod:`~kostra_functions.engine.native_functions` (the table as callbacks) and
:mod:`~kostra_functions.engine.native_workbook` (the package as formualizer reads it).

How a workbook is calculated:

1. ``formualizer`` reads the file itself (cells, shared formulas, legacy array formulas, defined
   names, Excel tables);
2. every row of :data:`kostra_functions.excel.functions.FUNCTIONS` is registered as a workbook
   function; a formula that spells one of ours the way a saved file can (``KOSTRA.X``,
   ``_xldudf_KOSTRA_X``, ``_xll.KOSTRA_X``, ``[1]!KOSTRA_X``) is rewritten to the table name;
3. ``formualizer`` passes ``0`` for an argument left out (``=KOSTRA_AVVIK(A1;;B1)``), which our
   functions must see as blank (as Excel passes it): each empty argument of a ``KOSTRA_*`` call is
   rewritten to a marker function whose value the callback turns back into blank;
4. the values a file stores for the cells a dynamic array spilled into are cleared first (they are
   the previous result, not the user's input, and would otherwise block the spill);
5. iterative calculation follows the workbook's own setting (``calcPr iterate``, count, max change).

Arguments reach the table's rows converted as in the ``formulas`` bridge and the xlwings face: a
single cell as a scalar, a range as a list of rows, blanks as ``None``, numbers as floats, error
values as :class:`~kostra_functions.cells.ExcelError`. A function or feature the engine
lacks gives that cell an Excel error value and a line in the report; nothing is refused.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.cells import ExcelError
from kostra_functions.engine.calculation import Pos
from kostra_functions.engine.cell_refs import Area
from kostra_functions.engine.native_formulas import called_names, canonical_name, quoted_sheet
from kostra_functions.engine.native_functions import NativeFunctions, Notes, default_functions, from_engine
from kostra_functions.engine.native_workbook import StoredSheet, UnreadableError, load
from kostra_functions.engine.package import Package

NAME = "formualizer"



def calculate(pkg: Package, functions: NativeFunctions | None = None) -> Any:
    """Calculate every formula of ``pkg`` with formualizer; a
    :class:`~kostra_functions.engine.calculation.Calculation`."""
    from kostra_functions.engine.calculation import Calculation, CellIssue

    functions = functions or default_functions()
    functions.notes = Notes()
    wb, sheets, parsed = load(pkg, functions)
    try:
        wb.evaluate_all()
    except Exception as exc:  # the engine gives up on the whole workbook: let formulas take it
        raise UnreadableError(f"{pkg.path.name}: beregningsmotoren formualizer kan ikke beregne "
                              f"arbeidsboken ({exc}).") from exc
    calc = Calculation()
    calc.parsed = parsed  # the writer patches these sheets; the others have nothing to store
    for sheet in sheets:
        name = sheet.name
        cse_members = {p for a in sheet.cse.values() for p in a.cells()}
        for pos, own in sheet.formulas.items():
            if pos in cse_members and pos not in sheet.cse:
                continue  # a cell inside a legacy array formula: filled from its master below
            key = (name, pos)
            text = own or (wb.get_formula(name, pos[0], pos[1]) or "").removeprefix("=")
            calc.formula_text[key] = text
            calc.formula_cells += 1
            ref = _ref(pos)
            if pos in sheet.cse:
                _collect_cse(calc, wb, name, sheet.cse[pos], text, CellIssue)
                continue
            value = from_engine(wb.get_value(name, pos[0], pos[1]))
            extent = _spill_extent(wb, name, ref) if _may_spill(text, value, sheet, pos) else None
            if extent is not None and extent.shape != (1, 1):
                calc.spills[key] = extent
                for cell in extent.cells():
                    calc.values[(name, cell)] = value if cell == pos else _member_value(wb, name, cell)
            else:
                calc.values[key] = value
            if isinstance(value, ExcelError):
                if value.code == "#SPILL!":
                    reason = "området resultatet skal fylle er ikke tomt"
                    calc.spills[key] = Area.at(*pos)
                    calc.blocked[key] = reason
                    calc.issues.append(CellIssue(name, ref, text, "#SPILL!",
                                                 f"Resultatet får ikke plass: {reason}."))
                    continue
                calc.issues.append(CellIssue(name, ref, text, value.code, _reason(text, value, functions)))
            elif value is None and _is_cycle(wb, name, pos):
                calc.issues.append(CellIssue(name, ref, text, "(ingen verdi)",
                                             "Sirkulær referanse: cellen avhenger av seg selv, og "
                                             "arbeidsboken har ikke iterativ beregning slått på."))
    calc.passes = 1
    return calc


def _may_spill(text: str, value: Any, sheet: StoredSheet, pos: Pos) -> bool:
    # Any formula may return an array; asking the engine per cell is cheap next to guessing wrong.
    return True


def _spill_extent(wb: Any, sheet: str, ref: str) -> Area | None:
    report = wb.inspect_cell(quoted_sheet(sheet) + "!" + ref).to_dict()
    spill = (report.get("cell") or {}).get("spill")
    if not spill or spill.get("kind") != "Anchor" or not spill.get("extent"):
        return None
    return Area.parse(spill["extent"].rsplit("!", 1)[1])


def _member_value(wb: Any, sheet: str, pos: Pos) -> Any:
    """The value a spill gave a cell."""
    return from_engine(wb.get_value(sheet, pos[0], pos[1]))


def _is_cycle(wb: Any, sheet: str, pos: Pos) -> bool:
    raw = wb.get_value(sheet, pos[0], pos[1])
    return isinstance(raw, dict) and raw.get("kind") == "Circ"


def _collect_cse(calc: Any, wb: Any, name: str, area: Area, text: str, issue_cls: Any) -> None:
    top_left = (area.top, area.left)
    extent = _spill_extent(wb, name, _ref(top_left)) or Area.at(*top_left)
    errors = []
    for pos in area.cells():
        v = _member_value(wb, name, pos) if pos in extent else ExcelError("#N/A")
        calc.values[(name, pos)] = v
        if isinstance(v, ExcelError):
            errors.append(v)
    if errors:
        calc.issues.append(issue_cls(name, area.ref, text, errors[0].code,
                                     f"{len(errors)} av {area.shape[0] * area.shape[1]} celler i "
                                     "matriseformelen har feilverdi"))


def _reason(text: str, value: ExcelError, functions: NativeFunctions) -> str:
    called = called_names(text)
    messages = [msg for name in dict.fromkeys(called)
                for msg in functions.notes.by_function.get(canonical_name(name) or "", [])]
    if messages:
        return "; ".join(messages[:3])
    if value.code == "#NAME?":
        unknown = [n for n in dict.fromkeys(called) if canonical_name(n) and canonical_name(n) not in
                   functions.table]
        if unknown:
            return (f"{', '.join(unknown)} finnes ikke i denne versjonen av kostra-functions "
                    "(se «kostra funksjoner»)")
        return "ukjent navn eller funksjon, eller en funksjon beregningsmotoren ikke har"
    return ""


def _ref(pos: Pos) -> str:
    from kostra_functions.engine.cell_refs import make_ref

    return make_ref(*pos)
