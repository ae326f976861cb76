"""Reading ledger and budget exports: real CSV/XLSX files written to tmp_path and read back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kostra_functions.errors import InvalidArgumentError, LedgerFormatError
from kostra_functions.ledger import CANONICAL_COLUMNS, ledger_from_frame, read_ledger
from kostra_functions.tables.headers import column_letter, normalise_header

NBSP = "\u00a0"
HEADER = "Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp"


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(LedgerFormatError) as info:
        read_ledger(path, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


# ------------------------------------------------------------------------------------ good files
def test_small_cp1252_ledger_reads_every_row(small_ledger: Path) -> None:
    df = read_ledger(small_ledger)
    assert list(df.columns) == list(CANONICAL_COLUMNS)
    assert len(df) == 13  # 14 lines minus the header
    assert df.attrs["kind"] == "regnskap"  # generic «Beløp» = accounts
    assert df.attrs["koding"] == "cp1252"
    assert df.attrs["path"] == str(small_ledger)
    assert df["kilde_rad"].tolist() == list(range(2, 15))
    first = df.iloc[0]
    codes = (first["art"], first["ansvar"], first["funksjon"], first["prosjekt"])
    assert codes == ("10100", "210", "201", "")
    assert first["periode"] == 1
    # "100 000,00" (space), "100<NBSP>000,00", "150 000,50", "-20 000,00", "5 000,25", "12 345,67"
    assert df["belop"].tolist()[:6] == [100000.0, 100000.0, 150000.5, -20000.0, -20000.0, 5000.25]
    assert df["belop"].iloc[-1] == 12345.67
    assert df.loc[df["prosjekt"] == "21001", "kilde_rad"].tolist() == [9, 10]
    # sum by hand: 100 000 + 100 000 + 150 000,50 − 20 000 − 20 000 + 5 000,25 + 40 000 + 30 000
    #   − 50 000 + 7 000 − 7 000 + 900 + 12 345,67 = 348 246,42
    assert df["belop"].sum() == pytest.approx(348246.42, abs=1e-6)


def test_utf8_bom_budget_with_header_variants_and_yyyymm(write_text) -> None:
    lines = [
        " KONTO ;Ansvarssted;Tjeneste;Prosjektnr;Per;Justert  budsjett;Opprinnelig budsjett",
        "10100;210;201;;202301;1 200 000;1 100 000",
        "16000;210;201;;202312;-240 000,00;-200 000",
    ]
    path = write_text("budsjett.csv", lines, "utf-8-sig")
    df = read_ledger(path)
    assert df.attrs["kind"] == "budsjett"  # decided from «Justert budsjett»
    assert df.attrs["koding"] == "utf-8-sig"
    assert df.attrs["aar"] == 2023
    assert df.attrs["kolonner"]["belop"] == "Justert  budsjett"  # not the original budget
    assert df["periode"].tolist() == [1, 12]
    assert df["belop"].tolist() == [1200000.0, -240000.0]


def test_header_matching_ignores_case_spaces_and_accents() -> None:
    assert normalise_header(" BELØP (kr) ") == "belopkr"
    assert normalise_header("Beløp") == normalise_header("Belop") == normalise_header("BELOP") == "belop"
    assert normalise_header("Justert budsjett") == "justertbudsjett"
    assert column_letter(0) == "A" and column_letter(25) == "Z" and column_letter(26) == "AA"


def test_plain_utf8_without_bom_and_tab_separator(write_text) -> None:
    lines = ["Art\tAnsvar\tFunksjon\tPeriode\tRegnskap", "10100\t210\t201\t3\t-1234,50"]
    df = read_ledger(write_text("eksport.txt", lines, "utf-8"))
    assert df.attrs["koding"] == "utf-8"
    assert df.attrs["kind"] == "regnskap"
    assert df["prosjekt"].tolist() == [""]  # no project column: every row has none
    assert df["belop"].tolist() == [-1234.5]


def test_title_lines_and_blank_lines_keep_source_row_numbers(write_text) -> None:
    lines = [
        "Rapport: Hovedbok Bydel Eksempel",  # 1
        "",  # 2
        HEADER,  # 3
        "10100;210;201;;1;100,00",  # 4
        "",  # 5 blank: skipped and reported
        ";;;;;",  # 6 blank in every column: skipped and reported
        "10100;210;201;;2;200,00",  # 7
    ]
    df = read_ledger(write_text("med_tittel.csv", lines))
    assert df["kilde_rad"].tolist() == [4, 7]
    assert df["belop"].tolist() == [100.0, 200.0]
    assert df.attrs["tomme_rader"] == [5, 6]


def test_leading_zeros_kept_and_lost_ones_restored(write_text) -> None:
    lines = [HEADER, "01010;010;201;;1;5,00", "1010;10;201;;2;6,00", "01010.0;010;201;;3;7,00"]
    df = read_ledger(write_text("nuller.csv", lines))
    # "1010" and "01010.0" are what Excel leaves of the investment art 01010; ansvar 10 → 010
    assert df["art"].tolist() == ["01010", "01010", "01010"]
    assert df["ansvar"].tolist() == ["010", "010", "010"]
    assert df.attrs["utfylte_koder"] == {"art": 1, "ansvar": 1}


def test_period_forms(write_text) -> None:
    lines = [HEADER, "10100;210;201;;6;1,00", "10100;210;201;;06;2,00", "10100;210;201;;6.0;3,00",
             "10100;210;201;;13;4,00"]
    df = read_ledger(write_text("perioder.csv", lines))
    assert df["periode"].tolist() == [6, 6, 6, 13]
    assert df.attrs["aar"] is None


def test_amount_forms_agree_with_plain_amounts(write_text) -> None:
    plain = read_ledger(write_text("plain.csv", [HEADER, "10100;210;201;;1;-1234567,89",
                                                 "10100;210;201;;1;0,5"]))
    fancy = read_ledger(write_text("fancy.csv", [
        HEADER, "10100;210;201;;1;-1.234.567,89", "10100;210;201;;1;kr 0,50",
    ]))
    trailing = read_ledger(write_text("trailing.csv", [HEADER, f"10100;210;201;;1;1{NBSP}234{NBSP}567,89-",
                                                       "10100;210;201;;1;0,50"]))
    assert plain["belop"].tolist() == [-1234567.89, 0.5]
    assert fancy["belop"].tolist() == plain["belop"].tolist()
    assert trailing["belop"].tolist() == plain["belop"].tolist()


def test_text_fields_are_never_interpreted(write_text) -> None:
    lines = ["Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Beløp",
             '10100;210;201;;1;"=HYPERLINK(""http://x"";""klikk"")";10,00',
             '10100;210;201;;1;"tekst; med semikolon";20,00']
    df = read_ledger(write_text("tekst.csv", lines))
    assert df["belop"].tolist() == [10.0, 20.0]
    assert "Tekst" not in df.columns


def test_code_columns_are_categories_of_text(small_ledger: Path) -> None:
    df = read_ledger(small_ledger)
    for col in ("art", "ansvar", "funksjon", "prosjekt"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype)
        assert all(isinstance(c, str) for c in df[col].cat.categories)
    assert (df["art"] == "10100").sum() == 5
    assert df["art"].str[1:4].tolist()[0] == "010"
    assert df["periode"].dtype == np.int64 and df["kilde_rad"].dtype == np.int64


# ------------------------------------------------------------------------------------- bad files
def test_missing_required_column_names_file_and_header_row(write_text) -> None:
    path = write_text("mangler.csv", ["Art;Ansvar;Periode;Beløp", "10100;210;1;5,00"])
    message = _error(path)
    assert "mangler.csv" in message
    assert "rad 1" in message
    assert "«Funksjon» mangler" in message


def test_duplicated_column_names_both(write_text) -> None:
    path = write_text("dobbel.csv", ["Konto;Ansvar;Funksjon;Art;Periode;Beløp", "10100;210;201;10100;1;5,00"])
    message = _error(path)
    assert "dobbel.csv" in message
    assert "«Konto» (A)" in message and "«Art» (D)" in message


def test_both_accounts_and_budget_amounts_need_a_kind(write_text) -> None:
    path = write_text("begge.csv", ["Art;Ansvar;Funksjon;Periode;Regnskap;Budsjett", "10100;210;201;1;5;6"])
    assert "oppgi om den skal leses som regnskap eller budsjett" in _error(path)
    assert read_ledger(path, kind="budsjett")["belop"].tolist() == [6.0]
    assert read_ledger(path, kind="regnskap")["belop"].tolist() == [5.0]


def test_only_original_budget_is_refused(write_text) -> None:
    path = write_text("oppr.csv", ["Art;Ansvar;Funksjon;Periode;Opprinnelig budsjett", "10100;210;201;1;5"])
    assert "opprinnelige budsjettet" in _error(path, kind="budsjett")


def test_unparseable_amount_names_file_row_and_column(write_text) -> None:
    path = write_text("belop.csv", [HEADER, "10100;210;201;;1;5,00", "10100;210;201;;1;12x"])
    message = _error(path)
    assert "belop.csv" in message
    assert "rad 3, kolonne «Beløp» (F)" in message
    assert "«12x» er ikke et beløp" in message


def test_ambiguous_amount_is_refused(write_text) -> None:
    # "1,234" could be 1,234 kr or 1 234 kr: refused, as in the Excel functions
    message = _error(write_text("uklar.csv", [HEADER, "10100;210;201;;1;1,234"]))
    assert "rad 2, kolonne «Beløp» (F)" in message and "uklart" in message


def test_blank_amount_and_sum_line(write_text) -> None:
    lines = [HEADER, "10100;210;201;;1;", ";;;;;1 000,00"]
    message = _error(write_text("tom_belop.csv", lines))
    assert "rad 2, kolonne «Beløp» (F): beløp mangler" in message
    assert "rad 3, kolonne «Art» (A): art mangler" in message and "sumlinje" in message


def test_period_outside_range_and_budget_period_13(write_text) -> None:
    message = _error(write_text("periode.csv", [HEADER, "10100;210;201;;14;5,00", "10100;210;201;;0;5,00"]))
    assert "rad 2, kolonne «Periode» (E): periode 14 er utenfor 1–13" in message
    assert "rad 3, kolonne «Periode» (E): periode 0 er utenfor 1–13" in message
    budget = write_text("budsjett13.csv", ["Art;Ansvar;Funksjon;Periode;Budsjett", "10100;210;201;13;5"])
    assert "rad 2, kolonne «Periode» (D)" in _error(budget)


def test_period_of_another_year(write_text) -> None:
    lines = [HEADER, "10100;210;201;;202301;1,00", "10100;210;201;;202302;1,00", "10100;210;201;;202212;1,00"]
    path = write_text("aar.csv", lines)
    message = _error(path)
    assert "rad 4, kolonne «Periode» (E): perioden er i 2022, men de fleste radene gjelder 2023" in message
    message = _error(write_text("aar2.csv", lines[:3]), year=2024)
    assert "rad 2 og 3, kolonne «Periode» (E): perioden er i 2023, men regnskapsåret er 2024" in message


def test_bad_codes(write_text) -> None:
    lines = [HEADER, "=SUM(A1);210;201;;1;1,00", "20100;210;201;;1;1,00", "10100;210;2010;;1;1,00",
             "10100;21A;201;;1;1,00", "10100;210;201;P-1;1;1,00"]
    message = _error(write_text("koder.csv", lines))
    assert "5 feil" in message
    assert "rad 2, kolonne «Art» (A): «=SUM(A1)» er ikke en gyldig art: koden skal bare ha sifre" in message
    assert "rad 3, kolonne «Art» (A): art «20100» må begynne med 1 (drift) eller 0 (investering)" in message
    assert "rad 4, kolonne «Funksjon» (C): «2010» har 4 sifre; funksjon skal ha 3 sifre" in message
    assert "rad 5, kolonne «Ansvar» (B)" in message
    assert "rad 6, kolonne «Prosjekt» (D)" in message


def test_many_rows_with_the_same_bad_code_are_summarised(write_text) -> None:
    lines = [HEADER] + ["ABCDE;210;201;;1;1,00"] * 8
    message = _error(write_text("mange.csv", lines))
    assert "rad 2, 3, 4, 5, 6 og 3 rader til, kolonne «Art» (A)" in message


def test_empty_file_and_header_only(write_text, tmp_path: Path) -> None:
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    assert "tom.csv: filen er tom (0 byte)" in _error(empty)
    assert "ingen rader med data" in _error(write_text("bare_overskrift.csv", [HEADER]))
    assert "alle radene under er tomme" in _error(write_text("tomme_rader.csv", [HEADER, ";;;;;", ""]))


def test_file_that_is_neither_utf8_nor_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "rar.csv"
    path.write_bytes(b"Art;Ansvar;Funksjon;Periode;Bel\xf8p\r\n10100;210;201;1;5\r\n10100;210;201;1;\x81\r\n")
    message = _error(path)
    assert "rar.csv: rad 3: filen er verken UTF-8 eller Windows-1252 (byte 0x81" in message


def test_utf16_and_binary_files(tmp_path: Path) -> None:
    utf16 = tmp_path / "unicode.csv"
    utf16.write_bytes((HEADER + "\r\n").encode("utf-16"))
    assert "UTF-16" in _error(utf16)
    binary = tmp_path / "binar.csv"
    binary.write_bytes(b"Art;Ansvar\r\n\x00\x01\x02")
    assert "rad 2: filen inneholder binære data" in _error(binary)
    old_excel = tmp_path / "gammel.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert "gamle Excel-formatet" in _error(old_excel)


def test_size_limit(small_ledger: Path) -> None:
    message = _error(small_ledger, max_bytes=100)
    assert "mer enn grensen på 100 byte" in message


def test_row_with_too_many_fields(write_text) -> None:
    lines = [HEADER, "10100;210;201;;1;1,00", "10100;210;201;;1;1,00", "10100;210;201;;1;tekst;1,00"]
    message = _error(write_text("felt.csv", lines))
    assert "rad 4 har 7 felt, men radene over har 6" in message


def test_missing_file_and_bad_kind(tmp_path: Path) -> None:
    assert "finnes ikke" in _error(tmp_path / "borte.csv")
    with pytest.raises(InvalidArgumentError):
        read_ledger(tmp_path / "borte.csv", kind="prognose")  # type: ignore[arg-type]


def test_no_header_row(write_text) -> None:
    message = _error(write_text("uten.csv", ["10100;210;201;1;5,00", "10100;210;201;2;6,00"]))
    assert "fant ingen overskriftsrad" in message and "«10100;210;201;1;5,00»" in message


# ------------------------------------------------------------------------------------------ XLSX
def _workbook(path: Path, rows: list[list[object]], title: str = "Hovedbok") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_xlsx_with_numeric_codes_text_amounts_and_dates(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "hovedbok.xlsx", [
        ["Hovedbok 2023"],  # 1: title
        ["Konto", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Beløp"],  # 2
        [1010, 110, 201, None, 202306, 1234.5],  # 3: investment art 01010 read as a number
        ["10100", "110", "201", 21001, 6, "1 234,50"],  # 4
        [10100.0, 110.0, 201.0, None, datetime(2023, 7, 1), -99],  # 5: period as a date
        [None, None, None, None, None, None],  # 6: blank
        [10100, 110, 232, "30012", 13, 0],  # 7
    ])
    df = read_ledger(path)
    assert df["art"].tolist() == ["01010", "10100", "10100", "10100"]
    assert df["ansvar"].tolist() == ["110"] * 4
    assert df["funksjon"].tolist() == ["201", "201", "201", "232"]
    assert df["prosjekt"].tolist() == ["", "21001", "", "30012"]
    assert df["periode"].tolist() == [6, 6, 7, 13]
    assert df["belop"].tolist() == [1234.5, 1234.5, -99.0, 0.0]
    assert df["kilde_rad"].tolist() == [3, 4, 5, 7]
    assert df.attrs["ark"] == "Hovedbok" and df.attrs["aar"] == 2023
    assert df.attrs["tomme_rader"] == [6]


def test_xlsx_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "feil.xlsx", [
        ["Art", "Ansvar", "Funksjon", "Periode", "Beløp"],
        [10100, 110, 201, 1, "#N/A"],
        [10100, 110, 201, 1, None],
        [10100, 110, 201, True, 5],
    ], title="Ark1")
    message = _error(path)
    assert "feil.xlsx, ark «Ark1»" in message
    assert "rad 2, kolonne «Beløp» (E): cellen inneholder feilverdien #I/T" in message
    assert ("rad 3, kolonne «Beløp» (E): beløp mangler (tom celle) (eller en formel uten lagret verdi"
            in message)
    # an Excel TRUE is not period 1 (Python counts True == 1; the reader keeps them apart)
    assert "rad 4, kolonne «Periode» (D): «SANN» er ikke en periode" in message


def test_xlsx_named_sheet_and_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "to_ark.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Forside"
    wb.active.append(["Dette er forsiden"])
    data = wb.create_sheet("Data")
    data.append(["Art", "Ansvar", "Funksjon", "Periode", "Budsjett"])
    data.append([10100, 110, 201, 1, 1000])
    wb.save(path)
    df = read_ledger(path)  # the first sheet with a header row
    assert df.attrs["ark"] == "Data" and df.attrs["kind"] == "budsjett"
    assert df["belop"].tolist() == [1000.0]
    assert "arket «Mangler» finnes ikke" in _error(path, sheet="Mangler")


# ---------------------------------------------------------------------------- ranges from Excel
def test_ledger_from_frame_mixed_cells() -> None:
    frame = pd.DataFrame(
        [[10100.0, 110.0, 201.0, None, 1.0, 100.0],
         ["10100", "110", "201", "21001", "2", "1 000,50"],
         [1010.0, 110.0, 201.0, "", 3.0, -5]],
        columns=["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Beløp"],
    )
    df = ledger_from_frame(frame, kind="regnskap", source="Ark1!A1:F4")
    assert df["art"].tolist() == ["10100", "10100", "01010"]
    assert df["prosjekt"].tolist() == ["", "21001", ""]
    assert df["periode"].tolist() == [1, 2, 3]
    assert df["belop"].tolist() == [100.0, 1000.5, -5.0]
    assert df["kilde_rad"].tolist() == [2, 3, 4]
    assert df.attrs["path"] == "Ark1!A1:F4"


def test_ledger_from_frame_errors_name_the_range() -> None:
    frame = pd.DataFrame([[10100, 110, 201, 1, "#VALUE!"]],
                         columns=["Art", "Ansvar", "Funksjon", "Periode", "Beløp"])
    with pytest.raises(LedgerFormatError) as info:
        ledger_from_frame(frame, kind="regnskap", source="Ark1!A1:E2")
    assert str(info.value) == (
        "Ark1!A1:E2: rad 2, kolonne «Beløp» (E): cellen inneholder feilverdien #VERDI!"
    )
    missing = pd.DataFrame([[10100, 1, 5]], columns=["Art", "Periode", "Beløp"])
    with pytest.raises(LedgerFormatError, match="«Ansvar» mangler"):
        ledger_from_frame(missing, kind="regnskap")
