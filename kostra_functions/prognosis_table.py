"""Deviation prognoses for a whole district: by function area → KOSTRA function → result unit.

Seed 000 §2 asks for a deviation prognosis per KOSTRA function with earmarked projects (project
numbers starting with 2 or 3, rule set ``[oremerking]``) **separately**; §3 asks the status report to
the district council to show the development by function area, KOSTRA function and result unit.
This module turns a district's ledger (accounts to date) and periodised budget into that report:

* :func:`district_basis` maps both ledgers once and sums them into a 13-period matrix per detail
  row (block × function area × function × result unit); the Excel table caches it by content;
* :func:`compute` applies the methods (:mod:`kostra_functions.prognosis`, vectorised) for a period;
* :func:`district_prognosis` is the Python API (both steps), :func:`function_rows` sums the detail
  to one row per function, :func:`report_rows` lays out header, rows, subtotals and totals for the
  Excel table ``KOSTRA_AVVIK_TABELL`` and the ``kostra prognose`` command.

Signs and units: kroner, expenses +, revenues −. ``avvik_hittil = budsjett_hittil − regnskap_hittil``
and ``avviksprognose = forventet_budsjett − forventet_regnskap``: **+ = mindreforbruk** (underspend),
**− = merforbruk** (overspend). ``forventet_budsjett = justert_budsjett + fremført + avsetninger``;
``forventet_regnskap = prognose − tiltak``.

Rules (beyond those of :mod:`kostra_functions.prognosis`):

* The adjusted budget is the budget ledger's total over all periods; the budget to date sums its
  periods 1..m (m = 13 takes all). Accounts to date sum the account ledger's periods 1..m.
* Only operating rows (``kontoklasse == "drift"``) are followed up; investment rows are left out and
  counted in ``attrs["utelatt_investering"]`` (Fellesskriv 5/2022 is about the operating budget).
* ``profil`` uses one profile per block and function (all result units together), so the method
  stays additive: either last year's monthly accounts (``profile`` = last year's ledger) or, by
  default, the budget's own periodisation.
* Adjustments are given per function (``"253"``) or per function and result unit (``("253", "R1")``);
  they belong to ordinary operations. A function-level adjustment sits on a row with an empty result
  unit («ikke fordelt på resultatenhet»), created when needed, so nothing is split by guesswork.
* A function-level manual projection (method ``manuell``) also sits on that row, as the difference
  between the manual projection and the result units' own projections (made with ``method``, or the
  rule set's default when ``method`` is ``manuell``), so the function adds up to the manual figure.
* Rounding: each detail row's projection is rounded to øre so that a function's rows add up to the
  function's own rounded projection (largest remainder); all other figures are sums of øre amounts.
  Subtotals and totals are sums of the rounded rows, so every printed sum adds up.
* A row whose method cannot give a number (profile share 0, no manual projection, negative measures)
  is an error: :func:`district_prognosis` raises it (``errors="raise"``) or marks it
  (``errors="mark"``: NaN in the affected figures and the Norwegian reason in ``feil``); the table
  shows the Excel error in those cells and in every sum that includes them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from kostra_functions import prognosis as pg
from kostra_functions.errors import (
    InvalidArgumentError,
    KostraError,
    MissingArgumentError,
    OutOfRangeError,
)

ORDINARY = "Ordinær drift"
EARMARKED = "Øremerkede prosjekter"
UNALLOCATED_NAME = "Ikke fordelt på resultatenhet"
NO_AREA_NAME = "Uten funksjonsområde"

#: The figures of a row, in report order (kroner, rounded to øre).
AMOUNTS = (
    "justert_budsjett", "regnskap_hittil", "budsjett_hittil", "avvik_hittil", "prognose", "tiltak",
    "fremfort", "avsetninger", "forventet_budsjett", "forventet_regnskap", "avviksprognose",
)

AdjustmentKey = str | tuple[str, str]
Errors = Literal["raise", "mark"]
By = Literal["funksjon", "resultatenhet"]


# ---------------------------------------------------------------------------------------------
# The basis: ledgers summed into a period matrix per detail row


@dataclass(frozen=True, eq=False)
class DistrictBasis:
    """A district's accounts and budget per detail row and period (kroner, expenses +).

    ``rows`` has the key columns and names, one row per detail row, in report order (block,
    function area order of the rule set, function, result unit). ``actual`` and ``budget`` are
    arrays of shape (rows, 13): column p−1 holds period p.
    ``profiles`` maps (block, function) to last year's 13 period amounts when a last-year ledger
    was given. ``notes`` are Norwegian remarks for the report (rows left out and why).
    """

    rows: pd.DataFrame
    actual: np.ndarray
    budget: np.ndarray
    year: int
    ruleset: str | None
    profiles: Mapping[tuple[str, str], np.ndarray] | None = None
    notes: tuple[str, ...] = ()
    area_order: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def key_arrays(self) -> dict[str, np.ndarray]:
        """The key and name columns of :attr:`rows` as numpy object arrays of ``str``."""
        return {c: self.rows[c].astype(str).to_numpy(dtype=object) for c in _KEY_COLUMNS}


def _map(ledger: pd.DataFrame, *, year: int, ruleset: str | None, result_units: Any) -> pd.DataFrame:
    if "funksjonsomrade" in ledger.columns and "oremerket" in ledger.columns:
        return ledger
    from kostra_functions.mapping import map_ledger

    return map_ledger(ledger, year=year, ruleset=ruleset, result_units=result_units)


def _operating(mapped: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    if "kontoklasse" not in mapped.columns:
        return mapped, 0
    keep = mapped["kontoklasse"].astype(str) != "investering"
    return mapped[keep], int((~keep).sum())


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    column = frame[name]
    values = column.array
    if isinstance(values, pd.Categorical) and (codes := np.asarray(values.codes)).min(initial=0) >= 0:
        # The usual case (mapped ledgers): each category made text once, spread by integer codes.
        text = np.asarray([str(c) for c in values.categories], dtype=object)
        return pd.Series(text[codes], index=frame.index, dtype=object)
    return column.fillna("").astype(str)


def _detail_frame(mapped: pd.DataFrame) -> pd.DataFrame:
    earmarked = mapped["oremerket"].fillna(False).astype(bool).to_numpy()
    return pd.DataFrame({
        "blokk": np.where(earmarked, EARMARKED, ORDINARY),
        "funksjonsomrade": _text_column(mapped, "funksjonsomrade").to_numpy(),
        "funksjonsomrade_navn": _text_column(mapped, "funksjonsomrade_navn").to_numpy(),
        "funksjon": _text_column(mapped, "funksjon").to_numpy(),
        "funksjon_navn": _text_column(mapped, "funksjon_navn").to_numpy(),
        "resultatenhet": _text_column(mapped, "resultatenhet").to_numpy(),
        "resultatenhet_navn": _text_column(mapped, "resultatenhet_navn").to_numpy(),
        "periode": mapped["periode"].to_numpy(dtype=int),
        "belop": mapped["belop"].to_numpy(dtype=float),
    })


def _area_order(ruleset: str | None) -> dict[str, int]:
    from kostra_functions import areas

    return {a.code: a.order for a in areas.function_areas(ruleset)}


def district_basis(
    actuals: pd.DataFrame,
    budget: pd.DataFrame,
    *,
    year: int,
    ruleset: str | None = None,
    result_units: Any = None,
    last_year: pd.DataFrame | None = None,
) -> DistrictBasis:
    """Map a district's account and budget ledgers and sum them per detail row and period.

    ``actuals``/``budget``: ledgers from :func:`kostra_functions.ledger.read_ledger` (or already
    mapped by :func:`kostra_functions.mapping.map_ledger`); ``last_year``: last year's account
    ledger, for the ``profil`` method (profiles per block and function).
    """
    act = _map(actuals, year=year, ruleset=ruleset, result_units=result_units)
    bud = _map(budget, year=year, ruleset=ruleset, result_units=result_units)
    act, left_a = _operating(act)
    bud, left_b = _operating(bud)
    frames = [_detail_frame(act).assign(_src=0), _detail_frame(bud).assign(_src=1)]
    both = pd.concat(frames, ignore_index=True)
    bad = both[(both["periode"] < 1) | (both["periode"] > pg.YEAR_END_PERIOD)]
    if len(bad):
        raise OutOfRangeError(
            f"Ledgeren har periode {int(bad['periode'].iloc[0])}; periodene skal være 1–13."
        )
    order = _area_order(ruleset)
    both["_area_rank"] = both["funksjonsomrade"].map(order).fillna(len(order)).astype(int)
    keys = ["blokk", "_area_rank", "funksjonsomrade", "funksjon", "resultatenhet"]
    grouped = both.groupby(keys, sort=True, dropna=False)
    idx = grouped.ngroup().to_numpy()
    firsts = grouped[["funksjonsomrade_navn", "funksjon_navn", "resultatenhet_navn"]].first()
    rows = firsts.reset_index()
    # ordinary operations before earmarked projects
    rows["_block_rank"] = (rows["blokk"] == EARMARKED).astype(int)
    n = len(rows)
    actual = np.zeros((n, pg.YEAR_END_PERIOD))
    budgeted = np.zeros((n, pg.YEAR_END_PERIOD))
    src = both["_src"].to_numpy()
    per = both["periode"].to_numpy() - 1
    amount = both["belop"].to_numpy()
    np.add.at(actual, (idx[src == 0], per[src == 0]), amount[src == 0])
    np.add.at(budgeted, (idx[src == 1], per[src == 1]), amount[src == 1])
    sort = np.lexsort((rows["resultatenhet"].to_numpy(), rows["funksjon"].to_numpy(),
                       rows["_area_rank"].to_numpy(), rows["_block_rank"].to_numpy()))
    rows = rows.iloc[sort].reset_index(drop=True)
    actual, budgeted = actual[sort], budgeted[sort]
    rows = rows[["blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon", "funksjon_navn",
                 "resultatenhet", "resultatenhet_navn"]]
    notes = []
    if left_a or left_b:
        notes.append(
            f"{left_a + left_b} rader med investeringsarter (kontoklasse investering) er holdt utenfor "
            "driftsoppfølgingen."
        )
    profiles = None
    if last_year is not None:
        profiles = _last_year_profiles(last_year, year=year, ruleset=ruleset)
    return DistrictBasis(rows=rows, actual=actual, budget=budgeted, year=year, ruleset=ruleset,
                         profiles=profiles, notes=tuple(notes), area_order=order)


def _last_year_profiles(last_year: pd.DataFrame, *, year: int, ruleset: str | None
                        ) -> dict[tuple[str, str], np.ndarray]:
    """Last year's amounts per (block, function) and period 1–13 (kroner, expenses +).

    Mapped with this year's code list: a profile needs only the function and the project, and
    last year's catalog may be unavailable.
    """
    mapped, _ = _operating(_map(last_year, year=year, ruleset=ruleset, result_units=None))
    frame = _detail_frame(mapped)
    out: dict[tuple[str, str], np.ndarray] = {}
    for (block, function), part in frame.groupby(["blokk", "funksjon"], sort=False):
        vec = np.zeros(pg.YEAR_END_PERIOD)
        np.add.at(vec, part["periode"].to_numpy() - 1, part["belop"].to_numpy())
        out[(str(block), str(function))] = vec
    return out


def content_key(*parts: Any) -> str:
    """A hash of nested lists/values (Excel ranges), to cache work by the cells' content.

    Each part is digested on its own (:func:`kostra_functions.digest.content_digest`), so a
    range the Excel face has already digested for its own cache is not hashed a second time.
    """
    from kostra_functions.digest import content_digest

    return hashlib.blake2b(b"".join(content_digest(p) for p in parts), digest_size=16).hexdigest()


# ---------------------------------------------------------------------------------------------
# Adjustments


@dataclass(frozen=True)
class Adjustments:
    """Per-function (or function × result unit) inputs, ordinary operations; kroner.

    ``measures`` ≥ 0 (saving for the rest of the year), ``carried_forward`` (+ surplus, − deficit),
    ``central_allocations`` (+ allocation from chapters 303–308), ``manual_projections`` (method
    ``manuell``), ``methods`` (method per function).
    """

    measures: Mapping[AdjustmentKey, float] = field(default_factory=dict)
    carried_forward: Mapping[AdjustmentKey, float] = field(default_factory=dict)
    central_allocations: Mapping[AdjustmentKey, float] = field(default_factory=dict)
    manual_projections: Mapping[str, float] = field(default_factory=dict)
    methods: Mapping[str, str] = field(default_factory=dict)


def _split_key(key: AdjustmentKey, what: str) -> tuple[str, str]:
    if isinstance(key, tuple):
        if len(key) != 2:
            raise InvalidArgumentError(f"Nøkkelen {key!r} i «{what}» skal være (funksjon, resultatenhet).")
        function, unit = str(key[0]).strip(), str(key[1] or "").strip()
    else:
        function, unit = str(key).strip(), ""
    if not (len(function) == 3 and function.isdigit()):
        raise InvalidArgumentError(f"Funksjonen «{function}» i «{what}» skal være tre sifre, f.eks. 253.")
    return function, unit


# ---------------------------------------------------------------------------------------------
# Computing a period


def _round_array(values: np.ndarray) -> np.ndarray:
    """Øre rounding as :func:`kostra_functions.prognosis.round_ore`, element by element, any shape.

    Vectorised with the same fast rule as ``round_ore`` (below a milliard and away from a half øre,
    the nearest øre); the few other values go through ``round_ore`` itself.
    """
    values = np.asarray(values, dtype=float)
    if values.size <= 24:  # a row or a few sums: plain floats beat a dozen numpy calls
        flat = [pg.round_ore(x) for x in values.reshape(-1).tolist()]
        return np.array(flat, dtype=float).reshape(values.shape) + 0.0
    scaled = values * 100.0
    ore = np.floor(scaled)
    rest = scaled - ore
    with np.errstate(invalid="ignore"):
        fast = (np.abs(values) < 1e9) & ((rest < 0.499) | (rest > 0.501))
    out = (ore + (rest > 0.5)) / 100.0
    slow = np.flatnonzero(~fast)
    if len(slow):
        flat_in, flat_out = values.reshape(-1), out.reshape(-1)
        for i in slow.tolist():
            flat_out[i] = pg.round_ore(float(flat_in[i]))  # NaN and ±inf stay as they are
    return out + 0.0


def _round_groups(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Round each value to øre so each group's rounded values add up to its rounded total."""
    out = _round_array(values)
    vals = values.tolist()
    members_of: dict[Any, list[int]] = {}
    for i, g in enumerate(groups.tolist()):
        if vals[i] == vals[i]:  # not NaN
            members_of.setdefault(g, []).append(i)
    for members in members_of.values():  # per group with two or more rows (plain floats: small groups)
        if len(members) < 2:
            continue
        v = [vals[i] for i in members]
        target = pg.round_ore(float(math.fsum(v)))
        cents = [math.floor(x * 100.0 + 1e-7) for x in v]
        remainder = [x * 100.0 - c for x, c in zip(v, cents, strict=True)]
        missing = round(float(target * 100.0 - sum(cents)))  # cents are whole: any order sums exactly
        order = sorted(range(len(v)), key=lambda j: -remainder[j])  # stable, as argsort(kind="stable")
        add = [0.0] * len(v)
        if missing >= 0:
            for j in order[:missing]:
                add[j] = 1.0
        else:
            for j in order[::-1][:-missing]:
                add[j] = -1.0
        for j, i in enumerate(members):
            out[i] = (cents[j] + add[j]) / 100.0
    return out + 0.0


