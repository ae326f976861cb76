"""Bad-input corpus over the FILE READERS (issue 8): every case is a real file written to ``tmp_path``
(or, for ``ledger_from_frame``, the table a range delivers) and ends in exactly one of:

* a **correct value**: what was read equals what a controller sees in the file, worked out by hand
  below (codes as text with their zeros, amounts to the øre, the row numbers Excel shows);
* a **clear error**: a :class:`~kostra_functions.errors.KostraError` whose Norwegian message names
  the file (and the row and column, where the problem is in one), with no English parser text;
* anything else is a **wrong value** and fails the test.

Readers: :func:`kostra_functions.ledger.read_ledger` (CSV and XLSX, accounts and budget),
:func:`~kostra_functions.ledger.ledger_from_frame`, the voucher list and authority register
(:mod:`kostra_functions.attestation`) and the SSB file (:func:`kostra_functions.ssb_file.read_ssb_file`,
whose malformed records are errors of SSB's controls, reported with their line).

Outcomes are counted with :func:`tests.corpus.outcomes.record`; the summary line at the end of the
run covers this corpus and the Excel-function corpus together.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kostra_functions import attestation
from kostra_functions.errors import KostraError
from kostra_functions.excel.convert import ExcelError
from kostra_functions.ledger import ledger_from_frame, read_ledger
from kostra_functions.ssb_file import Submission, amounts_in_thousands, read_ssb_file
from tests.corpus import files
from tests.corpus.outcomes import record

# ---------------------------------------------------------------------------------------------
# Expectations


@dataclass(frozen=True)
class Err:
    """A clear error: the message contains every fragment (and the file's name, for files)."""

    fragments: tuple[str, ...] = ()
    names_file: bool = True


def err(*fragments: str, names_file: bool = True) -> Err:
    return Err(tuple(fragments), names_file)


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Any]  # tmp_path -> the reader's input (a path, or a DataFrame)
    read: Callable[[Any], Any]
    expect: Err | Callable[[Any], None]  # an error, or a check that raises AssertionError
    marks: tuple[Any, ...] = field(default=())


#: Parser or Python text that must never reach a controller.
ENGLISH_LEAKS = (
    "Traceback",
    "Error tokenizing",
    "C error",
    "Expected ",
    "could not convert",
    "invalid literal",
    "KeyError",
    "No such file",
    "There is no item",
    "is not a",
    "object has no attribute",
    "codec can't decode",
    "unexpected end of data",
    "Bad CRC",
    "Error -3",
    "openpyxl",
)
#: Common Norwegian words; a message without any of them is not Norwegian.
NORWEGIAN_WORDS = (
    " er ",
    " og ",
    "ikke",
    " som ",
    " har ",
    " til ",
    " på ",
    " eller ",
    " med ",
    " rad ",
    "kolonne",
    "mangler",
    "finnes",
)


def clear_error_problems(message: str, expect: Err, name: str | None) -> list[str]:
    problems = []
    if expect.names_file and name and name not in message:
        problems.append(f"does not name the file {name!r}")
    for fragment in expect.fragments:
        if fragment.lower() not in message.lower():
            problems.append(f"lacks {fragment!r}")
    for leak in ENGLISH_LEAKS:
        if leak in message:
            problems.append(f"leaks {leak!r}")
    if not any(w in f" {message.lower()} " for w in NORWEGIAN_WORDS):
        problems.append("is not Norwegian")
    return problems


# ---------------------------------------------------------------------------------------------
# Ledgers: one small accounts export, worked out by hand
#
#   row 1  Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Beløp
#   row 2  10100;210;201;;6;Lønn juni;100 000,00          → 10100/210/201/"" p6 100 000,00
#   row 3  16000;210;201;;6;Foreldrebetaling;-20 000,50   → 16000/210/201/"" p6 −20 000,50
#   row 4  10100;411;232;21001;3;Lønn prosjekt;12 345,67  → 10100/411/232/21001 p3 12 345,67

H = ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Tekst", "Beløp"]
BASE = [
    ["10100", "210", "201", "", "6", "Lønn juni", "100 000,00"],
    ["16000", "210", "201", "", "6", "Foreldrebetaling", "-20 000,50"],
    ["10100", "411", "232", "21001", "3", "Lønn prosjekt", "12 345,67"],
]
#: (art, ansvar, funksjon, prosjekt, periode, beløp in øre, kilde_rad)
ROWS = [
    ("10100", "210", "201", "", 6, 10_000_000, 2),
    ("16000", "210", "201", "", 6, -2_000_050, 3),
    ("10100", "411", "232", "21001", 3, 1_234_567, 4),
]
AMOUNT_COL = "kolonne «Beløp» (G)"


