"""What the ``formulas`` engine is given to calculate, cell by cell, so no workbook is refused.

:func:`prepare` goes through every formula of a package once, before calculating:

* the formula is rewritten into plain A1 references (:mod:`~kostra_functions.engine.formula_rewrite`:
  structured table references, INDIRECT/OFFSET/CELL with arguments known in advance, ranges cut to
  the used area, sheet names with an apostrophe aliased);
* a formula calling a function the engine does not have (``#NAME?``), or one the rewrite cannot
  follow (``#VALUE!``/``#REF!``), is replaced by that error value *for this cell only*, with the
  Norwegian reason for the report; every other cell is calculated as before;
* cells of a shared formula whose master changes are each given their own text.

Nothing here changes the saved file: the texts are only what the calculation copy holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kostra_functions.engine import bridge
from kostra_functions.engine.cell_refs import make_ref
from kostra_functions.engine.formula_rewrite import rewrite_defined_name, rewrite_formula
from kostra_functions.engine.package import (
    MAIN_NS,
    Package,
    decode_xml,
    encode_xml,
    escape_attr,
    escape_text,
    safe_parse,
    unescape,
)
from kostra_functions.engine.sheet_xml import SheetXml
from kostra_functions.engine.workbook_facts import Unsupported, WorkbookFacts, read_facts

Pos = tuple[int, int]
CellKey = tuple[str, Pos]

#: Functions the parser handles itself (not in formulas' function table).
PARSER_FUNCTIONS = {"LAMBDA", "LET", "ANCHORARRAY", "SINGLE"}


@dataclass
class Prepared:
    overrides: dict[CellKey, str] = field(default_factory=dict)  # text to calculate instead
    originals: dict[CellKey, str] = field(default_factory=dict)  # saved text (shared expanded)
    notes: dict[CellKey, tuple[str, str]] = field(default_factory=dict)  # (error code, reason)
    facts: WorkbookFacts | None = None
    workbook: bytes | None = None  # workbook part with aliased sheet and defined names
    dates: dict[str, set[Pos]] = field(default_factory=dict)  # date-formatted cells (engine names)

    @property
    def aliases(self) -> dict[str, str]:
        return self.facts.aliases if self.facts is not None else {}

    def give_error(self, key: CellKey, code: str, reason: str) -> None:
        self.overrides[key] = code
        self.notes[key] = (code, reason)


def defined_names(pkg: Package) -> set[str]:
    root = safe_parse(pkg.data[pkg.workbook_part], f"{pkg.path.name}:{pkg.workbook_part}")
    return {(el.get("name") or "").upper() for el in root.iter(f"{{{MAIN_NS}}}definedName")}


def unknown_functions(text: str, knows: Callable[[str], bool], names: set[str]) -> list[str]:
    out = []
    for name in bridge.called_functions(text):
        upper = name.upper()
        bare = upper.removeprefix("_XLFN.").removeprefix("_XLWS.")
        if knows(upper) or bare in PARSER_FUNCTIONS or upper in names:
            continue
        out.append(name)
    return out


def unknown_reason(name: str) -> str:
    if bridge.canonical_name(name):
        return f"KOSTRA-funksjonen {name} finnes ikke i denne versjonen av kostra-functions"
    return f"funksjonen {name} kan ikke beregnes uten Excel"


def prepare(pkg: Package, sheets: list[tuple[str, str, SheetXml]], strings: list[str],
            knows: Callable[[str], bool]) -> Prepared:
    """Texts the engine calculates, per cell, for every formula of ``pkg`` that needs another text."""
    from openpyxl.formula.translate import Translator

    facts = read_facts(pkg, sheets, strings)
    names = defined_names(pkg)
    prep = Prepared(facts=facts)
    for name, _, xml in sheets:
        masters: dict[str, tuple[str, str]] = {}  # si → (master ref, text)
        cells = list(xml.formula_cells())
        for cell in cells:
            f = cell.formula
            assert f is not None
            if f.get("t") == "shared" and f.text:
                masters[f.get("si")] = (cell.ref, f.text)
        changed_groups: set[str] = set()
        texts: dict[Pos, str] = {}
        for cell in cells:
            f = cell.formula
            assert f is not None
            text = f.text
            if f.get("t") == "shared" and not text:
                master = masters.get(f.get("si"))
                if master is None:
                    continue
                try:
                    text = Translator("=" + master[1], origin=master[0]).translate_formula(cell.ref)[1:]
                except Exception:  # a text openpyxl cannot translate: the master decides
                    continue
            texts[(cell.row, cell.col)] = text
        for cell in cells:
            f = cell.formula
            assert f is not None
            pos = (cell.row, cell.col)
            if pos not in texts:
                continue
            key = (name, pos)
            original = texts[pos]
            if not original:
                continue
            new = _calculated_text(prep, key, original, facts, name, pos, knows, names)
            if new != original:
                prep.overrides[key] = new
                if f.get("t") == "shared":
                    changed_groups.add(f.get("si"))
        # a shared group with a changed cell: every cell of it gets its own text
        for cell in cells:
            f = cell.formula
            assert f is not None
            pos = (cell.row, cell.col)
            key = (name, pos)
            if f.get("t") == "shared" and f.get("si") in changed_groups and pos in texts:
                if key not in prep.overrides:
                    prep.overrides[key] = _calculated_text(prep, key, texts[pos], facts, name, pos,
                                                           knows, names)
                prep.originals[key] = texts[pos]
            elif key in prep.overrides:
                prep.originals[key] = texts[pos]
    prep.workbook = _aliased_workbook(pkg, facts)
    return prep


def _calculated_text(prep: Prepared, key: CellKey, original: str, facts: WorkbookFacts, sheet: str,
                     pos: Pos, knows: Callable[[str], bool], names: set[str]) -> str:
    text = bridge.normalize_formula(original)
    try:
        text = rewrite_formula(text, facts, sheet, *pos)
    except Unsupported as exc:
        prep.notes[key] = (exc.code, exc.reason)
        return exc.code
    except Exception as exc:  # a formula the rewrite misreads: this cell only
        prep.notes[key] = ("#VALUE!", f"formelen kan ikke tolkes ({type(exc).__name__})")
        return "#VALUE!"
    unknown = unknown_functions(text, knows, names)
    if unknown:
        prep.notes[key] = ("#NAME?", "; ".join(unknown_reason(n) for n in dict.fromkeys(unknown)))
        return "#NAME?"
    return text


def _aliased_workbook(pkg: Package, facts: WorkbookFacts) -> bytes | None:
    """The workbook part with every aliased sheet renamed, in ``<sheet>`` and in defined names, and
    whole columns in defined names cut to the used area; ``None`` when nothing changes."""
    original, encoding = decode_xml(pkg.data[pkg.workbook_part])
    text = original

    def sheet(m: re.Match[str]) -> str:
        name = unescape(m.group(2))
        alias = facts.aliases.get(name)
        return m.group(0) if alias is None else f"{m.group(1)}{escape_attr(alias)}{m.group(3)}"

    if facts.aliases:
        text = re.sub(r'(<(?:\w+:)?sheet\b[^>]*?\bname=")([^"]*)(")', sheet, text)

    def defined(m: re.Match[str]) -> str:
        before = unescape(m.group(2))
        after = rewrite_defined_name(before, facts)
        return m.group(0) if after == before else m.group(1) + escape_text(after) + m.group(3)

    text = re.sub(r"(<(?:\w+:)?definedName\b[^>]*>)(.*?)(</(?:\w+:)?definedName>)", defined, text,
                  flags=re.DOTALL)
    return None if text == original else encode_xml(text, encoding)


def cell_name(sheet: str, pos: Pos) -> str:
    return f"{sheet}!{make_ref(*pos)}"


#: Built-in number formats that show a date (ECMA-376 18.8.30; 27–36 and 50–58 are East Asian dates).
_BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}


def date_cells(pkg: Package, sheets: list[tuple[str, str, SheetXml]],
               aliases: dict[str, str]) -> dict[str, set[Pos]]:
    """Number cells formatted as dates, per sheet (upper-case name as the engine sees it)."""
    from openpyxl.styles.numbers import is_date_format

    part = pkg.part_with_type(pkg.workbook_part, "/styles")
    if part is None or part not in pkg.data:
        return {}
    root = safe_parse(pkg.data[part], f"{pkg.path.name}:{part}")
    ns = f"{{{MAIN_NS}}}"
    custom = {el.get("numFmtId"): el.get("formatCode") or "" for el in root.iter(f"{ns}numFmt")}
    xfs = root.find(f"{ns}cellXfs")
    dated: set[str] = set()
    for i, xf in enumerate(xfs if xfs is not None else []):
        fid = xf.get("numFmtId", "0")
        code = custom.get(fid)
        if (code is not None and is_date_format(code)) or (code is None and fid.isdigit()
                                                              and int(fid) in _BUILTIN_DATE_FORMATS):
            dated.add(str(i))
    if not dated:
        return {}
    out: dict[str, set[Pos]] = {}
    for name, _, xml in sheets:
        cells = {pos for pos, c in xml.cells.items() if c.attr("s") in dated and c.type == "n"}
        if cells:
            out[aliases.get(name, name).upper()] = cells
    return out
