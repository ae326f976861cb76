"""THE table of Excel functions: every ``KOSTRA_*`` function, its implementation and Norwegian help.

Each row is an :class:`~kostra_functions.excel.spec.ExcelFunction`. The faces are generated from
:data:`FUNCTIONS`: the xlwings UDF module (:mod:`kostra_functions.excel.xlwings_udfs`), the xlwings
Server functions and the ``formulas`` engine bridge (:mod:`kostra_functions.engine`). Adding an Excel
function is one row here plus its implementation (in the library) and its tests.

Implementations below are thin: they receive converted arguments (codes as digit strings, amounts
as floats, ranges as lists of rows) and call the library. Conventions (ARCHITECTURE.md): amounts as
in municipal accounts (expenses +, revenues −); deviation = budget − accounts, + = mindreforbruk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kostra_functions import accounts, areas
from kostra_functions.errors import InvalidArgumentError, InvalidCodeError
from kostra_functions.excel.spec import Arg, ExcelFunction

# ---------------------------------------------------------------------------------------------
# Shared argument definitions (one help text per concept, so every function says the same thing)

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

_KINDS = {"funksjon": "funksjon", "f": "funksjon", "art": "art", "a": "art"}
_ACCOUNT_CLASSES = {"drift": "drift", "d": "drift", "1": "drift", "investering": "investering",
                    "i": "investering", "0": "investering"}


def _year(year: int | None) -> int:
    if year is None:
        from kostra_functions.codes.catalog import latest_year

        return latest_year()
    return year


def _catalog(year: int | None, region: str | None) -> Any:
    from kostra_functions.codes.catalog import Catalog

    return Catalog.for_year(_year(year), region)


def _region(region: str | None, ruleset: str | None = None) -> str | None:
    if region:
        if not (region.isdigit() and len(region) == 6):
            raise InvalidArgumentError(f"Regionen «{region}» skal ha 6 sifre, f.eks. 030105.")
        return region
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset

    value = load_ruleset(ruleset or DEFAULT_RULESET).get("regelsett.region", "")
    return str(value) or None


def _kind(kind: str | None) -> str:
    if kind is None:
        return "funksjon"
    try:
        return _KINDS[kind.strip().lower()]
    except KeyError:
        raise InvalidArgumentError(f"Typen «{kind}» er ukjent; bruk «funksjon» eller «art».") from None


def _account_class(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return _ACCOUNT_CLASSES[value.strip().lower()]
    except KeyError:
        raise InvalidArgumentError(
            f"Kontoklassen «{value}» er ukjent; bruk «drift» eller «investering»."
        ) from None


# ---------------------------------------------------------------------------------------------
# Codes and account strings (issue: Foundation)


def kostra_navn(function: str, year: int | None, region: str | None) -> str:
    return _catalog(year, _region(region)).name(function, "funksjon")


def kostra_gyldig(code: Any, year: int | None, kind: str | None, account_class: str | None,
                  region: str | None) -> bool:
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
    catalog = _catalog(year, _region(region))
    return catalog.is_valid(text, kind_, account_class=_account_class(account_class))


def kostra_omrade(function: str, year: int | None, ruleset: str | None) -> str:
    _catalog(year, _region(None, ruleset)).validate(function, "funksjon")
    return areas.area_of(function, ruleset).code


def kostra_omradenavn(function: str, year: int | None, ruleset: str | None) -> str:
    _catalog(year, _region(None, ruleset)).validate(function, "funksjon")
    return areas.area_of(function, ruleset).name


def kostra_funksjon(account: str, ruleset: str | None) -> str:
    return accounts.parse(account, ruleset).function


def kostra_art(account: str, ruleset: str | None) -> str:
    return accounts.parse(account, ruleset).kostra_art


def kostra_kontoklasse(account: str, ruleset: str | None) -> str:
    return accounts.parse(account, ruleset).account_class


def kostra_oremerket(account: str, ruleset: str | None) -> bool:
    return accounts.parse(account, ruleset).earmarked


def kostra_feil(function_name: str, *args: Any) -> str:
    name = function_name.strip().upper().replace(".", "_")
    if not name.startswith("KOSTRA_"):
        name = "KOSTRA_" + name
    fn = FUNCTIONS.get(name)
    if fn is None or fn.name == "KOSTRA_FEIL":
        raise InvalidCodeError(f"Funksjonen «{function_name}» finnes ikke i kostra-functions.")
    return fn.explain(*args) or "OK"


_CODES: tuple[ExcelFunction, ...] = (
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
        impl=kostra_omrade,
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
        impl=kostra_omradenavn,
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
        impl=kostra_funksjon,
        help="Gir KOSTRA-funksjonen (tre sifre, som tekst) i en kontostreng. Ugyldig kontostreng gir "
        "#VERDI! med forklaring.",
        args=(ARG_ACCOUNT, ARG_RULESET),
        category="Kontostreng",
        example='=KOSTRA_FUNKSJON("10100.330.215.93159") → "215"',
    ),
    ExcelFunction(
        name="KOSTRA_ART",
        impl=kostra_art,
        help="Gir KOSTRA-arten (tre sifre, som tekst) i en kontostreng: siffer 2–4 i arten.",
        args=(ARG_ACCOUNT, ARG_RULESET),
        category="Kontostreng",
        example='=KOSTRA_ART("10100.330.215.93159") → "010"',
    ),
    ExcelFunction(
        name="KOSTRA_KONTOKLASSE",
        impl=kostra_kontoklasse,
        help="Gir «drift» eller «investering» for en kontostreng (første siffer i arten).",
        args=(ARG_ACCOUNT, ARG_RULESET),
        category="Kontostreng",
        example='=KOSTRA_KONTOKLASSE("02000.911.215.12345") → "investering"',
    ),
    ExcelFunction(
        name="KOSTRA_OREMERKET",
        impl=kostra_oremerket,
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

# ---------------------------------------------------------------------------------------------
# Deviation prognoses (issue: avviksprognoser) — rows are added here.
# Library: kostra_functions.prognosis (methods) and kostra_functions.prognosis_table (a district).
# Deviation = expected adjusted budget − expected annual accounts; + = mindreforbruk.

_BASIS = "budsjett_hittil_eller_profil"


def _prognosis_basis(value: Any, method: str, period: int) -> dict[str, Any]:
    """The 5th argument of KOSTRA_AVVIK/KOSTRA_PROGNOSE as keyword arguments for the library.

    periodisert: a number, the periodised budget to date; profil: a 12/13-cell range (monthly
    amounts) or one number, the share of the year passed (0 < share ≤ 1); manuell: a number, the
    projection; lineær: not used (checked when given, so a typing error still shows).
    """
    from kostra_functions import prognosis as pg
    from kostra_functions.excel import convert

    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        cells = [cell for row in convert.to_table(value, _BASIS) for cell in row]
        if all(convert.is_blank(cell) for cell in cells):
            return {}
        if len(cells) > 1:
            if method != pg.PROFILE:
                raise InvalidArgumentError(
                    f"Argumentet «{_BASIS}» er et område med {len(cells)} celler, men bare metoden "
                    f"profil bruker et område (12 månedsbeløp); metoden er {method}."
                )
            return {"profile": convert.to_number_list(value, _BASIS)}
    elif convert.is_blank(value):
        return {}
    number = convert.to_number(value, _BASIS)
    if method == pg.PERIODISED:
        return {"budget_ytd": number}
    if method == pg.MANUAL:
        return {"manual_projection": number}
    if method == pg.PROFILE:
        if not 0 < number <= 1:
            from kostra_functions.errors import OutOfRangeError

            raise OutOfRangeError(
                f"Argumentet «{_BASIS}» er {number:g}; for metoden profil skal det være 12 månedsbeløp "
                "(et område) eller andelen av året som er gått, et tall større enn 0 og høyst 1."
            )
        return {"share": number}
    return {}  # lineær: checked above, not used


def _prognosis_call(adjusted_budget: float, actual_ytd: float, period: int, method: str | None,
                    basis: Any, measures: float | None, carried_forward: float | None,
                    allocations: float | None, ruleset: str | None) -> Any:
    from kostra_functions import prognosis as pg

    period = pg.check_period(period)
    method_ = pg.normalise_method(method, default=pg.default_method(ruleset))
    return pg.prognosis(
        adjusted_budget, actual_ytd, period, method=method_,
        **_prognosis_basis(basis, method_, period),
        measures=measures or 0.0, carried_forward=carried_forward or 0.0,
        central_allocations=allocations or 0.0, carried_forward_from=pg.carried_forward_from(ruleset),
    )


def kostra_avvik(adjusted_budget: float, actual_ytd: float, period: int, method: str | None,
                 basis: Any, measures: float | None, carried_forward: float | None,
                 allocations: float | None, ruleset: str | None) -> float:
    """Deviation prognosis (kroner): expected adjusted budget − expected accounts; + = mindreforbruk."""
    return _prognosis_call(adjusted_budget, actual_ytd, period, method, basis, measures,
                           carried_forward, allocations, ruleset).deviation


def kostra_prognose(adjusted_budget: float, actual_ytd: float, period: int, method: str | None,
                    basis: Any, measures: float | None, carried_forward: float | None,
                    allocations: float | None, ruleset: str | None) -> float:
    """Expected annual accounts (kroner, expenses +): projection − measures."""
    return _prognosis_call(adjusted_budget, actual_ytd, period, method, basis, measures,
                           carried_forward, allocations, ruleset).expected_accounts


def kostra_avvik_forklaring(adjusted_budget: float, actual_ytd: float, period: int, method: str | None,
                            basis: Any, measures: float | None, carried_forward: float | None,
                            allocations: float | None, ruleset: str | None) -> str:
    """The Norwegian explanation of every figure of the prognosis (for the written report)."""
    return _prognosis_call(adjusted_budget, actual_ytd, period, method, basis, measures,
                           carried_forward, allocations, ruleset).explanation


_PROGNOSIS_ARGS: tuple[Arg, ...] = (
    Arg("justert_budsjett", "number",
        "Justert årsbudsjett for KOSTRA-funksjonen i kroner (utgift +, inntekt −)."),
    Arg("regnskap_hittil", "number",
        "Regnskap hittil i år t.o.m. perioden, i kroner (utgift +, inntekt −)."),
    Arg("periode", "int",
        "Siste lukkede periode: 1–12 er månedene, 13 er årsavslutningen, 0 = ingen måned lukket "
        "(prognose = budsjett). Fra periode 12 er prognosen lik regnskap hittil."),
    Arg("metode", "text",
        "«lineær» (hittil × 12 / periode), «periodisert» (hittil + budsjett − budsjett hittil), "
        "«profil» (hittil / andel etter en 12-månedersprofil) eller «manuell» (egen prognose). "
        "Tom = regelsettets standard (periodisert).",
        optional=True),
    Arg(_BASIS, "any",
        "Periodisert: budsjett hittil i år (periodisert budsjett t.o.m. perioden). Profil: 12 celler "
        "med månedsbeløp (fjorårets regnskap eller budsjettets periodisering) eller andelen av året som "
        "er gått (0–1). Manuell: din prognose for årsregnskapet. Lineær: brukes ikke.",
        optional=True),
    Arg("tiltak", "number",
        "Besluttede tiltak: innsparing resten av året i kroner, positivt beløp. Tom = 0.",
        optional=True),
    Arg("fremført", "number",
        "Forventet fremført resultat fra i fjor: + mindreforbruk, − merforbruk. Tas med fra februar "
        "(regelsettets fremfort_fra_periode); i januar regnes det ikke med. Tom = 0.",
        optional=True),
    Arg("avsetninger", "number",
        "Forventet tildeling fra sentrale avsetninger (kapittel 303, 305, 306, 307 og 308), kroner "
        "(+ tildeling, − trekk). Tom = 0.",
        optional=True),
    ARG_RULESET,
)

_PROGNOSIS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_AVVIK",
        impl=kostra_avvik,
        help="Avviksprognose for en KOSTRA-funksjon: forventet justert budsjett (med fremført resultat "
        "og sentrale avsetninger) minus forventet årsregnskap (prognose minus tiltak). Positivt = "
        "mindreforbruk, negativt = merforbruk. Avrundet til øre. Ugyldige argumenter gir #VERDI! "
        "eller #NUM! med forklaring (se KOSTRA_FEIL).",
        args=_PROGNOSIS_ARGS,
        category="Avviksprognose",
        example='=KOSTRA_AVVIK(1200000; 650000; 6; "lineær") → -100000',
    ),
    ExcelFunction(
        name="KOSTRA_PROGNOSE",
        impl=kostra_prognose,
        help="Forventet årsregnskap for en KOSTRA-funksjon: prognose etter metoden minus besluttede "
        "tiltak, i kroner (utgift +, inntekt −), avrundet til øre. Samme argumenter som KOSTRA_AVVIK.",
        args=_PROGNOSIS_ARGS,
        category="Avviksprognose",
        example='=KOSTRA_PROGNOSE(1200000; 650000; 6; "periodisert"; 600000) → 1250000',
    ),
    ExcelFunction(
        name="KOSTRA_AVVIK_FORKLARING",
        impl=kostra_avvik_forklaring,
        help="Forklaring i tekst av avviksprognosen: hvilke tall og hvilken metode, til den skriftlige "
        "rapporten. Samme argumenter som KOSTRA_AVVIK.",
        args=_PROGNOSIS_ARGS,
        category="Avviksprognose",
        example='=KOSTRA_AVVIK_FORKLARING(1200000; 650000; 6; "lineær") → "Lineær: 650 000 × 12 / 6 = …"',
    ),
)

# ---------------------------------------------------------------------------------------------
# Authority validations and year-end rules (issue: fullmakter) — rows are added here.
_AUTHORITY: tuple[ExcelFunction, ...] = ()

# ---------------------------------------------------------------------------------------------
# KOSTRA reporting controls (issue: kontroller) — rows are added here.
_CONTROLS: tuple[ExcelFunction, ...] = ()


def _build(*groups: tuple[ExcelFunction, ...]) -> dict[str, ExcelFunction]:
    table: dict[str, ExcelFunction] = {}
    for group in groups:
        for fn in group:
            if fn.name in table:
                raise ValueError(f"duplicate Excel function {fn.name}")
            table[fn.name] = fn
    return table


#: The one table: Excel name → row. Faces iterate this; nothing else defines an Excel function.
FUNCTIONS: dict[str, ExcelFunction] = _build(_CODES, _PROGNOSIS, _AUTHORITY, _CONTROLS)


def iter_functions() -> Iterator[ExcelFunction]:
    """The rows in table order."""
    return iter(FUNCTIONS.values())


def get(name: str) -> ExcelFunction:
    """A row by Excel name (``KOSTRA_NAVN``; ``KOSTRA.NAVN`` and lower case also accepted)."""
    key = name.strip().upper().replace(".", "_")
    if key not in FUNCTIONS:
        raise KeyError(f"Ukjent KOSTRA-funksjon «{name}».")
    return FUNCTIONS[key]
