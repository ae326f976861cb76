"""Property-based test (hypothesis) over EVERY row of the Excel function table (issue 15).

Each function is called the way Excel calls it, with arguments drawn from every type a cell or a
range can hold: numbers (±inf, NaN, −0.0, huge, tiny), text up to a cell's 32 767 characters
(control characters, digits that look like codes, error spellings), SANN/USANN, empty cells, error
values, dates and date-times, and 2-D ranges mixing all of these. Valid-looking values (real codes,
account strings, rule-set names) are mixed in so that calls get past the first argument.

Asserted for every call:

* ``call`` never raises (Excel semantics: a value or an error value);
* when an argument is one the function does not accept (its conversion refuses it), the answer is an
  error value, never a number or a table;
* no answer is NaN or ±inf, in a scalar or in a table cell;
* every error value carries a Norwegian reason, and ``KOSTRA_FEIL`` with the same arguments repeats
  exactly that reason.

CI (``CI=true``) runs a fixed, derandomised set of examples so a run is reproducible and bounded;
locally ``KOSTRA_HYPOTHESIS_EXAMPLES`` raises the number of examples for a longer hunt.
"""

from __future__ import annotations

import math
import os
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kostra_functions.errors import KostraError
from kostra_functions.excel import convert
from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import Arg, ExcelFunction
from tests.excel.test_authority_excel import REGISTER_RANGE
from tests.excel.test_xlwings_face import TABLE_SAMPLES, parse_example

EXCEL_CELL_LIMIT = 32_767

