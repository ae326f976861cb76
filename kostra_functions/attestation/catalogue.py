"""The rule set's ``[attestasjon]`` tables as the checks use them: rules, role words, positions.

Every rule id the checks know is in :data:`RULE_IDS`; the rule set gives each its paragraph, title,
source quote, severity and whether it is active (``aktiv = false`` switches a rule off). Role words
(``[attestasjon.roller]``) and the positions the rules single out (``[attestasjon.stillinger]``:
rådmann, ordfører, økonomisjef) are read once per rule set (:func:`rule_table`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kostra_functions.attestation.model import APPROVE, ATTEST, PAY, RECONCILE, Violation
from kostra_functions.authority import normalise_key
from kostra_functions.errors import RuleSetError
from kostra_functions.rulesets import RuleSet, load_ruleset

#: The rule set the attestation checks use when none is given.
ATTESTATION_RULESET = "okonomireglement"


@dataclass(frozen=True)
class RuleTable:
    """The rule set's attestation rules by id, role words (typed word → role) and positions
    (typed word → position key)."""

    rules: dict[str, dict[str, Any]]
    role_words: dict[str, str]  # typed word → role
    positions: dict[str, str]  # typed word → position key

    def active(self, rule: str) -> bool:
        """False when the rule set switches the rule off (``aktiv = false``)."""
        return bool(self.rules[rule].get("aktiv", True))


#: Every rule id, in the order :func:`rule_catalogue` lists them.
RULE_IDS = (
    "ATT-MANGLER",
    "ATT-FULLMAKT",
    "ATT-EGEN",
    "ATT-ANV-SAMME",
    "ANV-MANGLER",
    "ANV-FULLMAKT",
    "ANV-BELOPSGRENSE",
    "ANV-DEKNING",
    "ANV-EGEN",
    "ANV-NAERSTAENDE",
    "ANV-OVERORDNET",
    "ANV-ORDFORER-RADMANN",
    "ANV-OKONOMISJEF",
    "UTB-ROLLER",
    "UTB-FULLMAKT",
    "UTB-TO-PERSONER",
    "UTB-REMITTERING",
    "UTB-BANKAVSTEMMING",
    "UTB-ATTESTERT-ANVIST",
    "BILAG-DUPLIKAT",
    "BILAG-MULIG-DUPLIKAT",
    "DELEG-ATTESTASJON",
    "DELEG-ANVISNING",
)


def resolve_ruleset(ruleset: str | RuleSet | None) -> RuleSet:
    """The rule set given, loaded by name, or :data:`ATTESTATION_RULESET` when None."""
    if isinstance(ruleset, RuleSet):
        return ruleset
    return load_ruleset(ruleset or ATTESTATION_RULESET)


#: RuleTable per rule-set object (load_ruleset returns the same object while its files are unchanged),
#: so a list of 100 000 lines does not rebuild the role and position tables per line.
_RULES_CACHE: dict[int, tuple[RuleSet, RuleTable]] = {}


def rule_table(rs: RuleSet) -> RuleTable:
    """The attestation tables of a loaded rule set (cached per rule-set object); raises
    :class:`RuleSetError` when a rule is missing."""
    hit = _RULES_CACHE.get(id(rs))
    if hit is not None and hit[0] is rs:
        return hit[1]
    built = _build_rules(rs)
    if len(_RULES_CACHE) > 32:
        _RULES_CACHE.clear()
    _RULES_CACHE[id(rs)] = (rs, built)
    return built


def _build_rules(rs: RuleSet) -> RuleTable:
    table = rs.get("attestasjon.regler")
    missing = [r for r in RULE_IDS if not isinstance(table.get(r), dict)]
    if missing:
        raise RuleSetError(
            f"Regelsettet «{rs.name}» mangler reglene {', '.join(missing)} i [attestasjon.regler]."
        )
    roles: dict[str, str] = {}
    for role in (ATTEST, APPROVE, PAY, RECONCILE):
        for word in rs.get(f"attestasjon.roller.{role}"):
            roles[normalise_key(str(word))] = role
    positions: dict[str, str] = {}
    for pos in ("radmann", "ordforer", "okonomisjef"):
        for word in rs.get(f"attestasjon.stillinger.{pos}"):
            positions[normalise_key(str(word))] = pos
    return RuleTable(rules=table, role_words=roles, positions=positions)


def rule_catalogue(ruleset: str | RuleSet | None = None) -> list[tuple[str, str, str, str]]:
    """Every active rule: (id, paragraph, title, source quote), for reports and help."""
    r = rule_table(resolve_ruleset(ruleset))
    return [
        (rid, str(r.rules[rid]["paragraf"]), str(r.rules[rid]["tittel"]), str(r.rules[rid].get("kilde", "")))
        for rid in RULE_IDS
        if r.active(rid)
    ]


def violation(
    rules: RuleTable,
    rule: str,
    message: str,
    voucher: str | None,
    people: Iterable[str],
    locations: Iterable[str] = (),
) -> Violation:
    """A :class:`Violation` of ``rule`` with the paragraph, title and severity the rule set gives it."""
    r = rules.rules[rule]
    return Violation(
        rule, str(r["paragraf"]), str(r["tittel"]), message, voucher, tuple(people), tuple(locations),
        str(r.get("alvorlighet", "brudd")),
    )
