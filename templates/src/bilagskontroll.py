"""Template (d): voucher authority check against the authority register (økonomireglementet §4).

Every voucher line is checked with KOSTRA_ATTESTASJON against the register (fullmaktsregister):
attested, approved (anvist), by people with the authority for the responsibility and within their
amount limit, not their own bill, not the same person attesting and approving, payment entered and
approved by two people with payment authority, and so on (the rules and their paragraphs come from
the rule set in use: a district's ``oslo_bydel`` inherits them with the bydelsdirektør as the head
of the administration and without the ordfører/rådmann rule). The amount checked against the
approver's limit is the sum of the voucher's lines (SUMIFS over the voucher number), as §4.2 speaks
of the voucher.

«Kontroll» counts the lines that pass and, per rule, the findings (COUNTIF with the rule id over
the voucher results, the register check and the duplicate check); «Bilag» has the result next to
each line, «Registerkontroll» the whole register checked with KOSTRA_FULLMAKTSREGISTER (payment
authority, bank reconciliation, delegation chain) and «Dobbel betaling» KOSTRA_DUPLIKATER per line.
Inputs: «Register» and «Bilag», written by ``kostra regenerer`` from fullmaktsregister.csv and
bilagsliste.csv, or pasted by the controller.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.attestation import rule_catalogue
from kostra_functions.engine.templates import (
    TOTAL_FILL,
    Book,
    Column,
    Fill,
    Setting,
    Table,
    Template,
)
from kostra_functions.excel.convert import parse_amount_text

KOMMUNE = Setting("Bydel", "Bydel/kommune", "Eksempel kommune", help="Vises i overskriften.")
DEFAULT_RULESET = "oslo_bydel"
REGELSETT_BILAG = Setting("Regelsett_bilag", "Regelsett", DEFAULT_RULESET,
                          help="Regelsettet med reglene for attestasjon, anvisning og utbetaling "
                          "(økonomireglementet §4; i en bydel med bydelsdirektøren som øverste leder).")
REGELVERK_NAVN = Setting("Regelverk_bilag", "Regelverket (vises i overskriften)",
                         "Oslo kommune, bydel (Fellesskriv 5/2022)",
                         help="Navnet på regelverket slik det vises på arkene.")

#: Rule ids checked over the whole register or the whole list, not per voucher line.
_REGISTER_RULES = ("UTB-ROLLER", "ANV-OKONOMISJEF", "UTB-BANKAVSTEMMING", "DELEG-ATTESTASJON",
                   "DELEG-ANVISNING")
_LIST_RULES = ("BILAG-DUPLIKAT", "BILAG-MULIG-DUPLIKAT")
#: Rows the register check and the duplicate check may spill into (counted on «Kontroll»).
SPILL_ROWS = 2000

REGISTER = Table(
    key="register",
    sheet="Register",
    columns=(
        Column("person", "F_Person", "tekst", 10),
        Column("navn", "F_Navn", "tekst", 22),
        Column("stilling", "F_Stilling", "tekst", 26),
        Column("roller", "F_Roller", "tekst", 26),
        Column("ansvar", "F_Ansvar", "tekst", 12),
        Column("beløpsgrense", "F_Grense", "tall", 14),
        Column("leder", "F_Leder", "tekst", 10),
        Column("nærstående", "F_Naerstaende", "tekst", 24),
        Column("delegert_av", "F_Delegert", "tekst", 11),
    ),
    whole_name="Register",
    note="Fullmaktsregisteret: én rad per person. Roller: attestasjon, anvisning, utbetaling, "
    "bankavstemming. Ansvar: 330, 300-399 eller *. delegert_av: hvem som ga personen myndigheten.",
)

BILAG = Table(
    key="bilag",
    sheet="Bilag",
    columns=(
        Column("bilag", "B_Bilag", "tekst", 9),
        Column("dato", "B_Dato", "tekst", 11),
        Column("tekst", "B_Tekst", "tekst", 26),
        Column("beløp", "B_Belop", "tall", 13),
        Column("ansvar", "B_Ansvar", "tekst", 8),
        Column("mottaker", "B_Mottaker", "tekst", 20),
        Column("attestert_av", "B_Attestert", "tekst", 11),
        Column("anvist_av", "B_Anvist", "tekst", 10),
        Column("registrert_av", "B_Registrert", "tekst", 11),
        Column("godkjent_av", "B_Godkjent", "tekst", 11),
        Column("remittert_av", "B_Remittert", "tekst", 11),
        Column("disponibelt", "B_Disponibelt", "tall", 14),
        Column("fakturanr", "B_Faktura", "tekst", 12),
        Column("kid", "B_KID", "tekst", 12),
        Column("resultat", "B_Resultat", "tekst", 60,
               formula="=KOSTRA_ATTESTASJON(Register,SUMIFS(B_Belop,B_Bilag,A{r}),E{r},F{r},G{r},H{r},"
                       "I{r},J{r},K{r},L{r},Regelsett_bilag)"),
    ),
    whole_name="Bilagsliste",
    note="Bilagslisten: én rad per bilagslinje. «resultat» regnes ut: OK, eller hvert brudd som "
    "«REGEL (§): forklaring».",
)


def _count(rule_id: str, row: int) -> str:
    if rule_id in _REGISTER_RULES:
        return f'=COUNTIF(Registerkontroll!$A$5:$A${4 + SPILL_ROWS},A{row})'
    if rule_id in _LIST_RULES:
        return f'=COUNTIF(\'Dobbel betaling\'!$B$5:$B${4 + SPILL_ROWS},"*"&A{row}&" (*")'
    return f'=COUNTIF(B_Resultat,"*"&A{row}&" (*")'


def _fit_width(ws: Any) -> None:
    """Print one page wide, landscape (the fit-to-page switch on, height free)."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.orientation = "landscape"


