"""Template (a): monthly deviation prognosis per KOSTRA function, grouped by function area.

Fellesskriv 5/2022 pkt. 2: «det skal legges inn avviksprognoser per KOSTRA-funksjon»; the prognosis
is «basert på forbruk hittil i år og forventet forbruksutvikling resten av året», takes decided
measures into account, includes the expected carried-forward result from February and the central
allocations (chapters 303–308); earmarked funds (projects 2xxxx/3xxxx) «skal fremkomme særskilt»;
significant negative deviations are reported to HEI at once.

Report sheet «Avviksprognose»: one row per KOSTRA function of the rule set's function areas (only
those valid in the year), a subtotal per function area, the ordinary total, then one row per
earmarked project with its own adjustments, the grand total, a summary of the functions to report
as significant negative deviations, the adjustments' check total and reconciliations that must be 0.

Per function (``template_parts.function_row``, shared with the status report): method (from
«Funksjonsvalg»), accounts to date, budget to date, deviation to date, adjusted budget, measures,
carried-forward result, central allocations (from «Justeringer», rows with status OK), projected
annual accounts (KOSTRA_PROGNOSE), deviation prognosis (KOSTRA_AVVIK; + = mindreforbruk), change
since last month's prognosis, the «Varsle» flag, share used and the controller's explanation.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.engine.template_parts import (
    AAR,
    BYDEL,
    FJORAARET,
    FUNKSJONSVALG,
    GRUNNLAG,
    JUSTERINGER,
    METODE,
    PERIODE,
    PROSJEKTER,
    PROSJEKTGRUNNLAG,
    REGELSETT,
    REGION,
    VESENTLIG,
    VESENTLIG_ANDEL,
    addin_cell,
    prefill_function_choices,
    prognosis_sheet,
    standard_fill,
)
from kostra_functions.engine.templates import Book, Fill, Template


def build(book: Book) -> None:
    addin_cell(book)
    prefill_function_choices(book)
    prognosis_sheet(book, "Avviksprognose", "Avviksprognose per KOSTRA-funksjon")


def fill(district: Any, period: int) -> Fill:
    return standard_fill(district, period, tuple(t.key for t in TEMPLATE.tables))


TEMPLATE = Template(
    name="avviksprognose",
    title="Månedlig avviksprognose per KOSTRA-funksjon",
    description="Avviksprognose per KOSTRA-funksjon gruppert på funksjonsområde, med delsummer, "
    "øremerkede prosjekter særskilt og avstemming mot grunnlaget (Fellesskriv 5/2022 pkt. 2). "
    "Grunnlaget fylles av «kostra regenerer»; metode, manuell prognose og forklaring per funksjon "
    "velges på «Funksjonsvalg»; tiltak, fremført resultat og sentrale avsetninger skrives inn på "
    "«Justeringer», én rad per justering.",
    settings=(BYDEL, AAR, PERIODE, METODE, REGELSETT, REGION, VESENTLIG, VESENTLIG_ANDEL),
    tables=(GRUNNLAG, JUSTERINGER, FUNKSJONSVALG, PROSJEKTER, PROSJEKTGRUNNLAG, FJORAARET),
    build=build,
    fill=fill,
)
