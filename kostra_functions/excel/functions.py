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

import dataclasses
from collections.abc import Iterator
from typing import Any

from kostra_functions import accounts, areas
from kostra_functions.errors import InvalidArgumentError, InvalidCodeError, KostraError
from kostra_functions.excel import convert
from kostra_functions.excel.spec import FALLBACK, Arg, ExcelFunction
from kostra_functions.versioning import data_version as _data_version

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
    if fn is None:  # KOSTRA_FEIL may explain itself: each level has one argument less, so it ends
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
# Library: kostra_functions.prognosis (methods; a district in prognosis.district … prognosis.table).
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


#: (raw rule-set cell, data version) → (default method, carried-forward period) for the fast path.
_FAST_RULES: dict[tuple[Any, str], tuple[str, int]] = {}
_AMOUNT_LIMIT = convert.MAX_AMOUNT
#: :mod:`kostra_functions.prognosis`, bound by :func:`_fast_rules` (imported lazily: it loads numpy).
_PG: Any = None


def _fast_rules(raw_ruleset: Any) -> tuple[str, int] | None:
    """The rule set's default method and carried-forward period, by the raw cell and data version."""
    global _PG
    key = (raw_ruleset, _data_version())
    try:
        return _FAST_RULES[key]  # filled below, after _PG is bound
    except KeyError:
        pass
    except TypeError:  # an unhashable cell (a range): the full path words the error
        return None
    from kostra_functions import prognosis as pg

    _PG = pg
    try:
        ruleset = ARG_RULESET.convert(raw_ruleset)
        rules = (pg.default_method(ruleset), pg.carried_forward_from(ruleset))
    except KostraError:
        return None
    if len(_FAST_RULES) > 64:
        _FAST_RULES.clear()
    _FAST_RULES[key] = rules
    return rules


def _fast_amount(v: Any) -> float | None:
    """A plain amount cell (float, or int from Office.js) within the limit, else ``None``."""
    t = type(v)
    if (t is float or t is int) and -_AMOUNT_LIMIT <= v <= _AMOUNT_LIMIT:
        return float(v)
    return None


def kostra_avvik_fast(budget: Any = None, actual: Any = None, period: Any = None, method: Any = None,
                      basis: Any = None, measures: Any = None, carried: Any = None, alloc: Any = None,
                      ruleset: Any = None, *more: Any) -> Any:
    """``KOSTRA_AVVIK`` for the cells a sheet nearly always has, or :data:`FALLBACK`.

    Numbers (floats, or ints from Office.js), a method as text or blank, the 5th argument a number or
    blank, a rule-set name or blank: the deviation alone (:func:`prognosis.deviation_only`), without
    the 15-figure :class:`~kostra_functions.prognosis.Prognosis`, the generic argument conversion or
    the result cache. Anything else, and every error, goes the full way (same values: property test
    in ``tests/test_avvik_fast.py``).
    """
    if more:
        return FALLBACK
    lim = _AMOUNT_LIMIT
    # Floats within the limit (what Excel passes) inline; anything else through _fast_amount.
    if type(budget) is not float or not -lim <= budget <= lim:
        budget = _fast_amount(budget)
        if budget is None:
            return FALLBACK
    if type(actual) is not float or not -lim <= actual <= lim:
        actual = _fast_amount(actual)
        if actual is None:
            return FALLBACK
    if basis is not None and (type(basis) is not float or not -lim <= basis <= lim):
        basis = _fast_amount(basis)
        if basis is None:
            return FALLBACK
    if measures is not None and (type(measures) is not float or not -lim <= measures <= lim):
        measures = _fast_amount(measures)
        if measures is None:
            return FALLBACK
    if carried is not None and (type(carried) is not float or not -lim <= carried <= lim):
        carried = _fast_amount(carried)
        if carried is None:
            return FALLBACK
    if alloc is not None and (type(alloc) is not float or not -lim <= alloc <= lim):
        alloc = _fast_amount(alloc)
        if alloc is None:
            return FALLBACK
    t = type(period)
    if t is float:
        if not period.is_integer():
            return FALLBACK
        period = int(period)
    elif t is not int:
        return FALLBACK
    if not 0 <= period <= 13:
        return FALLBACK
    rules = _fast_rules(ruleset)
    if rules is None:
        return FALLBACK
    if method is None:
        name = rules[0]
    elif type(method) is str:
        key = method.strip().lower()
        name = _PG.METHOD_ALIASES.get(key) if key else rules[0]
        if name is None:
            return FALLBACK
    else:
        return FALLBACK
    value = _PG.deviation_only(name, period, budget, actual, basis, measures or 0.0, carried or 0.0,
                               alloc or 0.0, rules[1])
    return FALLBACK if value is None else value


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


_ADJUSTMENT_COLUMNS = {
    "funksjon": "funksjon", "kostra-funksjon": "funksjon", "resultatenhet": "resultatenhet",
    "res": "resultatenhet", "metode": "metode", "prognose": "prognose", "manuell prognose": "prognose",
    "tiltak": "tiltak", "fremført": "fremfort", "fremfort": "fremfort", "fremført resultat": "fremfort",
    "avsetninger": "avsetninger", "sentrale avsetninger": "avsetninger",
}


