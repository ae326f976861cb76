"""Building blocks the template sources in ``templates/src/`` share: settings, input tables and the
per-function prognosis formulas (one writer, so the prognosis workbook and the status report give
the same deviation prognosis per function)."""

from __future__ import annotations

from typing import Any

from kostra_functions.engine.templates import Column, Setting, Table

METHOD_CHOICES = ("periodisert", "lineær", "profil", "manuell")

BYDEL = Setting("Bydel", "Bydel", "Bydel", help="Navnet på bydelen, vises i overskriftene.")
AAR = Setting("Aar", "Regnskapsår", 2023, kind="heltall", minimum=2015, maximum=2035,
              help="Året kodelistene (KOSTRA-funksjonenes navn) gjelder for.")
PERIODE = Setting("Periode", "Periode", 6, kind="heltall", minimum=1, maximum=13,
                  help="Siste lukkede periode: 1–12 er månedene, 13 er årsavslutningen.")
METODE = Setting("Metode", "Prognosemetode", "periodisert", choices=METHOD_CHOICES,
                 help="Metoden for funksjoner uten eget valg på arket «Funksjonsvalg» og for øremerkede "
                 "prosjekter. periodisert: regnskap hittil + budsjett resten av året (standard i "
                 "oslo_bydel); lineær: regnskap hittil × 12 / periode; profil: regnskap hittil / "
                 "fjorårets andel t.o.m. perioden.")
REGELSETT = Setting("Regelsett", "Regelsett", "oslo_bydel",
                    help="Regelsettet for funksjonsområder, fremført resultat og sentrale avsetninger.")
REGION = Setting("Region", "Region (kommune/bydel)", "030100",
                 help="Kommune- eller bydelsnummeret kodelisten slås opp med (Oslo 030100, bydelene "
                 "030101–030115): Oslos egne funksjoner 691–696 gjelder bare der.")
def _significance() -> tuple[float, float]:
    from kostra_functions.prognosis import significance

    return significance("oslo_bydel")


#: The rule set's threshold is the templates' default; a value the controller sets on «Oppsett» is kept
#: on regeneration (and carried into the status report).
VESENTLIG = Setting("Vesentlig", "Vesentlig negativt avvik (kr)", _significance()[0], kind="tall",
                    help="Et merforbruk (negativ avviksprognose) på minst dette beløpet for en funksjon "
                    "merkes «Varsle» (regelsettet, [prognose] vesentlig_avvik_kr).")
VESENTLIG_ANDEL = Setting("VesentligAndel", "Vesentlig negativt avvik (andel av budsjett)",
                          _significance()[1], kind="tall",
                          help="… eller minst denne andelen av justert budsjett (regelsettet, "
                          "[prognose] vesentlig_avvik_andel), det som er størst.")

GRUNNLAG = Table(
    key="grunnlag",
    sheet="Grunnlag",
    columns=(
        Column("Funksjon", "G_Funksjon", "tekst", 10),
        Column("Funksjonsområde", "G_Omrade", "tekst", 14),
        Column("Resultatenhet", "G_RES", "tekst", 13),
        Column("Type", "G_Type", "tekst", 20),
        Column("Periode", "G_Periode", "heltall", 9),
        Column("Beløp", "G_Belop", "tall", 18),
    ),
    note="Summert fra regnskaps- og budsjetteksporten per funksjon, resultatenhet og periode "
    "(kroner; utgift +, inntekt −). Type: Regnskap, Budsjett, Regnskap øremerket, Budsjett øremerket "
    "(øremerket = prosjekt 2xxxx/3xxxx). Fylles av «kostra regenerer».",
)

FJORAARET = Table(
    key="fjoraar",
    sheet="Fjorårets regnskap",
    columns=(
        Column("Funksjon", "H_Funksjon", "tekst", 10),
        Column("Periode", "H_Periode", "heltall", 9),
        Column("Beløp", "H_Belop", "tall", 18),
    ),
    note="Fjorårets regnskap for ordinær drift per funksjon og periode 1–13: profilen for metoden "
    "profil (andel t.o.m. perioden = periode 1 til perioden / hele året med periode 13). Fylles av "
    "«kostra regenerer» fra regnskap_<fjoråret>.csv.",
)

