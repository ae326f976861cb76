"""The authority register (fullmaktsregister): built from rows, read from a file, and checked.

Register rules (one finding per person, :func:`check_register`):

* ``UTB-ROLLER`` §4.3: payment authority together with attest or approval authority;
* ``UTB-BANKAVSTEMMING`` §4.3: the person who checks the bank reconciliations has payment authority;
* ``ANV-OKONOMISJEF`` §4.2: the økonomisjef holds approval authority;
* ``DELEG-ANVISNING`` §4.2 and ``DELEG-ATTESTASJON`` §4.1 (only with the column ``delegert_av``):
  the delegation chain (checked in :func:`check_register`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kostra_functions.attestation.catalogue import RuleTable, resolve_ruleset, rule_table, violation
from kostra_functions.attestation.fields import (
    CellErrors,
    cell_amount,
    cell_text,
    require_columns,
    split_list,
)
from kostra_functions.attestation.model import (
    APPROVE,
    ATTEST,
    PAY,
    RECONCILE,
    AuthorityRegister,
    Person,
    Responsibilities,
    Violation,
    person_key,
)
from kostra_functions.attestation.reading import Row, read_rows
from kostra_functions.authority import format_kroner, normalise_key
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



def _covers_all(outer: Responsibilities, inner: Responsibilities) -> bool:
    """True when every responsibility ``inner`` covers is covered by ``outer``."""
    if outer.all:
        return True
    if inner.all:
        return False
    if not all(outer.covers(code) for code in inner.codes):
        return False
    for lo, hi, width in inner.ranges:
        if any(olo <= lo and hi <= ohi and w == width for olo, ohi, w in outer.ranges):
            continue
        if hi - lo > 10_000 or not all(outer.covers(str(v).zfill(width)) for v in range(lo, hi + 1)):
            return False
    return True


def _describe(resp: Responsibilities) -> str:
    if resp.all:
        return "alle ansvar"
    parts = sorted(resp.codes) + [f"{str(lo).zfill(w)}-{str(hi).zfill(w)}" for lo, hi, w in resp.ranges]
    return "ansvar " + ", ".join(parts) if parts else "ingen ansvar"


def _delegation_findings(register: AuthorityRegister, rules: RuleTable, rs: RuleSet) -> list[Violation]:
    """§4.1/§4.2: who issued each person's authority (column «delegert_av»), within their own."""
    if "delegert_av" not in register.columns:
        return []
    table = rs.get("attestasjon.delegering")
    origin = str(table["opphav"])
    origin_word = str(table["opphav_navn"])
    max_links = int(table["maks_ledd"])
    found: list[Violation] = []
    people = register.people

    def add(rule: str, person: Person, message: str, others: Iterable[str] = ()) -> None:
        if rules.active(rule):
            found.append(violation(rules, rule, message, None, [person.id, *others], [person.location]))

    for person in people.values():
        giver = people.get(person.delegated_by) if person.delegated_by else None
        if APPROVE in person.roles:
            if person.position == origin:
                continue  # the head of the administration holds it from the council
            if giver is None:
                add("DELEG-ANVISNING", person,
                    f"{person.label} har anvisningsmyndighet, men det står ikke hvem som har delegert den "
                    "(kolonnen «delegert_av»); den skal gis skriftlig.")
                continue
            if APPROVE not in giver.roles:
                add("DELEG-ANVISNING", person,
                    f"{person.label} har fått anvisningsmyndighet av {giver.label}, som selv ikke har "
                    "anvisningsmyndighet.", [giver.id])
                continue
            links, current, seen = 1, giver, {person.key}
            while current.position != origin and current.delegated_by and current.key not in seen:
                seen.add(current.key)
                nxt = people.get(current.delegated_by)
                if nxt is None:
                    break
                links, current = links + 1, nxt
            if current.position != origin:
                add("DELEG-ANVISNING", person,
                    f"Anvisningsmyndigheten til {person.label} kan ikke føres tilbake til {origin_word} "
                    f"gjennom «delegert_av» (kjeden stopper hos {current.label}).", [current.id])
            elif links > max_links:
                add("DELEG-ANVISNING", person,
                    f"{person.label} har anvisningsmyndighet {links} ledd under {origin_word}; den kan "
                    f"delegeres og videredelegeres ett ledd, høyst {max_links} ledd under {origin_word}.",
                    [giver.id])
            if not _covers_all(giver.responsibilities, person.responsibilities):
                add("DELEG-ANVISNING", person,
                    f"{person.label} har anvisningsmyndighet for {_describe(person.responsibilities)}, mer "
                    f"enn {giver.label} som delegerte den ({_describe(giver.responsibilities)}).", [giver.id])
            if giver.limit is not None and (person.limit is None or person.limit > giver.limit):
                own = "ingen beløpsgrense" if person.limit is None else format_kroner(person.limit)
                add("DELEG-ANVISNING", person,
                    f"{person.label} har {own}, høyere enn {giver.label}s beløpsgrense på "
                    f"{format_kroner(giver.limit)}.", [giver.id])
        elif ATTEST in person.roles:
            if giver is None:
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har attestasjonsmyndighet, men det står ikke hvem som har gitt den "
                    "(kolonnen «delegert_av»); den skal gis skriftlig.")
                continue
            if APPROVE not in giver.roles:
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har fått attestasjonsmyndighet av {giver.label}, som ikke har "
                    "anvisningsmyndighet.", [giver.id])
                continue
            if person.manager is not None and giver.key not in register.superiors(person.key):
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har fått attestasjonsmyndighet av {giver.label}, som ikke er leder for "
                    "vedkommende; den kan bare gis til egne medarbeidere.", [giver.id])
            if not _covers_all(giver.responsibilities, person.responsibilities):
                add("DELEG-ATTESTASJON", person,
                    f"{person.label} har attestasjonsmyndighet for {_describe(person.responsibilities)}, mer "
                    f"enn {giver.label} har ({_describe(giver.responsibilities)}).", [giver.id])
    return found


def check_register(register: AuthorityRegister, ruleset: str | RuleSet | None = None) -> list[Violation]:
    """Register rules: payment authority with attest/approval or bank reconciliation (§4.3); an
    økonomisjef approving (§4.2); the delegation chain when the register says who delegated (§4.1,
    §4.2)."""
    rs = resolve_ruleset(ruleset)
    rules = rule_table(rs)
    found: list[Violation] = []
    for person in register.people.values():
        if rules.active("UTB-BANKAVSTEMMING") and {PAY, RECONCILE} <= person.roles:
            found.append(
                violation(
                    rules,
                    "UTB-BANKAVSTEMMING",
                    f"{person.label} kontrollerer bankavstemmingene og har utbetalingsfullmakt.",
                    None,
                    [person.id],
                    [person.location],
                )
            )
        if rules.active("UTB-ROLLER") and PAY in person.roles and person.roles & {ATTEST, APPROVE}:
            other = ", ".join(sorted(person.roles & {ATTEST, APPROVE}))
            found.append(
                violation(
                    rules,
                    "UTB-ROLLER",
                    f"{person.label} har utbetalingsfullmakt og også {other}.",
                    None,
                    [person.id],
                    [person.location],
                )
            )
        if rules.active("ANV-OKONOMISJEF") and person.position == "okonomisjef" and APPROVE in person.roles:
            found.append(
                violation(
                    rules,
                    "ANV-OKONOMISJEF",
                    f"{person.label} er økonomisjef og står med anvisningsmyndighet.",
                    None,
                    [person.id],
                    [person.location],
                )
            )
    found.extend(_delegation_findings(register, rules, rs))
    return found

