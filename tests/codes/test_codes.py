"""Tests for the KOSTRA code catalog (``kostra_functions/codes``).

Expectations come from the sources, not from the data files: SSB's lists for 2023–2026
(``reference/ssb_gyldige_koder_kommune.csv``, compared code by code when the file is present), the
KRD guide for 2012 (seeds/002), the KOSTRA letter of 1998 (seeds/003) and SSB's controls 020, 025,
040 and 050 (``reference/kostra_kontroller.md``).
"""

from __future__ import annotations

import csv
import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from kostra_functions.codes import Catalog, available_years, code_lists_version, data_files
from kostra_functions.errors import (
    InvalidArgumentError,
    InvalidCodeError,
    KostraError,
    MissingArgumentError,
    OutOfRangeError,
)

#: The public reference data next to the repository (``../shared/reference``): SSB's code lists and
#: the code tables the catalogue's names are checked against.
REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
SSB_LISTS = REFERENCE / "ssb_gyldige_koder_kommune.csv"


def reference_file(name: str) -> Path:
    """``name`` in the reference folder; skipped when it is missing, except on CI (``CI=true``),
    where the comparison with the reference data must run."""
    path = REFERENCE / name
    if not path.is_file():
        reason = f"referansedata mangler: {path} (../shared/reference ved siden av depotet)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path
OSLO_DISTRICT = "030105"
#: reference/README.md: in the 2023/2024 versions these are valid for 030100 and 030101–030115.
OSLO_FUNCTIONS_2023 = {"691", "692", "693", "694", "696"}
OSLO_ARTS = {"298", "379", "798"}
#: seeds/002, ch. 2.5: every function the 2012 guide describes up to where our copy stops (215).
FUNCTIONS_2012 = {
    "100": "Politisk styring", "110": "Kontroll og revisjon", "120": "Administrasjon",
    "121": "Forvaltningsutgifter i eiendomsforvaltningen", "130": "Administrasjonslokaler",
    "170": "Årets premieavvik", "171": "Amortisering av tidligere års premieavvik",
    "180": "Diverse fellesutgifter", "190": "Interne serviceenheter", "201": "Førskole",
    "202": "Grunnskole", "211": "Styrket tilbud til førskolebarn", "213": "Voksenopplæring",
    "214": "Spesialskoler", "215": "Skolefritidstilbud",
}


def ssb_lists() -> dict[tuple[int, str], set[str]]:
    reference_file(SSB_LISTS.name)
    out: dict[tuple[int, str], set[str]] = {}
    with SSB_LISTS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault((int(row["aar"]), row["liste"]), set()).add(row["kode"])
    return out


# ----------------------------------------------------------------------------- names
@pytest.mark.parametrize("year", [2012, 2023, 2024, 2025, 2026])
def test_202_is_grunnskole_and_215_skolefritidstilbud(year: int) -> None:
    cat = Catalog.for_year(year)
    assert cat.name("202") == "Grunnskole"
    assert cat.name("215") == "Skolefritidstilbud"
    assert cat.entry("202").name_certain


def test_253_name_in_2023() -> None:
    entry = Catalog.for_year(2023).entry("253")
    assert entry.name == "Helse- og omsorgstjenester i institusjon"
    assert entry.name_certain
    assert entry.kind == "kommunal"


def test_2012_names_from_the_2012_guide() -> None:
    cat = Catalog.for_year(2012)
    assert {code: cat.entry(code).name for code in cat.codes()} == FUNCTIONS_2012


def test_renamed_function_201_has_the_name_of_its_year() -> None:
    assert Catalog.for_year(2012).name("201") == "Førskole"
    entry = Catalog.for_year(2023).entry("201")
    assert entry.name == "Barnehage"
    assert not entry.name_certain  # the reference says the exact 2023 name is not verified
    assert Catalog.for_year(2023).name("201") == "Barnehage"


def test_name_not_found_is_flagged_not_invented() -> None:
    entry = Catalog.for_year(2023, region=OSLO_DISTRICT).entry("691")
    assert entry.name == ""
    assert not entry.name_certain
    assert Catalog.for_year(2023, region=OSLO_DISTRICT).name("691") == "Oslo-funksjon 691"


def test_inferred_name_is_marked_uncertain() -> None:
    cat = Catalog.for_year(2023)
    assert not cat.entry("321").name_certain
    assert "usikkert" not in cat.name("321")  # the committee's report shows no working notes
    assert not cat.entry("180", "art").name_certain


