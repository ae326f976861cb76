"""SSB controls 085–190: sums and reconciliations over the whole file (amounts in 1000 kr).

Expectations come from SSB's rule classes (``Rule085…Rule190``) as summarised in
``reference/kostra_kontroller.md`` §5 («Marginer er i 1000 kr. "Ikke bydel" = kontrollen hopper
over Oslo-bydeler»); each test quotes the rule. Margins are tested at the edge (30 passes, 31 fails).
"""

from __future__ import annotations

from kostra_functions.controls import Finding, Severity, run_controls
from kostra_functions.ssb_file import Record, Submission

MUNICIPALITY = "110300"
DISTRICT = "030105"
BASE = [
    ("1", "202", "010", 1000), ("1", "202", "590", 100), ("1", "860", "990", -100),
    ("1", "800", "870", -700), ("1", "840", "800", -400), ("1", "880", "570", 100),
    ("0", "222", "200", 300), ("0", "880", "970", -100), ("0", "880", "910", -200),
]
BALANCE = [
    ("2", "10", "000", 500), ("2", "21", "000", 100), ("2", "51", "000", -400),
    ("2", "5990", "000", -200), ("2", "9100", "000", 50), ("2", "9999", "000", -50),
]


def run(rows: list, *, skjema: str = "0A", quarter: int | None = None, region: str = MUNICIPALITY,
        year: int = 2023) -> list[Finding]:
    q = " " if quarter is None else str(quarter)
    records = [Record(i, f"{skjema[:2]}{year}{q}{region}{'':18}{kk}{code:<4}{art}{amount:>9}")
               for i, (kk, code, art, amount) in enumerate(rows, start=1)]
    return run_controls(records, Submission.create(skjema, year, quarter, region))


def controls(findings: list[Finding]) -> dict[str, Severity]:
    return {f.control: f.severity for f in findings}


def replace(rows: list, old: tuple, new: tuple | None) -> list:
    out = [r for r in rows if r != old]
    assert len(out) == len(rows) - 1
    return out if new is None else [*out, new]


def test_base_passes() -> None:
    assert run(BASE) == [] and run(BALANCE, skjema="0B") == []


# 095: «Investering: utgifter + inntekter = 0 ±30»; 110: «Drift: utgifter + inntekter = 0 ±30»
def test_095_and_110_margin_of_30() -> None:
    assert "110" not in controls(run([*BASE, ("1", "120", "010", 30)]))
    assert controls(run([*BASE, ("1", "120", "010", 31)]))["110"] is Severity.ERROR
    assert "095" not in controls(run([*BASE, ("0", "222", "010", -30)]))
    assert controls(run([*BASE, ("0", "222", "010", -31)]))["095"] is Severity.ERROR


# 085/090: «Investering: sum utgifter > 0, sum inntekter < 0»; 100/105 the same for drift
def test_085_090_100_105_signs_of_the_sums() -> None:
    no_investment_expense = replace(BASE, ("0", "222", "200", 300), ("0", "222", "200", 0))
    found = controls(run([r for r in no_investment_expense if r[3] != 0]))
    assert found["085"] is Severity.ERROR
    no_drift_revenue = [r for r in BASE if not (r[0] == "1" and int(r[2]) >= 600)]
    found = controls(run(no_drift_revenue))
    assert found["105"] is Severity.ERROR and found["110"] is Severity.ERROR
    no_investment_revenue = [r for r in BASE if not (r[0] == "0" and int(r[2]) >= 600)]
    assert controls(run(no_investment_revenue))["090"] is Severity.ERROR
    only_revenue_drift = [r for r in BASE if not (r[0] == "1" and int(r[2]) < 600)]
    assert controls(run(only_revenue_drift))["100"] is Severity.ERROR


def test_investment_sums_skipped_when_the_file_has_no_investment() -> None:
    drift_only = [r for r in BASE if r[0] == "1" and r[2] != "570"]
    found = controls(run(drift_only))
    assert not {"085", "090", "095"} & set(found)


