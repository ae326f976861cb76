"""A district's detail rows as the Python API gives them: sorted for the report, summed per function.

:func:`district_prognosis` is the Python API (basis and computation in one call), :func:`sort_rows`
puts detail rows in report order, :func:`function_rows` sums them to one row per function (the level
Agresso takes), and :func:`group_rows` is the summing the report table
(:mod:`kostra_functions.prognosis.table`) shares. Sums of rounded rows, so every printed sum adds up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.prognosis.adjustments import AdjustmentKey, Adjustments
from kostra_functions.prognosis.amounts import round_array
from kostra_functions.prognosis.compute import AMOUNTS, Computed, Errors, compute
from kostra_functions.prognosis.district import EARMARKED, district_basis
from kostra_functions.prognosis.methods import MANUAL

By = Literal["funksjon", "resultatenhet"]


def district_prognosis(
    actuals: pd.DataFrame,
    budget: pd.DataFrame,
    period: int,
    *,
    year: int,
    method: str | None = None,
    methods_by_function: Mapping[str, str] | None = None,
    profile: pd.DataFrame | Mapping[str, Sequence[float]] | Literal["budsjett"] | None = None,
    measures: Mapping[AdjustmentKey, float] | None = None,
    carried_forward: Mapping[AdjustmentKey, float] | None = None,
    central_allocations: Mapping[AdjustmentKey, float] | None = None,
    manual_projections: Mapping[str, float] | None = None,
    ruleset: str | None = None,
    result_units: Any = None,
    by: By = "funksjon",
    errors: Errors = "raise",
    explain: bool = True,
) -> pd.DataFrame:
    """Deviation prognoses for a whole district, one row per block × function × result unit.

    ``actuals``: account ledger to date; ``budget``: periodised adjusted budget (both from
    :func:`kostra_functions.ledger.read_ledger`); ``period`` 0–13 (last closed period); ``year``:
    the accounting year (code list and names). ``method``: the district's method (blank = rule set
    default, Oslo ``periodisert``); ``methods_by_function``: function → method. ``profile``: last
    year's account ledger (profiles per function), a mapping function → 12/13 monthly amounts, or
    ``"budsjett"`` / ``None`` for the budget's periodisation. ``measures`` (≥ 0, saving for the rest
    of the year), ``carried_forward`` (+ surplus, − deficit, counted from the rule set's
    ``fremfort_fra_periode``), ``central_allocations`` (+ allocation from chapters 303–308) and
    ``manual_projections`` are keyed by function (``"253"``) or by (function, result unit).

    Rows are sorted ``by="funksjon"``: block → function area → function → result unit, or
    ``by="resultatenhet"``: block → result unit → function area → function (Fellesskriv 5/2022 §3: the report
    is sorted by function area, KOSTRA function and result unit). Amount columns in kroner rounded to
    øre; ``avviksprognose`` = ``forventet_budsjett`` − ``forventet_regnskap``, + = mindreforbruk,
    − = merforbruk. ``errors="raise"`` raises a row's error; ``"mark"`` keeps it in ``feil``.
    """
    last_year = profile if isinstance(profile, pd.DataFrame) else None
    basis = district_basis(actuals, budget, year=year, ruleset=ruleset, result_units=result_units,
                           last_year=last_year)
    adj = Adjustments(
        measures=measures or {}, carried_forward=carried_forward or {},
        central_allocations=central_allocations or {}, manual_projections=manual_projections or {},
        methods=methods_by_function or {},
    )
    chosen = None if isinstance(profile, pd.DataFrame) else profile
    detail = compute(basis, period, method=method, adjustments=adj, profile=chosen, errors=errors,
                     explain=explain)
    return sort_rows(detail, by=by, area_order=basis.area_order)


def columns_of(detail: pd.DataFrame | Computed) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(columns, attrs)`` of detail rows given as a DataFrame or as :class:`Computed` arrays."""
    if isinstance(detail, Computed):
        return detail.columns, detail.attrs
    return {c: detail[c].to_numpy() for c in detail.columns}, dict(detail.attrs)


def report_order(columns: Mapping[str, np.ndarray], by: str, area_order: Mapping[str, int]) -> np.ndarray:
    """Row indices in report order ``by`` function or result unit (see :func:`sort_rows`)."""
    if by not in ("funksjon", "resultatenhet"):
        raise InvalidArgumentError(f"«{by}» er ukjent; sorter etter «funksjon» eller «resultatenhet».")
    rank = np.array([area_order.get(a, len(area_order)) for a in columns["funksjonsomrade"].tolist()])
    block = columns["blokk"] == EARMARKED
    f, u = columns["funksjon"], columns["resultatenhet"]
    unallocated = u == ""  # «ikke fordelt på resultatenhet» after the result units
    if by == "funksjon":
        return np.lexsort((u, unallocated, f, rank, block))
    return np.lexsort((f, rank, u, unallocated, block))