PROSJEKTGRUNNLAG = Table(
    key="prosjektgrunnlag",
    sheet="Prosjektgrunnlag",
    columns=(
        Column("Prosjekt", "Q_Prosjekt", "tekst", 11),
        Column("Type", "Q_Type", "tekst", 12),
        Column("Periode", "Q_Periode", "heltall", 9),
        Column("Beløp", "Q_Belop", "tall", 18),
    ),
    note="Øremerkede prosjekter (2xxxx/3xxxx) per prosjekt, type (Regnskap/Budsjett) og periode. "
    "Fylles av «kostra regenerer».",
)

ENHETER = Table(
    key="enheter",
    sheet="Enheter",
    columns=(
        Column("Resultatenhet", "R_Kode", "tekst", 13),
        Column("Navn", "R_Navn", "tekst", 40),
    ),
    note="Bydelens resultatenheter (RES). Fylles av «kostra regenerer» fra resultatenheter.csv.",
)

#: Rows of «Justeringer» the formulas cover; an entry below them is shown as an error.
ADJUSTMENT_ROWS = 60
_J_STATUS = (
    '=IF(COUNTA(A{r}:E{r})=0,"",IF(COUNT(C{r}:E{r})<COUNTA(C{r}:E{r}),'
    '"Feil: beløpet er tekst – skriv tallet uten mellomrom og tusenskille",'
    'IF(B{r}<>"",IF(COUNTIF(P_Prosjekt,B{r}&"")=0,'
    '"Feil: prosjekt "&B{r}&" finnes ikke blant de øremerkede prosjektene","OK"),'
    'IF(ISERROR(KOSTRA_NAVN(A{r},Aar,Region)),IF(A{r}="","Feil: funksjon mangler",'
    'IF(Tillegg<>"OK","Ikke kontrollert: tilleggsprogrammet KOSTRA er ikke lastet",'
    '"Feil: funksjon "&A{r}&" finnes ikke i "&Aar)),'
    'IF(N(C{r})<0,"Feil: tiltak skal være et positivt beløp (innsparing)","OK")))))'
)
JUSTERINGER = Table(
    key="justeringer",
    sheet="Justeringer",
    columns=(
        Column("Funksjon", "J_Funksjon", "tekst", 10, typed=True),
        Column("Prosjekt (øremerket)", "J_Prosjekt", "tekst", 12, typed=True),
        Column("Tiltak (innsparing resten av året)", "J_Tiltak", "tall", 18, typed=True),
        Column("Fremført resultat fra i fjor", "J_Fremfort", "tall", 18, typed=True),
        Column("Sentrale avsetninger (kap. 303–308)", "J_Avsetninger", "tall", 18, typed=True),
        Column("Merknad", "J_Merknad", "tekst", 46, typed=True),
        Column("Status", "J_Status", "tekst", 44, formula=_J_STATUS),
    ),
    note="Skrives inn av controller, én rad per justering (flere rader per funksjon er lov): besluttede "
    "tiltak (positivt beløp = innsparing), forventet fremført mer-/mindreforbruk (+ = mindreforbruk) "
    "og forventet tildeling fra sentrale avsetninger. Fyll inn Prosjekt for et øremerket prosjekt "
    "(da trengs ikke funksjon). Bare rader med status OK tas med.",
    rows=ADJUSTMENT_ROWS,
    guard_name="J_Utenfor",
    excel_table="TabJusteringer",
)

FUNKSJONSVALG = Table(
    key="funksjonsvalg",
    sheet="Funksjonsvalg",
    columns=(
        Column("Funksjon", "F_Funksjon", "tekst", 10),
        Column("Metode", "F_Metode", "tekst", 14, typed=True, choices=METHOD_CHOICES),
        Column("Manuell prognose (årsregnskap)", "F_Manuell", "tall", 18, typed=True),
        Column("Forklaring til bydelsutvalget", "F_Forklaring", "tekst", 60, typed=True),
        Column("Forrige måneds avviksprognose", "F_Forrige", "tall", 18),
        Column("Metode brukt", "F_Brukt", "tekst", 14,
               formula='=IF(A{r}="","",IF(C{r}<>"","manuell",IF(B{r}<>"",B{r},Metode)))'),
    ),
    note="Én rad per KOSTRA-funksjon: prognosemetode (nedtrekksliste; tom = innstillingen på «Oppsett»), "
    "controllerens egen prognose for årsregnskapet (et beløp her gjør metoden manuell for funksjonen), "
    "og forklaringen som står "
    "ved funksjonen i statusrapporten. Forrige måneds avviksprognose fylles av «kostra regenerer» fra "
    "forrige periodes arbeidsbok.",
)

