"""The table's year-end rules: a unit's result to reserve funds and the year-end for all units
(Kristiansands regler for årsavslutning), use and redistribution of funds during the year, and the
order of cuts at a deficit (økonomireglementet §5.4.2).

Thin: :mod:`kostra_functions.yearend` decides; units are read with :mod:`kostra_functions.attestation`'s
range reader.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.excel.functions.arguments import AUTH_RULESET_HELP, SIGN, answer_key
from kostra_functions.excel.spec import Arg, ExcelFunction


def kostra_disponering(net_result: float, fund_before: float | None, special_project: bool,
                       municipal_deficit: float | None, total_allocations: float | None,
                       repayment_years: int | None, extended_granted: bool, accounting_year: int | None,
                       ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend.results import distribute_result

    d = distribute_result(
        net_result, 0 if fund_before is None else fund_before, special_project=bool(special_project),
        municipal_deficit=0 if municipal_deficit is None else municipal_deficit,
        total_allocations=total_allocations, repayment_years=repayment_years,
        extended_granted=bool(extended_granted), accounting_year=accounting_year, ruleset=ruleset,
    )
    return d.rows()


def kostra_arsavslutning(units: list[list[Any]], general_fund_before: float, municipal_deficit: float | None,
                         accounting_year: int | None, ruleset: str | None) -> list[list[Any]]:
    from kostra_functions import attestation
    from kostra_functions.excel import convert as cv
    from kostra_functions.yearend.funds import pooled_allocations
    from kostra_functions.yearend.results import UnitResult, close_year

    header, rows, _ = attestation.rows_from_range(units, "enheter")
    missing = [c for c in ("enhet", "nettoresultat") if c not in header]
    if missing:
        raise InvalidArgumentError(
            f"Området «enheter» mangler kolonnene {', '.join(missing)} (overskriftsrad: enhet, "
            "nettoresultat, "
            "fond_før, spesielt_prosjekt, fond)."
        )
    parsed: list[UnitResult] = []
    fund_of: dict[str, str] = {}
    for row in rows:
        c = row.cells
        unit = "" if cv.is_blank(c.get("enhet")) else str(c.get("enhet")).strip()
        if unit.endswith(".0") and unit[:-2].isdigit():
            unit = unit[:-2]
        if not unit:
            raise InvalidArgumentError(f"{row.where}: enheten mangler.")
        net = cv.to_number(c.get("nettoresultat"), f"nettoresultat ({row.where})")
        before = (0.0 if cv.is_blank(c.get("fond_for"))
                  else cv.to_number(c.get("fond_for"), f"fond_før ({row.where})"))
        special = False if cv.is_blank(c.get("spesielt_prosjekt")) else bool(
            cv.to_bool(c.get("spesielt_prosjekt"), "spesielt_prosjekt"))
        parsed.append(UnitResult(unit, net, before, special))
        fund_of[unit] = "" if cv.is_blank(c.get("fond")) else str(c.get("fond")).strip()
    result = close_year(parsed, general_fund_before,
                        municipal_deficit=0 if municipal_deficit is None else municipal_deficit,
                        accounting_year=accounting_year, ruleset=ruleset)
    pooled = pooled_allocations(fund_of)
    out: list[list[Any]] = []
    for unit, d in result.units.items():
        out.append([unit, float(d.to_unit_fund), float(d.to_general_fund), float(d.reduction),
                    float(d.use_of_unit_fund), float(d.fund_after), pooled.get(unit, "OK")])
    out.append(["Det generelle disposisjonsfondet", None, None, None, None, float(result.general_fund_after),
                "OK"])
    below = float(result.below_minimum)
    out.append(["Sum alle disposisjonsfond", None, None, float(result.memorandum_total), None,
                float(result.funds_total_after), result.notes[0] if below > 0 else "OK"])
    return out


def kostra_fondsbruk(fund_now: float, use: float, expected_result: float, budget_adjusted: bool,
                     answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.yearend.funds import in_year_fund_use

    key = answer_key(answer, ("tillatt", "begrunnelse", "fond"))
    d = in_year_fund_use(fund_now, use, expected_result, budget_adjusted=bool(budget_adjusted),
                         ruleset=ruleset)
    if key == "begrunnelse":
        return d.reason
    if key == "fond":
        return float(d.expected_fund) if d.expected_fund is not None else None
    return d.allowed


def kostra_fondsomfordeling(from_area: str, to_area: str, special_reasons: bool, leaders_involved: bool,
                            answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.yearend.funds import fund_redistribution

    key = answer_key(answer, ("organ", "tillatt", "begrunnelse"))
    d = fund_redistribution(from_area, to_area, special_reasons=bool(special_reasons),
                            leaders_involved=bool(leaders_involved), ruleset=ruleset)
    if key == "tillatt":
        return d.allowed
    if key == "begrunnelse":
        return d.reason
    return d.body if d.allowed else "Ikke tillatt"


def kostra_strykning(part: str, deficit: float, amount_1: float, amount_2: float, amount_3: float | None,
                     ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend.cuts import investment_cuts, operating_cuts

    kind = part.strip().lower()
    if kind in ("drift", "d"):
        return operating_cuts(deficit, amount_1, amount_2, 0 if amount_3 is None else amount_3,
                              ruleset=ruleset).rows()
    if kind in ("investering", "i"):
        if amount_3 is not None:
            raise InvalidArgumentError(
                "Argumentet «beløp3» brukes bare for drift; i investering føres resten opp på neste års "
                "investeringsbudsjett. Bruk gjerne KOSTRA_STRYKNING_INVESTERING."
            )
        return investment_cuts(deficit, amount_1, amount_2, ruleset=ruleset).rows()
    raise InvalidArgumentError(f"Argumentet «regnskap» skal være «drift» eller «investering», ikke «{part}».")


def kostra_strykning_drift(deficit: float, transfers: float | None, allocations: float | None,
                           coverage: float | None, ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend.cuts import operating_cuts

    return operating_cuts(deficit, transfers or 0, allocations or 0, coverage or 0, ruleset=ruleset).rows()


def kostra_strykning_investering(overspend: float, allocations: float | None, capital_funds: float | None,
                                 ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend.cuts import investment_cuts

    return investment_cuts(overspend, allocations or 0, capital_funds or 0, ruleset=ruleset).rows()


_RESULT_RULESET = Arg("regelsett", "text", "Navnet på regelsettet eller stien til en egen TOML-fil. Tom = "
                      "kristiansand_resultat (Kristiansands regler for årsavslutning).", optional=True)

#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_DISPONERING",
        impl=kostra_disponering,
        help="Fordeler en enhets nettoresultat etter Kristiansands regler for årsavslutning (85 % til "
        "enhetens fond, 15 % til det generelle). Gir alltid 9 rader: tekst og beløp. " + SIGN,
        details="Fordeler en resultatenhets nettoresultat ved årsavslutning (Kristiansands regler for "
        "årsavslutning): overskudd 85 % til enhetens og 15 % til det generelle disposisjonsfondet "
        "(spesielle prosjekter 100 %), merforbruk dekkes av enhetens fond og et negativt fond "
        "tilbakeføres innen 2 år. Gir alltid 9 rader med tekst og beløp; nedbetalingen står som antall "
        "år, beløp per år og siste års beløp. " + SIGN,
        args=(
            Arg("nettoresultat", "number",
                "Enhetens nettoresultat i kroner: positivt = overskudd (mindreforbruk), negativt = "
                "merforbruk, som avviket i KOSTRA_AVVIK."),
            Arg("fond_før", "number",
                "Valgfritt: enhetens disposisjonsfond før årsavslutningen (negativt hvis fondet alt viser "
                "underskudd). Tom = 0.", optional=True),
            Arg("spesielt_prosjekt", "bool",
                "Valgfritt: SANN for ubrukte midler på spesielle prosjekter (100 % til fond). Tom = USANN.",
                optional=True, default=False),
            Arg("kommunens_merforbruk", "number",
                "Valgfritt: kommunens gjenstående samlede merforbruk etter at det generelle "
                "disposisjonsfondet er brukt opp, som positivt beløp. Avsetningen avkortes da "
                "forholdsmessig (memoriakonto). Tom = 0.", optional=True),
            Arg("sum_avsetninger", "number",
                "Valgfritt, påkrevd med kommunens_merforbruk: summen av alle enheters avsetninger av "
                "overskudd i året (før avkorting).", optional=True),
            Arg("nedbetalingsår", "int",
                "Valgfritt: antall år et negativt fond tilbakeføres over. Tom = 2 (hovedregelen).",
                optional=True),
            Arg("forlenget_innvilget", "bool",
                "Valgfritt: SANN når kommunedirektøren har åpnet for en lengre nedbetalingsplan enn 2 år. "
                "Tom = USANN.", optional=True, default=False),
            Arg("regnskapsår", "int",
                "Valgfritt: året resultatet gjelder; da merkes avdragene med årstall (regnskapsår + 1, "
                "+ 2 …).", optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_DISPONERING(100000; 20000) → 85 000 til enhetens fond, 15 000 til det generelle",
    ),
    ExcelFunction(
        name="KOSTRA_ARSAVSLUTNING",
        impl=kostra_arsavslutning,
        help="Årsavslutning for alle enheter (Kristiansands regler for årsavslutning): fordelingen per "
        "enhet, det generelle fondet og summen av alle fond (ikke under null). " + SIGN,
        details="Årsavslutning for alle enheter samtidig (Kristiansands regler for årsavslutning). Én rad "
        "per enhet: enhet, til enhetens fond, til generelt fond, avkortet, bruk av fond, fond etter og "
        "merknad (avsetning til et felles fond på høyere nivå er ikke tillatt). Så det generelle fondet "
        "og summen av alle disposisjonsfond, som ses under ett og ikke kan bli under null. " + SIGN,
        args=(
            Arg("enheter", "table",
                "Område med overskriftsrad: enhet, nettoresultat (+ overskudd, − merforbruk), fond_før, og "
                "gjerne spesielt_prosjekt (SANN/USANN) og fond (fondet avsetningen går til; tom = eget)."),
            Arg("generelt_fond_før", "number",
                "Det generelle disposisjonsfondet før årsavslutningen, i kroner."),
            Arg("kommunens_merforbruk", "number",
                "Valgfritt: kommunens gjenstående merforbruk etter at det generelle fondet er brukt opp, "
                "som positivt beløp; avsetningene avkortes forholdsmessig. Tom = 0.", optional=True),
            Arg("regnskapsår", "int", "Valgfritt: året resultatet gjelder. Tom = uten årstall.",
                optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_ARSAVSLUTNING(Enheter!A1:E4; 500000) → én rad per enhet, generelt fond og sum",
    ),
    ExcelFunction(
        name="KOSTRA_FONDSBRUK",
        impl=kostra_fondsbruk,
        help="Kan enheten bruke fondet i løpet av året? Bare når fondet ventes positivt eller i balanse "
        "ved årets slutt, og med budsjettjustering (Kristiansands regler for årsavslutning). " + SIGN,
        args=(
            Arg("fond_nå", "number",
                "Enhetens disposisjonsfond nå, i kroner (negativt hvis fondet viser underskudd)."),
            Arg("bruk", "number", "Beløpet enheten vil bruke av fondet, i kroner (større enn 0)."),
            Arg("forventet_resultat", "number",
                "Enhetens forventede resultat for året med bruken budsjettert: + mindreforbruk, − merforbruk "
                "(avviket fra KOSTRA_AVVIK). Et forventet overskudd regnes ikke med."),
            Arg("budsjettjustert", "bool", "SANN når bruken er lagt inn som budsjettjustering."),
            Arg("svar", "text",
                "Valgfritt: tillatt (standard, SANN/USANN), begrunnelse eller fond (forventet fond ved "
                "årets slutt).", optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        example="=KOSTRA_FONDSBRUK(100000; 60000; -30000; SANN) → SANN",
    ),
    ExcelFunction(
        name="KOSTRA_FONDSOMFORDELING",
        impl=kostra_fondsomfordeling,
        help="Kan direktøren flytte midler mellom to enheters fond? Bare mellom egne enheter, av helt "
        "spesielle grunner, med enhetslederne med (Kristiansands regler for årsavslutning). " + SIGN,
        args=(
            Arg("fra_område", "text", "Området (direktørens) enheten midlene tas fra hører til."),
            Arg("til_område", "text", "Området enheten midlene flyttes til hører til."),
            Arg("spesielle_grunner", "bool", "SANN når helt spesielle grunner tilsier omfordelingen."),
            Arg("enhetsledere_involvert", "bool", "SANN når berørte enhetsledere er involvert."),
            Arg("svar", "text", "Valgfritt: organ (standard), tillatt (SANN/USANN) eller begrunnelse.",
                optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        example='=KOSTRA_FONDSOMFORDELING("Helse"; "Helse"; SANN; SANN) → "Direktøren"',
    ),
    ExcelFunction(
        name="KOSTRA_STRYKNING",
        impl=kostra_strykning,
        help="Strykninger ved underskudd (økonomireglementet §5.4.2) i fastsatt rekkefølge, én rad per "
        "steg og en siste rad. Enklere: KOSTRA_STRYKNING_DRIFT og _INVESTERING. " + SIGN,
        args=(
            Arg("regnskap", "text", "«drift» eller «investering»."),
            Arg("merforbruk", "number",
                "Drift: det regnskapsmessige underskuddet; investering: netto merutgift (positivt). En "
                "netto merinntekt skrives negativt og føres til inntekt neste år."),
            Arg("beløp1", "number",
                "Drift: budsjetterte overføringer fra drift til årets investeringer. Investering: "
                "budsjetterte avsetninger finansiert av inntekter i investeringsregnskapet."),
            Arg("beløp2", "number",
                "Drift: budsjetterte avsetninger til fond finansiert av løpende inntekter. Investering: "
                "budsjettert, ikke disponert bruk av ubundne kapitalfond."),
            Arg("beløp3", "number",
                "Valgfritt, bare drift: budsjettert inndekning av tidligere års underskudd (vernes "
                "lengst). Tom = 0.", optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Årsavslutning",
        returns="array",
        example='=KOSTRA_STRYKNING("drift"; 500000; 300000; 100000; 400000)',
    ),
    ExcelFunction(
        name="KOSTRA_STRYKNING_DRIFT",
        impl=kostra_strykning_drift,
        help="Strykninger ved underskudd i driften (økonomireglementet §5.4.2): overføring til "
        "investering, så avsetninger til fond, så inndekning av tidligere underskudd. " + SIGN,
        args=(
            Arg("underskudd", "number",
                "Det regnskapsmessige underskuddet i kroner (positivt). Negativt = mindreforbruk: ingenting "
                "strykes."),
            Arg("overføring_investering", "number",
                "Budsjetterte overføringer fra drift til finansiering av årets investeringer, i kroner."),
            Arg("avsetning_fond", "number",
                "Budsjetterte avsetninger til fond finansiert av løpende inntekter, i kroner."),
            Arg("inndekning_underskudd", "number",
                "Valgfritt: budsjettert inndekning av tidligere års regnskapsmessige underskudd. Tom = 0.",
                optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_STRYKNING_DRIFT(500000; 300000; 100000; 400000)",
    ),
    ExcelFunction(
        name="KOSTRA_STRYKNING_INVESTERING",
        impl=kostra_strykning_investering,
        help="Investeringsregnskapet (økonomireglementet §5.4.2): netto merutgift stryker avsetninger og "
        "kapitalfond, resten til neste år; netto merinntekt (negativ) føres til inntekt. " + SIGN,
        args=(
            Arg("merutgift", "number",
                "Netto merutgift i kroner (positiv), eller netto merinntekt som negativt beløp."),
            Arg("avsetninger", "number",
                "Budsjetterte avsetninger finansiert av inntekter i investeringsregnskapet, i kroner."),
            Arg("ubundne_kapitalfond", "number",
                "Budsjettert, ikke disponert bruk av ubundne kapitalfond, i kroner."),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_STRYKNING_INVESTERING(-250000; 0; 0)",
    ),
)
