"""The table's KOSTRA codes and account strings: names, validity, function areas, the parts of an
account string, and ``KOSTRA_FEIL`` (why a call fails).

Thin: :mod:`kostra_functions.codes`, :mod:`kostra_functions.areas` and
:mod:`kostra_functions.accounts` decide. Functions that differ only in the field they return share
one implementation (``field``), one table row each.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kostra_functions import accounts, areas
from kostra_functions.errors import InvalidArgumentError, InvalidCodeError
from kostra_functions.excel.functions.arguments import (
    ARG_ACCOUNT,
    ARG_REGION,
    ARG_RULESET,
    ARG_YEAR,
    catalog_for,
    parse_account_class,
    resolve_region,
)
from kostra_functions.excel.spec import Arg, ExcelFunction

_KINDS = {"funksjon": "funksjon", "f": "funksjon", "art": "art", "a": "art"}


def _kind(kind: str | None) -> str:
    if kind is None:
        return "funksjon"
    try:
        return _KINDS[kind.strip().lower()]
    except KeyError:
        raise InvalidArgumentError(f"Typen «{kind}» er ukjent; bruk «funksjon» eller «art».") from None


def kostra_navn(function: str, year: int | None, region: str | None) -> str:
    """The official name of a KOSTRA function in the year (``KOSTRA_NAVN``)."""
    return catalog_for(year, resolve_region(region)).name(function, "funksjon")


def kostra_gyldig(code: Any, year: int | None, kind: str | None, account_class: str | None,
                  region: str | None) -> bool:
    """Whether a code is a valid KOSTRA function or art in the year (``KOSTRA_GYLDIG``)."""
    from kostra_functions.excel import convert

    kind_ = _kind(kind)
    if convert.is_blank(code):
        raise convert.MissingArgumentError("Argumentet «kode» mangler (cellen er tom).")
    try:
        text = convert.to_code(code, "kode")
    except convert.MissingArgumentError:
        raise
    except InvalidArgumentError:
        if convert.as_excel_error(convert.unwrap_single(code, "kode")) is not None:
            raise
        return False  # text that is not a 3-digit code is simply not a valid code
    catalog = catalog_for(year, resolve_region(region))
    return catalog.is_valid(text, kind_, account_class=parse_account_class(account_class))


def function_area(function: str, year: int | None, ruleset: str | None, *, field: str) -> str:
    """The function area a valid KOSTRA function belongs to by the rule set: its ``field``, ``code``
    (``KOSTRA_OMRADE``) or ``name`` (``KOSTRA_OMRADENAVN``)."""
    catalog_for(year, resolve_region(None, ruleset)).validate(function, "funksjon")
    return getattr(areas.area_of(function, ruleset), field)


def account_part(account: str, ruleset: str | None, *, field: str) -> Any:
    """One part of a parsed account string: ``function`` (``KOSTRA_FUNKSJON``), ``kostra_art``
    (``KOSTRA_ART``), ``account_class`` (``KOSTRA_KONTOKLASSE``) or ``earmarked``
    (``KOSTRA_OREMERKET``)."""
    return getattr(accounts.parse(account, ruleset), field)


def kostra_feil(function_name: str, *args: Any) -> str:
    """Why a call of the named function with these arguments fails, or «OK» (``KOSTRA_FEIL``)."""
    from kostra_functions.excel.functions import FUNCTIONS

    name = function_name.strip().upper().replace(".", "_")
    if not name.startswith("KOSTRA_"):
        name = "KOSTRA_" + name
    fn = FUNCTIONS.get(name)
    if fn is None:  # KOSTRA_FEIL may explain itself: each level has one argument less, so it ends
        raise InvalidCodeError(f"Funksjonen «{function_name}» finnes ikke i kostra-functions.")
    return fn.explain(*args) or "OK"


#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_NAVN",
        impl=kostra_navn,
        help="Gir det offisielle navnet på en KOSTRA-funksjon i et gitt år. Ukjent eller utgått "
        "funksjon gir #I/T med forklaring (se KOSTRA_FEIL).",
        args=(
            Arg("funksjon", "code", "KOSTRA-funksjonen, tre sifre, f.eks. 202."),
            ARG_YEAR,
            ARG_REGION,
        ),
        category="Koder",
        example='=KOSTRA_NAVN(202; 2023) → "Grunnskole"',
    ),
    ExcelFunction(
        name="KOSTRA_GYLDIG",
        impl=kostra_gyldig,
        help="SANN hvis koden er en gyldig KOSTRA-funksjon eller -art i året (og kontoklassen, om "
        "oppgitt), ellers USANN.",
        args=(
            Arg("kode", "any", "Koden som skal sjekkes, f.eks. 254 eller «010»."),
            ARG_YEAR,
            Arg("type", "text", "«funksjon» (standard) eller «art».", optional=True),
            Arg("kontoklasse", "text", "«drift» eller «investering»; tom = uansett kontoklasse.",
                optional=True),
            ARG_REGION,
        ),
        category="Koder",
        example="=KOSTRA_GYLDIG(254; 2024) → USANN",
    ),
    ExcelFunction(
        name="KOSTRA_OMRADE",
        impl=partial(function_area, field="code"),
        help="Gir funksjonsområdet (f.eks. FO3) en KOSTRA-funksjon hører til etter regelsettet.",
        args=(
            Arg("funksjon", "code", "KOSTRA-funksjonen, tre sifre, f.eks. 253."),
            ARG_YEAR,
            ARG_RULESET,
        ),
        category="Koder",
        example='=KOSTRA_OMRADE(253; 2023) → "FO3"',
    ),
    ExcelFunction(
        name="KOSTRA_OMRADENAVN",
        impl=partial(function_area, field="name"),
        help="Gir navnet på funksjonsområdet en KOSTRA-funksjon hører til etter regelsettet.",
        args=(
            Arg("funksjon", "code", "KOSTRA-funksjonen, tre sifre, f.eks. 253."),
            ARG_YEAR,
            ARG_RULESET,
        ),
        category="Koder",
        example='=KOSTRA_OMRADENAVN(281; 2023) → "Sosiale tjenester og ytelser"',
    ),
    ExcelFunction(
        name="KOSTRA_FUNKSJON",
        impl=partial(account_part, field="function"),
        help="Gir KOSTRA-funksjonen (tre sifre, som tekst) i en kontostreng. Ugyldig kontostreng gir "
        "#VERDI! med forklaring.",
        args=(ARG_ACCOUNT, ARG_RULESET),
        category="Kontostreng",
        example='=KOSTRA_FUNKSJON("10100.330.215.93159") → "215"',
    ),
    ExcelFunction(
        name="KOSTRA_ART",
        impl=partial(account_part, field="kostra_art"),
        help="Gir KOSTRA-arten (tre sifre, som tekst) i en kontostreng: siffer 2–4 i arten.",
        args=(ARG_ACCOUNT, ARG_RULESET),
        category="Kontostreng",
        example='=KOSTRA_ART("10100.330.215.93159") → "010"',
    ),
    ExcelFunction(
        name="KOSTRA_KONTOKLASSE",
        impl=partial(account_part, field="account_class"),
        help="Gir «drift» eller «investering» for en kontostreng (første siffer i arten).",
        args=(ARG_ACCOUNT, ARG_RULESET),
        category="Kontostreng",
        example='=KOSTRA_KONTOKLASSE("02000.911.215.12345") → "investering"',
    ),
    ExcelFunction(
        name="KOSTRA_OREMERKET",
        impl=partial(account_part, field="earmarked"),
        help="SANN hvis kontostrengens prosjekt er øremerket etter regelsettet (Oslo: prosjektnummer "
        "som starter på 2 eller 3).",
        args=(ARG_ACCOUNT, ARG_RULESET),
        category="Kontostreng",
        example='=KOSTRA_OREMERKET("10100.330.253.21001") → SANN',
    ),
    ExcelFunction(
        name="KOSTRA_FEIL",
        impl=kostra_feil,
        help="Forklarer hvorfor et KOSTRA-kall gir feil: gi funksjonsnavnet og de samme argumentene. "
        "Gir «OK» når kallet virker.",
        args=(
            Arg("funksjonsnavn", "text", "Navnet på funksjonen som gir feil, f.eks. «KOSTRA_NAVN»."),
            Arg("argumenter", "any", "De samme argumentene som i cellen med feil.", optional=True,
                repeating=True),
        ),
        category="Hjelp",
        example='=KOSTRA_FEIL("KOSTRA_NAVN"; 254; 2024) → "Funksjon 254 er ikke gyldig i 2024 …"',
        cached=False,
    ),
)