PROSJEKTER = Table(
    key="prosjekter",
    sheet="Prosjekter",
    columns=(
        Column("Prosjekt", "P_Prosjekt", "tekst", 11),
        Column("Funksjon", "P_Funksjon", "tekst", 10),
    ),
    note="Øremerkede prosjekter (prosjektnummer som starter på 2 eller 3) i regnskap eller budsjett, "
    "med funksjonen med størst budsjett. Fylles av «kostra regenerer».",
)
#: Rows the report sheets keep for earmarked projects.
PROJECT_ROWS = 25

#: Formula fragments (Excel's English names, comma separators: openpyxl writes them as they are).
ACTUAL_TO_DATE = 'SUMIFS(G_Belop,{crit},G_Type,"Regnskap",G_Periode,"<="&Periode)'
BUDGET_TO_DATE = 'SUMIFS(G_Belop,{crit},G_Type,"Budsjett",G_Periode,"<="&MIN(Periode,12))'
BUDGET_YEAR = 'SUMIFS(G_Belop,{crit},G_Type,"Budsjett")'
LAST_YEAR_TO_DATE = 'SUMIFS(H_Belop,H_Funksjon,{code},H_Periode,"<="&MIN(Periode,12))'
LAST_YEAR = 'SUMIFS(H_Belop,H_Funksjon,{code})'

#: Cell text when the add-in is missing: one clear cell instead of a column of errors.
ADDIN_CHECK = ('=IF(ISERROR(KOSTRA_NAVN("100",2023)),"Tilleggsprogrammet KOSTRA er ikke lastet: navn, '
               'prognoser og kontroller er ikke beregnet. Åpne arbeidsboken med tillegget, eller kjør '
               '«kostra beregn».","OK")')


def addin_cell(book: Any) -> str:
    """A row on «Oppsett» saying whether the add-in is loaded (defined name ``Tillegg``, «OK» when it
    is); the report sheets show names and statuses only when it is. Returns the cell reference."""
    from openpyxl.styles import Font

    from kostra_functions.engine.templates import SETTINGS_SHEET, define_name

    ws = book.wb[SETTINGS_SHEET]
    r = ws.max_row + 2
    ws.cell(r, 1, "Tilleggsprogram").font = Font(bold=True)
    ws.cell(r, 2, ADDIN_CHECK)
    ws.cell(r, 3, "OK når tilleggsprogrammet KOSTRA er lastet (eller arbeidsboken er beregnet med "
                  "«kostra beregn»).")
    define_name(book.wb, "Tillegg", f"'{SETTINGS_SHEET}'!$B${r}")
    return f"'{SETTINGS_SHEET}'!B{r}"


def addin_notice(ws: Any, cell: str) -> None:
    """One clear cell on a report sheet when the add-in is missing (empty otherwise)."""
    from openpyxl.styles import Font

    ws[cell] = '=IF(Tillegg="OK","",Tillegg)'
    ws[cell].font = Font(bold=True, color="C00000")


def grunnlag_sums(criteria: str) -> tuple[str, str, str]:
    """(accounts to date, budget to date, adjusted annual budget) for SUMIFS criteria such as
    ``G_Funksjon,$B7``."""
    return (
        "=" + ACTUAL_TO_DATE.format(crit=criteria),
        "=" + BUDGET_TO_DATE.format(crit=criteria),
        "=" + BUDGET_YEAR.format(crit=criteria),
    )


def name_formula(ref: str) -> str:
    """The function's official name; empty (not «unknown code») when the add-in is not loaded."""
    return (f'=IF(Tillegg<>"OK","",IFERROR(KOSTRA_NAVN({ref},Aar,Region),'
            f'"Ikke gyldig KOSTRA-funksjon i "&Aar))')


