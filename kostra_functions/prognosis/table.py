"""The report table of a district's deviation prognoses: header, rows, subtotals and totals.

The rows of the Excel table ``KOSTRA_AVVIK_TABELL`` (a dynamic array) and of the ``kostra prognose``
command: one row per function with function-area subtotals and a block total, earmarked projects as
their own block, a grand total; or by result unit. A failed figure is a :class:`Cell` carrying the
error value and the reason; sums including it too. Kroner rounded to øre, expenses +, deviation
+ = mindreforbruk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions.errors import OutOfRangeError
from kostra_functions.prognosis.amounts import round_array
from kostra_functions.prognosis.compute import AMOUNTS, Computed
from kostra_functions.prognosis.district import EARMARKED, NO_AREA_NAME, ORDINARY, UNALLOCATED_NAME
from kostra_functions.prognosis.rows import By, Group, columns_of, group_rows, method_label, report_order

HEADER = (
    "Del", "Funksjonsområde", "Funksjon", "Navn", "Metode", "Justert budsjett", "Regnskap hittil",
    "Budsjett hittil", "Avvik hittil", "Prognose", "Tiltak", "Fremført", "Avsetninger",
    "Forventet regnskap", "Avviksprognose",
)
_TABLE_AMOUNTS = ("justert_budsjett", "regnskap_hittil", "budsjett_hittil", "avvik_hittil", "prognose",
                  "tiltak", "fremfort", "avsetninger", "forventet_regnskap", "avviksprognose")
_TABLE_INDEX = [AMOUNTS.index(c) for c in _TABLE_AMOUNTS]
#: Header of the table by result unit (``kostra prognose --per resultatenhet``).
HEADER_BY_UNIT = ("Del", "Resultatenhet", "Navn resultatenhet", "Funksjonsområde", "Funksjon", "Navn",
                  *HEADER[4:])


@dataclass(frozen=True)
class Cell:
    """An error in a report cell: Excel shows ``code``; ``message`` says why (Norwegian)."""

    code: str
    message: str


def _cells(amounts: np.ndarray | list[float], code: str, reason: str) -> list[Any]:
    values = amounts[_TABLE_INDEX].tolist() if isinstance(amounts, np.ndarray) else amounts
    out: list[Any] = []
    for value in values:
        out.append(Cell(code or OutOfRangeError.excel_error, reason) if math.isnan(value) else value)
    return out


def _totals(parts: Sequence[Sequence[Group]], everything: Sequence[Group]) -> list[list[Any]]:
    """:func:`_total` of every part as table cells, in one vectorised step.

    Each part's rows are added in order (as ``np.sum(…, axis=0)``), then all sums are rounded at
    once; ``everything`` holds each group once.
    """
    if not parts:
        return []
    position = {id(g): i for i, g in enumerate(everything)}
    matrix = np.vstack([g.amounts for g in everything]) if everything else np.zeros((0, len(AMOUNTS)))
    target = [p for p, part in enumerate(parts) for _ in part]
    source = [position[id(g)] for part in parts for g in part]
    sums = np.zeros((len(parts), len(AMOUNTS)))
    np.add.at(sums, target, matrix[source])
    rounded = round_array(sums)[:, _TABLE_INDEX].tolist()
    out = []
    for part, values in zip(parts, rounded, strict=True):
        codes = [g.code for g in part if g.code]
        reason = " ".join(dict.fromkeys(g.reason for g in part if g.reason))
        out.append(_cells(values, codes[0] if codes else "", reason))
    return out


def report_rows(detail: pd.DataFrame | Computed, *, by: By = "funksjon") -> list[list[Any]]:
    """Header, rows, subtotals and totals as a list of rows (kroner rounded to øre).

    ``by="funksjon"``: one row per function; per block: function-area subtotals («Sum FO1 …») and a
    block total; earmarked projects as their own block; a grand total «Sum bydelen». ``by=
    "resultatenhet"``: rows per result unit and function with a subtotal per result unit. A failed
    figure is a :class:`Cell` carrying the error value and the reason; sums including it too.
    Subtotals and totals are sums of the rounded rows shown.
    """
    cols, attrs = columns_of(detail)
    order = report_order(cols, by, attrs.get("area_order", {}))
    out: list[list[Any]] = [list(HEADER if by == "funksjon" else HEADER_BY_UNIT)]
    blocks = cols["blokk"][order]
    everything: list[Group] = []
    # Sum rows are laid out first and filled in one step at the end: (row in out, label, groups).
    sums: list[tuple[int, list[Any], list[Group]]] = []
    for block in (ORDINARY, EARMARKED):
        members = order[blocks == block]
        if not len(members):
            continue
        if by == "funksjon":
            rows = group_rows(cols, ("blokk", "funksjonsomrade", "funksjon"), members)
            outer, outer_name = "funksjonsomrade", "funksjonsomrade_navn"
        else:
            rows = group_rows(cols, ("blokk", "resultatenhet", "funksjonsomrade", "funksjon"), members)
            outer, outer_name = "resultatenhet", "resultatenhet_navn"
        sections: dict[str, list[Group]] = {}
        for g in rows:
            sections.setdefault(g.keys[outer], []).append(g)
        for section, part in sections.items():
            for g in part:
                k = g.keys
                if by == "funksjon":
                    label = [block, k["funksjonsomrade"], k["funksjon"], k["funksjon_navn"]]
                else:
                    label = [block, k["resultatenhet"], k["resultatenhet_navn"], k["funksjonsomrade"],
                             k["funksjon"], k["funksjon_navn"]]
                out.append([*label, method_label(g.methods), *_cells(g.amounts, g.code, g.reason)])
            name = part[0].keys[outer_name]
            if by == "funksjon":
                label = [block, section, "Sum", f"Sum {section} {name or NO_AREA_NAME}".strip()]
            else:
                text = f"Sum {section} {name}".strip() if section else f"Sum {UNALLOCATED_NAME.lower()}"
                label = [block, section, "Sum", "", "", text]
            out.append([])
            sums.append((len(out) - 1, [*label, ""], part))
        blank = [""] * (0 if by == "funksjon" else 2)
        out.append([])
        sums.append((len(out) - 1, [block, "Sum", "", *blank, f"Sum {block.lower()}", ""], rows))
        everything += rows
    blank = [""] * (0 if by == "funksjon" else 2)
    out.append([])
    sums.append((len(out) - 1, ["Totalt", "", "", *blank, "Sum bydelen", ""], everything))
    for (at, label, _), cells in zip(sums, _totals([part for _, _, part in sums], everything), strict=True):
        out[at] = [*label, *cells]
    return out
