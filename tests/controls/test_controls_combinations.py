"""SSB controls 020–081: combinations of account class (drift/investering), function and art.

Expectations come from SSB's rule classes (``validation/rule/regnskap/kostra/Rule0NN….kt``) and
``KommuneKostraMain.kt`` as summarised in ``reference/kostra_kontroller.md`` §4; each test quotes the
rule. Records are written by hand (see ``line``), one planted line on top of a file that passes.
"""

from __future__ import annotations

import pytest

from kostra_functions.controls import Finding, Severity, check_line, run_controls
from kostra_functions.ssb_file import Record, Submission

MUNICIPALITY = "110300"
DISTRICT = "030105"
BASE = [
    ("1", "202", "010", 1000), ("1", "202", "590", 100), ("1", "860", "990", -100),
    ("1", "800", "870", -700), ("1", "840", "800", -400), ("1", "880", "570", 100),
    ("0", "222", "200", 300), ("0", "880", "970", -100), ("0", "880", "910", -200),
]


def line(kk: str, code: str, art: str, amount: int, *, skjema: str = "0A", quarter: str = " ",
         region: str = MUNICIPALITY, year: str = "2023") -> str:
    return f"{skjema}{year}{quarter}{region}{'':18}{kk}{code:<4}{art}{amount:>9}"


def planted(kk: str, code: str, art: str, *, quarter: int | None = None, region: str = MUNICIPALITY,
            skjema: str = "0A", year: int = 2023) -> list[Finding]:
    """Findings for the base file plus one planted line (line 10), amount 5 (1000 kr)."""
    q = " " if quarter is None else str(quarter)
    rows = [*BASE, (kk, code, art, 5)]
    records = [Record(i, line(*row, skjema=skjema, quarter=q, region=region, year=str(year)))
               for i, row in enumerate(rows, start=1)]
    return run_controls(records, Submission.create(skjema, year, quarter, region))


def hit(findings: list[Finding], control: str) -> list[tuple[Severity, tuple[int, ...]]]:
    return [(f.severity, f.lines) for f in findings if f.control == control]


ERR = [(Severity.ERROR, (10,))]
WARN = [(Severity.WARNING, (10,))]
INFO = [(Severity.INFO, (10,))]


# 020: invalidDriftFunksjonList = 841 («Kun gyldig i investering og skal fjernes fra drift»), ERROR
def test_020_function_841_in_drift() -> None:
    assert hit(planted("1", "841", "010"), "020") == ERR
    assert hit(planted("0", "841", "010"), "020") == []


# 025: invalidDriftArtList 280, 512, 521, 522, 529, 670, 910, 911, 912, 921, 922, 929, 970, ERROR;
# severity WARNING when kvartal in WARNING_QUARTERS (1, 2)
@pytest.mark.parametrize("art", ["280", "512", "529", "670", "910", "921", "929", "970"])
def test_025_investment_arts_in_drift(art: str) -> None:
    assert hit(planted("1", "202", art), "025") == ERR
    assert hit(planted("0", "202", art), "025") == []


@pytest.mark.parametrize(("quarter", "expected"), [(1, WARN), (2, WARN), (3, ERR), (4, ERR)])
def test_025_quarter_rule(quarter: int, expected: list) -> None:
    assert hit(planted("1", "202", "910", quarter=quarter), "025") == expected


def test_025_art_921_allowed_in_drift_for_oslo_consolidated_0m() -> None:
    # KommuneKostraMain: skjema 0M/0P and region in kommunenummerSpesial → list without 921
    assert hit(planted("3", "202", "921", skjema="0M", region="030100"), "025") == []
    assert hit(planted("3", "202", "921", skjema="0M", region=MUNICIPALITY), "025") == ERR
    assert hit(planted("1", "202", "921", region="030100"), "025") == ERR  # 0A: no exception


# 030: illogicalDriftArtList 285, 660 → INFO («Kun advarsel, hindrer ikke innsending»)
def test_030_illogical_arts_in_drift_are_info() -> None:
    assert hit(planted("1", "202", "285"), "030") == INFO
    assert hit(planted("1", "202", "660"), "030") == INFO
    assert hit(planted("0", "202", "285"), "030") == []


# 035: «Artene 520 Utlån og 920 Mottatte avdrag på utlån er kun gyldig i driftsregnskapet for
# funksjonene 281 …, 325 … og 701 …», ERROR
def test_035_loans_in_drift_only_on_281_325_701() -> None:
    assert hit(planted("1", "202", "520"), "035") == WARN  # newest Rule035: Severity.WARNING
    assert hit(planted("1", "202", "920"), "035") == WARN
    assert hit(planted("1", "281", "520"), "035") == []
    assert hit(planted("1", "325", "920"), "035") == []
    assert hit(planted("0", "202", "520"), "035") == []


