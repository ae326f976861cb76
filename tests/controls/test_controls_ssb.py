"""Every municipal SSB control, triggered and not triggered, and the severity of each by quarter.

Derived from SSB's control program ``statisticsnorway/kostra-kontrollprogram``: the rule classes
under ``kontroller/src/main/kotlin/no/ssb/kostra/validation/rule/regnskap/`` (one per control number),
``RegnskapValidator.kt`` / ``KvartalKostraMain.kt`` (which controls run for quarterly reports) and
``kravspesifikasjon/felles_regnskap.md``. Each case names SSB's control number and says what the rule
states; records are written by hand at SSB's positions, so no expectation comes from our writer.
The severity matrix below is typed in from SSB's rule classes, not read from ``controls.csv``.

A small 0A file that passes everything (``BASE``) and a small 0B balance (``BALANCE``) get one or two
planted records (from line 10 on for 0A, line 7 on for 0B); the case gives the findings expected for
its control as (severity, line numbers), one finding per record for the record controls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kostra_functions.controls import Finding, Severity, run_controls, specs
from kostra_functions.errors import InvalidArgumentError
from kostra_functions.ssb_file import Record, Submission

E, W, INF, F = Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.FATAL
MUNICIPALITY = "110300"  # Stavanger
DISTRICT = "030105"      # Oslo, bydel Frogner
ORGNR, ORGNR2 = "958935420", "974760673"  # valid check digits (mod 11)

#: 0A in balance (1000 kr): drift expenses 1 100, revenues −1 100; investment 300 against −300;
#: tax (800/870), block grant (840/800), depreciation (202/590) and its counter entry (860/990).
BASE = [
    ("1", "202", "010", 1000), ("1", "202", "590", 100), ("1", "860", "990", -100),
    ("1", "800", "870", -700), ("1", "840", "800", -400), ("1", "880", "570", 100),
    ("0", "222", "200", 300), ("0", "880", "970", -100), ("0", "880", "910", -200),
]
#: 0B: assets (10–29) 600, debt and equity (31–5999) −600, memoranda 9100 against 9999.
BALANCE = [
    ("2", "10", "000", 500), ("2", "21", "000", 100), ("2", "51", "000", -400),
    ("2", "5990", "000", -200), ("2", "9100", "000", 50), ("2", "9999", "000", -50),
]


def rec(kk: str, code: str, art: str, amount: int | str, *, skjema: str = "0A", year: int = 2023,
        quarter: str = " ", region: str = MUNICIPALITY, orgnr: str = "", foretaksnr: str = "") -> str:
    """One record at SSB's positions (file_description_Regnskap_2025.md), written by hand."""
    return f"{skjema}{year}{quarter}{region}{orgnr:<9}{foretaksnr:<9}{kk}{code:<4}{art}{amount!s:>9}"


@dataclass
class Case:
    """A file (base rows + planted rows or raw texts) and the findings expected for ``control``."""

    control: str
    what: str
    rows: list = field(default_factory=list)
    base: list | None = None
    texts: list[str] = field(default_factory=list)
    expect: list[tuple[Severity, tuple[int, ...]]] = field(default_factory=list)
    skjema: str = "0A"
    year: int = 2023
    quarter: int | None = None
    region: str = MUNICIPALITY
    orgnr: str | None = None
    foretaksnr: str | None = None
    record_orgnr: str = ""
    record_foretaksnr: str = ""

    def findings(self) -> list[Finding]:
        base = (BALANCE if self.skjema.startswith("0B") else BASE) if self.base is None else self.base
        q = " " if self.quarter is None else str(self.quarter)
        texts = [rec(*row, skjema=self.skjema[:2], year=self.year, quarter=q, region=self.region,
                     orgnr=self.record_orgnr, foretaksnr=self.record_foretaksnr)
                 for row in [*base, *self.rows]]
        texts += self.texts
        records = [Record(i, t) for i, t in enumerate(texts, start=1)]
        submission = Submission.create(self.skjema, self.year, self.quarter, self.region, self.orgnr,
                                       self.foretaksnr)
        return run_controls(records, submission)


