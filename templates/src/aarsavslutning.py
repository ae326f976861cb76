"""Template (c): year-end result per result unit, distributed by the rule set in use (KOSTRA_DISPONERING).

Each unit's net result is its adjusted budget minus its accounts for the year (periods up to the
chosen one, 13 = after year-end closing): positive = overskudd/mindreforbruk, negative = merforbruk.
KOSTRA_DISPONERING distributes it by the rule set for units' results named on «Oppsett»
(``Regelsett_resultat``): with ``kristiansand_resultat`` («Kristiansands regler for årsavslutning»)
85 % of a surplus to the unit's reserve fund and 15 % to the general fund (special projects 100 %),
a deficit covered by the unit's fund and a negative fund repaid within 2 years. A district's rule
set ``oslo_bydel`` chooses none (``[arsavslutning] resultatregelsett = ""``): the sheet then shows
each unit's result and the district's sum carried forward to next year, with the rule in words, and
no 85/15 split. The rule set's name as users know it (``visningsnavn``) is on the sheet.

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
    help="Regelsettet for fordeling av enhetenes årsresultat (kristiansand_resultat: 85/15, tilbakeføring "
    "innen 2 år). Tomt: ingen fordeling; resultatet fremføres.")
REGLER_NAVN = Setting(
    "Regler_resultat", "Reglene (vises på arket)", "Kristiansands regler for årsavslutning",
    help="Navnet på reglene for årsresultat slik brukerne kjenner dem.")
FREMFORING = Setting(
    "Fremforing_tekst", "Regel når resultatet ikke fordeles",
    "Bydelens samlede mer- eller mindreforbruk føres videre til neste år (fremført resultat).",
    help="Vises når det ikke er valgt regelsett for årsresultat.")
_NO_RULES = 'Regelsett_resultat=""'
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


def _guarded(r: int, expr: str) -> str:
    return f'=IF(OR($A{r}="",{_NO_RULES}),"",{expr})'


def _call(r: int) -> str:
    """KOSTRA_DISPONERING for the unit on summary row r (net result in E, fund in F, special in G)."""
    return f"KOSTRA_DISPONERING($E{r},$F{r},$G{r},,,,,Aar,Regelsett_resultat)"


def _fit_width(ws: Any) -> None:
    """Print one page wide, landscape (the fit-to-page switch on, height free)."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.orientation = "landscape"