def frame_rows(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [
        (
            str(r.art),
            str(r.ansvar),
            str(r.funksjon),
            str(r.prosjekt),
            int(r.periode),
            round(r.belop * 100),
            int(r.kilde_rad),
        )
        for r in df.itertuples()
    ]


def rows_are(expected: Sequence[tuple[Any, ...]], **attrs: Any) -> Callable[[pd.DataFrame], None]:
    def check(df: pd.DataFrame) -> None:
        got = frame_rows(df)
        assert got == list(expected), f"read {got}, expected {list(expected)}"
        for k, v in attrs.items():
            assert df.attrs.get(k) == v, f"attrs[{k!r}] = {df.attrs.get(k)!r}, expected {v!r}"
        assert all(isinstance(v, str) for v in df.art.astype(str)), "codes must be text"

    return check


def shift(rows: Sequence[tuple[Any, ...]], by: int) -> list[tuple[Any, ...]]:
    return [(*r[:-1], r[-1] + by) for r in rows]


def replace(rows: Sequence[Sequence[str]], r: int, c: int, value: str) -> list[list[str]]:
    out = [list(x) for x in rows]
    out[r][c] = value
    return out


def amount_rows(*amounts_ore: int) -> list[tuple[Any, ...]]:
    return [(*ROWS[i][:5], a, ROWS[i][6]) for i, a in enumerate(amounts_ore)]


def lines(header: Sequence[str], rows: Sequence[Sequence[str]], sep: str = ";") -> list[str]:
    return [sep.join(header), *(sep.join(r) for r in rows)]


def csv_file(
    name: str, text_lines: Sequence[str], encoding: str = "cp1252", newline: str = "\r\n", final: bool = True
) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(files.encode_lines(text_lines, encoding, newline, final))
        return path

    return build


def bytes_file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return build


def ledger(**kw: Any) -> Callable[[Path], pd.DataFrame]:
    return lambda path: read_ledger(path, **kw)


def ledger_and_mapping(path: Path) -> pd.DataFrame:
    """Read, then map to KOSTRA (what ``kostra kart``/``prognose`` do): codes that only the code list
    can refuse (a 3-digit art padded to 00210 because columns were swapped) are refused there."""
    from kostra_functions.mapping import map_ledger

    df = read_ledger(path)
    map_ledger(df, year=2023)
    return df


CSV = "regnskap.csv"
CASES: list[Case] = []


def add(
    id_: str, build: Callable[[Path], Any], read: Callable[[Any], Any], expect: Err | Callable[[Any], None]
) -> None:
    CASES.append(Case(id_, build, read, expect))


def csv_cases(prefix: str, default_name: str, read: Callable[[Path], Any]) -> Callable[..., None]:
    """An adder of CSV cases for one reader: ``adder(id, lines, expect, encoding=…, newline=…)``."""

    def add_csv(
        id_: str,
        text_lines: Sequence[str],
        expect: Err | Callable[[Any], None],
        *,
        encoding: str = "cp1252",
        newline: str = "\r\n",
        final: bool = True,
        name: str = default_name,
    ) -> None:
        add(f"{prefix}-{id_}", csv_file(name, text_lines, encoding, newline, final), read, expect)

    return add_csv


def ledger_csv(
    id_: str,
    text_lines: Sequence[str],
    expect: Err | Callable[[Any], None],
    *,
    encoding: str = "cp1252",
    newline: str = "\r\n",
    final: bool = True,
    name: str = CSV,
    **kw: Any,
) -> None:
    add(f"ledger-csv-{id_}", csv_file(name, text_lines, encoding, newline, final), ledger(**kw), expect)


# --- correct values: the same export written in every way Agresso, Excel and people write it
ledger_csv("cp1252-crlf", lines(H, BASE), rows_are(ROWS, koding="cp1252"))
ledger_csv("utf8-bom", lines(H, BASE), rows_are(ROWS, koding="utf-8-sig"), encoding="utf-8-sig")
ledger_csv("utf8", lines(H, BASE), rows_are(ROWS, koding="utf-8"), encoding="utf-8")
ledger_csv("lf", lines(H, BASE), rows_are(ROWS), newline="\n")
ledger_csv("cr-mac", lines(H, BASE), rows_are(ROWS), newline="\r")
ledger_csv("tab", lines(H, BASE, "\t"), rows_are(ROWS))
ledger_csv(
    "comma-english",
    lines(
        H, [[*r[:6], a] for r, a in zip(BASE, ['"100,000.00"', "-20000.50", "12345.67"], strict=True)], ","
    ),
    rows_are(ROWS),
)
ledger_csv(
    "nbsp-thousands",
    lines(H, [[*r[:6], r[6].replace(" ", "\xa0")] for r in BASE]),
    rows_are(ROWS),
    encoding="utf-8",
)
ledger_csv("dot-thousands", lines(H, [[*r[:6], r[6].replace(" ", ".")] for r in BASE]), rows_are(ROWS))
ledger_csv(
    "kr-text", lines(H, replace(replace(BASE, 0, 6, "kr 100 000,00"), 1, 6, "-20 000,50 kr")), rows_are(ROWS)
)
ledger_csv("trailing-minus", lines(H, replace(BASE, 1, 6, "20 000,50-")), rows_are(ROWS))
ledger_csv("parentheses-minus", lines(H, replace(BASE, 1, 6, "(20 000,50)")), rows_are(ROWS))
ledger_csv(
    "unicode-minus", lines(H, replace(BASE, 1, 6, "\u221220 000,50")), rows_are(ROWS), encoding="utf-8"
)
ledger_csv("plus-sign", lines(H, replace(BASE, 0, 6, "+100 000,00")), rows_are(ROWS))
ledger_csv("one-decimal", lines(H, replace(BASE, 0, 6, "100 000,0")), rows_are(ROWS))
ledger_csv(
    "minus-zero", lines(H, replace(BASE, 1, 6, "-0,00")), rows_are(amount_rows(10_000_000, 0, 1_234_567))
)
ledger_csv("scientific", lines(H, replace(BASE, 0, 6, "1E5")), rows_are(ROWS))
ledger_csv(
    "largest-allowed",
    lines(H, replace(BASE, 0, 6, "9 999 999 999 999,99")),
    rows_are(amount_rows(999_999_999_999_999, -2_000_050, 1_234_567)),
)
ledger_csv("period-two-digits", lines(H, replace(BASE, 2, 4, "03")), rows_are(ROWS))
ledger_csv("period-decimal", lines(H, replace(BASE, 2, 4, "3.0")), rows_are(ROWS))
ledger_csv(
    "period-yyyymm",
    lines(H, [[*r[:4], f"2023{int(r[4]):02d}", *r[5:]] for r in BASE]),
    rows_are(ROWS, aar=2023),
    year=2023,
)
ledger_csv(
    "art-lost-zero", lines(H, replace(BASE, 0, 0, "1010")), rows_are([("01010", *ROWS[0][1:]), *ROWS[1:]])
)
ledger_csv("function-decimal-text", lines(H, replace(BASE, 0, 2, "201.0")), rows_are(ROWS))
ledger_csv("codes-with-spaces", lines(H, replace(replace(BASE, 0, 2, " 201 "), 0, 1, " 210")), rows_are(ROWS))
ledger_csv(
    "ansvar-lost-zero",
    lines(H, replace(BASE, 0, 1, "21")),
    rows_are([(ROWS[0][0], "021", *ROWS[0][2:]), *ROWS[1:]]),
)
ledger_csv(
    "title-lines", ["Bydel Eksempel;;;;;;", "Regnskap 2023;;;;;;", *lines(H, BASE)], rows_are(shift(ROWS, 2))
)
ledger_csv(
    "blank-line-between",
    [*lines(H, BASE[:2]), "", lines(H, BASE)[3]],
    rows_are([*ROWS[:2], (*ROWS[2][:6], 5)], tomme_rader=[4]),
)
ledger_csv("separators-only-line", [*lines(H, BASE), ";;;;;;"], rows_are(ROWS, tomme_rader=[5]))
ledger_csv("separators-only-last-line-unterminated", [*lines(H, BASE), ";;;;;;"], rows_are(ROWS), final=False)
ledger_csv("quoted-semicolon", lines(H, replace(BASE, 0, 5, '"Lønn; juni"')), rows_are(ROWS))
ledger_csv(
    "header-variants",
    lines(["KONTO", "Ansvarssted", "Tjeneste", "Prosj", "Per", "Tekst", "Beløp (kr)"], BASE),
    rows_are(ROWS),
)
ledger_csv(
    "columns-reordered",
    lines([H[6], H[4], H[2], H[0], H[1], H[3]], [[r[6], r[4], r[2], r[0], r[1], r[3]] for r in BASE]),
    rows_are(ROWS),
)
ledger_csv(
    "extra-columns",
    lines(["Bilagsnr", *H, "Dato"], [["9001", *r, "30.06.2023"] for r in BASE]),
    rows_are(ROWS),
)
ledger_csv("trailing-separators", [ln + ";;" for ln in lines(H, BASE)], rows_are(ROWS))
ledger_csv("cp1252-only-characters", lines(H, replace(BASE, 0, 5, "Lønn € – ‰ “sitat”")), rows_are(ROWS))
ledger_csv("utf8-emoji-text", lines(H, replace(BASE, 0, 5, "Lønn 🎉 ÆØÅ")), rows_are(ROWS), encoding="utf-8")
ledger_csv(
    "no-project-column",
    lines(H[:3] + H[4:], [r[:3] + r[4:] for r in BASE]),
    rows_are([(*r[:3], "", *r[4:]) for r in ROWS]),
)
ledger_csv(
    "budget",
    lines(
        ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Justert budsjett"],
        [[*r[:5], r[6]] for r in BASE],
    ),
    rows_are(ROWS, kind="budsjett"),
)
ledger_csv(
    "budget-with-original-column",
    lines(
        ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Opprinnelig budsjett", "Justert budsjett"],
        [[*r[:5], "1", r[6]] for r in BASE],
    ),
    rows_are(ROWS, kind="budsjett"),
    kind="budsjett",
)

# --- clear errors: one bad thing at a time, each named by file, row and column
ledger_csv("art-letter-O", lines(H, replace(BASE, 0, 0, "1O100")), err("rad 2", "kolonne «Art» (A)", "1O100"))
ledger_csv("art-six-digits", lines(H, replace(BASE, 1, 0, "101000")), err("rad 3", "«Art» (A)", "5 sifre"))
ledger_csv("art-first-digit", lines(H, replace(BASE, 0, 0, "20100")), err("rad 2", "«Art» (A)", "drift"))
ledger_csv("art-decimal", lines(H, replace(BASE, 0, 0, "10100.5")), err("rad 2", "«Art» (A)"))
ledger_csv(
    "art-fullwidth-digits",
    lines(H, replace(BASE, 0, 0, "１０１００")),
    err("rad 2", "«Art» (A)"),
    encoding="utf-8",
)
ledger_csv("function-letter-O", lines(H, replace(BASE, 0, 2, "2O1")), err("rad 2", "«Funksjon» (C)", "2O1"))
ledger_csv("function-inner-space", lines(H, replace(BASE, 2, 2, "23 2")), err("rad 4", "«Funksjon» (C)"))
ledger_csv(
    "function-four-digits", lines(H, replace(BASE, 0, 2, "2011")), err("rad 2", "«Funksjon» (C)", "3 sifre")
)
ledger_csv("function-negative", lines(H, replace(BASE, 0, 2, "-201")), err("rad 2", "«Funksjon» (C)"))
ledger_csv("ansvar-letters", lines(H, replace(BASE, 1, 1, "21A")), err("rad 3", "«Ansvar» (B)"))
ledger_csv("project-letters", lines(H, replace(BASE, 2, 3, "ABC12")), err("rad 4", "«Prosjekt» (D)"))
ledger_csv("period-14", lines(H, replace(BASE, 0, 4, "14")), err("rad 2", "«Periode» (E)", "1–13"))
ledger_csv("period-0", lines(H, replace(BASE, 0, 4, "0")), err("rad 2", "«Periode» (E)"))
ledger_csv("period-word", lines(H, replace(BASE, 0, 4, "juni")), err("rad 2", "«Periode» (E)"))
ledger_csv("period-date-text", lines(H, replace(BASE, 0, 4, "30.06.2023")), err("rad 2", "«Periode» (E)"))
ledger_csv("period-iso-month", lines(H, replace(BASE, 0, 4, "2023-06")), err("rad 2", "«Periode» (E)"))
ledger_csv("period-month-14", lines(H, replace(BASE, 0, 4, "202314")), err("rad 2", "«Periode» (E)"))
ledger_csv(
    "period-other-year",
    lines(H, [[*r[:4], "202306" if i else "202206", *r[5:]] for i, r in enumerate(BASE)]),
    err("rad 2", "«Periode» (E)", "2022"),
    year=2023,
)
ledger_csv(
    "budget-period-13",
    lines(
        ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Budsjett"], [[*r[:4], "13", r[6]] for r in BASE]
    ),
    err("rad 2", "periode 13"),
    kind="budsjett",
)
ledger_csv("amount-text", lines(H, replace(BASE, 1, 6, "abc")), err("rad 3", AMOUNT_COL, "abc"))
ledger_csv(
    "amount-ambiguous-comma", lines(H, replace(BASE, 0, 6, "1,234")), err("rad 2", AMOUNT_COL, "uklart")
)
ledger_csv("amount-ambiguous-dot", lines(H, replace(BASE, 0, 6, "1.234")), err("rad 2", AMOUNT_COL, "uklart"))
ledger_csv("amount-bad-grouping", lines(H, replace(BASE, 0, 6, "12,34,56")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-nan", lines(H, replace(BASE, 0, 6, "NaN")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-inf", lines(H, replace(BASE, 0, 6, "inf")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-overflow", lines(H, replace(BASE, 0, 6, "1e309")), err("rad 2", AMOUNT_COL, "endelig"))
ledger_csv(
    "amount-huge",
    lines(H, replace(BASE, 0, 6, "99 999 999 999 999,00")),
    err("rad 2", AMOUNT_COL, "urimelig stort"),
)
ledger_csv("amount-error-NA", lines(H, replace(BASE, 0, 6, "#N/A")), err("rad 2", AMOUNT_COL, "#I/T"))
ledger_csv("amount-error-verdi", lines(H, replace(BASE, 0, 6, "#VERDI!")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-kr-only", lines(H, replace(BASE, 0, 6, "kr")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-euro", lines(H, replace(BASE, 0, 6, "100 EUR")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-dollar", lines(H, replace(BASE, 0, 6, "$100")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-date", lines(H, replace(BASE, 0, 6, "30.06.2023")), err("rad 2", AMOUNT_COL))
ledger_csv("amount-sann", lines(H, replace(BASE, 0, 6, "SANN")), err("rad 2", AMOUNT_COL))
ledger_csv(
    "amount-two-numbers", lines(H, replace(BASE, 0, 6, "12 34,50")), err("rad 2", AMOUNT_COL, "feil sted")
)
ledger_csv(
    "amount-spaced-digits", lines(H, replace(BASE, 0, 6, "1 2 3")), err("rad 2", AMOUNT_COL, "feil sted")
)
ledger_csv("amount-blank", lines(H, replace(BASE, 2, 6, "")), err("rad 4", AMOUNT_COL, "mangler"))
ledger_csv("art-blank-sum-line", lines(H, replace(BASE, 2, 0, "")), err("rad 4", "«Art» (A)", "sumlinje"))
ledger_csv(
    "missing-function-column",
    lines(H[:2] + H[3:], [r[:2] + r[3:] for r in BASE]),
    err("overskriftsraden (rad 1)", "«Funksjon» mangler"),
)
ledger_csv("missing-amount-column", lines(H[:6], [r[:6] for r in BASE]), err("rad 1", "beløp mangler"))
ledger_csv(
    "duplicated-amount-column",
    lines([*H, "Beløp"], [[*r, "1"] for r in BASE]),
    err("rad 1", "«Beløp» (G) og «Beløp» (H)"),
)
ledger_csv("duplicated-art-alias", lines(["Konto", *H], [["1", *r] for r in BASE]), err("rad 1", "art"))
ledger_csv(
    "both-accounts-and-budget",
    lines([*H[:6], "Regnskap", "Budsjett"], [[*r, "1"] for r in BASE]),
    err("rad 1", "både regnskaps- og budsjettbeløp"),
)
ledger_csv(
    "only-original-budget",
    lines([*H[:5], "Opprinnelig budsjett"], [[*r[:5], r[6]] for r in BASE]),
    err("rad 1", "opprinnelige budsjettet"),
    kind="budsjett",
)
ledger_csv("header-only", [";".join(H)], err("ingen rader med data"))
ledger_csv("no-header", ["Foo;Bar;Baz", "1;2;3"], err("fant ingen overskriftsrad", "Foo"))
ledger_csv("only-blank-lines", ["", "", ""], err("tom"))
ledger_csv("utf16-bom", lines(H, BASE), err("UTF-16"), encoding="utf-16")
ledger_csv("utf16-no-bom", lines(H, BASE), err("binære data"), encoding="utf-16-le")
ledger_csv("too-many-fields", [*lines(H, BASE[:2]), lines(H, BASE)[3] + ";ekstra;felt"], err("rad 4", "felt"))
ledger_csv(
    "truncated-mid-amount",
    [*lines(H, BASE)[:3], "10100;411;232;21001;3;Lønn prosjekt;12"],
    err("rad 4", "avkortet"),
    final=False,
)
ledger_csv(
    "unterminated-quote",
    [*lines(H, BASE[:1]), '16000;210;201;;6;"Foreldre;-20 000,50', lines(H, BASE)[3]],
    err("rad 3", "anførselstegn"),
)
ledger_csv(
    "period-and-amount-swapped",
    lines([*H[:4], "Periode", "Tekst", "Beløp"], [[*r[:4], r[6], r[5], r[4]] for r in BASE]),
    err("rad 2", "«Periode» (E)", "100 000,00"),
)
add("ledger-csv-empty-file", bytes_file(CSV, b""), ledger(), err("tom"))
add(
    "ledger-csv-bad-utf8-after-bom",
    bytes_file(CSV, b"\xef\xbb\xbf" + files.encode_lines(lines(H, BASE), "cp1252")),
    ledger(),
    err("rad 1", "UTF-8"),
)  # the first invalid byte is the ø of «Beløp» in the header
add(
    "ledger-csv-undefined-cp1252-byte",
    bytes_file(CSV, files.encode_lines(lines(H, BASE)).replace(b"juni", b"ju\x81i")),
    ledger(),
    err("rad 2", "Windows-1252"),
)
add(
    "ledger-csv-nul-bytes",
    bytes_file(CSV, files.encode_lines(lines(H, BASE)).replace(b"juni", b"ju\x00i")),
    ledger(),
    err("rad 2", "binære data"),
)
add("ledger-csv-is-pdf", bytes_file(CSV, files.PDF_BYTES), ledger(), err("PDF"))
add("ledger-csv-is-xls", bytes_file(CSV, files.CFB_BYTES), ledger(), err(".xls"))
add("ledger-csv-is-zip", lambda t: files.plain_zip(t / CSV), ledger(), err("zip-pakke"))
add(
    "ledger-csv-columns-art-ansvar-swapped",
    csv_file(CSV, lines([H[1], H[0], *H[2:]], [[r[0], r[1], *r[2:]] for r in BASE])),
    ledger_and_mapping,
    err("rad 2", "00210", "finnes ikke"),
)
add("ledger-csv-is-xlsx", lambda t: files.openpyxl_xlsx(t / CSV, [H, *BASE]), ledger(), rows_are(ROWS))


# --- XLSX ledgers: cells as Excel holds them (numbers, dates, errors, formulas)
XLSX = "regnskap.xlsx"
NUMERIC = [
    [10100, 210, 201, None, 6, "Lønn juni", 100000.0],
    [16000, 210, 201, None, 6, "Foreldrebetaling", -20000.5],
    [10100, 411, 232, 21001, 3, "Lønn prosjekt", 12345.67],
]
XLSX_AMOUNT = "kolonne «Beløp» (G)"


def xlsx(rows: Sequence[Sequence[Any]], name: str = XLSX, **kw: Any) -> Callable[[Path], Path]:
    return lambda t: files.openpyxl_xlsx(t / name, rows, **kw)


def raw(
    rows: Sequence[tuple[int, Sequence[Any]]],
    name: str = XLSX,
    *,
    dimension: str | None = None,
    parts: dict[str, bytes | str] | None = None,
) -> Callable[[Path], Path]:
    return lambda t: files.raw_xlsx(t / name, files.sheet_xml(rows, dimension=dimension), parts=parts)


def numbered(rows: Sequence[Sequence[Any]], first: int = 1) -> list[tuple[int, Sequence[Any]]]:
    return list(enumerate(rows, start=first))


def with_value(rows: Sequence[Sequence[Any]], r: int, c: int, value: Any) -> list[list[Any]]:
    out = [list(x) for x in rows]
    out[r][c] = value
    return out


def ledger_xlsx(
    id_: str, build: Callable[[Path], Path], expect: Err | Callable[[Any], None], **kw: Any
) -> None:
    add(f"ledger-xlsx-{id_}", build, ledger(**kw), expect)


ledger_xlsx("text-cells", xlsx([H, *BASE]), rows_are(ROWS))
ledger_xlsx("numeric-cells", xlsx([H, *NUMERIC]), rows_are(ROWS))
ledger_xlsx(
    "art-number-lost-zero",
    xlsx([H, *with_value(NUMERIC, 0, 0, 1010)]),
    rows_are([("01010", *ROWS[0][1:]), *ROWS[1:]]),
)
ledger_xlsx(
    "norwegian-text-amounts",
    xlsx([H, *[[*r[:6], b[6]] for r, b in zip(NUMERIC, BASE, strict=True)]]),
    rows_are(ROWS),
)
ledger_xlsx(
    "period-as-date",
    xlsx([H, *[[*r[:4], datetime(2023, r[4], 28), *r[5:]] for r in NUMERIC]]),
    rows_are(ROWS, aar=2023),
)
ledger_xlsx("title-rows", xlsx([["Bydel Eksempel"], [], H, *NUMERIC]), rows_are(shift(ROWS, 2)))
ledger_xlsx(
    "cover-sheet-first",
    xlsx([H, *NUMERIC], before=[("Forside", [["Regnskap 2023"], ["Laget av AB"]])]),
    rows_are(ROWS, ark="Regnskap"),
)
ledger_xlsx(
    "blank-row-between",
    xlsx([H, *NUMERIC[:2], [], NUMERIC[2]]),
    rows_are([*ROWS[:2], (*ROWS[2][:6], 5)], tomme_rader=[4]),
)
ledger_xlsx("inline-strings", raw(numbered([H, *BASE])), rows_are(ROWS))
ledger_xlsx("dimension-XFD1048576", raw(numbered([H, *NUMERIC]), dimension="A1:XFD1048576"), rows_are(ROWS))
ledger_xlsx(
    "stray-cell-in-XFD",
    raw([*numbered([H, *NUMERIC[:1]]), (3, [*NUMERIC[1], *[None] * 16376, "x"]), (4, NUMERIC[2])]),
    rows_are(ROWS),
)
ledger_xlsx(
    "formula-with-cached-value",
    raw(numbered([H, *with_value(NUMERIC, 0, 6, ("f", "50000*2", 100000))])),
    rows_are(ROWS),
)
ledger_xlsx(
    "xlsm-with-macros",
    lambda t: files.raw_xlsx(
        t / "regnskap.xlsm",
        files.sheet_xml(numbered([H, *NUMERIC])),
        parts={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0VBA" * 64},
    ),
    rows_are(ROWS),
)
ledger_xlsx("upper-case-suffix", xlsx([H, *NUMERIC], name="REGNSKAP.XLSX"), rows_are(ROWS))
ledger_xlsx(
    "row-gap-to-row-100000",  # a note far below the data: blank in every column we read
    raw([*numbered([H, *NUMERIC]), (100_000, [None, None, None, None, None, "x"])]),
    rows_are(ROWS),
)

ledger_xlsx(
    "error-cell-NA-amount",
    raw(numbered([H, *with_value(NUMERIC, 1, 6, ("e", "#N/A"))])),
    err("rad 3", XLSX_AMOUNT, "#I/T"),
)
ledger_xlsx(
    "error-cell-VALUE-function",
    raw(numbered([H, *with_value(NUMERIC, 0, 2, ("e", "#VALUE!"))])),
    err("rad 2", "«Funksjon» (C)", "#VERDI!"),
)
ledger_xlsx(
    "error-cell-REF-period",
    raw(numbered([H, *with_value(NUMERIC, 2, 4, ("e", "#REF!"))])),
    err("rad 4", "«Periode» (E)"),
)
ledger_xlsx(
    "formula-without-cached-value",
    raw(numbered([H, *with_value(NUMERIC, 0, 6, ("f", "50000*2"))])),
    err("rad 2", XLSX_AMOUNT, "formel uten lagret verdi"),
)
ledger_xlsx("boolean-amount", raw(numbered([H, *with_value(NUMERIC, 0, 6, True)])), err("rad 2", XLSX_AMOUNT))
ledger_xlsx(
    "date-amount", xlsx([H, *with_value(NUMERIC, 0, 6, datetime(2023, 6, 30))]), err("rad 2", XLSX_AMOUNT)
)
ledger_xlsx(
    "inf-amount", raw(numbered([H, *with_value(NUMERIC, 0, 6, ("raw", "inf"))])), err("rad 2", "«inf»")
)  # Excel never writes inf: a damaged or foreign file
ledger_xlsx(
    "nan-amount", raw(numbered([H, *with_value(NUMERIC, 0, 6, ("raw", "NaN"))])), err("rad 2", "«NaN»")
)
ledger_xlsx("huge-amount", xlsx([H, *with_value(NUMERIC, 0, 6, 1e20)]), err("rad 2", XLSX_AMOUNT, "urimelig"))
ledger_xlsx("art-decimal-number", xlsx([H, *with_value(NUMERIC, 0, 0, 10100.5)]), err("rad 2", "«Art» (A)"))
ledger_xlsx("art-negative", xlsx([H, *with_value(NUMERIC, 0, 0, -10100)]), err("rad 2", "«Art» (A)"))
ledger_xlsx("function-letters", xlsx([H, *with_value(NUMERIC, 1, 2, "2O1")]), err("rad 3", "«Funksjon» (C)"))
ledger_xlsx(
    "period-date-as-text", xlsx([H, *with_value(NUMERIC, 0, 4, "30.06.2023")]), err("rad 2", "«Periode» (E)")
)
ledger_xlsx("missing-sheet", xlsx([H, *NUMERIC]), err("Budsjett", "finnes ikke"), sheet="Budsjett")
ledger_xlsx("empty-sheet", xlsx([]), err("arket er tomt"))
ledger_xlsx("header-only", xlsx([H]), err("ingen rader med data"))
ledger_xlsx(
    "duplicated-column",
    xlsx([[*H, "Beløp"], *[[*r, 1] for r in NUMERIC]]),
    err("rad 1", "(G) og «Beløp» (H)"),
)
ledger_xlsx(
    "missing-column", xlsx([H[:2] + H[3:], *[r[:2] + r[3:] for r in NUMERIC]]), err("«Funksjon» mangler")
)
add(
    "ledger-xlsx-truncated",
    lambda t: files.truncated(files.openpyxl_xlsx(t / "hel.xlsx", [H, *NUMERIC]), t / XLSX),
    ledger(),
    err("skadet"),
)


def _corrupt_crc(t: Path) -> Path:
    path = files.raw_xlsx(t / XLSX, files.sheet_xml(numbered([H, *NUMERIC])), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.index(b"Foreldrebetaling")
    data[at] = ord("f")  # one byte of the stored sheet changes: the CRC no longer matches
    path.write_bytes(bytes(data))
    return path


add("ledger-xlsx-crc-error", _corrupt_crc, ledger(), err("skadet"))
add("ledger-xlsx-is-plain-zip", lambda t: files.plain_zip(t / XLSX), ledger(), err("zip-pakke"))
add("ledger-xlsx-is-csv", csv_file(XLSX, lines(H, BASE)), ledger(), err("ikke en Excel-arbeidsbok"))
add("ledger-xlsx-is-pdf", bytes_file(XLSX, files.PDF_BYTES), ledger(), err("PDF"))
add("ledger-xlsx-is-encrypted-or-xls", bytes_file(XLSX, files.CFB_BYTES), ledger(), err("passordbeskyttet"))
add(
    "ledger-xlsx-row-2-billion",
    raw([*numbered([H, *NUMERIC]), (2_000_000_000, [10100, 210, 201, None, 6, "x", 1])]),
    ledger(),
    err("1 048 576"),
)


# --- ledger_from_frame: the table an Excel range delivers (header row, then cells of any type)
RANGE = "Ark1!A1:G4"


def frame_case(
    id_: str,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    expect: Err | Callable[[Any], None],
    kind: str = "regnskap",
) -> None:
    def build(_tmp: Path) -> pd.DataFrame:
        return pd.DataFrame([list(r) for r in rows], columns=list(header))

    add(
        f"frame-{id_}",
        build,
        lambda df: ledger_from_frame(df, kind=kind, source=RANGE),  # type: ignore[arg-type]
        expect,
    )


def range_err(*fragments: str) -> Err:
    return err(RANGE, *fragments, names_file=False)


frame_case("text-cells", H, BASE, rows_are(ROWS))
frame_case("numeric-cells", H, NUMERIC, rows_are(ROWS))
frame_case(
    "float-codes", H, [[float(c) if isinstance(c, int) else c for c in r] for r in NUMERIC], rows_are(ROWS)
)
frame_case("numpy-amounts", H, [[*r[:6], np.float64(r[6])] for r in NUMERIC], rows_are(ROWS))
frame_case("nan-blanks", H, [[math.nan if c is None else c for c in r] for r in NUMERIC], rows_are(ROWS))
frame_case(
    "dates-as-periods", H, [[*r[:4], datetime(2023, r[4], 1), *r[5:]] for r in NUMERIC], rows_are(ROWS)
)
frame_case(
    "art-lost-zero", H, with_value(NUMERIC, 0, 0, 1010.0), rows_are([("01010", *ROWS[0][1:]), *ROWS[1:]])
)
frame_case(
    "wide-range", [*H, *[f"Tom{i}" for i in range(50)]], [[*r, *[None] * 50] for r in NUMERIC], rows_are(ROWS)
)
frame_case("error-text-I/T", H, with_value(NUMERIC, 1, 6, "#I/T"), range_err("rad 3", AMOUNT_COL))
frame_case(
    "error-value-object", H, with_value(NUMERIC, 1, 6, ExcelError("#DIV/0!")), range_err("rad 3", AMOUNT_COL)
)
frame_case("boolean-amount", H, with_value(NUMERIC, 0, 6, True), range_err("rad 2", AMOUNT_COL, "SANN"))
frame_case("inf-amount", H, with_value(NUMERIC, 0, 6, math.inf), range_err("rad 2", AMOUNT_COL))
frame_case("blank-amount", H, with_value(NUMERIC, 2, 6, None), range_err("rad 4", AMOUNT_COL, "mangler"))
frame_case(
    "ambiguous-amount", H, with_value(NUMERIC, 0, 6, "1.234"), range_err("rad 2", AMOUNT_COL, "uklart")
)
frame_case("code-letter-O", H, with_value(NUMERIC, 0, 0, "1O100"), range_err("rad 2", "«Art» (A)"))
frame_case(
    "date-as-code",
    H,
    with_value(NUMERIC, 0, 2, date(2023, 6, 30)),
    range_err("rad 2", "«Funksjon» (C)", "dato"),
)
frame_case("duplicated-columns", [*H, "Beløp"], [[*r, 1.0] for r in NUMERIC], range_err("rad 1", "«Beløp»"))
frame_case("missing-column", H[:2] + H[3:], [r[:2] + r[3:] for r in NUMERIC], range_err("«Funksjon» mangler"))
frame_case("header-only", H, [], range_err("ingen rader"))
frame_case("numbers-as-header", list(range(7)), NUMERIC, range_err("rad 1", "mangler"))
frame_case("one-column", ["Art"], [[r[0]] for r in NUMERIC], range_err("mangler"))
frame_case(
    "budget-period-13",
    ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Budsjett"],
    [[*r[:4], 13, r[6]] for r in NUMERIC],
    range_err("rad 2", "periode 13"),
    kind="budsjett",
)


# ---------------------------------------------------------------------------------------------
# Voucher lists (bilagslister), worked out by hand:
#   row 2: bilag 1001, 12 500,00 kr, ansvar 330, mottaker LEV1, attestert AB, anvist CD
#   row 3: bilag 1002, −1 000,50 kr, ansvar 331, mottaker LEV2, attestert AB, anvist CD

VH = ["bilag", "beløp", "ansvar", "mottaker", "attestert_av", "anvist_av"]
VBASE = [["1001", "12 500,00", "330", "LEV1", "AB", "CD"], ["1002", "-1 000,50", "331", "LEV2", "AB", "CD"]]
VLINES = [("1001", 1_250_000, "330", "LEV1", "AB", "CD"), ("1002", -100_050, "331", "LEV2", "AB", "CD")]


def vouchers_are(
    expected: Sequence[tuple[Any, ...]], dates: Sequence[date | None] | None = None
) -> Callable[[attestation.VoucherList], None]:
    def check(v: attestation.VoucherList) -> None:
        got = [
            (x.voucher, round(x.amount * 100), x.responsibility, x.payee, x.attested_by, x.approved_by)
            for x in v.lines
        ]
        assert got == list(expected), f"read {got}"
        if dates is not None:
            assert [x.date for x in v.lines] == list(dates)

    return check


BILAG = "bilagsliste.csv"


voucher_csv = csv_cases("vouchers", BILAG, attestation.read_vouchers)


def vcol(name: str) -> str:
    return f"kolonne «{name}»"


voucher_csv("cp1252", lines(VH, VBASE), vouchers_are(VLINES))
voucher_csv("utf8-bom", lines(VH, VBASE), vouchers_are(VLINES), encoding="utf-8-sig")
voucher_csv("utf8", lines(VH, VBASE), vouchers_are(VLINES), encoding="utf-8")
voucher_csv("lf", lines(VH, VBASE), vouchers_are(VLINES), newline="\n")
voucher_csv("cr-mac", lines(VH, VBASE), vouchers_are(VLINES), newline="\r")
voucher_csv("tab", lines(VH, VBASE, "\t"), vouchers_are(VLINES))
voucher_csv(
    "comma-english",
    lines(VH, [["1001", "12500.00", *VBASE[0][2:]], ["1002", "-1000.50", *VBASE[1][2:]]], ","),
    vouchers_are(VLINES),
)
voucher_csv(
    "header-variants",
    lines(["Bilag", "BELØP", "Ansvar", "Mottaker", "Attestert av", "Anvist av"], VBASE),
    vouchers_are(VLINES),
)
voucher_csv(
    "kr-and-nbsp",
    lines(VH, [replace(VBASE, 0, 1, "kr 12\u00a0500,-")[0], VBASE[1]]),
    vouchers_are(VLINES),
    encoding="utf-8",
)
voucher_csv("blank-lines", ["", *lines(VH, VBASE[:1]), "", *lines(VH, VBASE)[2:]], vouchers_are(VLINES))
voucher_csv(
    "extra-columns-and-date",
    lines([*VH, "dato", "merknad"], [[*r, "30.06.2023", "x"] for r in VBASE]),
    vouchers_are(VLINES, [date(2023, 6, 30)] * 2),
)
voucher_csv(
    "iso-date",
    lines([*VH, "dato"], [[*r, "2023-06-30"] for r in VBASE]),
    vouchers_are(VLINES, [date(2023, 6, 30)] * 2),
)
voucher_csv(
    "unattested-is-blank",
    lines(VH, replace(VBASE, 1, 4, "")),
    vouchers_are([VLINES[0], (*VLINES[1][:4], None, "CD")]),
)

voucher_csv("amount-text", lines(VH, replace(VBASE, 0, 1, "abc")), err("rad 2", vcol("beløp"), "abc"))
voucher_csv("amount-blank", lines(VH, replace(VBASE, 1, 1, "")), err("rad 3", vcol("beløp"), "mangler"))
voucher_csv("amount-NA", lines(VH, replace(VBASE, 0, 1, "#N/A")), err("rad 2", vcol("beløp")))
voucher_csv("amount-nan", lines(VH, replace(VBASE, 0, 1, "NaN")), err("rad 2", vcol("beløp")))
voucher_csv("amount-inf", lines(VH, replace(VBASE, 0, 1, "inf")), err("rad 2", vcol("beløp")))
voucher_csv("amount-overflow", lines(VH, replace(VBASE, 0, 1, "1e400")), err("rad 2", vcol("beløp")))
voucher_csv(
    "amount-ambiguous", lines(VH, replace(VBASE, 0, 1, "1,250")), err("rad 2", vcol("beløp"), "uklart")
)
voucher_csv("amount-euro", lines(VH, replace(VBASE, 0, 1, "12 500 EUR")), err("rad 2", vcol("beløp")))
voucher_csv("voucher-blank", lines(VH, replace(VBASE, 0, 0, "")), err("rad 2", vcol("bilag"), "mangler"))
voucher_csv("payee-blank", lines(VH, replace(VBASE, 1, 3, "")), err("rad 3", vcol("mottaker"), "mangler"))
voucher_csv(
    "date-invalid",
    lines([*VH, "dato"], [[*VBASE[0], "31.13.2023"], [*VBASE[1], ""]]),
    err("rad 2", vcol("dato")),
)
voucher_csv("missing-column", lines(VH[:5], [r[:5] for r in VBASE]), err("anvist_av", "mangler"))
voucher_csv(
    "duplicated-column", lines([*VH, "Belop"], [[*r, "1"] for r in VBASE]), err("rad 1", "betyr det samme")
)
voucher_csv("header-only", [";".join(VH)], err("ingen linjer"))
voucher_csv("too-many-fields", [*lines(VH, VBASE), "1003;5;330;LEV1;AB;CD;ekstra"], err("rad 4", "felt"))
voucher_csv(
    "truncated-last-line", [*lines(VH, VBASE[:1]), "1002;-1 0"], err("rad 3", "avkortet"), final=False
)
voucher_csv(
    "unterminated-quote",
    [*lines(VH, VBASE[:1]), '1002;"-1 000,50;331;LEV2;AB;CD'],
    err("CSV", "anførselstegn"),
)
voucher_csv("utf16", lines(VH, VBASE), err("UTF-16"), encoding="utf-16")
voucher_csv("utf16-no-bom", lines(VH, VBASE), err("binære data"), encoding="utf-16-le")
add("vouchers-empty", bytes_file(BILAG, b""), attestation.read_vouchers, err("tom"))
add(
    "vouchers-undefined-cp1252-byte",
    bytes_file(BILAG, files.encode_lines(lines(VH, VBASE)).replace(b"LEV2", b"LE\x81V")),
    attestation.read_vouchers,
    err("rad 3", "Windows-1252"),
)
add(
    "vouchers-bad-utf8-after-bom",
    bytes_file(BILAG, b"\xef\xbb\xbf" + "beløp;x\r\n".encode("cp1252")),
    attestation.read_vouchers,
    err("rad 1", "UTF-8"),
)
add("vouchers-is-pdf", bytes_file(BILAG, files.PDF_BYTES), attestation.read_vouchers, err("PDF"))
add("vouchers-is-xls", bytes_file(BILAG, files.CFB_BYTES), attestation.read_vouchers, err(".xls"))
add(
    "vouchers-unknown-suffix", bytes_file("bilag.ods", b"x"), attestation.read_vouchers, err("ukjent filtype")
)

VNUM = [[1001, 12500.0, 330, "LEV1", "AB", "CD"], [1002, -1000.5, 331, "LEV2", "AB", "CD"]]
add(
    "vouchers-xlsx-numbers",
    xlsx([VH, *VNUM], name="bilag.xlsx"),
    attestation.read_vouchers,
    vouchers_are(VLINES),
)
add(
    "vouchers-xlsx-renamed-csv",
    xlsx([VH, *VNUM], name=BILAG),
    attestation.read_vouchers,
    vouchers_are(VLINES),
)
add(
    "vouchers-xlsx-date-cells",
    xlsx([[*VH, "dato"], *[[*r, datetime(2023, 6, 30)] for r in VNUM]], name="bilag.xlsx"),
    attestation.read_vouchers,
    vouchers_are(VLINES, [date(2023, 6, 30)] * 2),
)
add(
    "vouchers-xlsx-dimension-XFD",
    raw(numbered([VH, *VNUM]), "bilag.xlsx", dimension="A1:XFD1048576"),
    attestation.read_vouchers,
    vouchers_are(VLINES),
)
add(
    "vouchers-xlsx-stray-cell-XFD",
    raw([(1, VH), (2, [*VNUM[0], *[None] * 16377, "x"]), (3, VNUM[1])], "bilag.xlsx"),
    attestation.read_vouchers,
    vouchers_are(VLINES),
)
add(
    "vouchers-xlsx-error-cell",
    raw(numbered([VH, *with_value(VNUM, 0, 1, ("e", "#N/A"))]), "bilag.xlsx"),
    attestation.read_vouchers,
    err("celle B2", "#I/T"),
)
add(
    "vouchers-xlsx-boolean-voucher",
    raw(numbered([VH, *with_value(VNUM, 1, 0, True)]), "bilag.xlsx"),
    attestation.read_vouchers,
    err("celle A3", "SANN"),
)
add(
    "vouchers-xlsx-truncated",
    lambda t: files.truncated(files.openpyxl_xlsx(t / "hel.xlsx", [VH, *VNUM]), t / "bilag.xlsx"),
    attestation.read_vouchers,
    err("skadet"),
)
add(
    "vouchers-xlsx-is-zip",
    lambda t: files.plain_zip(t / "bilag.xlsx"),
    attestation.read_vouchers,
    err("zip-pakke"),
)
add(
    "vouchers-xlsx-is-csv",
    csv_file("bilag.xlsx", lines(VH, VBASE)),
    attestation.read_vouchers,
    err("ikke en Excel-arbeidsbok"),
)
add(
    "vouchers-xlsx-row-2-billion",
    raw([*numbered([VH, *VNUM]), (2_000_000_000, VNUM[0])], "bilag.xlsx"),
    attestation.read_vouchers,
    err("1 048 576"),
)


# ---------------------------------------------------------------------------------------------
# Authority registers (fullmaktsregistre), worked out by hand:
#   AB (Anne Berg): attestasjon for 330, leader CD; CD (Carl Dahl): anvisning 300-399, limit 500 000

RH = ["person", "navn", "stilling", "roller", "ansvar", "beløpsgrense", "leder", "nærstående"]
RBASE = [
    ["AB", "Anne Berg", "Enhetsleder", "attestasjon", "330", "", "CD", ""],
    ["CD", "Carl Dahl", "Bydelsdirektør", "anvisning", "300-399", "500 000", "", ""],
]


def register_ok(limit: float | None = 500_000.0) -> Callable[[attestation.AuthorityRegister], None]:
    def check(reg: attestation.AuthorityRegister) -> None:
        ab, cd = reg.get("AB"), reg.get("CD")
        assert ab is not None and cd is not None and len(reg.people) == 2
        assert ab.roles == frozenset({"attestasjon"}) and cd.roles == frozenset({"anvisning"})
        assert ab.may_attest("330") and not ab.may_attest("331")
        assert cd.may_approve("399") and not cd.may_approve("400") and not cd.may_approve("3990")
        assert ab.limit is None and cd.limit == limit
        assert reg.superiors("ab") == ["cd"]

    return check


REG = "fullmakter.csv"


register_csv = csv_cases("register", REG, attestation.read_register)


register_csv("cp1252", lines(RH, RBASE), register_ok())
register_csv("utf8-bom", lines(RH, RBASE), register_ok(), encoding="utf-8-sig")
register_csv("lf", lines(RH, RBASE), register_ok(), newline="\n")
register_csv("limit-kr-text", lines(RH, replace(RBASE, 1, 5, "kr 500 000,-")), register_ok())
register_csv("limit-dot-thousands", lines(RH, replace(RBASE, 1, 5, "500.000,00")), register_ok())
register_csv("roles-capitalised", lines(RH, replace(RBASE, 0, 3, " Attestasjon ")), register_ok())
register_csv(
    "unknown-role",
    lines(RH, replace(RBASE, 0, 3, "superbruker")),
    err("rad 2", vcol("roller"), "superbruker"),
)
register_csv(
    "reversed-range", lines(RH, replace(RBASE, 1, 4, "399-300")), err("rad 3", vcol("ansvar"), "399-300")
)
register_csv("range-widths-differ", lines(RH, replace(RBASE, 1, 4, "300-3999")), err("rad 3", vcol("ansvar")))
register_csv("negative-limit", lines(RH, replace(RBASE, 1, 5, "-1")), err("rad 3", "negativ"))
register_csv("limit-text", lines(RH, replace(RBASE, 1, 5, "mye")), err("rad 3", vcol("beløpsgrense")))
register_csv("limit-NA", lines(RH, replace(RBASE, 1, 5, "#N/A")), err("rad 3", vcol("beløpsgrense")))
register_csv("duplicate-person", lines(RH, [*RBASE, RBASE[0]]), err("rad 4", "flere ganger"))
register_csv("unknown-leader", lines(RH, replace(RBASE, 0, 6, "XY")), err("rad 2", "XY", "finnes ikke"))
register_csv("own-leader", lines(RH, replace(RBASE, 0, 6, "AB")), err("rad 2", "sin egen leder"))
register_csv("leader-circle", lines(RH, replace(RBASE, 1, 6, "AB")), err("rad", "i ring"))
register_csv(
    "missing-roles-column", lines(RH[:3] + RH[4:], [r[:3] + r[4:] for r in RBASE]), err("roller", "mangler")
)
register_csv(
    "duplicated-column", lines([*RH, "Person"], [[*r, "x"] for r in RBASE]), err("rad 1", "betyr det samme")
)
register_csv("header-only", [";".join(RH)], err("ingen personer"))
register_csv("person-blank", lines(RH, replace(RBASE, 0, 0, "")), err("rad 2", vcol("person"), "mangler"))
register_csv("utf16", lines(RH, RBASE), err("UTF-16"), encoding="utf-16")
register_csv(
    "truncated",
    [*lines(RH, RBASE[:1]), "CD;Carl Dahl;Bydelsdirektør;anvisning;300-399;500"],
    err("avkortet"),
    final=False,
)
add(
    "register-xlsx",
    xlsx([RH, *[replace(RBASE, 1, 5, 500000)[i] for i in range(2)]], name="fullmakter.xlsx"),
    attestation.read_register,
    register_ok(),
)
add(
    "register-xlsx-error-person",
    raw(numbered([RH, *with_value(RBASE, 0, 0, ("e", "#REF!"))]), "fullmakter.xlsx"),
    attestation.read_register,
    err("celle A2", "#REF!"),
)
add(
    "register-xlsx-truncated",
    lambda t: files.truncated(files.openpyxl_xlsx(t / "hel.xlsx", [RH, *RBASE]), t / "fullmakter.xlsx"),
    attestation.read_register,
    err("skadet"),
)
add("register-is-pdf", bytes_file(REG, files.PDF_BYTES), attestation.read_register, err("PDF"))


def register_from_range(table: list[list[Any]]) -> attestation.AuthorityRegister:
    header, rows, source = attestation.rows_from_range(table, "Fullmakter!A1:H3")
    return attestation.register_from_rows(header, rows, source)


def range_case(id_: str, table: list[list[Any]], expect: Err | Callable[[Any], None]) -> None:
    add(f"register-range-{id_}", lambda _tmp: [list(r) for r in table], register_from_range, expect)


def range_error(*fragments: str) -> Err:
    return err("Fullmakter!A1:H3", *fragments, names_file=False)


range_case("cells", [RH, *replace(RBASE, 1, 5, 500000.0)], register_ok())
range_case("ragged-row", [RH, RBASE[0], RBASE[1][:5]], range_error("rad 3", "5 celler", "8"))
range_case("one-cell", [["person"]], range_error("mangler"))
range_case("header-only", [RH], range_error("ingen personer"))


# ---------------------------------------------------------------------------------------------
# Adjustment files (kostra prognose --justeringer): measures, carried-forward, allocations
#   253: tiltak 40 000 · 281: fremført −50 000, manuell prognose 2 600 000 · 201: kap. 303 30 000

AH = ["Funksjon", "Tiltak", "Fremført", "Kap 303", "Prognose"]
ABASE = [
    ["253", "40 000", "", "", ""],
    ["281", "", "-50 000", "", "2 600 000"],
    ["201", "", "", "30 000", ""],
]


def adjustments_are(check: Any) -> None:
    assert dict(check.measures) == {"253": 40_000.0}
    assert dict(check.carried_forward) == {"281": -50_000.0}
    assert dict(check.central_allocations) == {"201": 30_000.0}
    assert dict(check.manual_projections) == {"281": 2_600_000.0}
    assert dict(check.methods) == {"281": "manuell"}


def read_adjustments(path: Path) -> Any:
    from kostra_functions.commands.prognose import read_adjustments as read

    return read(path, None)


adjustments_csv = csv_cases("adjustments", "justeringer.csv", read_adjustments)


adjustments_csv("cp1252", lines(AH, ABASE), adjustments_are)
adjustments_csv("utf8-bom", lines(AH, ABASE), adjustments_are, encoding="utf-8-sig")
adjustments_csv("lf", lines(AH, ABASE), adjustments_are, newline="\n")
adjustments_csv(
    "comma-english", lines(AH, [[c.replace(" ", "") for c in r] for r in ABASE], ","), adjustments_are
)
adjustments_csv("utf16", lines(AH, ABASE), err("UTF-16"), encoding="utf-16")
adjustments_csv("truncated", [*lines(AH, ABASE)[:3], "201;;;30"], err("rad 4", "avkortet"), final=False)
adjustments_csv("amount-text", lines(AH, replace(ABASE, 0, 1, "førti")), err("rad 2", "tiltak"))
adjustments_csv(
    "unknown-column", lines([*AH, "Kommentar"], [[*r, "x"] for r in ABASE]), err("Kommentar", "ukjent")
)
adjustments_csv("repeated-function", lines(AH, [*ABASE, ABASE[0]]), err("253", "to ganger"))
adjustments_csv("unterminated-quote", [*lines(AH, ABASE[:1]), '281;"-50 000;;;'], err("anførselstegn"))
add(
    "adjustments-undefined-cp1252-byte",
    bytes_file("justeringer.csv", files.encode_lines(lines(AH, ABASE)).replace(b"253", b"2\x815")),
    read_adjustments,
    err("rad 2", "Windows-1252"),
)
add("adjustments-is-xlsx", xlsx([AH, *ABASE], name="justeringer.csv"), read_adjustments, err("binære data"))


# ---------------------------------------------------------------------------------------------
# SSB files: fixed-width records; a malformed record is an error of SSB's controls with its line

DISTRICT = Submission.create("0A", 2023, None, "030105")
SSB_LINES = [
    "0A2023 030105                  1202 010     1235",
    "0A2023 030105                  1202 700    -1235",
    "0A2023 030105                  0841 729       -3",
]
SSB_SUMS = {("1", "202", "010"): 1235, ("1", "202", "700"): -1235, ("0", "841", "729"): -3}
SSB = "kostra_030105.txt"


def ssb_read(path: Path) -> Any:
    from kostra_functions.controls import Severity, run_controls

    ssb = read_ssb_file(path)
    findings = run_controls(ssb.records, DISTRICT)
    bad = [f for f in findings if f.severity in (Severity.FATAL, Severity.ERROR)]
    if bad:  # the controls' verdict, as the CLI prints it: control, message, lines
        raise KostraError(
            "; ".join(f"{f.short()} (linje {', '.join(map(str, f.lines))})" for f in bad), where=path.name
        )
    return ssb


def ssb_sums(expected: dict[tuple[str, str, str], int]) -> Callable[[Any], None]:
    def check(ssb: Any) -> None:
        assert amounts_in_thousands(ssb.records) == expected

    return check


def ssb_case(
    id_: str,
    text_lines: Sequence[str],
    expect: Err | Callable[[Any], None],
    *,
    encoding: str = "ascii",
    newline: str = "\n",
    final: bool = True,
) -> None:
    add(f"ssb-{id_}", csv_file(SSB, text_lines, encoding, newline, final), ssb_read, expect)


def ssb_with(line: int, text: str) -> list[str]:
    out = list(SSB_LINES)
    out[line] = text
    return out


ssb_case("lf", SSB_LINES, ssb_sums(SSB_SUMS))
ssb_case("crlf", SSB_LINES, ssb_sums(SSB_SUMS), newline="\r\n")
ssb_case("cr-mac", SSB_LINES, ssb_sums(SSB_SUMS), newline="\r")
ssb_case("bom", SSB_LINES, ssb_sums(SSB_SUMS), encoding="utf-8-sig")
ssb_case("no-final-newline", SSB_LINES, ssb_sums(SSB_SUMS), final=False)
ssb_case("blank-lines", [SSB_LINES[0], "", *SSB_LINES[1:], "", ""], ssb_sums(SSB_SUMS))
ssb_case("record-short", ssb_with(1, SSB_LINES[1][:-1]), err("001", "linje 2", names_file=True))
ssb_case("record-long", ssb_with(2, SSB_LINES[2] + "0"), err("001", "linje 3"))
ssb_case("amount-letters", ssb_with(0, SSB_LINES[0][:-4] + "12a5"), err("014", "linje 1"))
ssb_case("amount-inner-space", ssb_with(0, SSB_LINES[0][:-5] + "1 235"), err("014", "linje 1"))
ssb_case("amount-blank", ssb_with(0, SSB_LINES[0][:-9] + " " * 9), err("014", "linje 1"))
ssb_case("wrong-year", ssb_with(1, SSB_LINES[1].replace("2023", "2022", 1)), err("linje 2", "2022"))
ssb_case("wrong-region", ssb_with(0, SSB_LINES[0].replace("030105", "030106", 1)), err("linje 1", "030106"))
ssb_case("bad-account-class", ssb_with(0, SSB_LINES[0][:31] + "9" + SSB_LINES[0][32:]), err("linje 1"))
ssb_case(
    "function-letter-O", ssb_with(0, SSB_LINES[0][:32] + "2O2 " + SSB_LINES[0][36:]), err("linje 1", "2O2")
)
ssb_case("art-unknown", ssb_with(0, SSB_LINES[0][:36] + "011" + SSB_LINES[0][39:]), err("linje 1", "011"))
ssb_case("tab-in-amount", ssb_with(0, SSB_LINES[0][:-5] + "\t1235"), err("linje 1"))
ssb_case(
    "latin1-letter",
    ssb_with(0, SSB_LINES[0][:32] + "2ø2 " + SSB_LINES[0][36:]),
    err("linje 1"),
    encoding="latin-1",
)
ssb_case("utf16", SSB_LINES, err("UTF-16"), encoding="utf-16")
ssb_case("empty", ["", ""], err("tom"))
add("ssb-is-zip", lambda t: files.plain_zip(t / SSB), ssb_read, err("zip-pakke"))
add("ssb-is-pdf", bytes_file(SSB, files.PDF_BYTES), ssb_read, err("PDF"))
add("ssb-is-xls", bytes_file(SSB, files.CFB_BYTES), ssb_read, err("Excel"))
add(
    "ssb-nul-bytes",
    bytes_file(SSB, ("\n".join(SSB_LINES) + "\n").encode().replace(b"0A2023", b"0A\x0023", 1)),
    ssb_read,
    err("binære data"),
)


# ---------------------------------------------------------------------------------------------
# The test


def test_reader_corpus_is_large_enough() -> None:
    assert len(CASES) >= 150, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reader_case(case: Case, tmp_path: Path) -> None:
    source = case.build(tmp_path)
    name = source.name if isinstance(source, Path) else None
    try:
        result = case.read(source)
    except KostraError as exc:
        message = str(exc)
        if not isinstance(case.expect, Err):
            record("wrong_value")
            pytest.fail(f"{case.id}: expected a value, got the error: {message}")
        problems = clear_error_problems(message, case.expect, name)
        if problems:
            record("wrong_value")
            pytest.fail(f"{case.id}: the error {'; '.join(problems)}: {message}")
        record("clear_error")
        return
    except Exception as exc:
        record("wrong_value")
        pytest.fail(f"{case.id}: crashed with {type(exc).__name__}: {exc}")
    if isinstance(case.expect, Err):
        record("wrong_value")
        pytest.fail(f"{case.id}: expected an error ({case.expect.fragments}), got a value: {result!r}"[:2000])
    try:
        case.expect(result)
    except AssertionError as exc:
        record("wrong_value")
        pytest.fail(f"{case.id}: wrong value: {exc}")
    record("correct_value")
