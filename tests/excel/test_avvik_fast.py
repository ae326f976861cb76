"""KOSTRA_AVVIK's fast path gives exactly what the full way gives (issue 18).

The fast path (``kostra_avvik_fast``) computes the deviation alone for plain cells; the full way
converts every argument, builds the 15-figure Prognosis and caches. For any cells (plain numbers,
Office.js ints, blanks, method spellings, text where a number belongs, periods out of range, unknown
rule sets …) the fast path either declines (``FALLBACK``) or returns the very float the full way
returns; and for the plain cells a sheet has, it does not decline.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import FALLBACK

FAST_ROW = FUNCTIONS["KOSTRA_AVVIK"]
FULL_ROW = dataclasses.replace(FAST_ROW, fast=None)

amount_ore = st.integers(min_value=-10**11, max_value=10**11)
as_float = amount_ore.map(lambda o: o / 100)
amount = st.one_of(as_float, st.integers(min_value=-10**9, max_value=10**9),
                   st.sampled_from([0.0, -0.0, 0.005, 2.675, -0.125, 1e13, 1e14, float("nan")]))
cell = st.one_of(amount, st.none(), st.sampled_from(["", "1 234,50", "abc", True, "#I/T"]))
period = st.one_of(st.integers(min_value=-1, max_value=14), st.integers(0, 13).map(float),
                   st.sampled_from([6.5, None, "6", True]))
method = st.one_of(st.none(), st.sampled_from(
    ["lineær", "Lineær ", "LINEAER", "periodisert", "p", "profil", "sesong", "manuell", "M", "",
     "  ", "ukjent", "#N/A", 3.0]))
share = st.one_of(st.floats(min_value=0.0, max_value=1.2, allow_nan=False), st.just(1e-12))
ruleset = st.sampled_from([None, "oslo_bydel", " oslo_bydel ", "okonomireglement", "finnes_ikke", 1.0])


def same(fast: Any, full: Any) -> bool:
    if isinstance(full, ExcelError):
        return False  # the fast path must have declined every error
    return type(fast) is type(full) and fast == full and str(fast) == str(full)


@settings(max_examples=600, deadline=None)
@given(b=cell, a=cell, p=period, m=method, basis=st.one_of(cell, share), meas=cell, cf=cell,
       alloc=cell, rs=ruleset, n=st.integers(min_value=3, max_value=9))
def test_fast_path_equals_full_way(b, a, p, m, basis, meas, cf, alloc, rs, n) -> None:
    raw = (b, a, p, m, basis, meas, cf, alloc, rs)[:n]
    fast = FAST_ROW.fast(*raw)
    if fast is FALLBACK:
        return
    full = FULL_ROW.call(*raw)
    assert same(fast, full), (raw, fast, full)


@settings(max_examples=400, deadline=None)
@given(b=as_float, a=as_float, p=st.integers(0, 13), m=st.sampled_from(["lineær", "periodisert", None]),
       ytd=as_float, meas=st.integers(0, 10**8).map(lambda o: o / 100), cf=as_float, alloc=as_float,
       as_int=st.booleans())
def test_plain_cells_take_the_fast_path(b, a, p, m, ytd, meas, cf, alloc, as_int) -> None:
    """The template's cells (floats from Excel, or whole numbers as Office.js ints) never decline,
    except where the full way gives an error (period 0 with accounts, measures after period 11)."""
    period: Any = p if as_int else float(p)
    if p == 0:
        a = 0.0
    if p >= 12:
        meas = 0.0
    raw = (b, a, period, m, ytd, meas, cf, alloc, "oslo_bydel")
    fast = FAST_ROW.fast(*raw)
    assert fast is not FALLBACK, raw
    assert same(fast, FULL_ROW.call(*raw))


def test_worked_examples() -> None:
    """By hand: lineær 650 000 × 12 / 6 = 1 300 000 → 1 200 000 − 1 300 000 = −100 000; periodisert
    650 000 + (1 200 000 − 600 000) = 1 250 000, with 20 000 measures and 10 000 carried forward in
    period 6: (1 200 000 + 10 000) − (1 250 000 − 20 000) = −20 000."""
    assert FAST_ROW.fast(1_200_000.0, 650_000.0, 6.0, "lineær") == -100_000.0
    assert FAST_ROW.fast(1_200_000.0, 650_000.0, 6.0, "periodisert", 600_000.0, 20_000.0, 10_000.0) \
        == -20_000.0
    # carried forward does not count in period 1 (oslo_bydel: from period 2)
    assert FAST_ROW.fast(1_200_000, 100_000, 1, "lineær", None, None, 10_000) == 0.0
    # errors are left to the full way, which words them
    assert FAST_ROW.fast(1_200_000.0, 650_000.0, 6.0, "ukjent") is FALLBACK
    assert isinstance(FAST_ROW.call(1_200_000.0, 650_000.0, 6.0, "ukjent"), ExcelError)


def test_a_share_out_of_range_is_an_error_whatever_the_period() -> None:
    # Found by the property test: at period 0 (and 12–13) the projection does not use the share,
    # but the full way still rejects a profile share outside 0 < share ≤ 1 (#NUM!), so the fast
    # path must not answer with the budget (0 here) — it declines and the full way gives the error.
    cases = [(0.0, 0.0, 0, "profil", 0.0), (100.0, 0.0, 13, "profil", 1.5), (10.0, 10.0, 12, "profil", -0.2)]
    for raw in cases:
        assert FAST_ROW.fast(*raw) is FALLBACK
        full = FULL_ROW.call(*raw)
        assert isinstance(full, ExcelError) and full.code == "#NUM!", (raw, full)
