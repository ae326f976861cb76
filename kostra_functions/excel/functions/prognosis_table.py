"""The table's deviation prognoses for a whole district (``KOSTRA_AVVIK_TABELL``), and the
adjustments range it reads (:func:`prognosis_adjustments`, also used by ``kostra prognose``).

Library: :mod:`kostra_functions.prognosis` (a district: ``prognosis.district`` … ``prognosis.table``;
function area → KOSTRA function → result unit).
Deviation = expected adjusted budget − expected annual accounts; + = mindreforbruk.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.excel.functions.arguments import ARG_RULESET, resolve_year
from kostra_functions.excel.spec import Arg, ExcelFunction

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
        year_ = year or actuals.attrs.get("aar") or budget.attrs.get("aar") or resolve_year(None)
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


#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
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
