"""Template (d): voucher authority check against the authority register (seed 001 §4).

Every voucher line is checked with KOSTRA_ATTESTASJON against the register (fullmaktsregister):
attested, approved (anvist), by people with the authority for the responsibility and within their
amount limit, not their own bill, not the same person attesting and approving, payment entered and
approved by two people with payment authority, and so on (the rules and their paragraphs come from
the rule set ``okonomireglement``). The amount checked against the approver's limit is the sum of the
voucher's lines (SUMIFS over the voucher number), as §4.2 speaks of the voucher.

«Kontroll» counts the lines that pass and, per rule, the lines where it is broken (COUNTIF with the
rule id); «Bilag» has the result next to each line. Inputs: «Register» and «Bilag», written by
``kostra regenerer`` from fullmaktsregister.csv and bilagsliste.csv, or pasted by the controller.
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
REGELSETT_BILAG = Setting("Regelsett_bilag", "Regelsett", "okonomireglement",
                          help="Økonomireglementet med reglene for attestasjon, anvisning og utbetaling "
                          "(seed 001 §4).")

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
    ),
    whole_name="Register",
    note="Fullmaktsregisteret: én rad per person. Roller: attestasjon, anvisning, utbetaling. "
    "Ansvar: 330, 300-399 eller *.",
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
        Column("resultat", "B_Resultat", "tekst", 60,
               formula="=KOSTRA_ATTESTASJON(Register,SUMIFS(B_Belop,B_Bilag,A{r}),E{r},F{r},G{r},H{r},"
                       "I{r},J{r},K{r},L{r},Regelsett_bilag)"),
    ),
    note="Bilagslisten: én rad per bilagslinje. «resultat» regnes ut: OK, eller hvert brudd som "
    "«REGEL (§): forklaring».",
)


def build(book: Book) -> None:
    ws = book.report("Kontroll", widths=[22, 16, 60, 12])
    book.title(ws, "Kontroll av attestasjon, anvisning og utbetaling")
    ws["A2"] = '=Bydel&" – økonomireglementet §4"'
    ws["A4"], ws["B4"] = "Bilagslinjer", '=COUNTA(B_Bilag)-COUNTBLANK(B_Bilag)'
    ws["A5"], ws["B5"] = "Uten merknad (OK)", '=COUNTIF(B_Resultat,"OK")'
    ws["A6"], ws["B6"] = "Med brudd", "=B4-B5"
    ws["A7"], ws["B7"] = "Sum beløp med brudd", '=SUMIFS(B_Belop,B_Resultat,"<>OK")'
    ws["B7"].number_format = "#,##0.00"
    book.style_row(ws, 6, 1, 2, fill=TOTAL_FILL, bold=True)
    book.header(ws, 9, ["Regel", "Paragraf", "Hva regelen sier", "Linjer med brudd"])
    for i, (rule_id, paragraph, title, _) in enumerate(rule_catalogue(REGELSETT_BILAG.default), 10):
        ws.cell(i, 1, rule_id)
        ws.cell(i, 2, paragraph)
        ws.cell(i, 3, title)
        ws.cell(i, 4, f'=COUNTIF(B_Resultat,"*"&A{i}&" (*")')
    ws.freeze_panes = "A10"


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
        })
    register_rows = []
    for p in register:
        register_rows.append({
            "F_Person": p.get("person"), "F_Navn": p.get("navn") or None,
            "F_Stilling": p.get("stilling") or None,
            "F_Roller": p.get("roller") or None, "F_Ansvar": p.get("ansvar") or None,
            "F_Grense": _amount(p.get("belopsgrense")), "F_Leder": p.get("leder") or None,
            "F_Naerstaende": p.get("naerstaende") or None,
        })
    return Fill(settings={"Bydel": district.name}, tables={"bilag": bilag_rows, "register": register_rows})


TEMPLATE = Template(
    name="bilagskontroll",
    title="Kontroll av attestasjon, anvisning og utbetaling",
    description="Hver bilagslinje kontrolleres mot fullmaktsregisteret med KOSTRA_ATTESTASJON "
    "(økonomireglementet §4, seed 001): attestasjon, anvisning, beløpsgrenser, egne regninger, nærstående "
    "og utbetaling med to personer. Register og bilagsliste fylles av «kostra regenerer» eller limes inn.",
    settings=(KOMMUNE, REGELSETT_BILAG),
    tables=(REGISTER, BILAG),
    build=build,
    fill=fill,
    needs=("bilag",),
)
