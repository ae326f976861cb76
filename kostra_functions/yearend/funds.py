"""Reserve funds during the year and between units (Kristiansands regler for årsavslutning): using a
unit's fund before year end, a director moving funds between own units, and allocations pooled in a
shared fund (not allowed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.rulesets import RuleSet
from kostra_functions.yearend.amounts import YEAREND_RULESET, ZERO, kroner_text, money, ruleset_for

# ---------------------------------------------------------------------------------------------
# Reserve funds during the year and between units (Kristiansands regler for årsavslutning)


@dataclass(frozen=True)
class FundDecision:
    """Whether a use or move of reserve funds is allowed, who decides, and why (Norwegian)."""

    allowed: bool
    body: str | None
    reason: str
    expected_fund: Decimal | None = None


def in_year_fund_use(
    fund_before: float | Decimal,
    use: float | Decimal,
    expected_result: float | Decimal,
    *,
    budget_adjusted: bool,
    ruleset: str | RuleSet | None = None,
) -> FundDecision:
    """May a unit use its reserve fund during the year (Kristiansands regler for årsavslutning «Bruk av
    disposisjonsfond utenom
    regnskapsavslutningen»)?

    ``fund_before``: the unit's fund now; ``use``: the amount to use (> 0); ``expected_result``: the
    unit's expected result for the year with the use budgeted (+ = mindreforbruk, − = merforbruk, as
    KOSTRA_AVVIK). The fund expected at year end is ``fund_before − use − expected deficit``; an
    expected surplus is not counted (its allocation is 85 % and may be reduced). Allowed when that is
    ≥ 0 **and** the use is budget-adjusted («skal alltid budsjettjusteres»).
    """
    rs = ruleset_for(ruleset, YEAREND_RULESET)
    table = rs.get("arsresultat.bruk_i_aret")
    before = money(fund_before, "fond_nå")
    amount = money(use, "bruk")
    result = money(expected_result, "forventet_resultat")
    if amount <= 0:
        raise InvalidArgumentError(
            f"Argumentet «bruk» skal være beløpet som brukes, større enn 0 ({kroner_text(amount)})."
        )
    expected = before - amount + min(result, ZERO)
    deficit_text = f" og et forventet merforbruk på {kroner_text(-result)}" if result < 0 else ""
    if expected < 0:
        return FundDecision(
            False, None,
            f"Fondet ventes å bli {kroner_text(expected)} ved årets slutt ({kroner_text(before)} − bruk "
            f"{kroner_text(amount)}"
            f"{deficit_text}). Bruk i løpet av året krever at fondet sannsynligvis er positivt eller i "
            f"balanse ved årets slutt; større bruk kan bare skje i forbindelse med {table['utenom']}.",
            expected,
        )
    if not budget_adjusted:
        return FundDecision(
            False, None,
            f"Fondet ventes å bli {kroner_text(expected)} ved årets slutt, men bruk av disposisjonsfond "
            "utenom "
            "regnskapsavslutningen skal alltid budsjettjusteres. Legg inn budsjettjusteringen først.",
            expected,
        )
    return FundDecision(
        True, "Enheten",
        f"Tillatt: fondet ventes å bli {kroner_text(expected)} ved årets slutt ({kroner_text(before)} − bruk "
        f"{kroner_text(amount)}"
        f"{deficit_text}), og bruken er budsjettjustert.",
        expected,
    )


def fund_redistribution(
    from_area: str,
    to_area: str,
    *,
    special_reasons: bool,
    leaders_involved: bool,
    ruleset: str | RuleSet | None = None,
) -> FundDecision:
    """May the director move money between two units' reserve funds (Kristiansands regler for årsavslutning
    «Omfordeling …»)?

    ``from_area``/``to_area``: the area (the director's responsibility) each unit belongs to. Only
    between the director's *own* units, for «helt spesielle grunner», with the unit leaders involved.
    """
    rs = ruleset_for(ruleset, YEAREND_RULESET)
    body = str(rs.get("arsresultat.omfordeling.organ"))
    a, b = str(from_area).strip(), str(to_area).strip()
    if not a or not b:
        raise InvalidArgumentError(
            "Argumentene «fra_område» og «til_område» (direktørens område) må fylles ut."
        )
    if a.casefold() != b.casefold():
        return FundDecision(
            False, None,
            f"Enhetene hører til ulike områder ({a} og {b}); direktøren kan bare omfordele mellom egne "
            "enheters disposisjonsfond.",
        )
    missing = []
    if not special_reasons:
        missing.append("at helt spesielle grunner tilsier det")
    if not leaders_involved:
        missing.append("at berørte enhetsledere er involvert")
    if missing:
        return FundDecision(False, None, "Omfordelingen krever " + " og ".join(missing) + ".")
    return FundDecision(
        True, body,
        f"{body} kan omfordele mellom egne enheters disposisjonsfond i område {a}: helt spesielle grunner "
        "og berørte enhetsledere er involvert.",
    )


def pooled_allocations(fund_of: dict[str, str]) -> dict[str, str]:
    """Units whose surplus is set aside in a fund other than their own, shared with other units.

    ``fund_of`` maps each unit to the fund its allocation goes to (blank = its own). Seed 004: «Det
    er ikke anledning til å samle fondsavsetninger på et høyere organisatorisk nivå for å begrense
    antall fond.» Returns unit → Norwegian explanation for every unit that does so.
    """
    sharing: dict[str, list[str]] = {}
    for unit, fund in fund_of.items():
        target = (fund or "").strip()
        if target and target.casefold() != unit.strip().casefold():
            sharing.setdefault(target.casefold(), []).append(unit)
    out: dict[str, str] = {}
    for unit, fund in fund_of.items():
        target = (fund or "").strip()
        if not target or target.casefold() == unit.strip().casefold():
            continue
        others = [u for u in sharing[target.casefold()] if u != unit]
        with_whom = f" sammen med {', '.join(others)}" if others else ""
        out[unit] = (
            f"Avsetningen skal til enhetens eget fond, ikke til fondet «{target}»{with_whom}: det er ikke "
            "anledning til å samle fondsavsetninger på et høyere organisatorisk nivå."
        )
    return out
