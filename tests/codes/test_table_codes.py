"""The foundation's Excel functions, called as a face calls them (raw cell values in, Excel values out).

Expected values come from the sources: names from seed 002 (KOSTRA guide 2012) and SSB's lists
(shared/reference/kostra_funksjoner_2023.csv), validity from SSB's control program lists, the
account layout from seed 001 §2.1.2, earmarking from seed 000 §2.
"""

from __future__ import annotations

import pytest

from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS, get


def call(name: str, *args: object) -> object:
    return FUNCTIONS[name].call(*args)


def assert_error(result: object, code: str, *fragments: str) -> None:
    assert isinstance(result, ExcelError), f"expected {code}, got {result!r}"
    assert result.code == code
    for fragment in fragments:
        assert fragment in result.message


# ------------------------------------------------------------------------------------ KOSTRA_NAVN
@pytest.mark.parametrize(
    ("function", "year", "name"),
    [
        (202, 2023, "Grunnskole"),  # seed 002: "202 Grunnskole"
        ("215", 2023, "Skolefritidstilbud"),  # seed 002 / seed 001: "215 Skolefritidstilbud"
        (253.0, 2023, "Helse- og omsorgstjenester i institusjon"),  # SSB 2023 name
        (254, 2023, "Helse- og omsorgstjenester til hjemmeboende"),
        (" 281 ", 2024, "Ytelse til livsopphold"),
        (201, 2012, "Førskole"),  # seed 002 (2012): "201 Førskole"
    ],
)
def test_navn(function: object, year: int, name: str) -> None:
    assert call("KOSTRA_NAVN", function, year) == name


def test_navn_errors() -> None:
    # 254 expired 1.1.2024; SSB's lists have 257/258 new in 2024 (256 existed already).
    assert_error(call("KOSTRA_NAVN", 254, 2024), "#N/A", "254", "2024", "257", "258")
    assert_error(call("KOSTRA_NAVN", 999, 2023), "#N/A", "999")
    assert_error(call("KOSTRA_NAVN", None, 2023), "#VALUE!", "funksjon", "mangler")
    assert_error(call("KOSTRA_NAVN", "2O2", 2023), "#VALUE!", "sifre")
    assert_error(call("KOSTRA_NAVN", "#N/A", 2023), "#VALUE!", "#I/T")
    assert_error(call("KOSTRA_NAVN", 202, 2015), "#NUM!", "2015")
    assert_error(call("KOSTRA_NAVN", 202, "tjuetjuetre"), "#VALUE!", "år")
    assert_error(call("KOSTRA_NAVN", 202, 2023, "12345"), "#VALUE!", "region")
    assert_error(call("KOSTRA_NAVN", 202, 2023, None, "ekstra"), "#VALUE!", "høyst 3")


def test_oslo_functions_depend_on_region() -> None:
    # 691 is valid for Oslo (030100–030115) in 2023 (SSB RegnskapConstants.osloKommuner), not elsewhere.
    assert call("KOSTRA_GYLDIG", 691, 2023, None, None, 30105) is True  # region typed as a number
    assert call("KOSTRA_GYLDIG", 691, 2023, None, None, "460100") is False
    assert_error(call("KOSTRA_NAVN", 691, 2023, "460100"), "#N/A", "Oslo")


# ---------------------------------------------------------------------------------- KOSTRA_GYLDIG
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((254, 2023), True),
        ((254, 2024), False),  # expired 1.1.2024
        ((257, 2024), True),
        ((257, 2023), False),  # new in 2024
        ((841, 2023, "funksjon", "drift"), False),  # SSB control 020: 841 only in investment
        ((841, 2023, "funksjon", "investering"), True),
        ((800, 2023, "funksjon", "investering"), False),  # control 040: 800 only in drift
        ((10, 2023, "art"), True),  # art 010 typed as a number, leading zero restored
        (("010", 2023, "art"), True),
        ((280, 2023, "art", "drift"), False),  # control 025: art 280 only in investment
        (("abc", 2023), False),
        ((2020, 2023), False),  # four digits: not a KOSTRA function
    ],
)
def test_gyldig(args: tuple[object, ...], expected: bool) -> None:
    assert call("KOSTRA_GYLDIG", *args) is expected


def test_gyldig_errors() -> None:
    assert_error(call("KOSTRA_GYLDIG", None, 2023), "#VALUE!", "mangler")
    assert_error(call("KOSTRA_GYLDIG", "#REF!", 2023), "#VALUE!", "#REF!")
    assert_error(call("KOSTRA_GYLDIG", 202, 2023, "tjeneste"), "#VALUE!", "funksjon", "art")
    assert_error(call("KOSTRA_GYLDIG", 202, 2023, "funksjon", "balanse"), "#VALUE!", "drift")


