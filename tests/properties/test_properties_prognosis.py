"""Property-based tests (hypothesis) over the prognosis arithmetic (issue 8).

The deviation prognosis is (ARCHITECTURE.md, :mod:`kostra_functions.prognosis`)

    deviation = (adjusted budget + carried-forward + central allocations) − (projection − measures)

with every figure rounded to øre. So, whatever the method and the numbers:

* it is **linear in measures**: ``d(m) = d(0) + m`` exactly to the øre (measures are a saving);
* it is linear in **carried-forward** (counted from period 2, Oslo's rule set) and in **central
  allocations**: ``d(x) = d(0) + x``;
* a **revenue function** is the mirror image of an expense function: negating budget, accounts,
  budget to date, a manual projection, carried-forward and allocations (revenues are negative in the
  accounts; a profile's share does not change) negates the deviation before measures, and measures
  still count as a saving: ``d_mirror(m) = −d(0) + m``;
* the whole-district table ``KOSTRA_AVVIK_TABELL`` gives each function the deviation the scalar
  ``KOSTRA_AVVIK`` gives for that function's sums, on random small districts (several result units,
  expense and revenue arts, every period 0–13 and the methods periodisert, lineær and profil).

Amounts are drawn as whole øre and compared as whole øre: "exactly to the øre" is an integer equality.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kostra_functions import prognosis as pg
from kostra_functions.errors import KostraError
from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.prognosis.district import ORDINARY

MAX_ORE = 10**12  # ±10 mrd. kr: far beyond a district, well inside 15 significant digits
ore = st.integers(min_value=-MAX_ORE, max_value=MAX_ORE)
saving = st.integers(min_value=0, max_value=MAX_ORE // 10)
open_period = st.integers(min_value=1, max_value=11)  # measures are only allowed while months remain
any_period = st.integers(min_value=0, max_value=13)


def kr(amount_ore: int) -> float:
    return amount_ore / 100


def to_ore(kroner: float) -> int:
    """Whole øre of a figure the library returns; the figure must be exactly that many øre."""
    cents = Decimal(repr(kroner)) * 100
    assert cents == cents.to_integral_value(), f"{kroner!r} is not a whole number of øre"
    return int(cents)


@st.composite
def method_and_basis(draw: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A method, its basis as library keywords, and the same basis mirrored (for a revenue function)."""
    method = draw(st.sampled_from(pg.METHODS))
    if method == pg.PERIODISED:
        b = kr(draw(ore))
        return method, {"budget_ytd": b}, {"budget_ytd": -b}
    if method == pg.MANUAL:
        m = kr(draw(ore))
        return method, {"manual_projection": m}, {"manual_projection": -m}
    if method == pg.PROFILE:
        if draw(st.booleans()):
            share = draw(st.integers(min_value=1, max_value=1000)) / 1000
            return method, {"share": share}, {"share": share}
        profile = [kr(v) for v in draw(st.lists(st.integers(1, 10**9), min_size=12, max_size=12))]
        return method, {"profile": profile}, {"profile": [-v for v in profile]}
    return method, {}, {}


def deviation(budget: float, actual: float, period: int, method: str, basis: dict[str, Any], **kw: Any
              ) -> int | str:
    """The deviation in whole øre, or the kind of error when the library refuses (a profile share so
    small that the projection passes 10 000 mrd. kr is #NUM!, never an inexact figure)."""
    try:
        return to_ore(pg.prognosis(budget, actual, period, method=method, **basis, **kw).deviation)
    except KostraError as exc:
        return type(exc).__name__


def plus(d: int | str, amount: int) -> int | str:
    """``d + amount`` for a figure; an error stays the same error (the properties hold on both)."""
    return d if isinstance(d, str) else d + amount


def minus(d: int | str) -> int | str:
    return d if isinstance(d, str) else -d


@settings(max_examples=150, deadline=None)
@given(ore, ore, open_period, method_and_basis(), saving)
def test_deviation_is_linear_in_measures(b: int, a: int, period: int,
                                         mb: tuple[str, dict[str, Any], dict[str, Any]], m: int) -> None:
    method, basis, _ = mb
    d0 = deviation(kr(b), kr(a), period, method, basis)
    assert deviation(kr(b), kr(a), period, method, basis, measures=kr(m)) == plus(d0, m)


@settings(max_examples=150, deadline=None)
@given(ore, ore, any_period, method_and_basis(), ore, ore)
def test_deviation_is_linear_in_carried_forward_and_allocations(
    b: int, a: int, period: int, mb: tuple[str, dict[str, Any], dict[str, Any]], cf: int, alloc: int
) -> None:
    method, basis, _ = mb
    if period == 0 and method != pg.MANUAL:
        a = 0  # no month closed: nothing can have been posted
    d0 = deviation(kr(b), kr(a), period, method, basis)
    counted = cf if period >= pg.DEFAULT_CARRIED_FORWARD_FROM else 0  # Oslo: from February
    assert deviation(kr(b), kr(a), period, method, basis, carried_forward=kr(cf)) == plus(d0, counted)
    assert deviation(kr(b), kr(a), period, method, basis, central_allocations=kr(alloc)) == plus(d0, alloc)
    both = deviation(kr(b), kr(a), period, method, basis, carried_forward=kr(cf),
                     central_allocations=kr(alloc))
    assert both == plus(d0, counted + alloc)


