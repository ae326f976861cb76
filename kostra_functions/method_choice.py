"""The recommended prognosis method per KOSTRA function, from a rule set (``KOSTRA_METODE``).

The back-test (:mod:`kostra_functions.backtest`, ``kostra prognose --tilbaketest --lagre-metoder``)
writes a district's rule set that inherits the municipality's and holds, per function, the method
that has been closest and the error figures that are its reason::

    [prognose.metode_per_funksjon."253"]
    metode = "periodisert"
    feil_lineaer = 4820571          # mean absolute error, kroner, periods 1–11 over the years tested
    feil_periodisert = 514112
    ...

A controller may also write a plain ``"253" = "periodisert"`` there. :func:`recommended_method`
reads it (``None`` when the rule set recommends nothing for the function); :func:`method_for` falls
back to the rule set's ``[prognose] standard_metode``, which is what a prognosis sheet uses as the
default method of a function row (the controller can still choose another).
"""

from __future__ import annotations

from typing import Any

from kostra_functions import prognosis as pg
from kostra_functions.errors import InvalidArgumentError, InvalidCodeError, RuleSetError
from kostra_functions.rulesets import load_ruleset

TABLE = "prognose.metode_per_funksjon"


def _function_code(function: Any) -> str:
    text = str(function).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not text.isdigit() or len(text) > 3:
        raise InvalidArgumentError(f"«{function}» er ikke en KOSTRA-funksjon (tre sifre, f.eks. 253).")
    return text.zfill(3)


def _entries(ruleset: Any) -> dict[str, str]:
    """Function → canonical method of a rule set's table (computed once per loaded rule set)."""
    rs = load_ruleset(ruleset)
    return pg.cached_rule_value(rs, "metode_per_funksjon", _read_entries)  # type: ignore[no-any-return]


def _read_entries(rs: Any) -> dict[str, str]:
    table = rs.get(TABLE, {})
    if not isinstance(table, dict):
        raise RuleSetError(f"Regelsettet «{rs.name}»: [{TABLE}] skal være en tabell per funksjon.")
    out: dict[str, str] = {}
    for code, entry in table.items():
        if code == "kilde":
            continue
        value = entry.get("metode") if isinstance(entry, dict) else entry
        if not isinstance(value, str) or not value.strip():
            raise RuleSetError(f"Regelsettet «{rs.name}»: funksjon {code} i [{TABLE}] mangler «metode».")
        try:
            method = pg.normalise_method(value)
        except InvalidArgumentError as exc:
            raise RuleSetError(
                f"Regelsettet «{rs.name}»: funksjon {code} i [{TABLE}]: {exc.message}"
            ) from None
        out[_function_code(code)] = method
    return out


def recommended_method(function: Any, ruleset: Any = None) -> str | None:
    """The rule set's recommended method for ``function`` (``"253"``), or ``None`` when it has none."""
    return _entries(ruleset).get(_function_code(function))


def recommended_methods(ruleset: Any = None) -> dict[str, str]:
    """Every recommendation of the rule set: function → method (for a whole prognosis table)."""
    return dict(_entries(ruleset))


def method_for(function: Any, ruleset: Any = None) -> str:
    """The recommended method, else the rule set's default method (``[prognose] standard_metode``).

    A function code that is no KOSTRA function at all is an :class:`InvalidCodeError`.
    """
    code = _function_code(function)
    method = _entries(ruleset).get(code)
    if method is not None:
        return method
    from kostra_functions.codes.catalog import Catalog, latest_year

    catalog = Catalog.for_year(latest_year(), None)
    try:
        catalog.validate(code, "funksjon")
    except InvalidCodeError:
        if not catalog.history(code, "funksjon"):
            raise
    return pg.default_method(ruleset)


def reason(function: Any, ruleset: Any = None) -> str:
    """The error figures behind the recommendation, in Norwegian (empty when there are none)."""
    code = _function_code(function)
    entry = load_ruleset(ruleset).get(TABLE, {}).get(code)
    if not isinstance(entry, dict):
        return ""
    figures = [f"{key.removeprefix('feil_').replace('ae', 'æ')} {pg.format_amount(float(value))} kr"
               for key, value in entry.items() if key.startswith("feil_") and "periode" not in key]
    text = f"Funksjon {code}: {entry.get('metode')} hadde lavest gjennomsnittlig feil"
    if entry.get("aar"):
        text += f" i {entry['aar']}"
    return text + (" (" + ", ".join(figures) + ")." if figures else ".")