_KEY_COLUMNS = ("blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon", "funksjon_navn",
                "resultatenhet", "resultatenhet_navn")


@dataclass
class Computed:
    """One period's detail rows as arrays (``columns``: key/name columns, ``metode``, :data:`AMOUNTS`
    in kroner rounded to øre, ``feil``, ``feil_kode``, optionally ``forklaring``) and facts for notes."""

    columns: dict[str, np.ndarray]
    attrs: dict[str, Any]

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.columns)
        out.attrs.update(self.attrs)
        return out


def compute(
    basis: DistrictBasis,
    period: int,
    *,
    method: str | None = None,
    adjustments: Adjustments | None = None,
    profile: Literal["budsjett", "fjoråret"] | Mapping[str, Sequence[float]] | None = None,
    errors: Errors = "raise",
    explain: bool = True,
) -> pd.DataFrame:
    """The detail rows (block × area × function × result unit) for one period, as a DataFrame.

    ``profile``: ``None`` = last year's accounts when the basis has them, else the budget's
    periodisation; ``"budsjett"``/``"fjoråret"`` to choose; or a mapping function → 12/13 amounts.
    See the module docstring for the rules. Columns: the key and name columns, ``metode``, the
    figures in :data:`AMOUNTS` (kroner, rounded to øre), ``feil``/``feil_kode`` (the reason and the
    Excel error value where a prognosis failed), ``forklaring`` (when ``explain``).
    """
    return compute_arrays(basis, period, method=method, adjustments=adjustments, profile=profile,
                          errors=errors, explain=explain).frame()