def test_every_flagged_reference_name_is_uncertain_in_our_data() -> None:
    markers = ("INFERRED", "IKKE FUNNET")
    checked = 0
    for file, column, kind in (("kostra_funksjoner_2023.csv", "funksjon", "funksjon"),
                               ("kostra_arter.csv", "art", "art")):
        path = reference_file(file)
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code = row[column]
                if not code.isdigit():
                    continue
                if any(m in row["kilde"] for m in markers) or not row["navn"]:
                    region = OSLO_DISTRICT if code in OSLO_FUNCTIONS_2023 | OSLO_ARTS else None
                    assert not Catalog.for_year(2023, region).entry(code, kind).name_certain, (kind, code)
                    checked += 1
    assert checked > 50


# ----------------------------------------------------------------------------- 254 and the home-care split
def test_254_valid_in_2023_not_in_2024() -> None:
    assert Catalog.for_year(2023).is_valid("254")
    assert not Catalog.for_year(2024).is_valid("254")
    with pytest.raises(InvalidCodeError) as err:
        Catalog.for_year(2024).validate("254")
    assert err.value.message == (
        "Funksjon 254 er ikke gyldig i 2024. Den utgikk 1.1.2024 og er erstattet av 257 og 258."
    )


def test_254_successors_are_257_and_258_not_256() -> None:
    # SSB's lists: 256 is already valid in 2023; 257 and 258 are new in 2024.
    assert Catalog.for_year(2024).successors("254") == ("257", "258")
    assert Catalog.for_year(2023).successors("254") == ("257", "258")
    assert Catalog.for_year(2023).is_valid("256")
    assert not Catalog.for_year(2023).is_valid("257")
    assert not Catalog.for_year(2023).is_valid("258")
    assert Catalog.for_year(2024).is_valid("257") and Catalog.for_year(2024).is_valid("258")
    assert Catalog.for_year(2024).successors("256") == ()


def test_257_before_2024_says_when_it_starts() -> None:
    with pytest.raises(InvalidCodeError, match="gjelder først fra 2024"):
        Catalog.for_year(2023).validate("257")


# ----------------------------------------------------------------------------- drift / investering
def test_841_only_investment() -> None:
    cat = Catalog.for_year(2023)
    assert cat.is_valid("841", account_class="investering")
    assert cat.is_valid("841")
    assert not cat.is_valid("841", account_class="drift")
    with pytest.raises(InvalidCodeError) as err:
        cat.validate("841", account_class="drift")
    assert err.value.message == "Funksjon 841 er bare gyldig i investering, ikke i drift."
    assert cat.entry("841").only == "investering"


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
@pytest.mark.parametrize("code", ["800", "840", "850", "860"])
def test_financial_functions_only_drift(year: int, code: str) -> None:
    cat = Catalog.for_year(year)
    assert cat.is_valid(code, account_class="drift")
    assert not cat.is_valid(code, account_class="investering")
    assert cat.entry(code).kind == "finansiell"
    with pytest.raises(InvalidCodeError, match=f"Funksjon {code} er bare gyldig i drift, ikke i investering"):
        cat.validate(code, account_class="investering")


@pytest.mark.parametrize("art", ["280", "512", "521", "522", "529", "670", "910", "911", "912", "921", "922",
                                 "929", "970"])
def test_arts_only_investment_control_025(art: str) -> None:
    cat = Catalog.for_year(2023)
    assert not cat.is_valid(art, "art", "drift")
    assert cat.is_valid(art, "art", "investering")


@pytest.mark.parametrize("art", ["070", "080", "110", "114", "240", "509", "570", "590", "600", "629", "630",
                                 "640", "800", "870", "871", "872", "873", "875", "876", "877", "909", "990"])
def test_arts_only_drift_control_050(art: str) -> None:
    cat = Catalog.for_year(2023)
    assert cat.is_valid(art, "art", "drift")
    assert not cat.is_valid(art, "art", "investering")


def test_account_class_is_case_and_space_tolerant_but_strict_in_value() -> None:
    cat = Catalog.for_year(2023)
    assert not cat.is_valid("841", account_class=" Drift ")
    assert cat.is_valid("841", account_class="")
    with pytest.raises(InvalidArgumentError):
        cat.is_valid("841", account_class="1")


