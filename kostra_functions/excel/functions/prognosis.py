"""The table's deviation prognosis for one KOSTRA function: ``KOSTRA_AVVIK``, ``KOSTRA_PROGNOSE`` and
``KOSTRA_AVVIK_FORKLARING``, one implementation (:func:`prognosis_figure`) with one row per figure,
and ``KOSTRA_AVVIK``'s fast path for plain cells.

Library: :mod:`kostra_functions.prognosis` (the methods). Deviation = expected adjusted budget −
expected annual accounts; + = mindreforbruk. The whole district's table is
:mod:`kostra_functions.excel.functions.prognosis_table`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kostra_functions.errors import InvalidArgumentError, KostraError
from kostra_functions.excel import convert
from kostra_functions.excel.functions.arguments import ARG_RULESET
from kostra_functions.excel.spec import FALLBACK, Arg, ExcelFunction
from kostra_functions.versioning import data_version as _data_version

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


def prognosis_figure(adjusted_budget: float, actual_ytd: float, period: int, method: str | None,
                     basis: Any, measures: float | None, carried_forward: float | None,
                     allocations: float | None, ruleset: str | None, *, field: str) -> Any:
    """One figure of the prognosis (a field of :class:`~kostra_functions.prognosis.Prognosis`):

    * ``deviation`` (``KOSTRA_AVVIK``): deviation prognosis in kroner, expected adjusted budget −
      expected accounts; + = mindreforbruk;
    * ``expected_accounts`` (``KOSTRA_PROGNOSE``): expected annual accounts in kroner (expenses +),
      projection − measures;
    * ``explanation`` (``KOSTRA_AVVIK_FORKLARING``): the Norwegian explanation of every figure, for
      the written report.
    """
    return getattr(_prognosis_call(adjusted_budget, actual_ytd, period, method, basis, measures,
                                   carried_forward, allocations, ruleset), field)


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
    in ``tests/excel/test_avvik_fast.py``).
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

#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_AVVIK",
        impl=partial(prognosis_figure, field="deviation"),
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
        impl=partial(prognosis_figure, field="expected_accounts"),
        help="Forventet årsregnskap for en KOSTRA-funksjon: prognose etter metoden minus besluttede "
        "tiltak, i kroner (utgift +, inntekt −), avrundet til øre. Samme argumenter som KOSTRA_AVVIK.",
        args=_PROGNOSIS_ARGS,
        category="Avviksprognose",
        example='=KOSTRA_PROGNOSE(1200000; 650000; 6; "periodisert"; 600000) → 1250000',
    ),
    ExcelFunction(
        name="KOSTRA_AVVIK_FORKLARING",
        impl=partial(prognosis_figure, field="explanation"),
        help="Forklaring i tekst av avviksprognosen: hvilke tall og hvilken metode, til den skriftlige "
        "rapporten. Samme argumenter som KOSTRA_AVVIK.",
        args=_PROGNOSIS_ARGS,
        category="Avviksprognose",
        example='=KOSTRA_AVVIK_FORKLARING(1200000; 650000; 6; "lineær") → "Lineær: 650 000 × 12 / 6 = …"',
    ),
)
