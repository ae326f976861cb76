"""The table's recommended prognosis method per KOSTRA function (``KOSTRA_METODE``), from the
back-test. Thin: :mod:`kostra_functions.method_choice` decides.
"""

from __future__ import annotations

from kostra_functions.excel.spec import Arg, ExcelFunction


def kostra_metode(function: str, ruleset: str | None) -> str:
    """The recommended method for a KOSTRA function by the rule set (``KOSTRA_METODE``)."""
    from kostra_functions import method_choice

    return method_choice.method_for(function, ruleset)


#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_METODE",
        impl=kostra_metode,
        help="Anbefalt prognosemetode for en KOSTRA-funksjon fra regelsettet (fra tilbaketesten av "
        "bydelens tidligere år: metoden med lavest feil), ellers regelsettets standardmetode.",
        details="Anbefalt prognosemetode for en KOSTRA-funksjon: metoden som tilbaketesten (kostra "
        "prognose --tilbaketest) fant hadde lavest gjennomsnittlig feil i bydelens tidligere år, slik "
        "den står i regelsettet under [prognose.metode_per_funksjon] med feiltallene som begrunnelse. "
        "Har regelsettet ingen anbefaling for funksjonen, gis regelsettets standardmetode. Bruk svaret "
        "som metode i KOSTRA_AVVIK; controlleren kan alltid velge en annen.",
        args=(
            Arg("funksjon", "code", "KOSTRA-funksjonen (tre sifre), f.eks. 253."),
            Arg("regelsett", "text",
                "Regelsettet med anbefalingene, f.eks. «bydel_eksempel» (skrevet av tilbaketesten), "
                "eller stien til en egen TOML-fil. Tom = oslo_bydel (ingen anbefalinger: "
                "standardmetoden).",
                optional=True),
        ),
        category="Avviksprognose",
        example='=KOSTRA_METODE("253"; "bydel_eksempel") → "periodisert"',
    ),
)
