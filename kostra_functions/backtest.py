"""Back-test of the prognosis methods on a district's own history: which method would have been right?

For every KOSTRA function (ordinary operations, all result units together), every function area
and the district total, every method and every period 1–11 of each past year, the back-test makes
the prognosis of the annual accounts the method would have made with what was known at that period
(accounts and periodised budget to date, last year's accounts as the profile) and compares it with
the actual annual accounts (periods 1–13). Seed 000 asks for a prognosis every month; this says
which method has been closest for each function.

Methods: every method of :data:`kostra_functions.prognosis.METHODS` that computes a projection from
the figures alone (all but ``manuell``, which is the controller's own number) — the one registry, so
a method added there is back-tested here too. The projections are those of
:func:`kostra_functions.prognosis.project_array`, the vectorised implementation the district table
uses, called once per period over every district × function × year × method at once.

Definitions (kroner, expenses +, revenues −):

* ``projection(m)`` by the method at period ``m`` (1–11), unrounded; ``actual`` = the year's accounts
  over periods 1–13; ``error = projection − actual`` (+ = the prognosis overstated the accounts, so
  it understated the deviation budget − accounts by the same amount);
* ``MAE(m)`` = the mean of ``|error|`` over the years tested; the overall MAE is the mean over the
  periods 1–11;
* the **recommended** (best) method of a function is the one with the lowest overall MAE; the method
  must give a number in every period and year (``profil`` needs last year's accounts);
* a function area and the district total are the sums of their functions' prognoses with the same
  method (as the prognosis table adds them up), plus ``anbefalt``: each function with its own
  recommended method;
* ``improvement`` = ``1 − MAE(best) / MAE(lineær)``: how much lower the error is than the run-rate.

A year is tested when the history also holds the year before (for the profile). The recommendation
is chosen on the same years it is measured on (in-sample): it says which method *has* been right.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions import prognosis as pg
from kostra_functions.errors import InvalidArgumentError, LedgerFormatError

#: Periods tested: a prognosis at period 12 or 13 is the accounts themselves.
PERIODS = tuple(range(1, pg.MONTHS))
#: The mix of each function's recommended method, for function areas and the district total.
RECOMMENDED = "anbefalt"
FUNCTION = "funksjon"
AREA = "funksjonsområde"
TOTAL = "bydel"
NO_AREA = "Uten funksjonsområde"
#: The district name used when a history has no district column.
DEFAULT_DISTRICT = "Bydelen"


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's «Mean of empty slice» for a method with no number in any year (NaN is meant)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def methods() -> tuple[str, ...]:
    """The methods back-tested: every method of the prognosis registry that needs no manual figure."""
    return tuple(m for m in pg.METHODS if m != pg.MANUAL)


# ---------------------------------------------------------------------------------------------
# The history


@dataclass(frozen=True)
class History:
    """Monthly accounts and periodised budget per series (district × function) and year.

    ``actual`` has shape (series, years, 13) (periods 1–13), ``budget`` (series, years, 12); a series
    without rows in a year has zeros there and ``present`` False.
    """

    districts: np.ndarray
    functions: np.ndarray
    years: tuple[int, ...]
    actual: np.ndarray
    budget: np.ndarray
    present: np.ndarray
    #: Years without a budget (only last year's accounts, for the profile): never tested.
    no_budget: tuple[int, ...] = ()

    def testable_years(self) -> tuple[int, ...]:
        """Years with a budget and the year before in the history."""
        return tuple(y for y in self.years if y - 1 in self.years and y not in self.no_budget)


def history_from_frame(frame: pd.DataFrame, *, no_budget: Sequence[int] = ()) -> History:
    """A :class:`History` from rows with columns ``aar``, ``funksjon``, ``periode``, ``regnskap``,
    ``budsjett`` (and optionally ``bydel``). Rows for the same key are added up."""
    if frame.empty:
        raise InvalidArgumentError("Historikken har ingen rader.")
    district = (frame["bydel"].astype(str).to_numpy() if "bydel" in frame.columns
                else np.full(len(frame), DEFAULT_DISTRICT, dtype=object))
    function = frame["funksjon"].astype(str).to_numpy()
    year = frame["aar"].to_numpy(dtype=int)
    period = frame["periode"].to_numpy(dtype=int)
    if ((period < 1) | (period > pg.YEAR_END_PERIOD)).any():
        bad = int(period[(period < 1) | (period > pg.YEAR_END_PERIOD)][0])
        raise InvalidArgumentError(f"Historikken har periode {bad}; periodene skal være 1–13.")
    keys = pd.MultiIndex.from_arrays([district, function])
    codes, uniques = pd.factorize(keys, sort=True)
    years = tuple(int(y) for y in np.unique(year))
    y_idx = np.searchsorted(np.asarray(years), year)
    n = len(uniques)
    actual = np.zeros((n, len(years), pg.YEAR_END_PERIOD))
    budget = np.zeros((n, len(years), pg.YEAR_END_PERIOD))
    np.add.at(actual, (codes, y_idx, period - 1), frame["regnskap"].to_numpy(dtype=float))
    np.add.at(budget, (codes, y_idx, period - 1), frame["budsjett"].to_numpy(dtype=float))
    if np.abs(budget[:, :, pg.MONTHS]).max(initial=0.0) > 0:
        raise InvalidArgumentError(
            "Historikken har budsjett i periode 13; budsjettet periodiseres på månedene 1–12."
        )
    present = np.zeros((n, len(years)), dtype=bool)
    present[codes, y_idx] = True
    return History(
        districts=np.asarray([u[0] for u in uniques], dtype=object),
        functions=np.asarray([u[1] for u in uniques], dtype=object),
        years=years, actual=actual, budget=budget[:, :, :pg.MONTHS], present=present,
        no_budget=tuple(sorted(int(y) for y in no_budget)),
    )


_COLUMNS = {
    "bydel": ("bydel", "district"),
    "aar": ("år", "aar", "regnskapsår", "regnskapsaar", "year"),
    "funksjon": ("funksjon", "kostra-funksjon", "kostrafunksjon", "function"),
    "periode": ("periode", "måned", "maned", "period"),
    "regnskap": ("regnskap", "beløp", "belop", "actual"),
    "budsjett": ("budsjett", "justert budsjett", "budget"),
}


def read_history(path: str | Path) -> History:
    """Read a history file (CSV or XLSX): År, Funksjon, Periode 1–13, Regnskap, Budsjett [, Bydel].

    A folder instead is read with :func:`history_from_ledgers` (the yearly ledger exports).

    Amounts in kroner (expenses +, revenues −) as numbers or Norwegian text («1 234,50»). A bad
    value is a :class:`LedgerFormatError` naming file, row and column.
    """
    from kostra_functions.cells import parse_amount_text
    from kostra_functions.errors import KostraError
    from kostra_functions.ledger import load_table
    from kostra_functions.tables.headers import normalise_header

    if Path(path).is_dir():
        return history_from_ledgers(Path(path))

    columns = {k: tuple(dict.fromkeys(normalise_header(a) for a in v)) for k, v in _COLUMNS.items()}
    table = load_table(path, columns=columns, required=("aar", "funksjon", "periode", "regnskap"),
                       digits=("aar", "funksjon", "periode"), what="historikken")
    if (table["budsjett"].str.strip() == "").all():
        raise LedgerFormatError("historikken har ingen kolonne «Budsjett» (eller den er tom); metoden "
                                "periodisert trenger det periodiserte budsjettet.", where=str(path))
    names = {"aar": "År", "periode": "Periode", "regnskap": "Regnskap", "budsjett": "Budsjett"}
    out: dict[str, Any] = {"funksjon": table["funksjon"].str.zfill(3).to_numpy()}
    if (table["bydel"] != "").any():
        out["bydel"] = table["bydel"].to_numpy()
    rows = table["kilde_rad"].to_numpy()
    for col in ("aar", "periode", "regnskap", "budsjett"):
        texts = table[col].astype(str).str.strip()
        # fast path: plain numbers with a decimal comma («2162628,21»); everything else (thousands
        # separators, errors) goes through the Norwegian parser, which says what is wrong
        plain = texts.str.fullmatch(r"-?\d+(,\d+)?").to_numpy()
        values = np.zeros(len(table))
        values[plain] = texts[plain].str.replace(",", ".", regex=False).astype(float).to_numpy()
        for i in np.flatnonzero(~plain & (texts != "").to_numpy()):
            try:
                values[i] = parse_amount_text(texts.iloc[i], names[col])
            except KostraError as exc:
                raise LedgerFormatError(f"rad {rows[i]}, kolonne {names[col]}: {exc.message}",
                                        where=str(path)) from None
        out[col] = values
    frame = pd.DataFrame(out)
    bad = (frame["periode"] < 1) | (frame["periode"] > pg.YEAR_END_PERIOD)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise LedgerFormatError(f"rad {rows[i]}, kolonne Periode: {frame['periode'].iloc[i]:g} er ikke "
                                "en periode 1–13.", where=str(path))
    return history_from_frame(frame)


_LEDGER_FILE = re.compile(r"(regnskap|budsjett)_(\d{4})\.(csv|xlsx)", re.IGNORECASE)


def history_from_ledgers(folder: Path, *, ruleset: Any = None, district: str | None = None) -> History:
    """The history from a folder of yearly exports ``regnskap_ÅÅÅÅ.csv`` and ``budsjett_ÅÅÅÅ.csv``
    (or ``.xlsx``), as ``kostra prognose`` reads them: ordinary operations (no investment rows, no
    earmarked projects) summed per function and period. A year with accounts but no budget serves
    only as the profile of the year after."""
    from kostra_functions.codes.catalog import latest_year
    from kostra_functions.ledger import read_ledger
    from kostra_functions.mapping import map_ledger

    files: dict[int, dict[str, Path]] = {}
    for p in sorted(folder.iterdir()):
        m = _LEDGER_FILE.fullmatch(p.name)
        if m:
            files.setdefault(int(m[2]), {})[m[1].lower()] = p
    years = [y for y, f in sorted(files.items()) if "regnskap" in f]
    if not years:
        raise LedgerFormatError("mappen har ingen filer regnskap_ÅÅÅÅ.csv (eller .xlsx); historikken er "
                                "enten én fil med År, Funksjon, Periode, Regnskap og Budsjett, eller en "
                                "mappe med regnskap_ÅÅÅÅ og budsjett_ÅÅÅÅ for hvert år.", where=str(folder))
    parts = []
    for year in years:
        for kind in ("regnskap", "budsjett"):
            if kind not in files[year]:
                continue
            ledger = read_ledger(files[year][kind], kind=kind, year=year, ruleset=ruleset)
            mapped = _map_nearest(map_ledger, ledger, year, ruleset, latest_year())
            keep = np.ones(len(mapped), dtype=bool)
            if "kontoklasse" in mapped.columns:
                keep &= (mapped["kontoklasse"].astype(str) != "investering").to_numpy()
            keep &= ~mapped["oremerket"].fillna(False).astype(bool).to_numpy()
            part = mapped[keep]
            sums = part.groupby([part["funksjon"].astype(str), part["periode"].astype(int)],
                                observed=True)["belop"].sum()
            frame = sums.rename("belop").reset_index()
            frame.columns = ["funksjon", "periode", "belop"]
            frame["aar"] = year
            frame["regnskap"] = frame["belop"] if kind == "regnskap" else 0.0
            frame["budsjett"] = frame["belop"] if kind == "budsjett" else 0.0
            parts.append(frame.drop(columns="belop"))
    frame = pd.concat(parts, ignore_index=True)
    frame["bydel"] = district or folder.name
    return history_from_frame(frame, no_budget=[y for y in years if "budsjett" not in files[y]])


def _map_nearest(map_ledger: Any, ledger: pd.DataFrame, year: int, ruleset: Any, latest: int
                 ) -> pd.DataFrame:
    """The ledger mapped with its year's code list, or, when there is none for that year, with the
    first later year's: only the function and the project are needed (as the prognosis table maps
    last year's accounts for the profile with this year's list)."""
    from kostra_functions.errors import OutOfRangeError

    for y in range(year, max(year, latest) + 1):
        try:
            return map_ledger(ledger, year=y, ruleset=ruleset)
        except OutOfRangeError:
            if y >= latest:
                raise
    raise AssertionError("unreachable")


def parse_years(text: str | None, available: Sequence[int], testable: Sequence[int] | None = None
                ) -> tuple[int, ...]:
    """Years to test from «2021-2023», «2021–2023», «2022» or «2021,2023»; None = every testable
    year (by default: every year that has the year before in the history)."""
    testable = list(testable) if testable is not None else [y for y in available if y - 1 in available]
    if text is None or not str(text).strip():
        if not testable:
            raise InvalidArgumentError(
                "Historikken må ha minst to år på rad: fjorårets regnskap er profilen for året som testes."
            )
        return tuple(testable)
    years: list[int] = []
    for part in str(text).replace("–", "-").replace(" ", "").split(","):
        first, sep, last = part.partition("-")
        try:
            a, b = int(first), int(last) if sep else int(first)
        except ValueError:
            raise InvalidArgumentError(f"«{text}» er ikke år; skriv f.eks. 2021-2023 eller 2022.") from None
        if b < a:
            raise InvalidArgumentError(f"«{part}»: første år er etter siste år.")
        years += range(a, b + 1)
    missing = [y for y in years if y not in testable]
    if missing:
        have = f"{min(available)}–{max(available)}" if available else "ingen år"
        raise InvalidArgumentError(
            f"Kan ikke tilbaketeste {', '.join(map(str, missing))}: historikken har {have}, og året som "
            "testes trenger også året før (profilen) og sitt eget budsjett."
        )
    return tuple(sorted(set(years)))


# ---------------------------------------------------------------------------------------------
# The back-test


@dataclass(frozen=True)
class Backtest:
    """The prognoses and errors of a back-test; rows are functions, function areas and totals.

    ``rows`` (DataFrame, report order per district: total, then each area followed by its
    functions) has ``bydel``, ``niva`` (funksjon / funksjonsområde / bydel), ``kode``, ``navn``,
    ``funksjonsomrade``. Arrays: ``projection`` (rows, years, periods 1–11, methods) with the last
    method :data:`RECOMMENDED`; ``actual`` and ``budget`` (rows, years).
    """

    rows: pd.DataFrame
    years: tuple[int, ...]
    methods: tuple[str, ...]
    projection: np.ndarray
    actual: np.ndarray
    budget: np.ndarray

    @cached_property
    def error(self) -> np.ndarray:
        """``projection − actual`` (rows, years, periods, methods)."""
        return self.projection - self.actual[:, :, None, None]

    @cached_property
    def mae(self) -> np.ndarray:
        """Mean absolute error over the years (rows, periods, methods); NaN where a method has a
        year without a number."""
        with _quiet():
            return np.nanmean(np.abs(self.error), axis=1)

    @cached_property
    def mae_overall(self) -> np.ndarray:
        """Mean of :attr:`mae` over the periods (rows, methods)."""
        return self.mae.mean(axis=1)

    @cached_property
    def best(self) -> np.ndarray:
        """The method with the lowest overall MAE per row (``""`` when none gives numbers)."""
        overall = np.where(np.isnan(self.mae_overall), np.inf, self.mae_overall)
        idx = overall.argmin(axis=1)
        names = np.asarray(self.methods, dtype=object)[idx]
        return np.where(np.isinf(overall.min(axis=1)), "", names)

    def method_index(self, method: str) -> int:
        return self.methods.index(method)

    def improvement(self, period: int | None = None) -> np.ndarray:
        """``1 − MAE(best) / MAE(lineær)`` per row, overall or at ``period``."""
        lin = self.method_index(pg.LINEAR)
        values = self.mae_overall if period is None else self.mae[:, PERIODS.index(period), :]
        idx = np.asarray([self.methods.index(b) if b else lin for b in self.best])
        best = values[np.arange(len(idx)), idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 - best / values[:, lin]

    def function_mask(self) -> np.ndarray:
        return (self.rows["niva"] == FUNCTION).to_numpy()

    def summary(self) -> pd.DataFrame:
        """One row per back-test row: overall MAE per method, the best method, MAE at period 6,
        improvement over the run-rate (%)."""
        out = self.rows.copy()
        for k, m in enumerate(self.methods):
            out[f"feil {m}"] = self.mae_overall[:, k]
        out["anbefalt metode"] = self.best
        six = PERIODS.index(6)
        lin = self.method_index(pg.LINEAR)
        idx = np.asarray([self.methods.index(b) if b else lin for b in self.best])
        out["feil anbefalt"] = self.mae_overall[np.arange(len(idx)), idx]
        out["feil lineær periode 6"] = self.mae[:, six, lin]
        out["feil anbefalt periode 6"] = self.mae[np.arange(len(idx)), six, idx]
        out["forbedring %"] = 100.0 * self.improvement()
        out["forbedring periode 6 %"] = 100.0 * self.improvement(6)
        return out

    def by_period(self) -> pd.DataFrame:
        """MAE per row, method and period (long form)."""
        r, p, k = self.mae.shape
        frame = self.rows.iloc[np.repeat(np.arange(r), p * k)].reset_index(drop=True)
        frame["metode"] = np.tile(np.asarray(self.methods, dtype=object), r * p)
        frame["periode"] = np.tile(np.repeat(np.asarray(PERIODS), k), r)
        frame["gjennomsnittlig feil"] = self.mae.reshape(-1)
        return frame


def _names(functions: Sequence[str], ruleset: Any, year: int
           ) -> tuple[dict[str, str], dict[str, tuple[str, str, int]]]:
    """Function names and (area code, area name, order) per function (areas from the rule set)."""
    from kostra_functions import areas
    from kostra_functions.codes.catalog import Catalog, latest_year
    from kostra_functions.errors import KostraError

    names: dict[str, str] = {}
    try:
        catalog: Any = Catalog.for_year(min(year, latest_year()), "030100")
    except KostraError:
        catalog = None
    area_of: dict[str, tuple[str, str, int]] = {}
    order = {a.code: i for i, a in enumerate(areas.function_areas(ruleset))}
    for f in functions:
        try:
            names[f] = catalog.validate(f, "funksjon").name if catalog is not None else ""
        except KostraError:
            names[f] = ""
        try:
            a = areas.area_of(f, ruleset)
            area_of[f] = (a.code, a.name, order[a.code])
        except KostraError:
            area_of[f] = ("", NO_AREA, len(order))
    return names, area_of


def run(history: History, *, years: Sequence[int] | None = None, ruleset: Any = None) -> Backtest:
    """Back-test every method of :func:`methods` on ``history`` for ``years`` (default: every year
    with the year before in the history)."""
    testable = history.testable_years()
    tested = parse_years(None, history.years, testable) if years is None else tuple(years)
    parse_years(",".join(map(str, tested)), history.years, testable)  # each has a year before
    meths = methods()
    yi = np.searchsorted(np.asarray(history.years), np.asarray(tested))
    act = history.actual[:, yi, :]                                   # (S, Y, 13)
    last = history.actual[:, yi - 1, :]                              # last year's periods
    bud = history.budget[:, yi, :]                                   # (S, Y, 12)
    present = history.present[:, yi] & history.present[:, yi - 1]
    s, y = act.shape[:2]
    k = len(meths)
    adjusted = bud.sum(axis=2)
    actual_total = act.sum(axis=2)
    ytd = np.cumsum(act[:, :, :pg.MONTHS], axis=2)
    bytd = np.cumsum(bud, axis=2)
    last_total = last.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.cumsum(last[:, :, :pg.MONTHS], axis=2) / last_total[:, :, None]
    share = np.where(np.isfinite(share), share, np.nan)
    method_col = np.tile(np.asarray(meths, dtype=object), s * y)
    proj = np.empty((s, y, len(PERIODS), k))

    def flat(a: np.ndarray) -> np.ndarray:
        return np.repeat(a.reshape(-1), k)

    budget_flat = flat(adjusted)
    for j, m in enumerate(PERIODS):
        value, _invalid = pg.project_array(method_col, m, budget_flat, flat(ytd[:, :, m - 1]),
                                           flat(bytd[:, :, m - 1]), share=flat(share[:, :, m - 1]))
        proj[:, :, j, :] = value.reshape(s, y, k)
    proj[~present] = np.nan
    # a method that cannot give a number in a tested year of a series is not back-tested there at
    # all (its MAE would rest on fewer years than the others')
    unusable = (np.isnan(proj) & present[:, :, None, None]).any(axis=(1, 2))   # (S, K)
    proj[np.broadcast_to(unusable[:, None, None, :], proj.shape)] = np.nan
    actual_total = np.where(present, actual_total, np.nan)
    return _assemble(history, tested, meths, proj, actual_total, adjusted, ruleset)


def _assemble(history: History, years: tuple[int, ...], meths: tuple[str, ...], proj: np.ndarray,
              actual: np.ndarray, budget: np.ndarray, ruleset: Any) -> Backtest:
    """Add the ``anbefalt`` mix, sum functions to areas and district totals, order the rows."""
    s, y, p, k = proj.shape
    with _quiet():
        mae = np.nanmean(np.abs(proj - actual[:, :, None, None]), axis=1).mean(axis=1)  # (S, K)
    best = np.where(np.isnan(mae), np.inf, mae).argmin(axis=1)
    mix = proj[np.arange(s), :, :, best]                                          # (S, Y, P)
    proj = np.concatenate([proj, mix[..., None]], axis=3)
    meths = (*meths, RECOMMENDED)
    functions = [str(f) for f in history.functions]
    names, area_of = _names(sorted(set(functions)), ruleset, years[-1])
    # groups: (district, level, code) → members; each function is in its area and the total
    districts = list(dict.fromkeys(str(d) for d in history.districts))
    records: list[dict[str, Any]] = []
    members: list[np.ndarray] = []
    for d in districts:
        mine = np.flatnonzero(history.districts == d)
        records.append({"bydel": d, "niva": TOTAL, "funksjonsomrade": "", "kode": "Totalt",
                        "navn": "Ordinær drift i alt", "_order": (-1, "")})
        members.append(mine)
        by_area: dict[str, list[int]] = {}
        for i in mine:
            by_area.setdefault(area_of[functions[i]][0], []).append(int(i))
        for code in sorted(by_area, key=lambda c: area_of[functions[by_area[c][0]]][2]):
            idx = sorted(by_area[code], key=lambda i: functions[i])
            area_name = area_of[functions[idx[0]]][1]
            records.append({"bydel": d, "niva": AREA, "funksjonsomrade": code, "kode": code or "–",
                            "navn": area_name, "_order": (0, code)})
            members.append(np.asarray(idx))
            for i in idx:
                records.append({"bydel": d, "niva": FUNCTION, "funksjonsomrade": code,
                                "kode": functions[i], "navn": names.get(functions[i], ""),
                                "_order": (1, functions[i])})
                members.append(np.asarray([i]))
    group = np.concatenate([np.full(len(m), g) for g, m in enumerate(members)])
    src = np.concatenate(members)
    g = len(members)
    out_proj = np.zeros((g, y, p, k + 1))
    out_act = np.zeros((g, y))
    out_bud = np.zeros((g, y))
    np.add.at(out_proj, group, proj[src])
    np.add.at(out_act, group, actual[src])
    np.add.at(out_bud, group, budget[src])
    rows = pd.DataFrame.from_records(records).drop(columns="_order")
    return Backtest(rows=rows, years=years, methods=meths, projection=out_proj, actual=out_act,
                    budget=out_bud)


# ---------------------------------------------------------------------------------------------
# The recommendation as data


def recommendations(bt: Backtest, district: str | None = None) -> pd.DataFrame:
    """The function rows of one district's summary (the first district when not named)."""
    summary = bt.summary()
    district = district if district is not None else str(summary["bydel"].iloc[0])
    mask = (summary["niva"] == FUNCTION) & (summary["bydel"] == district)
    return summary[mask].reset_index(drop=True)


