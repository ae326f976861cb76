"""Tests for the SSB accounting file (``kostra_functions.ssb_file``).

Expected layouts come from SSB's file description (``kravspesifikasjon/
file_description_Regnskap_2025.md``): skjema 1–2, årgang 3–6, kvartal 7 («` `: Årsregnskap»),
region 8–13, orgnr 14–22, foretaksnr 23–31, kontoklasse 32, funksjon_kapittel 33–36, art_sektor
37–39, beløp 40–48 («Beløpet skal gis i 1000 kr og høyrejusteres», «Inntekter (kredit) rapporteres
i negative verdier (med minustegnet i posisjonen foran beløpet)»).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from kostra_functions.errors import InvalidArgumentError, LedgerFormatError
from kostra_functions.ssb_file import (
    RECORD_LENGTH,
    Record,
    Submission,
    amounts_from_frame,
    amounts_in_thousands,
    format_record,
    kroner_to_thousands,
    looks_like_ssb_file,
    read_ssb_file,
    records_from_amounts,
    write_ssb_file,
)

DISTRICT = Submission.create("0A", 2023, None, "030105")


def test_record_positions_follow_the_file_description() -> None:
    text = format_record(DISTRICT, "drift", "202", "010", 1235)
    assert len(text) == RECORD_LENGTH == 48
    assert text[0:2] == "0A"          # 1–2 skjema
    assert text[2:6] == "2023"        # 3–6 årgang
    assert text[6] == " "             # 7 kvartal: blank = årsregnskap
    assert text[7:13] == "030105"     # 8–13 region
    assert text[13:22] == " " * 9     # 14–22 orgnr (not given)
    assert text[22:31] == " " * 9     # 23–31 foretaksnr
    assert text[31] == "1"            # 32 kontoklasse: 0A drift = 1
    assert text[32:36] == "202 "      # 33–36 funksjon, left-justified
    assert text[36:39] == "010"       # 37–39 art
    assert text[39:48] == "     1235"  # 40–48 beløp, right-justified
    assert text == "0A2023 030105                  1202 010     1235"


def test_revenue_has_minus_in_front_of_digits_and_investment_class_0() -> None:
    text = format_record(DISTRICT, "investering", "841", "729", -42)
    assert text[31] == "0"  # felles_regnskap.md Kontroll 009: 0A → 0 og 1; 0 = investering
    assert text[39:48] == "      -42"


def test_quarter_and_consolidated_classes() -> None:
    q2 = Submission.create("0AK2", 2024, None, "030105")
    assert (q2.skjema, q2.quarter) == ("0A", 2)
    assert format_record(q2, "drift", "202", "010", 1)[6] == "2"
    consolidated = Submission.create("0M", 2023, None, "0301")
    assert consolidated.region == "030100"
    assert format_record(consolidated, "drift", "202", "010", 1)[31] == "3"       # 0M: 3 og 4
    assert format_record(consolidated, "investering", "202", "010", 1)[31] == "4"
    balance = Submission.create("0B", 2023, None, "030100")
    assert format_record(balance, "balanse", "5900", "000", 1)[31:39] == "25900000"


@pytest.mark.parametrize(
    ("kroner", "thousands"),
    [(1499.99, 1), (1500, 2), (-1500, -2), (-1499.99, -1), (499.99, 0), (500, 1), (1_234_567.40, 1235),
     (Decimal("2500.00"), 3), (0, 0)],
)
def test_rounding_is_half_away_from_zero(kroner: float, thousands: int) -> None:
    assert kroner_to_thousands(kroner) == thousands


def test_bad_values_are_refused_with_norwegian_messages() -> None:
    with pytest.raises(InvalidArgumentError, match="Skjema «0X» støttes ikke"):
        Submission.create("0X", 2023, None, "030105")
    with pytest.raises(InvalidArgumentError, match="Kvartalet skal være 1, 2, 3 eller 4"):
        Submission.create("0A", 2023, 5, "030105")
    with pytest.raises(InvalidArgumentError, match="gjelder kvartal 2, men kvartal 3"):
        Submission.create("0AK2", 2023, 3, "030105")
    with pytest.raises(InvalidArgumentError, match="Regionen mangler"):
        Submission.create("0A", 2023, None, "")
    with pytest.raises(InvalidArgumentError, match="seks siffer"):
        Submission.create("0A", 2023, None, "03010")
    with pytest.raises(InvalidArgumentError, match="Kontoklassen «balanse» finnes ikke i skjema 0A"):
        format_record(DISTRICT, "balanse", "202", "010", 1)
    with pytest.raises(InvalidArgumentError, match="får ikke plass"):
        format_record(DISTRICT, "drift", "202", "010", 10**9)
    with pytest.raises(InvalidArgumentError, match="tre sifre"):
        format_record(DISTRICT, "drift", "202", "10", 1)


def test_records_from_amounts_sorts_and_drops_zero_lines() -> None:
    amounts = {("drift", "202", "700"): -1_000_000, ("drift", "202", "010"): 1_234_567.40,
               ("investering", "841", "729"): 400, ("drift", "120", "298"): 10_000}
    texts = records_from_amounts(amounts, DISTRICT)
    # 400 kr rounds to 0 thousand and is left out (SSB drops beløp 0, RegnskapValidator.getRecordsList)
    assert [t[31:39] for t in texts] == ["1120 298", "1202 010", "1202 700"]
    assert [int(t[39:]) for t in texts] == [10, 1235, -1000]


def test_round_trip_write_read_write_gives_identical_bytes(tmp_path) -> None:
    amounts = {("drift", "202", "010"): 1_234_567.40, ("drift", "202", "700"): -1_000_000,
               ("drift", "120", "298"): 10_000, ("drift", "120", "798"): -10_000,
               ("investering", "841", "729"): -2_600}
    first = write_ssb_file(tmp_path / "a.txt", records_from_amounts(amounts, DISTRICT))
    read = read_ssb_file(first)
    second = write_ssb_file(tmp_path / "b.txt", [r.text for r in read.records])
    assert first.read_bytes() == second.read_bytes()
    assert read.render().encode() == first.read_bytes()
    assert amounts_in_thousands(read.records) == {
        ("1", "202", "010"): 1235, ("1", "202", "700"): -1000, ("1", "120", "298"): 10,
        ("1", "120", "798"): -10, ("0", "841", "729"): -3,
    }


def test_reading_keeps_crlf_and_reports_line_numbers(tmp_path) -> None:
    path = tmp_path / "crlf.txt"
    lines = ["0A2023 030105                  1202 010     1235",
             "0A2023 030105                  1202 700    -1235"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    ssb = read_ssb_file(path)
    assert [r.line for r in ssb.records] == [1, 2]
    assert ssb.records[1].belop == -1235
    assert ssb.render().encode() == path.read_bytes()


def test_unreadable_files_raise(tmp_path) -> None:
    with pytest.raises(LedgerFormatError, match="finnes ikke"):
        read_ssb_file(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(LedgerFormatError, match="tom"):
        read_ssb_file(tmp_path / "empty.txt")
    (tmp_path / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00")
    with pytest.raises(LedgerFormatError, match="ikke en tekstfil"):
        read_ssb_file(tmp_path / "binary.txt")


def test_record_fields_and_invalid_amount() -> None:
    r = Record(7, "0A2023 030105                  1202 010    12a4")
    assert (r.skjema, r.aargang, r.kvartal, r.region, r.kontoklasse, r.code, r.art) == (
        "0A", "2023", " ", "030105", "1", "202", "010")
    assert r.belop is None and r.amount == 0
    short = Record(1, "0A2023")
    assert short.art_sektor == "   "  # padded, so control 001 reports the length instead of a crash


def test_detects_ssb_files_and_ledgers(tmp_path) -> None:
    ssb = tmp_path / "ssb.txt"
    ssb.write_text("0A2023 030105                  1202 010     1235\n")
    ledger = tmp_path / "hb.csv"
    ledger.write_text("Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp\n10100;330;202;;1;100\n")
    assert looks_like_ssb_file(ssb)
    assert not looks_like_ssb_file(ledger)


def test_ledger_frame_is_summed_in_ore_and_classified_by_the_ruleset(tmp_path) -> None:
    from kostra_functions.ledger import read_ledger

    path = tmp_path / "hb.csv"
    path.write_text(
        "Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp\n"
        "10100;330;202;;1;1 000 000,10\n"
        "10100;330;202;;2;234 567,30\n"
        "17000;330;202;;3;-1 000 000,00\n"
        "02000;930;222;12345;4;2 600,00\n",
        encoding="utf-8",
    )
    amounts = amounts_from_frame(read_ledger(path), year=2023)
    assert amounts == {
        ("drift", "202", "010"): Decimal("1234567.40"),
        ("drift", "202", "700"): Decimal("-1000000.00"),
        ("investering", "222", "200"): Decimal("2600.00"),
    }


def test_mapped_frame_with_bad_function_names_the_source_row() -> None:
    frame = pd.DataFrame({"kontoklasse": ["drift", "drift"], "funksjon": ["202", "20"],
                          "kostra_art": ["010", "010"], "belop": [1.0, 2.0], "kilde_rad": [2, 3]})
    with pytest.raises(LedgerFormatError, match=r"rad 3.*funksjon «20» skal ha tre sifre"):
        amounts_from_frame(frame)
