"""The table's investment and VAT rules: investment or operations (økonomireglementet §7.2), when
a progress plan is needed (§7.6), and the VAT code of an invoice line (§2.1.2).

Thin: :mod:`kostra_functions.investment` and :mod:`kostra_functions.vat` decide.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.excel.functions.arguments import AUTH_RULESET_HELP, SIGN, answer_key
from kostra_functions.excel.spec import Arg, ExcelFunction


def kostra_investering(cost: float, life_years: float, repair: bool, answer: str | None,
                       ruleset: str | None) -> Any:
    from kostra_functions import investment

    if (answer or "").strip().lower() == "fremdriftsplan":
        raise InvalidArgumentError("Om en totalbevilgning krever fremdriftsplan, gir KOSTRA_FREMDRIFTSPLAN"
                                   "(totalbevilgning).")
    key = answer_key(answer, ("klasse", "begrunnelse"))
    result = investment.classify_acquisition(cost, life_years, repair=bool(repair), ruleset=ruleset)
    return result.reason if key == "begrunnelse" else result.account_class


def kostra_fremdriftsplan(total: float, answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions import investment

    key = answer_key(answer, ("kreves", "begrunnelse"))
    if key == "begrunnelse":
        return investment.progress_plan_reason(total, ruleset=ruleset)
    return investment.needs_progress_plan(total, ruleset=ruleset)


def kostra_mvakode(account: str, function: str, rate: float, compensated: bool, own_vehicle: bool | None,
                   answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.vat import expected_vat_code

    key = answer_key(answer, ("kode", "begrunnelse"))
    result = expected_vat_code(account, function, rate, compensated=bool(compensated),
                               own_vehicle=own_vehicle, ruleset=ruleset)
    return result.reason if key == "begrunnelse" else result.code


#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_INVESTERING",
        impl=kostra_investering,
        help="Avgjør om en anskaffelse er investering (kostpris over 100 000 kr og levetid minst 3 år, "
        "økonomireglementet §7.2) eller drift. Fremdriftsplan: KOSTRA_FREMDRIFTSPLAN. " + SIGN,
        args=(
            Arg("kostpris", "number", "Anskaffelseskost i kroner (positiv, som en utgift)."),
            Arg("levetid", "number", "Forventet levetid i år, f.eks. 5."),
            Arg("reparasjon", "bool",
                "Valgfritt: SANN for reparasjon/erstatning opp til dagens standard etter skade innenfor "
                "normal levetid (regnes som vedlikehold, drift). Tom = USANN.", optional=True,
                default=False),
            Arg("svar", "text",
                "Valgfritt: klasse (standard: «investering» eller «drift») eller begrunnelse.",
                optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Investering og mva",
        example='=KOSTRA_INVESTERING(100000; 5) → "drift"',
    ),
    ExcelFunction(
        name="KOSTRA_FREMDRIFTSPLAN",
        impl=kostra_fremdriftsplan,
        help="SANN når en enkeltinvestering med totalbevilgning over 5 mill. kr skal ha fremdriftsplan "
        "med periodiserte utbetalinger i bevilgningsvedtaket (økonomireglementet §7.6 nr. 5). " + SIGN,
        args=(
            Arg("totalbevilgning", "number",
                "Prosjektets totale bevilgning i kroner (positiv, som en utgift)."),
            Arg("svar", "text", "Valgfritt: kreves (standard, SANN/USANN) eller begrunnelse.", optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Investering og mva",
        example="=KOSTRA_FREMDRIFTSPLAN(6000000) → SANN",
    ),
    ExcelFunction(
        name="KOSTRA_MVAKODE",
        impl=kostra_mvakode,
        help="Momskoden en fakturalinje skal ha (økonomireglementet §2.1.2): 51/52/53 i drift og "
        "61/62/63 i investering for 25/15/8 %, 0 uten mva, 70 uten kompensasjon. " + SIGN,
        args=(
            Arg("konto", "code",
                "Kontoen (arten) med 5 sifre, f.eks. 11153; første siffer 1 = drift, 0 = investering.",
                width=5),
            Arg("funksjon", "code", "KOSTRA-funksjonen, tre sifre, f.eks. 265."),
            Arg("sats", "number", "Mva-satsen: 0, 8, 15 eller 25 (25 % eller 0,25 godtas også)."),
            Arg("kompensasjon", "bool",
                "Valgfritt: USANN når kommunen ikke får momskompensasjon for kjøpet (gir kode 70). "
                "Tom = SANN.", optional=True, default=True),
            Arg("egen_bil", "bool",
                "Valgfritt, for drivstoff (11700) og vedlikehold biler (11701) utenfor VAR: USANN hvis "
                "kjøretøyet ikke er kommunens eget (gir kode 0). Tom = SANN (kommunens egen bil).",
                optional=True),
            Arg("svar", "text", "Valgfritt: kode (standard) eller begrunnelse.", optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Investering og mva",
        example="=KOSTRA_MVAKODE(11153; 120; 25) → 0",
    ),
)
