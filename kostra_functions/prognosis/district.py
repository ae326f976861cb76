"""A district's basis for its deviation prognoses: accounts and budget per detail row and period.

Seed 000 §2 asks for a deviation prognosis per KOSTRA function with earmarked projects (project
numbers starting with 2 or 3, rule set ``[oremerking]``) **separately**; §3 asks the status report to
the district council to show the development by function area, KOSTRA function and result unit.
:func:`district_basis` maps a district's ledger (accounts to date) and periodised budget once and
sums them into a 13-period matrix per detail row (block × function area × function × result unit);
the Excel table caches it by content (:func:`content_key`). The prognoses for a period are computed
from it by :mod:`kostra_functions.prognosis.compute`.

* The adjusted budget is the budget ledger's total over all periods; the budget to date sums its
  periods 1..m (m = 13 takes all). Accounts to date sum the account ledger's periods 1..m.
* Only operating rows (``kontoklasse == "drift"``) are followed up; investment rows are left out and
  noted (Fellesskriv 5/2022 is about the operating budget).
* ``profil`` uses one profile per block and function (all result units together), so the method
  stays additive: either last year's monthly accounts (``last_year``) or the budget's own
  periodisation.

Kroner, expenses +, revenues −.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions.errors import OutOfRangeError
from kostra_functions.prognosis.methods import YEAR_END_PERIOD

ORDINARY = "Ordinær drift"
EARMARKED = "Øremerkede prosjekter"
UNALLOCATED_NAME = "Ikke fordelt på resultatenhet"
NO_AREA_NAME = "Uten funksjonsområde"
#: The key and name columns of a detail row, in order.
KEY_COLUMNS = ("blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon", "funksjon_navn",
               "resultatenhet", "resultatenhet_navn")


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
        return {c: self.rows[c].astype(str).to_numpy(dtype=object) for c in KEY_COLUMNS}


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
    bad = both[(both["periode"] < 1) | (both["periode"] > YEAR_END_PERIOD)]
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
    actual = np.zeros((n, YEAR_END_PERIOD))
    budgeted = np.zeros((n, YEAR_END_PERIOD))
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
        vec = np.zeros(YEAR_END_PERIOD)
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
