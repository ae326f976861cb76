"""Deviation prognoses (avviksprognoser) per KOSTRA function: the methods as pure functions.

Seed 000 §2 (Fellesskriv 5/2022): every district enters, every month by the 22nd, a deviation
prognosis per KOSTRA function: the expected difference between the adjusted annual budget and the
annual accounts, based on spending to date and the expected development for the rest of the year,
taking decided corrective measures into account; from February including the expected
carried-forward result from last year; including what the district expects to be allocated from the
central reserves (chapters 303, 305, 306, 307, 308). Earmarked projects are reported separately
(:mod:`kostra_functions.prognosis_table`).

Signs and units (ARCHITECTURE.md): amounts in kroner as in municipal accounts, **expenses +,
revenues −**.

* ``deviation = expected adjusted budget − expected annual accounts``; **+ = mindreforbruk**
  (underspend), **− = merforbruk** (overspend);
* ``expected adjusted budget = adjusted budget + carried-forward result + central allocations``,
  where carried-forward is + for a surplus (mindreforbruk) brought from last year and − for a
  deficit, and central allocations are + for an expected allocation (− for an expected deduction);
* ``expected annual accounts = projection − measures``, where measures are the decided corrective
  measures' saving for the rest of the year, a positive amount (for a revenue function, more revenue
  is also a positive saving).

Projection methods (``m`` = the last closed period):

========== ============================================================== ===========================
method     projection of the annual accounts                              5th Excel argument
========== ============================================================== ===========================
lineær     ``actual_ytd × 12 / m``                                        not used
periodisert ``actual_ytd + (adjusted budget − periodised budget to m)``   budget to date
profil     ``actual_ytd / share(m)``, ``share(m) = Σ profile[1..m] /      12 (or 13) monthly amounts,
           Σ profile``                                                     or the share itself (0–1]
manuell    the controller's own projection                                the projection
========== ============================================================== ===========================

Period rules: ``m`` is 0–13 (1–12 months, 13 the year-end closing period); anything else is an
:class:`~kostra_functions.errors.OutOfRangeError` (#NUM!). At ``m = 0`` (no month closed) every
computed method projects the adjusted budget and the accounts to date must be 0; at ``m ≥ 12`` every
computed method projects the accounts to date (the year is fully posted; a 13th month must not be
extrapolated). ``manuell`` always returns the controller's projection. Measures (a saving for the
*rest* of the year) must be 0 at ``m ≥ 12``.

Carried-forward result: counted from period ``[prognose] fremfort_fra_periode`` of the rule set
(Oslo: 2, «Fra og med rapportering for februar»). Given for an earlier period it is **not** counted
(the January prognosis follows the rule), and the explanation says so; it is not an error, so a sheet
may hold the figure all year.

Profiles: a profile is last year's monthly accounts for the function, or the budget's periodisation
keys. A 13th value (last year's year-end period) counts in the total but never in the cumulative
part, because the accounts to date never contain this year's period 13 before ``m = 13``. The total
must not be 0 and the share must be positive; a revenue function's all-negative profile gives a
positive share like an expense profile. A share above 1 (later months net negative last year) is
allowed: the profile says the year ends below the amount to date.

Rounding: calculations run in full precision; every returned figure is rounded to øre (2 decimals),
half away from zero on the value taken to 15 significant digits, as Excel's ``ROUND(x; 2)``
(``2,675 → 2,68``; ``−0,125 → −0,13``). Derived figures are computed from rounded parts, so a row
adds up exactly as shown: ``expected accounts = round(projection) − measures``, ``deviation =
expected budget − expected accounts``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from kostra_functions import formatting
from kostra_functions.errors import (
    InvalidArgumentError,
    MissingArgumentError,
    OutOfRangeError,
    RuleSetError,
)
from kostra_functions.rulesets import load_ruleset

LINEAR = "lineær"
PERIODISED = "periodisert"
PROFILE = "profil"
MANUAL = "manuell"
#: The methods, in the order the help text lists them.
METHODS: tuple[str, ...] = (LINEAR, PERIODISED, PROFILE, MANUAL)
#: Fallback when a rule set has no ``[prognose] standard_metode``.
DEFAULT_METHOD = PERIODISED
#: Spellings accepted for each method (lower case, stripped).
_METHOD_ALIASES: dict[str, str] = {
    "lineær": LINEAR, "lineaer": LINEAR, "linear": LINEAR, "lineer": LINEAR, "l": LINEAR,
    "periodisert": PERIODISED, "periodisering": PERIODISED, "p": PERIODISED,
    "restbudsjett": PERIODISED,
    "profil": PROFILE, "sesongprofil": PROFILE, "sesong": PROFILE,
    "manuell": MANUAL, "manuel": MANUAL, "m": MANUAL,
}
MONTHS = 12
YEAR_END_PERIOD = 13
#: Largest projection (kroner) a method may give (1 000 mrd. kr, ten times Oslo's whole budget): the
#: figures derived from it (minus measures, plus budget) must stay exact to the øre in a float (15
#: significant digits), so a tiny profile share gives #NUM! rather than an inexact figure.
MAX_PROJECTION = 1e12
#: Period from which carried-forward is counted when a rule set does not say (Fellesskriv 5/2022 §2).
DEFAULT_CARRIED_FORWARD_FROM = 2

_CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Small helpers: rounding, number text, validation


def round_ore(amount: float) -> float:
    """``amount`` (kroner) rounded to øre, half away from zero like Excel's ``ROUND(x; 2)``.

    Like Excel, the value is first taken to 15 significant digits and that decimal is rounded, so
    ``2.675`` (stored as 2.67499999…) gives 2.68, not 2.67 as Python's ``round``, and
    ``1000.01 * 12 / 8`` (stored as 1500.01499999…) gives 1500.02. ``-0.0`` becomes ``0.0``.

    >>> round_ore(2.675), round_ore(-0.125), round_ore(1714285.7142857142)
    (2.68, -0.13, 1714285.71)
    """
    x = float(amount)
    if -1e9 < x < 1e9:
        # Fast path: away from a half øre the 15-digit step cannot change the result (it moves x by
        # less than 1e-5 øre below a milliard), so the nearest øre is the answer.
        cents = x * 100.0
        ore = math.floor(cents)
        rest = cents - ore
        if rest < 0.499 or rest > 0.501:
            return (ore + (rest > 0.5)) / 100
    elif x != x or x in (math.inf, -math.inf):
        return amount
    text = f"{x:.15g}"
    if "e" not in text:
        # Round the 15-digit decimal text half away from zero with integer øre (exactly what the
        # Decimal below does, about five times faster: this runs for every figure of a prognosis).
        negative = text[0] == "-"
        whole, _, frac = (text[1:] if negative else text).partition(".")
        ore = int(whole + frac[:2].ljust(2, "0"))
        if len(frac) > 2 and frac[2] >= "5":
            ore += 1
        value = ore / 100
        return (-value if negative else value) + 0.0  # no negative zero
    value = float(Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP))
    return value + 0.0  # no negative zero


def format_amount(amount: float, decimals: int | None = None) -> str:
    """An amount in Norwegian notation: space as thousands separator, comma as decimal mark.

    Whole kroner are shown without decimals unless ``decimals`` is given.

    >>> format_amount(1300000), format_amount(-1714285.714), format_amount(0.5)
    ('1 300 000', '-1 714 285,71', '0,50')
    """
    if math.isnan(amount):
        return "–"
    return formatting.kroner(amount, decimals)


def term(amount: float) -> str:
    """:func:`format_amount` in parentheses when negative, for the right side of a minus sign."""
    text = format_amount(amount)
    return f"({text})" if text.startswith("-") else text


def share_text(share: float) -> str:
    """A share as messages show it: four decimals with a decimal comma (``0,2500``)."""
    return f"{share:.4f}".replace(".", ",")


def normalise_method(method: str | None, *, default: str = DEFAULT_METHOD) -> str:
    """The canonical method name for any accepted spelling (``"Lineaer"`` → ``"lineær"``).

    Blank gives ``default``; an unknown name is an :class:`InvalidArgumentError` listing the methods.
    """
    if method is None or str(method).strip() == "":
        return default
    key = str(method).strip().lower()
    try:
        return _METHOD_ALIASES[key]
    except KeyError:
        raise InvalidArgumentError(
            f"Metoden «{method}» er ukjent; bruk {', '.join(f'«{m}»' for m in METHODS)}."
        ) from None


def check_period(period: Any) -> int:
    """The period as an int 0–13, or :class:`OutOfRangeError` (#NUM!) naming the argument."""
    if type(period) is int and 0 <= period <= YEAR_END_PERIOD:
        return period
    if isinstance(period, bool) or not isinstance(period, (int, float, np.integer, np.floating)):
        raise InvalidArgumentError(f"Argumentet «periode» skal være et heltall 0–13, ikke «{period}».")
    if isinstance(period, (float, np.floating)) and (math.isnan(period) or period != int(period)):
        raise InvalidArgumentError(f"Argumentet «periode» skal være et heltall 0–13, ikke {period}.")
    p = int(period)
    if not 0 <= p <= YEAR_END_PERIOD:
        raise OutOfRangeError(
            f"Argumentet «periode» er {p}, men skal være 0–13 (1–12 er månedene, 13 er "
            "årsavslutningsperioden, 0 betyr at ingen måned er lukket)."
        )
    return p


def finite_number(value: Any, arg: str) -> float:
    """``value`` as a finite float, or a Norwegian error naming ``arg`` (blank, SANN/USANN, text,
    NaN or infinity)."""
    if type(value) is float and value - value == 0.0:  # fast path: a finite float (NaN/inf give NaN)
        return value
    if value is None:
        raise MissingArgumentError(f"Argumentet «{arg}» mangler.")
    if isinstance(value, bool):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et tall, ikke SANN/USANN.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et tall, ikke «{value}».") from None
    if math.isnan(number) or math.isinf(number):
        raise InvalidArgumentError(f"Argumentet «{arg}» er ikke et endelig tall.")
    return number


#: Values derived from a loaded rule set, by the RuleSet object (a new object when its files change).
_RULE_VALUES: dict[tuple[Any, str], Any] = {}


def cached_rule_value(rs: Any, what: str, compute: Any) -> Any:
    """``compute(rs)``, computed once per loaded rule set ``rs`` and value name ``what``."""
    key = (rs, what)
    try:
        return _RULE_VALUES[key]
    except KeyError:
        pass
    value = compute(rs)  # may raise: nothing is stored then
    if len(_RULE_VALUES) > 256:
        _RULE_VALUES.clear()
    _RULE_VALUES[key] = value
    return value


def carried_forward_from(ruleset: Any = None) -> int:
    """The first period in which the carried-forward result counts (``[prognose] fremfort_fra_periode``)."""
    return int(cached_rule_value(load_ruleset(ruleset), "fremfort_fra", _carried_forward_from))


def _carried_forward_from(rs: Any) -> int:
    value = rs.get("prognose.fremfort_fra_periode", DEFAULT_CARRIED_FORWARD_FROM)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= YEAR_END_PERIOD:
        raise RuleSetError(
            f"Regelsettet «{rs.name}» har ugyldig [prognose] fremfort_fra_periode = {value!r}; "
            "skal være et heltall 0–13."
        )
    return value


def default_method(ruleset: Any = None) -> str:
    """The rule set's default method (``[prognose] standard_metode``), else :data:`DEFAULT_METHOD`."""
    return str(cached_rule_value(load_ruleset(ruleset), "standard_metode", _default_method))


def default_method_for(function: str, ruleset: Any = None) -> str:
    """The method a regenerated workbook proposes for one KOSTRA function (the «Metode» column).

    The one place the per-function default is decided: the rule set's back-tested recommendation for
    the function (``[prognose.metode_per_funksjon."NNN"]``, written by ``kostra prognose
    --tilbaketest --lagre-metoder``), else the rule set's default method. A method the controller
    chose is kept on regeneration regardless.
    """
    from kostra_functions.method_choice import recommended_method

    return recommended_method(function, ruleset) or default_method(ruleset)


def significance(ruleset: Any = None) -> tuple[float, float]:
    """``(kroner, share of adjusted budget)``: a merforbruk of at least the larger is significant
    (rule set ``[prognose] vesentlig_avvik_kr`` / ``vesentlig_avvik_andel``; 0, 0 when not set)."""
    rs = load_ruleset(ruleset)
    return (float(rs.get("prognose.vesentlig_avvik_kr", 0) or 0),
            float(rs.get("prognose.vesentlig_avvik_andel", 0) or 0))


def _default_method(rs: Any) -> str:
    value = rs.get("prognose.standard_metode", DEFAULT_METHOD)
    try:
        return normalise_method(str(value))
    except InvalidArgumentError as exc:
        raise RuleSetError(
            f"Regelsettet «{rs.name}» har ukjent [prognose] standard_metode «{value}»: {exc.message}"
        ) from None


# ---------------------------------------------------------------------------------------------
# The methods (scalar, unrounded; the period rules are applied in :func:`projection`)


def project_linear(actual_ytd: float, period: int) -> float:
    """``actual_ytd × 12 / period`` (kroner, expenses +), for a period 1–12."""
    return actual_ytd * MONTHS / period


def project_periodised(actual_ytd: float, adjusted_budget: float, budget_ytd: float) -> float:
    """``actual_ytd + (adjusted_budget − budget_ytd)``: months passed are replaced by accounts."""
    return actual_ytd + (adjusted_budget - budget_ytd)


def project_profile(actual_ytd: float, share: float) -> float:
    """``actual_ytd / share``; ``share`` is the part of the year's amount normally spent by now."""
    if not share > 0:
        raise OutOfRangeError(
            f"Profilandelen er {share_text(share)}; den må være større enn 0 for metoden profil."
        )
    value = actual_ytd / share
    if not abs(value) < MAX_PROJECTION:
        raise OutOfRangeError(
            f"Profilandelen {share_text(share)} gir en prognose på {format_amount(value)} kr, over "
            "1 000 mrd. kr, der tallene ikke lenger er nøyaktige til øre; andelen er for liten. Velg en "
            "annen metode eller en annen profil."
        )
    return value


def profile_share(profile: Sequence[float], period: int, *, arg: str = "profil") -> float:
    """The cumulative share of a 12-month (or 13-period) profile up to ``period`` (1–12).

    ``Σ profile[1..period] / Σ profile[1..n]``, n = 12 or 13 (a 13th value, last year's year-end
    period, counts in the total only). Raises :class:`OutOfRangeError` (#NUM!) when the total is 0
    or the share is 0 or negative, and :class:`InvalidArgumentError` for a profile of another length.
    """
    return _profile_parts(profile, period, arg=arg)[2]


def _profile_parts(
    profile: Sequence[float], period: int, *, arg: str = "profil"
) -> tuple[float, float, float]:
    """``(cumulative to period, total, share)`` of a profile; see :func:`profile_share`."""
    values = [finite_number(v, f"{arg}[{i + 1}]") for i, v in enumerate(profile)]
    if len(values) not in (MONTHS, YEAR_END_PERIOD):
        raise InvalidArgumentError(
            f"Argumentet «{arg}» skal ha 12 månedsbeløp (eller 13 med årsavslutningsperioden), "
            f"men har {len(values)}."
        )
    total = math.fsum(values)
    if total == 0 or abs(total) < 0.005:
        raise OutOfRangeError(
            f"Summen av profilen i «{arg}» er 0; profilen sier ingenting om hvor stor del av året "
            "som er gått. Velg en annen metode eller en annen profil."
        )
    share = math.fsum(values[:period]) / total
    if not share > 0:
        raise OutOfRangeError(
            f"Profilen i «{arg}» gir andel {share_text(share)} t.o.m. periode {period} "
            f"({format_amount(math.fsum(values[:period]))} av {format_amount(total)}); andelen må "
            "være større enn 0 for metoden profil. Velg en annen metode eller en annen profil."
        )
    return math.fsum(values[:period]), total, share


class _Text:
    """A text field that may be given as a function making the text, called on first read.

    A spreadsheet cell asks for the deviation, not for the sentence explaining it, and the sentence
    (amounts written out in Norwegian) costs more than the arithmetic; so :func:`projection` passes
    a function and the text is made when ``explanation`` is read (once, then kept). Equality, repr
    and pickling see the text.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_text_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> str:
        if obj is None:
            raise AttributeError(self.slot)  # the dataclass field has no default
        value = obj.__dict__[self.slot]
        if not isinstance(value, str):
            value = obj.__dict__[self.slot] = value()
        return value

    def __set__(self, obj: Any, value: str | Callable[[], str]) -> None:
        obj.__dict__[self.slot] = value


def _text_state(obj: Any) -> dict[str, Any]:
    """``__dict__`` with every deferred text made (for pickling)."""
    state = obj.__dict__
    for key, value in list(state.items()):
        if key.startswith("_text_") and not isinstance(value, str):
            state[key] = value()
    return state


@dataclass(frozen=True)
class Projection:
    """A projection of the annual accounts (kroner, expenses +, unrounded) and how it was reached."""

    method: str
    period: int
    value: float
    explanation: str = _Text()  # type: ignore[assignment]
    share: float | None = None

    __getstate__ = _text_state


def _projection(method: str, period: int, value: float, text: Callable[[], str],
                share: float | None = None) -> Projection:
    """A Projection filled directly (a frozen dataclass's __init__ sets one field at a time)."""
    p = object.__new__(Projection)
    p.__dict__.update(method=method, period=period, value=value, _text_explanation=text, share=share)
    return p


def projection(
    method: str,
    *,
    adjusted_budget: float,
    actual_ytd: float,
    period: int,
    budget_ytd: float | None = None,
    profile: Sequence[float] | None = None,
    share: float | None = None,
    manual_projection: float | None = None,
) -> Projection:
    """Project the annual accounts (kroner, expenses +) with one method, applying the period rules.

    ``budget_ytd`` is the periodised budget for periods 1..m (needed by ``periodisert`` for m 1–11);
    ``profile`` (12/13 monthly amounts) or ``share`` (0 < share, the cumulative part) is needed by
    ``profil`` for m 1–11; ``manual_projection`` by ``manuell`` always. Period 0 projects the
    adjusted budget (and the accounts to date must be 0); period 12–13 projects the accounts to date.
    """
    method = normalise_method(method)
    period = check_period(period)
    budget = finite_number(adjusted_budget, "justert_budsjett")
    actual = finite_number(actual_ytd, "regnskap_hittil")
    if method == MANUAL:
        if manual_projection is None:
            raise MissingArgumentError(
                "Metoden manuell krever controllerens egen prognose for årsregnskapet "
                "(argumentet «budsjett_hittil_eller_profil»)."
            )
        value = finite_number(manual_projection, "manuell prognose")
        return _projection(MANUAL, period, value,
                          lambda: f"Manuell: controllerens prognose {format_amount(value)}")
    if period == 0:
        if actual != 0:
            raise InvalidArgumentError(
                f"Periode 0 betyr at ingen måned er lukket, men «regnskap_hittil» er "
                f"{format_amount(actual)}. Oppgi siste lukkede periode (1–13)."
            )
        return _projection(
            method, 0, budget,
            lambda: f"Periode 0 (ingen måned lukket): prognose = justert budsjett {format_amount(budget)}",
        )
    if period >= MONTHS:
        what = "alle måneder lukket" if period == MONTHS else "årsavslutningsperioden"
        return _projection(
            method, period, actual,
            lambda: f"Periode {period} ({what}): prognose = regnskap hittil {format_amount(actual)}",
        )
    if method == LINEAR:
        value = project_linear(actual, period)
        return _projection(
            LINEAR, period, value,
            lambda: f"Lineær: {format_amount(actual)} × 12 / {period} = {format_amount(value)}",
        )
    if method == PERIODISED:
        if budget_ytd is None:
            raise MissingArgumentError(
                f"Metoden periodisert krever periodisert budsjett t.o.m. periode {period} "
                "(argumentet «budsjett_hittil_eller_profil»)."
            )
        bytd = finite_number(budget_ytd, "budsjett hittil")
        value = project_periodised(actual, budget, bytd)
        return _projection(
            PERIODISED, period, value,
            lambda: f"Periodisert: {format_amount(actual)} + ({format_amount(budget)} - {term(bytd)}) "
            f"= {format_amount(value)}",
        )
    # profil
    if share is None:
        if profile is None:
            raise MissingArgumentError(
                "Metoden profil krever en profil med 12 månedsbeløp eller andelen av året som er gått "
                "(argumentet «budsjett_hittil_eller_profil»)."
            )
        cum, total, share = _profile_parts(profile, period)
        parts: tuple[float, float] | None = (cum, total)
    else:
        share = finite_number(share, "andel")
        parts = None
    value = project_profile(actual, share)

    def text() -> str:
        how = f"andel t.o.m. periode {period} = "
        if parts is not None:
            how += f"{format_amount(parts[0])} / {format_amount(parts[1])} = "
        how += share_text(share) + (" etter profilen" if parts is not None else "")
        return f"Profil: {format_amount(actual)} / {share_text(share)} = {format_amount(value)} ({how})"

    return _projection(PROFILE, period, value, text, share=share)


# ---------------------------------------------------------------------------------------------
# The whole prognosis for one function (scalar)


@dataclass(frozen=True)
class Prognosis:
    """One deviation prognosis; all amounts in kroner rounded to øre, expenses +, revenues −.

    ``deviation`` = ``expected_budget`` − ``expected_accounts``; + = mindreforbruk (underspend),
    − = merforbruk (overspend).
    """

    method: str
    period: int
    adjusted_budget: float
    actual_ytd: float
    projection: float
    measures: float
    expected_accounts: float
    carried_forward: float
    carried_forward_given: float
    central_allocations: float
    expected_budget: float
    deviation: float
    projection_explanation: str = _Text()  # type: ignore[assignment]
    share: float | None = None
    carried_forward_from: int = DEFAULT_CARRIED_FORWARD_FROM

    __getstate__ = _text_state

    @property
    def explanation(self) -> str:
        """The Norwegian explanation of every figure (for the written report)."""
        return explain(self)


def check_measures(measures: float, period: int) -> float:
    """Measures (kroner saved in the rest of the year) must be ≥ 0, and 0 once every month is closed."""
    if measures < 0:
        raise OutOfRangeError(
            f"Argumentet «tiltak» er {format_amount(measures)}; tiltak er innsparingen resten av året "
            "og skal være et positivt beløp (også for inntektsfunksjoner: økt inntekt er en "
            "innsparing). En besluttet merkostnad legges inn i prognosen, ikke som tiltak."
        )
    if measures and period >= MONTHS:
        raise OutOfRangeError(
            f"Argumentet «tiltak» er {format_amount(measures)} i periode {period}, men alle månedene er "
            "lukket, så tiltak kan ikke lenger gi innsparing. Sett tiltak til 0."
        )
    return measures


def prognosis(
    adjusted_budget: float,
    actual_ytd: float,
    period: int,
    *,
    method: str = DEFAULT_METHOD,
    budget_ytd: float | None = None,
    profile: Sequence[float] | None = None,
    share: float | None = None,
    manual_projection: float | None = None,
    measures: float = 0.0,
    carried_forward: float = 0.0,
    central_allocations: float = 0.0,
    carried_forward_from: int = DEFAULT_CARRIED_FORWARD_FROM,
) -> Prognosis:
    """The deviation prognosis for one KOSTRA function (Fellesskriv 5/2022 §2).

    Amounts in kroner, expenses +, revenues −. ``measures`` ≥ 0 is the decided measures' saving for
    the rest of the year; ``carried_forward`` is last year's result brought forward (+ surplus,
    − deficit), counted from period ``carried_forward_from``; ``central_allocations`` is what the
    district expects from chapters 303–308 (+ allocation). Returns a :class:`Prognosis` whose
    ``deviation`` = expected adjusted budget − expected annual accounts (+ = mindreforbruk,
    − = merforbruk), every figure rounded to øre.
    """
    proj = projection(
        method, adjusted_budget=adjusted_budget, actual_ytd=actual_ytd, period=period,
        budget_ytd=budget_ytd, profile=profile, share=share, manual_projection=manual_projection,
    )
    return _assemble(proj, adjusted_budget, actual_ytd, measures, carried_forward, central_allocations,
                     carried_forward_from)


def _assemble(proj: Projection, adjusted_budget: float, actual_ytd: float, measures: float,
              carried_forward: float, central_allocations: float, cf_from: int) -> Prognosis:
    measures_ = check_measures(round_ore(finite_number(measures, "tiltak")), proj.period)
    cf_given = round_ore(finite_number(carried_forward, "fremført"))
    alloc = round_ore(finite_number(central_allocations, "avsetninger"))
    budget = round_ore(float(adjusted_budget))
    cf = cf_given if proj.period >= cf_from else 0.0
    projected = round_ore(proj.value)
    expected_accounts = round_ore(projected - measures_)
    expected_budget = round_ore(budget + cf + alloc)
    # Every field is given, so the object is filled directly: the generated __init__ of a frozen
    # dataclass sets the 15 fields one object.__setattr__ at a time, which costs more than the sums.
    p = object.__new__(Prognosis)
    p.__dict__.update(
        method=proj.method,
        period=proj.period,
        adjusted_budget=budget,
        actual_ytd=round_ore(float(actual_ytd)),
        projection=projected,
        measures=measures_,
        expected_accounts=expected_accounts,
        carried_forward=cf,
        carried_forward_given=cf_given,
        central_allocations=alloc,
        expected_budget=expected_budget,
        deviation=round_ore(expected_budget - expected_accounts),
        _text_projection_explanation=proj.__dict__["_text_explanation"],  # made when read
        share=proj.share,
        carried_forward_from=cf_from,
    )
    return p


def deviation_only(method: str, period: int, adjusted_budget: float, actual_ytd: float,
                   basis: float | None, measures: float, carried_forward: float,
                   central_allocations: float, cf_from: int) -> float | None:
    """Only the ``deviation`` of :func:`prognosis`, for the plain case; ``None`` otherwise.

    The fast path of ``KOSTRA_AVVIK`` (one figure per cell, no explanation): the same projection and
    the same øre roundings as :func:`projection` and :func:`_assemble`, in the same order, so the
    figure is identical. Arguments are already finite floats within the amount limit, ``method`` is
    canonical and ``period`` an int 0–13; ``basis`` is the number of the 5th argument (budget to date,
    share or manual projection) or ``None``. Any case that is an error (or needs a profile range)
    gives ``None``, and the caller takes the full path, which words the error.
    """
    if method == MANUAL:
        if basis is None:
            return None
        value = basis
    elif period == 0:
        if actual_ytd != 0:
            return None
        value = adjusted_budget
    elif period >= MONTHS:
        value = actual_ytd
    elif method == LINEAR:
        value = actual_ytd * MONTHS / period
    elif method == PERIODISED:
        if basis is None:
            return None
        value = actual_ytd + (adjusted_budget - basis)
    else:  # profil with the share as one number
        if basis is None or not 0 < basis <= 1:
            return None
        value = actual_ytd / basis
        if not abs(value) < MAX_PROJECTION:
            return None
    # round_ore(0.0) and round_ore(-0.0) are 0.0: blank measures, carried-forward and allocations
    # (most cells) skip the rounding.
    measures_ = round_ore(measures) if measures else 0.0
    if measures_ < 0 or (measures_ and period >= MONTHS):
        return None
    cf = round_ore(carried_forward) if carried_forward and period >= cf_from else 0.0
    alloc = round_ore(central_allocations) if central_allocations else 0.0
    expected_accounts = round_ore(round_ore(value) - measures_)
    expected_budget = round_ore(round_ore(adjusted_budget) + cf + alloc)
    return round_ore(expected_budget - expected_accounts)


def deviation_word(deviation: float) -> str:
    """``mindreforbruk`` for + , ``merforbruk`` for −, ``ingen avvik`` for 0."""
    if deviation > 0:
        return "mindreforbruk"
    if deviation < 0:
        return "merforbruk"
    return "ingen avvik"


def explain(p: Prognosis) -> str:
    """Norwegian text explaining every figure of a prognosis (inputs, method, adjustments).

    >>> explain(prognosis(1_200_000, 650_000, 6, method="lineær"))  # doctest: +NORMALIZE_WHITESPACE
    'Lineær: 650 000 × 12 / 6 = 1 300 000. Forventet regnskap = 1 300 000. Forventet justert
    budsjett = 1 200 000. Avviksprognose = 1 200 000 - 1 300 000 = -100 000 (merforbruk).'
    """
    parts = [p.projection_explanation + "."]
    if p.measures:
        parts.append(
            f"Tiltak: {format_amount(p.projection)} - {term(p.measures)} = forventet regnskap "
            f"{format_amount(p.expected_accounts)}."
        )
    else:
        parts.append(f"Forventet regnskap = {format_amount(p.expected_accounts)}.")
    text = format_amount(p.adjusted_budget)
    for amount, label in ((p.carried_forward, "fremført"), (p.central_allocations, "sentrale avsetninger")):
        if amount:
            text += f" {'-' if amount < 0 else '+'} {label} {format_amount(abs(amount))}"
    if text != format_amount(p.adjusted_budget):
        text += f" = {format_amount(p.expected_budget)}"
    parts.append(f"Forventet justert budsjett = {text}.")
    if p.carried_forward_given and not p.carried_forward:
        parts.append(
            f"Fremført resultat {format_amount(p.carried_forward_given)} er ikke tatt med: det tas med "
            f"fra periode {p.carried_forward_from} (regelsettet, [prognose] fremfort_fra_periode)."
        )
    parts.append(
        f"Avviksprognose = {format_amount(p.expected_budget)} - {term(p.expected_accounts)} "
        f"= {format_amount(p.deviation)} ({deviation_word(p.deviation)})."
    )
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Vectorised over a district (numpy)


def project_array(
    methods: Sequence[str] | np.ndarray,
    period: int,
    adjusted_budget: np.ndarray,
    actual_ytd: np.ndarray,
    budget_ytd: np.ndarray,
    share: np.ndarray | None = None,
    manual: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Projections for many rows at once (kroner, expenses +, unrounded), with the period rules.

    ``methods`` holds one canonical method name per row; ``share`` the profile share per row (NaN
    where unknown), ``manual`` the manual projection per row (NaN where not given). Returns
    ``(projection, invalid)``: ``invalid`` is True where the row's method cannot give a number
    (profile share ≤ 0 or unknown, manual projection missing); such rows have NaN and the caller
    reports them with :func:`projection` for the message. Same numbers as :func:`projection`.
    """
    period = check_period(period)
    m = np.asarray(methods, dtype=object)
    budget = np.asarray(adjusted_budget, dtype=float)
    actual = np.asarray(actual_ytd, dtype=float)
    bytd = np.asarray(budget_ytd, dtype=float)
    n = len(m)
    sh = np.full(n, np.nan) if share is None else np.asarray(share, dtype=float)
    man = np.full(n, np.nan) if manual is None else np.asarray(manual, dtype=float)
    is_manual = m == MANUAL
    if period == 0:
        computed = budget.copy()
    elif period >= MONTHS:
        computed = actual.copy()
    else:
        linear = actual * MONTHS / period
        periodised = actual + (budget - bytd)
        with np.errstate(divide="ignore", invalid="ignore"):
            profiled = np.where(sh > 0, actual / np.where(sh > 0, sh, 1.0), np.nan)
            profiled = np.where(np.abs(profiled) < MAX_PROJECTION, profiled, np.nan)  # see project_profile
        computed = np.select([m == LINEAR, m == PERIODISED, m == PROFILE],
                             [linear, periodised, profiled], default=np.nan)
    result = np.where(is_manual, man, computed)
    invalid = np.isnan(result)
    return result, invalid