def build(book: Book) -> None:
    ws = book.report("Resultatdisponering", widths=[13, 34, 15, 15, 15, 15, 10] + [15] * len(PICKED))
    book.title(ws, "Årsresultat per resultatenhet")
    ws["A2"] = '=Bydel&" – "&Aar&", t.o.m. periode "&Periode'
    ws["A3"] = (f'=IF({_NO_RULES},Fremforing_tekst,"Disponering etter "&Regler_resultat&" ("&'
                'Regelsett_resultat&").")')
    ws["A4"] = ("Nettoresultat = justert budsjett − regnskap: + er overskudd (mindreforbruk), "
                "− er merforbruk (som KOSTRA_AVVIK).")
    book.header(ws, 5, ["Resultatenhet", "Navn", "Justert budsjett", "Regnskap", "Nettoresultat",
                        "Fond før", "Spesielt prosjekt", *[label for _, label in PICKED]])
    labels = ["Fond før", "Spesielt prosjekt", *[label for _, label in PICKED]]
    for j, label in enumerate(labels):  # the distribution's headings only when there is one
        ws.cell(5, 6 + j).value = f'=IF({_NO_RULES},"","{label}")'
    for i in range(1, UNIT_ROWS + 1):
        r = 5 + i
        ws.cell(r, 1, f'=IFERROR(INDEX(E_Kode,{i})&"","")')
        ws.cell(r, 2, f'=IF(A{r}="","",IFERROR(INDEX(E_Navn,{i})&"",""))')
        ws.cell(r, 3, f'=IF(A{r}="","",SUMIFS(G_Belop,G_RES,$A{r},G_Type,"Budsjett"))')
        ws.cell(r, 4, f'=IF(A{r}="","",SUMIFS(G_Belop,G_RES,$A{r},G_Type,"Regnskap",G_Periode,"<="&Periode))')
        ws.cell(r, 5, f'=IF(A{r}="","",ROUND(C{r}-D{r},2))')
        ws.cell(r, 6, _guarded(r, f"N(INDEX(E_Fond,{i}))"))
        ws.cell(r, 7, _guarded(r, f"INDEX(E_Spesielt,{i})=TRUE"))
        for j, (line, _) in enumerate(PICKED):
            ws.cell(r, 8 + j, _guarded(r, f"INDEX({_call(r)},{line},2)"))
        for col in range(3, 7):
            ws.cell(r, col).number_format = MONEY
        for col in range(8, 8 + len(PICKED)):
            ws.cell(r, col).number_format = MONEY
    total = 6 + UNIT_ROWS
    ws.cell(total, 2, "Sum")
    for col in [3, 4, 5, 6, *range(8, 8 + len(PICKED))]:
        letter = ws.cell(total, col).column_letter
        formula = f"SUM({letter}6:{letter}{total - 1})"
        ws.cell(total, col, f'=IF({_NO_RULES},"",{formula})' if col >= 6 else f"={formula}")
        ws.cell(total, col).number_format = MONEY
    book.style_row(ws, total, 1, 7 + len(PICKED), fill=TOTAL_FILL, bold=True, top_line=True)
    ws.cell(total + 1, 2, f'=IF({_NO_RULES},"Fremføres til neste år (bydelens sum)","")')
    ws.cell(total + 1, 5, f'=IF({_NO_RULES},E{total},"")').number_format = MONEY
    ws.cell(total + 2, 2, f'=IF({_NO_RULES},"","Kontroll: overskudd = til enhetens fond + til generelt fond '
                          f'+ avkortet (skal være 0)")')
    net = f"E6:E{total - 1}"
    parts = "".join(f'-SUMIF({net},">0",{c}6:{c}{total - 1})' for c in "HIJ")
    ws.cell(total + 2, 5, f'=IF({_NO_RULES},"",ROUND(SUMIF({net},">0"){parts},2))')
    ws.freeze_panes = "C6"
    _fit_width(ws)

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
        wd.cell(top + 1, 2, f'=IF(OR(A{top}="",{_NO_RULES}),"",{_call_detail(summary)})')
        for k in range(top + 1, top + DETAIL_BLOCK):
            wd.cell(k, 3).number_format = MONEY
    wd.print_title_rows = "1:2"  # the blocks have no common heading row: repeat the title
    _fit_width(wd)


def _call_detail(summary_row: int) -> str:
    r = summary_row
    return (f"KOSTRA_DISPONERING(Resultatdisponering!$E{r},Resultatdisponering!$F{r},"
            f"Resultatdisponering!$G{r},,,,,Aar,Regelsett_resultat)")


def _rules_for(district_ruleset: str) -> dict[str, Any]:
    """The year-end settings the district's rule set chooses (none for an Oslo district)."""
    from kostra_functions.rulesets import load_ruleset

    rs = load_ruleset(district_ruleset)
    chosen = str(rs.get("arsavslutning.resultatregelsett", RESULTAT_REGELSETT.default) or "")
    settings: dict[str, Any] = {"Regelsett_resultat": chosen or None, "Regler_resultat": None}
    text = rs.get("arsavslutning.fremforing", None)
    if text:
        settings["Fremforing_tekst"] = str(text)
    if chosen:
        settings["Regler_resultat"] = str(load_ruleset(chosen).get("regelsett.visningsnavn", chosen))
    return settings


def fill(district: Any, period: int) -> Fill:
    return Fill(
        settings={"Bydel": district.name, "Aar": district.year, "Periode": period,
                  **_rules_for(district.ruleset)},
        tables={
            "grunnlag": district.grunnlag(),
            "enheter": [{"E_Kode": code, "E_Navn": name, "E_Fond": 0.0, "E_Spesielt": False}
                        for code, name in district.units()],
        },
    )


TEMPLATE = Template(
    name="aarsavslutning",
    title="Årsresultat per resultatenhet",
    description="Nettoresultat per resultatenhet (justert budsjett − regnskap), fordelt etter reglene som er "
    "valgt (Kristiansands regler for årsavslutning: disposisjonsfond, generelt fond og tilbakeføring av "
    "merforbruk med KOSTRA_DISPONERING), eller fremført samlet når bydelens regler ikke fordeler det. "
    "Grunnlaget og enhetene fylles av «kostra regenerer»; fondet før årsavslutningen skrives på «Enheter».",
    settings=(BYDEL, AAR, PERIODE_AAR, RESULTAT_REGELSETT, REGLER_NAVN, FREMFORING),
    tables=(GRUNNLAG, ENHETER_FOND),
    build=build,
    fill=fill,
)
