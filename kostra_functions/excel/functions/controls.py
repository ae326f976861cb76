"""The table's SSB KOSTRA reporting controls: one line (``KOSTRA_KONTROLL``) or a whole range
(``KOSTRA_KONTROLL_TABELL``). Thin: :mod:`kostra_functions.controls` decides.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.excel.functions.arguments import (
    ARG_REGION,
    ARG_YEAR,
    parse_account_class,
    resolve_region,
    resolve_year,
)
from kostra_functions.excel.spec import Arg, ExcelFunction


def _control_quarter(quarter: int | None) -> int | None:
    from kostra_functions.errors import OutOfRangeError

    if quarter is not None and not 1 <= quarter <= 4:
        raise OutOfRangeError(f"Kvartalet skal være 1, 2, 3 eller 4 (tomt for årsregnskap), ikke {quarter}.")
    return quarter


def _control_account_class(value: Any, arg: str) -> str:
    from kostra_functions.excel import convert

    return str(parse_account_class(convert.to_text(value, arg)))


def kostra_kontroll(account_class: str, function: str, art: str, year: int | None, quarter: int | None,
                    region: str | None) -> str:
    """SSB's line controls for one (kontoklasse, funksjon, art): «OK» or the most severe finding."""
    from kostra_functions.controls import check_line, line_summary

    findings = check_line(_control_account_class(account_class, "kontoklasse"), function, art,
                          year=resolve_year(year), quarter=_control_quarter(quarter),
                          region=resolve_region(region) or "")
    return line_summary(findings)


_CONTROL_TABLE_COLUMNS = {"kontoklasse": "kontoklasse", "funksjon": "funksjon", "art": "art",
                          "beløp": "belop", "belop": "belop", "beløp (kr)": "belop", "beløp i kr": "belop"}


def kostra_kontroll_tabell(rows: list[list[Any]], year: int | None, quarter: int | None,
                           region: str | None) -> list[list[Any]]:
    """Every SSB control over a range (header + kontoklasse, funksjon, art, beløp in kroner)."""
    from kostra_functions.controls import check_rows
    from kostra_functions.errors import MissingArgumentError
    from kostra_functions.excel import convert

    source = "område"
    header = ["" if convert.is_blank(h) else convert.to_text(h, f"{source}, overskrift {i + 1}").lower()
              for i, h in enumerate(rows[0])]
    columns = {name: header.index(text) for text, name in _CONTROL_TABLE_COLUMNS.items() if text in header}
    missing = [n for n in ("kontoklasse", "funksjon", "art", "belop") if n not in columns]
    if missing:
        shown = ", ".join("beløp" if n == "belop" else n for n in missing)
        raise MissingArgumentError(
            f"Første rad i «{source}» skal være overskriftene kontoklasse, funksjon, art og beløp; "
            f"mangler: {shown}."
        )
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        if all(convert.is_blank(c) for c in row):
            continue
        where = f"{source}, rad {number}"
        parsed.append((
            number,
            _control_account_class(row[columns["kontoklasse"]], f"kontoklasse ({where})"),
            convert.to_code(row[columns["funksjon"]], f"funksjon ({where})"),
            convert.to_code(row[columns["art"]], f"art ({where})"),
            convert.to_number(row[columns["belop"]], f"beløp ({where})"),
        ))
    if not parsed:
        raise InvalidArgumentError(f"«{source}» har ingen rader under overskriftene.")
    findings = check_rows(parsed, year=resolve_year(year), quarter=_control_quarter(quarter),
                          region=resolve_region(region) or "")
    out: list[list[Any]] = [["Kontroll", "Alvorlighet", "Tittel", "Melding", "Rader"]]
    out += [[f.control, f.severity.norwegian, f.title, f.message, f.lines_text(limit=50)] for f in findings]
    if not findings:
        out.append(["", "OK", "", "Ingen funn: alle kontrollene er bestått.", ""])
    return out


_ARG_CONTROL_QUARTER = Arg(
    "kvartal", "int",
    "1–4 for kvartalsrapportering (noen feil er da bare advarsler, som hos SSB); tom = årsregnskap.",
    optional=True,
)


#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_KONTROLL",
        impl=kostra_kontroll,
        help="Kjører SSBs KOSTRA-kontroller for én linje (gyldige koder og kombinasjonene av "
        "drift/investering, funksjon og art) og gir «OK» eller det alvorligste funnet, f.eks. «FEIL "
        "020: …». Summeringskontroller: KOSTRA_KONTROLL_TABELL.",
        details="Kjører SSBs KOSTRA-kontroller for én linje (gyldig funksjon og art, og kombinasjonene av "
        "drift/investering, funksjon og art, kontroll 010–081) og gir «OK» eller det alvorligste funnet, "
        "f.eks. «FEIL 020: Funksjon 841 er bare gyldig i investeringsregnskapet …». FEIL hindrer "
        "innsending; ADVARSEL og INFO gjør det ikke. Summeringskontrollene trenger hele regnskapet: "
        "bruk KOSTRA_KONTROLL_TABELL.",
        args=(
            Arg("kontoklasse", "text", "«drift» eller «investering» (også 1 = drift, 0 = investering)."),
            Arg("funksjon", "code", "KOSTRA-funksjonen, tre sifre, f.eks. 202."),
            Arg("art", "code", "KOSTRA-arten, tre sifre, f.eks. 010 (siffer 2–4 i arten i kontostrengen)."),
            ARG_YEAR,
            _ARG_CONTROL_QUARTER,
            ARG_REGION,
        ),
        category="Kontroller",
        example='=KOSTRA_KONTROLL("drift"; 841; 10; 2023; ; "030105") → "FEIL 020: Funksjon 841 er bare '
        'gyldig i investeringsregnskapet …"',
    ),
    ExcelFunction(
        name="KOSTRA_KONTROLL_TABELL",
        impl=kostra_kontroll_tabell,
        help="Kjører alle SSBs KOSTRA-kontroller på et område og gir funnene som dynamisk matrise: "
        "kontroll, alvorlighet (FATAL/FEIL/ADVARSEL/INFO), tittel, melding og rader (overskriftsraden "
        "er rad 1).",
        details="Kjører alle SSBs KOSTRA-kontroller (som SSBs kontrollprogram) på et område og gir funnene "
        "som en dynamisk matrise: kontroll, alvorlighet (FATAL/FEIL/ADVARSEL/INFO), tittel, melding og "
        "radene i området det gjelder (overskriftsraden er rad 1). Beløpene avrundes til hele 1000 kr "
        "per rad, som i SSB-filen. For en bydel i Oslo hoppes summeringskontrollene over, og artene "
        "298 og 798 må gå i null (kontroll 126/127).",
        args=(
            Arg("område", "table", "Området med overskrifter i første rad: kontoklasse (drift/investering), "
                "funksjon, art og beløp (kroner, utgift +, inntekt −). Én rad per kombinasjon."),
            ARG_YEAR,
            _ARG_CONTROL_QUARTER,
            ARG_REGION,
        ),
        category="Kontroller",
        returns="array",
        example="=KOSTRA_KONTROLL_TABELL(A1:D200; 2023; ; \"030105\")",
        cached=False,
    ),
)