def compute_arrays(
    basis: DistrictBasis,
    period: int,
    *,
    method: str | None = None,
    adjustments: Adjustments | None = None,
    profile: Literal["budsjett", "fjoråret"] | Mapping[str, Sequence[float]] | None = None,
    errors: Errors = "raise",
    explain: bool = True,
) -> Computed:
    """As :func:`compute`, returning numpy arrays (the fast path of the Excel table)."""
    period = pg.check_period(period)
    ruleset = basis.ruleset
    default = pg.default_method(ruleset)
    method_ = pg.normalise_method(method, default=default)
    adj = adjustments or Adjustments()
    cf_from = pg.carried_forward_from(ruleset)
    keys = basis.key_arrays

    # function-level rows for function-level adjustments ("ikke fordelt på resultatenhet")
    wanted: set[tuple[str, str]] = set()
    amounts: dict[str, dict[tuple[str, str], float]] = {}
    for name, mapping in (("tiltak", adj.measures), ("fremført", adj.carried_forward),
                          ("avsetninger", adj.central_allocations)):
        amounts[name] = {}
        for key, value in mapping.items():
            fk = _split_key(key, name)
            amounts[name][fk] = amounts[name].get(fk, 0.0) + pg.finite_number(value, f"{name} for {fk[0]}")
            wanted.add(fk)
    manual: dict[str, float] = {}
    for key, value in adj.manual_projections.items():
        function, unit = _split_key(key, "manuell prognose")
        if unit:
            raise InvalidArgumentError(
                f"Manuell prognose for funksjon {function} gis for hele funksjonen, ikke per resultatenhet."
            )
        manual[function] = pg.finite_number(value, f"manuell prognose for {function}")
    methods_by_function = {_split_key(k, "metode")[0]: pg.normalise_method(v, default=method_)
                           for k, v in adj.methods.items()}
    manual_functions = set(manual) | {f for f, m in methods_by_function.items() if m == pg.MANUAL}
    if method_ == pg.MANUAL:
        manual_functions |= set(keys["funksjon"][keys["blokk"] == ORDINARY].tolist())
    wanted |= {(f, "") for f in manual_functions}
    keys, actual_m, budget_m = _with_unallocated_rows(basis, keys, basis.actual, basis.budget, wanted)

    n = len(keys["blokk"])
    block, functions, units = keys["blokk"], keys["funksjon"], keys["resultatenhet"]
    ordinary = block == ORDINARY
    adjusted_budget = budget_m.sum(axis=1)
    actual_ytd = actual_m[:, :period].sum(axis=1)
    budget_ytd = budget_m[:, :period].sum(axis=1)

    # Method per row. A manual function's result units are projected with periodisert (always
    # defined) and its unallocated row carries the rest up to the manual figure; earmarked rows of a
    # manual function (manual figures are for ordinary operations) use the district's computed method.
    row_method = np.array([methods_by_function.get(f, method_) for f in functions.tolist()], dtype=object)
    manual_row = ordinary & np.isin(functions, list(manual_functions))
    base = method_ if method_ != pg.MANUAL else (default if default != pg.MANUAL else pg.PERIODISED)
    compute_method = np.where(manual_row, pg.PERIODISED, row_method)
    compute_method = np.where(compute_method == pg.MANUAL, base, compute_method)
    shown_method = np.where(manual_row & (units == ""), pg.MANUAL, compute_method)

    share = np.full(n, np.nan)
    errors_: list[tuple[str, str]] = [("", "")] * n
    needs_profile = compute_method == pg.PROFILE
    if needs_profile.any() and 0 < period < pg.MONTHS:
        share, share_msg = _shares(basis, block, functions, budget_m, period, profile, needs_profile)
        for i, msg in share_msg.items():
            errors_[i] = (OutOfRangeError.excel_error, msg)

    projection, _invalid = pg.project_array(compute_method, period, adjusted_budget, actual_ytd,
                                            budget_ytd, share, None)
    rounded = _round_groups(projection, block + "|" + functions)
    for function in sorted(manual_functions):
        members = np.flatnonzero(ordinary & (functions == function))
        target = members[units[members] == ""][0]
        if function not in manual:
            for i in members:
                errors_[i] = (MissingArgumentError.excel_error,
                              f"Funksjon {function} har metoden manuell, men ingen manuell prognose er gitt.")
            continue
        others = members[members != target]
        rounded[target] = pg.round_ore(pg.round_ore(manual[function]) - float(rounded[others].sum()))

    def amount_column(name: str) -> np.ndarray:
        col = np.zeros(n)
        for (function, unit), value in amounts[name].items():
            hit = np.flatnonzero(ordinary & (functions == function) & (units == unit))
            col[hit[0]] += value
        return _round_array(col)

    measures = amount_column("tiltak")
    carried_given = amount_column("fremført")
    allocations = amount_column("avsetninger")
    carried = carried_given if period >= cf_from else np.zeros(n)
    for i in np.flatnonzero(measures != 0):
        try:
            pg.check_measures(float(measures[i]), period)
        except KostraError as exc:
            errors_[i] = (exc.excel_error, f"Funksjon {functions[i]}: {exc.message}")
    if errors == "raise" and any(m for _, m in errors_):
        raise _combined_error([e for e in errors_ if e[1]])
    failed = np.array([bool(m) for _, m in errors_], dtype=bool)
    budget_r = _round_array(adjusted_budget)
    actual_r = _round_array(actual_ytd)
    budget_ytd_r = _round_array(budget_ytd)
    prognose = np.where(failed, np.nan, rounded)
    expected_accounts = _round_array(prognose - measures)
    expected_budget = _round_array(budget_r + carried + allocations)
    columns: dict[str, np.ndarray] = dict(keys)
    columns.update({
        "metode": shown_method,
        "justert_budsjett": budget_r,
        "regnskap_hittil": actual_r,
        "budsjett_hittil": budget_ytd_r,
        "avvik_hittil": _round_array(budget_ytd_r - actual_r),
        "prognose": prognose,
        "tiltak": measures,
        "fremfort": carried,
        "avsetninger": allocations,
        "forventet_budsjett": expected_budget,
        "forventet_regnskap": expected_accounts,
        "avviksprognose": _round_array(expected_budget - expected_accounts),
        "feil": np.array([m for _, m in errors_], dtype=object),
        "feil_kode": np.array([c for c, _ in errors_], dtype=object),
    })
    if explain:
        columns["forklaring"] = np.array([
            _explain_row({c: v[i] for c, v in columns.items()}, period, share[i], carried_given[i], cf_from,
                         bool(manual_row[i]))
            for i in range(n)
        ], dtype=object)
    attrs = {"period": period, "method": method_, "carried_forward_from": cf_from, "notes": list(basis.notes),
             "carried_forward_ignored": float(carried_given.sum()) if period < cf_from else 0.0,
             "area_order": dict(basis.area_order)}
    return Computed(columns, attrs)


