"""Arguments several areas of the function table share, and the conversions they read them with.

One help text per concept, so every function says the same thing (``år``, ``regelsett``, ``region``,
``kontostreng``, the sign convention), and one reading of the values several areas accept: the
accounting year, the KOSTRA region, the account class and the «svar» argument.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.excel.spec import Arg

# One help text per concept, so every function says the same thing.
ARG_YEAR = Arg(
    "år",
    "int",
    "Regnskapsåret kodelistene gjelder for, f.eks. 2023. Tom = nyeste år med kodeliste.",
    optional=True,
)
ARG_RULESET = Arg(
    "regelsett",
    "text",
    "Navnet på regelsettet (f.eks. «oslo_bydel» eller «okonomireglement») eller stien til en egen "
    "TOML-fil. Tom = oslo_bydel.",
    optional=True,
)
ARG_REGION = Arg(
    "region",
    "code",
    "KOSTRA-region (6 sifre, f.eks. 030105 for en bydel i Oslo). Avgjør om Oslo-kodene (691–696, "
    "artene 298/379/798) er gyldige. Tom = region fra regelsettet.",
    optional=True,
    width=6,
)
ARG_ACCOUNT = Arg(
    "kontostreng",
    "text",
    "Kontostrengen art.ansvar.funksjon.prosjekt, f.eks. 10100.330.215.93159 (skilletegn . - / eller "
    "mellomrom, eller sifrene i ett).",
)

#: The sign convention, said the same way in every help text that takes amounts (as KOSTRA_AVVIK).
SIGN = "Fortegn som KOSTRA_AVVIK: utgift +, inntekt −, avvik/resultat + = mindreforbruk."
#: Help of the ``regelsett`` argument where the default is økonomireglementet.
AUTH_RULESET_HELP = ("Navnet på regelsettet eller stien til en egen TOML-fil. Tom = okonomireglement "
                     "(økonomireglementet).")

_ACCOUNT_CLASSES = {"drift": "drift", "d": "drift", "1": "drift", "investering": "investering",
                    "i": "investering", "0": "investering"}


def resolve_year(year: int | None) -> int:
    """The accounting year asked for, or the newest year with a code list when ``year`` is blank."""
    if year is None:
        from kostra_functions.codes.catalog import latest_year

        return latest_year()
    return year


def catalog_for(year: int | None, region: str | None) -> Any:
    """The KOSTRA code list of the year (blank: the newest) for the region."""
    from kostra_functions.codes.catalog import Catalog

    return Catalog.for_year(resolve_year(year), region)


def resolve_region(region: str | None, ruleset: str | None = None) -> str | None:
    """The 6-digit KOSTRA region asked for, or the rule set's region when ``region`` is blank."""
    if region:
        if not (region.isdigit() and len(region) == 6):
            raise InvalidArgumentError(f"Regionen «{region}» skal ha 6 sifre, f.eks. 030105.")
        return region
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset

    value = load_ruleset(ruleset or DEFAULT_RULESET).get("regelsett.region", "")
    return str(value) or None


def parse_account_class(value: str | None) -> str | None:
    """«drift» or «investering» for what a controller types (``d``, ``1``, ``i``, ``0`` …); blank is
    ``None``."""
    if value is None:
        return None
    try:
        return _ACCOUNT_CLASSES[value.strip().lower()]
    except KeyError:
        raise InvalidArgumentError(
            f"Kontoklassen «{value}» er ukjent; bruk «drift» eller «investering»."
        ) from None


def answer_key(value: str | None, allowed: tuple[str, ...], arg: str = "svar") -> str:
    """The «svar» argument checked against the answers a function gives; blank → the first one."""
    key = (value or allowed[0]).strip().lower()
    if key not in allowed:
        raise InvalidArgumentError(
            f"Argumentet «{arg}» («{value}») er ukjent; bruk {', '.join(f'«{a}»' for a in allowed)}."
        )
    return key
