"""Recalculate a workbook headlessly and store the results as cached values next to the formulas.

:func:`recalculate` reads an ``.xlsx``/``.xlsm`` package, calculates every formula with the
``formulas`` engine (extended with the ``KOSTRA_*`` table, :mod:`kostra_functions.engine.bridge`),
and writes a copy in which every formula is kept and its computed value is stored in the cell's
``<v>`` element, so Excel, LibreOffice and any viewer show numbers before they recalculate.
Everything else in the package is copied byte for byte (:mod:`kostra_functions.engine.package`).

Dynamic arrays (a formula in one cell whose result is a table) spill as in Excel 365: the formula
is stored as Excel stores a dynamic array (``<f t="array" ref="A1:C5">`` and ``cm`` pointing at
the ``XLDAPR`` cell metadata) and the values of the cells it spills into are stored as cached
values of those cells. A spill never overwrites a cell that holds something (a typed value, a
formula, part of a merged cell or another array): the formula gets ``#SPILL!`` as in Excel, and it
is reported. When other formulas depend on spilled cells, the workbook is calculated again with the
spill ranges in place until the ranges no longer change.

Every cell that ends in an error value is reported with sheet, cell, formula, error and — for a
``KOSTRA_*`` function — the Norwegian reason.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kostra_functions.cells import ExcelError
from kostra_functions.engine import bridge, formula_prep
from kostra_functions.engine.array_metadata import DynamicArrayMetadata
from kostra_functions.engine.calculation import Calculation, CellIssue, CellKey, Pos, RecalcResult
from kostra_functions.engine.cell_refs import Area, make_ref
from kostra_functions.engine.formulas_model import PassResult, UnreadableFormulas, run_formulas
from kostra_functions.engine.inputs import input_sheets, without_cells
from kostra_functions.engine.package import Package, WorkbookError, escape_text, set_attr
from kostra_functions.engine.sheet_xml import CellXml, SheetXml
from kostra_functions.engine.spill import SpillPlan, depends_on_change, initial_plan, next_plan
from kostra_functions.engine.stored import SheetLayout, load_sheets, shared_strings
from kostra_functions.engine.values import as_matrix, plain_value
from kostra_functions.engine.write_values import write_calculation

#: How often the workbook is recalculated at most while spill ranges settle.
MAX_PASSES = 4


# ---------------------------------------------------------------------------------------------
# The calculation copy: what formulas reads on each pass


def _calc_copy(pkg: Package, sheets: list[SheetLayout], plan: SpillPlan, texts: dict[CellKey, str],
               folder: Path, inputs: dict[str, SheetLayout] | None = None,
               prep: formula_prep.Prepared | None = None) -> Path:
    """Write the package formulas reads for a pass (normalized names, spill ranges in place, the
    cells of ``inputs`` sheets left out: they are fed as ranges; the texts :mod:`formula_prep`
    prepared instead of the saved ones)."""
    replaced: dict[str, bytes] = {}
    overrides = prep.overrides if prep is not None else {}
    if prep is not None and prep.workbook is not None:
        replaced[pkg.workbook_part] = prep.workbook
    for sheet in sheets:
        name = sheet.info.name
        if inputs and name.upper() in inputs:
            replaced[sheet.info.part] = without_cells(pkg.data[sheet.info.part], sheet.xml)
            continue
        new_areas = {pos: area for (s, pos), area in plan.areas.items() if s == name}
        blocked = {pos for (s, pos) in plan.blocked if s == name}
        own = {pos: text for (s, pos), text in overrides.items() if s == name}
        if not own and not _calc_copy_changes(sheet, new_areas, blocked, texts):
            continue  # formulas reads this sheet as it is: no need to parse and rewrite it
        xml = SheetXml(pkg.data[sheet.info.part], sheet.xml.what)
        changed = False
        for cell in list(xml.formula_cells()):
            pos = (cell.row, cell.col)
            f = cell.formula
            assert f is not None
            text = texts.get((name, pos), f.text)
            normalized = own.get(pos) or bridge.normalize_formula(text)
            if pos in blocked:
                xml.replace_cell(cell, _formula_cell(xml, cell, [], f"{bridge.SPILL_FUNCTION}()"))
                changed = True
            elif pos in new_areas:
                attrs = [("t", "array"), ("ref", new_areas[pos].ref)]
                xml.replace_cell(cell, _formula_cell(xml, cell, attrs, normalized))
                changed = True
            elif pos in own:
                attrs = [(k, v) for k, v in f.attrs if f.get("t") != "shared" or k not in ("t", "ref", "si")]
                xml.replace_cell(cell, _formula_cell(xml, cell, attrs, normalized))
                changed = True
            elif normalized != f.text and f.text:
                xml.replace_cell(cell, _formula_cell(xml, cell, f.attrs, normalized))
                changed = True
        # Values stored by an earlier spill that the current plan no longer covers are blank now.
        covered = {p for pos, area in new_areas.items() for p in area.cells()}
        for pos in sheet.spill_owned - covered:
            cell = xml.cells.get(pos)
            if cell is not None and cell.formula is None and not cell.is_empty:
                xml.replace_cell(cell, xml.cell_xml(cell.row, cell.col, set_attr(cell.attrs, "t", None), ""))
                changed = True
        if changed:
            replaced[sheet.info.part] = xml.to_bytes()
    target = folder / ("beregning" + pkg.path.suffix.lower())
    if not replaced and pkg.path.suffix.lower() == ".xlsx":
        shutil.copyfile(pkg.path, target)
    else:
        pkg.write(target, replaced=replaced)
    return target


def _calc_copy_changes(sheet: SheetLayout, new_areas: dict[Pos, Area], blocked: set[Pos],
                       texts: dict[CellKey, str]) -> bool:
    """Whether :func:`_calc_copy` changes anything on this sheet (read from the parsed sheet)."""
    if new_areas or blocked:
        return True
    name = sheet.info.name
    for cell in sheet.xml.formula_cells():
        f = cell.formula
        assert f is not None
        text = texts.get((name, (cell.row, cell.col)), f.text)
        if f.text and bridge.normalize_formula(text) != f.text:
            return True
    return any((c := sheet.xml.cells.get(pos)) is not None and c.formula is None and not c.is_empty
               for pos in sheet.spill_owned)


def _formula_cell(xml: SheetXml, cell: CellXml, f_attrs: list[tuple[str, str]], text: str) -> str:
    p = xml.prefix
    f = f"<{p}f{''.join(f' {k}={chr(34)}{v}{chr(34)}' for k, v in f_attrs)}>{escape_text(text)}</{p}f>"
    attrs = set_attr(cell.attrs, "t", None)
    attrs = set_attr(attrs, "cm", None)
    return xml.cell_xml(cell.row, cell.col, attrs, f)


# ---------------------------------------------------------------------------------------------
# The calculation


def calculate(pkg: Package, engine: bridge.EngineFunctions | None = None) -> Calculation:
    """Calculate every formula of a package; raises :class:`WorkbookError` when it cannot."""
    engine = engine or default_engine()
    metadata = DynamicArrayMetadata.read(pkg)
    sheets = load_sheets(pkg, metadata)
    display = pkg.path.name
    strings = shared_strings(pkg)
    parts = [(s.info.name, s.info.part, s.xml) for s in sheets]
    prep = formula_prep.prepare(pkg, parts, strings, engine.knows)
    prep.dates = formula_prep.date_cells(pkg, parts, prep.aliases)
    by_name = {s.info.name: s for s in sheets}
    plan = initial_plan(sheets)
    texts: dict[CellKey, str] = {}
    calc = Calculation()
    used = plan
    inputs = input_sheets(pkg, sheets, prep) if not prep.aliases else {}
    with tempfile.TemporaryDirectory(prefix="kostra-beregn-") as tmp:
        folder = Path(tmp)
        result: PassResult | None = None
        for attempt in range(1, MAX_PASSES + 1):
            used = plan
            result = _run_pass(pkg, sheets, used, texts, folder, inputs, prep, engine, display, strings)
            if not texts:
                texts = {**result.texts, **prep.originals}
            calc.passes = attempt
            plan = next_plan(sheets, by_name, used, result)
            if plan.same_as(used) or not depends_on_change(used, plan, result):
                break
        else:
            raise WorkbookError(
                f"{display}: dynamiske matriser endrer størrelse hver gang arbeidsboken beregnes "
                f"(prøvde {MAX_PASSES} ganger); sjekk om en formel avhenger av sitt eget resultat."
            )
    assert result is not None
    result = _with_iteration(pkg, sheets, used, texts, inputs, prep, engine, display, strings, result)
    _collect(calc, sheets, used, plan, result, texts, prep.notes)
    calc.parsed = (pkg, sheets)
    return calc


def _with_iteration(pkg: Package, sheets: list[SheetLayout], plan: SpillPlan, texts: dict[CellKey, str],
                    inputs: dict[str, SheetLayout], prep: formula_prep.Prepared,
                    engine: bridge.EngineFunctions,
                    display: str, strings: list[str], result: PassResult) -> PassResult:
    """``result``, or — when the workbook enables iterative calculation and some formulas got no
    value (a circular reference) — the result of iterating them as Excel does."""
    from kostra_functions.engine import iteration

    missing: set[CellKey] = set()
    for sheet in sheets:
        upper = sheet.info.name.upper()
        for cell in sheet.xml.formula_cells():
            pos = (cell.row, cell.col)
            if pos in sheet.cse or (sheet.info.name, pos) in plan.blocked:
                continue
            area = plan.areas.get((sheet.info.name, pos))
            if (upper, area.ref if area is not None else cell.ref) not in result.raw:
                missing.add((sheet.info.name, pos))
    if not missing or prep.facts is None:
        return result
    settings = iteration.settings(pkg)
    if settings is None:
        return result
    shadow = iteration.shadows(missing, prep.facts)
    if shadow is None:
        return result
    iter_prep = copy.copy(prep)
    iter_prep.overrides = dict(prep.overrides)
    for key in missing:
        sheet_name, pos = key
        by_name = next(s for s in sheets if s.info.name == sheet_name)
        cell = by_name.xml.cells[pos]
        assert cell.formula is not None
        text = prep.overrides.get(key) or bridge.normalize_formula(texts.get(key) or cell.formula.text)
        iter_prep.overrides[key] = iteration.shadowed_text(text, sheet_name, shadow, prep.facts)
    shadow_of = {(s2.upper(), make_ref(*p2)): (s.upper(), make_ref(*p))
                 for (s, p), (s2, p2) in shadow.items()}
    with tempfile.TemporaryDirectory(prefix="kostra-iterasjon-") as tmp:
        path = _calc_copy(pkg, sheets, plan, texts, Path(tmp), inputs, iter_prep)
        return run_formulas(path, engine, sheets, display, inputs, strings, prep.aliases, prep.dates,
                            (settings, shadow_of))


def _run_pass(pkg: Package, sheets: list[SheetLayout], plan: SpillPlan, texts: dict[CellKey, str],
              folder: Path,
              inputs: dict[str, SheetLayout], prep: formula_prep.Prepared, engine: bridge.EngineFunctions,
              display: str, strings: list[str]) -> PassResult:
    """One pass; a formula formulas cannot read gets ``#VALUE!`` (reported) and the pass is run again."""
    for _ in range(3):
        path = _calc_copy(pkg, sheets, plan, texts, folder, inputs, prep)
        try:
            return run_formulas(path, engine, sheets, display, inputs, strings, prep.aliases,
                                prep.dates)
        except UnreadableFormulas as exc:
            if not exc.cells:
                raise WorkbookError(f"{display}: arbeidsboken kan ikke beregnes ({exc.reason}). "
                                    "Ingen fil er skrevet.") from None
            for key in exc.cells:
                prep.give_error(key, "#VALUE!", "formelen kan ikke tolkes av beregningsmotoren")
    raise WorkbookError(f"{display}: arbeidsboken kan ikke beregnes. Ingen fil er skrevet.")