# ----------------------------------------------------------------------------- Oslo
def test_691_valid_for_an_oslo_district_in_2023_not_for_another_municipality() -> None:
    assert Catalog.for_year(2023, region=OSLO_DISTRICT).is_valid("691")
    assert Catalog.for_year(2023, region="030100").is_valid("691")
    assert not Catalog.for_year(2023).is_valid("691")
    assert not Catalog.for_year(2023, region="460100").is_valid("691")
    assert not Catalog.for_year(2023, region="4601").is_valid("691")
    with pytest.raises(InvalidCodeError, match="bare gyldig for Oslo kommune og Oslos bydeler"):
        Catalog.for_year(2023, region="460100").validate("691")


def test_695_only_from_2025_for_districts() -> None:
    for year in (2023, 2024):
        assert not Catalog.for_year(year, region=OSLO_DISTRICT).is_valid("695")
    with pytest.raises(InvalidCodeError, match="gjelder først fra 2025"):
        Catalog.for_year(2024, region=OSLO_DISTRICT).validate("695")
    for year in (2025, 2026):
        assert Catalog.for_year(year, region=OSLO_DISTRICT).is_valid("695")
        assert not Catalog.for_year(year).is_valid("695")
    assert [c.change for c in Catalog.for_year(2025).history("695")] == ["ny"]


def test_oslo_municipality_itself_from_2025_is_not_guessed() -> None:
    # From 2025 SSB lists 691–696 for the districts; whether 030100 may still use them is not verified.
    with pytest.raises(OutOfRangeError):
        Catalog.for_year(2025, region="030100").is_valid("695")
    assert not Catalog.for_year(2025, region="030100").is_covered("691")


def test_county_functions_for_oslo_are_not_claimed_invalid() -> None:
    with pytest.raises(OutOfRangeError, match="fylkeskommunale"):
        Catalog.for_year(2023, region="030100").validate("470")
    assert not Catalog.for_year(2023).is_valid("470")


def test_art_298_is_oslo_only() -> None:
    assert not Catalog.for_year(2023).is_valid("298", "art")
    assert Catalog.for_year(2023, region="030101").is_valid("298", "art")
    assert Catalog.for_year(2023, region="030100").is_valid("298", "art")
    assert Catalog.for_year(2025, region="030115").is_valid("298", "art")
    assert not Catalog.for_year(2025, region="030116").is_valid("298", "art")
    with pytest.raises(InvalidCodeError, match="Art 298 er bare gyldig"):
        Catalog.for_year(2024).validate("298", "art")


# ----------------------------------------------------------------------------- 1999 and other changes
def test_383_new_in_1999_and_valid_2023_to_2026() -> None:
    changes = Catalog.for_year(2023).history("383")
    assert [(c.year_from, c.change, c.new_name) for c in changes] == [(1999, "ny", "Musikk- og kulturskoler")]
    for year in (2023, 2024, 2025, 2026):
        entry = Catalog.for_year(year).entry("383")
        assert entry.name == "Musikk- og kulturskoler"
        assert entry.valid_from == 1999
    with pytest.raises(OutOfRangeError):
        Catalog.for_year(1999)  # 1999 changes are recorded, but there is no full 1999 list


def test_1999_renames_and_new_art_629() -> None:
    cat = Catalog.for_year(2023)
    assert cat.history("629", "art")[0].year_from == 1999
    renamed = {c.code for code in ("211", "335", "353", "357", "360", "377")
               for c in cat.history(code) if c.year_from == 1999 and c.change == "nytt_navn"}
    assert renamed == {"211", "335", "353", "357", "360", "377"}


def test_art_875_replaced_by_878_879_in_2025() -> None:
    assert Catalog.for_year(2024).is_valid("875", "art")
    with pytest.raises(InvalidCodeError) as err:
        Catalog.for_year(2025).validate("875", "art")
    assert err.value.message == (
        "Art 875 er ikke gyldig i 2025. Den utgikk 1.1.2025 og er erstattet av 878 og 879."
    )
    assert Catalog.for_year(2025).successors("875", "art") == ("878", "879")
    assert Catalog.for_year(2025).is_valid("878", "art") and not Catalog.for_year(2024).is_valid("879", "art")


def test_art_270_replaced_by_271_272_in_2026() -> None:
    assert Catalog.for_year(2025).is_valid("270", "art")
    assert not Catalog.for_year(2026).is_valid("270", "art")
    assert Catalog.for_year(2026).successors("270", "art") == ("271", "272")
    assert Catalog.for_year(2026).is_valid("271", "art") and Catalog.for_year(2026).is_valid("272", "art")


