"""The spill plan: which dynamic-array formula spills where, given the result shapes of the last
pass, and whether a changed plan means the workbook must be calculated again.

A spill never overwrites a cell that holds something (a typed value, a formula, part of a merged
cell or another array): the formula is blocked and gets ``#SPILL!`` as in Excel, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kostra_functions.engine.calculation import CellKey, Pos
from kostra_functions.engine.cell_refs import Area, make_ref
from kostra_functions.engine.formulas_model import PassResult
from kostra_functions.engine.stored import SheetLayout


@dataclass
class SpillPlan:
    """Where each dynamic-array formula spills, and which are blocked (``#SPILL!``) and why."""

    areas: dict[CellKey, Area] = field(default_factory=dict)  # dynamic anchors → spill range
    blocked: dict[CellKey, str] = field(default_factory=dict)  # anchor → reason (#SPILL!)

    def same_as(self, other: SpillPlan) -> bool:
        return self.areas == other.areas and set(self.blocked) == set(other.blocked)


def initial_plan(sheets: list[SheetLayout]) -> SpillPlan:
    """The plan the file stores: every dynamic array over the range it spilled into last time."""
    plan = SpillPlan()
    for sheet in sheets:
        for pos, area in sheet.dynamic.items():
            plan.areas[(sheet.info.name, pos)] = area
    return plan


def _shape_of(raw: Any) -> tuple[int, int]:
    if hasattr(raw, "value") and type(raw).__name__ == "Ranges":
        raw = raw.value
    if isinstance(raw, np.ndarray):
        if raw.ndim == 0:
            return 1, 1
        if raw.ndim == 1:
            return 1, raw.shape[0]
        return int(raw.shape[0]), int(raw.shape[1])
    return 1, 1


def next_plan(sheets: list[SheetLayout], by_name: dict[str, SheetLayout], used: SpillPlan,
              result: PassResult) -> SpillPlan:
    """Where each formula spills, given the result shapes of the last pass."""
    new = SpillPlan()
    taken: dict[str, list[Area]] = {s.info.name: [] for s in sheets}
    for sheet in sheets:
        name = sheet.info.name
        upper = name.upper()
        for cell in sorted(sheet.xml.formula_cells(), key=lambda c: (c.row, c.col)):
            pos = (cell.row, cell.col)
            key = (name, pos)
            if pos in sheet.cse:
                continue
            if key in used.blocked:  # its formula was replaced by #SPILL! in this pass
                new.blocked[key] = used.blocked[key]
                continue
            f = cell.formula
            assert f is not None
            shared_ref = f.get("ref") if f.get("t") == "shared" else ""
            shared_master = bool(shared_ref) and Area.parse(shared_ref).shape != (1, 1)
            used_area = used.areas.get(key)
            raw = result.raw.get((upper, used_area.ref if used_area is not None else cell.ref))
            if raw is None:
                if used_area is not None:
                    new.areas[key] = used_area
                continue
            rows, cols = _shape_of(raw[0])
            if (rows, cols) == (1, 1):
                if used_area is not None:
                    new.areas[key] = Area.at(cell.row, cell.col)
                continue
            area = Area.at(cell.row, cell.col, rows, cols)
            reason = _collision(sheet, by_name, area, pos, taken[name])
            if shared_master and not reason:
                reason = (f"formelen er kopiert til {f.get('ref')} som delt formel; en formel som gir en "
                          "tabell må skrives inn i én celle")
            if reason:
                new.blocked[key] = reason
            else:
                new.areas[key] = area
                taken[name].append(area)
    return new


def _collision(sheet: SheetLayout, by_name: dict[str, SheetLayout], area: Area, anchor: Pos,
               taken: list[Area]) -> str:
    if not area.within_sheet():
        return f"resultatet ({area.shape[0]}×{area.shape[1]}) går utenfor regnearket"
    for pos in area.cells():
        if pos == anchor:
            continue
        if pos in sheet.spill_owned:
            continue
        if not sheet.xml.is_blank(*pos):
            return f"cellen {make_ref(*pos)} i området {area.ref} er ikke tom"
    for merged in sheet.merged:
        if merged.intersects(area):
            return f"området {area.ref} overlapper de sammenslåtte cellene {merged.ref}"
    for master, cse in sheet.cse.items():
        if cse.intersects(area):
            return f"området {area.ref} overlapper matriseformelen i {make_ref(*master)}"
    for other in taken:
        if other.intersects(area):
            return f"området {area.ref} overlapper en annen dynamisk matrise ({other.ref})"
    return ""


def depends_on_change(old: SpillPlan, new: SpillPlan, result: PassResult) -> bool:
    """True when some formula reads a cell whose value the new spill plan changes."""
    changed: list[tuple[str, Area]] = []
    for key in set(old.areas) | set(new.areas) | set(old.blocked) | set(new.blocked):
        a, b = old.areas.get(key), new.areas.get(key)
        if a == b and (key in old.blocked) == (key in new.blocked):
            continue
        _, pos = key
        sheet = key[0]
        for area in (a, b, Area.at(*pos)):
            if area is not None:
                changed.append((sheet.upper(), area))
    if not changed:
        return False
    for sheet, ref_area in result.referenced:
        for csheet, area in changed:
            if sheet == csheet and ref_area.intersects(area):
                return True
    return False
