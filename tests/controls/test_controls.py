"""SSB controls 001–016: record layout, the values every record repeats, valid codes.

Each test quotes SSB's requirement (``kravspesifikasjon/felles_regnskap.md`` unless noted) and
builds records by hand as fixed-width strings, so the expectations do not come from our writer.
A «base» file that passes every control is changed one line at a time: the change must trigger the
control (with SSB's number and severity), the base must not.
"""

from __future__ import annotations

import pytest

from kostra_functions.controls import Finding, Severity, run_controls, specs
from kostra_functions.errors import OutOfRangeError
from kostra_functions.ssb_file import Record, Submission

MUNICIPALITY = "110300"  # Stavanger: an ordinary municipality, not Oslo
DISTRICT = "030105"      # Oslo, bydel Frogner

#: A small municipal 0A file in balance (1000 kr): drift and investment both sum to 0.
BASE = [
    ("1", "202", "010", 1000), ("1", "202", "590", 100), ("1", "860", "990", -100),
    ("1", "800", "870", -700), ("1", "840", "800", -400), ("1", "880", "570", 100),
    ("0", "222", "200", 300), ("0", "880", "970", -100), ("0", "880", "910", -200),
]
#: A small 0B balance in balance: assets (kap. 10–29) 600, the rest −600, memoranda 9100/9999 net 0.
BALANCE = [
    ("2", "10", "000", 500), ("2", "21", "000", 100), ("2", "51", "000", -400),
    ("2", "5990", "000", -200), ("2", "9100", "000", 50), ("2", "9999", "000", -50),
]


def line(kk: str, code: str, art: str, amount: int | str, *, skjema: str = "0A", year: str = "2023",
         quarter: str = " ", region: str = MUNICIPALITY, orgnr: str = "") -> str:
    """One record written by hand from SSB's positions (not with our writer)."""
    return f"{skjema}{year}{quarter}{region}{orgnr:<9}{'':9}{kk}{code:<4}{art}{amount!s:>9}"


def run(rows: list, *, skjema: str = "0A", year: int = 2023, quarter: int | None = None,
        region: str = MUNICIPALITY, orgnr: str | None = None,
        texts: list[str] | None = None) -> list[Finding]:
    q = " " if quarter is None else str(quarter)
    file_skjema = skjema[:2]
    records = [Record(i, line(*row, skjema=file_skjema, year=str(year), quarter=q, region=region))
               for i, row in enumerate(rows, start=1)]
    records += [Record(len(records) + i, t) for i, t in enumerate(texts or [], start=1)]
    return run_controls(records, Submission.create(skjema, year, quarter, region, orgnr))


def found(findings: list[Finding], control: str) -> list[Finding]:
    return [f for f in findings if f.control == control]


def test_base_files_pass_every_control() -> None:
    assert run(BASE) == []
    assert run(BASE, region=DISTRICT) == []
    assert run(BALANCE, skjema="0B") == []


def test_every_control_has_a_source_and_a_rule() -> None:
    from kostra_functions.controls import RULES, load_rules

    load_rules()
    assert set(RULES) == set(specs())
    assert all(s.source for s in specs().values())


# --- 001 record length: RegnskapValidator.preValidationRules = Rule001RecordLength(fieldLength);
# felles_regnskap.md: «FATAL … stopper all videre kontrollering umiddelbart»
def test_001_wrong_length_is_fatal_and_stops_the_other_controls() -> None:
    short = line("1", "841", "010", 5)[:-1]  # 47 characters, and 841 in drift would be 020
    findings = run(BASE, texts=[short])
    assert [(f.control, f.severity, f.lines) for f in findings] == [("001", Severity.FATAL, (10,))]


def test_001_not_triggered_by_48_character_records() -> None:
    assert found(run(BASE), "001") == []


# --- 003–006: «når verdiene deres er forskjellige så gi en FEIL»
@pytest.mark.parametrize(
    ("control", "text"),
    [
        ("003", line("1", "202", "010", 5, skjema="0C")),
        ("004", line("1", "202", "010", 5, year="2022")),
        ("005", line("1", "202", "010", 5, quarter="3")),
        ("006", line("1", "202", "010", 5, region="110301")),
    ],
)
def test_003_to_006_values_differing_from_the_prefilled_ones_are_errors(control: str, text: str) -> None:
    hits = found(run(BASE, texts=[text]), control)
    assert [(f.severity, f.lines) for f in hits] == [(Severity.ERROR, (10,))]


# --- 007: «Fant ugyldig orgnr … Korrigér orgnr til én av '(preutfylt)'»
def test_007_organisation_number_only_checked_when_expected_is_known() -> None:
    assert found(run(BASE), "007") == []  # no pre-filled value: nothing to compare
    hits = found(run(BASE, orgnr="958935420"), "007")
    assert [(f.severity, f.lines) for f in hits] == [(Severity.ERROR, (n,)) for n in range(1, len(BASE) + 1)]


# --- 009: table skjema/kontoklasser, 0A: «0 og 1», 0B: «2»
def test_009_account_class_must_belong_to_the_form() -> None:
    hits = found(run(BASE, texts=[line("2", "202", "010", 5)]), "009")
    assert [(f.severity, f.lines) for f in hits] == [(Severity.ERROR, (10,))]
    assert found(run(BALANCE, skjema="0B", texts=[line("1", "10", "000", 5, skjema="0B")]), "009")
    assert found(run(BASE), "009") == []


# --- 010: the specification says ADVARSEL in quarters 1–2, SSB's rule classes 1–3 (taken from the
# record's kvartal field); FEIL in quarter 4 and the annual accounts. We follow the code.
@pytest.mark.parametrize(("quarter", "severity"), [(None, Severity.ERROR), (1, Severity.WARNING),
                                                   (2, Severity.WARNING), (3, Severity.WARNING),
                                                   (4, Severity.WARNING)])
