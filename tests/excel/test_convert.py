"""Cell value conversion: every face's values become the same Python values or a clear error."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from kostra_functions.errors import InvalidArgumentError, MissingArgumentError
from kostra_functions.excel import convert
from kostra_functions.excel.convert import ExcelError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", 1234.0),
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),  # no-break space as thousands separator (Excel nb-NO)
        ("1\u202f234,50", 1234.5),  # narrow no-break space
        ("1.234,50", 1234.5),  # Norwegian with dot grouping
        ("1,234.50", 1234.5),  # English
        ("-1.234.567,89", -1234567.89),
        ("1 234 567", 1234567.0),
        ("kr 12 500,-", 12500.0),
        ("12 500 kr", 12500.0),
        ("NOK 99,90", 99.9),
        ("(1 234)", -1234.0),  # accounting negative
        ("1234-", -1234.0),  # trailing minus (some Agresso exports)
        ("\u22121 234,5", -1234.5),  # Unicode minus sign
        ("0,125", 0.125),  # leading 0: not ambiguous
        ("1234,567", 1234.567),  # 4 integer digits: comma cannot be a thousands separator
        ("12,5", 12.5),
        ("1e3", 1000.0),
        (",5", 0.5),
    ],
)
def test_amount_text_is_parsed(text: str, expected: float) -> None:
    assert convert.parse_amount_text(text) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1.234", "uklart"),  # thousands or decimal? refused rather than guessed
        ("12,500", "uklart"),
        ("abc", "tegn som ikke hører til"),
        ("", "ingen sifre"),
        ("kr", "ingen sifre"),
        ("1,2,3", "tusenskilletegnene"),
        ("1.234,5,6", "desimaltegnet"),
        ("12 34a", "tegn som ikke hører til"),
        ("1.23.456", "tusenskilletegnene"),
    ],
)
def test_bad_amount_text_is_refused_with_reason(text: str, fragment: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        convert.parse_amount_text(text, "beløp")
    assert fragment in str(info.value)
    assert "beløp" in str(info.value)


def test_to_number_blank_error_and_types() -> None:
    assert convert.to_number(5, "x") == 5.0
    assert convert.to_number([[7.5]], "x") == 7.5  # a 1×1 range is its value
    assert convert.to_number(np.array([[3.0]]), "x") == 3.0
    assert convert.to_number(None, "x", optional=True, default=0.0) == 0.0
    with pytest.raises(MissingArgumentError, match="«x» mangler"):
        convert.to_number(None, "x")
    with pytest.raises(MissingArgumentError):
        convert.to_number("   ", "x")
    with pytest.raises(InvalidArgumentError, match="#I/T"):
        convert.to_number("#N/A", "x")
    with pytest.raises(InvalidArgumentError, match="#VERDI!"):
        convert.to_number(ExcelError("#VALUE!"), "x")
    with pytest.raises(InvalidArgumentError, match="SANN/USANN"):
        convert.to_number(True, "x")
    with pytest.raises(InvalidArgumentError, match="dato"):
        convert.to_number(date(2023, 1, 31), "x")
    with pytest.raises(InvalidArgumentError, match="endelig"):
        convert.to_number(math.nan, "x")
    with pytest.raises(InvalidArgumentError, match="endelig"):
        convert.to_number(math.inf, "x")
    with pytest.raises(InvalidArgumentError, match="urimelig stort"):
        convert.to_number(1e15, "x")
    with pytest.raises(InvalidArgumentError, match="område med 2 celler"):
        convert.to_number([[1, 2]], "x")


def test_to_int() -> None:
    assert convert.to_int(3.0, "periode") == 3
    assert convert.to_int("6", "periode") == 6
    with pytest.raises(InvalidArgumentError, match="heltall"):
        convert.to_int(3.5, "periode")
    assert convert.to_int(None, "periode", optional=True, default=7) == 7


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        (202, 3, "202"),
        (202.0, 3, "202"),
        ("202", 3, "202"),
        (" 202 ", 3, "202"),
        ("202.0", 3, "202"),
        (10, 3, "010"),  # art 010 typed as a number: Excel dropped the zero, the width restores it
        (10.0, 3, "010"),
        ("010", 3, "010"),
        (30105, 6, "030105"),
        (np.float64(215.0), 3, "215"),
    ],
)
def test_to_code(value: object, width: int, expected: str) -> None:
    assert convert.to_code(value, "kode", width=width) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("10", "har 2 sifre"),  # text is kept as typed: "10" is not guessed to be "010"
        ("2O2", "bare ha sifre"),  # letter O instead of zero
        ("20 2", "bare ha sifre"),
        (202.5, "ikke en gyldig kode"),
        (-202, "ikke en gyldig kode"),
        (True, "SANN/USANN"),
        ("#REF!", "#REF!"),
        ("٢٠٢", "bare ha sifre"),  # Arabic-Indic digits are digits to Python, not to KOSTRA
        (2020, "har 4 sifre"),
    ],
)
def test_bad_code_is_refused(value: object, fragment: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        convert.to_code(value, "funksjon")
    assert fragment in str(info.value)


def test_to_date_accepts_excel_serials_and_norwegian_text() -> None:
    assert convert.to_date(45291, "dato") == date(2023, 12, 31)  # Excel serial for 31.12.2023
    assert convert.to_date(45292.0, "dato") == date(2024, 1, 1)
    assert convert.to_date("31.12.2023", "dato") == date(2023, 12, 31)
    assert convert.to_date("2024-01-01", "dato") == date(2024, 1, 1)
    with pytest.raises(InvalidArgumentError, match=r"31\.12\.2023"):
        convert.to_date("31/13/2023", "dato")
    with pytest.raises(InvalidArgumentError):
        convert.to_date(45291.5, "dato")


def test_to_bool_and_text() -> None:
    assert convert.to_bool("SANN", "x") is True
    assert convert.to_bool("nei", "x") is False
    assert convert.to_bool(1.0, "x") is True
    with pytest.raises(InvalidArgumentError):
        convert.to_bool("kanskje", "x")
    assert convert.to_text(202.0, "x") == "202"
    assert convert.to_text("  drift ", "x") == "drift"


def test_tables_and_lists() -> None:
    assert convert.to_table(5, "x") == [[5]]
    assert convert.to_table([1, 2], "x") == [[1, 2]]
    assert convert.to_table(np.array([[1, 2], [3, 4]]), "x") == [[1, 2], [3, 4]]
    with pytest.raises(InvalidArgumentError, match="ulik lengde"):
        convert.to_table([[1, 2], [3]], "x")
    assert convert.to_number_list([[1], ["2,5"], [3]], "profil") == [1.0, 2.5, 3.0]
    with pytest.raises(InvalidArgumentError, match=r"én rad eller én kolonne"):
        convert.to_number_list([[1, 2], [3, 4]], "profil")
    with pytest.raises(MissingArgumentError, match=r"profil\[2\]"):
        convert.to_number_list([[1, None, 3]], "profil")


def test_error_values_are_recognised_in_both_languages() -> None:
    assert convert.as_excel_error("#N/A") == ExcelError("#N/A")
    assert convert.as_excel_error("#I/T") == ExcelError("#N/A")
    assert convert.as_excel_error("#VERDI!") == ExcelError("#VALUE!")
    assert convert.as_excel_error("N/A") is None
    assert ExcelError("#N/A").norwegian == "#I/T"
