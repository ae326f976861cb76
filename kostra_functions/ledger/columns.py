"""A ledger's columns: the canonical columns, the header names each is recognised by, and the header row.

Header names are matched after :func:`~kostra_functions.tables.headers.normalise_header` (ignoring
case, spaces, punctuation and accents); the amount column is chosen by the kind of ledger
(:data:`AMOUNT_ALIASES`), and a header row that lacks a column or has one twice is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from kostra_functions.ledger.problems import Source, source_error
from kostra_functions.tables.headers import Column, column_letter, normalise_header, show

#: The two kinds of ledger: accounts and adjusted budget.
Kind = Literal["regnskap", "budsjett"]
KINDS: tuple[str, ...] = ("regnskap", "budsjett")

#: Column order of the returned frame.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "art", "ansvar", "funksjon", "prosjekt", "periode", "belop", "kilde_rad",
)

#: How many rows at the top are searched for the header row.
HEADER_SEARCH_ROWS = 30

#: Header names per canonical column, *normalised* (lower case, ø→o, æ→ae, å→a, only a–z and 0–9).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "art": ("art", "konto", "kontoart", "artskonto", "artkonto", "kontonr", "kontonummer", "artsnr",
            "artnr", "kto", "account"),
    "ansvar": ("ansvar", "ansvarssted", "ansvarsnr", "ansvarsnummer", "ansvarskode", "ansv",
               "koststed", "kostnadssted", "responsibility"),
    "funksjon": ("funksjon", "tjeneste", "funksjonsnr", "funksjonskode", "kostrafunksjon", "tjenestenr",
                 "tjenestekode", "function"),
    "prosjekt": ("prosjekt", "prosjektnr", "prosjektnummer", "prosj", "project"),
    "periode": ("periode", "per", "regnskapsperiode", "periodenr", "period", "maned", "mnd"),
}

#: Amount headers by kind, best first; the first level present wins. ``belop`` (Beløp) is generic.
AMOUNT_ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "regnskap": (
        ("regnskap", "regnskapsbelop", "faktisk", "actual"),
        ("belop", "beloep", "belopkr", "belopnok", "amount"),
    ),
    "budsjett": (
        ("justertbudsjett", "justbudsjett", "revidertbudsjett", "revbudsjett", "budsjettjustert"),
        ("budsjett", "budsjettbelop", "budget"),
        ("belop", "beloep", "belopkr", "belopnok", "amount"),
    ),
}
#: Budget columns that are *not* the adjusted budget; never used as the amount.
ORIGINAL_BUDGET_HEADERS: tuple[str, ...] = ("opprinneligbudsjett", "opprbudsjett", "vedtattbudsjett",
                                            "originalbudsjett")

#: The columns every ledger must have.
REQUIRED = ("art", "ansvar", "funksjon", "periode", "belop")
_AMOUNT_EXAMPLES = {"regnskap": ("Beløp", "Regnskap"), "budsjett": ("Justert budsjett", "Budsjett", "Beløp")}
#: A canonical column as a message names it.
LABEL = {"art": "art", "ansvar": "ansvar", "funksjon": "funksjon", "prosjekt": "prosjekt",
         "periode": "periode", "belop": "beløp"}
_EXAMPLE_HEADER = {"art": "Art", "ansvar": "Ansvar", "funksjon": "Funksjon", "prosjekt": "Prosjekt",
                   "periode": "Periode"}


def match_header(cells: Sequence[Any], kind: str | None) -> tuple[dict[str, Column], list[str], str | None]:
    """Canonical columns found in a header row, duplicate problems, and the kind the amount implies."""
    found: dict[str, list[Column]] = {}
    norm = [normalise_header(c) for c in cells]
    for i, (cell, key) in enumerate(zip(cells, norm, strict=True)):
        for name, aliases in HEADER_ALIASES.items():
            if key in aliases:
                found.setdefault(name, []).append(Column(name, str(cell).strip(), i))
    problems = []
    columns: dict[str, Column] = {}
    for name, cols in found.items():
        if len(cols) > 1:
            problems.append(duplicate_text(name, cols))
        columns[name] = cols[0]
    # amount: choose by kind and priority level
    implied: str | None = None
    kinds = [kind] if kind else list(KINDS)
    candidates: dict[str, tuple[int, list[Column]]] = {}
    for k in kinds:
        for level, aliases in enumerate(AMOUNT_ALIASES[k]):
            cols = [Column("belop", str(cells[i]).strip(), i)
                    for i, key in enumerate(norm) if key in aliases]
            if cols:
                candidates[k] = (level, cols)
                break
    if kind is None and candidates:
        specific = {k for k, (level, cols) in candidates.items()
                    if not all(normalise_header(c.header) in AMOUNT_ALIASES[k][-1] for c in cols)}
        if len(specific) == 2:
            names = [c.header for k in KINDS for c in candidates[k][1]]
            problems.append(
                "filen har både regnskaps- og budsjettbeløp (" + ", ".join(f"«{n}»" for n in names) + "); "
                "oppgi om den skal leses som regnskap eller budsjett"
            )
            implied = None
        else:
            implied = specific.pop() if specific else "regnskap"
    elif kind is not None:
        implied = kind
    chosen = candidates.get(implied) if implied else None
    if chosen:
        level, cols = chosen
        if len(cols) > 1:
            problems.append(duplicate_text("belop", cols))
        columns["belop"] = cols[0]
    return columns, problems, implied


def duplicate_text(name: str, cols: Sequence[Column]) -> str:
    """The problem of two columns that both mean ``name``."""
    shown = " og ".join(f"«{show(c.header)}» ({column_letter(c.index)})" for c in cols)
    return (f"kolonnene {shown} betyr begge {LABEL[name]}; fjern eller gi nytt navn til den som ikke "
            "skal brukes")


def missing_text(columns: dict[str, Column], cells: Sequence[Any], kind: str | None) -> list[str]:
    """The problems of required columns the header row lacks (with advice for the amount column)."""
    out = []
    for name in REQUIRED:
        if name in columns:
            continue
        if name == "belop":
            k = kind or "regnskap"
            norm = [normalise_header(c) for c in cells]
            originals = [str(cells[i]).strip()
                         for i, key in enumerate(norm) if key in ORIGINAL_BUDGET_HEADERS]
            if k == "budsjett" and originals:
                out.append(
                    f"kolonnen for justert budsjett mangler: fant bare «{originals[0]}», som er det "
                    "opprinnelige budsjettet; eksporter justert budsjett (kolonnen «Justert budsjett» "
                    "eller «Budsjett»)"
                )
                continue
            names = _AMOUNT_EXAMPLES[k]
            out.append(f"kolonnen for beløp mangler (forventet f.eks. {', '.join(f'«{n}»' for n in names)})")
        else:
            out.append(f"kolonnen «{_EXAMPLE_HEADER[name]}» mangler")
    return out


def header_found_text(cells: Sequence[Any]) -> str:
    """The header cells as a message lists them (the first 15)."""
    names = [f"«{show(c)}»" for c in cells if c is not None and str(c).strip()]
    return ", ".join(names[:15]) + (" …" if len(names) > 15 else "") if names else "(ingen)"


def header_score(cells: Sequence[Any]) -> int:
    """How many canonical columns a row's cells name (3 or more: it is the header row)."""
    norm = {normalise_header(c) for c in cells}
    score = sum(1 for aliases in HEADER_ALIASES.values() if norm & set(aliases))
    amount = {a for levels in AMOUNT_ALIASES.values() for level in levels for a in level}
    return score + (1 if norm & amount else 0)


def checked_header(cells: Sequence[Any], kind: str | None, source: Source, *, row: int,
                   place: str) -> tuple[dict[str, Column], str | None]:
    """The canonical columns of a header row and the kind its amount column implies; a header with a
    duplicate or a missing column is refused, naming the row and the columns found in ``place``
    («filen», «arket», «området»)."""
    columns, problems, implied = match_header(cells, kind)
    problems += missing_text(columns, cells, kind)
    if problems:
        raise source_error(source, f"overskriftsraden (rad {row}): " + "; ".join(problems)
                           + f". Kolonnene i {place} er: {header_found_text(cells)}.")
    return columns, implied