def _collect(calc: Calculation, sheets: list[SheetLayout], used: SpillPlan, plan: SpillPlan,
             result: PassResult,
             texts: dict[CellKey, str], notes: dict[CellKey, tuple[str, str]] | None = None) -> None:
    """Values of every formula cell (and spilled cell) from the last pass, and the issues."""
    for sheet in sheets:
        name = sheet.info.name
        upper = name.upper()
        for cell in sheet.xml.formula_cells():
            pos = (cell.row, cell.col)
            key = (name, pos)
            assert cell.formula is not None
            text = texts.get(key, cell.formula.text)
            calc.formula_text[key] = text
            calc.formula_cells += 1
            if pos in sheet.cse:
                area = sheet.cse[pos]
                raw_cse = result.raw.get((upper, area.ref))
                _collect_cse(calc, name, area, result.values.get((upper, area.ref)), cell.ref, text,
                             raw_cse[0] if raw_cse is not None else None)
                continue
            if key in plan.blocked:
                calc.values[key] = ExcelError("#SPILL!")
                calc.blocked[key] = plan.blocked[key]
                calc.spills[key] = Area.at(*pos)
                calc.issues.append(CellIssue(name, cell.ref, text, "#SPILL!",
                                             f"Resultatet får ikke plass: {plan.blocked[key]}."))
                continue
            used_area = used.areas.get(key)
            out_ref = used_area.ref if used_area is not None else cell.ref
            raw = result.raw.get((upper, out_ref))
            if raw is None:
                _missing(calc, name, cell.ref, text)
                continue
            matrix = as_matrix(raw[0])
            messages = raw[1]
            area = plan.areas.get(key)
            if area is not None:
                calc.spills[key] = area
                if matrix.shape != area.shape:
                    calc.values[key] = ExcelError("#VALUE!")
                    calc.issues.append(CellIssue(name, cell.ref, text, "#VALUE!",
                                                 "Størrelsen på den dynamiske matrisen ble ikke stabil."))
                    continue
                for (r, c) in area.cells():
                    calc.values[(name, (r, c))] = plain_value(matrix[r - area.top, c - area.left])
            else:
                calc.values[key] = plain_value(matrix[0, 0])
            v = calc.values.get(key)
            if isinstance(v, ExcelError):
                message = "; ".join(dict.fromkeys(messages))
                if notes and key in notes:
                    message = notes[key][1]
                if not message and v.code == "#NAME?":
                    message = "ukjent navn eller funksjon"
                calc.issues.append(CellIssue(name, cell.ref, text, v.code, message))


