"""Template (b): status report to the district council (bydelsutvalget).

Fellesskriv 5/2022 pkt. 3: «Statusrapporten skal vise utviklingen sortert på henholdsvis funksjonsområde,
KOSTRA-funksjon og resultatenhet»; «Budsjettavvik hittil i år og årsprognose skal som et minimum
fremstilles på samme detaljeringsnivå som bydelsutvalgets budsjettvedtak»; «sammenhengen mellom
KOSTRA og intern ansvarsstruktur [må] komme tydelig frem».

Sheets: «Funksjonsområder», «Funksjoner» (grouped by function area), «Resultatenheter» (one row per
unit in the input list «Enheter», room for 20), and «KOSTRA og enheter»: deviation to date per result
unit and function area, which shows how the internal structure maps onto KOSTRA. Every view has
accounts to date, budget to date, deviation to date (+ = mindreforbruk), adjusted budget, the annual
deviation prognosis (KOSTRA_AVVIK, the rule set's method) and the share used; each ends with a total
that must equal the others (checked on «Funksjonsområder»).
"""

from __future__ import annotations

from typing import Any

from kostra_functions.engine.template_parts import (
    AAR,
    BYDEL,
    ENHETER,
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
    addin_notice,
    grunnlag_sums,
    prefill_function_choices,
    prognosis_sheet,
    report_functions,
    standard_fill,
)
from kostra_functions.engine.templates import MONEY, PERCENT, TOTAL_FILL, Book, Fill, Template

HEADERS = ["Regnskap hittil", "Budsjett hittil", "Avvik hittil", "Justert budsjett", "Avviksprognose",
           "Forbruk hittil"]
UNIT_ROWS = 20


def _measures(ws: Any, r: int, criteria: str, first_col: int = 3, blank_if: str | None = None) -> None:
    """Columns first_col…first_col+5 for one row: SUMIFS on the aggregated input, KOSTRA_AVVIK."""
    c = [ws.cell(r, first_col + i).column_letter for i in range(6)]
    actual, budget_to_date, budget = grunnlag_sums(criteria)

    def guard(formula: str) -> str:
        return formula if blank_if is None else f'=IF({blank_if}="","",{formula[1:]})'

    ws[f"{c[0]}{r}"] = guard(actual)
    ws[f"{c[1]}{r}"] = guard(budget_to_date)
    ws[f"{c[2]}{r}"] = guard(f"={c[1]}{r}-{c[0]}{r}")
    ws[f"{c[3]}{r}"] = guard(budget)
    ws[f"{c[4]}{r}"] = guard(f"=KOSTRA_AVVIK({c[3]}{r},{c[0]}{r},Periode,Metode,{c[1]}{r},,,,Regelsett)")
    ws[f"{c[5]}{r}"] = guard(f'=IF(N({c[3]}{r})=0,"",{c[0]}{r}/{c[3]}{r})')
    for col in c[:5]:
        ws[f"{col}{r}"].number_format = MONEY
    ws[f"{c[5]}{r}"].number_format = PERCENT


def _totals(ws: Any, r: int, first: int, last: int, func: str = "SUM", first_col: int = 3) -> None:
    c = [ws.cell(r, first_col + i).column_letter for i in range(6)]
    for col in c[:5]:
        ws[f"{col}{r}"] = f"={func}({col}{first}:{col}{last})" if func == "SUM" else \
            f"=SUBTOTAL(9,{col}{first}:{col}{last})"
        ws[f"{col}{r}"].number_format = MONEY
    ws[f"{c[5]}{r}"] = f'=IF({c[3]}{r}=0,"",{c[0]}{r}/{c[3]}{r})'
    ws[f"{c[5]}{r}"].number_format = PERCENT


def _subtitle(ws: Any) -> None:
    ws["A2"] = '=Bydel&" – statusrapport "&Aar&", periode "&Periode'
    ws["A3"] = ("Kroner, utgift +, inntekt −. Avvik = budsjett − regnskap: + er mindreforbruk, "
                "− er merforbruk. Ordinær drift; øremerkede prosjekter (2xxxx/3xxxx) er ikke med.")


