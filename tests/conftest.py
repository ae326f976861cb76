"""Shared fixtures: small ledger, budget and result-unit files written to ``tmp_path``.

The small files are written the way Agresso/Excel users get them (``;``, decimal comma, space and
no-break-space thousands, Windows-1252 or UTF-8 with BOM), so tests read real files back. Their sums
are worked out by hand in the tests that use them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

NBSP = "\u00a0"

#: The small accounts ledger (Windows-1252). Row numbers in the file are given on the right: the
#: header is row 1.
SMALL_LEDGER_LINES: tuple[str, ...] = (
    "Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Beløp",  # 1
    "10100;210;201;;1;Lønn januar;100 000,00",  # 2
    f"10100;210;201;;2;Lønn februar;100{NBSP}000,00",  # 3
    "10100;210;201;;6;Lønn og feriepenger;150 000,50",  # 4
    "16000;210;201;;1;Foreldrebetaling;-20 000,00",  # 5
    "16000;210;201;;2;Foreldrebetaling;-20 000,00",  # 6
    "11200;310;244;;1;Forbruksmateriell;5 000,25",  # 7
    "13700;311;252;;3;Fosterhjem;40 000,00",  # 8
    "10100;411;232;21001;1;Lønn prosjekt;30 000,00",  # 9
    "18100;411;232;21001;3;Statstilskudd;-50 000,00",  # 10
    "12980;510;254;;1;Internt kjøp;7 000,00",  # 11
    "17980;110;120;;1;Internt salg;-7 000,00",  # 12
    "14700;610;281;;13;Periodisering;900,00",  # 13
    "10100;412;231;30012;2;Lønn områdeløft;12 345,67",  # 14
)

#: Result units of the small ledger (UTF-8 with BOM).
SMALL_RESULT_UNIT_LINES: tuple[str, ...] = (
    "Ansvar;Ansvarsnavn;Resultatenhet;Resultatenhet navn",
    "110;Bydelsdirektør;10;Stab",
    "210;Solsiden barnehage;20;Barnehager",
    "310;Barneverntjenesten;30;Barnevern",
    "311;Barneverntiltak;30;Barnevern",
    "411;Skolehelsetjenesten;40;Forebyggende",
    "412;Ungdomstiltak;40;Forebyggende",
    "510;Hjemmesykepleie;50;Hjemmetjenester",
    "610;Sosialtjenesten;60;NAV sosial",
)


def small_budget_lines() -> list[str]:
    """The small budget (UTF-8 with BOM), periods 1–12.

    * 10100/210/201: 110 000 in each of 12 periods → 1 320 000
    * 16000/210/201: −20 000 in every period except July → 11 × −20 000 = −220 000
    * 13700/311/252: 10 000 in each of 12 periods → 120 000
    * 10100/411/232/21001: 40 000 in period 1; 18100/411/232/21001: −40 000 in period 3
    """
    lines = ["Art;Ansvar;Funksjon;Prosjekt;Periode;Justert budsjett"]
    for p in range(1, 13):
        lines.append(f"10100;210;201;;{p};110 000")
        if p != 7:
            lines.append(f"16000;210;201;;{p};-20 000")
        lines.append(f"13700;311;252;;{p};10 000")
    lines.append("10100;411;232;21001;1;40 000")
    lines.append("18100;411;232;21001;3;-40 000")
    return lines


WriteText = Callable[..., Path]


@pytest.fixture
def write_text(tmp_path: Path) -> WriteText:
    """Write lines to ``tmp_path/name`` in an encoding with CRLF line ends; returns the path."""

    def write(name: str, lines: Sequence[str], encoding: str = "cp1252", newline: str = "\r\n") -> Path:
        path = tmp_path / name
        path.write_bytes((newline.join(lines) + newline).encode(encoding))
        return path

    return write


@pytest.fixture
def small_ledger(write_text: WriteText) -> Path:
    """The small accounts ledger as a Windows-1252 CSV file."""
    return write_text("regnskap_liten.csv", SMALL_LEDGER_LINES, "cp1252")


@pytest.fixture
def small_budget(write_text: WriteText) -> Path:
    """The small budget as a UTF-8-with-BOM CSV file."""
    return write_text("budsjett_liten.csv", small_budget_lines(), "utf-8-sig")


@pytest.fixture
def small_result_units(write_text: WriteText) -> Path:
    """The small result-unit table as a UTF-8-with-BOM CSV file."""
    return write_text("resultatenheter_liten.csv", SMALL_RESULT_UNIT_LINES, "utf-8-sig")