def build(book: Book) -> None:
    ws = book.report("Kontroll", widths=[36, 16, 78, 10])
    book.title(ws, "Kontroll av attestasjon, anvisning og utbetaling")
    ws["A2"] = '=Bydel&" – "&Regelverk_bilag&" (økonomireglementet §4)"'
    ws["A4"], ws["B4"] = "Bilagslinjer", '=COUNTA(B_Bilag)-COUNTBLANK(B_Bilag)'
    ws["A5"], ws["B5"] = "Uten merknad (OK)", '=COUNTIF(B_Resultat,"OK")'
    ws["A6"], ws["B6"] = "Med brudd", "=B4-B5"
    ws["A7"], ws["B7"] = "Sum beløp med brudd", '=SUMIFS(B_Belop,B_Resultat,"<>OK")'
    ws["B7"].number_format = "#,##0.00"
    ws["A8"] = "Brudd i fullmaktsregisteret"
    found = f"Registerkontroll!$A$5:$A${4 + SPILL_ROWS}"
    ws["B8"] = f'=COUNTA({found})-COUNTIF({found},"OK")'
    ws["A9"] = "Dobbel betaling (funn og advarsler)"
    ws["B9"] = f'=COUNTIF(\'Dobbel betaling\'!$B$5:$B${4 + SPILL_ROWS},"*DUPLIKAT*")'
    book.style_row(ws, 6, 1, 2, fill=TOTAL_FILL, bold=True)
    book.header(ws, 11, ["Regel", "Paragraf", "Hva regelen sier", "Funn"])
    for i, (rule_id, paragraph, title, _) in enumerate(rule_catalogue(REGELSETT_BILAG.default), 12):
        ws.cell(i, 1, rule_id)
        ws.cell(i, 2, paragraph)
        ws.cell(i, 3, title)
        ws.cell(i, 4, _count(rule_id, i))
    ws.freeze_panes = "A12"
    _fit_width(ws)

    wr = book.report("Registerkontroll", widths=[22, 12, 26, 90])
    book.title(wr, "Fullmaktsregisteret kontrollert")
    wr["A2"] = ("Utbetalingsfullmakt mot attestasjon, anvisning og bankavstemming (§4.3), økonomisjef og "
                "delegeringskjeden (§4.1, §4.2), med KOSTRA_FULLMAKTSREGISTER.")
    book.header(wr, 4, ["Regel", "Paragraf", "Personer", "Forklaring"])
    wr["A5"] = "=KOSTRA_FULLMAKTSREGISTER(Register,Regelsett_bilag)"
    _fit_width(wr)

    wd = book.report("Dobbel betaling", widths=[12, 110])
    book.title(wd, "Fakturaer behandlet før")
    wd["A2"] = ("Samme mottaker, beløp og fakturanummer eller KID som et tidligere bilag (økonomireglementet "
                "§4.1); nesten like står som ADVARSEL. Én rad per bilagslinje, med KOSTRA_DUPLIKATER.")
    book.header(wd, 4, ["Bilag", "Resultat"])
    wd["A5"] = "=KOSTRA_DUPLIKATER(Bilagsliste,Regelsett_bilag)"
    _fit_width(wd)


