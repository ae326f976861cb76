"""The canonical ledger frame: raw columns validated and assembled, from a file or an Excel range.

:func:`build_frame` is shared by the CSV, XLSX and range readers: it normalises every code, period
and amount, collects every problem with its rows (:class:`~kostra_functions.ledger.problems.Problems`),
skips rows that are blank in every column read, and sets ``attrs``.
:func:`ledger_from_frame` validates a table from an Excel range the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.ledger.amounts import amount_problems, parse_amounts
from kostra_functions.ledger.codes import factorize, normalise_code, normalise_period
from kostra_functions.ledger.columns import KINDS, LABEL, Kind, checked_header
from kostra_functions.ledger.problems import Problems, Source, Widths, code_widths, source_error
from kostra_functions.rulesets import RuleSet
from kostra_functions.tables.headers import Column


def build_frame(values: dict[str, Any], columns: dict[str, Column], rows: np.ndarray, *, source: Source,
                kind: str, year: int | None, widths: Widths, amounts_are_text: bool, decimal: str,
                excel: bool = False) -> pd.DataFrame:
    """Validate the raw columns and assemble the canonical frame (shared by CSV, XLSX and ranges)."""
    n = len(rows)
    problems = Problems(source)
    blank_masks: dict[str, np.ndarray] = {}
    out: dict[str, Any] = {}
    padded_counts: dict[str, int] = {}
    # --- codes
    for name, width, exact in (("art", widths.art, True), ("ansvar", widths.ansvar, False),
                               ("funksjon", widths.funksjon, True), ("prosjekt", widths.prosjekt, False)):
        if name not in columns:  # only prosjekt is optional
            out[name] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), categories=[""])
            blank_masks[name] = np.ones(n, dtype=bool)
            continue
        codes, uniques = factorize(values[name])
        normal: list[str | None] = []
        bad_of: dict[int, str] = {}
        padded = 0
        for k, raw in enumerate(uniques):
            code, problem, was_padded = normalise_code(raw, name, width, exact=exact)
            if name == "art" and code is not None and code[0] not in widths.art_first:
                problem = (f"art «{code}» må begynne med {widths.art_first[0]} (drift) eller "
                           f"{widths.art_first[1]} (investering)")
                code = None
            if problem:
                bad_of[k] = problem
            padded += was_padded
            normal.append(code)
        padded_counts[name] = padded
        for k, problem in bad_of.items():
            problems.add(rows[codes == k], columns[name], problem)
        if (isinstance(values[name], pd.Categorical) and not bad_of and None not in normal
                and normal == list(uniques) and (codes >= 0).all()):
            # nothing to normalise (the usual case): keep the parsed categorical as it is
            out[name], blank_masks[name] = values[name], np.zeros(n, dtype=bool)
            continue
        out[name], blank_masks[name] = _recode(codes, normal, bad_of,
                                               blank_value="" if name == "prosjekt" else None)
    # --- period
    codes, uniques = factorize(values["periode"])
    per_of = np.zeros(len(uniques) + 1, dtype=np.int64)  # last slot: missing
    year_of = np.zeros(len(uniques) + 1, dtype=np.int64)
    per_bad = np.zeros(len(uniques) + 1, dtype=bool)
    per_blank = np.zeros(len(uniques) + 1, dtype=bool)
    per_blank[-1] = True
    for k, raw in enumerate(uniques):
        per, yr, problem = normalise_period(raw)
        if problem:
            per_bad[k] = True
            problems.add(rows[codes == k], columns["periode"], problem)
        elif per is None:
            per_blank[k] = True
        else:
            per_of[k] = per
            year_of[k] = yr or 0
    idx = np.where(codes < 0, len(uniques), codes)
    periode = per_of[idx]
    row_year = year_of[idx]
    blank_masks["periode"] = per_blank[idx]
    # --- amount
    amount_col = columns["belop"]
    amount, amount_blank = parse_amounts(values["belop"], as_text=amounts_are_text, decimal=decimal,
                                         rows=rows, column=amount_col, problems=problems)
    amount_problems(amount, rows, amount_col, problems)
    blank_masks["belop"] = amount_blank
    # --- blank rows: nothing in any column we read
    all_blank = np.ones(n, dtype=bool)
    for name in ("art", "ansvar", "funksjon", "periode", "belop", "prosjekt"):
        all_blank &= blank_masks[name]
    # --- required values missing in rows that are not blank
    hint = {
        "art": " (er dette en sumlinje? fjern den fra filen)",
        "belop": " (eller en formel uten lagret verdi: åpne og lagre arbeidsboken i Excel)" if excel else "",
    }
    for name in ("art", "ansvar", "funksjon", "periode", "belop"):
        missing = blank_masks[name] & ~all_blank
        if missing.any():
            problems.add(rows[missing], columns[name],
                         f"{LABEL[name]} mangler (tom celle){hint.get(name, '')}")
    # --- period rules
    valid_period = ~all_blank & ~blank_masks["periode"] & (periode > 0)
    if kind == "budsjett":
        p13 = valid_period & (periode == 13)
        if p13.any():
            problems.add(rows[p13], columns["periode"],
                         "budsjettet skal være periodisert på periode 1–12; periode 13 (årsavslutning) har "
                         "ikke budsjett")
    with_year = valid_period & (row_year > 0)
    found_year = year
    if with_year.any():
        years, counts = np.unique(row_year[with_year], return_counts=True)
        if year is None:
            found_year = int(years[np.argmax(counts)])
        for y in years:
            if int(y) != found_year:
                wrong = with_year & (row_year == y)
                why = (f"regnskapsåret er {found_year}" if year is not None
                       else f"de fleste radene gjelder {found_year}")
                problems.add(rows[wrong], columns["periode"],
                             f"perioden er i {int(y)}, men {why}; en fil skal bare ha ett år")
    problems.raise_if_any()
    keep = ~all_blank
    frame = pd.DataFrame({
        "art": out["art"],
        "ansvar": out["ansvar"],
        "funksjon": out["funksjon"],
        "prosjekt": out["prosjekt"],
        "periode": periode.astype(np.int64),
        "belop": amount,
        "kilde_rad": rows,
    })
    if not keep.all():
        frame = frame[keep].reset_index(drop=True)
        for name in ("art", "ansvar", "funksjon", "prosjekt"):
            frame[name] = frame[name].cat.remove_unused_categories()
    if len(frame) == 0:
        raise source_error(source, "filen har en overskriftsrad, men alle radene under er tomme.")
    frame.attrs.update({
        "kind": kind,
        "path": source.path,
        "aar": found_year,
        "kolonner": {name: c.header for name, c in columns.items()},
        "tomme_rader": [int(r) for r in rows[all_blank][:1000]],
        "utfylte_koder": {k: v for k, v in padded_counts.items() if v},
    })
    return frame


def _recode(codes: np.ndarray, normal: list[str | None], bad_of: dict[int, str], *,
            blank_value: str | None) -> tuple[pd.Categorical, np.ndarray]:
    """A categorical of the normalised codes (merging raw values that normalise alike) and a blank mask."""
    present = {c for c in normal if c is not None}
    cats = sorted(present | ({blank_value} if blank_value is not None else set()))
    position = {c: i for i, c in enumerate(cats)}
    lookup = np.full(len(normal) + 1, -1, dtype=np.int64)
    blank_lookup = np.zeros(len(normal) + 1, dtype=bool)
    fill = position[blank_value] if blank_value is not None else -1
    for k, code in enumerate(normal):
        if code is None:
            lookup[k] = fill if k not in bad_of else -1
            blank_lookup[k] = k not in bad_of
        else:
            lookup[k] = position[code]
    lookup[-1] = fill
    blank_lookup[-1] = True
    idx = np.where(codes < 0, len(normal), codes)
    new_codes = lookup[idx]
    if blank_value is None:
        new_codes = np.where(new_codes < 0, 0 if cats else -1, new_codes)  # blanks are errors; any filler
    return pd.Categorical.from_codes(new_codes, categories=cats or [""]), blank_lookup[idx]


def object_array(values: Iterable[Any]) -> np.ndarray:
    """A 1-D object array of ``values`` (never a 2-D array of tuples)."""
    items = list(values)
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr


def ledger_from_frame(
    df: pd.DataFrame,
    *,
    kind: Kind,
    source: str = "område",
    year: int | None = None,
    ruleset: str | RuleSet | None = None,
) -> pd.DataFrame:
    """Validate a table from an Excel range (header row as ``df.columns``, then the rows).

    Same columns, rules and messages as :func:`read_ledger`; ``kilde_rad`` counts the header as row
    1, so the first data row is 2 (the row within the range). ``source`` names the range in
    messages (e.g. ``"Ark1!A1:F200"``). Cell values may be numbers, text (``"1 234,50"``), blanks
    (``None``/NaN/``""``) or Excel error values; errors and blanks are refused where a value is
    required. ``year`` and ``ruleset`` as in :func:`read_ledger`. Kroner, expenses +, revenues −.
    """
    if kind not in KINDS:
        raise InvalidArgumentError(f"Filtypen må være «regnskap» eller «budsjett», ikke «{kind}».")
    src = Source(label=str(source), path=str(source))
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgumentError(f"{source}: forventet en tabell (DataFrame), fikk {type(df).__name__}.")
    cells = ["" if c is None or (isinstance(c, float) and math.isnan(c)) else c for c in df.columns]
    columns, _ = checked_header(cells, kind, src, row=1, place="området")
    if len(df) == 0:
        raise source_error(src, "området har en overskriftsrad, men ingen rader med data.")
    values: dict[str, Any] = {}
    for c in columns.values():
        col = df.iloc[:, c.index]
        if c.name == "belop" and col.dtype.kind in "fi":
            values[c.name] = col.to_numpy(dtype=np.float64)
        else:
            values[c.name] = col.to_numpy(dtype=object)
    rows = np.arange(2, len(df) + 2, dtype=np.int64)
    numeric_amount = values["belop"].dtype != object
    return build_frame(values, columns, rows, source=src, kind=kind, year=year, widths=code_widths(ruleset),
                       amounts_are_text=not numeric_amount, decimal=",", excel=True)