def sort_rows(detail: pd.DataFrame, *, by: By = "funksjon", area_order: Mapping[str, int] | None = None
              ) -> pd.DataFrame:
    """Detail rows in report order: by function (block → area → function → result unit) or by result
    unit (block → result unit → area → function); the unallocated row after a function's units."""
    columns, attrs = columns_of(detail)
    order = report_order(columns, by, area_order if area_order is not None else attrs.get("area_order", {}))
    out = detail.iloc[order].reset_index(drop=True)
    out.attrs = attrs
    return out


@dataclass
class Group:
    """Rows summed for the report: keys, figures (øre), methods, first error code and reasons."""

    keys: dict[str, Any]
    amounts: np.ndarray
    methods: list[str]
    code: str
    reason: str


def group_rows(cols: Mapping[str, np.ndarray], key_columns: Sequence[str],
            rows: Sequence[int] | np.ndarray) -> list[Group]:
    """Sum detail rows by ``key_columns`` in order of first appearance (NaN propagates).

    Each group's rows are added in row order (as ``amounts[members].sum(axis=0)`` does) and every
    group is rounded in one vectorised step.
    """
    amounts = np.column_stack([np.asarray(cols[c], dtype=float) for c in AMOUNTS])
    rows_ = np.asarray(rows, dtype=np.int64).tolist()
    key_lists = [np.asarray(cols[c], dtype=object).tolist() for c in key_columns]
    index: dict[tuple[Any, ...], list[int]] = {}
    for i in rows_:
        index.setdefault(tuple(k[i] for k in key_lists), []).append(i)
    if not index:
        return []
    members_flat = [i for members in index.values() for i in members]
    group_of = [g for g, members in enumerate(index.values()) for _ in members]
    sums = np.zeros((len(index), len(AMOUNTS)))
    np.add.at(sums, group_of, amounts[members_flat])
    rounded = round_array(sums)
    names = {c: np.asarray(cols[c], dtype=object).tolist()
             for c in ("funksjonsomrade_navn", "funksjon_navn", "resultatenhet_navn")}
    methods = np.asarray(cols["metode"], dtype=object).tolist()
    codes_of = np.asarray(cols["feil_kode"], dtype=object).tolist()
    reasons_of = np.asarray(cols["feil"], dtype=object).tolist()
    out = []
    for g, (key, members) in enumerate(index.items()):
        first = members[0]
        keys = dict(zip(key_columns, key, strict=True))
        for c, values in names.items():
            keys.setdefault(c, values[first])
        codes = [codes_of[i] for i in members if codes_of[i]]
        out.append(Group(
            keys=keys,
            amounts=rounded[g],
            methods=list(dict.fromkeys(methods[i] for i in members)),
            code=codes[0] if codes else "",
            reason=" ".join(dict.fromkeys(reasons_of[i] for i in members if reasons_of[i])),
        ))
    return out


def method_label(methods: Sequence[str]) -> str:
    """The method shown for summed rows: «manuell» if any row is manual, else the methods joined by «/»."""
    return MANUAL if MANUAL in methods else "/".join(methods)


def function_rows(detail: pd.DataFrame | Computed) -> pd.DataFrame:
    """The detail summed to one row per block and function (the level Agresso takes; Fellesskriv 5/2022 §2).

    A function with a manual projection has the method «manuell»; otherwise its rows' methods
    (joined by «/» if they differ). A failed row makes the function's failing figures NaN and
    carries its reason in ``feil``. Kroner rounded to øre; deviation + = mindreforbruk.
    """
    cols, attrs = columns_of(detail)
    groups = group_rows(cols, ("blokk", "funksjonsomrade", "funksjon"),
                     report_order(cols, "funksjon", attrs.get("area_order", {})))
    records = []
    for g in groups:
        record = {k: g.keys[k] for k in ("blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon",
                                          "funksjon_navn")}
        record["metode"] = method_label(g.methods)
        record.update(zip(AMOUNTS, g.amounts.tolist(), strict=True))
        record["feil"], record["feil_kode"] = g.reason, g.code
        records.append(record)
    out = pd.DataFrame.from_records(records, columns=[
        "blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon", "funksjon_navn", "metode",
        *AMOUNTS, "feil", "feil_kode"])
    out.attrs = attrs
    return out
