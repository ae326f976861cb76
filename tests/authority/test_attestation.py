"""Attestation, approval (anvisning) and payment (seed 001 §4): each rule must and must not trigger.

Registers and voucher lists are real files in tmp_path (CSV and XLSX). The people:
RM rådmann (anvisning, all), ORD ordfører (no roles), SL sektorleder (anvisning 300-399, leader RM),
VL virksomhetsleder (anvisning 330-339, limit 50 000, leader SL, relative «Lie Rør AS» and «EL»),
AT attestant (attestasjon 330-339, leader VL), EL (no roles; relative of VL), JN and MA (utbetaling).
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from kostra_functions.attestation import (
    AuthorityRegister,
    Violation,
    VoucherLine,
    check_files,
    check_line,
    check_register,
    check_voucher,
    read_register,
    read_vouchers,
)
from kostra_functions.cli import main
from kostra_functions.errors import LedgerFormatError

EXAMPLE = Path(__file__).resolve().parents[2] / "kostra_functions" / "example_data" / "bilag"

REGISTER_HEADER = ["person", "navn", "stilling", "roller", "ansvar", "beløpsgrense", "leder", "nærstående"]
REGISTER = [
    ["RM", "Randi Moe", "rådmann", "anvisning", "*", "", "", ""],
    ["ORD", "Odd Rønning", "ordfører", "", "", "", "", ""],
    ["SL", "Hans Berg", "sektorleder", "anvisning", "300-399", "", "RM", ""],
    ["VL", "Kari Lie", "virksomhetsleder", "anvisning", "330-339", "50 000", "SL", "Lie Rør AS, EL"],
    [
        "AT",
        "Tone Olsen",
        "konsulent",
        "attestasjon",
        "330, 331, 332, 333, 334, 335, 336, 337, 338, 339",
        "",
        "VL",
        "",
    ],
    ["EL", "Erik Lie", "vaktmester", "", "", "", "AT", ""],
    ["JN", "Jon Nes", "regnskap", "utbetaling", "", "", "RM", ""],
    ["MA", "Mona Aas", "regnskap", "utbetaling", "", "", "RM", ""],
]
VOUCHER_HEADER = [
    "bilag",
    "beløp",
    "ansvar",
    "mottaker",
    "attestert_av",
    "anvist_av",
    "registrert_av",
    "godkjent_av",
    "remittert_av",
    "disponibelt",
]


def write_csv(
    path: Path, header: list[str], rows: list[list[object]], *, delimiter: str = ";", encoding: str = "utf-8"
) -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def register(tmp_path: Path) -> AuthorityRegister:
    return read_register(write_csv(tmp_path / "register.csv", REGISTER_HEADER, REGISTER))


def line(**kw: object) -> VoucherLine:
    """A clean voucher line: 10 000 kr on 330 to a supplier, attested by AT, approved by VL."""
    base: dict[str, object] = dict(
        voucher="1",
        amount=10_000.0,
        responsibility="330",
        payee="Meny AS",
        attested_by="AT",
        approved_by="VL",
        entered_by="JN",
        bank_approved_by="MA",
        remitted_by=None,
        available=None,
    )
    base.update(kw)
    return VoucherLine(**base)  # type: ignore[arg-type]


def rules(found: list[Violation]) -> list[str]:
    return sorted(v.rule for v in found)


def test_a_clean_line_has_no_findings(register: AuthorityRegister) -> None:
    assert check_line(line(), register) == []
    assert check_register(register) == []


# -- §4.1 attestation ------------------------------------------------------------------------------


def test_every_bill_is_attested(register: AuthorityRegister) -> None:
    # «Samtlige fakturaer/regninger skal attesteres.»
    assert rules(check_line(line(attested_by=None), register)) == ["ATT-MANGLER"]


def test_attest_authority_for_the_responsibility(register: AuthorityRegister) -> None:
    # AT may attest 330–339, not 340; an unknown person has no authority at all.
    assert rules(check_line(line(responsibility="340", approved_by="SL"), register)) == ["ATT-FULLMAKT"]
    found = check_line(line(attested_by="XX"), register)
    assert rules(found) == ["ATT-FULLMAKT"] and "finnes ikke" in found[0].message


def test_approvers_also_hold_attest_authority(register: AuthorityRegister) -> None:
    # «Alle som innehar anvisningsmyndighet, innehar samtidig attestasjonsmyndighet»: SL attests 330.
    assert check_line(line(attested_by="SL", approved_by="VL"), register) == []


def test_nobody_attests_their_own_bill(register: AuthorityRegister) -> None:
    # «Den som attesterer, kan ikke attestere egne regninger.» (ids are not case-sensitive)
    assert rules(check_line(line(payee="at"), register)) == ["ATT-EGEN"]


def test_attest_and_approve_are_different_people(register: AuthorityRegister) -> None:
    # «… men de kan ikke både attestere og anvise på samme bilag.»
    assert rules(check_line(line(attested_by="VL"), register)) == ["ATT-ANV-SAMME"]


# -- §4.2 approval ---------------------------------------------------------------------------------


def test_every_bill_is_approved(register: AuthorityRegister) -> None:
    # «Før utbetaling skjer, skal det foreligge anvisning»
    assert rules(check_line(line(approved_by=None), register)) == ["ANV-MANGLER"]


def test_approval_authority_for_the_responsibility(register: AuthorityRegister) -> None:
    # «Det skal fremgå hvem som har anvisningsmyndighet på de ulike ansvar.» VL: 330–339 only.
    assert rules(check_line(line(responsibility="340", attested_by="SL", approved_by="VL"), register)) == [
        "ANV-FULLMAKT"
    ]
    # AT has attest authority only
    assert rules(check_line(line(attested_by="SL", approved_by="AT"), register)) == ["ANV-FULLMAKT"]


def test_amount_limit_equal_is_allowed(register: AuthorityRegister) -> None:
    # VL's limit 50 000: a voucher of exactly 50 000 is within, 50 000,01 is over.
    assert check_line(line(amount=50_000), register) == []
    assert rules(check_line(line(amount=50_000.01), register)) == ["ANV-BELOPSGRENSE"]


def test_amount_limit_applies_to_the_vouchers_total(register: AuthorityRegister) -> None:
    # Two lines of 30 000 and 25 000 on one voucher: 55 000 approved by VL > 50 000, reported once.
    found = check_voucher(
        [line(amount=30_000, location="r2"), line(amount=25_000, responsibility="331", location="r3")],
        register,
    )
    assert rules(found) == ["ANV-BELOPSGRENSE"] and found[0].locations == ("r2", "r3")
    assert "55 000 kr" in found[0].message


def test_budget_cover(register: AuthorityRegister) -> None:
    # §4.2: «at det finnes dekning for beløpet». 10 000 against 10 000 available is covered.
    assert check_line(line(available=10_000), register) == []
    found = check_line(line(available=9_999.99), register)
    assert rules(found) == ["ANV-DEKNING"] and found[0].people == ("AT", "VL")


def test_nobody_approves_their_own_bill(register: AuthorityRegister) -> None:
    # «Den som har anvisningsmyndighet kan ikke anvise egne regninger (for eksempel egne
    # reiseregninger)»
    assert rules(check_line(line(payee="VL"), register)) == ["ANV-EGEN"]


def test_nobody_approves_a_relatives_bill(register: AuthorityRegister) -> None:
    # «… eller for familiemedlemmer mv.» VL lists «Lie Rør AS» and EL; EL's own row need not list VL.
    assert rules(check_line(line(payee="lie rør as"), register)) == ["ANV-NAERSTAENDE"]
    assert rules(check_line(line(payee="EL"), register)) == ["ANV-NAERSTAENDE"]


def test_relatives_are_seen_both_ways(tmp_path: Path) -> None:
    rows = [r[:] for r in REGISTER]
    rows[3][7] = ""  # VL lists nobody …
    rows[5][7] = "VL"  # … but EL lists VL
    reg = read_register(write_csv(tmp_path / "r.csv", REGISTER_HEADER, rows))
    assert rules(check_line(line(payee="EL"), reg)) == ["ANV-NAERSTAENDE"]


def test_a_subordinate_does_not_approve_a_superiors_bill(register: AuthorityRegister) -> None:
    # «Underordnede kan ikke anvise overordnedes regninger.» VL's leader is SL; SL's leader is RM.
    assert rules(check_line(line(payee="SL"), register)) == ["ANV-OVERORDNET"]
    # a superior approving a subordinate's bill is fine
    assert check_line(line(payee="AT", attested_by="SL", approved_by="VL"), register) == []


def test_mayor_and_chief_executive_approve_each_other(register: AuthorityRegister) -> None:
    # «Ordfører anviser utbetalinger til rådmannen. Rådmannen anviser utbetalinger til ordføreren.»
    # The mayor needs no entry in the register to approve the chief executive's bill.
    assert check_line(line(payee="RM", approved_by="ORD"), register) == []
    assert check_line(line(payee="ORD", approved_by="RM"), register) == []
    found = check_line(line(payee="ORD", responsibility="330", approved_by="VL"), register)
    assert rules(found) == ["ANV-ORDFORER-RADMANN"] and "rådmannen" in found[0].message
    # the chief executive's bill approved by a subordinate breaks two rules
    found = check_line(line(payee="RM", responsibility="330", attested_by="SL", approved_by="VL"), register)
    assert rules(found) == ["ANV-ORDFORER-RADMANN", "ANV-OVERORDNET"]


# -- §4.3 payment ----------------------------------------------------------------------------------


def test_payment_authority_excludes_attest_and_approval(tmp_path: Path) -> None:
    # «Personer som har utbetalingsfullmakt skal hverken ha attestasjons- eller anvisningsmyndighet.»
    rows = [
        *REGISTER,
        ["BK", "Bente Kvam", "regnskap", "utbetaling, attestasjon", "330", "", "RM", ""],
        ["OK", "Øystein Kasa", "Økonomisjef", "anvisning", "120", "", "RM", ""],
    ]
    reg = read_register(write_csv(tmp_path / "r.csv", REGISTER_HEADER, rows))
    found = check_register(reg)
    # «Anvisningsmyndighet kan ikke overdras eller delegeres til økonomisjef.»
    assert sorted((v.rule, v.people) for v in found) == [
        ("ANV-OKONOMISJEF", ("OK",)),
        ("UTB-ROLLER", ("BK",)),
    ]
    assert all(v.voucher is None for v in found)
    # the voucher-level view includes register findings about the people on the voucher, and the act
    # itself (a payer attesting) is the §4.3 segregation breach
    assert rules(check_voucher([line(attested_by="BK")], reg)) == ["UTB-ATTESTERT-ANVIST", "UTB-ROLLER"]


def test_online_bank_two_people_with_payment_authority(register: AuthorityRegister) -> None:
    # «Utbetalingene gjennom nettbank gjøres ved at en person legger inn transaksjonen, mens en annen
    # godkjenner den.»
    assert rules(check_line(line(entered_by="JN", bank_approved_by="jn"), register)) == ["UTB-TO-PERSONER"]
    assert rules(check_line(line(entered_by="JN", bank_approved_by=None), register)) == ["UTB-TO-PERSONER"]
    assert check_line(line(entered_by=None, bank_approved_by=None), register) == []
    # «foretas av de personer som … er gitt utbetalingsfullmakt»
    found = check_line(line(entered_by="AT"), register)
    assert rules(found) == ["UTB-FULLMAKT"] and found[0].people == ("AT",)


def test_the_remitter_has_no_payment_authority(register: AuthorityRegister) -> None:
    # «Den som remitterer, skal ikke ha utbetalingsfullmakt.»
    assert rules(check_line(line(remitted_by="MA", entered_by="JN", bank_approved_by="RM"), register)) == [
        "UTB-FULLMAKT",
        "UTB-REMITTERING",
    ]
    assert check_line(line(remitted_by="EL"), register) == []


# -- files ------------------------------------------------------------------------------------------


def test_xlsx_and_cp1252_csv_read_alike(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["Person", "Navn", "Stilling", "Roller", "Ansvar", "Beløpsgrense", "Leder", "Nærstående"])
    for row in REGISTER:
        cells: list[object] = list(row)
        cells[5] = float(row[5].replace(" ", "")) if row[5] else None  # a number cell, as Excel stores it
        ws.append(cells)
    wb.save(tmp_path / "register.xlsx")
    xlsx = read_register(tmp_path / "register.xlsx")
    cp = read_register(write_csv(tmp_path / "r.csv", REGISTER_HEADER, REGISTER, encoding="cp1252"))
    assert {k: (p.roles, p.limit, p.manager) for k, p in xlsx.people.items()} == {
        k: (p.roles, p.limit, p.manager) for k, p in cp.people.items()
    }
    assert cp.people["vl"].limit == 50_000 and cp.people["rm"].name == "Randi Moe"


def test_comma_separated_csv_with_kontostreng(tmp_path: Path, register: AuthorityRegister) -> None:
    path = write_csv(
        tmp_path / "b.csv",
        ["bilag", "beløp", "kontostreng", "mottaker", "attestert_av", "anvist_av"],
        [["7", "1234.50", "11000.330.254", "VL", "AT", "VL"]],
        delimiter=",",
    )
    vouchers = read_vouchers(path)
    assert vouchers.lines[0].responsibility == "330" and vouchers.lines[0].amount == 1234.5
    report = check_files(path, tmp_path / "register.csv")
    assert [v.rule for v in report.voucher_violations] == ["ANV-EGEN"]
    # optional columns missing: those checks are named as not made
    assert any("disponibelt" in t for t in report.not_checked)
    assert any("remittert_av" in t for t in report.not_checked)


def test_register_errors_name_every_cell(tmp_path: Path) -> None:
    rows = [
        ["A", "", "", "attestasjon, godkjenning", "330", "", "", ""],
        ["B", "", "", "anvisning", "330-32", "mye", "Z", ""],
        ["A", "", "", "", "", "", "", ""],
    ]
    with pytest.raises(LedgerFormatError) as info:
        read_register(write_csv(tmp_path / "reg.csv", REGISTER_HEADER, rows))
    text = str(info.value)
    assert "reg.csv rad 2, kolonne «roller»: ukjent rolle «godkjenning»" in text
    assert "reg.csv rad 3, kolonne «ansvar»: «330-32» er ikke et gyldig ansvarsintervall" in text
    assert "reg.csv rad 3, kolonne «beløpsgrense»" in text and "«mye»" in text
    assert "lederen «Z» finnes ikke" in text
    assert "reg.csv rad 4, kolonne «person»: personen «A» står flere ganger" in text


def test_a_circular_chain_of_leaders_is_refused(tmp_path: Path) -> None:
    rows = [["A", "", "", "", "", "", "B", ""], ["B", "", "", "", "", "", "A", ""]]
    with pytest.raises(LedgerFormatError, match="går i ring"):
        read_register(write_csv(tmp_path / "r.csv", REGISTER_HEADER, rows))


def test_voucher_errors_name_the_cell_and_lose_nothing(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bilag"
    ws.append(VOUCHER_HEADER)
    ws.append(["1", "12,3,4", "330", "Meny AS", "AT", "VL"])
    ws.append(["2", 100, None, "Meny AS", "AT", "VL"])
    ws.append(["3", 100, "330", "#N/A", "AT", "VL"])
    wb.save(tmp_path / "bilag.xlsx")
    with pytest.raises(LedgerFormatError) as info:
        read_vouchers(tmp_path / "bilag.xlsx")
    text = str(info.value)
    assert "har 3 feil; ingenting er kontrollert" in text
    assert "bilag.xlsx ark «Bilag» celle B2" in text
    assert "celle C3: ansvaret mangler" in text
    assert "celle D4: cellen inneholder feilverdien #I/T" in text


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", ["bilag", "beløp", "ansvar"], [["1", "2", "330"]])
    with pytest.raises(LedgerFormatError, match="mangler kolonnene «mottaker», «attestert_av», «anvist_av»"):
        read_vouchers(path)


def test_a_rule_can_be_switched_off_in_the_rule_set(tmp_path: Path, register: AuthorityRegister) -> None:
    own = tmp_path / "egen.toml"
    own.write_text(
        '[regelsett]\nnavn = "egen"\narver = "okonomireglement"\n\n'
        "[attestasjon.regler.ANV-DEKNING]\naktiv = false\n",
        encoding="utf-8",
    )
    assert check_line(line(available=1), register, str(own)) == []


# -- the CLI on the planted example data -------------------------------------------------------------

# One planted violation per rule (kostra_functions/example_data/bilag/README.md), and nothing else.
PLANTED = {
    ("Fullmaktsregisteret", "UTB-ROLLER", "BK (Bente Kvam)"),
    ("Fullmaktsregisteret", "ANV-OKONOMISJEF", "OKS (Øystein Kasa)"),
    ("1003", "ATT-MANGLER", "–"),
    ("1004", "ATT-FULLMAKT", "PER (Pål Eriksen)"),
    ("1005", "ATT-EGEN", "TO (Tone Olsen)"),
    ("1006", "ATT-ANV-SAMME", "VL31 (Kari Lie)"),
    ("1007", "ANV-MANGLER", "–"),
    ("1008", "ANV-FULLMAKT", "SL2 (Siri Lunde)"),
    ("1009", "ANV-BELOPSGRENSE", "VL31 (Kari Lie)"),
    ("1010", "ANV-DEKNING", "EK (Eva Kro), SL3 (Hans Berg)"),
    ("1011", "ANV-EGEN", "SL2 (Siri Lunde)"),
    ("1012", "ANV-NAERSTAENDE", "VL31 (Kari Lie), Lie Rør AS"),
    ("1013", "ANV-OVERORDNET", "VL31 (Kari Lie), SL3 (Hans Berg)"),
    ("1014", "ANV-ORDFORER-RADMANN", "AD (Anne Dahl), ORD (Odd Rønning)"),
    ("1015", "UTB-FULLMAKT", "TO (Tone Olsen)"),
    ("1016", "UTB-TO-PERSONER", "JN (Jon Nes)"),
    ("1017", "UTB-REMITTERING", "JN (Jon Nes)"),
    ("Fullmaktsregisteret", "UTB-BANKAVSTEMMING", "BK (Bente Kvam)"),
    ("Fullmaktsregisteret", "DELEG-ANVISNING", "VL32 (Lars Vik), VL31 (Kari Lie)"),
    ("Fullmaktsregisteret", "DELEG-ATTESTASJON", "IH (Ida Holm), VL31 (Kari Lie)"),
    ("1022", "BILAG-DUPLIKAT", "–"),
    ("1023", "ADVARSEL BILAG-MULIG-DUPLIKAT", "–"),
}


def test_cli_reports_every_planted_violation_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "rapport.xlsx"
    code = main(
        [
            "kontroller",
            "bilag",
            str(EXAMPLE / "bilagsliste.csv"),
            "--register",
            str(EXAMPLE / "fullmaktsregister.csv"),
            "--xlsx",
            str(report),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    ws = openpyxl.load_workbook(report)["Brudd"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[1], r[5]) for r in rows} == PLANTED
    assert len(rows) == len(PLANTED)
    # the printed report groups by voucher with rule and paragraph
    assert ("21 brudd – 5 i fullmaktsregisteret og 16 i 16 bilag; 1 advarsel om mulig dobbel betaling"
            in out)
    assert "Bilagsliste:       bilagsliste.csv (25 linjer, 23 bilag)" in out
    assert "BILAG 1009 – 55 000 kr – ansvar 330, 331 – mottaker Byggmakker AS" in out
    assert "  ANV-BELOPSGRENSE (§4.2): Bilaget er over anviserens beløpsgrense" in out
    for clean in ("BILAG 1001 ", "BILAG 1002 ", "BILAG 1018 ", "BILAG 1019 ", "BILAG 1020 ", "BILAG 1021 "):
        assert clean not in out


def test_cli_exit_0_when_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = write_csv(tmp_path / "register.csv", REGISTER_HEADER, REGISTER)
    vouchers = write_csv(
        tmp_path / "bilag.csv",
        VOUCHER_HEADER,
        [["1", "10 000,00", "330", "Meny AS", "AT", "VL", "JN", "MA", "EL", "20 000"]],
    )
    assert main(["kontroller", "bilag", str(vouchers), "--register", str(reg)]) == 0
    assert "Ingen brudd funnet." in capsys.readouterr().out


def test_cli_exit_2_on_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = write_csv(tmp_path / "register.csv", REGISTER_HEADER, REGISTER)
    bad = write_csv(tmp_path / "bilag.csv", VOUCHER_HEADER, [["1", "tusen", "330", "Meny AS", "AT", "VL"]])
    assert main(["kontroller", "bilag", str(bad), "--register", str(reg)]) == 2
    assert "bilag.csv rad 2, kolonne «beløp»" in capsys.readouterr().err
    assert main(["kontroller", "bilag", str(tmp_path / "finnes_ikke.csv"), "--register", str(reg)]) == 2
    with pytest.raises(SystemExit) as info:  # --register is required
        main(["kontroller", "bilag", str(bad)])
    assert info.value.code == 2