def _with_unallocated_rows(basis: DistrictBasis, keys: dict[str, np.ndarray], actual_m: np.ndarray,
                           budget_m: np.ndarray, wanted: set[tuple[str, str]]
                           ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    ordinary = keys["blokk"] == ORDINARY
    existing = set(zip(keys["funksjon"][ordinary].tolist(), keys["resultatenhet"][ordinary].tolist(),
                       strict=True))
    missing = sorted(wanted - existing)
    if not missing:
        return keys, actual_m, budget_m
    from kostra_functions import areas

    known_units = set(keys["resultatenhet"].tolist())
    new: list[dict[str, str]] = []
    for function, unit in missing:
        if unit and unit not in known_units:
            raise InvalidArgumentError(
                f"Resultatenheten «{unit}» (justering for funksjon {function}) finnes ikke i regnskapet "
                "eller budsjettet."
            )
        same = np.flatnonzero(keys["funksjon"] == function)
        if len(same):
            area_code = keys["funksjonsomrade"][same[0]]
            area_name = keys["funksjonsomrade_navn"][same[0]]
            function_name = keys["funksjon_navn"][same[0]]
        else:
            area = areas.area_of(function, basis.ruleset)
            area_code, area_name = area.code, area.name
            function_name = _function_name(function, basis.year)
        unit_name = UNALLOCATED_NAME
        if unit:
            unit_name = keys["resultatenhet_navn"][np.flatnonzero(keys["resultatenhet"] == unit)[0]]
        new.append({"blokk": ORDINARY, "funksjonsomrade": area_code, "funksjonsomrade_navn": area_name,
                    "funksjon": function, "funksjon_navn": function_name, "resultatenhet": unit,
                    "resultatenhet_navn": unit_name})
    merged = {c: np.concatenate([keys[c], np.array([r[c] for r in new], dtype=object)]) for c in _KEY_COLUMNS}
    actual_all = np.vstack([actual_m, np.zeros((len(new), pg.YEAR_END_PERIOD))])
    budget_all = np.vstack([budget_m, np.zeros((len(new), pg.YEAR_END_PERIOD))])
    rank = np.array([basis.area_order.get(a, len(basis.area_order)) for a in merged["funksjonsomrade"]])
    units = merged["resultatenhet"]
    sort = np.lexsort((units, units == "", merged["funksjon"], rank, merged["blokk"] == EARMARKED))
    return {c: v[sort] for c, v in merged.items()}, actual_all[sort], budget_all[sort]


def _function_name(function: str, year: int) -> str:
    try:
        from kostra_functions.codes.catalog import Catalog

        return Catalog.for_year(year).name(function, "funksjon")
    except KostraError:
        return ""


def _shares(basis: DistrictBasis, block: np.ndarray, functions: np.ndarray, budget_m: np.ndarray,
            period: int, profile: Any, needs: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
    """Profile share per row (per block and function) and the reason where it is unusable."""
    n = len(block)
    share = np.full(n, np.nan)
    messages: dict[int, str] = {}
    source = profile
    if source is None:
        source = "fjoråret" if basis.profiles is not None else "budsjett"
    budget_profiles: dict[tuple[str, str], np.ndarray] = {}
    if isinstance(source, str) and source.strip().lower() == "budsjett":
        for i in range(n):
            key = (block[i], functions[i])
            budget_profiles[key] = budget_profiles.get(key, np.zeros(pg.YEAR_END_PERIOD)) + budget_m[i]
        label = "budsjettets periodisering"
    elif isinstance(source, str) and source.strip().lower() in ("fjoråret", "fjoraret", "fjor"):
        if basis.profiles is None:
            raise MissingArgumentError("Metoden profil etter fjoråret krever fjorårets regnskap.")
        budget_profiles = dict(basis.profiles)
        label = "fjorårets regnskap"
    elif isinstance(source, Mapping):
        for key, values in source.items():
            for b in (ORDINARY, EARMARKED):
                budget_profiles[(b, _split_key(key, "profil")[0])] = np.asarray(
                    [pg.finite_number(v, f"profil for {key}") for v in values], dtype=float)
        label = "oppgitt profil"
    else:
        raise InvalidArgumentError(f"Profilen «{source}» er ukjent; bruk «budsjett» eller «fjoråret».")
    cache: dict[tuple[str, str], tuple[float, str]] = {}
    for i in np.flatnonzero(needs):
        key = (block[i], functions[i])
        if key not in cache:
            values = budget_profiles.get(key)
            if values is None:
                cache[key] = (math.nan, f"Funksjon {key[1]} ({key[0].lower()}): {label} har ingen beløp, "
                              "så metoden profil kan ikke brukes. Velg en annen metode for funksjonen.")
            else:
                try:
                    cache[key] = (pg.profile_share(list(values), period, arg=f"profil for {key[1]}"), "")
                except KostraError as exc:
                    cache[key] = (math.nan, f"Funksjon {key[1]} ({key[0].lower()}, {label}): {exc.message}")
        share[i], msg = cache[key]
        if msg:
            messages[i] = msg
    return share, messages


def _combined_error(errors: list[tuple[str, str]]) -> KostraError:
    unique = list(dict.fromkeys(m for _, m in errors))
    text = " ".join(unique[:5]) + (f" (og {len(unique) - 5} til)" if len(unique) > 5 else "")
    cls = OutOfRangeError if errors[0][0] == OutOfRangeError.excel_error else InvalidArgumentError
    return cls(text)


def _explain_row(row: Mapping[str, Any], period: int, share: float, carried_given: float, cf_from: int,
                 manual_function: bool) -> str:
    if row["feil"]:
        return f"Feil: {row['feil']}"
    f = pg.format_amount
    method = row["metode"]
    actual, budget = row["regnskap_hittil"], row["justert_budsjett"]
    if method == pg.MANUAL:
        head = f"Manuell: {f(row['prognose'])}"
        if row["resultatenhet"] == "":
            head += " (controllerens prognose for funksjonen minus resultatenhetenes egne prognoser)"
    elif period == 0:
        head = f"Periode 0 (ingen måned lukket): prognose = justert budsjett {f(budget)}"
        if manual_function:
            head += " (funksjonen har manuell prognose; resultatenheten er fremskrevet periodisert)"
    elif period >= pg.MONTHS:
        head = f"Periode {period}: prognose = regnskap hittil {f(actual)}"
    elif method == pg.LINEAR:
        head = f"Lineær: {f(actual)} × 12 / {period} = {f(row['prognose'])}"
    elif method == pg.PERIODISED:
        head = (f"Periodisert: {f(actual)} + ({f(budget)} - {pg.term(row['budsjett_hittil'])}) "
                f"= {f(row['prognose'])}")
        if manual_function:
            head += " (funksjonen har manuell prognose; resultatenheten er fremskrevet periodisert)"
    else:
        head = f"Profil: {f(actual)} / {pg.share_text(share)} = {f(row['prognose'])}"
    p = pg.Prognosis(
        method=method, period=period, adjusted_budget=budget, actual_ytd=actual,
        projection=row["prognose"], measures=row["tiltak"], expected_accounts=row["forventet_regnskap"],
        carried_forward=row["fremfort"], carried_forward_given=carried_given,
        central_allocations=row["avsetninger"], expected_budget=row["forventet_budsjett"],
        deviation=row["avviksprognose"], projection_explanation=head, carried_forward_from=cf_from,
    )
    return pg.explain(p)


# ---------------------------------------------------------------------------------------------
# The Python API


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


def _columns_of(detail: pd.DataFrame | Computed) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if isinstance(detail, Computed):
        return detail.columns, detail.attrs
    return {c: detail[c].to_numpy() for c in detail.columns}, dict(detail.attrs)


def _order(columns: Mapping[str, np.ndarray], by: str, area_order: Mapping[str, int]) -> np.ndarray:
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
    columns, attrs = _columns_of(detail)
    order = _order(columns, by, area_order if area_order is not None else attrs.get("area_order", {}))
    out = detail.iloc[order].reset_index(drop=True)
    out.attrs = attrs
    return out


@dataclass
class _Group:
    """Rows summed for the report: keys, figures (øre), methods, first error code and reasons."""

    keys: dict[str, Any]
    amounts: np.ndarray
    methods: list[str]
    code: str
    reason: str


def _groups(cols: Mapping[str, np.ndarray], key_columns: Sequence[str],
            rows: Sequence[int] | np.ndarray) -> list[_Group]:
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
    rounded = _round_array(sums)
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
        out.append(_Group(
            keys=keys,
            amounts=rounded[g],
            methods=list(dict.fromkeys(methods[i] for i in members)),
            code=codes[0] if codes else "",
            reason=" ".join(dict.fromkeys(reasons_of[i] for i in members if reasons_of[i])),
        ))
    return out


def _method_label(methods: Sequence[str]) -> str:
    return pg.MANUAL if pg.MANUAL in methods else "/".join(methods)


def function_rows(detail: pd.DataFrame | Computed) -> pd.DataFrame:
    """The detail summed to one row per block and function (the level Agresso takes; Fellesskriv 5/2022 §2).

    A function with a manual projection has the method «manuell»; otherwise its rows' methods
    (joined by «/» if they differ). A failed row makes the function's failing figures NaN and
    carries its reason in ``feil``. Kroner rounded to øre; deviation + = mindreforbruk.
    """
    cols, attrs = _columns_of(detail)
    groups = _groups(cols, ("blokk", "funksjonsomrade", "funksjon"),
                     _order(cols, "funksjon", attrs.get("area_order", {})))
    records = []
    for g in groups:
        record = {k: g.keys[k] for k in ("blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon",
                                          "funksjon_navn")}
        record["metode"] = _method_label(g.methods)
        record.update(zip(AMOUNTS, g.amounts.tolist(), strict=True))
        record["feil"], record["feil_kode"] = g.reason, g.code
        records.append(record)
    out = pd.DataFrame.from_records(records, columns=[
        "blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon", "funksjon_navn", "metode",
        *AMOUNTS, "feil", "feil_kode"])
    out.attrs = attrs
    return out


# ---------------------------------------------------------------------------------------------
# The report table (Excel dynamic array and CLI)

#: Header of the function-level table (KOSTRA_AVVIK_TABELL and ``kostra prognose``).
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


def _totals(parts: Sequence[Sequence[_Group]], everything: Sequence[_Group]) -> list[list[Any]]:
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
    rounded = _round_array(sums)[:, _TABLE_INDEX].tolist()
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
    cols, attrs = _columns_of(detail)
    order = _order(cols, by, attrs.get("area_order", {}))
    out: list[list[Any]] = [list(HEADER if by == "funksjon" else HEADER_BY_UNIT)]
    blocks = cols["blokk"][order]
    everything: list[_Group] = []
    # Sum rows are laid out first and filled in one step at the end: (row in out, label, groups).
    sums: list[tuple[int, list[Any], list[_Group]]] = []
    for block in (ORDINARY, EARMARKED):
        members = order[blocks == block]
        if not len(members):
            continue
        if by == "funksjon":
            rows = _groups(cols, ("blokk", "funksjonsomrade", "funksjon"), members)
            outer, outer_name = "funksjonsomrade", "funksjonsomrade_navn"
        else:
            rows = _groups(cols, ("blokk", "resultatenhet", "funksjonsomrade", "funksjon"), members)
            outer, outer_name = "resultatenhet", "resultatenhet_navn"
        sections: dict[str, list[_Group]] = {}
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
                out.append([*label, _method_label(g.methods), *_cells(g.amounts, g.code, g.reason)])
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
