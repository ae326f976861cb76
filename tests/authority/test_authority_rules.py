"""Authority rules, round 2: each rule of økonomireglementet (seed 001) and Kristiansands regler for
årsavslutning (seed 004) that was missing, with a case that triggers it and one that does not, the
sentence it implements, and the way a controller reaches it (an Excel function and, for the voucher
rules, ``kostra kontroller bilag``). Expected values are worked out by hand from the sentences.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kostra_functions.attestation import (
    VoucherLine,
    check_duplicates,
    check_line,
    check_register,
    read_register,
)
from kostra_functions.authority import budget_authority
from kostra_functions.cli import main
from kostra_functions.errors import InvalidArgumentError
from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS, SIGN
from kostra_functions.yearend.funds import fund_redistribution, in_year_fund_use
from kostra_functions.yearend.results import UnitResult, close_year

HEADER = [
    "person",
    "navn",
    "stilling",
    "roller",
    "ansvar",
    "beløpsgrense",
    "leder",
    "nærstående",
    "delegert_av",
]
#: RM rådmann; SL sektorleder (from RM); VL virksomhetsleder (from SL, limit 50 000); AT attestant
#: (from VL, VL's staff); JN, MA payment; LH bank reconciliation.
PEOPLE = [
    ["RM", "Randi Moe", "rådmann", "anvisning", "*", "", "", "", ""],
    ["SL", "Hans Berg", "sektorleder", "anvisning", "300-399", "", "RM", "", "RM"],
    ["VL", "Kari Lie", "virksomhetsleder", "anvisning", "330-339", "50 000", "SL", "", "SL"],
    ["AT", "Tone Olsen", "konsulent", "attestasjon", "330-339", "", "VL", "", "VL"],
    ["JN", "Jon Nes", "regnskap", "utbetaling", "", "", "RM", "", ""],
    ["MA", "Mona Aas", "regnskap", "utbetaling", "", "", "RM", "", ""],
    ["LH", "Liv Haug", "regnskap", "bankavstemming", "", "", "RM", "", ""],
]
VOUCHER_HEADER = [
    "bilag",
    "dato",
    "beløp",
    "ansvar",
    "mottaker",
    "attestert_av",
    "anvist_av",
    "registrert_av",
    "godkjent_av",
    "fakturanr",
    "kid",
]


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)
    return path


def _register(tmp_path: Path, rows: list[list[Any]]) -> Any:
    return read_register(_csv(tmp_path / "register.csv", HEADER, rows))


def _rules(found: list[Any]) -> list[str]:
    return sorted(v.rule for v in found)


def _table(rows: list[list[Any]], header: list[str] = HEADER) -> list[list[Any]]:
    return [header, *rows]


def test_the_clean_register_has_no_findings(tmp_path: Path) -> None:
    assert check_register(_register(tmp_path, PEOPLE)) == []
    assert FUNCTIONS["KOSTRA_FULLMAKTSREGISTER"].call(_table(PEOPLE)) == [
        ["OK", "", "", "Ingen brudd i fullmaktsregisteret."]
    ]


# -- §4.3 «Bankavstemmingene kontrolleres av en som ikke har utbetalingsfullmakt.» ---------------


def test_bank_reconciliation_by_someone_without_payment_authority(tmp_path: Path) -> None:
    payer_checks = [
        *PEOPLE[:-1],
        ["LH", "Liv Haug", "regnskap", "bankavstemming, utbetaling", "", "", "RM", "", ""],
    ]
    found = check_register(_register(tmp_path, payer_checks))
    assert [(v.rule, v.paragraph, v.people) for v in found] == [("UTB-BANKAVSTEMMING", "§4.3", ("LH",))]
    # from Excel
    rows = FUNCTIONS["KOSTRA_FULLMAKTSREGISTER"].call(_table(payer_checks))
    assert rows == [
        [
            "UTB-BANKAVSTEMMING",
            "§4.3",
            "LH",
            "LH (Liv Haug) kontrollerer bankavstemmingene og har utbetalingsfullmakt.",
        ]
    ]


# -- §4.3 «Personer som har utbetalingsfullmakt skal hverken ha attestasjons- eller
#    anvisningsmyndighet.» – a payer who attests is that breach, not «missing authority» --------


def test_a_payer_who_attests_is_the_segregation_breach(tmp_path: Path) -> None:
    reg = _register(tmp_path, PEOPLE)
    line = VoucherLine("1", 10_000, "330", "Meny AS", attested_by="JN", approved_by="VL")
    found = check_line(line, reg)
    assert _rules(found) == ["UTB-ATTESTERT-ANVIST"]  # not ATT-FULLMAKT
    assert "JN (Jon Nes) har utbetalingsfullmakt og har attestert bilaget" in found[0].message
    # non-trigger: the attestant has no payment authority
    assert (
        check_line(VoucherLine("1", 10_000, "330", "Meny AS", attested_by="AT", approved_by="VL"), reg) == []
    )
    # from Excel
    text = FUNCTIONS["KOSTRA_ATTESTASJON"].call(_table(PEOPLE), 10_000, 330, "Meny AS", "JN", "VL")
    assert text.startswith("UTB-ATTESTERT-ANVIST (§4.3): JN (Jon Nes) har utbetalingsfullmakt")


def test_one_bank_argument_is_not_a_two_person_error() -> None:
    # «… en person legger inn transaksjonen, mens en annen godkjenner den»: only when both are given
    attest = FUNCTIONS["KOSTRA_ATTESTASJON"]
    assert attest.call(_table(PEOPLE), 10_000, 330, "Meny AS", "AT", "VL", "JN") == "OK"
    assert attest.call(_table(PEOPLE), 10_000, 330, "Meny AS", "AT", "VL", None, "MA") == "OK"
    assert attest.call(_table(PEOPLE), 10_000, 330, "Meny AS", "AT", "VL", "JN", "JN").startswith(
        "UTB-TO-PERSONER (§4.3)"
    )


# -- §4.1 «Attestasjon innebærer også en bekreftelse på at fakturaen/varen ikke er betalt/behandlet
#    tidligere.» ---------------------------------------------------------------------------------


def _line(
    voucher: str,
    amount: float,
    payee: str = "Meny AS",
    invoice: str | None = None,
    kid: str | None = None,
    when: date | None = None,
) -> VoucherLine:
    return VoucherLine(
        voucher,
        amount,
        "330",
        payee,
        attested_by="AT",
        approved_by="VL",
        date=when,
        invoice=invoice,
        kid=kid,
        location=f"rad {voucher}",
    )


def test_same_payee_amount_and_invoice_number_is_a_duplicate() -> None:
    found = check_duplicates([_line("1", 12_500, invoice="F-088100"), _line("2", 12_500, invoice="F 88100")])
    assert [(v.rule, v.voucher, v.is_warning) for v in found] == [("BILAG-DUPLIKAT", "2", False)]
    assert "som bilag 1: fakturaen er behandlet før" in found[0].message
    # the same KID
    found = check_duplicates([_line("1", 900, kid="0012345"), _line("2", 900, kid="12345")])
    assert [v.rule for v in found] == ["BILAG-DUPLIKAT"]


def test_no_duplicate_for_other_payee_or_lines_of_one_voucher() -> None:
    assert (
        check_duplicates([_line("1", 12_500, invoice="F1"), _line("2", 12_500, "Rema AS", invoice="F1")])
        == []
    )
    # two lines of the same voucher (split over responsibilities) are one invoice, not two
    assert check_duplicates([_line("1", 20_000, invoice="A7"), _line("1", 20_000, invoice="A7")]) == []
    assert check_duplicates([_line("1", 0, invoice=None), _line("2", 0, invoice=None)]) == []


def test_near_duplicates_are_warnings() -> None:
    # same invoice number, other amount
    found = check_duplicates([_line("1", 12_500, invoice="F1"), _line("2", 12_000, invoice="F1")])
    assert [(v.rule, v.is_warning) for v in found] == [("BILAG-MULIG-DUPLIKAT", True)]
    # same payee and amount, other invoice number, 14 days apart (the limit) – and 15 days: none
    d1, d14, d15 = date(2023, 6, 1), date(2023, 6, 15), date(2023, 6, 16)
    assert [
        v.rule
        for v in check_duplicates(
            [_line("1", 500, invoice="A", when=d1), _line("2", 500, invoice="B", when=d14)]
        )
    ] == ["BILAG-MULIG-DUPLIKAT"]
    assert (
        check_duplicates([_line("1", 500, invoice="A", when=d1), _line("2", 500, invoice="B", when=d15)])
        == []
    )


def test_duplicates_from_excel_and_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        ["1", "01.06.2023", "12 500,00", "330", "Meny AS", "AT", "VL", "JN", "MA", "F-88100", ""],
        ["2", "05.06.2023", "8 000,00", "330", "Rema AS", "AT", "VL", "JN", "MA", "R-1", ""],
        ["3", "12.06.2023", "12 500,00", "330", "Meny AS", "AT", "VL", "JN", "MA", "F-088100", ""],
    ]
    out = FUNCTIONS["KOSTRA_DUPLIKATER"].call(_table(rows, VOUCHER_HEADER))
    assert [r[0] for r in out] == ["1", "2", "3"] and out[0][1] == out[1][1] == "OK"
    assert out[2][1].startswith(
        "BILAG-DUPLIKAT (§4.1): Samme mottaker (Meny AS), beløp (12 500 kr) og "
        "fakturanummer F-088100 som bilag 1"
    )
    vouchers = _csv(tmp_path / "bilag.csv", VOUCHER_HEADER, rows)
    register = _csv(tmp_path / "register.csv", HEADER, PEOPLE)
    assert main(["kontroller", "bilag", str(vouchers), "--register", str(register)]) == 1
    text = capsys.readouterr().out
    assert "Bilagsliste:       bilag.csv (3 linjer, 3 bilag)" in text
    assert "1 brudd – 0 i fullmaktsregisteret og 1 i 1 bilag" in text
    assert "BILAG 3 – 12 500 kr" in text and "BILAG-DUPLIKAT (§4.1)" in text


def test_plural_of_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vouchers = _csv(
        tmp_path / "bilag.csv",
        VOUCHER_HEADER,
        [["1", "01.06.2023", "100,00", "330", "Meny AS", "AT", "VL", "JN", "MA", "F1", ""]],
    )
    register = _csv(tmp_path / "register.csv", HEADER, PEOPLE)
    assert main(["kontroller", "bilag", str(vouchers), "--register", str(register)]) == 0
    assert "(1 linje, 1 bilag)" in capsys.readouterr().out


# -- §4.1 «Den som innehar anvisningsmyndighet kan utstede attestasjonsmyndighet til en eller flere
#    av sine medarbeidere.» §4.2 «Anvisningsmyndigheten kan delegeres til sektorledere, som igjen kan
#    videredelegere denne til virksomhetsledere.» -----------------------------------------------


def test_approval_delegated_more_than_one_link_further(tmp_path: Path) -> None:
    deeper = [*PEOPLE, ["FL", "Lars Vik", "fagleder", "anvisning", "330", "20 000", "VL", "", "VL"]]
    found = check_register(_register(tmp_path, deeper))
    assert [(v.rule, v.people) for v in found] == [("DELEG-ANVISNING", ("FL", "VL"))]
    assert "3 ledd under rådmannen" in found[0].message


def test_approval_beyond_the_delegators_own(tmp_path: Path) -> None:
    wider = [
        row
        if row[0] != "VL"
        else ["VL", "Kari Lie", "virksomhetsleder", "anvisning", "330-449", "", "SL", "", "SL"]
        for row in PEOPLE
    ]
    messages = [v.message for v in check_register(_register(tmp_path, wider))]
    assert messages == [
        "VL (Kari Lie) har anvisningsmyndighet for ansvar 330-449, mer enn SL (Hans Berg) som "
        "delegerte den (ansvar 300-399)."
    ]
    # a limit higher than the delegator's
    limited = [row if row[0] != "SL" else [*row[:5], "40 000", *row[6:]] for row in PEOPLE]
    found = check_register(_register(tmp_path, limited))
    assert [v.rule for v in found] == ["DELEG-ANVISNING"] and "40 000 kr" in found[0].message


def test_attest_authority_from_someone_not_the_leader(tmp_path: Path) -> None:
    wrong = [*PEOPLE, ["IH", "Ida Holm", "konsulent", "attestasjon", "330-339", "", "SL", "", "VL"]]
    found = check_register(_register(tmp_path, wrong))
    assert [(v.rule, v.paragraph, v.people) for v in found] == [("DELEG-ATTESTASJON", "§4.1", ("IH", "VL"))]
    # from a person without approval authority
    wrong = [*PEOPLE, ["IH", "Ida Holm", "konsulent", "attestasjon", "330", "", "AT", "", "AT"]]
    found = FUNCTIONS["KOSTRA_FULLMAKTSREGISTER"].call(_table(wrong))
    assert [r[0] for r in found] == ["DELEG-ATTESTASJON"] and "som ikke har anvisningsmyndighet" in found[0][
        3
    ]


def test_delegation_not_checked_without_the_column(tmp_path: Path) -> None:
    # without «delegert_av» nobody's authority can be traced: nothing is said (the report lists it
    # under «IKKE KONTROLLERT»), even for a person who would be three links down
    plain = [row[:-1] for row in PEOPLE] + [["FL", "Lars Vik", "fagleder", "anvisning", "330", "", "VL", ""]]
    reg = read_register(_csv(tmp_path / "r.csv", HEADER[:-1], plain))
    assert check_register(reg) == []


def test_an_oslo_district_starts_the_chain_at_the_bydelsdirektor(tmp_path: Path) -> None:
    rows = [
        ["BD", "Berit Dahl", "bydelsdirektør", "anvisning", "*", "", "", "", ""],
        ["AD", "Ole Nilsen", "avdelingsdirektør", "anvisning", "200-499", "", "BD", "", "BD"],
        ["EL", "Kari Lie", "enhetsleder", "anvisning", "210-219", "", "AD", "", "AD"],
    ]
    reg = read_register(_csv(tmp_path / "r.csv", HEADER, rows), ruleset="oslo_bydel")
    assert check_register(reg, "oslo_bydel") == []
    # the regulation's own rule set has no bydelsdirektør: the chain does not reach its rådmann
    assert {v.rule for v in check_register(read_register(tmp_path / "r.csv"))} == {"DELEG-ANVISNING"}
    # no ordfører/rådmann rule in a district; the bydelsdirektør's bill approved by her subordinate is
    # still caught: «Underordnede kan ikke anvise overordnedes regninger.»
    line = VoucherLine("1", 3_450, "110", "BD", attested_by="EL", approved_by="AD")
    assert "ANV-ORDFORER-RADMANN" not in _rules(check_line(line, reg, "oslo_bydel"))
    assert "ANV-OVERORDNET" in _rules(check_line(line, reg, "oslo_bydel"))


# -- §3.3.1 «Kommunestyret må selv foreta endringer i de komponenter som hører innunder • sum frie
#    disponible inntekter • finansutgifter netto • avsetninger netto • til finansiering av utgifter
#    ført opp i investeringsbudsjettet» ------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "endre_frie_inntekter",
        "endre_finansutgifter",
        "endre_avsetninger_netto",
        "endre_finansiering_investering",
    ],
)
def test_council_only_changes(action: str) -> None:
    d = budget_authority(action, 50_000, "7", date(2023, 6, 15), 2023)
    assert (d.body, d.paragraph) == ("Kommunestyret", "§3.3.1")
    assert FUNCTIONS["KOSTRA_FULLMAKT"].call(action, 1, 8, "15.06.2023", 2023) == "Kommunestyret"


def test_the_chosen_reading_leaves_formannskapet_its_own_areas() -> None:
    # §3.3.3 C «Formannskapet kan foreta budsjettregulering innenfor rammeområdene 1 … 7 … og 8» and the
    # allocation of «ledige driftsmidler til disposisjonsfond»: still Formannskapet (the sums unchanged)
    fullmakt = FUNCTIONS["KOSTRA_FULLMAKT"]
    assert fullmakt.call("mellom_ansvar", 500_000, 7, "15.06.2023", 2023) == "Formannskapet"
    assert fullmakt.call("avsetning_disposisjonsfond", 500_000, 8, "15.06.2023", 2023) == "Formannskapet"
    reason = fullmakt.call(
        "endre_avsetninger_netto", 1, 8, "15.06.2023", 2023, None, None, None, None, None, "begrunnelse"
    )
    assert "særregel for formannskapet (§3.3.3)" in reason


# -- KOSTRA_FULLMAKT read as a controller types it --------------------------------------------------


def test_one_sign_convention_revenue_may_be_negative() -> None:
    fullmakt = FUNCTIONS["KOSTRA_FULLMAKT"]
    assert fullmakt.call("merinntekt", -200_000, 2, "15.06.2023", 2023) == "Hovedutvalget"
    assert fullmakt.call("merinntekt", -200_000.01, 2, "15.06.2023", 2023) == "Kommunestyret"
    for fn in FUNCTIONS.values():
        if fn.category in ("Fullmakter", "Årsavslutning", "Investering og mva"):
            assert SIGN in fn.help and len(fn.help) <= 255, fn.name


@pytest.mark.parametrize(
    "typed", [2, "02", "2 Oppvekst og kultur", "2. Oppvekst og kultur", "Oppvekst og kultur"]
)
def test_frame_area_as_a_controller_types_it(typed: Any) -> None:
    assert (
        FUNCTIONS["KOSTRA_FULLMAKT"].call("mellom_rammeomrader", 500_000, 3, "15.06.2023", 2023, typed)
        == "Kommunestyret"
    )
    assert FUNCTIONS["KOSTRA_FULLMAKT_FLYTTING"].call(500_000, typed, 3, "15.06.2023") == "Kommunestyret"


def test_moving_within_one_area_typed_two_ways() -> None:
    # «2» and «02» are the same area: a move between responsibilities inside it (§3.3.4 c)
    assert FUNCTIONS["KOSTRA_FULLMAKT_FLYTTING"].call(500_000, "02", 2, "15.06.2023") == "Hovedutvalget"


def test_a_wrong_area_name_is_refused() -> None:
    result = FUNCTIONS["KOSTRA_FULLMAKT"].call("mellom_ansvar", 1, "2 Helse", "15.06.2023", 2023)
    assert isinstance(result, ExcelError) and "heter «Oppvekst og kultur»" in result.message


def test_a_decision_before_the_budget_year_is_flagged() -> None:
    # December before the year: allowed, with a note; more than a year before: refused
    d = budget_authority("mellom_poster", 1, "2", date(2022, 12, 20), 2023)
    assert d.allowed and d.reason.startswith("Merk: vedtaket er datert 20.12.2022, før budsjettåret 2023")
    with pytest.raises(InvalidArgumentError, match="mer enn ett år før budsjettåret 2023"):
        budget_authority("mellom_poster", 1, "2", date(2021, 6, 1), 2023)
    assert "Merk" not in budget_authority("mellom_poster", 1, "2", date(2023, 1, 1), 2023).reason


# -- §5.4.2 «En netto merinntekt skal føres opp til inntekt på investeringsbudsjettet i det året
#    regnskapet legges fram» ------------------------------------------------------------------------


def test_investment_surplus_from_excel() -> None:
    rows = FUNCTIONS["KOSTRA_STRYKNING"].call("investering", -250_000, 40_000, 60_000)
    assert [r[2] for r in rows] == [0.0, 0.0, -250_000.0]
    assert rows[-1][0] == (
        "Netto merinntekt føres opp til inntekt på investeringsbudsjettet i året regnskapet legges fram"
    )
    assert FUNCTIONS["KOSTRA_STRYKNING_INVESTERING"].call(-250_000, 40_000, 60_000) == rows
    # a net overspend: 500 000 − 100 000 − 150 000 = 250 000 to next year's budget
    assert [r[2] for r in FUNCTIONS["KOSTRA_STRYKNING_INVESTERING"].call(500_000, 100_000, 150_000)] == [
        100_000.0,
        150_000.0,
        250_000.0,
    ]
    assert FUNCTIONS["KOSTRA_STRYKNING_DRIFT"].call(500_000, 300_000, 100_000, 400_000) == FUNCTIONS[
        "KOSTRA_STRYKNING"
    ].call("drift", 500_000, 300_000, 100_000, 400_000)


# -- Kristiansands regler for årsavslutning ---------------------------------------------------------


def test_in_year_use_of_a_units_fund() -> None:
    # «Enheter kan benytte disposisjonsfond i løpet av året så lenge det sannsynliggjøres at enhetens
    # fond vil være positivt eller i balanse ved årets slutt.» 100 000 − 60 000 − 40 000 = 0: allowed;
    # 100 000 − 60 000 − 40 000,01 < 0: not
    assert in_year_fund_use(100_000, 60_000, -40_000, budget_adjusted=True).allowed
    refused = in_year_fund_use(100_000, 60_000, -40_000.01, budget_adjusted=True)
    assert (
        not refused.allowed and "regnskapsavslutningen, tertialrapporter og økonomiplanen" in refused.reason
    )
    # an expected surplus is not counted: 10 000 − 20 000 + (surplus) < 0
    assert not in_year_fund_use(10_000, 20_000, 50_000, budget_adjusted=True).allowed
    # «Bruk av disposisjonsfond utenom regnskapsavslutningen skal alltid budsjettjusteres.»
    assert not in_year_fund_use(100_000, 10_000, 0, budget_adjusted=False).allowed
    bruk = FUNCTIONS["KOSTRA_FONDSBRUK"]
    assert bruk.call(100_000, 60_000, -40_000, True) is True
    assert bruk.call(100_000, 60_000, -40_000, False) is False
    assert bruk.call(100_000, 60_000, -30_000, True, "fond") == 10_000.0


def test_the_directors_redistribution_between_own_units() -> None:
    # «Dersom helt spesielle grunner tilsier det kan direktøren foreta en omfordeling mellom egne
    # enheters disposisjonsfond. Berørte enhetsledere skal i så fall involveres i denne prosessen.»
    assert (
        fund_redistribution("Helse", "helse", special_reasons=True, leaders_involved=True).body
        == "Direktøren"
    )
    assert not fund_redistribution("Helse", "Oppvekst", special_reasons=True, leaders_involved=True).allowed
    assert not fund_redistribution("Helse", "Helse", special_reasons=False, leaders_involved=True).allowed
    omf = FUNCTIONS["KOSTRA_FONDSOMFORDELING"]
    assert omf.call("Helse", "Helse", True, True) == "Direktøren"
    assert omf.call("Helse", "Helse", True, False) == "Ikke tillatt"


def test_all_reserve_funds_seen_as_one_not_below_zero() -> None:
    # «Alle disposisjonsfond ses under ett. Summen av disse fondene kan ikke bli under null»
    # A: −300 000 with fund 100 000 → fund −200 000; B: +100 000 → 85 000; general 50 000 + 15 000.
    # Sum −200 000 + 85 000 + 65 000 = −50 000: 50 000 below zero.
    year = close_year([UnitResult("A", -300_000, 100_000), UnitResult("B", 100_000)], 50_000)
    assert (float(year.funds_total_after), float(year.below_minimum)) == (-50_000.0, 50_000.0)
    table = [["enhet", "nettoresultat", "fond_før"], ["A", -300_000, 100_000], ["B", 100_000, 0]]
    rows = FUNCTIONS["KOSTRA_ARSAVSLUTNING"].call(table, 50_000)
    assert rows[0][:6] == ["A", 0.0, 0.0, 0.0, 100_000.0, -200_000.0]
    assert rows[1][:6] == ["B", 85_000.0, 15_000.0, 0.0, 0.0, 85_000.0]
    assert rows[2][5] == 65_000.0
    assert rows[3][5] == -50_000.0 and "kan ikke bli under 0 kr" in rows[3][6]
    # non-trigger: with 100 000 in the general fund the sum is 0, which is allowed
    assert FUNCTIONS["KOSTRA_ARSAVSLUTNING"].call(table, 100_000)[3][5:] == [0.0, "OK"]


def test_no_pooling_of_allocations_at_a_higher_level() -> None:
    # «Det er ikke anledning til å samle fondsavsetninger på et høyere organisatorisk nivå for å
    # begrense antall fond.»
    table = [
        ["enhet", "nettoresultat", "fond_før", "fond"],
        ["A", 10_000, 0, "Område helse"],
        ["B", 20_000, 0, "Område helse"],
        ["C", 30_000, 0, ""],
    ]
    rows = FUNCTIONS["KOSTRA_ARSAVSLUTNING"].call(table, 0)
    assert rows[0][6].startswith(
        "Avsetningen skal til enhetens eget fond, ikke til fondet «Område helse» sammen med B"
    )
    assert rows[2][6] == "OK"


def test_kristiansands_rules_are_named_as_users_know_them() -> None:
    for name in ("KOSTRA_DISPONERING", "KOSTRA_ARSAVSLUTNING", "KOSTRA_FONDSBRUK", "KOSTRA_FONDSOMFORDELING"):
        assert "Kristiansands regler for årsavslutning" in FUNCTIONS[name].help
        assert "seed" not in FUNCTIONS[name].help + FUNCTIONS[name].details


def test_register_findings_are_shown_at_the_voucher_where_the_person_acted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # FL's approval authority is one link too deep (register finding); FL approved voucher 7. The
    # finding is listed under the register and again at voucher 7, but counted once.
    deeper = [*PEOPLE, ["FL", "Lars Vik", "fagleder", "anvisning", "330", "20 000", "VL", "", "VL"]]
    register = _csv(tmp_path / "register.csv", HEADER, deeper)
    vouchers = _csv(
        tmp_path / "bilag.csv",
        VOUCHER_HEADER,
        [
            ["7", "01.06.2023", "900,00", "330", "Meny AS", "AT", "FL", "JN", "MA", "F7", ""],
            ["8", "01.06.2023", "900,00", "330", "Rema AS", "AT", "VL", "JN", "MA", "R8", ""],
        ],
    )
    report = tmp_path / "rapport.xlsx"
    args = ["kontroller", "bilag", str(vouchers), "--register", str(register), "--xlsx", str(report)]
    assert main(args) == 1
    text = capsys.readouterr().out
    assert "1 brudd – 1 i fullmaktsregisteret og 0 i 0 bilag" in text
    at_voucher = text.split("BILAG 7 – 900 kr – ansvar 330 – mottaker Meny AS – 01.06.2023\n")[1]
    assert at_voucher.startswith("  (fra registeret) DELEG-ANVISNING (§4.2)")
    assert "BILAG 8 " not in text
    import openpyxl

    rows = list(openpyxl.load_workbook(report)["Brudd"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [
        ("Fullmaktsregisteret", "DELEG-ANVISNING"),
        ("7", "DELEG-ANVISNING (fra registeret)"),
    ]


# -- the district's own voucher check (issue: rules of the right municipality) -------------------

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = ROOT / "kostra_functions" / "example_data" / "bydel_eksempel" / "bilag"


def test_the_district_example_has_its_planted_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.xlsx"
    args = [
        "kontroller",
        "bilag",
        str(DISTRICT / "bilagsliste.csv"),
        "--register",
        str(DISTRICT / "fullmaktsregister.csv"),
        "--regelsett",
        "oslo_bydel",
        "--xlsx",
        str(report),
    ]
    assert main(args) == 1
    text = capsys.readouterr().out
    assert "Regelsett:         Oslo kommune, bydel (Fellesskriv 5/2022) (oslo_bydel)" in text
    assert "rådmann" not in text.split("REGLENE SOM ER KONTROLLERT")[0].lower()
    import openpyxl

    rows = list(openpyxl.load_workbook(report)["Brudd"].iter_rows(min_row=2, values_only=True))
    found = {(r[0], r[1].replace(" (fra registeret)", "")) for r in rows}
    assert found == {
        ("Fullmaktsregisteret", "DELEG-ANVISNING"),
        ("230105", "DELEG-ANVISNING"),
        ("230102", "ANV-FULLMAKT"),
        ("230102", "ANV-OVERORDNET"),
        ("230103", "ATT-MANGLER"),
        ("230104", "ANV-FULLMAKT"),
        ("230105", "ANV-BELOPSGRENSE"),
        ("230106", "ANV-NAERSTAENDE"),
        ("230107", "ATT-EGEN"),
        ("230108", "BILAG-DUPLIKAT"),
        ("230109", "UTB-TO-PERSONER"),
        ("230110", "ADVARSEL BILAG-MULIG-DUPLIKAT"),
    }


def test_the_districts_voucher_check_workbook_uses_the_districts_rules() -> None:
    import openpyxl

    wb = openpyxl.load_workbook(
        ROOT / "workbooks" / "bydel_eksempel" / "bilagskontroll_2023-06.xlsx", data_only=True
    )
    ws = wb["Kontroll"]
    assert (
        ws["A2"].value == "Bydel Eksempel – Oslo kommune, bydel (Fellesskriv 5/2022) (økonomireglementet §4)"
    )
    listed = [ws.cell(r, 1).value for r in range(12, ws.max_row + 1)]
    assert "ANV-ORDFORER-RADMANN" not in listed and "DELEG-ANVISNING" in listed
    counts = {ws.cell(r, 1).value: ws.cell(r, 4).value for r in range(12, ws.max_row + 1)}
    assert (counts["DELEG-ANVISNING"], counts["BILAG-DUPLIKAT"], counts["BILAG-MULIG-DUPLIKAT"]) == (1, 1, 1)
    register = wb["Registerkontroll"]
    assert [register.cell(5, c).value for c in (1, 2, 3)] == ["DELEG-ANVISNING", "§4.2", "FL50, EL50"]
    assert "bydelsdirektøren" in register["D5"].value
