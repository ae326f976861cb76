"""Function areas (funksjonsområder): a rule set's grouping of KOSTRA functions.

Oslo's districts budget and report by function area (Fellesskriv 5/2022 §2, «Vedlegg 1 viser inndelingen av
funksjonsområder og KOSTRA-funksjoner»). The grouping is data in the rule set's
``[[funksjonsomrader]]`` tables, each with how sure the source is (``sikkerhet``), because Oslo's
2023 list was not found and districts must be able to correct it without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kostra_functions.errors import InvalidCodeError, RuleSetError
from kostra_functions.rulesets import RuleSet, load_ruleset


@dataclass(frozen=True)
class FunctionArea:
    """One function area: code (``FO3``), name, member functions, and how certain the grouping is."""

    code: str
    name: str
    functions: tuple[str, ...]
    certainty: str
    documented: tuple[str, ...]
    source: str
    order: int


@lru_cache(maxsize=32)
def _areas(ruleset: RuleSet) -> tuple[tuple[FunctionArea, ...], dict[str, FunctionArea]]:
    raw = ruleset.get("funksjonsomrader", None)
    if not raw:
        raise RuleSetError(f"Regelsettet «{ruleset.name}» har ingen funksjonsområder ([[funksjonsomrader]]).")
    areas = []
    by_function: dict[str, FunctionArea] = {}
    for i, item in enumerate(raw):
        try:
            area = FunctionArea(
                code=str(item["kode"]),
                name=str(item["navn"]),
                functions=tuple(str(f) for f in item["funksjoner"]),
                certainty=str(item.get("sikkerhet", "ukjent")),
                documented=tuple(str(f) for f in item.get("belagt", [])),
                source=str(item.get("kilde", "")),
                order=i,
            )
        except KeyError as exc:
            raise RuleSetError(
                f"Funksjonsområde nr. {i + 1} i regelsettet «{ruleset.name}» mangler «{exc.args[0]}»."
            ) from exc
        for f in area.functions:
            if f in by_function:
                raise RuleSetError(
                    f"Funksjon {f} står i både {by_function[f].code} og {area.code} i regelsettet "
                    f"«{ruleset.name}»; en funksjon kan bare høre til ett funksjonsområde."
                )
            by_function[f] = area
        areas.append(area)
    return tuple(areas), by_function


def function_areas(ruleset: str | RuleSet | None = None) -> tuple[FunctionArea, ...]:
    """All function areas of a rule set, in the rule set's order."""
    rs = load_ruleset(ruleset)
    return _areas(rs)[0]


def area_of(function: str, ruleset: str | RuleSet | None = None) -> FunctionArea:
    """The function area a KOSTRA function belongs to; InvalidCodeError when the rule set has none."""
    rs = load_ruleset(ruleset)
    area = _areas(rs)[1].get(function)
    if area is None:
        raise InvalidCodeError(
            f"Funksjon {function} hører ikke til noe funksjonsområde i regelsettet «{rs.name}». "
            "Legg den til under [[funksjonsomrader]] i regelsettet."
        )
    return area