def prognosis_adjustments(rows: list[list[Any]], ruleset: str | None, source: str = "justeringer") -> Any:
    """Adjustments per function from a range or CSV rows (header first) for the district table.

    Columns (header names, any case): ``funksjon`` (required), ``resultatenhet``, ``metode``,
    ``prognose`` (manual projection), ``tiltak`` (≥ 0), ``fremført`` (+ surplus, − deficit),
    ``avsetninger`` and/or one column per central-reserve chapter of the rule set (``303``, ``kap 305``
    …; summed). Blank cells are 0 / not given; an unknown column or a repeated function is an error.
    """
    import re

    from kostra_functions import prognosis as pg
    from kostra_functions.errors import MissingArgumentError
    from kostra_functions.excel import convert
    from kostra_functions.prognosis.adjustments import Adjustments
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset

    if not rows:
        raise InvalidArgumentError(f"Området «{source}» er tomt; første rad skal være overskrifter.")
    rs = load_ruleset(ruleset or DEFAULT_RULESET)
    chapters = {str(c) for c in rs.get("sentrale_avsetninger.kapitler", [])}
    columns: list[str] = []
    for i, head in enumerate(rows[0]):
        text = "" if convert.is_blank(head) else convert.to_text(head, f"{source} kolonne {i + 1}").lower()
        chapter = re.fullmatch(r"(?:kap(?:ittel)?\.?\s*)?(\d{3})", text)
        if text in _ADJUSTMENT_COLUMNS:
            columns.append(_ADJUSTMENT_COLUMNS[text])
        elif chapter and chapter.group(1) in chapters:
            columns.append("avsetninger")
        elif text == "":
            columns.append("")
        else:
            raise InvalidArgumentError(
                f"Kolonnen «{head}» i «{source}» er ukjent; bruk funksjon, resultatenhet, metode, "
                f"prognose, tiltak, fremført, avsetninger eller kapitlene {', '.join(sorted(chapters))}."
            )
    if "funksjon" not in columns:
        raise MissingArgumentError(f"«{source}» mangler kolonnen «funksjon» i første rad.")
    measures: dict[Any, float] = {}
    carried: dict[Any, float] = {}
    allocations: dict[Any, float] = {}
    manual: dict[str, float] = {}
    methods: dict[str, str] = {}
    seen: dict[tuple[str, str], int] = {}
    for r, row in enumerate(rows[1:], start=2):
        if all(convert.is_blank(c) for c in row):
            continue
        where = f"{source}, rad {r}"
        cells = dict.fromkeys(("resultatenhet", "metode", "prognose"))
        amounts = {"tiltak": 0.0, "fremfort": 0.0, "avsetninger": 0.0}
        function = None
        for col, value in zip(columns, row, strict=False):
            if col == "funksjon":
                function = convert.to_code(value, f"funksjon ({where})")
            elif col in ("resultatenhet", "metode"):
                cells[col] = convert.to_text(value, f"{col} ({where})", optional=True)
            elif col == "prognose":
                cells[col] = convert.to_number(value, f"prognose ({where})", optional=True)
            elif col:
                amounts[col] += convert.to_number(value, f"{col} ({where})", optional=True, default=0.0)
        if function is None:
            raise MissingArgumentError(f"Funksjon mangler i {where}.")
        unit = cells["resultatenhet"] or ""
        if (function, unit) in seen:
            raise InvalidArgumentError(
                f"Funksjon {function}{f' / resultatenhet {unit}' if unit else ''} står to ganger i "
                f"«{source}» (rad {seen[(function, unit)]} og {r}); slå radene sammen."
            )
        seen[(function, unit)] = r
        key: Any = (function, unit) if unit else function
        for name, target in (("tiltak", measures), ("fremfort", carried), ("avsetninger", allocations)):
            if amounts[name]:
                target[key] = amounts[name]
        if cells["metode"] or cells["prognose"] is not None:
            if unit:
                raise InvalidArgumentError(
                    f"Metode og manuell prognose gjelder hele funksjonen; la resultatenhet stå tom ({where})."
                )
            if cells["metode"]:
                methods[function] = pg.normalise_method(cells["metode"])
            if cells["prognose"] is not None:
                manual[function] = cells["prognose"]
                methods.setdefault(function, pg.MANUAL)
    return Adjustments(measures=measures, carried_forward=carried, central_allocations=allocations,
                       manual_projections=manual, methods=methods)


def _ledger_from_range(rows: list[list[Any]] | None, kind: str, source: str) -> Any:
    import pandas as pd

    from kostra_functions.ledger import ledger_from_frame

    if rows is None:
        return None
    if len(rows) < 2:
        raise InvalidArgumentError(
            f"{source}: området har ingen rader; første rad skal være overskrifter og resten posteringer."
        )
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    return ledger_from_frame(pd.DataFrame(rows[1:], columns=header), kind=kind, source=source)


_TABLE_BASES: Any = None
_TABLE_RESULTS: Any = None


def kostra_avvik_tabell(accounts_range: list[list[Any]], budget_range: list[list[Any]], period: int,
                        year: int | None, method: str | None, ruleset: str | None,
                        adjustments_range: list[list[Any]] | None,
                        last_year_range: list[list[Any]] | None) -> list[list[Any]]:
    """The district's deviation prognoses by function area and function, as a dynamic array.

    Rows: header; one row per function with area subtotals and a block total for ordinary
    operations, then earmarked projects as their own block; a grand total. Amounts in kroner
    rounded to øre (expenses +); deviation + = mindreforbruk. Parsed ledgers are cached by content.
    """
    global _TABLE_BASES, _TABLE_RESULTS
    from kostra_functions import prognosis as pg
    from kostra_functions.excel.cache import ResultCache
    from kostra_functions.excel.convert import ExcelError
    from kostra_functions.prognosis.compute import compute_arrays
    from kostra_functions.prognosis.district import content_key, district_basis
    from kostra_functions.prognosis.table import Cell, report_rows
    from kostra_functions.versioning import data_version

    if _TABLE_BASES is None:
        _TABLE_BASES, _TABLE_RESULTS = ResultCache(maxsize=8), ResultCache(maxsize=256)
    period = pg.check_period(period)
    version = data_version()
    basis_key = content_key(accounts_range, budget_range, last_year_range, year, ruleset, version)
    result_key = (basis_key, period, method, content_key(adjustments_range))

    def basis() -> Any:
        actuals = _ledger_from_range(accounts_range, "regnskap", "argumentet «regnskap»")
        budget = _ledger_from_range(budget_range, "budsjett", "argumentet «budsjett»")
        year_ = year or actuals.attrs.get("aar") or budget.attrs.get("aar") or _year(None)
        return district_basis(
            actuals, budget, year=int(year_), ruleset=ruleset,
            last_year=_ledger_from_range(last_year_range, "regnskap", "argumentet «fjorårsregnskap»"),
        )

    def table() -> list[list[Any]]:
        adj = prognosis_adjustments(adjustments_range, ruleset) if adjustments_range is not None else None
        detail = compute_arrays(_TABLE_BASES.get_or_compute(basis_key, basis), period, method=method,
                                adjustments=adj, errors="mark", explain=False)
        return [[ExcelError(c.code, c.message) if isinstance(c, Cell) else c for c in row]
                for row in report_rows(detail)]

    return [list(row) for row in _TABLE_RESULTS.get_or_compute(result_key, table)]


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
        "Periodisert: budsjett hittil i år. Profil: 12 celler med månedsbeløp (fjorårets regnskap "
        "eller budsjettets periodisering) eller andelen av året som er gått (0–1). Manuell: din "
        "prognose for årsregnskapet. Lineær: brukes ikke.",
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
        "og sentrale avsetninger) minus forventet årsregnskap. Positivt = mindreforbruk, negativt = "
        "merforbruk. Feil forklares med KOSTRA_FEIL.",
        details="Avviksprognose for en KOSTRA-funksjon: forventet justert budsjett (med fremført resultat "
        "og sentrale avsetninger) minus forventet årsregnskap (prognose minus tiltak). Positivt = "
        "mindreforbruk, negativt = merforbruk. Avrundet til øre. Ugyldige argumenter gir #VERDI! "
        "eller #NUM! med forklaring (se KOSTRA_FEIL).",
        args=_PROGNOSIS_ARGS,
        category="Avviksprognose",
        example='=KOSTRA_AVVIK(1200000; 650000; 6; "lineær") → -100000',
        fast=kostra_avvik_fast,
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
    ExcelFunction(
        name="KOSTRA_AVVIK_TABELL",
        impl=kostra_avvik_tabell,
        help="Avviksprognoser for hele bydelen som dynamisk matrise: én rad per KOSTRA-funksjon, "
        "delsummer per funksjonsområde, øremerkede prosjekter som egen del og totalsum. Avviksprognose "
        "+ = mindreforbruk.",
        details="Avviksprognoser for hele bydelen som en tabell (dynamisk matrise): én rad per KOSTRA-"
        "funksjon gruppert på funksjonsområde med delsummer, øremerkede prosjekter (prosjekt 2xxxx/"
        "3xxxx) som egen del, og totalsum. Kolonner: del, funksjonsområde, funksjon, navn, metode, "
        "justert budsjett, regnskap hittil, budsjett hittil, avvik hittil, prognose, tiltak, fremført, "
        "avsetninger, forventet regnskap, avviksprognose (+ = mindreforbruk). En funksjon der prognosen "
        "ikke kan beregnes får feilverdi i sine celler og i summene (se KOSTRA_FEIL).",
        args=(
            Arg("regnskap", "table",
                "Regnskapet hittil i år: område med overskriftsrad (art, ansvar, funksjon, prosjekt, "
                "periode, beløp) og én postering per rad, som eksporten fra Agresso."),
            Arg("budsjett", "table",
                "Det periodiserte justerte budsjettet: område med samme kolonner som regnskapet "
                "(periode 1–12)."),
            Arg("periode", "int",
                "Siste lukkede periode 0–13; regnskap og budsjett summeres t.o.m. denne perioden."),
            Arg("år", "int",
                "Regnskapsåret (kodeliste og navn), f.eks. 2023. Tom = året i periodene (ÅÅÅÅMM) i "
                "regnskapet, ellers nyeste år med kodeliste.",
                optional=True),
            Arg("metode", "text",
                "Metode for alle funksjoner: «periodisert», «lineær», «profil» eller «manuell». Tom = "
                "regelsettets standard (periodisert). Profil bruker fjorårets regnskap når det er gitt, "
                "ellers budsjettets periodisering.",
                optional=True),
            ARG_RULESET,
            Arg("justeringer", "table",
                "Valgfritt område med overskriftsrad: funksjon, og etter behov resultatenhet, metode, "
                "prognose (manuell), tiltak, fremført, avsetninger eller kapitlene 303, 305, 306, 307, "
                "308. Gjelder ordinær drift.",
                optional=True),
            Arg("fjorårsregnskap", "table",
                "Valgfritt: fjorårets regnskap (samme kolonner) som sesongprofil for metoden profil.",
                optional=True),
        ),
        category="Avviksprognose",
        returns="array",
        example='=KOSTRA_AVVIK_TABELL(Regnskap!A1:G5000; Budsjett!A1:G3000; 6; 2023)',
    ),
)

