"""The shared tabular reader (``kostra_functions.tables``): sniffing, encodings, CSV, sheets, headers."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kostra_functions.authority import normalise_key
from kostra_functions.errors import LedgerFormatError
from kostra_functions.tables.headers import Column, unique_headers
from kostra_functions.tables.sniff import check_size, sniff
from kostra_functions.tables.text import (
    check_complete,
    csv_records,
    detect_encoding,
    guess_delimiter,
    read_text,
)
from kostra_functions.tables.xlsx import open_workbook, select_sheets, sheet_rows


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _error(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(LedgerFormatError) as info:
        call(*args, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------------------------------- sniff
def test_sniff_decides_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    assert sniff(_file(tmp_path, "a.csv", b"PK\x03\x04rest")) == "xlsx"
    assert sniff(_file(tmp_path, "b.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")) == "ole"
    assert sniff(_file(tmp_path, "c.xlsx", b"%PDF-1.4\n")) == "pdf"
    assert sniff(_file(tmp_path, "d.xlsx", b"Art;Ansvar\r\n")) == "text"
    assert sniff(_file(tmp_path, "e.csv", b"")) == "text"


def test_check_size_refuses_too_large_and_empty_files(tmp_path: Path) -> None:
    big = _file(tmp_path, "big.csv", b"x" * 2048)
    assert check_size(big, 4096, where="big.csv") == 2048
    assert _error(check_size, big, 1024, where="big.csv", advice=" Del opp.") == (
        "big.csv: filen er 2 048 byte, mer enn grensen på 1 024 byte. Del opp.")
    assert _error(check_size, _file(tmp_path, "tom.csv", b""), 10, where="tom.csv") == (
        "tom.csv: filen er tom (0 byte).")


# ---------------------------------------------------------------------------------------- encoding
def test_detect_encoding_tells_utf8_bom_and_cp1252_apart(tmp_path: Path) -> None:
    assert detect_encoding(_file(tmp_path, "a.csv", "Beløp\n".encode()), where="a") == "utf-8"
    assert detect_encoding(_file(tmp_path, "b.csv", "Beløp\n".encode("utf-8-sig")), where="b") == "utf-8-sig"
    assert detect_encoding(_file(tmp_path, "c.csv", "Beløp\n".encode("cp1252")), where="c") == "cp1252"
    text, encoding = read_text(_file(tmp_path, "d.csv", "Beløp\r\n1\r".encode("cp1252")), where="d")
    assert (text, encoding) == ("Beløp\r\n1\r", "cp1252")  # line breaks exactly as written


def test_detect_encoding_refuses_what_is_not_utf8_or_cp1252_with_the_row(tmp_path: Path) -> None:
    assert "UTF-16" in _error(detect_encoding, _file(tmp_path, "a.csv", "x\n".encode("utf-16")), where="a")
    assert _error(detect_encoding, _file(tmp_path, "b.csv", b"a\nb\x00\n"), where="b").startswith(
        "b: rad 2: filen inneholder binære data")
    assert "rad 3: filen er verken UTF-8 eller Windows-1252 (byte 0x81" in _error(
        detect_encoding, _file(tmp_path, "c.csv", b"a\nb\n\x81\n"), where="c")
    assert "rad 2: filen starter med UTF-8-merke (BOM)" in _error(
        detect_encoding, _file(tmp_path, "d.csv", b"\xef\xbb\xbfa\n\xf8\n"), where="d")


def test_a_nul_byte_is_refused_also_after_the_first_cp1252_byte(tmp_path: Path) -> None:
    # the stricter of the two readers this replaced: a NUL anywhere is binary data
    p = _file(tmp_path, "a.csv", "Beløp\n".encode("cp1252") + b"1\n\x00\n")
    assert "rad 3: filen inneholder binære data" in _error(detect_encoding, p, where="a")


# ------------------------------------------------------------------------------------ CSV dialect
def test_guess_delimiter_prefers_semicolon_on_a_tie() -> None:
    assert guess_delimiter("a;b;c") == ";"
    assert guess_delimiter("a,b,c") == ","
    assert guess_delimiter("a\tb\tc") == "\t"
    assert guess_delimiter("a;b,c") == ";"
    assert guess_delimiter("a\tb\tc", (";", ",")) == ";"


def test_check_complete_refuses_a_last_line_without_line_break(tmp_path: Path) -> None:
    check_complete(_file(tmp_path, "a.csv", b"a;b\r\n1;2\r\n"), ";", where="a")
    check_complete(_file(tmp_path, "b.csv", b"a;b\r\n1;2\r\n;;"), ";", where="b")  # only separators
    message = _error(check_complete, _file(tmp_path, "c.csv", b"a;b\r1;2\r3;4"), ";", where="c")
    assert message.startswith("c: rad 3 (siste rad) slutter uten linjeskift")
    assert "rad 7 (siste rad)" in _error(check_complete, tmp_path / "c.csv", ";", where="c", last_row=7)


def test_csv_records_numbers_physical_lines_and_refuses_bad_quotes(tmp_path: Path) -> None:
    p = _file(tmp_path, "a.csv", 'Navn,Beløp\r\n\r\n"Per\r\nHansen",5\r\n'.encode())
    delimiter, records = csv_records(p, where="a")
    assert delimiter == ","
    assert records == [(1, ["Navn", "Beløp"]), (2, []), (4, ["Per\r\nHansen", "5"])]
    bad = _file(tmp_path, "b.csv", b'a;b\n1;"2\n3;4\n')
    assert "kan ikke leses som CSV: et anførselstegn" in _error(csv_records, bad, where="b")
    assert _error(csv_records, _file(tmp_path, "c.csv", b"\r\n \r\n"), where="c") == "c: filen er tom."


# ------------------------------------------------------------------------------------------- XLSX
def test_sheets_and_rows_of_a_workbook(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Først"
    ws.append(["tittel"])
    ws.append([])
    ws.append(["Art", "Beløp", None, "langt ute"])
    wb.create_sheet("Andre")
    p = tmp_path / "a.xlsx"
    wb.save(p)
    book = open_workbook(p, where="a.xlsx")
    try:
        assert [s.title for s in select_sheets(book, None, where="a.xlsx")] == ["Først", "Andre"]
        assert [s.title for s in select_sheets(book, "Andre", where="a.xlsx")] == ["Andre"]
        assert _error(select_sheets, book, "Tredje", where="a.xlsx") == (
            "a.xlsx: arket «Tredje» finnes ikke; arkene er «Først», «Andre».")
        first = book["Først"]
        rows = list(sheet_rows(first, where="a.xlsx"))
        assert [n for n, _ in rows] == [1, 2, 3] and rows[2][1][:2] == ["Art", "Beløp"]
        assert list(sheet_rows(first, where="a.xlsx", start=3, max_col=2)) == [(3, ["Art", "Beløp"])]
    finally:
        book.close()


# ---------------------------------------------------------------------------------------- headers
def test_unique_headers_refuses_two_columns_that_mean_the_same() -> None:
    assert unique_headers(["Person id", None, "Navn"], normalise=normalise_key, source="«a.csv»",
                          where="overskriftsraden (rad 1)") == ["person_id", "", "navn"]
    message = _error(unique_headers, ["Navn", "navn "], normalise=normalise_key, source="«a.csv»",
                     where="overskriftsraden (rad 1)")
    assert message.startswith("«a.csv» overskriftsraden (rad 1): kolonnene «Navn» (nr. 1) og «navn» (nr. 2) "
                              "betyr det samme")
    assert Column("belop", "Beløp\n(kr)", 27).describe() == "kolonne «Beløp (kr)» (AB)"
