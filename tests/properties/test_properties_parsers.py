"""Property-based tests (hypothesis) over the cell parsers: every way a controller or an export writes
an amount or a code parses back to the same value, and nothing unparseable becomes a number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kostra_functions import accounts
from kostra_functions.errors import InvalidAccountStringError, InvalidArgumentError
from kostra_functions.excel import convert

ore = st.integers(min_value=-(10**13), max_value=10**13)  # amounts in øre, up to 100 mrd. kr


def norwegian(amount_ore: int, thousands: str) -> str:
    sign = "-" if amount_ore < 0 else ""
    kroner, rest = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner:,}".replace(",", thousands) + f",{rest:02d}"


@given(ore, st.sampled_from([" ", "\u00a0", "\u202f", ".", ""]))
def test_norwegian_amounts_round_trip(amount_ore: int, thousands: str) -> None:
    text = norwegian(amount_ore, thousands)
    assert Decimal(repr(convert.parse_amount_text(text))) == Decimal(amount_ore) / 100


@given(ore)
def test_english_amounts_round_trip(amount_ore: int) -> None:
    sign = "-" if amount_ore < 0 else ""
    kroner, rest = divmod(abs(amount_ore), 100)
    text = f"{sign}{kroner:,}.{rest:02d}"
    assert Decimal(repr(convert.parse_amount_text(text))) == Decimal(amount_ore) / 100


@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"]), min_size=1, max_size=12))
@example(".")  # found by this test: a lone decimal sign («.», «,», «(.)») read as 0
@example(",")
@example("(.)")
@example("-,-")
def test_text_without_digits_is_never_a_number(text: str) -> None:
    with pytest.raises(InvalidArgumentError):
        convert.to_number(text, "beløp")


@given(st.integers(min_value=0, max_value=999))
def test_codes_typed_as_numbers_keep_their_width(code: int) -> None:
    expected = f"{code:03d}"
    assert convert.to_code(code, "art") == expected
    assert convert.to_code(float(code), "art") == expected
    assert convert.to_code(expected, "art") == expected


@given(
    st.sampled_from(["1", "0"]),
    st.from_regex(r"\A[0-9]{4}\Z"),
    st.from_regex(r"\A[1-8][0-9]{2}\Z"),
    st.from_regex(r"\A[0-9]{3}\Z"),
    st.from_regex(r"\A9[0-9]{4}\Z"),
    st.sampled_from([".", "-", " ", ""]),
)
def test_account_strings_parse_to_their_parts(
    first: str, rest: str, resp: str, func: str, proj: str, sep: str
) -> None:
    art = first + rest
    if first == "0":
        resp = "9" + resp[1:]  # seed 001: investment ansvar starts with 9
    text = sep.join([art, resp, func, proj])
    a = accounts.parse(text, "okonomireglement")
    assert (a.art, a.responsibility, a.function, a.project) == (art, resp, func, proj)
    assert a.kostra_art == art[1:4]
    assert a.account_class == ("drift" if first == "1" else "investering")


@given(st.text(max_size=20))
def test_any_text_is_parsed_or_explained(text: str) -> None:
    try:
        accounts.parse(text, "okonomireglement")
    except InvalidAccountStringError as exc:
        assert exc.message.startswith("Kontostrengen")