def test_expired_before_the_catalog_years() -> None:
    assert Catalog.for_year(2012).is_valid("214")
    with pytest.raises(InvalidCodeError, match=r"mellom 2013 og 2018 \(eksakt år ikke funnet\)"):
        Catalog.for_year(2023).validate("214")
    with pytest.raises(InvalidCodeError, match=r"Den utgikk 1\.1\.2020"):
        Catalog.for_year(2023).validate("190")


def test_290_valid_in_both_2023_and_2024_though_ssb_moved_it_between_lists() -> None:
    assert Catalog.for_year(2023).is_valid("290") and Catalog.for_year(2024).is_valid("290")
    assert [c.change for c in Catalog.for_year(2024).history("290")] == ["endret_liste"]


# ----------------------------------------------------------------------------- the lists equal SSB's
@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_functions_and_arts_equal_the_ssb_lists(year: int) -> None:
    lists = ssb_lists()
    ordinary_f = lists[(year, "funksjon")] | lists[(year, "funksjon_finansiell")]
    ordinary_a = lists[(year, "art")] | lists[(year, "art_kommune")]
    assert set(Catalog.for_year(year).codes("funksjon")) == ordinary_f
    assert set(Catalog.for_year(year).codes("art")) == ordinary_a
    if year >= 2025:
        district_f = ordinary_f | lists[(year, "funksjon_oslo_bydel")]
        district_a = ordinary_a | lists[(year, "art_oslo_bydel")]
    else:  # not in the CSV: reference/README.md (RegnskapConstants.osloKommuner @91278ab6)
        assert (year, "funksjon_oslo_bydel") not in lists
        district_f = ordinary_f | OSLO_FUNCTIONS_2023
        district_a = ordinary_a | OSLO_ARTS
    for district in ("030101", OSLO_DISTRICT, "030115"):
        assert set(Catalog.for_year(year, district).codes("funksjon")) == district_f
        assert set(Catalog.for_year(year, district).codes("art")) == district_a


@pytest.mark.parametrize("year", [2024, 2025, 2026])
@pytest.mark.parametrize("kind", ["funksjon", "art"])
def test_changes_file_matches_the_year_to_year_differences(year: int, kind: str) -> None:
    before = Catalog.for_year(year - 1, OSLO_DISTRICT)
    after = Catalog.for_year(year, OSLO_DISTRICT)
    new = set(after.codes(kind)) - set(before.codes(kind))
    gone = set(before.codes(kind)) - set(after.codes(kind))
    changes = [c for code in new | gone | set(after.codes(kind)) for c in after.history(code, kind)
               if c.year_from == year]
    assert {c.code for c in changes if c.change == "ny"} == new
    assert {c.code for c in changes if c.change == "utgått"} == gone


# ----------------------------------------------------------------------------- 2012 coverage and years
def test_2012_covers_only_functions_100_to_215() -> None:
    cat = Catalog.for_year(2012)
    assert set(cat.codes()) == set(FUNCTIONS_2012)
    assert not cat.is_valid("172")  # not in the 2012 guide (seeds/002 puts premium fund use on 180)
    with pytest.raises(OutOfRangeError, match="dekker bare funksjon 100–215"):
        cat.is_valid("254")
    with pytest.raises(OutOfRangeError, match="arter for 2012"):
        cat.is_valid("010", "art")
    with pytest.raises(OutOfRangeError):
        cat.codes("art")
    assert not cat.is_covered("383")


@pytest.mark.parametrize("year", [1998, 2011, 2013, 2015, 2022, 2027])
def test_year_without_source_raises(year: int) -> None:
    with pytest.raises(OutOfRangeError) as err:
        Catalog.for_year(year)
    assert str(year) in err.value.message
    assert "2023" in err.value.message and err.value.excel_error == "#NUM!"


def test_available_years() -> None:
    assert available_years() == (2012, 2023, 2024, 2025, 2026)


# ----------------------------------------------------------------------------- bad input
def test_unknown_code() -> None:
    cat = Catalog.for_year(2024)
    assert not cat.is_valid("999")
    with pytest.raises(InvalidCodeError) as err:
        cat.name("999")
    assert err.value.message == "Funksjon 999 finnes ikke i KOSTRA-kodelisten for 2024."
    assert err.value.excel_error == "#N/A"
    assert not cat.is_valid("111", "art")