# ---------------------------------------------------------------------------------- KOSTRA_OMRADE
def test_omrade() -> None:
    # oslo_bydel.toml: 281 in FO4 (Oslo budget 2020 del 5-12), 231/232 in FO2C.
    assert call("KOSTRA_OMRADE", 281, 2023) == "FO4"
    assert call("KOSTRA_OMRADE", 231, 2023) == "FO2C"
    assert call("KOSTRA_OMRADENAVN", 281, 2023) == "Sosiale tjenester og ytelser"
    assert_error(call("KOSTRA_OMRADE", 841, 2023), "#N/A", "funksjonsområde")
    assert_error(call("KOSTRA_OMRADE", 254, 2024), "#N/A", "257")  # not valid that year
    assert_error(call("KOSTRA_OMRADE", 281, 2023, "finnes_ikke"), "#VALUE!", "Ukjent regelsett")
    assert_error(call("KOSTRA_OMRADE", 281, 2023, "okonomireglement"), "#VALUE!", "funksjonsområder")


# -------------------------------------------------------------------- KOSTRA_FUNKSJON / KOSTRA_ART
def test_account_functions() -> None:
    s = "10100.330.215.93159"  # seed 001's examples joined into one string
    assert call("KOSTRA_FUNKSJON", s, "okonomireglement") == "215"
    assert call("KOSTRA_ART", s, "okonomireglement") == "010"
    assert call("KOSTRA_KONTOKLASSE", "02000.911.215.12345", "okonomireglement") == "investering"
    assert call("KOSTRA_ART", 10100330215.0) == "010"  # digits run together, arrived as a number
    assert call("KOSTRA_OREMERKET", "10100.330.253.21001") is True  # Oslo: project starts with 2
    assert call("KOSTRA_OREMERKET", "10100.330.253.41001") is False


def test_account_function_errors() -> None:
    assert_error(call("KOSTRA_FUNKSJON", "10100.330.21"), "#VALUE!", "funksjon «21»")
    assert_error(call("KOSTRA_ART", "30100.330.215"), "#VALUE!", "drift", "investering")
    assert_error(call("KOSTRA_FUNKSJON", None), "#VALUE!", "mangler")
    assert_error(call("KOSTRA_FUNKSJON", "#N/A"), "#VALUE!", "#I/T")
    # an investment account typed as a number lost its leading 0: refused, not misread as drift
    assert_error(call("KOSTRA_ART", 2000911215.0), "#VALUE!", "kan ikke deles opp")


# ----------------------------------------------------------------------------------- KOSTRA_FEIL
def test_feil_explains_the_same_call() -> None:
    assert call("KOSTRA_FEIL", "KOSTRA_NAVN", 254, 2024).startswith("Funksjon 254 er ikke gyldig i 2024")
    assert call("KOSTRA_FEIL", "navn", 202, 2023) == "OK"
    assert "mangler" in call("KOSTRA_FEIL", "KOSTRA.NAVN")
    assert_error(call("KOSTRA_FEIL", "KOSTRA_FINNESIKKE", 1), "#N/A", "finnes ikke")


# ----------------------------------------------------------------------------------- the table
def test_every_row_has_norwegian_help_and_valid_shape() -> None:
    assert len(FUNCTIONS) >= 9
    for fn in FUNCTIONS.values():
        assert fn.name.startswith("KOSTRA_")
        assert 20 < len(fn.help) <= 255, fn.name  # Excel's function wizard cuts at 255 characters
        assert fn.example.startswith("="), fn.name
        for arg in fn.args:
            assert 10 < len(arg.help) <= 255, (fn.name, arg.name)
        assert get(fn.name.replace("_", ".", 1)) is fn  # KOSTRA.NAVN spelling (Excel on the web)


def test_python_api_raises() -> None:
    from kostra_functions.errors import InvalidCodeError

    with pytest.raises(InvalidCodeError):
        FUNCTIONS["KOSTRA_NAVN"].call_python(254, 2024)


def test_cli_lists_every_function(capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import main

    assert main(["funksjoner"]) == 0
    out = capsys.readouterr().out
    for name, fn in FUNCTIONS.items():
        assert fn.signature in out, name
    assert "KOSTRA_NAVN(funksjon; [år]; [region])" in out