# ---------------------------------------------------------------------------------------------
# Recommended method per function (issue: back-test). Thin: kostra_functions.method_choice decides.


def kostra_metode(function: str, ruleset: str | None) -> str:
    from kostra_functions import method_choice

    return method_choice.method_for(function, ruleset)


_METHOD_CHOICE: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_METODE",
        impl=kostra_metode,
        help="Anbefalt prognosemetode for en KOSTRA-funksjon fra regelsettet (fra tilbaketesten av "
        "bydelens tidligere år: metoden med lavest feil), ellers regelsettets standardmetode.",
        details="Anbefalt prognosemetode for en KOSTRA-funksjon: metoden som tilbaketesten (kostra "
        "prognose --tilbaketest) fant hadde lavest gjennomsnittlig feil i bydelens tidligere år, slik "
        "den står i regelsettet under [prognose.metode_per_funksjon] med feiltallene som begrunnelse. "
        "Har regelsettet ingen anbefaling for funksjonen, gis regelsettets standardmetode. Bruk svaret "
        "som metode i KOSTRA_AVVIK; controlleren kan alltid velge en annen.",
        args=(
            Arg("funksjon", "code", "KOSTRA-funksjonen (tre sifre), f.eks. 253."),
            Arg("regelsett", "text",
                "Regelsettet med anbefalingene, f.eks. «bydel_eksempel» (skrevet av tilbaketesten), "
                "eller stien til en egen TOML-fil. Tom = oslo_bydel (ingen anbefalinger: "
                "standardmetoden).",
                optional=True),
        ),
        category="Avviksprognose",
        example='=KOSTRA_METODE("253"; "bydel_eksempel") → "periodisert"',
    ),
)


# ---------------------------------------------------------------------------------------------
# Authority validations and year-end rules (issue: fullmakter) — rows are added here.
# Thin wrappers: kostra_functions.authority, .attestation, .yearend, .investment and .vat decide.

_AUTH_RULESET_HELP = ("Navnet på regelsettet eller stien til en egen TOML-fil. Tom = okonomireglement "
                      "(økonomireglementet).")


def _answer(value: str | None, allowed: tuple[str, ...], arg: str = "svar") -> str:
    key = (value or allowed[0]).strip().lower()
    if key not in allowed:
        raise InvalidArgumentError(
            f"Argumentet «{arg}» («{value}») er ukjent; bruk {', '.join(f'«{a}»' for a in allowed)}."
        )
    return key


def kostra_fullmakt(action: str, amount: float, frame_area: str, when: Any, budget_year: int,
                    other_area: str | None, revenue_kind: str | None, actual_revenue: float | None,
                    increases_frame: bool, outside_premises: bool, answer: str | None,
                    ruleset: str | None) -> Any:
    from kostra_functions.authority import budget_authority

    key = _answer(answer, ("organ", "tillatt", "begrunnelse", "paragraf"))
    d = budget_authority(action, amount, frame_area, when, budget_year, other_frame_area=other_area,
                         revenue_kind=revenue_kind, actual_revenue=actual_revenue,
                         increases_frame=bool(increases_frame), outside_premises=bool(outside_premises),
                         ruleset=ruleset)
    return _authority_answer(d, key)


def _authority_answer(d: Any, key: str) -> Any:
    if key == "tillatt":
        return d.allowed
    if key == "begrunnelse":
        return d.reason
    if key == "paragraf":
        return d.paragraph
    return d.body if d.allowed else "Ikke tillatt"


