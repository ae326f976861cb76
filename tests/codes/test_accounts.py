"""Account strings per seed 001 §2.1.2, and Oslo's earmarked projects (seed 000 §2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kostra_functions import accounts
from kostra_functions.errors import InvalidAccountStringError, RuleSetError
from kostra_functions.rulesets import load_ruleset

SEED001 = "okonomireglement"


def test_seed_examples_parse() -> None:
    # Seed 001: "10100 Lønn i faste stillinger (Under Kostra-art 010)",
    # "330 Kjøkken Sonjatun (3 for helse og omsorg)", "215 Skolefritidstilbud",
    # "93159 Pårørendeskolen: 9 står for prosjekt, 3 for helse og omsorg".
    a = accounts.parse("10100.330.215.93159", SEED001)
    assert a.art == "10100"
    assert a.kostra_art == "010"
    assert a.account_class == "drift"
    assert a.responsibility == "330"
    assert a.sector == "3"
    assert a.function == "215"
    assert a.project == "93159"
    assert a.earmarked is False  # seed 001 defines no earmarking


def test_investment_example() -> None:
    # Seed 001: "02000 Inventar og utstyr (Under Kostra-art 200)", "911 Halti II"
    # (investment ansvar starts with 9).
    a = accounts.parse("02000-911-215-12345", SEED001)
    assert (a.account_class, a.kostra_art, a.responsibility) == ("investering", "200", "911")


@pytest.mark.parametrize(
    "text",
    [
        "10100.330.215.93159",
        "10100-330-215-93159",
        "10100 330 215 93159",
        "10100/330/215/93159",
        "1010033021593159",
        " 10100.330.215.93159 ",
    ],
)
def test_written_forms(text: str) -> None:
    assert str(accounts.parse(text, SEED001)) == "10100.330.215.93159"


def test_without_project_in_drift() -> None:
    a = accounts.parse("10100.330.215", SEED001)
    assert a.project is None
    assert accounts.parse("10100330215", SEED001).function == "215"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["tom"]),
        ("30100.330.215", ["må begynne med 1 (drift) eller 0 (investering)"]),
        ("02000.311.215", ["ansvar «311» må begynne med 9 i investering", "prosjekt mangler"]),
        ("10100.330.21", ["funksjon «21» har 2 sifre; skal ha 3"]),
        ("1X100.330.215", ["art «1X100» skal bare ha sifre"]),
        ("10100.330.215.23159", ["prosjekt «23159» må begynne med 9 i drift"]),
        ("101003302", ["kan ikke deles opp"]),
        ("10100.330.215.93159.1", ["5 deler"]),
    ],
)
def test_problems_are_explained(text: str, fragments: list[str]) -> None:
    found = " | ".join(accounts.problems(text, SEED001))
    for fragment in fragments:
        assert fragment in found
    assert not accounts.is_valid(text, SEED001)
    with pytest.raises(InvalidAccountStringError):
        accounts.parse(text, SEED001)


def test_every_problem_is_listed_at_once() -> None:
    # Two independent mistakes: both are reported, so the controller fixes the string in one go.
    assert accounts.problems("02000.311.215", SEED001) == [
        "ansvar «311» må begynne med 9 i investering (art 02000)",
        "prosjekt mangler; alle investeringsposter skal ha prosjektnummer",
    ]


def test_oslo_earmarked_projects() -> None:
    # Seed 000 §2: "øremerkede midler (prosjektnummer som starter på 2 og 3)".
    assert accounts.parse("10100.330.253.21001").earmarked is True
    assert accounts.parse("10100.330.253.39999").earmarked is True
    assert accounts.parse("10100.330.253.41001").earmarked is False
    assert accounts.parse("10100.330.253").earmarked is False
    assert accounts.is_earmarked("20001")
    assert not accounts.is_earmarked("")
    assert not accounts.is_earmarked(None)


def test_own_ruleset_file_inherits_and_overrides(tmp_path: Path) -> None:
    own = tmp_path / "min_kommune.toml"
    own.write_text(
        '[regelsett]\nnavn = "min_kommune"\narver = "okonomireglement"\n'
        '[oremerking]\nprosjekt_prefiks = ["95"]\nkilde = "test"\n',
        encoding="utf-8",
    )
    rs = load_ruleset(own)
    assert rs.name == "min_kommune"
    assert rs.get("kontostreng.art.siffer") == 5  # inherited from seed 001
    assert accounts.parse("10100.330.215.93159", rs).earmarked is False
    assert accounts.parse("10100.330.215.95159", rs).earmarked is True


def test_bad_rulesets(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="Ukjent regelsett"):
        load_ruleset("finnes_ikke")
    broken = tmp_path / "broken.toml"
    broken.write_text("[regelsett\nnavn=", encoding="utf-8")
    with pytest.raises(RuleSetError, match="feil i TOML"):
        load_ruleset(broken)
    loop = tmp_path / "loop.toml"
    loop.write_text('[regelsett]\narver = "loop"\n', encoding="utf-8")
    with pytest.raises(RuleSetError, match="sirkulær"):
        load_ruleset(loop)
    with pytest.raises(RuleSetError, match="mangler verdien"):
        load_ruleset(SEED001).get("finnes.ikke")