def build(book: Book) -> None:
    addin_cell(book)
    prefill_function_choices(book)
    area_list = [area for area, _functions in report_functions(AAR.default, REGELSETT.default)]

    ws = book.report("Funksjonsområder", widths=[12, 62, 15, 15, 15, 15, 15, 10, 9])
    book.title(ws, "Status per funksjonsområde")
    _subtitle(ws)
    book.header(ws, 5, ["Område", "Navn", *HEADERS, "Varsel"])
    rows = prognosis_sheet(book, "Funksjoner", "Status per KOSTRA-funksjon")
    wf = book.wb["Funksjoner"]
    wf["A2"] = '=Bydel&" – statusrapport "&Aar&", periode "&Periode'
    first, ordinary = rows["first"], rows["ordinary"]
    r = 6
    for area in area_list:
        ws.cell(r, 1, area.code)
        ws.cell(r, 2, area.name)
        for col, src in zip("CDEFG", ("E", "F", "G", "H", "M"), strict=True):
            ws[f"{col}{r}"] = (f"=SUMIFS(Funksjoner!${src}${first}:${src}${ordinary - 1},"
                               f"Funksjoner!$A${first}:$A${ordinary - 1},$A{r})")
            ws[f"{col}{r}"].number_format = MONEY
        ws[f"H{r}"] = f'=IF(N(F{r})=0,"",C{r}/F{r})'
        ws[f"H{r}"].number_format = PERCENT
        ws[f"I{r}"] = (f'=IF(COUNTIFS(Funksjoner!$A${first}:$A${ordinary - 1},$A{r},'
                       f'Funksjoner!$O${first}:$O${ordinary - 1},"Varsle")>0,"Varsle","")')
        r += 1
    total_area = r
    ws.cell(r, 2, "Sum ordinær drift")
    _totals(ws, r, 6, r - 1)
    book.style_row(ws, r, 1, 9, fill=TOTAL_FILL, bold=True, top_line=True)
    ws.cell(r + 1, 2, "Øremerkede prosjekter (særskilt, se «Funksjoner»)")
    for col, src in zip("CDEFG", ("E", "F", "G", "H", "M"), strict=True):
        ws[f"{col}{r + 1}"] = f"=Funksjoner!{src}{rows['earmarked']}"
        ws[f"{col}{r + 1}"].number_format = MONEY
    ws.cell(r + 3, 2, "Kontroll: sum per funksjon minus sum per område (skal være 0)")
    ws.cell(r + 3, 7, f"=ROUND(Funksjoner!M{ordinary}-G{total_area},2)").number_format = MONEY
    ws.cell(r + 4, 2, "Kontroll: sum per resultatenhet minus sum per område (skal være 0)")
    ws.cell(r + 5, 2, "Funksjoner med vesentlig merforbruk som skal varsles HEI (antall)")
    ws.cell(r + 5, 3, f'=COUNTIF(Funksjoner!O{first}:O{ordinary - 1},"Varsle")')
    addin_notice(ws, "A4")

    wu = book.report("Resultatenheter", widths=[14, 40, 15, 15, 15, 15, 15, 10])
    book.title(wu, "Status per resultatenhet")
    _subtitle(wu)
    book.header(wu, 5, ["Resultatenhet", "Navn", *HEADERS])
    for i in range(1, UNIT_ROWS + 1):
        r = 5 + i
        wu.cell(r, 1, f'=IFERROR(INDEX(R_Kode,{i})&"","")')
        wu.cell(r, 2, f'=IF(A{r}="","",IFERROR(INDEX(R_Navn,{i})&"",""))')
        _measures(wu, r, f"G_RES,$A{r}", blank_if=f"$A{r}")
    rest = 6 + UNIT_ROWS
    wu.cell(rest, 2, "Justeringer og metodevalg per funksjon (ikke fordelt på resultatenhet)")
    wu[f"G{rest}"] = f"=Funksjoner!M{ordinary}-SUM(G6:G{rest - 1})"
    wu[f"G{rest}"].number_format = MONEY
    total_unit = rest + 1
    wu.cell(total_unit, 2, "Sum ordinær drift")
    _totals(wu, total_unit, 6, total_unit - 1)
    book.style_row(wu, total_unit, 1, 8, fill=TOTAL_FILL, bold=True, top_line=True)
    wu.cell(total_unit + 2, 2, "Kontroll: regnskap på enheter utenfor listen (skal være 0)")
    all_actual = 'SUMIFS(G_Belop,G_Type,"Regnskap",G_Periode,"<="&Periode)'
    wu.cell(total_unit + 2, 3, f"=ROUND({all_actual}-C{total_unit},2)")
    wu.cell(total_unit + 3, 2, "Avviksprognosen per enhet er beregnet med innstillingen Metode uten "
                               "justeringer; justeringene og metodevalget per funksjon står på egen linje.")

    wm = book.report("KOSTRA og enheter", widths=[14, 34] + [13] * (len(area_list) + 1))
    book.title(wm, "Avvik hittil per resultatenhet og funksjonsområde")
    _subtitle(wm)
    book.header(wm, 5, ["Resultatenhet", "Navn", *[a.code for a in area_list], "Sum"])
    last_col = 3 + len(area_list)
    for i in range(1, UNIT_ROWS + 1):
        r = 5 + i
        wm.cell(r, 1, f"=Resultatenheter!A{r}")
        wm.cell(r, 2, f"=Resultatenheter!B{r}")
        for j in range(len(area_list)):
            col = wm.cell(r, 3 + j).column_letter
            code = f'{col}$5'
            crit = f"G_RES,$A{r},G_Omrade,{code}"
            wm[f"{col}{r}"] = (
                f'=IF($A{r}="","",SUMIFS(G_Belop,{crit},G_Type,"Budsjett",G_Periode,"<="&MIN(Periode,12))'
                f'-SUMIFS(G_Belop,{crit},G_Type,"Regnskap",G_Periode,"<="&Periode))'
            )
            wm[f"{col}{r}"].number_format = MONEY
        first_c, last_c = wm.cell(r, 3).column_letter, wm.cell(r, last_col - 1).column_letter
        wm.cell(r, last_col, f'=IF($A{r}="","",SUM({first_c}{r}:{last_c}{r}))').number_format = MONEY
    r = 6 + UNIT_ROWS
    wm.cell(r, 2, "Sum")
    for j in range(len(area_list) + 1):
        col = wm.cell(r, 3 + j).column_letter
        wm[f"{col}{r}"] = f"=SUM({col}6:{col}{r - 1})"
        wm[f"{col}{r}"].number_format = MONEY
    book.style_row(wm, r, 1, last_col, fill=TOTAL_FILL, bold=True, top_line=True)

    ws.cell(total_area + 4, 7, f"=ROUND(Resultatenheter!G{total_unit}-G{total_area},2)").number_format = MONEY
    for sheet in (ws, wu, wm):
        sheet.freeze_panes = sheet["C6"]


def fill(district: Any, period: int) -> Fill:
    return standard_fill(district, period, tuple(t.key for t in TEMPLATE.tables))


TEMPLATE = Template(
    name="statusrapport",
    title="Statusrapport til bydelsutvalget",
    description="Utviklingen i økonomien sortert på funksjonsområde, KOSTRA-funksjon og resultatenhet, med "
    "avvik hittil, årsprognose og sammenhengen mellom resultatenheter og funksjonsområder (Fellesskriv "
    "5/2022 pkt. 3). Grunnlaget og listen over resultatenheter fylles av «kostra regenerer»; justeringene, "
    "metodevalget og forklaringene hentes fra avviksprognosen for samme periode, så rapporten viser "
    "samme avviksprognose per funksjon.",
    settings=(BYDEL, AAR, PERIODE, METODE, REGELSETT, REGION, VESENTLIG, VESENTLIG_ANDEL),
    tables=(GRUNNLAG, ENHETER, JUSTERINGER, FUNKSJONSVALG, PROSJEKTER, PROSJEKTGRUNNLAG, FJORAARET),
    build=build,
    fill=fill,
)