# «Ikke bydel»: 085–110, 130–175 skip Oslo districts
def test_district_skips_the_sum_and_reconciliation_controls() -> None:
    unbalanced = [("1", "202", "010", 1000), ("0", "222", "200", 300)]
    assert controls(run(unbalanced, region=MUNICIPALITY)).keys() >= {"090", "095", "105", "110", "130", "135"}
    assert run(unbalanced, region=DISTRICT) == []


# 126/127: «Oslo-interne arter: sum art 298 + sum art 798 = 0 ±10, separat i drift og investering»,
# only for districts
def test_126_127_oslo_internal_arts_for_districts() -> None:
    rows = [("1", "120", "298", 50), ("1", "120", "798", -40),
            ("0", "222", "298", 20), ("0", "222", "798", -31)]
    found = run(rows, region=DISTRICT)
    assert "126" not in controls(found)  # 50 − 40 = 10: inside ±10
    assert controls(found)["127"] is Severity.WARNING  # 20 − 31 = −11; Rule127: WARNING
    assert [f.lines for f in found if f.control == "127"] == [(3, 4)]
    drift_off_by_11 = [("1", "120", "298", 50), ("1", "120", "798", -39)]
    assert controls(run(drift_off_by_11, region=DISTRICT))["126"] is Severity.WARNING
    # not run for Oslo municipality itself (isOsloBydel)
    assert "127" not in controls(run(BASE + rows[2:], region="030100"))


# 130: «Skatteinntekter: funksjon 800 art 870 må være < 0»; 135: «Rammetilskudd: funksjon 840 art 800 < 0»
def test_130_and_135_tax_and_block_grant_must_exist() -> None:
    without_tax = replace(BASE, ("1", "800", "870", -700), ("1", "202", "700", -700))
    assert controls(run(without_tax))["130"] is Severity.ERROR
    without_grant = replace(BASE, ("1", "840", "800", -400), ("1", "202", "700", -400))
    assert controls(run(without_grant))["135"] is Severity.ERROR
    assert "130" not in controls(run(without_tax, region="211100"))  # Longyearbyen is exempt


# 140: «art 570 (drift) + art 970 (investering) = 0 ±30»
def test_140_transfer_drift_to_investment() -> None:
    rows = replace(BASE, ("0", "880", "970", -100), ("0", "880", "970", -131))
    rows = replace(rows, ("0", "880", "910", -200), ("0", "880", "910", -169))
    assert controls(run(rows))["140"] is Severity.ERROR
    rows_ok = replace(BASE, ("0", "880", "970", -100), ("0", "880", "970", -130))
    rows_ok = replace(rows_ok, ("0", "880", "910", -200), ("0", "880", "910", -170))
    assert "140" not in controls(run(rows_ok))


# 145/150: Rule145/Rule150 fire only when such records exist and sum to 0 (no records: nothing);
# 155: they sum to 0 ±30
def test_145_150_155_depreciation() -> None:
    no_counter = replace(BASE, ("1", "860", "990", -100), ("1", "202", "700", -100))
    found = controls(run(no_counter))
    assert "145" not in found and found["155"] is Severity.ERROR
    counter_nets_to_zero = [*no_counter, ("1", "860", "990", -100), ("1", "860", "990", 100)]
    found = controls(run(counter_nets_to_zero))
    assert found["145"] is Severity.ERROR
    no_depreciation = replace(BASE, ("1", "202", "590", 100), ("1", "202", "020", 100))
    found = controls(run(no_depreciation))
    assert "150" not in found and found["155"] is Severity.ERROR
    depreciation_nets_to_zero = [*no_depreciation, ("1", "202", "590", 100), ("1", "203", "590", -100)]
    assert controls(run(depreciation_nets_to_zero))["150"] is Severity.ERROR
    off_by_31 = replace(BASE, ("1", "202", "590", 100), ("1", "202", "590", 131))
    off_by_31 = replace(off_by_31, ("1", "202", "010", 1000), ("1", "202", "010", 969))
    assert controls(run(off_by_31)) == {"155": Severity.ERROR}


