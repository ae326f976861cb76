"""What a rule set says about prognoses: default method, carried-forward period, significance.

Every value is read once per loaded rule set (:func:`cached_rule_value`): a spreadsheet asks for the
default method and the carried-forward period in every ``KOSTRA_AVVIK`` cell.

Carried-forward result: counted from period ``[prognose] fremfort_fra_periode`` of the rule set
(Oslo: 2, «Fra og med rapportering for februar»). Given for an earlier period it is **not** counted
(the January prognosis follows the rule), and the explanation says so; it is not an error, so a sheet
may hold the figure all year.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.errors import InvalidArgumentError, RuleSetError
from kostra_functions.prognosis.methods import DEFAULT_METHOD, YEAR_END_PERIOD, normalise_method
from kostra_functions.rulesets import load_ruleset

#: Period from which carried-forward is counted when a rule set does not say (Fellesskriv 5/2022 §2).
DEFAULT_CARRIED_FORWARD_FROM = 2

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
