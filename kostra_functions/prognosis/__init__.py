"""Deviation prognoses (avviksprognoser): per KOSTRA function, and for a whole district.

Seed 000 §2 (Fellesskriv 5/2022): every district enters, every month by the 22nd, a deviation
prognosis per KOSTRA function: the expected difference between the adjusted annual budget and the
annual accounts, based on spending to date and the expected development for the rest of the year,
taking decided corrective measures into account; from February including the expected
carried-forward result from last year; including what the district expects to be allocated from the
central reserves (chapters 303, 305, 306, 307, 308). Earmarked projects are reported separately.

One function (pure functions; this package exposes them, ``from kostra_functions import prognosis
as pg``):

* :mod:`~kostra_functions.prognosis.methods`: the projection methods (lineær, periodisert, profil,
  manuell) with the period rules, scalar and vectorised, and the argument checks;
* :mod:`~kostra_functions.prognosis.deviation`: the whole prognosis (:func:`prognosis`) and its
  Norwegian explanation;
* :mod:`~kostra_functions.prognosis.rules`: what the rule set says (default method, carried-forward
  period, significance);
* :mod:`~kostra_functions.prognosis.amounts`: øre rounding as Excel's ``ROUND(x; 2)`` and amounts as text.

A whole district (import the module that holds what you need):

* :mod:`~kostra_functions.prognosis.district`: the ledgers summed per detail row and period;
* :mod:`~kostra_functions.prognosis.adjustments`: the controller's measures, carried-forward,
  allocations, methods and manual projections;
* :mod:`~kostra_functions.prognosis.compute`: one period's detail rows;
* :mod:`~kostra_functions.prognosis.rows`: the Python API
  (:func:`~kostra_functions.prognosis.rows.district_prognosis`), rows sorted and summed per function;
* :mod:`~kostra_functions.prognosis.table`: the report table of ``KOSTRA_AVVIK_TABELL`` and
  ``kostra prognose``.

Amounts in kroner, expenses +, revenues −; deviation + = mindreforbruk, − = merforbruk.
"""

from __future__ import annotations

from kostra_functions.prognosis.amounts import format_amount, round_ore, share_text, term
from kostra_functions.prognosis.deviation import (
    Prognosis,
    check_measures,
    deviation_only,
    deviation_word,
    explain,
    prognosis,
)
from kostra_functions.prognosis.methods import (
    DEFAULT_METHOD,
    LINEAR,
    MANUAL,
    MAX_PROJECTION,
    METHOD_ALIASES,
    METHODS,
    MONTHS,
    PERIODISED,
    PROFILE,
    YEAR_END_PERIOD,
    Projection,
    check_period,
    finite_number,
    normalise_method,
    profile_share,
    project_array,
    project_linear,
    project_periodised,
    project_profile,
    projection,
)
from kostra_functions.prognosis.rules import (
    DEFAULT_CARRIED_FORWARD_FROM,
    cached_rule_value,
    carried_forward_from,
    default_method,
    default_method_for,
    significance,
)

__all__ = [
    "DEFAULT_CARRIED_FORWARD_FROM",
    "DEFAULT_METHOD",
    "LINEAR",
    "MANUAL",
    "MAX_PROJECTION",
    "METHODS",
    "METHOD_ALIASES",
    "MONTHS",
    "PERIODISED",
    "PROFILE",
    "YEAR_END_PERIOD",
    "Prognosis",
    "Projection",
    "cached_rule_value",
    "carried_forward_from",
    "check_measures",
    "check_period",
    "default_method",
    "default_method_for",
    "deviation_only",
    "deviation_word",
    "explain",
    "finite_number",
    "format_amount",
    "normalise_method",
    "profile_share",
    "prognosis",
    "project_array",
    "project_linear",
    "project_periodised",
    "project_profile",
    "projection",
    "round_ore",
    "share_text",
    "significance",
    "term",
]