# 040: invalidInvesteringFunksjonList 800, 840, 850, 860 («Kun gyldig i drift»), ERROR
@pytest.mark.parametrize("function", ["800", "840", "850", "860"])
def test_040_drift_functions_in_investment(function: str) -> None:
    assert hit(planted("0", function, "200"), "040") == ERR
    assert hit(planted("1", function, "200"), "040") == []


# 045: illogicalInvesteringFunksjonList 100, 110, 121, 170, 171 (+ county) → INFO
def test_045_illogical_functions_in_investment_are_info() -> None:
    assert hit(planted("0", "121", "200"), "045") == INFO
    assert hit(planted("0", "222", "200"), "045") == []
    assert hit(planted("1", "121", "200"), "045") == []


# 050: invalidInvesteringArtList 070, 080, 110, 114, 240, 509, 570, 590, 600, 629, 630, 640, 800,
# 870, 871, 872, 873, 875, 876, 877, 909, 990, ERROR
@pytest.mark.parametrize("art", ["070", "240", "509", "590", "600", "630", "877", "909", "990"])
def test_050_drift_arts_in_investment(art: str) -> None:
    assert hit(planted("0", "222", art), "050") == ERR
    assert hit(planted("1", "222", art), "050") == []


# 055: illogicalInvesteringArtList 620, 650, 900 → INFO
def test_055_illogical_arts_in_investment_are_info() -> None:
    assert hit(planted("0", "222", "620"), "055") == INFO
    assert hit(planted("1", "222", "620"), "055") == []


# 060: «Art 729 er kun gyldig i kombinasjon med funksjon 841 i investeringsregnskapet»; ERROR, but
# WARNING when kvartal in 1, 2, 3
def test_060_art_729_in_investment_only_on_841() -> None:
    assert hit(planted("0", "222", "729"), "060") == ERR
    assert hit(planted("0", "841", "729"), "060") == []
    assert hit(planted("1", "222", "729"), "060") == []
    assert hit(planted("0", "222", "729", quarter=2), "060") == WARN
    assert hit(planted("0", "222", "729", quarter=3), "060") == ERR  # WARNING only in quarters 1–2
    assert hit(planted("0", "222", "729", quarter=4), "060") == ERR


# 065: «Artene 589, 980 og 989 er kun tillat brukt i kombinasjon med funksjon 899. Og motsatt …»
def test_065_function_899_and_its_arts() -> None:
    assert hit(planted("1", "202", "589"), "065") == ERR
    assert hit(planted("0", "899", "200"), "065") == ERR
    assert hit(planted("1", "899", "989"), "065") == []


# 070: «Art 530 er kun tillat brukt i kombinasjon med funksjon 880»; WARNING in quarters 1–3
def test_070_art_530_only_on_880() -> None:
    assert hit(planted("1", "202", "530"), "070") == ERR
    assert hit(planted("1", "880", "530"), "070") == []
    assert hit(planted("1", "202", "530", quarter=1), "070") == WARN


# 075: tax arts (870, 871, 872, 873, 875, 876 …) «kun tillat brukt i kombinasjon med funksjon 800»
def test_075_tax_arts_only_on_800() -> None:
    assert hit(planted("1", "202", "870"), "075") == ERR
    assert hit(planted("1", "800", "871"), "075") == []
    assert hit(planted("1", "202", "876", quarter=2), "075") == WARN


# 080: «Art 800 er kun tillat brukt i kombinasjon med funksjon 840»; WARNING in quarters 1–3
def test_080_art_800_only_on_840() -> None:
    assert hit(planted("1", "202", "800"), "080") == ERR
    assert hit(planted("1", "840", "800"), "080") == []
    assert hit(planted("1", "202", "800", quarter=2), "080") == WARN
    assert hit(planted("1", "202", "800", quarter=3), "080") == ERR
    assert hit(planted("1", "202", "800", quarter=4), "080") == ERR


# 081 (from 2025): «Det er kun artene 450, 810 og 850 som er logiske i kombinasjon med funksjon 850»;
# WARNING, ERROR when kvartal is 3 or 4
def test_081_function_850_from_2025() -> None:
    assert hit(planted("1", "850", "010", year=2025), "081") == WARN
    assert hit(planted("1", "850", "010", year=2025, quarter=3), "081") == ERR
    assert hit(planted("1", "850", "810", year=2025), "081") == []
    assert hit(planted("1", "850", "010", year=2024), "081") == []  # not a control before 2025


def test_oslo_district_gets_the_same_combination_controls() -> None:
    assert hit(planted("1", "841", "010", region=DISTRICT), "020") == ERR


def test_check_line_runs_only_line_controls_without_line_numbers() -> None:
    findings = check_line("drift", "841", "010", year=2023, region=DISTRICT)
    assert [(f.control, f.severity, f.lines) for f in findings] == [("020", Severity.ERROR, ())]
    assert check_line("drift", "202", "010", year=2023, region=DISTRICT) == []
    assert [f.control for f in check_line("investering", "202", "729", year=2023, region=DISTRICT,
                                          quarter=2)] == ["060"]