def _collect_cse(calc: Calculation, name: str, area: Area, value: Any, ref: str, text: str,
                 raw: Any = None) -> None:
    """Values of a legacy (Ctrl+Shift+Enter) array formula over ``area``, placed as Excel places
    them: the result from the top-left cell; a one-row result repeated down the range and a
    one-column result across it; cells beyond the result #N/A. ``raw`` is the formula's own result
    (``value`` is what formulas made of it for the range, which for a one-cell range of a larger
    result is #VALUE! where Excel shows the first value)."""
    if value is None and raw is None:
        _missing(calc, name, ref, text)
        return
    matrix = as_matrix(raw if raw is not None else value)
    errors = []
    rows, cols = matrix.shape
    for (r, c) in area.cells():
        i, j = r - area.top, c - area.left
        i = 0 if rows == 1 else i
        j = 0 if cols == 1 else j
        inside = i < rows and j < cols
        v = plain_value(matrix[i, j]) if inside else ExcelError("#N/A")
        calc.values[(name, (r, c))] = v
        if isinstance(v, ExcelError):
            errors.append(v)
    if errors:
        calc.issues.append(CellIssue(name, area.ref, text, errors[0].code,
                                     f"{len(errors)} av {area.shape[0] * area.shape[1]} celler i "
                                     "matriseformelen har feilverdi"))