#: Columns of one function row, shared by the prognosis workbook and the status report.
FUNCTION_COLUMNS = (
    "Metode", "Regnskap hittil", "Budsjett hittil", "Avvik hittil", "Justert budsjett", "Tiltak",
    "Fremført", "Sentrale avsetninger", "Prognose årsregnskap", "Avviksprognose",
    "Endring siden forrige måned", "Varsel", "Forbruk hittil", "Forklaring",
)


def function_row(ws: Any, r: int, code: str, first_col: int, *, project: bool = False) -> dict[str, str]:
    """Write one function's (or earmarked project's) prognosis from ``first_col`` on row ``r``.

    ``code`` is the cell holding the function code (or project number). Returns column letters by
    heading. The method comes from «Funksjonsvalg» (the setting Metode for projects); the 5th argument
    of KOSTRA_PROGNOSE/KOSTRA_AVVIK is the budget to date (periodisert), last year's share to date
    (profil: last year's periods 1..m over its periods 1–13, the year-end period counted in the whole
    year only) or the typed projection (manuell). Adjustments are the rows of «Justeringer» with
    status OK for this function (rows without a project) or for this project.
    """
    from openpyxl.utils import get_column_letter

    c = {h: get_column_letter(first_col + i) for i, h in enumerate(FUNCTION_COLUMNS)}
    col = {h: f"{c[h]}{r}" for h in FUNCTION_COLUMNS}
    if project:
        crit = f"Q_Prosjekt,{code}"
        actual = f'=SUMIFS(Q_Belop,{crit},Q_Type,"Regnskap",Q_Periode,"<="&Periode)'
        budget_ytd = f'=SUMIFS(Q_Belop,{crit},Q_Type,"Budsjett",Q_Periode,"<="&MIN(Periode,12))'
        budget = f'=SUMIFS(Q_Belop,{crit},Q_Type,"Budsjett")'
        method = "=Metode"
        fifth = col["Budsjett hittil"]
    else:
        crit = f"G_Funksjon,{code}"
        actual, budget_ytd, budget = grunnlag_sums(crit)
        method = f"=IFERROR(INDEX(F_Brukt,MATCH({code},F_Funksjon,0))&\"\",Metode)"
        share = f"IFERROR({LAST_YEAR_TO_DATE.format(code=code)}/{LAST_YEAR.format(code=code)},0)"
        found = f"INDEX(F_Manuell,MATCH({code},F_Funksjon,0))"
        manual = f'IFERROR(IF(ISNUMBER({found}),{found},""),"")'
        fifth = (f'IF({col["Metode"]}="profil",{share},IF({col["Metode"]}="manuell",{manual},'
                 f'{col["Budsjett hittil"]}))')
    ws[col["Metode"]] = method
    ws[col["Regnskap hittil"]] = actual
    ws[col["Budsjett hittil"]] = budget_ytd
    ws[col["Avvik hittil"]] = f'={col["Budsjett hittil"]}-{col["Regnskap hittil"]}'
    ws[col["Justert budsjett"]] = budget
    for head, name in (("Tiltak", "J_Tiltak"), ("Fremført", "J_Fremfort"),
                       ("Sentrale avsetninger", "J_Avsetninger")):
        key = f"J_Prosjekt,{code}" if project else f"J_Funksjon,{code},J_Prosjekt,\"\""
        ws[col[head]] = f'=SUMIFS({name},J_Status,"OK",{key})'
    args = (f'{col["Justert budsjett"]},{col["Regnskap hittil"]},Periode,{col["Metode"]},{fifth},'
            f'{col["Tiltak"]},{col["Fremført"]},{col["Sentrale avsetninger"]},Regelsett')
    ws[col["Prognose årsregnskap"]] = f"=KOSTRA_PROGNOSE({args})"
    ws[col["Avviksprognose"]] = f"=KOSTRA_AVVIK({args})"
    dev = col["Avviksprognose"]
    if project:
        ws[col["Endring siden forrige måned"]] = None
        ws[col["Forklaring"]] = None
    else:
        prev = f"INDEX(F_Forrige,MATCH({code},F_Funksjon,0))"
        ws[col["Endring siden forrige måned"]] = (
            f'=IFERROR(IF(ISNUMBER({prev}),ROUND({dev}-{prev},2),""),"")')
        ws[col["Forklaring"]] = f'=IFERROR(INDEX(F_Forklaring,MATCH({code},F_Funksjon,0))&"","")'
    ws[col["Varsel"]] = (f'=IFERROR(IF({dev}<=-MAX(Vesentlig,VesentligAndel*ABS({col["Justert budsjett"]})),'
                         f'"Varsle",""),"")')
    ws[col["Forbruk hittil"]] = (f'=IF(N({col["Justert budsjett"]})=0,"",'
                                 f'{col["Regnskap hittil"]}/{col["Justert budsjett"]})')
    return c