_EXAMPLES = int(os.environ.get("KOSTRA_HYPOTHESIS_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=_EXAMPLES,
    derandomize=bool(os.environ.get("CI")),
    deadline=None,
    database=None if os.environ.get("CI") else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# --- what a cell can hold --------------------------------------------------------------------------

numbers = st.one_of(
    st.sampled_from(
        [
            math.inf,
            -math.inf,
            math.nan,
            -0.0,
            0.0,
            1e308,
            -1e308,
            5e-324,
            1e13,
            1e13 + 1,
            2.0**53,
            2.0**63,
            2.0**64,
            1e300,
            3.5,
            -1.0,
            2023.0,
            2024.0,
            1899.0,
            2099.0,
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=0, max_value=99_999).map(float),
)

control_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Cs", "Zs", "Nd", "L", "P", "S"]),
    max_size=40,
)
long_text = st.builds(
    lambda chunk, n: (chunk * (n // max(len(chunk), 1) + 1))[:n],
    st.sampled_from(["a", "9", "1.", "\x00", "\n", "æøå ", "../", "#N/A", "oslo_bydel", "\u202e"]),
    st.sampled_from([255, 256, 300, 1024, 4096, EXCEL_CELL_LIMIT]),
)
plausible = st.sampled_from(
    [
        "201",
        "202",
        "254",
        "10100",
        "010",
        "10100.330.215.93159",
        "10100-330-215",
        "1",
        "0",
        "drift",
        "investering",
        "funksjon",
        "art",
        "oslo_bydel",
        "okonomireglement",
        "kristiansand_resultat",
        "030105",
        "lineær",
        "periodisert",
        "profil",
        "manuell",
        "attestasjon",
        "anvisning",
        "SANN",
        "USANN",
        "1 234,50",
        "1.234",
        "-",
        "31.12.2023",
        "2023-12-31",
        "KOSTRA_NAVN",
        "ukjent.toml",
        "../../etc/passwd",
        "/dev/zero",
        "CON",
        "nul",
        "a" * 256 + ".toml",
        "*",
        "330",
    ]
)
texts = st.one_of(control_text, long_text, plausible, st.sampled_from(["", " ", "\t", "\u00a0"]))
errors = st.one_of(
    st.sampled_from([ExcelError(code) for code in convert.ERROR_CODES]),
    st.sampled_from(list(convert.ERROR_CODES) + list(convert.ERROR_CODES.values())),
)
dates = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
)
scalars = st.one_of(numbers, texts, st.booleans(), st.none(), errors, dates)


@st.composite
def ranges(draw: st.DrawFn) -> list[list[Any]]:
    rows = draw(st.integers(min_value=1, max_value=6))
    cols = draw(st.integers(min_value=1, max_value=8))
    return [[draw(scalars) for _ in range(cols)] for _ in range(rows)]


values = st.one_of(scalars, scalars, scalars, ranges(), st.sampled_from([[], [[]], [[None]]]))


def _fitting(arg: Arg) -> st.SearchStrategy[Any]:
    """Values the argument's type accepts, so that a call with one hostile argument gets deep."""
    if arg.type == "code":
        return st.one_of(
            st.from_regex(rf"\A[0-9]{{{arg.width}}}\Z"),
            st.integers(0, 10**arg.width - 1).map(float),
            st.sampled_from(["201", "202", "254", "010", "10100", "030105"]),
        )
    if arg.type == "number":
        return st.one_of(
            st.floats(-1e9, 1e9, allow_nan=False), st.sampled_from([0.0, 1.0, 100_000.0, -50_000.0, 0.5])
        )
    if arg.type == "int":
        return st.one_of(st.integers(-3, 15).map(float), st.sampled_from([2023.0, 2024.0, 2025.0]))
    if arg.type == "bool":
        return st.booleans()
    if arg.type == "date":
        return st.one_of(st.dates(date(2020, 1, 1), date(2026, 12, 31)), st.sampled_from([45000.0]))
    if arg.type == "numbers":
        return st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=13).map(lambda r: [r])
    if arg.type == "table":
        return ranges()
    return st.one_of(plausible, st.none())


_LEDGER = [
    ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Beløp"],
    ["10100", "210", "201", None, 1.0, 100_000.0],
    ["16000", "210", "201", None, 2.0, -20_000.0],
]
_BUDGET = [
    ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Justert budsjett"],
    ["10100", "210", "201", None, 1.0, 110_000.0],
    ["16000", "210", "201", None, 2.0, -20_000.0],
]
#: Calls that work (from the rows' own examples and the range samples of the face tests): a hostile
#: value put into one or two of their arguments tests the code behind the first argument too.
_BASELINES: dict[str, tuple[Any, ...]] = {
    **{fn.name: parsed[0] for fn in FUNCTIONS.values() if (parsed := parse_example(fn)) is not None},
    **TABLE_SAMPLES,
    "KOSTRA_ATTESTASJON": (REGISTER_RANGE, 12_500.0, 330.0, "KL", "AB", "AB"),
    "KOSTRA_AVVIK_TABELL": (_LEDGER, _BUDGET, 6.0, 2023.0),
    "KOSTRA_STRYKNING": ("drift", 500_000.0, 300_000.0, 100_000.0, 400_000.0),
}


@st.composite
def calls(draw: st.DrawFn, fn: ExcelFunction) -> tuple[Any, ...]:
    n = len(fn.args)
    baseline = _BASELINES.get(fn.name)
    if baseline is not None and draw(st.booleans()):
        raw = list(baseline) + [None] * (n - len(baseline))
        for _ in range(draw(st.integers(1, 2))):
            raw[draw(st.integers(0, n - 1))] = draw(values)
        return tuple(raw)
    count = draw(st.integers(min_value=max(0, n - 3), max_value=n + (2 if fn.args[-1].repeating else 0)))
    hostile = draw(st.floats(0.1, 1.0))  # share of arguments drawn from every type a cell can hold
    raw = []
    for i in range(count):
        arg = fn.args[min(i, n - 1)]
        raw.append(draw(values) if draw(st.floats(0, 1)) < hostile else draw(_fitting(arg)))
    if fn.name == "KOSTRA_FEIL" and raw and draw(st.booleans()):
        raw[0] = draw(st.sampled_from(sorted(FUNCTIONS)))
    return tuple(raw)


# --- the properties --------------------------------------------------------------------------------


def _refused(fn: ExcelFunction, raw: tuple[Any, ...]) -> bool:
    """True when one of the arguments is not one the function accepts (its conversion refuses it)."""
    try:
        fn.convert_args(raw)
    except KostraError:
        return True
    return False


def _finite(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


def _check_error(fn: ExcelFunction, raw: tuple[Any, ...], err: ExcelError) -> None:
    assert err.code in convert.ERROR_CODES, err
    reason = err.message
    assert reason and reason.strip(), f"{fn.name}: error value {err.code} without a reason"
    assert len(reason) <= EXCEL_CELL_LIMIT, f"{fn.name}: the reason does not fit in a cell"
    for english in ("Traceback", "Error:", "object has no attribute", "invalid literal", "NoneType"):
        assert english not in reason, f"{fn.name}: reason is not Norwegian: {reason[:200]}"
    repeated = FUNCTIONS["KOSTRA_FEIL"].call(fn.name, *raw)
    assert repeated == reason, f"{fn.name}: KOSTRA_FEIL says {repeated!r}, the error value {reason!r}"


def check_call(fn: ExcelFunction, raw: tuple[Any, ...]) -> None:
    result = fn.call(*raw)  # must not raise
    if isinstance(result, ExcelError):
        _check_error(fn, raw, result)
        return
    assert not _refused(fn, raw), f"{fn.name}{raw!r:.300} answered {result!r:.200} for a refused argument"
    if isinstance(result, list):
        for row in result:
            assert isinstance(row, list)
            for cell in row:
                assert _finite(cell), f"{fn.name}: table cell {cell!r}"
                assert not (isinstance(cell, str) and len(cell) > EXCEL_CELL_LIMIT)
    else:
        assert _finite(result), f"{fn.name}: answered {result!r}"
        assert not (isinstance(result, str) and len(result) > EXCEL_CELL_LIMIT), f"{fn.name}: text too long"
        if fn.name != "KOSTRA_FEIL":
            explained = FUNCTIONS["KOSTRA_FEIL"].call(fn.name, *raw)
            assert explained == "OK", f"{fn.name}: answered, but KOSTRA_FEIL says {explained!r:.300}"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_answers_any_cell_value(name: str) -> None:
    fn = FUNCTIONS[name]

    @SETTINGS
    @given(calls(fn))
    def run(raw: tuple[Any, ...]) -> None:
        check_call(fn, raw)

    run()


# --- the classes issue 15 found, pinned as plain examples ------------------------------------------

_CODE_ARGS = {"code", "int", "number"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e308, -0.0])
def test_non_finite_numbers_in_any_argument_are_error_values(name: str, value: float) -> None:
    fn = FUNCTIONS[name]
    for i in range(len(fn.args)):
        raw = tuple(value if j == i else None for j in range(len(fn.args)))
        check_call(fn, raw)


#: Valid leading arguments, so that the call reaches the rule set (the last argument).
_VALID_START = {
    "KOSTRA_FUNKSJON": ("10100.330.215.93159",),
    "KOSTRA_ART": ("10100.330.215.93159",),
    "KOSTRA_KONTOKLASSE": ("10100.330.215.93159",),
    "KOSTRA_OREMERKET": ("10100.330.215.93159",),
    "KOSTRA_OMRADE": ("201", None),
    "KOSTRA_OMRADENAVN": ("201", None),
    "KOSTRA_DISPONERING": (100_000.0, None, None, None, None, None, None, None),
}


@pytest.mark.parametrize("name", sorted(_VALID_START))
@pytest.mark.parametrize("length", [255, 256, 4096, EXCEL_CELL_LIMIT])
def test_overlong_ruleset_names_are_error_values(name: str, length: int) -> None:
    fn = FUNCTIONS[name]
    assert fn.args[len(_VALID_START[name])].name == "regelsett"
    for text in ("x" * length, "x" * (length - 5) + ".toml", "d/" * (length // 2)):
        raw = (*_VALID_START[name], text)
        result = fn.call(*raw)
        assert isinstance(result, ExcelError), result
        assert "regelsett" in result.message.lower(), result.message
        assert len(result.message) < 300, result.message
        check_call(fn, raw)


@pytest.mark.parametrize("length", [256, EXCEL_CELL_LIMIT])
def test_overlong_ruleset_name_is_a_norwegian_error(length: int) -> None:
    from kostra_functions.errors import RuleSetError
    from kostra_functions.rulesets import load_ruleset

    for text in ("x" * length, "y" * length + ".toml", "mappe/" + "z" * length + ".toml"):
        with pytest.raises(RuleSetError):
            load_ruleset(text)


def test_codes_of_infinity_are_refused_not_overflowing() -> None:
    for value in (math.inf, -math.inf, math.nan):
        with pytest.raises(KostraError, match=r"ikke et endelig tall"):
            convert.to_code(value, "funksjon")


# KOSTRA_DISPONERING's regnskapsår: from the regulation's adoption (Bystyret 18.12.2019) to the newest
# code-list year + the four years of an economic plan (kommuneloven § 14-4).
@pytest.mark.parametrize("year", [-1.0, 0.0, 23.0, 1899.0, 2018.0, 2099.0, 1e12])
def test_disposition_refuses_years_outside_the_rule_set(year: float) -> None:
    from kostra_functions.codes.catalog import latest_year

    result = FUNCTIONS["KOSTRA_DISPONERING"].call(-300_000.0, 100_000.0, None, None, None, None, None, year)
    assert isinstance(result, ExcelError) and result.code == "#NUM!", result
    assert f"2019–{latest_year() + 4}" in result.message and "regnskapsår" in result.message
    check_call(FUNCTIONS["KOSTRA_DISPONERING"], (-300_000.0, 100_000.0, None, None, None, None, None, year))


def test_disposition_dates_the_instalments_for_a_valid_year() -> None:
    # −300 000 with a fund of 100 000: 200 000 negative fund, repaid 100 000 in 2024 and 100 000 in 2025.
    rows = FUNCTIONS["KOSTRA_DISPONERING"].call(-300_000.0, 100_000.0, None, None, None, None, None, 2023.0)
    assert isinstance(rows, list)
    assert rows[-3:] == [["Antall år for tilbakeføring", 2], ["Tilbakeføring per år (2024)", 100_000.0],
                         ["Tilbakeføring siste år (2025)", 100_000.0]], rows


def test_an_answer_quoting_a_full_cell_still_fits_in_a_cell() -> None:
    """Found by the property test: KOSTRA_ATTESTASJON quoted a 32 767-character approver in its
    finding, and the answer no longer fit in a cell. Long quotes are shortened."""
    name = "Q" * EXCEL_CELL_LIMIT
    result = FUNCTIONS["KOSTRA_ATTESTASJON"].call(REGISTER_RANGE, 12_500.0, 330.0, "Meny AS", name, name)
    assert isinstance(result, str) and len(result) <= EXCEL_CELL_LIMIT
    assert "ATT-FULLMAKT" in result and f"({EXCEL_CELL_LIMIT} tegn)" in result