def _missing(calc: Calculation, sheet: str, ref: str, text: str) -> None:
    calc.values[(sheet, _pos(ref))] = None
    calc.issues.append(CellIssue(sheet, ref, text, "(ingen verdi)",
                                 "Beregningsmotoren ga ingen verdi for cellen (sirkulær referanse?)."))


def _pos(ref: str) -> Pos:
    from kostra_functions.engine.cell_refs import parse_ref

    return parse_ref(ref)


# ---------------------------------------------------------------------------------------------
# Public entry points


_DEFAULT_ENGINE: bridge.EngineFunctions | None = None


def default_engine() -> bridge.EngineFunctions:
    """The engine for the table as it is now (built on first use, once per process)."""
    global _DEFAULT_ENGINE
    if _DEFAULT_ENGINE is None:
        _DEFAULT_ENGINE = bridge.EngineFunctions()
    return _DEFAULT_ENGINE


def check_output_path(source: Path, output: Path, overwrite: bool) -> None:
    """Refuse to overwrite the input (or any existing file) without ``overwrite``."""
    if output.suffix.lower() != source.suffix.lower():
        raise WorkbookError(
            f"{output}: utfilen må ha samme filtype som innfilen ({source.suffix}); ellers kan Excel "
            "ikke åpne den."
        )
    if output.exists() and not overwrite:
        same = output.resolve() == source.resolve()
        what = "innfilen" if same else "en eksisterende fil"
        raise WorkbookError(f"{output}: vil ikke skrive over {what} uten --overskriv.")


def recalculate(source: str | Path, output: str | Path | None = None, *, overwrite: bool = False,
                engine: bridge.EngineFunctions | None = None) -> RecalcResult:
    """Calculate ``source`` and write it to ``output`` with cached values (formulas kept).

    ``output`` ``None`` means the source itself, which needs ``overwrite=True``. Nothing is written
    when the workbook cannot be calculated (an unknown function, a formula the engine cannot read);
    cells that calculate to an error value are written as Excel would show them and reported.
    """
    src = Path(source)
    out = Path(output) if output is not None else src
    check_output_path(src, out, overwrite)
    pkg = Package.read(src)
    calc = calculate(pkg, engine)
    write_calculation(pkg, calc, out, exclusive=not overwrite)
    return RecalcResult(src, out, calc)