@pytest.mark.parametrize("code", ["", "   "])
def test_empty_code(code: str) -> None:
    cat = Catalog.for_year(2024)
    assert not cat.is_valid(code)
    with pytest.raises(MissingArgumentError):
        cat.validate(code)


@pytest.mark.parametrize("code", ["20", "2020", "abc", "2 2", "٢٠٢"])
def test_malformed_code(code: str) -> None:
    assert not Catalog.for_year(2024).is_valid(code)
    with pytest.raises(InvalidArgumentError, match="tre siffer"):
        Catalog.for_year(2024).validate(code)


@pytest.mark.parametrize("code", [202, 202.0, None, True])
def test_non_text_code_is_not_coerced(code: object) -> None:
    assert not Catalog.for_year(2024).is_valid(code)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        Catalog.for_year(2024).validate(code)  # type: ignore[arg-type]


def test_whitespace_is_stripped() -> None:
    assert Catalog.for_year(2024).name(" 202\t") == "Grunnskole"
    assert Catalog.for_year(2024, region=" 030105 ").is_valid("691")


@pytest.mark.parametrize("year", ["2023", 2023.0, True, None])
def test_year_must_be_an_integer(year: object) -> None:
    with pytest.raises(InvalidArgumentError):
        Catalog.for_year(year)  # type: ignore[arg-type]


@pytest.mark.parametrize("region", ["oslo", "30105", 30105, "03010"])
def test_bad_region(region: object) -> None:
    with pytest.raises(InvalidArgumentError):
        Catalog.for_year(2023, region=region)  # type: ignore[arg-type]


def test_bad_kind_is_an_argument_error_even_for_is_valid() -> None:
    with pytest.raises(InvalidArgumentError, match="«funksjon» eller «art»"):
        Catalog.for_year(2023).is_valid("202", "kommune")
    assert Catalog.for_year(2023).is_valid("010", " Art ")


# ----------------------------------------------------------------------------- caching and version
def test_for_year_is_cached_and_frozen() -> None:
    cat = Catalog.for_year(2023)
    assert Catalog.for_year(2023) is cat
    assert Catalog.for_year(2023, "030105") is Catalog.for_year(2023, "030105")
    assert Catalog.for_year(2023, "030105") is not cat
    with pytest.raises(dataclasses.FrozenInstanceError):
        cat.year = 2024  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cat.entry("202").name = "x"  # type: ignore[misc]


def test_codes_are_sorted_three_digit_strings() -> None:
    codes = Catalog.for_year(2026).codes("art")
    assert list(codes) == sorted(codes)
    assert all(len(c) == 3 and c.isdigit() for c in codes)
    assert "010" in codes


def test_version_is_a_hash_of_the_data_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version = code_lists_version()
    assert Catalog.for_year(2023).version == version
    assert len(version) == 16 and int(version, 16) >= 0
    for p in data_files.DATA_DIR.glob("*.csv"):
        shutil.copy(p, tmp_path / p.name)
    monkeypatch.setattr(data_files, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data_files, "CHECK_INTERVAL", 0.0)
    assert code_lists_version() == version  # same bytes, same version
    with (tmp_path / "functions.csv").open("a", encoding="utf-8") as f:
        f.write("997,Testfunksjon,kommunal,,,2023,,ja,,test\n")
    assert code_lists_version() != version
    cat = Catalog.for_year(2023)
    assert cat.version == code_lists_version()
    assert cat.name("997") == "Testfunksjon"  # a changed file is read again


def test_a_broken_data_file_names_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for p in data_files.DATA_DIR.glob("*.csv"):
        shutil.copy(p, tmp_path / p.name)
    monkeypatch.setattr(data_files, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data_files, "CHECK_INTERVAL", 0.0)
    with (tmp_path / "arts.csv").open("a", encoding="utf-8") as f:
        f.write("12,Feil,utgift,,,2023,,ja,,test\n")
    with pytest.raises(KostraError, match=r"arts\.csv, linje \d+"):
        Catalog.for_year(2023)


def test_every_row_has_a_source_and_known_columns() -> None:
    for name in ("functions.csv", "arts.csv", "changes.csv", "coverage.csv"):
        with (data_files.DATA_DIR / name).open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert rows, name
        assert all(r["kilde"].strip() for r in rows), name
