"""Template (c): year-end result distribution per result unit (seed 004, KOSTRA_DISPONERING).

Each unit's net result is its adjusted budget minus its accounts for the year (periods up to the
chosen one, 13 = after year-end closing): positive = overskudd/mindreforbruk, negative = merforbruk.
KOSTRA_DISPONERING distributes it by the rule set (default ``kristiansand_resultat``, seed 004):
85 % of a surplus to the unit's reserve fund and 15 % to the general fund (special projects 100 %),
a deficit covered by the unit's fund and a negative fund repaid within 2 years.

«Resultatdisponering» shows one row per unit with the main lines picked out of the function's table
with INDEX; «Detaljer» shows each unit's whole table as a dynamic array (it spills down), with room
for 12 lines per unit. Inputs: «Grunnlag» (aggregated) and «Enheter» (unit, name, fund before, special
project), where the controller types each unit's fund balance before the year-end.
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Font

from kostra_functions.engine.template_parts import AAR, BYDEL, GRUNNLAG, PERIODE
from kostra_functions.engine.templates import (
    MONEY,
    TOTAL_FILL,
    Book,
    Column,
    Fill,
    Setting,
    Table,
    Template,
)

UNIT_ROWS = 20
DETAIL_BLOCK = 12

ENHETER_FOND = Table(
    key="enheter",
    sheet="Enheter",
    columns=(
        Column("Resultatenhet", "E_Kode", "tekst", 13),
        Column("Navn", "E_Navn", "tekst", 40),
        Column("Disposisjonsfond før årsavslutning", "E_Fond", "tall", 22, typed=True),
        Column("Spesielt prosjekt (SANN/USANN)", "E_Spesielt", "sann", 18, typed=True),
    ),
    note="Resultatenhetene fylles av «kostra regenerer»; fondet før årsavslutningen (negativt hvis fondet "
    "alt viser underskudd) og om enheten er et spesielt prosjekt skrives inn av controller.",
)

RESULTAT_REGELSETT = Setting(
    "Regelsett_resultat", "Regelsett for årsresultat", "kristiansand_resultat",
    help="Regelsettet for disponering av årsresultat (seed 004: 85/15, tilbakeføring innen 2 år).")
PERIODE_AAR = Setting(PERIODE.name, PERIODE.label, 13, kind="heltall", minimum=1, maximum=13,
                      help="Siste periode som er med: 13 = etter årsavslutningen.")

#: Lines of KOSTRA_DISPONERING's table picked out on the summary sheet (row number in the table).
PICKED = [
    (1, "Til enhetens fond"),
    (2, "Til generelt fond"),
    (3, "Avkortet (memoriakonto)"),
    (4, "Bruk av enhetens fond"),
    (5, "Udekket merforbruk"),
    (6, "Fond etter årsavslutning"),
]


def _call(r: int) -> str:
    """KOSTRA_DISPONERING for the unit on summary row r (net result in E, fund in F, special in G)."""
    return f"KOSTRA_DISPONERING($E{r},$F{r},$G{r},,,,,Aar,Regelsett_resultat)"


def build(book: Book) -> None:
    ws = book.report("Resultatdisponering", widths=[13, 34, 15, 15, 15, 15, 10] + [15] * len(PICKED))
    book.title(ws, "Disponering av årsresultat per resultatenhet")
    ws["A2"] = '=Bydel&" – "&Aar&", t.o.m. periode "&Periode'
    ws["A3"] = ("Nettoresultat = justert budsjett − regnskap: + er overskudd (mindreforbruk), "
                "− er merforbruk. Disponering etter regelsettet (seed 004).")
    book.header(ws, 5, ["Resultatenhet", "Navn", "Justert budsjett", "Regnskap", "Nettoresultat",
                        "Fond før", "Spesielt prosjekt", *[label for _, label in PICKED]])
    for i in range(1, UNIT_ROWS + 1):
        r = 5 + i
        ws.cell(r, 1, f'=IFERROR(INDEX(E_Kode,{i})&"","")')
        ws.cell(r, 2, f'=IF(A{r}="","",IFERROR(INDEX(E_Navn,{i})&"",""))')
        ws.cell(r, 3, f'=IF(A{r}="","",SUMIFS(G_Belop,G_RES,$A{r},G_Type,"Budsjett"))')
        ws.cell(r, 4, f'=IF(A{r}="","",SUMIFS(G_Belop,G_RES,$A{r},G_Type,"Regnskap",G_Periode,"<="&Periode))')
        ws.cell(r, 5, f'=IF(A{r}="","",ROUND(C{r}-D{r},2))')
        ws.cell(r, 6, f'=IF(A{r}="","",N(INDEX(E_Fond,{i})))')
        ws.cell(r, 7, f'=IF(A{r}="","",INDEX(E_Spesielt,{i})=TRUE)')
        for j, (line, _) in enumerate(PICKED):
            ws.cell(r, 8 + j, f'=IF(A{r}="","",INDEX({_call(r)},{line},2))')
        for col in range(3, 7):
            ws.cell(r, col).number_format = MONEY
        for col in range(8, 8 + len(PICKED)):
            ws.cell(r, col).number_format = MONEY
    total = 6 + UNIT_ROWS
    ws.cell(total, 2, "Sum")
    for col in [3, 4, 5, 6, *range(8, 8 + len(PICKED))]:
        letter = ws.cell(total, col).column_letter
        ws.cell(total, col, f"=SUM({letter}6:{letter}{total - 1})").number_format = MONEY
    book.style_row(ws, total, 1, 7 + len(PICKED), fill=TOTAL_FILL, bold=True, top_line=True)
    ws.cell(total + 2, 2, "Kontroll: overskudd = til enhetens fond + til generelt fond + avkortet "
                          "(skal være 0)")
    net = f"E6:E{total - 1}"
    parts = "".join(f'-SUMIF({net},">0",{c}6:{c}{total - 1})' for c in "HIJ")
    ws.cell(total + 2, 5, f'=ROUND(SUMIF({net},">0"){parts},2)')
    ws.freeze_panes = "C6"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1

    wd = book.report("Detaljer", widths=[13, 50, 18])
    book.title(wd, "Disponering per resultatenhet – hele beregningen")
    wd["A2"] = "Hver enhets tabell fra KOSTRA_DISPONERING (dynamisk matrise; den fyller cellene under)."
    for i in range(1, UNIT_ROWS + 1):
        top = 4 + (i - 1) * DETAIL_BLOCK
        summary = 5 + i
        wd.cell(top, 1, f"=Resultatdisponering!A{summary}")
        wd.cell(top, 2, f'=IF(A{top}="","",Resultatdisponering!B{summary})')
        wd.cell(top, 3, f'=IF(A{top}="","",Resultatdisponering!E{summary})').number_format = MONEY
        for col in (1, 2, 3):
            wd.cell(top, col).font = Font(bold=True)
        wd.cell(top + 1, 2, f'=IF(A{top}="","",{_call_detail(summary)})')
        for k in range(top + 1, top + DETAIL_BLOCK):
            wd.cell(k, 3).number_format = MONEY


def _call_detail(summary_row: int) -> str:
    r = summary_row
    return (f"KOSTRA_DISPONERING(Resultatdisponering!$E{r},Resultatdisponering!$F{r},"
            f"Resultatdisponering!$G{r},,,,,Aar,Regelsett_resultat)")


def fill(district: Any, period: int) -> Fill:
    return Fill(
        settings={"Bydel": district.name, "Aar": district.year, "Periode": period},
        tables={
            "grunnlag": district.grunnlag(),
            "enheter": [{"E_Kode": code, "E_Navn": name, "E_Fond": 0.0, "E_Spesielt": False}
                        for code, name in district.units()],
        },
    )


TEMPLATE = Template(
    name="aarsavslutning",
    title="Disponering av årsresultat per resultatenhet",
    description="Nettoresultat per resultatenhet (justert budsjett − regnskap) fordelt til disposisjonsfond, "
    "generelt fond og tilbakeføring av merforbruk med KOSTRA_DISPONERING (seed 004). Grunnlaget og "
    "enhetene fylles av «kostra regenerer»; fondet før årsavslutningen skrives inn på «Enheter».",
    settings=(BYDEL, AAR, PERIODE_AAR, RESULTAT_REGELSETT),
    tables=(GRUNNLAG, ENHETER_FOND),
    build=build,
    fill=fill,
)
