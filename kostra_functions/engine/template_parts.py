"""Building blocks the template sources in ``templates/src/`` share: settings and input tables."""

from __future__ import annotations

from kostra_functions.engine.templates import Column, Setting, Table

BYDEL = Setting("Bydel", "Bydel", "Bydel", help="Navnet på bydelen, vises i overskriftene.")
AAR = Setting("Aar", "Regnskapsår", 2023, kind="heltall", minimum=2015, maximum=2035,
              help="Året kodelistene (KOSTRA-funksjonenes navn) gjelder for.")
PERIODE = Setting("Periode", "Periode", 6, kind="heltall", minimum=1, maximum=13,
                  help="Siste lukkede periode: 1–12 er månedene, 13 er årsavslutningen.")
METODE = Setting("Metode", "Prognosemetode", "periodisert", choices=("periodisert", "lineær"),
                 help="periodisert: regnskap hittil + budsjett resten av året (standard i oslo_bydel); "
                 "lineær: regnskap hittil × 12 / periode.")
REGELSETT = Setting("Regelsett", "Regelsett", "oslo_bydel",
                    help="Regelsettet for funksjonsområder, fremført resultat og sentrale avsetninger.")

GRUNNLAG = Table(
    key="grunnlag",
    sheet="Grunnlag",
    columns=(
        Column("Funksjon", "G_Funksjon", "tekst", 10),
        Column("Funksjonsområde", "G_Omrade", "tekst", 14),
        Column("Resultatenhet", "G_RES", "tekst", 13),
        Column("Type", "G_Type", "tekst", 20),
        Column("Periode", "G_Periode", "heltall", 9),
        Column("Beløp", "G_Belop", "tall", 16),
    ),
    note="Summert fra regnskaps- og budsjetteksporten per funksjon, resultatenhet og periode "
    "(kroner; utgift +, inntekt −). Type: Regnskap, Budsjett, Regnskap øremerket, Budsjett øremerket "
    "(øremerket = prosjekt 2xxxx/3xxxx). Fylles av «kostra regenerer».",
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

#: Formula fragments (Excel's English names, comma separators: openpyxl writes them as they are).
ACTUAL_TO_DATE = 'SUMIFS(G_Belop,{crit},G_Type,"Regnskap",G_Periode,"<="&Periode)'
BUDGET_TO_DATE = 'SUMIFS(G_Belop,{crit},G_Type,"Budsjett",G_Periode,"<="&MIN(Periode,12))'
BUDGET_YEAR = 'SUMIFS(G_Belop,{crit},G_Type,"Budsjett")'


def grunnlag_sums(criteria: str) -> tuple[str, str, str]:
    """(accounts to date, budget to date, adjusted annual budget) for SUMIFS criteria such as
    ``G_Funksjon,$B7``."""
    return (
        "=" + ACTUAL_TO_DATE.format(crit=criteria),
        "=" + BUDGET_TO_DATE.format(crit=criteria),
        "=" + BUDGET_YEAR.format(crit=criteria),
    )