def without(rows: list, *drop: tuple) -> list:
    out = [r for r in rows if r not in drop]
    assert len(out) == len(rows) - len(drop)
    return out


ERR10, WARN10, INFO10 = [(E, (10,))], [(W, (10,))], [(INF, (10,))]
NO_TRANSFER = without(BASE, ("0", "880", "970", -100), ("0", "880", "910", -200))

CASES = [
    # 001 Rule001RecordLength: every record 48 characters, else FATAL and nothing else is controlled
    Case("001", "a 47-character record is FATAL", texts=[rec("1", "841", "010", 5)[:-1]],
         expect=[(F, (10,))]),
    Case("001", "48-character records pass"),
    # 003–006: the record's skjema, årgang, kvartal, region must equal what the portal gives
    Case("003", "skjema 0C in a 0A file", texts=[rec("1", "202", "010", 5, skjema="0C")], expect=ERR10),
    Case("003", "skjema as given"),
    Case("004", "årgang 2022 in a 2023 file", texts=[rec("1", "202", "010", 5, year=2022)], expect=ERR10),
    Case("004", "årgang as given"),
    Case("005", "kvartal 3 in the annual accounts", texts=[rec("1", "202", "010", 5, quarter="3")],
         expect=ERR10),
    Case("005", "kvartal as given"),
    Case("006", "another region", texts=[rec("1", "202", "010", 5, region="110301")], expect=ERR10),
    Case("006", "region as given"),
    # 007 Rule007Organisasjonsnummer: the record's orgnr must be one of the comma-separated numbers
    Case("007", "a record without orgnr when two are expected", orgnr=f"{ORGNR},{ORGNR2}", record_orgnr=ORGNR,
         texts=[rec("1", "202", "010", 5)], expect=ERR10),
    Case("007", "every record carries one of the expected numbers", orgnr=f"{ORGNR},{ORGNR2}",
         record_orgnr=ORGNR, texts=[rec("1", "202", "010", 5, orgnr=ORGNR2)]),
    # 008 Rule008Foretaksnummer: the record's foretaksnr against the expected ones
    Case("008", "a record without the expected foretaksnr", foretaksnr=ORGNR2, record_foretaksnr=ORGNR2,
         texts=[rec("1", "202", "010", 5)], expect=ERR10),
    Case("008", "every record carries the expected foretaksnr", foretaksnr=ORGNR2, record_foretaksnr=ORGNR2),
    # 009 Rule009Kontoklasse: 0A has kontoklasse 1 and 0, 0B only 2
    Case("009", "kontoklasse 2 in a 0A file", rows=[("2", "202", "010", 5)], expect=ERR10),
    Case("009", "kontoklasse 1 and 0 in a 0A file"),
    # 010 Rule010Funksjon: the function must be in the year's list (691–696 only for Oslo districts)
    Case("010", "Oslo district function 691 for a municipality", rows=[("1", "691", "010", 5)], expect=ERR10),
    Case("010", "function 691 for an Oslo district", region=DISTRICT, rows=[("1", "691", "010", 5)]),
    # 010 Rule010UtgattFunksjon: quarterly reports only, a function gone out of use is a WARNING
    Case("010", "expired function 254 in a 2024 quarterly report", year=2024, quarter=4, skjema="0AK4",
         rows=[("1", "254", "010", 5)], expect=WARN10),
    # 011 Rule011Kapittel: the chapter must be in the balance's list
    Case("011", "chapter 17 in 0B", skjema="0B", rows=[("2", "17", "000", 5)], expect=[(E, (7,))]),
    Case("011", "the balance's chapters", skjema="0B"),
    # 012 Rule012Art: the art must be in the year's list (298/379/798 only for Oslo)
    Case("012", "Oslo art 298 for a municipality", rows=[("1", "202", "298", 5)], expect=ERR10),
    Case("012", "art 298 for an Oslo district", region=DISTRICT, rows=[("1", "202", "298", 5)]),
    Case("012", "quarterly reports: SSB's art list is empty, nothing is reported", quarter=2, skjema="0AK2",
         rows=[("1", "202", "298", 5)]),
    # 013 Rule013Sektor
    Case("013", "sector 999 in 0B", skjema="0B", rows=[("2", "10", "999", 5)], expect=[(E, (7,))]),
    Case("013", "the balance's sectors", skjema="0B"),
    # 014 Rule014Belop: blanks, an optional minus, digits to the end; "-0" and "00" are zero
    Case("014", "a decimal comma", texts=[rec("1", "202", "010", "    12,50")], expect=ERR10),
    Case("014", "minus zero and double zero are valid zero amounts (and such records are not controlled)",
         texts=[rec("1", "841", "010", "       -0"), rec("1", "841", "010", "000000000"),
                rec("1", "841", "010", "       00")]),
    # 015 Rule015Duplicates: the same kontoklasse, funksjon and art twice is a WARNING
    Case("015", "202/010 twice in drift", rows=[("1", "202", "010", 5)], expect=[(W, (1, 10))]),
    Case("015", "202/010 in drift and in investment", rows=[("0", "202", "010", 5)]),
    # 016 Rule016KapittelFortegn: chapters 5900 and 5970 only ≥ 0
    Case("016", "chapter 5900 negative", skjema="0B", rows=[("2", "5900", "000", -5), ("2", "51", "000", 5)],
         expect=[(E, (7,))]),
    Case("016", "chapter 5970 positive", skjema="0B", rows=[("2", "5970", "000", 5), ("2", "51", "000", -5)]),
    # 020–055: functions and arts that belong to one account class (KommuneKostraMain lists)
    Case("020", "function 841 in drift", rows=[("1", "841", "010", 5)], expect=ERR10),
    Case("020", "function 841 in investment", rows=[("0", "841", "010", 5)]),
    Case("025", "art 529 in drift", rows=[("1", "202", "529", 5)], expect=ERR10),
    Case("025", "art 529 in investment", rows=[("0", "202", "529", 5)]),
    Case("030", "art 285 in drift is illogical (INFO)", rows=[("1", "202", "285", 5)], expect=INFO10),
    Case("030", "art 010 in drift", rows=[("1", "203", "010", 5)]),
    Case("035", "art 520 on function 202 in drift (WARNING)", rows=[("1", "202", "520", 5)], expect=WARN10),
    Case("035", "art 520 on function 281 in drift", rows=[("1", "281", "520", 5)]),
    Case("040", "function 800 in investment", rows=[("0", "800", "010", 5)], expect=ERR10),
    Case("040", "function 800 in drift", rows=[("1", "800", "010", 5)]),
    Case("045", "function 100 in investment is illogical (INFO)", rows=[("0", "100", "010", 5)],
         expect=INFO10),
    Case("045", "function 222 in investment", rows=[("0", "223", "010", 5)]),
    Case("050", "art 590 in investment", rows=[("0", "222", "590", 5)], expect=ERR10),
    Case("050", "art 590 in drift", rows=[("1", "203", "590", 5)]),
    Case("055", "art 620 in investment is illogical (INFO)", rows=[("0", "222", "620", -5)], expect=INFO10),
    Case("055", "art 620 in drift", rows=[("1", "202", "620", -5)]),
    # 060–081: art and function tied to each other
    Case("060", "art 729 on function 222 in investment", rows=[("0", "222", "729", -5)], expect=ERR10),
    Case("060", "art 729 on function 841 in investment", rows=[("0", "841", "729", -5)]),
    Case("065", "art 589 outside function 899", rows=[("1", "202", "589", 5)], expect=ERR10),
    Case("065", "function 899 with art 010", rows=[("1", "899", "010", 5)], expect=ERR10),
    Case("065", "any kontoklasse of a bevilgning form (kontoklasse 2 in 0A)", rows=[("2", "202", "589", 5)],
         expect=ERR10),
    Case("065", "art 589 on function 899", rows=[("1", "899", "589", 5)]),
    Case("070", "art 530 outside function 880", rows=[("1", "202", "530", 5)], expect=ERR10),
    Case("070", "art 530 on function 880", rows=[("1", "880", "530", 5)]),
    Case("075", "tax art 870 outside function 800", rows=[("1", "202", "870", -5)], expect=ERR10),
    Case("075", "tax art 874 on function 800", rows=[("1", "800", "874", -5)]),
    Case("080", "art 800 outside function 840", rows=[("1", "202", "800", -5)], expect=ERR10),
    Case("080", "art 800 on function 840 (investment too)", rows=[("0", "840", "800", -5)]),
    Case("081", "function 850 with art 010 (2025)", year=2025, rows=[("1", "850", "010", 5)], expect=WARN10),
    Case("081", "function 850 with art 810 (2025)", year=2025, rows=[("1", "850", "810", -5)]),
    # 085–110: sums of drift and investment (regional forms 0A/0M, not Oslo districts)
    Case("085", "investment without expenses", base=without(BASE, ("0", "222", "200", 300)),
         rows=[("0", "222", "700", 300)], expect=[(E, ())]),
    Case("085", "investment with expenses"),
    Case("090", "investment without revenues",
         base=without(BASE, ("0", "880", "910", -200), ("0", "880", "970", -100)),
         rows=[("0", "222", "010", -300)], expect=[(E, ())]),
    Case("090", "investment with revenues"),
    Case("095", "investment off by 31", rows=[("0", "223", "010", 31)], expect=[(E, ())]),
    Case("095", "investment off by 30", rows=[("0", "223", "010", 30)]),
    Case("100", "drift without expenses", base=[r for r in BASE if r[0] == "0" or int(r[2]) >= 600],
         rows=[("1", "202", "700", 1)], expect=[(E, ())]),
    Case("100", "drift with expenses"),
    Case("105", "drift without revenues", base=[r for r in BASE if r[0] == "0" or int(r[2]) < 600],
         expect=[(E, ())]),
    Case("105", "drift with revenues"),
    Case("110", "drift off by 31", rows=[("1", "203", "010", 31)], expect=[(E, ())]),
    Case("110", "drift off by 30", rows=[("1", "203", "010", 30)]),
    # 115–125, 190: balance
    Case("115", "assets (10–29) that sum to less than 0", skjema="0B",
         base=[("2", "10", "000", -5), ("2", "51", "000", 5)], expect=[(E, ())]),
    Case("115", "a balance without any assets", skjema="0B", base=[("2", "51", "000", -5)]),
    Case("120", "debt and equity (31–5999) that sum to more than 0", skjema="0B",
         base=[("2", "10", "000", 500), ("2", "51", "000", 400)], expect=[(E, ())]),
    Case("120", "debt and equity below 0", skjema="0B"),
    Case("125", "assets and debt off by 11", skjema="0B", rows=[("2", "10", "000", 11)], expect=[(E, ())]),
    Case("125", "off by 10", skjema="0B", rows=[("2", "10", "000", 10)]),
    Case("125", "memoranda (9100–9999) are neither assets nor debt", skjema="0B",
         base=[*BALANCE[:4], ("2", "9100", "000", 5000), ("2", "9999", "000", -5000)]),
    Case("190", "memoranda off by 11 against 9999", skjema="0B", rows=[("2", "9110", "000", 11)],
         expect=[(E, ())]),
    Case("190", "memoranda off by 10", skjema="0B", rows=[("2", "9110", "000", 10)]),
    # 126/127: Oslo districts, art 298 + 798 = 0 ±10 (WARNING)
    Case("126", "drift 298/798 off by 11", region=DISTRICT,
         rows=[("1", "120", "298", 50), ("1", "120", "798", -39)], expect=[(W, (10, 11))]),
    Case("126", "drift 298/798 off by 10", region=DISTRICT,
         rows=[("1", "120", "298", 50), ("1", "120", "798", -40)]),
    Case("127", "investment 298/798 off by 11", region=DISTRICT,
         rows=[("0", "222", "298", 20), ("0", "222", "798", -31)], expect=[(W, (10, 11))]),
    Case("127", "investment 298/798 off by 10", region=DISTRICT,
         rows=[("0", "222", "298", 20), ("0", "222", "798", -30)]),
    # 130/135: tax revenue (800/870) and block grant (840/800) below 0
    Case("130", "no tax revenue", base=without(BASE, ("1", "800", "870", -700)),
         rows=[("1", "202", "700", -700)],
         expect=[(E, ())]),
    Case("130", "Longyearbyen has no tax revenue and is exempt", region="211100",
         base=without(BASE, ("1", "800", "870", -700)), rows=[("1", "202", "700", -700)]),
    Case("135", "no block grant", base=without(BASE, ("1", "840", "800", -400)),
         rows=[("1", "202", "700", -400)],
         expect=[(E, ())]),
    Case("135", "Frøya (501400) is exempt", region="501400",
         base=without(BASE, ("1", "840", "800", -400)), rows=[("1", "202", "700", -400)]),
    # 140: art 570 in drift + art 970 in investment = 0 ±30
    Case("140", "transfer off by 31", base=NO_TRANSFER,
         rows=[("0", "880", "970", -131), ("0", "880", "910", -169)], expect=[(E, ())]),
    Case("140", "transfer off by 30", base=NO_TRANSFER,
         rows=[("0", "880", "970", -130), ("0", "880", "910", -170)]),
    # 145/150: only when such records exist and they sum to 0
    Case("145", "counter entry 860/990 that nets to 0", base=without(BASE, ("1", "860", "990", -100)),
         rows=[("1", "202", "700", -100), ("1", "860", "990", 100), ("1", "860", "990", -100)],
         expect=[(E, (10, 11))]),  # base has 8 rows: planted at 9, 10, 11
    Case("145", "no counter entry at all (155 reports the difference)",
         base=without(BASE, ("1", "860", "990", -100)), rows=[("1", "202", "700", -100)]),
    Case("150", "depreciation 590 on 100–799 that nets to 0", base=without(BASE, ("1", "202", "590", 100)),
         rows=[("1", "202", "020", 100), ("1", "202", "590", 100), ("1", "203", "590", -100)],
         expect=[(E, (10, 11))]),  # base has 8 rows: planted at 9, 10, 11
    Case("150", "no depreciation at all", base=without(BASE, ("1", "202", "590", 100)),
         rows=[("1", "202", "020", 100)]),
    # 155: depreciation + counter entry = 0 ±30
    Case("155", "off by 31", base=without(BASE, ("1", "202", "590", 100), ("1", "202", "010", 1000)),
         rows=[("1", "202", "590", 131), ("1", "202", "010", 969)], expect=[(E, ())]),
    Case("155", "off by 30", base=without(BASE, ("1", "202", "590", 100), ("1", "202", "010", 1000)),
         rows=[("1", "202", "590", 130), ("1", "202", "010", 970)]),
    # 160: no depreciation (590) on 800–899; 165: art 990 outside 860 must sum to 0
    Case("160", "art 590 on function 880", rows=[("1", "880", "590", 5)], expect=[(E, (10,))]),
    Case("160", "art 590 on service functions only"),
    Case("165", "art 990 on function 202", rows=[("1", "202", "990", 5)], expect=[(E, (10,))]),
    Case("165", "a negative amount counts too", rows=[("1", "202", "990", -5)], expect=[(E, (10,))]),
    Case("165", "art 990 outside 860 that sums to 0", rows=[("1", "202", "990", 5), ("1", "203", "990", -5)]),
    # 170/175: function 290 nets to 0 ±30 in investment and drift
    Case("170", "investment 290 off by 31", rows=[("0", "290", "200", 31)], expect=[(E, (10,))]),
    Case("170", "investment 290 off by 30", rows=[("0", "290", "200", 30)]),
    Case("175", "drift 290 off by 31", rows=[("1", "290", "010", 31)], expect=[(E, (10,))]),
    Case("175", "drift 290 nets to 0", rows=[("1", "290", "010", 31), ("1", "290", "700", -31)]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.control}: {c.what}" for c in CASES])
def test_ssb_control(case: Case) -> None:
    found = [(f.severity, f.lines) for f in case.findings() if f.control == case.control]
    assert found == case.expect


def test_every_municipal_control_has_a_trigger_and_a_non_trigger_case() -> None:
    triggered = {c.control for c in CASES if c.expect}
    passing = {c.control for c in CASES if not c.expect}
    assert set(specs()) <= triggered and set(specs()) <= passing


def test_the_base_files_pass_every_control() -> None:
    assert Case("", "").findings() == []
    assert Case("", "", skjema="0B").findings() == []
    assert Case("", "", region=DISTRICT).findings() == []


# --- one finding per record for the record controls (SSB's createValidationReportEntry per record)
def test_line_controls_report_one_finding_per_record() -> None:
    findings = Case("020", "", rows=[("1", "841", "010", 5), ("1", "841", "020", 7)]).findings()
    assert [(f.control, f.lines) for f in findings if f.control == "020"] == [("020", (10,)), ("020", (11,))]


# --- orgnr: nine digits with a valid mod-11 check digit (Enhetsregisteret), several separated by commas
def test_orgnr_check_digit_is_validated() -> None:
    with pytest.raises(InvalidArgumentError, match="kontrollsiffer"):
        Submission.create("0A", 2023, None, MUNICIPALITY, orgnr="958935421")
    with pytest.raises(InvalidArgumentError, match="9 sifre"):
        Submission.create("0A", 2023, None, MUNICIPALITY, orgnr="95893542")
    sub = Submission.create("0A", 2023, None, MUNICIPALITY, orgnr=f" {ORGNR} , {ORGNR2}")
    assert sub.orgnrs == (ORGNR, ORGNR2) and sub.orgnr == ORGNR


# --- 010–013 take the quarter from the record's own kvartal field
def test_010_severity_follows_the_records_kvartal_field() -> None:
    findings = Case("010", "", texts=[rec("1", "691", "010", 5, quarter="2")]).findings()
    found = [(f.control, f.severity) for f in findings if f.control in ("005", "010")]
    assert found == [("005", E), ("010", W)]


def test_010_expired_function_in_the_annual_accounts_is_an_error() -> None:
    findings = Case("010", "", year=2024, rows=[("1", "254", "010", 5)]).findings()
    assert [(f.severity, f.lines) for f in findings if f.control == "010"] == ERR10


# --- severity by quarter: None = annual accounts; "-" = the control does not run for that report
_Q = (None, 1, 2, 3, 4)
_COMBINATION = {None: E, 1: W, 2: W, 3: E, 4: E}   # 020–080: WARNING only in quarters 1–2
_CODES = {None: E, 1: W, 2: W, 3: W, 4: E}         # 010–013: WARNING in quarters 1–3 (record's kvartal)
_SUMS_QUARTERLY = {None: E, 1: W, 2: W, 3: W, 4: W}  # 100/105/130/135 run for quarterly files as WARNING
_ANNUAL_ONLY = {None: E, 1: "-", 2: "-", 3: "-", 4: "-"}
NO_EXPENSES = [r for r in BASE if r[0] == "0" or int(r[2]) >= 600] + [("1", "202", "700", 1)]
NO_REVENUES = [r for r in BASE if r[0] == "0" or int(r[2]) < 600]

MATRIX = [
    # control, skjema, base, planted rows, year, region, {quarter: severity}
    ("010", "0A", None, [("1", "691", "010", 5)], 2023, MUNICIPALITY, _CODES),
    ("011", "0B", None, [("2", "17", "000", 5)], 2023, MUNICIPALITY, _CODES),
    ("012", "0A", None, [("1", "202", "298", 5)], 2023, MUNICIPALITY, _ANNUAL_ONLY),
    ("013", "0B", None, [("2", "10", "999", 5)], 2023, MUNICIPALITY, _CODES),
    ("020", "0A", None, [("1", "841", "010", 5)], 2023, MUNICIPALITY, _COMBINATION),
    ("025", "0A", None, [("1", "202", "529", 5)], 2023, MUNICIPALITY, _COMBINATION),
    ("030", "0A", None, [("1", "202", "285", 5)], 2023, MUNICIPALITY, dict.fromkeys(_Q, INF)),
    ("035", "0A", None, [("1", "202", "520", 5)], 2023, MUNICIPALITY, dict.fromkeys(_Q, W)),
    ("040", "0A", None, [("0", "800", "010", 5)], 2023, MUNICIPALITY, _COMBINATION),
    ("045", "0A", None, [("0", "100", "010", 5)], 2023, MUNICIPALITY, dict.fromkeys(_Q, INF)),
    ("050", "0A", None, [("0", "222", "590", 5)], 2023, MUNICIPALITY, _COMBINATION),
    ("055", "0A", None, [("0", "222", "620", -5)], 2023, MUNICIPALITY, dict.fromkeys(_Q, INF)),
    ("060", "0A", None, [("0", "222", "729", -5)], 2023, MUNICIPALITY, _COMBINATION),
    ("065", "0A", None, [("1", "202", "589", 5)], 2023, MUNICIPALITY, _COMBINATION),
    ("070", "0A", None, [("1", "202", "530", 5)], 2023, MUNICIPALITY, _COMBINATION),
    ("075", "0A", None, [("1", "202", "870", -5)], 2023, MUNICIPALITY, _COMBINATION),
    ("080", "0A", None, [("1", "202", "800", -5)], 2023, MUNICIPALITY, _COMBINATION),
    ("081", "0A", None, [("1", "850", "010", 5)], 2025, MUNICIPALITY, {None: W, 1: W, 2: W, 3: E, 4: E}),
    ("100", "0A", NO_EXPENSES, [], 2023, MUNICIPALITY, _SUMS_QUARTERLY),
    ("105", "0A", NO_REVENUES, [], 2023, MUNICIPALITY, _SUMS_QUARTERLY),
    ("130", "0A", without(BASE, ("1", "800", "870", -700)), [("1", "202", "700", -700)], 2023, MUNICIPALITY,
     _SUMS_QUARTERLY),
    ("135", "0A", without(BASE, ("1", "840", "800", -400)), [("1", "202", "700", -400)], 2023, MUNICIPALITY,
     _SUMS_QUARTERLY),
    ("110", "0A", None, [("1", "203", "010", 31)], 2023, MUNICIPALITY, _ANNUAL_ONLY),
    ("095", "0A", None, [("0", "223", "010", 31)], 2023, MUNICIPALITY, _ANNUAL_ONLY),
    ("140", "0A", None, [("1", "880", "570", 31)], 2023, MUNICIPALITY, _ANNUAL_ONLY),
    ("160", "0A", None, [("1", "880", "590", 5)], 2023, MUNICIPALITY, _ANNUAL_ONLY),
    ("165", "0A", None, [("1", "202", "990", 5)], 2023, MUNICIPALITY, _ANNUAL_ONLY),
    ("175", "0A", None, [("1", "290", "010", 31)], 2023, MUNICIPALITY, _ANNUAL_ONLY),
    ("120", "0B", [("2", "10", "000", 500), ("2", "51", "000", 400)], [], 2023, MUNICIPALITY,
     _SUMS_QUARTERLY),
    ("126", "0A", None, [("1", "120", "298", 50), ("1", "120", "798", -39)], 2023, DISTRICT,
     {None: W, 1: "-", 2: "-", 3: "-", 4: "-"}),  # WARNING; not in KvartalKostraMain
]


@pytest.mark.parametrize(
    ("control", "skjema", "base", "rows", "year", "region", "quarter", "severity"),
    [(c, s, b, r, y, reg, q, m[q]) for c, s, b, r, y, reg, m in MATRIX for q in _Q],
    ids=[f"{c}-{'år' if q is None else f'K{q}'}" for c, *_, m in MATRIX for q in _Q],
)
def test_severity_by_quarter(control: str, skjema: str, base: list | None, rows: list, year: int, region: str,
                             quarter: int | None, severity: Severity | str) -> None:
    form = skjema if quarter is None else f"{skjema}K{quarter}"
    findings = Case(control, "", skjema=form, base=base, rows=rows, year=year, region=region,
                    quarter=quarter).findings()
    got = [f.severity for f in findings if f.control == control]
    assert got == ([] if severity == "-" else [severity] * len(got)) and (severity == "-" or got)
