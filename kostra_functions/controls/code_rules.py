"""Controls 010–013 and 016: valid function, chapter, art and sector; sign of chapters 5900/5970.

Source: SSB ``kravspesifikasjon/felles_regnskap.md`` (010–013: ERROR, WARNING when kvartal is 1 or
2) and ``Rule016KapittelFortegn.kt``. Valid functions and arts per year and region come from the code
catalog (:mod:`kostra_functions.codes`); chapters and sectors from ``controls_data/balance_codes.csv``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from kostra_functions.controls.data import balance_codes, code_list
from kostra_functions.controls.model import Finding, Severity
from kostra_functions.controls.runner import Context, control, number_text
from kostra_functions.ssb_file import Record


def _catalog_codes(
    ctx: Context, number: str, kind: str, field_of: Callable[[Record], str]
) -> Iterator[Finding]:
    label = "Funksjon" if kind == "funksjon" else "Art"
    by_code: dict[str, list[int]] = defaultdict(list)
    for r in ctx.records:
        by_code[field_of(r).strip()].append(r.line)
    for code, lines in sorted(by_code.items()):
        if not (len(code) == 3 and code.isascii() and code.isdigit()):
            yield ctx.finding(number, f"{label} «{code}» er ugyldig: den skal ha tre sifre.", lines)
            continue
        status, detail = ctx.code_status(code, kind)
        if status == "invalid":
            yield ctx.finding(number, f"{detail} Rett {label.lower()}en til en gyldig {label.lower()} for "
                              f"{ctx.year}.", lines)
        elif status == "unknown":
            yield ctx.finding(number, f"{detail} Posten er ikke kontrollert mot kodelisten.", lines,
                              severity=Severity.INFO)


@control("010")
def function_code(ctx: Context) -> Iterator[Finding]:
    """The function must be in the year's list for the region (Oslo districts: also 691–696)."""
    yield from _catalog_codes(ctx, "010", "funksjon", lambda r: r.funksjon_kapittel)


@control("012")
def art_code(ctx: Context) -> Iterator[Finding]:
    """The art must be in the year's list for the region (Oslo: also 298, 379, 798)."""
    yield from _catalog_codes(ctx, "012", "art", lambda r: r.art_sektor)


def _balance_codes(
    ctx: Context, number: str, kind: str, field_of: Callable[[Record], str]
) -> Iterator[Finding]:
    valid = balance_codes(kind, ctx.form.code)
    by_code: dict[str, list[int]] = defaultdict(list)
    for r in ctx.records:
        by_code[field_of(r)].append(r.line)
    for code, lines in sorted(by_code.items()):
        if code not in valid:
            shown = ", ".join(sorted(valid, key=lambda c: (len(c), c)))
            yield ctx.finding(number, f"{kind.capitalize()} «{code}» finnes ikke i skjema {ctx.form.code}. "
                              f"Gyldige verdier: {shown}.", lines)


@control("011")
def chapter_code(ctx: Context) -> Iterator[Finding]:
    yield from _balance_codes(ctx, "011", "kapittel", lambda r: r.code)


@control("013")
def sector_code(ctx: Context) -> Iterator[Finding]:
    yield from _balance_codes(ctx, "013", "sektor", lambda r: r.art_sektor)


@control("016")
def chapter_sign(ctx: Context) -> Iterator[Finding]:
    """Chapter 5900 (merforbruk drift) and 5970 (udekket investering) only ≥ 0."""
    chapters = code_list("016", "kapitler", ctx.year)
    for r in ctx.records:
        if r.code in chapters and r.amount < 0:
            yield ctx.finding(
                "016",
                f"Kapittel {r.code} har beløpet {number_text(r.amount)}, men kapittel 5900 (merforbruk i "
                "driftsregnskapet) og 5970 (udekket i investeringsregnskapet) kan bare ha beløp ≥ 0. "
                "Mindreforbruk/udisponert føres etter budsjett- og regnskapsforskriften §§ 4-3 og 4-6.",
                [r.line],
            )
