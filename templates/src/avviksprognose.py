"""Template (a): monthly deviation prognosis per KOSTRA function, grouped by function area.

Seed 000 §2: «det skal legges inn avviksprognoser per KOSTRA-funksjon»; the prognosis is «basert på
forbruk hittil i år og forventet forbruksutvikling resten av året», takes decided measures into
account, includes the expected carried-forward result from February and the central allocations
(chapters 303–308), and earmarked funds (projects 2xxxx/3xxxx) «skal fremkomme særskilt».

Report sheet «Avviksprognose»: one row per KOSTRA function of the rule set's function areas, a
subtotal per function area (SUBTOTAL, so the grand total skips the subtotals), the ordinary total,
earmarked projects on their own, and a reconciliation against the input data that must be 0.

Columns: accounts to date, budget to date, deviation to date (= budget − accounts), adjusted budget,
measures, carried-forward result, central allocations, projected annual accounts (KOSTRA_PROGNOSE),
deviation prognosis (KOSTRA_AVVIK; + = mindreforbruk), share used. Kroner, expenses +, revenues −.

Inputs: «Grunnlag» (aggregated per function/result unit/period, written by ``kostra regenerer``)
and «Justeringer» (typed by the controller: measures, carried-forward result, allocations per
function).
"""

from __future__ import annotations

from typing import Any

from kostra_functions import areas
from kostra_functions.engine.template_parts import (
    AAR,
    BYDEL,
    GRUNNLAG,
    METODE,
    PERIODE,
    REGELSETT,
    grunnlag_sums,
)
from kostra_functions.engine.templates import (
    AREA_FILL,
    MONEY,
    PERCENT,
    TOTAL_FILL,
    Book,
    Column,
    Fill,
    Table,
    Template,
)

JUSTERINGER = Table(
    key="justeringer",
    sheet="Justeringer",
    columns=(
        Column("Funksjon", "J_Funksjon", "tekst", 10, typed=True),
        Column("Tiltak (innsparing resten av året)", "J_Tiltak", "tall", 20, typed=True),
        Column("Fremført resultat fra i fjor", "J_Fremfort", "tall", 20, typed=True),
        Column("Sentrale avsetninger (kap. 303–308)", "J_Avsetninger", "tall", 22, typed=True),
        Column("Merknad", "J_Merknad", "tekst", 40, typed=True),
    ),
    note="Skrives inn av controller: besluttede tiltak (positivt beløp = innsparing), forventet "
    "fremført mer-/mindreforbruk (+ = mindreforbruk) og forventet tildeling fra sentrale avsetninger.",
)

HEADERS = ["Funksjons-område", "Funksjon", "Navn", "Regnskap hittil", "Budsjett hittil", "Avvik hittil",
           "Justert budsjett", "Tiltak", "Fremført", "Sentrale avsetninger", "Prognose årsregnskap",
           "Avviksprognose", "Forbruk hittil"]
FIRST_ROW = 6
SUM_COLS = "DEFGHIJKL"


def _function_row(ws: Any, r: int, area: str, function: str) -> None:
    ws.cell(r, 1, area)
    ws.cell(r, 2, function).number_format = "@"
    ws.cell(r, 3, f'=IFERROR(KOSTRA_NAVN(B{r},Aar),"(ikke i kodelisten for "&Aar&")")')
    actual, budget_to_date, budget = grunnlag_sums(f"G_Funksjon,$B{r}")
    ws.cell(r, 4, actual)
    ws.cell(r, 5, budget_to_date)
    ws.cell(r, 6, f"=E{r}-D{r}")
    ws.cell(r, 7, budget)
    ws.cell(r, 8, f"=SUMIFS(J_Tiltak,J_Funksjon,$B{r})")
    ws.cell(r, 9, f"=SUMIFS(J_Fremfort,J_Funksjon,$B{r})")
    ws.cell(r, 10, f"=SUMIFS(J_Avsetninger,J_Funksjon,$B{r})")
    args = f"G{r},D{r},Periode,Metode,E{r},H{r},I{r},J{r},Regelsett"
    ws.cell(r, 11, f"=KOSTRA_PROGNOSE({args})")
    ws.cell(r, 12, f"=KOSTRA_AVVIK({args})")
    ws.cell(r, 13, f'=IF(G{r}=0,"",D{r}/G{r})')