def test_010_invalid_function_severity_by_quarter(quarter: int | None, severity: Severity) -> None:
    # 254 went out of use in 2024: in a quarterly report that is Rule010UtgattFunksjon (WARNING in
    # every quarter); in the annual accounts it is an invalid function (ERROR)
    q = " " if quarter is None else str(quarter)
    hits = found(run(BASE, quarter=quarter, texts=[line("1", "254", "010", 5, year="2024", quarter=q)],
                     year=2024), "010")
    assert [(f.severity, f.lines) for f in hits] == [(severity, (10,))]
    assert "254" in hits[0].message and "257" in hits[0].message  # the catalog's reason: 254 → 257/258


def test_010_oslo_functions_valid_for_districts_only() -> None:
    assert found(run(BASE, region=DISTRICT, texts=[line("1", "691", "010", 5, region=DISTRICT)]), "010") == []
    hits = found(run(BASE, texts=[line("1", "691", "010", 5)]), "010")
    assert hits and hits[0].severity is Severity.ERROR


def test_010_malformed_function_is_an_error() -> None:
    hits = found(run(BASE, texts=[line("1", "2a2", "010", 5)]), "010")
    assert hits and "tre sifre" in hits[0].message


def test_010_code_the_sources_do_not_cover_is_info_not_a_verdict() -> None:
    # Oslo municipality may use the county functions 400–790, which the code catalog does not cover.
    hits = found(run(BASE, region="030100", texts=[line("1", "410", "010", 5, region="030100")]), "010")
    assert [f.severity for f in hits] == [Severity.INFO]


def test_year_without_code_list_is_refused() -> None:
    with pytest.raises(OutOfRangeError):
        run(BASE, year=2019)


# --- 012: same wording as 010 for art; Oslo arts 298/379/798 only for Oslo
def test_012_invalid_art_severity_by_quarter() -> None:
    text = line("1", "202", "298", 5)
    assert [f.severity for f in found(run(BASE, texts=[text]), "012")] == [Severity.ERROR]
    text_q2 = line("1", "202", "298", 5, quarter="2")
    # quarterly reports: SSB's quarterly art list is empty, so 012 never fires for them
    assert found(run(BASE, quarter=2, texts=[text_q2]), "012") == []
    text_district = line("1", "202", "298", 5, region=DISTRICT)
    assert found(run(BASE, region=DISTRICT, texts=[text_district]), "012") == []


# --- 011/013: chapters and sectors of the balance (KommuneKostraMain.kapittelList / sektorList)
def test_011_and_013_invalid_chapter_and_sector() -> None:
    bad_chapter = line("2", "17", "000", 5, skjema="0B")  # 17 only for 0J/0L
    bad_sector = line("2", "10", "999", 5, skjema="0B")
    findings = run(BALANCE, skjema="0B", texts=[bad_chapter, bad_sector])
    assert [(f.severity, f.lines) for f in found(findings, "011")] == [(Severity.ERROR, (7,))]
    assert [(f.severity, f.lines) for f in found(findings, "013")] == [(Severity.ERROR, (8,))]
    q1 = run(BALANCE, skjema="0BK1", quarter=1,
             texts=[line("2", "17", "000", 5, skjema="0B", quarter="1")])
    assert [f.severity for f in found(q1, "011")] == [Severity.WARNING]


# --- 014: «når beløp inneholder tabulator-tegn eller ikke matcher: starter med 0 eller flere mellomrom
# og eventuelt minus-tegn og avslutter med 1 eller flere sifre så gi en FEIL»
@pytest.mark.parametrize("amount", ["    12,50", "    1 234", "\t    1234", "     -12-", "        +"])
def test_014_invalid_amounts(amount: str) -> None:
    text = line("1", "202", "010", 0)[:39] + amount
    assert len(text) == 48
    hits = found(run(BASE, texts=[text]), "014")
    assert [(f.severity, f.lines) for f in hits] == [(Severity.ERROR, (10,))]


@pytest.mark.parametrize("amount", ["       12", "      -12", "000000012", "-00000012"])
def test_014_valid_amounts(amount: str) -> None:
    text = line("1", "202", "010", 0)[:39] + amount
    assert len(text) == 48
    assert found(run(BASE, texts=[text]), "014") == []


# --- 015: «kontoklasse, funksjon_kapittel og art_sektor har samme koder … gi en ADVARSEL»
def test_015_duplicates_are_a_warning_listing_both_lines() -> None:
    findings = run(BASE, texts=[line("1", "202", "010", 5)])
    hits = found(findings, "015")
    assert [(f.severity, f.lines) for f in hits] == [(Severity.WARNING, (1, 10))]
    assert "1 000" in hits[0].message and "5" in hits[0].message


def test_015_same_function_and_art_in_other_account_class_is_no_duplicate() -> None:
    assert found(run(BASE, texts=[line("0", "202", "010", 5)]), "015") == []


def test_zero_amount_records_are_ignored_like_ssb_does() -> None:
    # RegnskapValidator.getRecordsList: filterNot { belop trimmed == "0" }
    assert run(BASE, texts=[line("1", "841", "010", 0)]) == []


# --- 016: Rule016KapittelFortegn: kapittel 5900 and 5970 «skal bare kunne rapporteres som positive tall»
def test_016_chapter_5900_and_5970_only_positive() -> None:
    findings = run(BALANCE, skjema="0B", texts=[line("2", "5900", "000", -5, skjema="0B"),
                                                line("2", "5970", "000", 5, skjema="0B")])
    assert [(f.severity, f.lines) for f in found(findings, "016")] == [(Severity.ERROR, (7,))]