def kostra_fullmakt_flytting(amount: float, from_area: str, to_area: str, when: Any,
                             budget_year: int | None, answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.authority import BETWEEN_FRAME_AREAS, budget_authority, same_frame_area

    key = _answer(answer, ("organ", "tillatt", "begrunnelse", "paragraf"))
    year = when.year if budget_year is None and hasattr(when, "year") else budget_year
    # the same area typed twice («2» and «02») is a move between responsibilities inside it
    action = "mellom_ansvar" if same_frame_area(from_area, to_area, ruleset) else BETWEEN_FRAME_AREAS
    d = budget_authority(action, amount, from_area, when, year, other_frame_area=to_area, ruleset=ruleset)
    return _authority_answer(d, key)


def _bank_columns(**given: Any) -> frozenset[str]:
    """The optional voucher columns a single-voucher call has: only those the caller filled in."""
    return frozenset(name for name, value in given.items() if value not in (None, ""))


def kostra_attestasjon(register: list[list[Any]], amount: float, responsibility: str, payee: str,
                       attested_by: str | None, approved_by: str | None, entered_by: str | None,
                       bank_approved_by: str | None, remitted_by: str | None, available: float | None,
                       ruleset: str | None) -> str:
    from kostra_functions import attestation

    header, rows, source = attestation.rows_from_range(register, "register")
    reg = attestation.register_from_rows(header, rows, source, ruleset)
    line = attestation.VoucherLine(
        voucher="", amount=amount, responsibility=responsibility, payee=payee, attested_by=attested_by,
        approved_by=approved_by, entered_by=entered_by, bank_approved_by=bank_approved_by,
        remitted_by=remitted_by, available=available,
    )
    # A blank bank argument means «not checked» (as the help says), so only filled ones are columns:
    # «registrert_av» alone is not a one-person payment, it is a payment whose approver is unknown.
    columns = _bank_columns(registrert_av=entered_by, godkjent_av=bank_approved_by, remittert_av=remitted_by)
    found = attestation.check_voucher([line], reg, ruleset, columns=columns)
    if not found:
        return "OK"
    return " | ".join(f"{v.rule} ({v.paragraph}): {v.message}" for v in found)


def kostra_fullmaktsregister(register: list[list[Any]], ruleset: str | None) -> list[list[Any]]:
    from kostra_functions import attestation

    header, rows, source = attestation.rows_from_range(register, "register")
    reg = attestation.register_from_rows(header, rows, source, ruleset)
    found = attestation.check_register(reg, ruleset)
    if not found:
        return [["OK", "", "", "Ingen brudd i fullmaktsregisteret."]]
    return [[v.rule, v.paragraph, ", ".join(v.people), v.message] for v in found]


def kostra_duplikater(vouchers: list[list[Any]], ruleset: str | None) -> list[list[Any]]:
    from kostra_functions import attestation

    header, rows, source = attestation.rows_from_range(vouchers, "bilagsliste")
    data = attestation.vouchers_from_rows(header, rows, source, ruleset)
    found = attestation.check_duplicates(data.lines, ruleset)
    by_line: dict[str, list[str]] = {}
    for v in found:  # reported at the later line (the last location)
        mark = "ADVARSEL " if v.is_warning else ""
        by_line.setdefault(v.locations[-1], []).append(f"{mark}{v.rule} ({v.paragraph}): {v.message}")
    return [[line.voucher, " | ".join(by_line.get(line.location, [])) or "OK"] for line in data.lines]


def kostra_disponering(net_result: float, fund_before: float | None, special_project: bool,
                       municipal_deficit: float | None, total_allocations: float | None,
                       repayment_years: int | None, extended_granted: bool, accounting_year: int | None,
                       ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend import distribute_result

    d = distribute_result(
        net_result, 0 if fund_before is None else fund_before, special_project=bool(special_project),
        municipal_deficit=0 if municipal_deficit is None else municipal_deficit,
        total_allocations=total_allocations, repayment_years=repayment_years,
        extended_granted=bool(extended_granted), accounting_year=accounting_year, ruleset=ruleset,
    )
    return d.rows()


def kostra_arsavslutning(units: list[list[Any]], general_fund_before: float, municipal_deficit: float | None,
                         accounting_year: int | None, ruleset: str | None) -> list[list[Any]]:
    from kostra_functions import attestation
    from kostra_functions.excel import convert as cv
    from kostra_functions.yearend import UnitResult, close_year, pooled_allocations

    header, rows, _ = attestation.rows_from_range(units, "enheter")
    missing = [c for c in ("enhet", "nettoresultat") if c not in header]
    if missing:
        raise InvalidArgumentError(
            f"Området «enheter» mangler kolonnene {', '.join(missing)} (overskriftsrad: enhet, "
            "nettoresultat, "
            "fond_før, spesielt_prosjekt, fond)."
        )
    parsed: list[UnitResult] = []
    fund_of: dict[str, str] = {}
    for row in rows:
        c = row.cells
        unit = "" if cv.is_blank(c.get("enhet")) else str(c.get("enhet")).strip()
        if unit.endswith(".0") and unit[:-2].isdigit():
            unit = unit[:-2]
        if not unit:
            raise InvalidArgumentError(f"{row.where}: enheten mangler.")
        net = cv.to_number(c.get("nettoresultat"), f"nettoresultat ({row.where})")
        before = (0.0 if cv.is_blank(c.get("fond_for"))
                  else cv.to_number(c.get("fond_for"), f"fond_før ({row.where})"))
        special = False if cv.is_blank(c.get("spesielt_prosjekt")) else bool(
            cv.to_bool(c.get("spesielt_prosjekt"), "spesielt_prosjekt"))
        parsed.append(UnitResult(unit, net, before, special))
        fund_of[unit] = "" if cv.is_blank(c.get("fond")) else str(c.get("fond")).strip()
    result = close_year(parsed, general_fund_before,
                        municipal_deficit=0 if municipal_deficit is None else municipal_deficit,
                        accounting_year=accounting_year, ruleset=ruleset)
    pooled = pooled_allocations(fund_of)
    out: list[list[Any]] = []
    for unit, d in result.units.items():
        out.append([unit, float(d.to_unit_fund), float(d.to_general_fund), float(d.reduction),
                    float(d.use_of_unit_fund), float(d.fund_after), pooled.get(unit, "OK")])
    out.append(["Det generelle disposisjonsfondet", None, None, None, None, float(result.general_fund_after),
                "OK"])
    below = float(result.below_minimum)
    out.append(["Sum alle disposisjonsfond", None, None, float(result.memorandum_total), None,
                float(result.funds_total_after), result.notes[0] if below > 0 else "OK"])
    return out


def kostra_fondsbruk(fund_now: float, use: float, expected_result: float, budget_adjusted: bool,
                     answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.yearend import in_year_fund_use

    key = _answer(answer, ("tillatt", "begrunnelse", "fond"))
    d = in_year_fund_use(fund_now, use, expected_result, budget_adjusted=bool(budget_adjusted),
                         ruleset=ruleset)
    if key == "begrunnelse":
        return d.reason
    if key == "fond":
        return float(d.expected_fund) if d.expected_fund is not None else None
    return d.allowed


def kostra_fondsomfordeling(from_area: str, to_area: str, special_reasons: bool, leaders_involved: bool,
                            answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.yearend import fund_redistribution

    key = _answer(answer, ("organ", "tillatt", "begrunnelse"))
    d = fund_redistribution(from_area, to_area, special_reasons=bool(special_reasons),
                            leaders_involved=bool(leaders_involved), ruleset=ruleset)
    if key == "tillatt":
        return d.allowed
    if key == "begrunnelse":
        return d.reason
    return d.body if d.allowed else "Ikke tillatt"


def kostra_strykning(part: str, deficit: float, amount_1: float, amount_2: float, amount_3: float | None,
                     ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend import investment_cuts, operating_cuts

    kind = part.strip().lower()
    if kind in ("drift", "d"):
        return operating_cuts(deficit, amount_1, amount_2, 0 if amount_3 is None else amount_3,
                              ruleset=ruleset).rows()
    if kind in ("investering", "i"):
        if amount_3 is not None:
            raise InvalidArgumentError(
                "Argumentet «beløp3» brukes bare for drift; i investering føres resten opp på neste års "
                "investeringsbudsjett. Bruk gjerne KOSTRA_STRYKNING_INVESTERING."
            )
        return investment_cuts(deficit, amount_1, amount_2, ruleset=ruleset).rows()
    raise InvalidArgumentError(f"Argumentet «regnskap» skal være «drift» eller «investering», ikke «{part}».")


def kostra_strykning_drift(deficit: float, transfers: float | None, allocations: float | None,
                           coverage: float | None, ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend import operating_cuts

    return operating_cuts(deficit, transfers or 0, allocations or 0, coverage or 0, ruleset=ruleset).rows()


def kostra_strykning_investering(overspend: float, allocations: float | None, capital_funds: float | None,
                                 ruleset: str | None) -> list[list[Any]]:
    from kostra_functions.yearend import investment_cuts

    return investment_cuts(overspend, allocations or 0, capital_funds or 0, ruleset=ruleset).rows()


def kostra_investering(cost: float, life_years: float, repair: bool, answer: str | None,
                       ruleset: str | None) -> Any:
    from kostra_functions import investment

    if (answer or "").strip().lower() == "fremdriftsplan":
        raise InvalidArgumentError("Om en totalbevilgning krever fremdriftsplan, gir KOSTRA_FREMDRIFTSPLAN"
                                   "(totalbevilgning).")
    key = _answer(answer, ("klasse", "begrunnelse"))
    result = investment.classify_acquisition(cost, life_years, repair=bool(repair), ruleset=ruleset)
    return result.reason if key == "begrunnelse" else result.account_class


def kostra_fremdriftsplan(total: float, answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions import investment

    key = _answer(answer, ("kreves", "begrunnelse"))
    if key == "begrunnelse":
        return investment.progress_plan_reason(total, ruleset=ruleset)
    return investment.needs_progress_plan(total, ruleset=ruleset)


def kostra_mvakode(account: str, function: str, rate: float, compensated: bool, own_vehicle: bool | None,
                   answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.vat import expected_vat_code

    key = _answer(answer, ("kode", "begrunnelse"))
    result = expected_vat_code(account, function, rate, compensated=bool(compensated),
                               own_vehicle=own_vehicle, ruleset=ruleset)
    return result.reason if key == "begrunnelse" else result.code


#: The sign convention, said the same way in every help text of this section (as KOSTRA_AVVIK).
SIGN = "Fortegn som KOSTRA_AVVIK: utgift +, inntekt −, avvik/resultat + = mindreforbruk."
_ANSWER_BODY = "Valgfritt: organ (standard), tillatt (SANN/USANN), begrunnelse eller paragraf."
_AMOUNT_CHANGE = ("Endringens beløp i kroner, med fortegn som i regnskapet (utgift +, inntekt −). Det er "
                  "størrelsen som teller: en merinntekt på 250 000 kan skrives 250000 eller -250000.")
_AREA_FORMS = "Skriv 2, «02» eller «2 Oppvekst og kultur»."
_RESULT_RULESET = Arg("regelsett", "text", "Navnet på regelsettet eller stien til en egen TOML-fil. Tom = "
                      "kristiansand_resultat (Kristiansands regler for årsavslutning).", optional=True)

_AUTHORITY: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_FULLMAKT",
        impl=kostra_fullmakt,
        help="Gir det laveste organet som kan vedta en budsjettendring (økonomireglementet §3.3), eller "
        "«Ikke tillatt». Flytting mellom rammeområder: KOSTRA_FULLMAKT_FLYTTING. " + SIGN,
        details="Gir det laveste organet som kan vedta en budsjettendring etter økonomireglementet §3.3 "
        "(Rådmannen, Hovedutvalget, Formannskapet eller Kommunestyret), eller «Ikke tillatt» når "
        "endringen er etter 31.12 i budsjettåret. Endringer bare kommunestyret kan gjøre (§3.3.1: sum "
        "frie disponible inntekter, finansutgifter netto, avsetninger netto, finansiering av "
        "investeringsbudsjettet) er egne handlinger. Et vedtak datert før budsjettåret får en merknad i "
        "begrunnelsen. Med «svar» får du begrunnelsen eller paragrafen. " + SIGN,
        args=(
            Arg("handling", "text",
                "Hva som vedtas, f.eks. merinntekt, mellom_ansvar, mellom_poster, omprioritering, "
                "bruk_disposisjonsfond, tilleggsbevilgning, endre_frie_inntekter, endre_finansutgifter, "
                "endre_avsetninger_netto (alle: se veiledningen)."),
            Arg("beløp", "number", _AMOUNT_CHANGE),
            Arg("rammeområde", "text",
                "Rammeområdet saken gjelder (1–9); ved flytting: området midlene tas fra. " + _AREA_FORMS
                + " 1, 7 og 8 er formannskapets områder, 9 er investering."),
            Arg("dato", "date", "Vedtaksdatoen, f.eks. 15.06.2023."),
            Arg("budsjettår", "int",
                "Året for årsbudsjettet som endres, f.eks. 2023. Vedtak etter 31.12 dette året er ikke "
                "tillatt (§3.3.6); vedtak før året begynner får en merknad."),
            Arg("annet_rammeområde", "text",
                "Valgfritt: rammeområdet midlene ender i (for bruk_disposisjonsfond: området der avsetningen "
                "ble gjort). Et annet område betyr at bare kommunestyret kan vedta. Tom = samme område.",
                optional=True),
            Arg("inntektstype", "text",
                "Valgfritt, bare for merinntekt: ordinaer (standard), prosjekt (eksterne "
                "prosjektinntekter), nav (refusjoner fra NAV), statstilskudd (øremerket, uten kommunal "
                "bevilgning) eller statstilskudd_med_bevilgning. Alle unntatt ordinaer er unntatt "
                "200 000-grensen.", optional=True),
            Arg("faktisk_inntekt", "number",
                "Valgfritt, for prosjekt/nav/statstilskudd: den faktiske inntekten i kroner. Fullmakten "
                "begrenser seg til den; et større beløp må til kommunestyret. Tom = ikke kontrollert.",
                optional=True),
            Arg("øker_ramme", "bool",
                "Valgfritt: SANN hvis endringen gjør at nettorammen overskrides (drift) eller øker et "
                "prosjekts totalbudsjett (investering); da må kommunestyret vedta. Tom = USANN.",
                optional=True, default=False),
            Arg("utenfor_premisser", "bool",
                "Valgfritt: SANN hvis tiltaket gir forpliktelser utover økonomiplanens rammer eller strider "
                "mot kommunestyrets mål og premisser (§3.3.2); da må kommunestyret vedta. Tom = USANN.",
                optional=True, default=False),
            Arg("svar", "text", _ANSWER_BODY, optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        example='=KOSTRA_FULLMAKT("merinntekt"; 200000; 2; "15.06.2023"; 2023) → "Hovedutvalget"',
    ),
    ExcelFunction(
        name="KOSTRA_FULLMAKT_FLYTTING",
        impl=kostra_fullmakt_flytting,
        help="Hvem kan vedta å flytte budsjettmidler fra ett rammeområde til et annet (økonomireglementet "
        "§3.3.1, §3.3.3 C)? Gir organet eller «Ikke tillatt». " + SIGN,
        args=(
            Arg("beløp", "number", _AMOUNT_CHANGE),
            Arg("fra_område", "text", "Rammeområdet midlene tas fra. " + _AREA_FORMS),
            Arg("til_område", "text", "Rammeområdet midlene flyttes til. " + _AREA_FORMS),
            Arg("dato", "date", "Vedtaksdatoen, f.eks. 15.06.2023."),
            Arg("budsjettår", "int", "Valgfritt: året for årsbudsjettet som endres. Tom = året i «dato».",
                optional=True),
            Arg("svar", "text", _ANSWER_BODY, optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        example='=KOSTRA_FULLMAKT_FLYTTING(500000; 2; 3; "15.06.2023") → "Kommunestyret"',
    ),
    ExcelFunction(
        name="KOSTRA_ATTESTASJON",
        impl=kostra_attestasjon,
        help="Kontrollerer ett bilag mot fullmaktsregisteret (økonomireglementet §4). Gir «OK», eller hvert "
        "brudd som «REGEL (§): forklaring», skilt med |. " + SIGN,
        args=(
            Arg("register", "table",
                "Fullmaktsregisteret som område med overskriftsrad: person, navn, stilling, roller "
                "(attestasjon, anvisning, utbetaling, bankavstemming), ansvar (330, 300-399 eller *), "
                "beløpsgrense, leder, nærstående, delegert_av."),
            Arg("beløp", "number", "Bilagets beløp i kroner: utgift positiv, kreditnota negativ."),
            Arg("ansvar", "text", "Ansvaret bilaget belastes, f.eks. 330."),
            Arg("mottaker", "text",
                "Hvem regningen er til: personens id i registeret (f.eks. reiseregning) eller "
                "leverandøren."),
            Arg("attestert_av", "text",
                "Valgfritt: personen som attesterte. Tom = ikke attestert (rapporteres som brudd).",
                optional=True),
            Arg("anvist_av", "text",
                "Valgfritt: personen som anviste. Tom = ikke anvist (rapporteres som brudd).",
                optional=True),
            Arg("registrert_av", "text",
                "Valgfritt: hvem som la inn utbetalingen i nettbanken. Tom = ikke kontrollert. To personer "
                "kontrolleres bare når både registrert_av og godkjent_av er fylt ut.", optional=True),
            Arg("godkjent_av", "text",
                "Valgfritt: hvem som godkjente utbetalingen i nettbanken. Tom = ikke kontrollert.",
                optional=True),
            Arg("remittert_av", "text", "Valgfritt: hvem som remitterte. Tom = ikke kontrollert.",
                optional=True),
            Arg("disponibelt", "number",
                "Valgfritt: disponibelt budsjett på ansvaret før bilaget, i kroner. Tom = budsjettdekning "
                "ikke kontrollert.", optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        example='=KOSTRA_ATTESTASJON(Register!A1:H40; 12500; 330; "KL"; "AB"; "AB") → '
        '"ATT-ANV-SAMME (§4.1): …"',
    ),
    ExcelFunction(
        name="KOSTRA_FULLMAKTSREGISTER",
        impl=kostra_fullmaktsregister,
        help="Kontrollerer hele fullmaktsregisteret (økonomireglementet §4): utbetaling og "
        "bankavstemming (§4.3), økonomisjef og delegering (§4.1, §4.2). Én rad per brudd, eller "
        "«OK». " + SIGN,
        args=(
            Arg("register", "table",
                "Fullmaktsregisteret med overskriftsrad: person, navn, stilling, roller, ansvar, "
                "beløpsgrense, leder, nærstående og delegert_av (hvem som ga personen myndigheten)."),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        returns="array",
        example='=KOSTRA_FULLMAKTSREGISTER(Register!A1:I20) → regel, paragraf, personer, forklaring',
    ),
    ExcelFunction(
        name="KOSTRA_DUPLIKATER",
        impl=kostra_duplikater,
        help="Finner fakturaer behandlet før (økonomireglementet §4.1): samme mottaker, beløp og "
        "fakturanummer eller KID. Nesten like gir ADVARSEL. Én rad per linje: bilag og funn. " + SIGN,
        args=(
            Arg("bilagsliste", "table",
                "Bilagslisten med overskriftsrad: bilag, beløp, ansvar, mottaker, attestert_av, anvist_av, "
                "og gjerne fakturanr, kid og dato."),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        returns="array",
        example='=KOSTRA_DUPLIKATER(Bilag!A1:N30) → bilag og «OK» eller «BILAG-DUPLIKAT (§4.1): …» per linje',
    ),
    ExcelFunction(
        name="KOSTRA_DISPONERING",
        impl=kostra_disponering,
        help="Fordeler en enhets nettoresultat etter Kristiansands regler for årsavslutning (85 % til "
        "enhetens fond, 15 % til det generelle). Gir alltid 9 rader: tekst og beløp. " + SIGN,
        details="Fordeler en resultatenhets nettoresultat ved årsavslutning (Kristiansands regler for "
        "årsavslutning): overskudd 85 % til enhetens og 15 % til det generelle disposisjonsfondet "
        "(spesielle prosjekter 100 %), merforbruk dekkes av enhetens fond og et negativt fond "
        "tilbakeføres innen 2 år. Gir alltid 9 rader med tekst og beløp; nedbetalingen står som antall "
        "år, beløp per år og siste års beløp. " + SIGN,
        args=(
            Arg("nettoresultat", "number",
                "Enhetens nettoresultat i kroner: positivt = overskudd (mindreforbruk), negativt = "
                "merforbruk, som avviket i KOSTRA_AVVIK."),
            Arg("fond_før", "number",
                "Valgfritt: enhetens disposisjonsfond før årsavslutningen (negativt hvis fondet alt viser "
                "underskudd). Tom = 0.", optional=True),
            Arg("spesielt_prosjekt", "bool",
                "Valgfritt: SANN for ubrukte midler på spesielle prosjekter (100 % til fond). Tom = USANN.",
                optional=True, default=False),
            Arg("kommunens_merforbruk", "number",
                "Valgfritt: kommunens gjenstående samlede merforbruk etter at det generelle "
                "disposisjonsfondet er brukt opp, som positivt beløp. Avsetningen avkortes da "
                "forholdsmessig (memoriakonto). Tom = 0.", optional=True),
            Arg("sum_avsetninger", "number",
                "Valgfritt, påkrevd med kommunens_merforbruk: summen av alle enheters avsetninger av "
                "overskudd i året (før avkorting).", optional=True),
            Arg("nedbetalingsår", "int",
                "Valgfritt: antall år et negativt fond tilbakeføres over. Tom = 2 (hovedregelen).",
                optional=True),
            Arg("forlenget_innvilget", "bool",
                "Valgfritt: SANN når kommunedirektøren har åpnet for en lengre nedbetalingsplan enn 2 år. "
                "Tom = USANN.", optional=True, default=False),
            Arg("regnskapsår", "int",
                "Valgfritt: året resultatet gjelder; da merkes avdragene med årstall (regnskapsår + 1, "
                "+ 2 …).", optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_DISPONERING(100000; 20000) → 85 000 til enhetens fond, 15 000 til det generelle",
    ),
    ExcelFunction(
        name="KOSTRA_ARSAVSLUTNING",
        impl=kostra_arsavslutning,
        help="Årsavslutning for alle enheter (Kristiansands regler for årsavslutning): fordelingen per "
        "enhet, det generelle fondet og summen av alle fond (ikke under null). " + SIGN,
        details="Årsavslutning for alle enheter samtidig (Kristiansands regler for årsavslutning). Én rad "
        "per enhet: enhet, til enhetens fond, til generelt fond, avkortet, bruk av fond, fond etter og "
        "merknad (avsetning til et felles fond på høyere nivå er ikke tillatt). Så det generelle fondet "
        "og summen av alle disposisjonsfond, som ses under ett og ikke kan bli under null. " + SIGN,
        args=(
            Arg("enheter", "table",
                "Område med overskriftsrad: enhet, nettoresultat (+ overskudd, − merforbruk), fond_før, og "
                "gjerne spesielt_prosjekt (SANN/USANN) og fond (fondet avsetningen går til; tom = eget)."),
            Arg("generelt_fond_før", "number",
                "Det generelle disposisjonsfondet før årsavslutningen, i kroner."),
            Arg("kommunens_merforbruk", "number",
                "Valgfritt: kommunens gjenstående merforbruk etter at det generelle fondet er brukt opp, "
                "som positivt beløp; avsetningene avkortes forholdsmessig. Tom = 0.", optional=True),
            Arg("regnskapsår", "int", "Valgfritt: året resultatet gjelder. Tom = uten årstall.",
                optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_ARSAVSLUTNING(Enheter!A1:E4; 500000) → én rad per enhet, generelt fond og sum",
    ),
    ExcelFunction(
        name="KOSTRA_FONDSBRUK",
        impl=kostra_fondsbruk,
        help="Kan enheten bruke fondet i løpet av året? Bare når fondet ventes positivt eller i balanse "
        "ved årets slutt, og med budsjettjustering (Kristiansands regler for årsavslutning). " + SIGN,
        args=(
            Arg("fond_nå", "number",
                "Enhetens disposisjonsfond nå, i kroner (negativt hvis fondet viser underskudd)."),
            Arg("bruk", "number", "Beløpet enheten vil bruke av fondet, i kroner (større enn 0)."),
            Arg("forventet_resultat", "number",
                "Enhetens forventede resultat for året med bruken budsjettert: + mindreforbruk, − merforbruk "
                "(avviket fra KOSTRA_AVVIK). Et forventet overskudd regnes ikke med."),
            Arg("budsjettjustert", "bool", "SANN når bruken er lagt inn som budsjettjustering."),
            Arg("svar", "text",
                "Valgfritt: tillatt (standard, SANN/USANN), begrunnelse eller fond (forventet fond ved "
                "årets slutt).", optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        example="=KOSTRA_FONDSBRUK(100000; 60000; -30000; SANN) → SANN",
    ),
    ExcelFunction(
        name="KOSTRA_FONDSOMFORDELING",
        impl=kostra_fondsomfordeling,
        help="Kan direktøren flytte midler mellom to enheters fond? Bare mellom egne enheter, av helt "
        "spesielle grunner, med enhetslederne med (Kristiansands regler for årsavslutning). " + SIGN,
        args=(
            Arg("fra_område", "text", "Området (direktørens) enheten midlene tas fra hører til."),
            Arg("til_område", "text", "Området enheten midlene flyttes til hører til."),
            Arg("spesielle_grunner", "bool", "SANN når helt spesielle grunner tilsier omfordelingen."),
            Arg("enhetsledere_involvert", "bool", "SANN når berørte enhetsledere er involvert."),
            Arg("svar", "text", "Valgfritt: organ (standard), tillatt (SANN/USANN) eller begrunnelse.",
                optional=True),
            _RESULT_RULESET,
        ),
        category="Årsavslutning",
        example='=KOSTRA_FONDSOMFORDELING("Helse"; "Helse"; SANN; SANN) → "Direktøren"',
    ),
    ExcelFunction(
        name="KOSTRA_STRYKNING",
        impl=kostra_strykning,
        help="Strykninger ved underskudd (økonomireglementet §5.4.2) i fastsatt rekkefølge, én rad per "
        "steg og en siste rad. Enklere: KOSTRA_STRYKNING_DRIFT og _INVESTERING. " + SIGN,
        args=(
            Arg("regnskap", "text", "«drift» eller «investering»."),
            Arg("merforbruk", "number",
                "Drift: det regnskapsmessige underskuddet; investering: netto merutgift (positivt). En "
                "netto merinntekt skrives negativt og føres til inntekt neste år."),
            Arg("beløp1", "number",
                "Drift: budsjetterte overføringer fra drift til årets investeringer. Investering: "
                "budsjetterte avsetninger finansiert av inntekter i investeringsregnskapet."),
            Arg("beløp2", "number",
                "Drift: budsjetterte avsetninger til fond finansiert av løpende inntekter. Investering: "
                "budsjettert, ikke disponert bruk av ubundne kapitalfond."),
            Arg("beløp3", "number",
                "Valgfritt, bare drift: budsjettert inndekning av tidligere års underskudd (vernes "
                "lengst). Tom = 0.", optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Årsavslutning",
        returns="array",
        example='=KOSTRA_STRYKNING("drift"; 500000; 300000; 100000; 400000)',
    ),
    ExcelFunction(
        name="KOSTRA_STRYKNING_DRIFT",
        impl=kostra_strykning_drift,
        help="Strykninger ved underskudd i driften (økonomireglementet §5.4.2): overføring til "
        "investering, så avsetninger til fond, så inndekning av tidligere underskudd. " + SIGN,
        args=(
            Arg("underskudd", "number",
                "Det regnskapsmessige underskuddet i kroner (positivt). Negativt = mindreforbruk: ingenting "
                "strykes."),
            Arg("overføring_investering", "number",
                "Budsjetterte overføringer fra drift til finansiering av årets investeringer, i kroner."),
            Arg("avsetning_fond", "number",
                "Budsjetterte avsetninger til fond finansiert av løpende inntekter, i kroner."),
            Arg("inndekning_underskudd", "number",
                "Valgfritt: budsjettert inndekning av tidligere års regnskapsmessige underskudd. Tom = 0.",
                optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_STRYKNING_DRIFT(500000; 300000; 100000; 400000)",
    ),
    ExcelFunction(
        name="KOSTRA_STRYKNING_INVESTERING",
        impl=kostra_strykning_investering,
        help="Investeringsregnskapet (økonomireglementet §5.4.2): netto merutgift stryker avsetninger og "
        "kapitalfond, resten til neste år; netto merinntekt (negativ) føres til inntekt. " + SIGN,
        args=(
            Arg("merutgift", "number",
                "Netto merutgift i kroner (positiv), eller netto merinntekt som negativt beløp."),
            Arg("avsetninger", "number",
                "Budsjetterte avsetninger finansiert av inntekter i investeringsregnskapet, i kroner."),
            Arg("ubundne_kapitalfond", "number",
                "Budsjettert, ikke disponert bruk av ubundne kapitalfond, i kroner."),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Årsavslutning",
        returns="array",
        example="=KOSTRA_STRYKNING_INVESTERING(-250000; 0; 0)",
    ),
    ExcelFunction(
        name="KOSTRA_INVESTERING",
        impl=kostra_investering,
        help="Avgjør om en anskaffelse er investering (kostpris over 100 000 kr og levetid minst 3 år, "
        "økonomireglementet §7.2) eller drift. Fremdriftsplan: KOSTRA_FREMDRIFTSPLAN. " + SIGN,
        args=(
            Arg("kostpris", "number", "Anskaffelseskost i kroner (positiv, som en utgift)."),
            Arg("levetid", "number", "Forventet levetid i år, f.eks. 5."),
            Arg("reparasjon", "bool",
                "Valgfritt: SANN for reparasjon/erstatning opp til dagens standard etter skade innenfor "
                "normal levetid (regnes som vedlikehold, drift). Tom = USANN.", optional=True,
                default=False),
            Arg("svar", "text",
                "Valgfritt: klasse (standard: «investering» eller «drift») eller begrunnelse.",
                optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Investering og mva",
        example='=KOSTRA_INVESTERING(100000; 5) → "drift"',
    ),
    ExcelFunction(
        name="KOSTRA_FREMDRIFTSPLAN",
        impl=kostra_fremdriftsplan,
        help="SANN når en enkeltinvestering med totalbevilgning over 5 mill. kr skal ha fremdriftsplan "
        "med periodiserte utbetalinger i bevilgningsvedtaket (økonomireglementet §7.6 nr. 5). " + SIGN,
        args=(
            Arg("totalbevilgning", "number",
                "Prosjektets totale bevilgning i kroner (positiv, som en utgift)."),
            Arg("svar", "text", "Valgfritt: kreves (standard, SANN/USANN) eller begrunnelse.", optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Investering og mva",
        example="=KOSTRA_FREMDRIFTSPLAN(6000000) → SANN",
    ),
    ExcelFunction(
        name="KOSTRA_MVAKODE",
        impl=kostra_mvakode,
        help="Momskoden en fakturalinje skal ha (økonomireglementet §2.1.2): 51/52/53 i drift og "
        "61/62/63 i investering for 25/15/8 %, 0 uten mva, 70 uten kompensasjon. " + SIGN,
        args=(
            Arg("konto", "code",
                "Kontoen (arten) med 5 sifre, f.eks. 11153; første siffer 1 = drift, 0 = investering.",
                width=5),
            Arg("funksjon", "code", "KOSTRA-funksjonen, tre sifre, f.eks. 265."),
            Arg("sats", "number", "Mva-satsen: 0, 8, 15 eller 25 (25 % eller 0,25 godtas også)."),
            Arg("kompensasjon", "bool",
                "Valgfritt: USANN når kommunen ikke får momskompensasjon for kjøpet (gir kode 70). "
                "Tom = SANN.", optional=True, default=True),
            Arg("egen_bil", "bool",
                "Valgfritt, for drivstoff (11700) og vedlikehold biler (11701) utenfor VAR: USANN hvis "
                "kjøretøyet ikke er kommunens eget (gir kode 0). Tom = SANN (kommunens egen bil).",
                optional=True),
            Arg("svar", "text", "Valgfritt: kode (standard) eller begrunnelse.", optional=True),
            Arg("regelsett", "text", _AUTH_RULESET_HELP, optional=True),
        ),
        category="Investering og mva",
        example="=KOSTRA_MVAKODE(11153; 120; 25) → 0",
    ),
)

# ---------------------------------------------------------------------------------------------
# KOSTRA reporting controls (issue: kontroller) — rows are added here.


def _control_quarter(quarter: int | None) -> int | None:
    from kostra_functions.errors import OutOfRangeError

    if quarter is not None and not 1 <= quarter <= 4:
        raise OutOfRangeError(f"Kvartalet skal være 1, 2, 3 eller 4 (tomt for årsregnskap), ikke {quarter}.")
    return quarter


def _control_account_class(value: Any, arg: str) -> str:
    from kostra_functions.excel import convert

    return str(_account_class(convert.to_text(value, arg)))


def kostra_kontroll(account_class: str, function: str, art: str, year: int | None, quarter: int | None,
                    region: str | None) -> str:
    """SSB's line controls for one (kontoklasse, funksjon, art): «OK» or the most severe finding."""
    from kostra_functions.controls import check_line, line_summary

    findings = check_line(_control_account_class(account_class, "kontoklasse"), function, art,
                          year=_year(year), quarter=_control_quarter(quarter), region=_region(region) or "")
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
    findings = check_rows(parsed, year=_year(year), quarter=_control_quarter(quarter),
                          region=_region(region) or "")
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

_CONTROLS: tuple[ExcelFunction, ...] = (
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


def _build(*groups: tuple[ExcelFunction, ...]) -> dict[str, ExcelFunction]:
    table: dict[str, ExcelFunction] = {}
    for group in groups:
        for fn in group:
            if fn.name in table:
                raise ValueError(f"duplicate Excel function {fn.name}")
            table[fn.name] = fn
    return table


def _states_sign(fn: ExcelFunction) -> ExcelFunction:
    """Every function that takes amounts states the one sign convention: in ``help`` where the
    wizard's 255 characters leave room (the authority rows do), else at the end of ``details``."""
    takes_amounts = any(a.type in ("number", "numbers", "table") for a in fn.args)
    if not takes_amounts or SIGN in fn.help or SIGN in fn.details:
        return fn
    return dataclasses.replace(fn, details=f"{fn.details or fn.help} {SIGN}")


#: The one table: Excel name → row. Faces iterate this; nothing else defines an Excel function.
FUNCTIONS: dict[str, ExcelFunction] = {
    name: _states_sign(fn)
    for name, fn in _build(_CODES, _PROGNOSIS, _AUTHORITY, _CONTROLS, _METHOD_CHOICE).items()
}


def iter_functions() -> Iterator[ExcelFunction]:
    """The rows in table order."""
    return iter(FUNCTIONS.values())


def get(name: str) -> ExcelFunction:
    """A row by Excel name (``KOSTRA_NAVN``; ``KOSTRA.NAVN`` and lower case also accepted)."""
    key = name.strip().upper().replace(".", "_")
    if key not in FUNCTIONS:
        raise KeyError(f"Ukjent KOSTRA-funksjon «{name}».")
    return FUNCTIONS[key]