def report_functions(year: int, ruleset: str) -> list[tuple[Any, list[str]]]:
    """(function area, functions valid in ``year``) in the rule set's order; areas left empty are
    dropped. The region is the rule set's, so Oslo's own functions are listed where they apply."""
    from kostra_functions import areas
    from kostra_functions.codes.catalog import Catalog
    from kostra_functions.rulesets import load_ruleset

    region = str(load_ruleset(ruleset).get("regelsett.region", "") or "") or None
    catalog = Catalog.for_year(int(year), region)
    out = []
    for area in areas.function_areas(ruleset):
        functions = [f for f in area.functions if catalog.is_valid(f)]
        if functions:
            out.append((area, functions))
    return out


def function_choice_rows(year: int, ruleset: str) -> list[dict[str, Any]]:
    """One «Funksjonsvalg» row per reported function, with the proposed method."""
    from kostra_functions.prognosis import default_method, default_method_for

    general = default_method(ruleset)
    rows = []
    for _area, functions in report_functions(year, ruleset):
        for f in functions:
            proposed = default_method_for(f, ruleset)
            # the general default is left blank: the method on «Oppsett» then applies to the function
            rows.append({"F_Funksjon": f, "F_Metode": None if proposed == general else proposed})
    return rows


def prefill_function_choices(book: Any) -> None:
    """The built template's «Funksjonsvalg» already lists the functions (default year and rule set)."""
    from kostra_functions.engine.templates import define_table_names

    ws = book.wb[FUNKSJONSVALG.sheet]
    rows = function_choice_rows(AAR.default, REGELSETT.default)
    used = FUNKSJONSVALG.column("F_Brukt")
    position = FUNKSJONSVALG.columns.index(used) + 1
    for r, row in enumerate(rows, 2):
        ws.cell(r, 1, row["F_Funksjon"]).number_format = "@"
        ws.cell(r, 2, row["F_Metode"])
        ws.cell(r, position, used.formula.format(r=r) if used.formula else None)
    define_table_names(book.wb, FUNKSJONSVALG, rows=len(rows))


def standard_fill(district: Any, period: int, tables: tuple[str, ...]) -> Any:
    """What «kostra regenerer» writes into the prognosis workbook and the status report."""
    from kostra_functions.engine.templates import Fill

    out = Fill(settings={"Bydel": district.name, "Aar": district.year, "Periode": period})
    for key in tables:
        if key == "grunnlag":
            out.tables[key] = district.grunnlag()
        elif key == "funksjonsvalg":
            out.tables[key] = function_choice_rows(district.year, district.ruleset)
        elif key == "prosjekter":
            out.tables[key] = district.projects()
        elif key == "prosjektgrunnlag":
            out.tables[key] = district.project_basis()
        elif key == "fjoraar":
            out.tables[key] = district.last_year_basis()
        elif key == "enheter":
            out.tables[key] = [{"R_Kode": code, "R_Navn": name} for code, name in district.units()]
    return out


HEADERS = ["Funksjons-område", "Funksjon", "Navn", *FUNCTION_COLUMNS]
FIRST_ROW = 8
LAST_COL = len(HEADERS)
#: Amount columns summed in subtotals and totals (Regnskap hittil … Endring siden forrige måned).
SUM_COLS = "EFGHIJKLMN"
WIDTHS = [10, 9, 44, 12, 15, 15, 15, 15, 14, 14, 14, 15, 15, 15, 9, 9, 44]


