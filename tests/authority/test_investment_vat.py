"""Investment definition (seed 001 §7.2, §7.6) and VAT codes (seed 001 §2.1.2), worked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from kostra_functions.errors import InvalidArgumentError, OutOfRangeError
from kostra_functions.investment import classify_acquisition, needs_progress_plan, progress_plan_reason
from kostra_functions.vat import account_class, expected_vat_code

# -- what counts as an investment ------------------------------------------------------------------
# §7.2: «Investeringer gjelder anskaffelse av varige driftsmidler med kostpris over 100 000 kroner og
# hvor investeringsobjektet har en forventet levetid på minst 3 år.» «over» is strict, «minst» is not.


@pytest.mark.parametrize(
    ("cost", "life", "expected"),
    [
        (100_000, 10, False),  # exactly 100 000 is not «over» 100 000
        (100_000.01, 10, True),
        (100_000.01, 3, True),  # exactly 3 years is «minst 3 år»
        (100_000.01, 2.99, False),
        (5_000_000, 2, False),
        (0, 30, False),
    ],
)
def test_investment_boundaries(cost: float, life: float, expected: bool) -> None:
    result = classify_acquisition(cost, life)
    assert result.is_investment is expected
    assert result.account_class == ("investering" if expected else "drift")
    assert result.paragraph == "§7.2"


def test_reason_names_the_failing_criteria() -> None:
    reason = classify_acquisition(80_000, 2).reason
    assert "80 000 kr er ikke over 100 000 kr" in reason and "2 år er under 3 år" in reason


def test_repair_after_damage_is_maintenance() -> None:
    # §7.2: «reparasjon/ erstatning opp til dagens standard vanligvis regnes som vedlikehold og skal
    # finansieres over driftsbudsjettet.»
    result = classify_acquisition(2_000_000, 20, repair=True)
    assert not result.is_investment and "vedlikehold" in result.reason


def test_progress_plan_over_5_million() -> None:
    # §7.6 nr. 5: «For alle enkeltinvesteringer med en totalt bevilgning over 5 mill. kr. skal det i
    # bevilgningsvedtaket oppgis antatt fremdriftsplan»
    assert needs_progress_plan(5_000_000) is False
    assert needs_progress_plan(5_000_000.01) is True
    assert "fremdriftsplan kreves ikke" in progress_plan_reason(5_000_000)


def test_investment_bad_input() -> None:
    with pytest.raises(InvalidArgumentError, match="negativt"):
        classify_acquisition(-1, 5)
    with pytest.raises(InvalidArgumentError, match="levetid"):
        classify_acquisition(200_000, "lang")  # type: ignore[arg-type]


# -- VAT codes --------------------------------------------------------------------------------------
# «De vanligste momskodene i drift: 0 % 0, 8 % 53, 15 % 52, 25 % 51» and «i investering: 0 % 0,
# 8 % 63, 15 % 62, 25 % 61». Account first digit 1 = drift, 0 = investering (§2.1.2).


@pytest.mark.parametrize(
    ("account", "rate", "code"),
    [
        ("10100", 25, 51),
        ("10100", 15, 52),
        ("10100", 8, 53),
        ("10100", 0, 0),
        ("02000", 25, 61),
        ("02000", 15, 62),
        ("02000", 8, 63),
        ("02000", 0, 0),
        ("11000", 0.25, 51),  # 25 % typed as a percentage cell
        ("02000", 0.08, 63),
    ],
)
def test_rate_codes(account: str, rate: float, code: int) -> None:
    assert expected_vat_code(account, "202", rate).code == code


def test_not_compensated_is_70_for_every_rate_above_zero() -> None:
    # «Det skal være momskode 70 på fakturaer der vi ikke får momsen kompensert. Dette gjelder for
    # alle mva-satsene.»
    for rate in (8, 15, 25):
        assert expected_vat_code("10100", "202", rate, compensated=False).code == 70
        assert expected_vat_code("02000", "222", rate, compensated=False).code == 70
    assert expected_vat_code("10100", "202", 0, compensated=False).code == 0  # no VAT to compensate


@pytest.mark.parametrize(
    ("account", "name"), [("11153", "Bevertning"), ("11213", "Gaver"), ("12200", "kontormaskiner")]
)
def test_accounts_without_compensation(account: str, name: str) -> None:
    # «Konto 11153 Bevertning/representasjon 0 Ingen kompensasjon», «Konto 11213 Gaver til ansatte 0»,
    # «Konto 12200 Leasing kontormaskiner 0»
    result = expected_vat_code(account, "120", 25)
    assert result.code == 0 and name in result.reason
    assert expected_vat_code(account, "120", 25, compensated=False).code == 0  # the table's code wins


@pytest.mark.parametrize("function", ["265", "281"])
def test_functions_without_compensation_in_drift_and_investment(function: str) -> None:
    # «Fun 265 Kommunale boliger 0 Ingen kompensasjon», «Fun 281 Sosialhjelp 0 Ingen kompensasjon»
    assert expected_vat_code("11200", function, 25).code == 0
    assert expected_vat_code("02000", function, 25).code == 0


def test_fuel_and_car_maintenance_only_own_cars_and_var() -> None:
    # «Konto 11700 Drivstoff 0/51/5 Kun komp. på egne biler og VAR»
    assert expected_vat_code("11700", "345", 25).code == 51  # 345 Distribusjon av vann: VAR
    assert expected_vat_code("11701", "254", 25, own_vehicle=True).code == 51
    assert expected_vat_code("11700", "254", 25, own_vehicle=False).code == 0
    # Outside VAR without «egen_bil»: a fuel invoice to the municipality is for its own car (code 51),
    # and the reason says so and names code 0 for other vehicles – no #VERDI!.
    blank = expected_vat_code("11700", "254", 25)
    assert blank.code == 51
    assert "forutsatt at kjøretøyet er kommunens eget" in blank.reason and "koden 0" in blank.reason
    assert expected_vat_code("11701", "254", 15).code == 52


def test_vehicle_leasing_only_var() -> None:
    # «Konto 12100 Leasing kjøretøy 0/5 Kun komp. på VAR»
    assert expected_vat_code("12100", "355", 25).code == 51  # 355 husholdningsavfall: VAR
    assert expected_vat_code("12100", "254", 25, own_vehicle=True).code == 0


def test_vat_bad_input() -> None:
    with pytest.raises(OutOfRangeError, match="12 %"):
        expected_vat_code("10100", "202", 12)
    with pytest.raises(InvalidArgumentError, match="5 sifre"):
        expected_vat_code("1010", "202", 25)
    with pytest.raises(InvalidArgumentError, match="verken"):
        account_class("51000")
    with pytest.raises(InvalidArgumentError, match="funksjon"):
        expected_vat_code("10100", "22", 25)


def test_vat_table_is_data(tmp_path: Path) -> None:
    own = tmp_path / "mva.toml"
    own.write_text(
        '[regelsett]\nnavn = "mva"\narver = "okonomireglement"\n\n[mva]\n'
        'drift = { "0" = 0, "12" = 54, "15" = 52, "25" = 51 }\n',
        encoding="utf-8",
    )
    assert expected_vat_code("10100", "202", 12, ruleset=str(own)).code == 54
