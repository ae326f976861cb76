"""The Excel rows KOSTRA_FULLMAKT, KOSTRA_ATTESTASJON, KOSTRA_DISPONERING, KOSTRA_STRYKNING,
KOSTRA_INVESTERING and KOSTRA_MVAKODE: through the table (``.call`` = Excel semantics) and through
the headless engine on a tiny workbook. Expected values worked by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS

FULLMAKT = FUNCTIONS["KOSTRA_FULLMAKT"]
ATTESTASJON = FUNCTIONS["KOSTRA_ATTESTASJON"]
DISPONERING = FUNCTIONS["KOSTRA_DISPONERING"]
STRYKNING = FUNCTIONS["KOSTRA_STRYKNING"]
INVESTERING = FUNCTIONS["KOSTRA_INVESTERING"]
MVAKODE = FUNCTIONS["KOSTRA_MVAKODE"]
MINE = tuple(
    fn for fn in FUNCTIONS.values() if fn.category in ("Fullmakter", "Årsavslutning", "Investering og mva")
)

JUNE_15_2023 = 45092  # Excel serial: 15.06.2023
DEC_31_2023 = 45291
JAN_1_2024 = 45292


def _error(result: Any, code: str, *words: str) -> None:
    assert isinstance(result, ExcelError), f"expected {code}, got {result!r}"
    assert result.code == code, result
    for word in words:
        assert word in result.message, result.message


def test_signatures() -> None:
    assert FULLMAKT.signature == (
        "KOSTRA_FULLMAKT(handling; beløp; rammeområde; dato; budsjettår; [annet_rammeområde]; "
        "[inntektstype]; [faktisk_inntekt]; [øker_ramme]; [utenfor_premisser]; [svar]; [regelsett])"
    )
    assert ATTESTASJON.signature == (
        "KOSTRA_ATTESTASJON(register; beløp; ansvar; mottaker; [attestert_av]; [anvist_av]; "
        "[registrert_av]; [godkjent_av]; [remittert_av]; [disponibelt]; [regelsett])"
    )
    assert DISPONERING.signature == (
        "KOSTRA_DISPONERING(nettoresultat; [fond_før]; [spesielt_prosjekt]; [kommunens_merforbruk]; "
        "[sum_avsetninger]; [nedbetalingsår]; [forlenget_innvilget]; [regnskapsår]; [regelsett])"
    )
    assert (
        STRYKNING.signature == "KOSTRA_STRYKNING(regnskap; merforbruk; beløp1; beløp2; [beløp3]; [regelsett])"
    )
    assert (
        INVESTERING.signature == "KOSTRA_INVESTERING(kostpris; levetid; [reparasjon]; [svar]; [regelsett])"
    )
    assert MVAKODE.signature == (
        "KOSTRA_MVAKODE(konto; funksjon; sats; [kompensasjon]; [egen_bil]; [svar]; [regelsett])"
    )
    assert DISPONERING.returns == STRYKNING.returns == "array"


def test_every_function_and_argument_has_norwegian_help() -> None:
    for fn in MINE:
        assert fn.help and fn.example and fn.category
        for arg in fn.args:
            assert len(arg.help) > 15, (fn.name, arg.name)
            if arg.optional:  # every optional argument says what a blank means or that it is optional
                assert "Valgfritt" in arg.help or "Tom" in arg.help, (fn.name, arg.name)


# -- KOSTRA_FULLMAKT ------------------------------------------------------------------------------


def test_fullmakt_body_with_cell_values() -> None:
    # §3.3.4 b): inntil 200 000 → Hovedutvalget; the area typed as a number, the date as a serial.
    assert FULLMAKT.call("merinntekt", 200_000, 2, JUNE_15_2023, 2023) == "Hovedutvalget"
    assert FULLMAKT.call("merinntekt", "200 000,01", 2.0, "15.06.2023", 2023) == "Kommunestyret"
    assert FULLMAKT.call("Merinntekt", 500_000, "1", "2023-06-15", 2023, None, "nav") == "Formannskapet"
    assert FULLMAKT.call("mellom_rammeomrader", 1, 1, JUNE_15_2023, 2023, 7) == "Kommunestyret"


def test_fullmakt_answers() -> None:
    args = ("omprioritering", 200_000, 9, JUNE_15_2023, 2023, None, None, None, None, None)
    assert FULLMAKT.call(*args, "paragraf") == "§3.3.3 D"
    assert FULLMAKT.call(*args, "tillatt") is True
    assert "200 000 kr" in FULLMAKT.call(*args, "begrunnelse")
    # §3.3.5 with «øker_ramme» SANN → the council
    assert FULLMAKT.call("flytting_mellom_ar", 1, 9, JUNE_15_2023, 2023, None, None, None, "SANN") == (
        "Kommunestyret"
    )


def test_fullmakt_after_year_end() -> None:
    # §3.3.6: «Det kan ikke foretas endring av årsbudsjettet etter 31.12»
    assert FULLMAKT.call("mellom_poster", 1, 2, DEC_31_2023, 2023) == "Rådmannen"
    assert FULLMAKT.call("mellom_poster", 1, 2, JAN_1_2024, 2023) == "Ikke tillatt"
    assert FULLMAKT.call("mellom_poster", 1, 2, JAN_1_2024, 2023, *[None] * 5, "tillatt") is False


def test_fullmakt_errors_are_excel_errors_with_the_reason() -> None:
    _error(FULLMAKT.call("omdisponering", 1, 2, JUNE_15_2023, 2023), "#VALUE!", "Kjente handlinger")
    _error(FULLMAKT.call("merinntekt", 1, 10, JUNE_15_2023, 2023), "#N/A", "Rammeområde «10»")
    _error(FULLMAKT.call("merinntekt", None, 2, JUNE_15_2023, 2023), "#VALUE!", "beløp")
    _error(FULLMAKT.call("merinntekt", 1, 2, "i går", 2023), "#VALUE!", "dato")
    _error(FULLMAKT.call("merinntekt", 1, 2, JUNE_15_2023, 2023, *[None] * 5, "alt"), "#VALUE!", "svar")
    _error(FULLMAKT.call("merinntekt", 1, 2, JUNE_15_2023, ExcelError("#REF!")), "#VALUE!", "#REF!")


# -- KOSTRA_ATTESTASJON ---------------------------------------------------------------------------

REGISTER_RANGE = [
    ["person", "navn", "stilling", "roller", "ansvar", "beløpsgrense", "leder", "nærstående"],
    ["SL", "Hans Berg", "sektorleder", "anvisning", "300-399", None, None, None],
    ["VL", "Kari Lie", "virksomhetsleder", "anvisning", 330.0, 50000.0, "SL", "Lie Rør AS"],
    ["AT", "Tone Olsen", "konsulent", "attestasjon", 330.0, None, "VL", None],
    ["JN", "Jon Nes", "regnskap", "utbetaling", None, None, None, None],
]


def test_attestasjon_ok_and_findings() -> None:
    assert ATTESTASJON.call(REGISTER_RANGE, 50_000, 330, "Meny AS", "AT", "VL") == "OK"
    # 50 000,01 over VL's limit of 50 000
    assert ATTESTASJON.call(REGISTER_RANGE, 50_000.01, 330, "Meny AS", "AT", "VL").startswith(
        "ANV-BELOPSGRENSE (§4.2): VL (Kari Lie) har anvist 50 000,01 kr"
    )
    # attested and approved by VL, to a relative: two findings separated by |
    result = ATTESTASJON.call(REGISTER_RANGE, 1_000, 330, "Lie Rør AS", "VL", "VL")
    assert [part.split(" ")[0] for part in result.split(" | ")] == ["ATT-ANV-SAMME", "ANV-NAERSTAENDE"]
    # blank attestant = not attested; online bank by one person
    assert ATTESTASJON.call(REGISTER_RANGE, 1_000, 330, "Meny AS", None, "VL").startswith("ATT-MANGLER")
    assert ATTESTASJON.call(REGISTER_RANGE, 1_000, 330, "Meny AS", "AT", "VL", "JN", "JN").startswith(
        "UTB-TO-PERSONER"
    )
    # disponibelt 999 < 1 000
    assert ATTESTASJON.call(
        REGISTER_RANGE, 1_000, 330, "Meny AS", "AT", "VL", None, None, None, 999
    ).startswith("ANV-DEKNING")


def test_attestasjon_bad_register_is_an_error() -> None:
    bad = [["person", "roller"], ["VL", "anvisning"]]
    _error(ATTESTASJON.call(bad, 1, 330, "X", "AT", "VL"), "#VALUE!", "mangler kolonnene «ansvar»")


# -- KOSTRA_DISPONERING ---------------------------------------------------------------------------


def test_disponering_surplus() -> None:
    # 100 000 × 85 % = 85 000 to the unit; 15 000 general; fund 20 000 + 85 000 = 105 000
    rows = DISPONERING.call(100_000, 20_000)
    assert rows == [
        ["Avsetning til enhetens disposisjonsfond", 85_000.0],
        ["Avsetning til det generelle disposisjonsfondet", 15_000.0],
        ["Avkortet avsetning (memoriakonto)", 0.0],
        ["Bruk av enhetens disposisjonsfond", 0.0],
        ["Udekket merforbruk (negativt fond)", 0.0],
        ["Enhetens disposisjonsfond etter årsavslutning", 105_000.0],
        ["Antall år for tilbakeføring", 0],
        ["Tilbakeføring per år", 0.0],
        ["Tilbakeføring siste år", 0.0],
    ]


def test_disponering_deficit_with_plan_and_municipal_deficit() -> None:
    # deficit 300 000, fund 100 000: use 100 000, −200 000, repaid 100 000 in 2024 and 2025
    rows = DISPONERING.call(-300_000, 100_000, None, None, None, None, None, 2023)
    assert rows[3:] == [
        ["Bruk av enhetens disposisjonsfond", 100_000.0],
        ["Udekket merforbruk (negativt fond)", 200_000.0],
        ["Enhetens disposisjonsfond etter årsavslutning", -200_000.0],
        ["Antall år for tilbakeføring", 2],
        ["Tilbakeføring per år (2024)", 100_000.0],
        ["Tilbakeføring siste år (2025)", 100_000.0],
    ]
    # a fixed shape: an extended 4-year plan is still 9 rows (200 000 / 4 = 50 000 a year)
    rows = DISPONERING.call(-200_000, 0, None, None, None, 4, True, 2023)
    assert len(rows) == 9
    assert rows[6:] == [["Antall år for tilbakeføring", 4], ["Tilbakeføring per år (2024–2026)", 50_000.0],
                        ["Tilbakeføring siste år (2027)", 50_000.0]]
    # surplus 100 000 while the municipality has 30 000 left of its deficit and all allocations are
    # 150 000: reduced by 85 000 × 30 000 / 150 000 = 17 000 → 68 000 to the fund
    rows = DISPONERING.call(100_000, 0, False, 30_000, 150_000)
    assert rows[0] == ["Avsetning til enhetens disposisjonsfond", 68_000.0]
    assert rows[2] == ["Avkortet avsetning (memoriakonto)", 17_000.0]
    _error(DISPONERING.call(-200_000, 0, None, None, None, 3), "#NUM!", "kommunedirektøren")
    _error(DISPONERING.call(100_000, 0, None, 30_000), "#VALUE!", "sum_avsetninger")


# -- KOSTRA_STRYKNING -----------------------------------------------------------------------------


def test_strykning() -> None:
    # drift: 500 000 against 300 000 / 100 000 / 400 000 → 300 000, 100 000, 100 000; 0 left
    rows = STRYKNING.call("drift", 500_000, 300_000, 100_000, 400_000)
    assert [r[2] for r in rows] == [300_000.0, 100_000.0, 100_000.0, 0.0]
    assert rows[-1][0] == "Gjenstående regnskapsmessig underskudd" and rows[-1][1] is None
    # investering: 500 000 − 100 000 − 150 000 = 250 000 to next year's investment budget
    rows = STRYKNING.call("investering", 500_000, 100_000, 150_000)
    assert [r[2] for r in rows] == [100_000.0, 150_000.0, 250_000.0]
    _error(STRYKNING.call("investering", 1, 1, 1, 1), "#VALUE!", "beløp3")
    _error(STRYKNING.call("balanse", 1, 1, 1), "#VALUE!", "regnskap")


# -- KOSTRA_INVESTERING and KOSTRA_MVAKODE --------------------------------------------------------


def test_investering() -> None:
    # §7.2: «kostpris over 100 000 kroner» and «levetid på minst 3 år»
    assert INVESTERING.call(100_000, 5) == "drift"
    assert INVESTERING.call(100_000.01, 3) == "investering"
    assert INVESTERING.call(2_000_000, 20, "SANN") == "drift"  # repair: maintenance
    # §7.6 nr. 5: «over 5 mill. kr» needs a progress plan – its own function, no empty arguments
    fremdrift = FUNCTIONS["KOSTRA_FREMDRIFTSPLAN"]
    assert fremdrift.call(5_000_000) is False
    assert fremdrift.call(5_000_000.01) is True
    assert "fremdriftsplan kreves ikke" in fremdrift.call(5_000_000, "begrunnelse")
    _error(INVESTERING.call(200_000), "#VALUE!", "levetid")
    _error(INVESTERING.call(5_000_000, 5, None, "fremdriftsplan"), "#VALUE!", "KOSTRA_FREMDRIFTSPLAN")


def test_mvakode() -> None:
    assert MVAKODE.call(10100, 202, 25) == 51
    assert MVAKODE.call(1200, 222, 0.15) == 62  # investment art 01200 typed as a number keeps its zero
    assert MVAKODE.call("11153", "120", 25) == 0
    assert MVAKODE.call(10100, 202, 25, "USANN") == 70
    assert MVAKODE.call(11700, 254, 25, None, "ja") == 51
    assert "kompensasjon" in MVAKODE.call(11153, 120, 25, None, None, "begrunnelse")
    # fuel outside VAR with «egen_bil» blank: the municipality's own car (51), not #VERDI!
    assert MVAKODE.call(11700, 254, 25) == 51
    assert MVAKODE.call(11700, 254, 25, None, False) == 0
    _error(MVAKODE.call(10100, 202, 12), "#NUM!", "12 %")


# -- the headless engine computes the same values from a workbook ---------------------------------


def test_engine_calculates_the_rows_in_a_workbook(tmp_path: Path) -> None:
    from kostra_functions.engine.cell_refs import parse_ref
    from kostra_functions.engine.package import Package
    from kostra_functions.engine.recalc import calculate

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark1"
    for r, row in enumerate(REGISTER_RANGE, start=1):
        for c, value in enumerate(row, start=10):  # register in J1:Q5
            ws.cell(r, c, value)
    ws["A1"] = '=KOSTRA_FULLMAKT("merinntekt",200000,2,DATE(2023,6,15),2023)'
    ws["A2"] = '=KOSTRA_FULLMAKT("merinntekt",200000,2,DATE(2024,1,1),2023)'
    ws["A3"] = "=KOSTRA_MVAKODE(11153,120,25)"
    ws["A4"] = "=KOSTRA_INVESTERING(100000,5)"
    ws["A5"] = '=KOSTRA_ATTESTASJON(J1:Q5,1000,330,"Meny AS","AT","AT")'
    ws["A6"] = "=KOSTRA_DISPONERING(100000,20000)"
    ws["D1"] = "=SUM(B6:B7)"  # 85 000 + 15 000 spilled from A6
    path = tmp_path / "fullmakt.xlsx"
    wb.save(path)
    calc = calculate(Package.read(path))
    values = {pos: v for (_, pos), v in calc.values.items()}

    def value(ref: str) -> Any:
        return values[parse_ref(ref)]

    assert value("A1") == "Hovedutvalget"
    assert value("A2") == "Ikke tillatt"
    assert value("A3") == 0
    assert value("A4") == "drift"
    assert value("A5").startswith("ATT-ANV-SAMME")
    assert (value("A6"), value("B6")) == ("Avsetning til enhetens disposisjonsfond", 85_000)
    assert value("D1") == 100_000


@pytest.mark.parametrize("fn", MINE, ids=lambda f: f.name)
def test_rows_are_registered_in_the_table(fn: Any) -> None:
    assert FUNCTIONS[fn.name] is fn