def _share_cell(ws: Any, r: int) -> None:
    ws[f"P{r}"] = f'=IF(N(H{r})=0,"",E{r}/H{r})'


def prognosis_sheet(book: Any, sheet: str, title: str) -> dict[str, int]:
    """The prognosis per function, area, earmarked project and total (the prognosis workbook's
    report sheet, and «Funksjoner» in the status report: the same formulas, so the same figures).
    Returns the row numbers of the ordinary total, the earmarked total and the grand total."""
    from openpyxl.styles import Alignment

    from kostra_functions.engine.templates import AREA_FILL, MONEY, PERCENT, TOTAL_FILL

    WRAP = Alignment(wrap_text=True, vertical="bottom")

    ws = book.report(sheet, widths=WIDTHS)
    book.title(ws, title)
    ws["A2"] = '=Bydel&" – "&Aar&", periode "&Periode'
    ws["A3"] = ("Beløp i kroner, utgift +, inntekt −. Avvik = budsjett − regnskap: + er mindreforbruk, "
                "− er merforbruk. Metode, manuell prognose og forklaring per funksjon velges på arket "
                "«Funksjonsvalg»; tiltak, fremført resultat og sentrale avsetninger skrives på "
                "«Justeringer».")
    addin_notice(ws, "A4")
    ws["A5"] = ('=IF(J_Utenfor>0,"Feil: "&J_Utenfor&" utfylte celler på «Justeringer» står under de radene '
                'som tas med – flytt dem opp",IF(COUNTIF(J_Status,"Feil*")>0,"Feil: "&COUNTIF(J_Status,'
                '"Feil*")&" rader på «Justeringer» har feil og er ikke tatt med – se kolonnen Status",'
                '"Alle justeringer er tatt med ("&COUNTIF(J_Status,"OK")&" rader)"))')
    book.header(ws, FIRST_ROW - 1, HEADERS)
    r = FIRST_ROW
    for area, functions in report_functions(AAR.default, REGELSETT.default):
        ws.cell(r, 1, area.code)
        ws.cell(r, 3, area.name)
        book.style_row(ws, r, 1, LAST_COL, fill=AREA_FILL, bold=True)
        r += 1
        first = r
        for function in functions:
            ws.cell(r, 1, area.code)
            ws.cell(r, 2, function).number_format = "@"
            ws.cell(r, 3, name_formula(f"B{r}")).alignment = WRAP
            function_row(ws, r, f"$B{r}", 4)
            ws[f"Q{r}"].alignment = WRAP
            r += 1
        ws.cell(r, 3, f"Sum {area.code} {area.name}")
        for col in SUM_COLS:
            ws[f"{col}{r}"] = f"=SUBTOTAL(9,{col}{first}:{col}{r - 1})"
        _share_cell(ws, r)
        book.style_row(ws, r, 1, LAST_COL, bold=True, top_line=True)
        r += 2
    ordinary = r
    ws.cell(ordinary, 3, "Sum ordinær drift")
    for col in SUM_COLS:
        ws[f"{col}{ordinary}"] = f"=SUBTOTAL(9,{col}{FIRST_ROW}:{col}{ordinary - 1})"
    _share_cell(ws, ordinary)
    ws[f"O{ordinary}"] = f'=IF(COUNTIF(O{FIRST_ROW}:O{ordinary - 1},"Varsle")>0,"Varsle","")'
    book.style_row(ws, ordinary, 1, LAST_COL, fill=TOTAL_FILL, bold=True, top_line=True)

    head = ordinary + 2
    ws.cell(head, 3, "Øremerkede prosjekter (prosjekt 2xxxx/3xxxx), særskilt")
    book.style_row(ws, head, 1, LAST_COL, fill=AREA_FILL, bold=True)
    first_project = head + 1
    for i in range(1, PROJECT_ROWS + 1):
        pr = head + i
        ws[f"B{pr}"] = f'=IFERROR(INDEX(P_Prosjekt,{i})&"","")'
        ws[f"A{pr}"] = f'=IF(B{pr}="","",IFERROR(INDEX(P_Funksjon,{i})&"",""))'
        ws[f"C{pr}"] = f'=IF(B{pr}="","","Prosjekt "&B{pr}&IF(A{pr}="",""," (funksjon "&A{pr}&")"))'
        function_row(ws, pr, f"$B{pr}", 4, project=True)
        for col in "DEFGHIJKLMNOP":  # an unused row stays blank (its empty code must match nothing)
            value = ws[f"{col}{pr}"].value
            if isinstance(value, str) and value.startswith("="):
                ws[f"{col}{pr}"] = f'=IF($B{pr}="","",{value[1:]})'
    last_project = head + PROJECT_ROWS
    earmarked = last_project + 1
    ws.cell(earmarked, 3, "Sum øremerkede prosjekter")
    for col in SUM_COLS:
        ws[f"{col}{earmarked}"] = f"=SUBTOTAL(9,{col}{first_project}:{col}{last_project})"
    _share_cell(ws, earmarked)
    book.style_row(ws, earmarked, 1, LAST_COL, bold=True, top_line=True)
    total = earmarked + 2
    ws.cell(total, 3, "Sum bydelen (ordinær drift og øremerkede prosjekter)")
    for col in SUM_COLS:
        ws[f"{col}{total}"] = f"={col}{ordinary}+{col}{earmarked}"
    _share_cell(ws, total)
    book.style_row(ws, total, 1, LAST_COL, fill=TOTAL_FILL, bold=True, top_line=True)

    s = total + 2
    o_rng, m_rng = f"O{FIRST_ROW}:O{ordinary - 1}", f"M{FIRST_ROW}:M{ordinary - 1}"
    ws.cell(s, 3, "Vesentlige negative avvik (varsles HEI): antall og sum")
    ws.cell(s, 5, f'=COUNTIF({o_rng},"Varsle")')
    ws.cell(s, 13, f'=SUMIFS({m_rng},{o_rng},"Varsle")')
    ws.cell(s + 1, 3, "Grense for vesentlig merforbruk: kroner og andel av justert budsjett")
    ws.cell(s + 1, 5, "=Vesentlig")
    ws.cell(s + 1, 6, "=VesentligAndel")
    book.style_row(ws, s, 1, LAST_COL, bold=True)
    c = s + 3
    ws.cell(c, 3, "Kontroll: justeringer med status OK minus justeringer i rapporten (skal være 0)")
    for col, name in (("I", "J_Tiltak"), ("J", "J_Fremfort"), ("K", "J_Avsetninger")):
        ws[f"{col}{c}"] = f'=ROUND(SUMIFS({name},J_Status,"OK")-{col}{total},2)'
    ws.cell(c + 1, 3, "Kontroll: regnskap hittil i grunnlaget minus rapporten (skal være 0)")
    ws[f"E{c + 1}"] = (f'=ROUND(SUMIFS(G_Belop,G_Type,"Regnskap",G_Periode,"<="&Periode)+SUMIFS(G_Belop,'
                       f'G_Type,"Regnskap øremerket",G_Periode,"<="&Periode)-E{total},2)')
    ws.cell(c + 2, 3, "Kontroll: justert budsjett i grunnlaget minus rapporten (skal være 0)")
    ws[f"H{c + 2}"] = (f'=ROUND(SUMIFS(G_Belop,G_Type,"Budsjett")+SUMIFS(G_Belop,G_Type,"Budsjett øremerket")'
                       f'-H{total},2)')
    ws.cell(c + 3, 3, "Kontroll: øremerkede prosjekter som ikke får plass i listen (skal være 0)")
    ws[f"E{c + 3}"] = f"=MAX(0,COUNTA(P_Prosjekt)-{PROJECT_ROWS})"
    for row in range(FIRST_ROW, c + 4):
        for col in SUM_COLS:
            ws[f"{col}{row}"].number_format = MONEY
        ws[f"P{row}"].number_format = PERCENT
    ws[f"E{s}"].number_format = "0"
    ws[f"F{s + 1}"].number_format = PERCENT
    ws[f"E{c + 3}"].number_format = "0"
    ws.freeze_panes = ws.cell(FIRST_ROW, 4)
    ws.print_title_rows = f"{FIRST_ROW - 1}:{FIRST_ROW - 1}"
    return {"first": FIRST_ROW, "ordinary": ordinary, "earmarked": earmarked, "total": total}