def build(book: Book) -> None:
    ws = book.report("Avviksprognose", widths=[11, 9, 42, 15, 15, 15, 15, 13, 13, 13, 16, 16, 10])
    book.title(ws, "Avviksprognose per KOSTRA-funksjon")
    ws["A2"] = '=Bydel&" – "&Aar&", periode "&Periode&" – metode "&Metode'
    ws["A3"] = ("Beløp i kroner, utgift +, inntekt −. Avvik = budsjett − regnskap: + er mindreforbruk, "
                "− er merforbruk.")
    book.header(ws, FIRST_ROW - 1, HEADERS)
    r = FIRST_ROW
    subtotal_rows = []
    for area in areas.function_areas(REGELSETT.default):
        ws.cell(r, 1, area.code)
        ws.cell(r, 3, area.name)
        book.style_row(ws, r, 1, 13, fill=AREA_FILL, bold=True)
        r += 1
        first = r
        for function in area.functions:
            _function_row(ws, r, area.code, function)
            r += 1
        last = r - 1
        ws.cell(r, 3, f"Sum {area.code} {area.name}")
        for col in SUM_COLS:
            ws[f"{col}{r}"] = f"=SUBTOTAL(9,{col}{first}:{col}{last})"
        ws[f"M{r}"] = f'=IF(G{r}=0,"",D{r}/G{r})'
        book.style_row(ws, r, 1, 13, bold=True, top_line=True)
        subtotal_rows.append(r)
        r += 2
    total = r
    ws.cell(total, 3, "Sum ordinær drift")
    for col in SUM_COLS:
        ws[f"{col}{total}"] = f"=SUBTOTAL(9,{col}{FIRST_ROW}:{col}{total - 1})"
    ws[f"M{total}"] = f'=IF(G{total}=0,"",D{total}/G{total})'
    book.style_row(ws, total, 1, 13, fill=TOTAL_FILL, bold=True, top_line=True)
    earmarked = total + 2
    ws.cell(earmarked, 3, "Øremerkede prosjekter (prosjekt 2xxxx/3xxxx), særskilt")
    ws.cell(earmarked, 4, '=SUMIFS(G_Belop,G_Type,"Regnskap øremerket",G_Periode,"<="&Periode)')
    ws.cell(earmarked, 5, '=SUMIFS(G_Belop,G_Type,"Budsjett øremerket",G_Periode,"<="&MIN(Periode,12))')
    ws.cell(earmarked, 6, f"=E{earmarked}-D{earmarked}")
    ws.cell(earmarked, 7, '=SUMIFS(G_Belop,G_Type,"Budsjett øremerket")')
    args = f"G{earmarked},D{earmarked},Periode,Metode,E{earmarked},0,0,0,Regelsett"
    ws.cell(earmarked, 11, f"=KOSTRA_PROGNOSE({args})")
    ws.cell(earmarked, 12, f"=KOSTRA_AVVIK({args})")
    ws.cell(earmarked, 13, f'=IF(G{earmarked}=0,"",D{earmarked}/G{earmarked})')
    book.style_row(ws, earmarked, 1, 13, bold=True)
    check = earmarked + 2
    ws.cell(check, 3, "Avstemming: regnskap hittil i grunnlaget minus rapporten (skal være 0)")
    ws.cell(check, 4, f'=ROUND(SUMIFS(G_Belop,G_Type,"Regnskap",G_Periode,"<="&Periode)-D{total},2)')
    ws.cell(check + 1, 3, "Avstemming: justert budsjett i grunnlaget minus rapporten (skal være 0)")
    ws.cell(check + 1, 7, f'=ROUND(SUMIFS(G_Belop,G_Type,"Budsjett")-G{total},2)')
    for row in range(FIRST_ROW, check + 2):
        for col in "DEFGHIJKL":
            ws[f"{col}{row}"].number_format = MONEY
        ws[f"M{row}"].number_format = PERCENT
    ws.freeze_panes = ws.cell(FIRST_ROW, 4)
    ws.print_title_rows = f"{FIRST_ROW - 1}:{FIRST_ROW - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1


def fill(district: Any, period: int) -> Fill:
    return Fill(
        settings={"Bydel": district.name, "Aar": district.year, "Periode": period},
        tables={"grunnlag": district.grunnlag()},
    )


TEMPLATE = Template(
    name="avviksprognose",
    title="Månedlig avviksprognose per KOSTRA-funksjon",
    description="Avviksprognose per KOSTRA-funksjon gruppert på funksjonsområde, med delsummer, "
    "øremerkede prosjekter særskilt og avstemming mot grunnlaget (seed 000 §2). Grunnlaget fylles av "
    "«kostra regenerer»; tiltak, fremført resultat og sentrale avsetninger skrives inn på «Justeringer».",
    settings=(BYDEL, AAR, PERIODE, METODE, REGELSETT),
    tables=(GRUNNLAG, JUSTERINGER),
    build=build,
    fill=fill,
)