def _amount(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return parse_amount_text(str(value), "beløp")


def fill(district: Any, period: int) -> Fill:
    vouchers, register = district.voucher_rows()
    bilag_rows = []
    for v in vouchers:
        bilag_rows.append({
            "B_Bilag": v.get("bilag"), "B_Dato": v.get("dato"), "B_Tekst": v.get("tekst"),
            "B_Belop": _amount(v.get("belop")), "B_Ansvar": v.get("ansvar"), "B_Mottaker": v.get("mottaker"),
            "B_Attestert": v.get("attestert_av") or None, "B_Anvist": v.get("anvist_av") or None,
            "B_Registrert": v.get("registrert_av") or None, "B_Godkjent": v.get("godkjent_av") or None,
            "B_Remittert": v.get("remittert_av") or None, "B_Disponibelt": _amount(v.get("disponibelt")),
            "B_Faktura": v.get("fakturanr") or None, "B_KID": v.get("kid") or None,
        })
    register_rows = []
    for p in register:
        register_rows.append({
            "F_Person": p.get("person"), "F_Navn": p.get("navn") or None,
            "F_Stilling": p.get("stilling") or None,
            "F_Roller": p.get("roller") or None, "F_Ansvar": p.get("ansvar") or None,
            "F_Grense": _amount(p.get("belopsgrense")), "F_Leder": p.get("leder") or None,
            "F_Naerstaende": p.get("naerstaende") or None, "F_Delegert": p.get("delegert_av") or None,
        })
    from kostra_functions.rulesets import load_ruleset

    shown = str(load_ruleset(district.ruleset).get("regelsett.visningsnavn", "") or district.ruleset)
    settings = {"Bydel": district.name, "Regelsett_bilag": district.ruleset, "Regelverk_bilag": shown}
    return Fill(settings=settings,
                tables={"bilag": bilag_rows, "register": register_rows})


TEMPLATE = Template(
    name="bilagskontroll",
    title="Kontroll av attestasjon, anvisning og utbetaling",
    description="Hver bilagslinje kontrolleres mot fullmaktsregisteret med KOSTRA_ATTESTASJON "
    "(økonomireglementet §4): attestasjon, anvisning, beløpsgrenser, egne regninger, nærstående og "
    "utbetaling med to personer; hele registeret (bankavstemming, delegering) og dobbel betaling for seg. "
    "Register og bilagsliste fylles av «kostra regenerer» eller limes inn.",
    settings=(KOMMUNE, REGELSETT_BILAG, REGELVERK_NAVN),
    tables=(REGISTER, BILAG),
    build=build,
    fill=fill,
    needs=("bilag",),
)