# 160: «Art 590 skal ikke føres på funksjon 800–899»; 165: «Art 990 skal bare føres på funksjon 860»
def test_160_and_165_depreciation_on_wrong_functions() -> None:
    rows = [*BASE, ("1", "880", "590", 5), ("1", "202", "990", 5)]
    found = run(rows)
    assert [(f.control, f.severity, f.lines) for f in found if f.control in ("160", "165")] == [
        ("160", Severity.ERROR, (10,)), ("165", Severity.ERROR, (11,))]
    # Rule165 sums every art-990 amount outside 860: −5 is reported too, −5 + 5 is not
    assert "165" in controls(run([*BASE, ("1", "880", "990", -5)]))
    assert "165" not in controls(run([*BASE, ("1", "880", "990", -5), ("1", "202", "990", 5)]))


# 170/175: «Funksjon 290 (interkommunale samarbeid) skal gå i 0 ±30, separat i drift og investering»
def test_170_175_function_290_goes_to_zero() -> None:
    assert controls(run([*BASE, ("1", "290", "010", 31), ("1", "290", "700", -31)])).get("175") is None
    assert controls(run([*BASE, ("1", "290", "010", 31)]))["175"] is Severity.ERROR
    assert controls(run([*BASE, ("0", "290", "200", 31)]))["170"] is Severity.ERROR
    assert "170" not in controls(run([*BASE, ("0", "290", "200", 30)]))


# 115/120/125: «Balanse: aktiva (kap. 10–29) > 0, passiva (31–5999) < 0, differanse ±10»
def test_115_120_125_balance() -> None:
    assert "125" not in controls(run([*BALANCE, ("2", "10", "000", 10)], skjema="0B"))
    assert controls(run([*BALANCE, ("2", "10", "000", 11)], skjema="0B"))["125"] is Severity.ERROR
    no_assets = [r for r in BALANCE if r[1] not in ("10", "21")]
    assert "115" not in controls(run(no_assets, skjema="0B"))  # Rule115: only when assets exist
    negative_assets = [*no_assets, ("2", "10", "000", -5)]
    assert controls(run(negative_assets, skjema="0B"))["115"] is Severity.ERROR
    positive_liabilities = [("2", "10", "000", 500), ("2", "51", "000", 400)]
    assert controls(run(positive_liabilities, skjema="0B"))["120"] is Severity.ERROR


def test_120_is_only_a_warning_in_quarterly_reports() -> None:
    # Rule120: severity = if (kvartal == ' ') ERROR else WARNING
    positive = [("2", "10", "000", 500), ("2", "51", "000", 400)]
    assert controls(run(positive, skjema="0BK2", quarter=2))["120"] is Severity.WARNING


# 190: memoriakonti 9100–9998 against motkonto 9999 = 0; newest Rule190Memoriakonti: ERROR, ±10
def test_190_memorandum_accounts() -> None:
    assert controls(run([*BALANCE, ("2", "9110", "000", 11)], skjema="0B"))["190"] is Severity.ERROR
    assert "190" not in controls(run([*BALANCE, ("2", "9110", "000", 10)], skjema="0B"))


def test_quarterly_reports_skip_the_annual_reconciliations() -> None:
    unbalanced = [("1", "202", "010", 1000)]
    # only 100/105/130/135 run for quarterly files (RegnskapValidator.commonKostraValidationRules),
    # as warnings; the reconciliations 085–095, 110, 140–175 do not
    assert controls(run(unbalanced, skjema="0AK2", quarter=2)) == {
        "105": Severity.WARNING, "130": Severity.WARNING, "135": Severity.WARNING}
