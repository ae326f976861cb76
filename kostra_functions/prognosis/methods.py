"""The projection methods of a deviation prognosis (avviksprognose), as pure functions.

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

Profiles: a profile is last year's monthly accounts for the function, or the budget's periodisation
keys. A 13th value (last year's year-end period) counts in the total but never in the cumulative
part, because the accounts to date never contain this year's period 13 before ``m = 13``. The total
must not be 0 and the share must be positive; a revenue function's all-negative profile gives a
positive share like an expense profile. A share above 1 (later months net negative last year) is
allowed: the profile says the year ends below the amount to date.

The whole prognosis for one function (measures, carried-forward, central allocations, the
deviation) is :mod:`kostra_functions.prognosis.deviation`; the rule set's choices
(:mod:`kostra_functions.prognosis.rules`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kostra_functions.errors import (
    InvalidArgumentError,
    MissingArgumentError,
    OutOfRangeError,
)
from kostra_functions.prognosis.amounts import format_amount, share_text, term

LINEAR = "lineær"
PERIODISED = "periodisert"
PROFILE = "profil"
MANUAL = "manuell"
#: The methods, in the order the help text lists them.
METHODS: tuple[str, ...] = (LINEAR, PERIODISED, PROFILE, MANUAL)
#: Fallback when a rule set has no ``[prognose] standard_metode``.
DEFAULT_METHOD = PERIODISED
#: Spellings accepted for each method (lower case, stripped).
METHOD_ALIASES: dict[str, str] = {
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


# ---------------------------------------------------------------------------------------------
# Checking the arguments


def normalise_method(method: str | None, *, default: str = DEFAULT_METHOD) -> str:
    """The canonical method name for any accepted spelling (``"Lineaer"`` → ``"lineær"``).

    Blank gives ``default``; an unknown name is an :class:`InvalidArgumentError` listing the methods.
    """
    if method is None or str(method).strip() == "":
        return default
    key = str(method).strip().lower()
    try:
        return METHOD_ALIASES[key]
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


class DeferredText:
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


def text_state(obj: Any) -> dict[str, Any]:
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
    explanation: str = DeferredText()  # type: ignore[assignment]
    share: float | None = None

    __getstate__ = text_state


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