@settings(max_examples=150, deadline=None)
@given(ore, ore, open_period, method_and_basis(), saving, ore, ore)
def test_a_revenue_function_mirrors_an_expense_function(
    b: int, a: int, period: int, mb: tuple[str, dict[str, Any], dict[str, Any]], m: int, cf: int, alloc: int
) -> None:
    method, basis, mirrored = mb
    d0 = deviation(kr(b), kr(a), period, method, basis, carried_forward=kr(cf), central_allocations=kr(alloc))
    mirror = deviation(-kr(b), -kr(a), period, method, mirrored, carried_forward=-kr(cf),
                       central_allocations=-kr(alloc))
    assert mirror == minus(d0)
    with_measures = deviation(-kr(b), -kr(a), period, method, mirrored, measures=kr(m),
                              carried_forward=-kr(cf), central_allocations=-kr(alloc))
    assert with_measures == plus(minus(d0), m)


@settings(max_examples=100, deadline=None)
@given(ore, ore, open_period, method_and_basis(), saving, ore, ore)
def test_the_excel_function_is_the_library(
    b: int, a: int, period: int, mb: tuple[str, dict[str, Any], dict[str, Any]], m: int, cf: int, alloc: int
) -> None:
    method, basis, _ = mb
    expected = deviation(kr(b), kr(a), period, method, basis, measures=kr(m), carried_forward=kr(cf),
                         central_allocations=kr(alloc))
    cell = (basis.get("budget_ytd") if "budget_ytd" in basis else basis.get("manual_projection")
            if "manual_projection" in basis else basis.get("share")
            if "share" in basis else [basis["profile"]] if "profile" in basis else None)
    got = FUNCTIONS["KOSTRA_AVVIK"].call(kr(b), kr(a), period, method, cell, kr(m), kr(cf), kr(alloc))
    if isinstance(expected, str):  # the library refused: the cell shows the error value, not a number
        assert isinstance(got, ExcelError) and got.code == "#NUM!", got
        return
    assert not isinstance(got, ExcelError), got
    assert to_ore(got) == expected


# ---------------------------------------------------------------------------------------------
# The whole-district table against the scalar function

#: Functions of the example district (valid in 2023 and in the Oslo rule set's function areas).
FUNCTION_POOL = ("120", "201", "211", "231", "232", "233", "242", "244", "254", "276")
UNITS = ("110", "210", "310")
HEADER = ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Beløp"]
small = st.integers(min_value=-(10**9), max_value=10**9)  # ±10 mill. kr per posting


@st.composite
def district(draw: Any) -> dict[tuple[str, str, str], tuple[list[int], list[int]]]:
    """(function, ansvar, art) → (budget øre per period 1–12, accounts øre per period 1–13)."""
    functions = draw(st.lists(st.sampled_from(FUNCTION_POOL), min_size=1, max_size=3, unique=True))
    rows = {}
    for f in functions:
        for unit in draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=2, unique=True)):
            art = draw(st.sampled_from(("10100", "16000")))  # expense (lønn) or revenue (salg)
            budget = draw(st.lists(small, min_size=12, max_size=12))
            actual = draw(st.lists(small, min_size=13, max_size=13))
            rows[(f, unit, art)] = (budget, actual)
    return rows


def ledger_range(
    rows: dict[tuple[str, str, str], tuple[list[int], list[int]]], which: int
) -> list[list[Any]]:
    out: list[list[Any]] = [list(HEADER)]
    for (f, unit, art), amounts in rows.items():
        for p, amount in enumerate(amounts[which], start=1):
            out.append([art, unit, f, "", p, kr(amount)])
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(district(), any_period, st.sampled_from((pg.PERIODISED, pg.LINEAR, pg.PROFILE)))
def test_the_table_agrees_with_the_scalar_function_per_function(
    rows: dict[tuple[str, str, str], tuple[list[int], list[int]]], period: int, method: str
) -> None:
    table = FUNCTIONS["KOSTRA_AVVIK_TABELL"].call(
        ledger_range(rows, 1), ledger_range(rows, 0), period, 2023, method
    )
    assert not isinstance(table, ExcelError), table
    header = table[0]
    col = {name: header.index(name) for name in ("Del", "Funksjon", "Avviksprognose")}
    shown = {
        r[col["Funksjon"]]: r[col["Avviksprognose"]]
        for r in table[1:]
        if r[col["Del"]] == ORDINARY and r[col["Funksjon"]] not in ("Sum", "")
    }
    functions = {f for f, _, _ in rows}
    assert set(shown) == functions
    for f in sorted(functions):
        mine = [v for k, v in rows.items() if k[0] == f]
        budget_by_period = [sum(b[p] for b, _ in mine) for p in range(12)]
        adjusted = sum(budget_by_period)
        actual_ytd = sum(sum(a[:period]) for _, a in mine)
        budget_ytd = sum(budget_by_period[:period])
        assume(abs(adjusted) < 10**11)
        basis: Any = {
            pg.PERIODISED: kr(budget_ytd),
            pg.LINEAR: None,
            pg.PROFILE: [[kr(v) for v in budget_by_period]],
        }[method]
        scalar = FUNCTIONS["KOSTRA_AVVIK"].call(kr(adjusted), kr(actual_ytd), period, method, basis)
        cell = shown[f]
        if isinstance(scalar, ExcelError) or isinstance(cell, ExcelError):
            # the profile says nothing (share 0 or below): both refuse, with the same Excel error value
            assert isinstance(scalar, ExcelError) and isinstance(cell, ExcelError), (f, scalar, cell)
            assert scalar.code == cell.code, (f, scalar, cell)
            continue
        assert to_ore(cell) == to_ore(scalar), (f, method, period, cell, scalar)
