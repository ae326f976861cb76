"""Ledger rows to KOSTRA codes, function areas and result units; sums per period.

:func:`map_ledger` takes a canonical ledger (:mod:`kostra_functions.ledger`) and adds what a
district's follow-up sorts by (Fellesskriv 5/2022 §2: «funksjonsområde, KOSTRA-funksjon og resultatenhet»):

==========================  ===========================================================================
``kostra_art``              the 3-digit KOSTRA art: digits 2–4 of the internal art (økonomireglementet §2.1.2)
``kontoklasse``             ``"drift"`` (first digit 1) or ``"investering"`` (first digit 0)
``funksjonsomrade``         the rule set's function area (``"FO3"``), see :mod:`kostra_functions.areas`
``funksjonsomrade_navn``    its name
``funksjon_navn``           the KOSTRA function's name in that year's code list
``resultatenhet``           the result unit (RES) of the row's ansvar (see below)
``resultatenhet_navn``      its name
``oremerket``               ``bool``: the project is earmarked (Oslo: project number starting with 2 or 3,
                            Fellesskriv 5/2022 §2); earmarked money is followed up apart from ordinary
                            operations
==========================  ===========================================================================

Every distinct art and (function, account class) is validated once against
:class:`~kostra_functions.codes.catalog.Catalog` for the year and the rule set's region (Oslo:
``030100``, which makes 691–696 and arts 298/379/798 valid); the results are spread to the rows with
integer take, so a million-row ledger maps in a fraction of a second. Invalid codes raise
:class:`~kostra_functions.errors.InvalidCodeError` listing each code with the rows (``kilde_rad``)
where it occurs; no row is ever dropped. Text columns added here are pandas ``category`` columns of
``str``, like the code columns of the ledger.

**Result units.** With ``result_units`` (from :func:`load_result_units`: ``ansvar`` →
``resultatenhet``, ``resultatenhet_navn``) every ansvar in the ledger must be listed, else
InvalidCodeError names the ansvar and rows. **Without it the documented default is: each ansvar is
its own result unit** (``resultatenhet`` = ``ansvar``, ``resultatenhet_navn`` = ``""``).

Sums: :func:`period_matrix` (per period 1–13) and :func:`summarise` (annual adjusted budget, budget to
date, accounts in the period and to date, deviation), amounts in kroner with expenses positive and
revenues negative; deviation = budget − accounts, positive = *mindreforbruk* (underspend).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from kostra_functions import areas
from kostra_functions.codes.catalog import Catalog
from kostra_functions.errors import InvalidArgumentError, InvalidCodeError, KostraError, OutOfRangeError
from kostra_functions.ledger import load_table, rows_text
from kostra_functions.rulesets import RuleSet, load_ruleset

__all__ = [
    "MAPPED_COLUMNS",
    "PERIODS",
    "SUMMARY_COLUMNS",
    "last_period",
    "load_result_units",
    "map_ledger",
    "period_matrix",
    "summarise",
]

#: Columns :func:`map_ledger` adds, in order.
MAPPED_COLUMNS: tuple[str, ...] = (
    "kostra_art", "kontoklasse", "funksjonsomrade", "funksjonsomrade_navn", "funksjon_navn",
    "resultatenhet", "resultatenhet_navn", "oremerket",
)
#: Periods 1–12 are months, 13 is the year-end closing period (ARCHITECTURE.md).
PERIODS: tuple[int, ...] = tuple(range(1, 14))
#: Columns of :func:`summarise`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "justert_budsjett", "budsjett_hittil", "regnskap_periode", "regnskap_hittil", "avvik_hittil",
    "forbruk_andel",
)
_MAX_CODES_REPORTED = 20


def _ruleset(ruleset: str | RuleSet | None) -> RuleSet:
    return load_ruleset(ruleset)


def _categorical(series: pd.Series) -> pd.Categorical:
    """The column as a categorical of str (a ledger's code columns already are)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.array  # type: ignore[return-value]
    return pd.Categorical(series.astype(str))


def _code_dtype(n: int) -> type:
    return np.int8 if n < 127 else np.int16 if n < 32_000 else np.int32


def _spread(codes: np.ndarray, values: Sequence[str]) -> pd.Categorical:
    """A categorical with ``values[code]`` per row (integer take; categories deduplicated)."""
    cats = sorted(set(values)) or [""]
    pos = {v: i for i, v in enumerate(cats)}
    lookup = np.asarray([pos[v] for v in values] or [0], dtype=_code_dtype(len(cats)))
    return pd.Categorical.from_codes(lookup[codes], categories=cats, validate=False)


class _CodeProblems:
    def __init__(self, where: str) -> None:
        self.where = where
        self.items: list[tuple[int, str]] = []

    def add(self, rows: np.ndarray, message: str) -> None:
        rows = np.sort(rows)
        self.items.append((int(rows[0]) if len(rows) else 0, f"{rows_text(rows.tolist())}: {message}"))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort()
        lines = [m for _, m in self.items[:_MAX_CODES_REPORTED]]
        if len(self.items) == 1:
            message = lines[0]
        else:
            message = f"{len(self.items)} ugyldige koder:\n  " + "\n  ".join(lines)
            if len(self.items) > _MAX_CODES_REPORTED:
                message += f"\n  … og {len(self.items) - _MAX_CODES_REPORTED} til."
        raise InvalidCodeError(message, where=self.where)


def map_ledger(
    ledger: pd.DataFrame,
    *,
    year: int,
    ruleset: str | RuleSet | None = None,
    result_units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ledger with KOSTRA art, account class, function area, names, result unit and earmark added.

    ``year``: the accounting year whose code list applies (``Catalog.for_year(year, region)``, region
    from the rule set's ``[regelsett] region``). ``ruleset``: name, path or RuleSet (default
    ``oslo_bydel``): account-string layout, function areas, earmarking prefixes. ``result_units``:
    a frame with ``ansvar``, ``resultatenhet``, ``resultatenhet_navn`` (:func:`load_result_units`);
    ``None`` makes each ansvar its own result unit with an empty name.

    Amounts are unchanged (kroner, expenses +, revenues −); rows keep their order and ``kilde_rad``.
    Raises :class:`~kostra_functions.errors.InvalidCodeError` naming every invalid code with its rows
    (art or function not valid that year or in that account class, function in no function area,
    ansvar missing from the result units); :class:`~kostra_functions.errors.OutOfRangeError` when the
    catalog has no code list for ``year``.
    """
    needed = ("art", "ansvar", "funksjon", "prosjekt", "periode", "belop")
    missing = [c for c in needed if c not in ledger.columns]
    if missing:
        raise InvalidArgumentError(
            "Tabellen er ikke en hovedbok fra read_ledger: kolonne(r) mangler: " + ", ".join(missing) + "."
        )
    rs = _ruleset(ruleset)
    region = rs.get("regelsett.region", None)
    catalog = Catalog.for_year(year, region=str(region) if region else None)
    where = str(ledger.attrs.get("path") or "hovedboken")
    problems = _CodeProblems(where)
    rows = (ledger["kilde_rad"].to_numpy() if "kilde_rad" in ledger.columns
            else np.arange(2, len(ledger) + 2, dtype=np.int64))

    # --- art → KOSTRA art and account class
    art = _categorical(ledger["art"])
    art_codes = np.asarray(art.codes)
    drift_first = str(rs.get("kontostreng.art.drift_forste_siffer"))
    invest_first = str(rs.get("kontostreng.art.investering_forste_siffer"))
    start = int(rs.get("kontostreng.art.kostra_art_fra"))
    end = int(rs.get("kontostreng.art.kostra_art_til"))
    art_class: list[str] = []
    art_kostra: list[str] = []
    for code in art.categories:
        code = str(code)
        klass = "drift" if code[:1] == drift_first else "investering" if code[:1] == invest_first else ""
        kostra = code[start - 1:end]
        art_class.append(klass)
        art_kostra.append(kostra)
    used_arts = np.bincount(art_codes[art_codes >= 0], minlength=len(art_class))
    if (art_codes < 0).any():
        problems.add(rows[art_codes < 0], "art mangler")
    for k, code in enumerate(art.categories):
        if not used_arts[k]:
            continue
        if not art_class[k]:
            problems.add(rows[art_codes == k], f"art «{code}» må begynne med {drift_first} (drift) eller "
                                               f"{invest_first} (investering)")
            continue
        try:
            catalog.validate(art_kostra[k], "art", art_class[k])
        except KostraError as exc:
            problems.add(rows[art_codes == k], f"art {code} (KOSTRA-art {art_kostra[k]}): {exc.message}")

    # --- function (+ account class) → name and area
    fun = _categorical(ledger["funksjon"])
    fun_codes = np.asarray(fun.codes)
    class_index = np.asarray([1 if c == "investering" else 0 for c in art_class] or [0], dtype=np.int8)
    art_missing = art_codes < 0
    row_class = class_index[np.where(art_missing, 0, art_codes) if art_missing.any() else art_codes]
    fun_missing = fun_codes < 0
    if fun_missing.any():
        problems.add(rows[fun_missing], "funksjon mangler")
    safe_fun = np.where(fun_missing, 0, fun_codes) if fun_missing.any() else fun_codes
    pair = safe_fun.astype(np.int32) * 2 + row_class
    used_pairs = np.flatnonzero(np.bincount(pair, minlength=2 * len(fun.categories)))
    fun_name = [""] * len(fun.categories)
    fun_area = [""] * len(fun.categories)
    fun_area_name = [""] * len(fun.categories)
    area_order = [a.code for a in areas.function_areas(rs)]
    for p in used_pairs:
        k, klass = divmod(int(p), 2)
        code = str(fun.categories[k])
        account_class = "investering" if klass else "drift"
        try:
            entry = catalog.validate(code, "funksjon", account_class)
        except KostraError as exc:
            problems.add(rows[pair == p], f"funksjon {code}: {exc.message}")
            continue
        fun_name[k] = entry.display_name
        try:
            area = areas.area_of(code, rs)
        except KostraError as exc:
            problems.add(rows[pair == p], exc.message)
            continue
        fun_area[k], fun_area_name[k] = area.code, area.name

    # --- result units
    ans = _categorical(ledger["ansvar"])
    ans_codes = np.asarray(ans.codes)
    if result_units is None:
        res_code = [str(c) for c in ans.categories]
        res_name = [""] * len(res_code)
    else:
        table = _result_unit_lookup(result_units)
        res_code, res_name = [], []
        used_ans = np.bincount(ans_codes[ans_codes >= 0], minlength=len(ans.categories))
        source = result_units.attrs.get("path", "resultatenhetene")
        for k, code in enumerate(ans.categories):
            hit = table.get(str(code))
            if hit is None:
                if used_ans[k]:
                    problems.add(rows[ans_codes == k],
                                 f"ansvar {code} finnes ikke i resultatenhetene ({source}); legg det til "
                                 "med sin resultatenhet")
                hit = ("", "")
            res_code.append(hit[0])
            res_name.append(hit[1])
    if (ans_codes < 0).any():
        problems.add(rows[ans_codes < 0], "ansvar mangler")

    # --- earmarked projects
    prefixes = tuple(str(p) for p in rs.get("oremerking.prosjekt_prefiks", []))
    proj = _categorical(ledger["prosjekt"])
    proj_codes = np.asarray(proj.codes)
    earmarked_of = np.asarray(
        [bool(prefixes) and str(c).startswith(prefixes) for c in proj.categories] + [False], dtype=bool
    )

    problems.raise_if_any()

    out = ledger.copy(deep=False)
    out["kostra_art"] = _spread(art_codes, art_kostra)
    out["kontoklasse"] = pd.Categorical.from_codes(row_class, categories=["drift", "investering"],
                                                   validate=False)
    area_lookup = np.asarray([area_order.index(a) if a else -1 for a in fun_area] or [0],
                             dtype=_code_dtype(len(area_order)))
    area_cat = pd.Categorical.from_codes(area_lookup[safe_fun], categories=area_order, validate=False)
    out["funksjonsomrade"] = area_cat
    out["funksjonsomrade_navn"] = _spread(safe_fun, fun_area_name)
    out["funksjon_navn"] = _spread(safe_fun, fun_name)
    out["resultatenhet"] = _spread(ans_codes, res_code)
    out["resultatenhet_navn"] = _spread(ans_codes, res_name)
    out["oremerket"] = earmarked_of[np.where(proj_codes < 0, len(proj.categories), proj_codes)
                                    if (proj_codes < 0).any() else proj_codes]
    out.attrs.update(ledger.attrs)
    out.attrs["aar"] = year
    out.attrs["regelsett"] = rs.name
    out.attrs["resultatenheter"] = "ansvar" if result_units is None else str(
        result_units.attrs.get("path", "tabell"))
    return out


def _result_unit_lookup(result_units: pd.DataFrame) -> dict[str, tuple[str, str]]:
    missing = [c for c in ("ansvar", "resultatenhet") if c not in result_units.columns]
    if missing:
        raise InvalidArgumentError(
            "Resultatenhetene mangler kolonne(r): " + ", ".join(missing) + " (bruk load_result_units)."
        )
    names = (result_units["resultatenhet_navn"].astype(str).tolist()
             if "resultatenhet_navn" in result_units.columns else [""] * len(result_units))
    out: dict[str, tuple[str, str]] = {}
    codes = result_units["ansvar"].astype(str)
    units = result_units["resultatenhet"].astype(str)
    for a, r, name in zip(codes, units, names, strict=True):
        key = a.strip()
        if key in out and out[key][0] != r.strip():
            raise InvalidCodeError(
                f"Ansvar {key} står med to resultatenheter ({out[key][0]} og {r.strip()})."
            )
        out[key] = (r.strip(), name.strip())
    return out


def load_result_units(path: str | Path) -> pd.DataFrame:
    """The result units (RES) of a district: which ansvar belongs to which result unit.

    A CSV (``;``, UTF-8 or Windows-1252) or XLSX with the columns ``Ansvar``, ``Resultatenhet``
    (also «RES», «Resultatenhet nr») and ``Resultatenhet navn`` (also «Navn», «RES-navn»). Returns
    ``ansvar``, ``resultatenhet``, ``resultatenhet_navn`` (str) and ``kilde_rad``. An ansvar listed
    twice, a blank ansvar or result unit, or a non-digit ansvar raises
    :class:`~kostra_functions.errors.LedgerFormatError` naming file, row and column (the fellesskriv
    7/2009 named in Fellesskriv 5/2022 makes the RES the unit with its own budget; one ansvar has one RES).
    """
    return load_table(
        path,
        columns={
            "ansvar": ("ansvar", "ansvarssted", "ansvarsnr", "ansvarsnummer", "ansvarskode"),
            "resultatenhet": ("resultatenhet", "res", "resultatenhetnr", "resnr", "resultatenhetkode",
                              "reskode"),
            "resultatenhet_navn": ("resultatenhetnavn", "navn", "resnavn", "resultatenhetsnavn",
                                   "beskrivelse"),
        },
        required=("ansvar", "resultatenhet"),
        unique="ansvar",
        digits=("ansvar",),
        what="resultatenhetene",
    )


# -------------------------------------------------------------------------------------------- sums
def period_matrix(mapped: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Kroner per group and period: index = the ``by`` columns, columns = periods 1..13 (int).

    Sums ``belop`` (expenses +, revenues −); 0.0 where a group has nothing in a period. Groups with
    no rows at all do not appear. Categorical ``by`` columns keep their category order (function
    areas in the rule set's order).
    """
    by = list(by)
    if not by:
        raise InvalidArgumentError("Oppgi minst én kolonne å summere etter.")
    missing = [c for c in [*by, "periode", "belop"] if c not in mapped.columns]
    if missing:
        raise InvalidArgumentError("Kolonne(r) mangler for summering: " + ", ".join(missing) + ".")
    period = mapped["periode"].to_numpy()
    if len(period) and (period.min() < 1 or period.max() > 13):
        raise OutOfRangeError("Periodene skal være 1–13; tabellen har periode "
                              f"{int(period.min()) if period.min() < 1 else int(period.max())}.")
    columns = pd.Index(list(PERIODS), dtype=np.int64, name="periode")
    if all(isinstance(mapped[c].dtype, pd.CategoricalDtype) for c in by):
        return _period_matrix_codes(mapped, by, period, columns)
    grouped = mapped.groupby([*by, "periode"], observed=True, sort=True)["belop"].sum()
    matrix = grouped.unstack("periode", fill_value=0.0)
    matrix = matrix.reindex(columns=list(PERIODS), fill_value=0.0).astype(np.float64)
    matrix.columns = columns
    return matrix


def _period_matrix_codes(mapped: pd.DataFrame, by: list[str], period: np.ndarray,
                         columns: pd.Index) -> pd.DataFrame:
    """period_matrix for categorical keys: one combined integer key and one weighted bincount."""
    key = np.zeros(len(mapped), dtype=np.int64)
    sizes = []
    cats = []
    for col in by:
        cat = mapped[col].array
        k = len(cat.categories) + 1  # +1: a missing value gets its own slot
        codes = np.asarray(cat.codes, dtype=np.int64)
        key = key * k + np.where(codes < 0, k - 1, codes)
        sizes.append(k)
        cats.append(cat.categories)
    total = int(np.prod(sizes)) if sizes else 1
    if total * 13 > 50_000_000:  # too many combinations for a dense count: let pandas group
        grouped = mapped.groupby([*by, "periode"], observed=True, sort=True)["belop"].sum()
        matrix = grouped.unstack("periode", fill_value=0.0).reindex(columns=list(PERIODS), fill_value=0.0)
        matrix.columns = columns
        return matrix.astype(np.float64)
    flat = key * 13 + (period.astype(np.int64) - 1)
    sums = np.bincount(flat, weights=mapped["belop"].to_numpy(dtype=np.float64), minlength=total * 13)
    counts = np.bincount(key, minlength=total)
    present = np.flatnonzero(counts)
    values = sums.reshape(total, 13)[present]
    levels = []
    rest = present.copy()
    for size in reversed(sizes):
        rest, code = np.divmod(rest, size)
        levels.append(code)
    levels.reverse()
    arrays = []
    for codes, categories in zip(levels, cats, strict=True):
        arrays.append(pd.Categorical.from_codes(np.where(codes == len(categories), -1, codes),
                                                categories=categories))
    index = (pd.MultiIndex.from_arrays(arrays, names=by) if len(by) > 1
             else pd.CategoricalIndex(arrays[0], name=by[0]))
    return pd.DataFrame(values, index=index, columns=columns)


def last_period(ledger: pd.DataFrame) -> int:
    """The highest period that has rows (1–13); 0 for an empty ledger."""
    if len(ledger) == 0:
        return 0
    return int(ledger["periode"].max())


def summarise(
    actual: pd.DataFrame,
    budget: pd.DataFrame | None = None,
    *,
    through_period: int,
    by: Sequence[str] = ("funksjonsomrade", "funksjon"),
    earmarked: bool | None = False,
) -> pd.DataFrame:
    """Budget and accounts per group up to a period, as a district's follow-up shows them.

    ``actual``/``budget``: mapped ledgers (:func:`map_ledger`). ``through_period`` m: 1–13, the last
    closed period. ``earmarked``: ``False`` ordinary operations only, ``True`` earmarked projects only,
    ``None`` both (Fellesskriv 5/2022 §2 keeps them apart). Returns one row per group that has budget or
    accounts, index = ``by``, plus ``<col>_navn`` for each ``by`` column that has a name column, and:

    * ``justert_budsjett``: adjusted annual budget (budget periods 1–12), kroner;
    * ``budsjett_hittil``: budget periods 1..min(m, 12);
    * ``regnskap_periode``: accounts in period m;
    * ``regnskap_hittil``: accounts periods 1..m (period 13 only when m = 13);
    * ``avvik_hittil``: ``budsjett_hittil − regnskap_hittil``; positive = mindreforbruk (underspend),
      negative = merforbruk (overspend);
    * ``forbruk_andel``: ``regnskap_hittil / justert_budsjett`` (NaN when the budget is 0).

    All amounts in kroner, expenses +, revenues −.
    """
    if not isinstance(through_period, (int, np.integer)) or isinstance(through_period, bool) \
            or not 1 <= int(through_period) <= 13:
        raise OutOfRangeError(f"Perioden må være 1–13 (fikk {through_period!r}).")
    m = int(through_period)
    by = list(by)
    frames = {"regnskap": actual, "budsjett": budget}
    parts = {}
    names: dict[str, dict[str, str]] = {}
    for label, frame in frames.items():
        if frame is None:
            continue
        if earmarked is not None:
            if "oremerket" not in frame.columns:
                raise InvalidArgumentError("Tabellen mangler «oremerket»; kjør map_ledger først.")
            frame = frame[frame["oremerket"].to_numpy() == earmarked]
        matrix = period_matrix(frame, by) if len(frame) else _empty_matrix(by)
        matrix.index = _plain_index(matrix.index, by)
        parts[label] = matrix
        for col in by:
            name_col = f"{col}_navn"
            if name_col in frame.columns and len(frame):
                pairs = frame[[col, name_col]].drop_duplicates()
                names.setdefault(col, {}).update(zip(pairs[col].astype(str), pairs[name_col].astype(str),
                                                     strict=True))
    index = parts["regnskap"].index
    if "budsjett" in parts:
        index = index.union(parts["budsjett"].index, sort=False)
    act = parts["regnskap"].reindex(index, fill_value=0.0)
    bud = parts["budsjett"].reindex(index, fill_value=0.0) if "budsjett" in parts else None
    cols = list(PERIODS)
    out = pd.DataFrame(index=index)
    for col in by:
        if col in names:
            level = index.get_level_values(col) if isinstance(index, pd.MultiIndex) else index
            out[f"{col}_navn"] = [names[col].get(str(v), "") for v in level]
    out["justert_budsjett"] = bud[cols[:12]].sum(axis=1) if bud is not None else 0.0
    out["budsjett_hittil"] = bud[cols[:min(m, 12)]].sum(axis=1) if bud is not None else 0.0
    out["regnskap_periode"] = act[m]
    out["regnskap_hittil"] = act[cols[:m]].sum(axis=1)
    out["avvik_hittil"] = out["budsjett_hittil"] - out["regnskap_hittil"]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = out["regnskap_hittil"].to_numpy() / out["justert_budsjett"].to_numpy()
    out["forbruk_andel"] = np.where(out["justert_budsjett"].to_numpy() == 0, np.nan, share)
    return _sort(out, by, actual, budget)


def _empty_matrix(by: list[str]) -> pd.DataFrame:
    index = pd.MultiIndex.from_arrays([[] for _ in by], names=by) if len(by) > 1 else pd.Index([], name=by[0])
    return pd.DataFrame(0.0, index=index, columns=pd.Index(list(PERIODS), dtype=np.int64, name="periode"))


def _plain_index(index: pd.Index, by: list[str]) -> pd.Index:
    """The same index with plain str levels (categoricals of two frames cannot be unioned reliably)."""
    if isinstance(index, pd.MultiIndex):
        levels = [index.get_level_values(i).astype(str) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=by)
    return pd.Index(index.astype(str), name=by[0])


def _sort(out: pd.DataFrame, by: list[str], *frames: pd.DataFrame | None) -> pd.DataFrame:
    """Rows in category order where a ``by`` column is categorical (function areas by rule set), else text."""
    keys = []
    for col in by:
        order: dict[str, int] = {}
        for frame in frames:
            if (frame is not None and col in frame.columns
                    and isinstance(frame[col].dtype, pd.CategoricalDtype)):
                for i, c in enumerate(frame[col].cat.categories):
                    order.setdefault(str(c), i)
        level = out.index.get_level_values(col) if isinstance(out.index, pd.MultiIndex) else out.index
        values = [str(v) for v in level]
        if col == "funksjonsomrade" or not order:
            keys.append([order.get(v, len(order)) for v in values] if order else values)
        else:
            keys.append(values)
    if not len(out):
        return out
    position = sorted(range(len(out)), key=lambda i: tuple(k[i] for k in keys))
    return out.iloc[position]
