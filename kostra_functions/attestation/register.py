"""The authority register (fullmaktsregister): built from rows or read from a file, and validated.

One row per person: roles, responsibilities, amount limit, superior (``leder``), close relatives
and who delegated the authority (``delegert_av``). Every problem is listed with its cell; the chain
of superiors may not go round in a circle. The register's rules are in
:mod:`kostra_functions.attestation.register_rules`.
"""

from __future__ import annotations

from pathlib import Path

from kostra_functions.attestation.catalogue import resolve_ruleset, rule_table
from kostra_functions.attestation.fields import (
    CellErrors,
    cell_amount,
    cell_text,
    require_columns,
    split_list,
)
from kostra_functions.attestation.model import (
    AuthorityRegister,
    Person,
    Responsibilities,
    person_key,
)
from kostra_functions.attestation.reading import Row, read_rows
from kostra_functions.authority import normalise_key
from kostra_functions.rulesets import RuleSet

#: The register's columns and whether each is required.
REGISTER_COLUMNS = {
    "person": True,
    "navn": False,
    "stilling": False,
    "roller": True,
    "ansvar": True,
    "belopsgrense": False,
    "leder": False,
    "naerstaende": False,
    "delegert_av": False,
}


def _responsibilities(text: str | None, ref: str, errors: CellErrors) -> Responsibilities:
    if not text:
        return Responsibilities()
    codes: set[str] = set()
    ranges: list[tuple[int, int, int]] = []
    everything = False
    for part in split_list(text):
        if part in ("*", "alle"):
            everything = True
        elif "-" in part:
            lo, _, hi = (s.strip() for s in part.partition("-"))
            if not (lo.isdigit() and hi.isdigit() and len(lo) == len(hi) and int(lo) <= int(hi)):
                errors.add(ref, f"«{part}» er ikke et gyldig ansvarsintervall (skriv f.eks. 300-399)")
                continue
            ranges.append((int(lo), int(hi), len(lo)))
        else:
            codes.add(part)
    return Responsibilities(everything, frozenset(codes), tuple(ranges))


def register_from_rows(
    header: list[str], rows: list[Row], source: str, ruleset: str | RuleSet | None = None
) -> AuthorityRegister:
    """Build and validate an authority register; every problem is listed with its cell."""
    rs = resolve_ruleset(ruleset)
    rules = rule_table(rs)
    require_columns(header, REGISTER_COLUMNS, source, "Fullmaktsregisteret")
    errors = CellErrors(f"Fullmaktsregisteret {source}")
    people: dict[str, Person] = {}
    managers: dict[str, tuple[str, str]] = {}
    delegators: dict[str, tuple[str, str]] = {}
    for row in rows:
        c, ref = row.cells, row.cell_ref
        pid = cell_text(c.get("person"), ref["person"], errors, "personen mangler id")
        if not pid:
            continue
        if person_key(pid) in people:
            errors.add(
                ref["person"], f"personen «{pid}» står flere ganger (også {people[person_key(pid)].location})"
            )
            continue
        roles: set[str] = set()
        for word in split_list(cell_text(c.get("roller"), ref["roller"], errors)):
            role = rules.role_words.get(normalise_key(word))
            if role is None:
                known = ", ".join(sorted(set(rules.role_words)))
                errors.add(ref["roller"], f"ukjent rolle «{word}» (kjente ord: {known})")
            else:
                roles.add(role)
        position_text = cell_text(c.get("stilling"), ref.get("stilling", row.where), errors)
        position = rules.positions.get(normalise_key(position_text)) if position_text else None
        limit = cell_amount(c.get("belopsgrense"), ref.get("belopsgrense", row.where), errors, required=False)
        if limit is not None and limit < 0:
            errors.add(ref["belopsgrense"], "beløpsgrensen kan ikke være negativ")
        manager = cell_text(c.get("leder"), ref.get("leder", row.where), errors)
        if manager:
            managers[person_key(pid)] = (manager, ref["leder"])
        delegator = cell_text(c.get("delegert_av"), ref.get("delegert_av", row.where), errors)
        if delegator:
            delegators[person_key(pid)] = (delegator, ref["delegert_av"])
        relatives = frozenset(
            person_key(r)
            for r in split_list(cell_text(c.get("naerstaende"), ref.get("naerstaende", row.where), errors))
        )
        people[person_key(pid)] = Person(
            id=pid,
            name=cell_text(c.get("navn"), ref.get("navn", row.where), errors) or "",
            position=position,
            roles=frozenset(roles),
            responsibilities=_responsibilities(
                cell_text(c.get("ansvar"), ref["ansvar"], errors), ref["ansvar"], errors
            ),
            limit=limit,
            manager=person_key(manager) if manager else None,
            relatives=relatives,
            location=row.where,
            delegated_by=person_key(delegator) if delegator else None,
        )
    for pkey, (delegator, ref) in delegators.items():
        if person_key(delegator) not in people:
            errors.add(ref, f"«{delegator}» (delegert_av) finnes ikke i registeret")
        elif person_key(delegator) == pkey:
            errors.add(ref, "en person kan ikke ha delegert myndighet til seg selv")
    for pkey, (manager, ref) in managers.items():
        if person_key(manager) not in people:
            errors.add(ref, f"lederen «{manager}» finnes ikke i registeret")
        elif person_key(manager) == pkey:
            errors.add(ref, "en person kan ikke være sin egen leder")
    if not errors.items:
        for pkey in people:
            seen = [pkey]
            current = people[pkey].manager
            while current:
                if current in seen:
                    errors.add(
                        people[pkey].location,
                        "lederkjeden går i ring (" + " → ".join(people[k].id for k in [*seen, current]) + ")",
                    )
                    break
                seen.append(current)
                current = people[current].manager
    if not people and not errors.items:
        errors.add(source, "registeret har ingen personer")
    errors.raise_if_any()
    return AuthorityRegister(people=people, source=source, columns=frozenset(h for h in header if h))


def read_register(
    path: str | Path, *, sheet: str | None = None, ruleset: str | RuleSet | None = None
) -> AuthorityRegister:
    """Read an authority register from CSV or XLSX (format in :mod:`kostra_functions.attestation`)."""
    header, rows, source = read_rows(path, sheet=sheet)
    return register_from_rows(header, rows, source, ruleset)
