"""Budget authority (seed 001 §3.3): the lowest body that may decide, worked by hand from the seed.

Frame areas (seed 001 §3.2.2): «1. Administrasjon 2. Oppvekst og kultur 3. Helse- og omsorg
4. Utviklingsenheten 5. Selvkost 6. Bygg, eiendom og anleggsdrift 7. Skatter og rammetilskudd
8. Renter, avdrag og avsetninger 9. Investeringer». Areas 1, 7 and 8 are the formannskap's
(§3.3.3 A–C); 2–6 have a hovedutvalg (§3.3.4); 9 is investment.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kostra_functions.authority import AuthorityDecision, budget_authority, format_kroner, normalise_key
from kostra_functions.errors import InvalidArgumentError, InvalidCodeError, MissingArgumentError, RuleSetError

JUNE = date(2023, 6, 15)


def decide(action: str, amount: float, area: str | int, **kw: object) -> AuthorityDecision:
    when = kw.pop("when", JUNE)
    year = kw.pop("year", 2023)
    return budget_authority(action, amount, area, when, year, **kw)  # type: ignore[arg-type]


# -- extra revenue (merinntekter) ----------------------------------------------------------------


def test_extra_revenue_up_to_and_including_200000_is_the_hovedutvalg() -> None:
    # §3.3.4 b): «Hovedutvalget gis fullmakt til å disponere merinntekter på inntil kr 200 000,-
    # innenfor eget rammeområde.» «inntil» = up to and including: exactly 200 000 is within.
    d = decide("merinntekt", 200_000, "2")
    assert (d.body, d.allowed, d.paragraph) == ("Hovedutvalget", True, "§3.3.4 b)")
    assert "200 000 kr" in d.reason


def test_extra_revenue_over_200000_is_the_council() -> None:
    # §3.3.1: «Kommunestyret skal selv foreta endringer i driftsbudsjettet dersom det oppstår
    # merinntekter på over kr 200 000,- innenfor en sektor.» 200 000,01 is over.
    d = decide("merinntekt", 200_000.01, "3")
    assert (d.body, d.paragraph) == ("Kommunestyret", "§3.3.1, §3.3.4 b)")
    assert "200 000,01 kr" in d.reason


@pytest.mark.parametrize("area", ["1", "7", "8"])
def test_extra_revenue_in_areas_1_7_8_is_the_formannskap(area: str) -> None:
    # §3.3.3 B: «Formannskapet gis fullmakt til å disponere merinntekter på inntil kr 200 000,- …
    # innenfor rammeområdene 1 - administrasjon, 7 – skatter/rammetilskudd og 8 – renter/avdrag og
    # avsetninger. Merinntekter utover dette disponeres av kommunestyret.»
    assert decide("merinntekt", 200_000, area).body == "Formannskapet"
    assert decide("merinntekt", 200_000, area).paragraph == "§3.3.3 B"
    assert decide("merinntekt", 200_001, area).body == "Kommunestyret"


@pytest.mark.parametrize("kind", ["nav", "prosjekt"])
def test_nav_refunds_and_project_revenue_are_exempt_from_the_limit(kind: str) -> None:
    # §3.3.1: «(Gjelder ikke for eksterne prosjektinntekter eller refusjoner fra NAV)»; §3.3.3 B:
    # «(med unntak av prosjektinntekter og refusjoner fra NAV)». So 1 000 000 stays with the body
    # of the frame area: hovedutvalget in area 3, formannskapet in area 1.
    d = decide("merinntekt", 1_000_000, "3", revenue_kind=kind)
    assert d.body == "Hovedutvalget" and d.paragraph == "§3.3.1, §3.3.3 B"
    assert decide("merinntekt", 1_000_000, "1", revenue_kind=kind).body == "Formannskapet"


def test_refund_authority_is_limited_to_the_actual_refund() -> None:
    # §3.3.3 B: «Unntaket er refusjoner hvor fullmakten begrenser seg til den faktiske refusjon.»
    # Disposing 900 000 of a 900 000 refund: within; 900 000,01: the excess goes to the council.
    assert (
        decide("merinntekt", 900_000, "3", revenue_kind="nav", actual_revenue=900_000).body == "Hovedutvalget"
    )
    d = decide("merinntekt", 900_000.01, "3", revenue_kind="NAV", actual_revenue=900_000)
    assert d.body == "Kommunestyret"
    assert "900 000 kr" in d.reason


def test_earmarked_state_grants() -> None:
    # §3.3.4 d): «For øremerket statstilskudd er fullmakten begrenset til statstilskuddet dersom det
    # ikke finnes kommunal bevilgning på området. Dersom det foreligger kommunal bevilgning, skal
    # saken forelegges formannskapet.» §3.3.3 E: «Bestemmelsen gjelder for alle rammeområder.»
    assert decide("merinntekt", 500_000, "2", revenue_kind="statstilskudd").body == "Hovedutvalget"
    d = decide("merinntekt", 500_000, "2", revenue_kind="statstilskudd_med_bevilgning")
    assert (d.body, d.paragraph) == ("Formannskapet", "§3.3.3 E, §3.3.4 d)")
    assert decide("merinntekt", 500_000, "2", revenue_kind="statstilskudd", actual_revenue=400_000).body == (
        "Kommunestyret"
    )


def test_extra_revenue_in_investment_is_the_council() -> None:
    # §7.6 nr. 1: «Uforutsette tilskudd og gaver kan ikke brukes til å øke investeringsrammen uten
    # kommunestyrets godkjennelse.» – whatever the amount or kind.
    assert decide("merinntekt", 10, "9").body == "Kommunestyret"
    assert decide("merinntekt", 10, "9", revenue_kind="prosjekt").body == "Kommunestyret"


def test_extra_revenue_used_in_another_frame_area_is_the_council() -> None:
    # §3.3.1: merinntekter go to the council «for at kommunestyret skal ha mulighet til å kanalisere
    # ekstra inntekter til sektorer som har større behov»; §3.3.3 C: «Det kan ikke overføres midler
    # mellom rammeområdene.»
    d = decide("merinntekt", 50_000, "2", other_frame_area="3")
    assert (d.body, d.paragraph) == ("Kommunestyret", "§3.3.1, §3.3.3 C")


# -- moves within and between frame areas ----------------------------------------------------------


def test_between_responsibilities() -> None:
    # §3.3.4 c): «Hovedutvalget gis i driftsbudsjettet fullmakt til å foreta budsjettendringer mellom
    # ansvar innenfor rammeområdet for sektoren, forutsatt at nettorammen ikke overskrides.»
    # §3.3.3 C: «Formannskapet kan foreta budsjettregulering innenfor rammeområdene 1 …, 7 … og 8».
    # No amount limit for either.
    assert decide("mellom_ansvar", 5_000_000, "4").body == "Hovedutvalget"
    assert decide("mellom_ansvar", 5_000_000, "8").body == "Formannskapet"
    assert decide("mellom ansvar", 1, "3", other_frame_area="3").body == "Hovedutvalget"


def test_net_frame_exceeded_is_the_council() -> None:
    # §3.3.1: «Kommunestyret selv skal foreta budsjettjusteringer dersom bevilgningen til et
    # rammeområde er overskredet»
    d = decide("mellom_ansvar", 10_000, "2", increases_frame=True)
    assert (d.body, d.paragraph) == ("Kommunestyret", "§3.3.1")


def test_between_posts_is_the_chief_executive() -> None:
    # §3.3.5: «Rådmannen gis også fullmakt til å budsjettregulere poster innen samme sektor.»
    d = decide("mellom_poster", 3_000_000, "3")
    assert (d.body, d.paragraph) == ("Rådmannen", "§3.3.5")
    assert decide("mellom_poster", 1, "1").body == "Rådmannen"


@pytest.mark.parametrize(("source", "target"), [("1", "7"), ("2", "3"), ("8", "9")])
def test_between_frame_areas_is_only_the_council(source: str, target: str) -> None:
    # §3.3.3 C: «Det kan ikke overføres midler mellom rammeområdene.» – not even between the
    # formannskap's own areas 1 and 7; §3.3.1: «Kommunestyret skal selv foreta fordeling av rammen
    # til de ulike rammeområder.»
    d = decide("mellom_rammeomrader", 1, source, other_frame_area=target)
    assert (d.body, d.paragraph) == ("Kommunestyret", "§3.3.1, §3.3.3 C")
    assert decide("mellom_ansvar", 1, source, other_frame_area=target).body == "Kommunestyret"


def test_between_frame_areas_needs_two_different_areas() -> None:
    with pytest.raises(MissingArgumentError, match="annet_rammeområde"):
        decide("mellom_rammeomrader", 1, "2")
    with pytest.raises(InvalidArgumentError, match="mellom_ansvar"):
        decide("mellom_rammeomrader", 1, "2", other_frame_area=2)


# -- investment ------------------------------------------------------------------------------------


def test_reprioritisation_between_projects() -> None:
    # §3.3.3 D: «… økning i bevilgning til et prosjekt og dekning skjer ved at bevilgning til et annet
    # prosjekt reduseres tilsvarende. Beløpsgrense for slik omprioritering er kr. 200 000.»
    # A limit of 200 000 allows 200 000; above it §3.3.1: «Kommunestyret selv skal foreta endringer i
    # investeringsbudsjettet … dersom inntekts- eller utgiftsposter på et prosjekt må økes.»
    d = decide("omprioritering", 200_000, "9")
    assert (d.body, d.paragraph) == ("Formannskapet", "§3.3.3 D")
    assert decide("omprioritering", 200_000.01, "9").body == "Kommunestyret"


def test_reprioritisation_outside_investment_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="gjelder rammeområdene 9"):
        decide("omprioritering", 1, "2")


def test_moving_investment_budget_to_next_year() -> None:
    # §3.3.5: «Rådmannen gis videre fullmakt til overføring av budsjettbeløp i investeringsbudsjettet
    # som følge av forskyvning av prosjektenes framdrift … Prosjektenes totalbudsjett kan ikke endres.»
    assert decide("flytting_mellom_ar", 40_000_000, "9").body == "Rådmannen"
    d = decide("flytting_mellom_ar", 1, "9", increases_frame=True)
    assert (d.body, d.paragraph) == ("Kommunestyret", "§3.3.1, §3.3.5")


def test_investment_area_has_no_drift_moves() -> None:
    with pytest.raises(InvalidArgumentError, match="omprioritering"):
        decide("mellom_ansvar", 1, "9")


# -- funds, supplementary appropriations, distribution ---------------------------------------------


@pytest.mark.parametrize("area", ["1", "3", "8"])
def test_allocation_to_reserve_fund_is_only_the_formannskap(area: str) -> None:
    # §3.3.4: «Det er kun formannskapet som har myndighet til å avsette midler til disposisjonsfond.»
    # §3.3.3: «Dette gjelder for alle rammeområder.»
    assert decide("avsetning_disposisjonsfond", 10_000_000, area).body == "Formannskapet"


def test_use_of_reserve_fund() -> None:
    # §3.3.3: «Formannskapet gis fullmakt til å disponere avsetninger fra disposisjonsfond når
    # avsetningen er gjort på ansvar innenfor eget rammeområde.» A fund set aside in area 2 used in
    # area 3 moves money between frame areas → council.
    assert decide("bruk_disposisjonsfond", 300_000, "3").body == "Formannskapet"
    assert decide("bruk_disposisjonsfond", 300_000, "3", other_frame_area="3").body == "Formannskapet"
    assert decide("bruk_disposisjonsfond", 300_000, "3", other_frame_area="2").body == "Kommunestyret"
    # «Formannskapet gis fullmakt til å disponere bundet driftsfond … innenfor eget rammeområde.»
    assert decide("bruk_bundet_driftsfond", 1, "5").body == "Formannskapet"


@pytest.mark.parametrize("area", ["1", "2", "9"])
def test_supplementary_appropriation_is_the_council(area: str) -> None:
    # §3.3.3 F / §3.3.4 f): «Sak om evt. tilleggsbevilgninger må til kommunestyret.»
    assert decide("tilleggsbevilgning", 1, area).body == "Kommunestyret"


def test_distributing_a_frame() -> None:
    # §3.3.4 a) hovedutvalget «fordele kommunestyrets nettoramme til ansvar innenfor utvalgets
    # rammeområde»; §3.3.3 A formannskapet for 1, 7 og 8; §3.3.1 Investering: kommunestyret «fordele
    # rammen på de enkelte prosjekt»; §3.3.5 rådmannen «på postnivå».
    assert decide("fordeling", 1, "6").body == "Hovedutvalget"
    assert decide("fordeling", 1, "7").body == "Formannskapet"
    assert decide("fordeling", 1, "9").body == "Kommunestyret"
    assert decide("fordeling_poster", 1, "6").body == "Rådmannen"


def test_outside_the_economic_plan_is_the_council() -> None:
    # §3.3.2: the authority does not cover «tiltak som antas å påføre kommunen økonomiske
    # forpliktelser utover økonomiplanens rammer».
    d = decide("mellom_poster", 1, "2", outside_premises=True)
    assert (d.body, d.paragraph) == ("Kommunestyret", "§3.3.2")


# -- the year-end date ------------------------------------------------------------------------------


def test_31_december_is_allowed_1_january_is_not() -> None:
    # §3.3.6: «Det kan ikke foretas endring av årsbudsjettet etter 31.12, jfr budsjettforskriften § 15.»
    assert decide("mellom_poster", 1, "2", when=date(2023, 12, 31)).body == "Rådmannen"
    d = decide("mellom_poster", 1, "2", when=date(2024, 1, 1))
    assert (d.body, d.allowed, d.paragraph) == (None, False, "§3.3.6")
    assert "01.01.2024" in d.reason and "31.12.2023" in d.reason


def test_not_even_the_council_may_change_the_budget_after_year_end() -> None:
    d = decide("tilleggsbevilgning", 1, "2", when=date(2024, 2, 10))
    assert not d.allowed and d.body is None


def test_decision_for_next_years_budget_in_december_is_allowed() -> None:
    assert decide("mellom_poster", 1, "2", when=date(2023, 12, 20), year=2024).allowed


# -- bad input is refused, never guessed -------------------------------------------------------------


def test_bad_input() -> None:
    with pytest.raises(InvalidArgumentError, match="Kjente handlinger"):
        decide("omdisponering", 1, "2")
    with pytest.raises(InvalidCodeError, match="Rammeområde «10»"):
        decide("mellom_poster", 1, "10")
    with pytest.raises(InvalidArgumentError, match="ikke 0"):
        decide("mellom_poster", 0, "2")
    with pytest.raises(InvalidArgumentError, match="bare med handlingen «merinntekt»"):
        decide("mellom_poster", 1, "2", revenue_kind="nav")
    with pytest.raises(InvalidArgumentError, match="faktisk_inntekt"):
        decide("merinntekt", 1, "2", actual_revenue=5)
    with pytest.raises(InvalidArgumentError, match="Inntektstypen «gave»"):
        decide("merinntekt", 1, "2", revenue_kind="gave")
    with pytest.raises(InvalidArgumentError, match="budsjettår"):
        decide("merinntekt", 1, "2", year=23)


# -- rules are data ---------------------------------------------------------------------------------


def test_another_municipality_changes_the_limit_in_a_file(tmp_path: Path) -> None:
    own = tmp_path / "egen_kommune.toml"
    own.write_text(
        '[regelsett]\nnavn = "egen"\narver = "okonomireglement"\n\n'
        "[fullmakt.handling.merinntekt.ordinaer]\n"
        'grense = 100000\nkilde = "eget økonomireglement §3"\n',
        encoding="utf-8",
    )
    assert decide("merinntekt", 100_000, "2", ruleset=str(own)).body == "Hovedutvalget"
    assert decide("merinntekt", 150_000, "2", ruleset=str(own)).body == "Kommunestyret"
    assert decide("merinntekt", 150_000, "2").body == "Hovedutvalget"


def test_a_body_not_in_the_list_is_a_rule_set_error(tmp_path: Path) -> None:
    own = tmp_path / "feil.toml"
    own.write_text(
        '[regelsett]\nnavn = "feil"\narver = "okonomireglement"\n\n'
        '[fullmakt.handling.mellom_poster.ordinaer]\norgan = "Bystyret"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleSetError, match="Bystyret"):
        decide("mellom_poster", 1, "2", ruleset=str(own))


def test_helpers() -> None:
    assert format_kroner(200_000) == "200 000 kr"
    assert format_kroner(1_234_567.5) == "1 234 567,50 kr"
    assert normalise_key(" Flytting mellom år ") == "flytting_mellom_ar"

