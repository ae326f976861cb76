"""One period's deviation prognoses for a whole district, from its basis and the controller's adjustments.

:func:`compute` applies the methods (:mod:`kostra_functions.prognosis.methods`, vectorised) to a
:class:`~kostra_functions.prognosis.district.DistrictBasis` for a period, giving one detail row per
block × function area × function × result unit.

Signs and units: kroner, expenses +, revenues −. ``avvik_hittil = budsjett_hittil − regnskap_hittil``
and ``avviksprognose = forventet_budsjett − forventet_regnskap``: **+ = mindreforbruk** (underspend),
**− = merforbruk** (overspend). ``forventet_budsjett = justert_budsjett + fremført + avsetninger``;
``forventet_regnskap = prognose − tiltak``.

Rules (beyond those of :mod:`kostra_functions.prognosis.deviation`):

* A function-level adjustment (:mod:`kostra_functions.prognosis.adjustments`) sits on a row with an
  empty result unit («ikke fordelt på resultatenhet»), created when needed, so nothing is split by
  guesswork.
* A function-level manual projection (method ``manuell``) also sits on that row, as the difference
  between the manual projection and the result units' own projections (made with ``method``, or the
  rule set's default when ``method`` is ``manuell``), so the function adds up to the manual figure.
* Rounding: each detail row's projection is rounded to øre so that a function's rows add up to the
  function's own rounded projection (largest remainder); all other figures are sums of øre amounts.
* A row whose method cannot give a number (profile share 0, no manual projection, negative measures)
  is an error: :func:`compute` raises it (``errors="raise"``) or marks it (``errors="mark"``: NaN in
  the affected figures and the Norwegian reason in ``feil``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kostra_functions.errors import (
    InvalidArgumentError,
    KostraError,
    MissingArgumentError,
    OutOfRangeError,
)
from kostra_functions.prognosis.adjustments import Adjustments, split_key
from kostra_functions.prognosis.amounts import (
    format_amount,
    round_array,
    round_groups,
    round_ore,
    share_text,
    term,
)
from kostra_functions.prognosis.deviation import Prognosis, check_measures
from kostra_functions.prognosis.deviation import explain as explain_prognosis
from kostra_functions.prognosis.district import (
    EARMARKED,
    KEY_COLUMNS,
    ORDINARY,
    UNALLOCATED_NAME,
    DistrictBasis,
)
from kostra_functions.prognosis.methods import (
    LINEAR,
    MANUAL,
    MONTHS,
    PERIODISED,
    PROFILE,
    YEAR_END_PERIOD,
    check_period,
    finite_number,
    normalise_method,
    profile_share,
    project_array,
)
from kostra_functions.prognosis.rules import carried_forward_from, default_method

#: The figures of a row, in report order (kroner, rounded to øre).
AMOUNTS = (
    "justert_budsjett", "regnskap_hittil", "budsjett_hittil", "avvik_hittil", "prognose", "tiltak",
    "fremfort", "avsetninger", "forventet_budsjett", "forventet_regnskap", "avviksprognose",
)
Errors = Literal["raise", "mark"]


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
    period = check_period(period)
    ruleset = basis.ruleset
    default = default_method(ruleset)
    method_ = normalise_method(method, default=default)
    adj = adjustments or Adjustments()
    cf_from = carried_forward_from(ruleset)
    keys = basis.key_arrays

    # function-level rows for function-level adjustments ("ikke fordelt på resultatenhet")
    wanted: set[tuple[str, str]] = set()
    amounts: dict[str, dict[tuple[str, str], float]] = {}
    for name, mapping in (("tiltak", adj.measures), ("fremført", adj.carried_forward),
                          ("avsetninger", adj.central_allocations)):
        amounts[name] = {}
        for key, value in mapping.items():
            fk = split_key(key, name)
            amounts[name][fk] = amounts[name].get(fk, 0.0) + finite_number(value, f"{name} for {fk[0]}")
            wanted.add(fk)
    manual: dict[str, float] = {}
    for key, value in adj.manual_projections.items():
        function, unit = split_key(key, "manuell prognose")
        if unit:
            raise InvalidArgumentError(
                f"Manuell prognose for funksjon {function} gis for hele funksjonen, ikke per resultatenhet."
            )
        manual[function] = finite_number(value, f"manuell prognose for {function}")
    methods_by_function = {split_key(k, "metode")[0]: normalise_method(v, default=method_)
                           for k, v in adj.methods.items()}
    manual_functions = set(manual) | {f for f, m in methods_by_function.items() if m == MANUAL}
    if method_ == MANUAL:
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
    base = method_ if method_ != MANUAL else (default if default != MANUAL else PERIODISED)
    compute_method = np.where(manual_row, PERIODISED, row_method)
    compute_method = np.where(compute_method == MANUAL, base, compute_method)
    shown_method = np.where(manual_row & (units == ""), MANUAL, compute_method)

    share = np.full(n, np.nan)
    errors_: list[tuple[str, str]] = [("", "")] * n
    needs_profile = compute_method == PROFILE
    if needs_profile.any() and 0 < period < MONTHS:
        share, share_msg = _shares(basis, block, functions, budget_m, period, profile, needs_profile)
        for i, msg in share_msg.items():
            errors_[i] = (OutOfRangeError.excel_error, msg)

    projection, _invalid = project_array(compute_method, period, adjusted_budget, actual_ytd,
                                            budget_ytd, share, None)
    rounded = round_groups(projection, block + "|" + functions)
    for function in sorted(manual_functions):
        members = np.flatnonzero(ordinary & (functions == function))
        target = members[units[members] == ""][0]
        if function not in manual:
            for i in members:
                errors_[i] = (MissingArgumentError.excel_error,
                              f"Funksjon {function} har metoden manuell, men ingen manuell prognose er gitt.")
            continue
        others = members[members != target]
        rounded[target] = round_ore(round_ore(manual[function]) - float(rounded[others].sum()))

    def amount_column(name: str) -> np.ndarray:
        col = np.zeros(n)
        for (function, unit), value in amounts[name].items():
            hit = np.flatnonzero(ordinary & (functions == function) & (units == unit))
            col[hit[0]] += value
        return round_array(col)

    measures = amount_column("tiltak")
    carried_given = amount_column("fremført")
    allocations = amount_column("avsetninger")
    carried = carried_given if period >= cf_from else np.zeros(n)
    for i in np.flatnonzero(measures != 0):
        try:
            check_measures(float(measures[i]), period)
        except KostraError as exc:
            errors_[i] = (exc.excel_error, f"Funksjon {functions[i]}: {exc.message}")
    if errors == "raise" and any(m for _, m in errors_):
        raise _combined_error([e for e in errors_ if e[1]])
    failed = np.array([bool(m) for _, m in errors_], dtype=bool)
    budget_r = round_array(adjusted_budget)
    actual_r = round_array(actual_ytd)
    budget_ytd_r = round_array(budget_ytd)
    prognose = np.where(failed, np.nan, rounded)
    expected_accounts = round_array(prognose - measures)
    expected_budget = round_array(budget_r + carried + allocations)
    columns: dict[str, np.ndarray] = dict(keys)
    columns.update({
        "metode": shown_method,
        "justert_budsjett": budget_r,
        "regnskap_hittil": actual_r,
        "budsjett_hittil": budget_ytd_r,
        "avvik_hittil": round_array(budget_ytd_r - actual_r),
        "prognose": prognose,
        "tiltak": measures,
        "fremfort": carried,
        "avsetninger": allocations,
        "forventet_budsjett": expected_budget,
        "forventet_regnskap": expected_accounts,
        "avviksprognose": round_array(expected_budget - expected_accounts),
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
    merged = {c: np.concatenate([keys[c], np.array([r[c] for r in new], dtype=object)]) for c in KEY_COLUMNS}
    actual_all = np.vstack([actual_m, np.zeros((len(new), YEAR_END_PERIOD))])
    budget_all = np.vstack([budget_m, np.zeros((len(new), YEAR_END_PERIOD))])
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
            budget_profiles[key] = budget_profiles.get(key, np.zeros(YEAR_END_PERIOD)) + budget_m[i]
        label = "budsjettets periodisering"
    elif isinstance(source, str) and source.strip().lower() in ("fjoråret", "fjoraret", "fjor"):
        if basis.profiles is None:
            raise MissingArgumentError("Metoden profil etter fjoråret krever fjorårets regnskap.")
        budget_profiles = dict(basis.profiles)
        label = "fjorårets regnskap"
    elif isinstance(source, Mapping):
        for key, values in source.items():
            for b in (ORDINARY, EARMARKED):
                budget_profiles[(b, split_key(key, "profil")[0])] = np.asarray(
                    [finite_number(v, f"profil for {key}") for v in values], dtype=float)
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
                    cache[key] = (profile_share(list(values), period, arg=f"profil for {key[1]}"), "")
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
    f = format_amount
    method = row["metode"]
    actual, budget = row["regnskap_hittil"], row["justert_budsjett"]
    if method == MANUAL:
        head = f"Manuell: {f(row['prognose'])}"
        if row["resultatenhet"] == "":
            head += " (controllerens prognose for funksjonen minus resultatenhetenes egne prognoser)"
    elif period == 0:
        head = f"Periode 0 (ingen måned lukket): prognose = justert budsjett {f(budget)}"
        if manual_function:
            head += " (funksjonen har manuell prognose; resultatenheten er fremskrevet periodisert)"
    elif period >= MONTHS:
        head = f"Periode {period}: prognose = regnskap hittil {f(actual)}"
    elif method == LINEAR:
        head = f"Lineær: {f(actual)} × 12 / {period} = {f(row['prognose'])}"
    elif method == PERIODISED:
        head = (f"Periodisert: {f(actual)} + ({f(budget)} - {term(row['budsjett_hittil'])}) "
                f"= {f(row['prognose'])}")
        if manual_function:
            head += " (funksjonen har manuell prognose; resultatenheten er fremskrevet periodisert)"
    else:
        head = f"Profil: {f(actual)} / {share_text(share)} = {f(row['prognose'])}"
    p = Prognosis(
        method=method, period=period, adjusted_budget=budget, actual_ytd=actual,
        projection=row["prognose"], measures=row["tiltak"], expected_accounts=row["forventet_regnskap"],
        carried_forward=row["fremfort"], carried_forward_given=carried_given,
        central_allocations=row["avsetninger"], expected_budget=row["forventet_budsjett"],
        deviation=row["avviksprognose"], projection_explanation=head, carried_forward_from=cf_from,
    )
    return explain_prognosis(p)