def _toml_number(value: float) -> str:
    return "nan" if value != value else f"{round(float(value))}"


def ruleset_text(bt: Backtest, *, name: str, inherits: str, district: str | None = None,
                 source: str = "") -> str:
    """A rule set (TOML) that inherits ``inherits`` and holds the recommended method per function,
    with the error figures as its reason: ``[prognose.metode_per_funksjon."253"]``."""
    rec = recommendations(bt, district)
    years = f"{bt.years[0]}–{bt.years[-1]}" if len(bt.years) > 1 else str(bt.years[0])
    who = district or str(bt.rows["bydel"].iloc[0])
    lines = [
        f"# Anbefalt prognosemetode per KOSTRA-funksjon for {who}, fra tilbaketesten",
        f"# (kostra prognose --tilbaketest) på regnskapsårene {years}. Skrevet av programmet; kjør",
        "# tilbaketesten på nytt for å oppdatere. Feil = gjennomsnittlig absolutt feil i kroner mellom",
        "# prognosen for årsregnskapet og det faktiske årsregnskapet, over periode 1–11 og årene.",
        "",
        "[regelsett]",
        f'navn = "{name}"',
        f'arver = "{inherits}"',
        f'beskrivelse = "{who}: {inherits} med anbefalt prognosemetode per funksjon"',
        f'kilde = "tilbaketest av metodene {", ".join(m for m in bt.methods if m != RECOMMENDED)} på '
        f'{who}s regnskap {years}{"; " + source if source else ""}"',
        "",
    ]
    for _, r in rec.iterrows():
        if not r["anbefalt metode"]:
            continue
        lines.append(f'[prognose.metode_per_funksjon."{r["kode"]}"]')
        lines.append(f'metode = "{r["anbefalt metode"]}"')
        for m in bt.methods:
            if m == RECOMMENDED:
                continue
            key = "feil_" + m.replace("æ", "ae")
            lines.append(f"{key} = {_toml_number(r[f'feil {m}'])}")
        lines.append(f"feil_lineaer_periode_6 = {_toml_number(r['feil lineær periode 6'])}")
        lines.append(f"feil_anbefalt_periode_6 = {_toml_number(r['feil anbefalt periode 6'])}")
        lines.append(f"forbedring_prosent = {float(r['forbedring %']):.1f}")
        lines.append(f'aar = "{years}"')
        lines.append("")
    return "\n".join(lines)
