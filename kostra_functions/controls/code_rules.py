"""Controls 010–013 and 016: valid function, chapter, art and sector; sign of chapters 5900/5970.

Source: SSB ``kravspesifikasjon/felles_regnskap.md`` (010–013), ``Rule010Funksjon.kt`` …
``Rule013Sektor.kt``, ``Rule010UtgattFunksjon.kt`` and ``Rule016KapittelFortegn.kt``. The severity of
010–013 follows the **record's** kvartal field (WARNING in quarters 1–3, ERROR in quarter 4 and the
annual accounts; ``controls.csv``). For quarterly reports SSB gives a function that has gone out of
use a WARNING («utgått funksjon», ``Rule010UtgattFunksjon``) and controls no arts (its quarterly art
list is empty, so control 012 is not run for them: ``kvartalsrapport = nei``).
Valid functions and arts per year and region come from the code catalog
(:mod:`kostra_functions.codes`); chapters and sectors from ``controls_data/balance_codes.csv``.
One finding per record.
"""

from __future__ import annotations

from collections.abc import Iterator

from kostra_functions.controls.data import balance_codes, code_list
from kostra_functions.controls.model import Finding, Severity
from kostra_functions.controls.runner import Context, control, number_text


def _well_formed(code: str) -> bool:
    return len(code) == 3 and code.isascii() and code.isdigit()


def _expired(ctx: Context, code: str) -> bool:
    """The function was in use earlier and has gone out of use by this year (changes.csv «utgått»)."""
    try:
        history = ctx.catalog.history(code, "funksjon")
    except Exception:  # a malformed code has no history
        return False
    return any(c.change == "utgått" and c.year_to <= ctx.year for c in history)


def _catalog_codes(ctx: Context, number: str, kind: str, field: str) -> Iterator[Finding]:
    label = "Funksjon" if kind == "funksjon" else "Art"

    def status(code: str) -> str:
        code = code.strip()
        if not _well_formed(code):
            return "malformed"
        if kind == "funksjon" and ctx.quarterly and ctx.code_status(code, kind)[0] == "invalid" \
                and _expired(ctx, code):
            return "expired"
        return ctx.code_status(code, kind)[0]

    def message(r: dict[str, str]) -> str:
        code = r[field].strip()
        kind_of = status(r[field])
        if kind_of == "malformed":
            return f"{label} «{code}» er ugyldig: den skal ha tre sifre."
        detail = ctx.code_status(code, kind)[1]
        if kind_of == "unknown":
            return f"{detail} Posten er ikke kontrollert mot kodelisten."
        if kind_of == "expired":
            return (f"{detail} Funksjonen er utgått; i kvartalsrapporteringen godtas den midlertidig, men "
                    "i årsregnskapet må den rettes.")
        return f"{detail} Rett {label.lower()}en til en gyldig {label.lower()} for {ctx.year}."

    for wanted, severity in (("malformed", None), ("invalid", None), ("expired", Severity.WARNING),
                             ("unknown", Severity.INFO)):
        mask = ctx.where(field, lambda v, w=wanted: status(v) == w)
        yield from ctx.per_record(number, mask, message, record_quarter=True, severity=severity)


@control("010")
def function_code(ctx: Context) -> Iterator[Finding]:
    """The function must be in the year's list for the region (Oslo districts: also 691–696)."""
    yield from _catalog_codes(ctx, "010", "funksjon", "funksjon_kapittel")


@control("012")
def art_code(ctx: Context) -> Iterator[Finding]:
    """The art must be in the year's list for the region (Oslo: also 298, 379, 798)."""
    yield from _catalog_codes(ctx, "012", "art", "art_sektor")


def _balance_codes(ctx: Context, number: str, kind: str, field: str) -> Iterator[Finding]:
    valid = balance_codes(kind, ctx.form.code)
    shown = ", ".join(sorted(valid, key=lambda c: (len(c), c)))
    mask = ctx.where(field, lambda v: v not in valid)
    yield from ctx.per_record(
        number, mask,
        lambda r: f"{kind.capitalize()} «{r[field]}» finnes ikke i skjema {ctx.form.code}. Gyldige verdier: "
        f"{shown}.",
        record_quarter=True)


@control("011")
def chapter_code(ctx: Context) -> Iterator[Finding]:
    yield from _balance_codes(ctx, "011", "kapittel", "code")


@control("013")
def sector_code(ctx: Context) -> Iterator[Finding]:
    yield from _balance_codes(ctx, "013", "sektor", "art_sektor")


@control("016")
def chapter_sign(ctx: Context) -> Iterator[Finding]:
    """Chapter 5900 (merforbruk drift) and 5970 (udekket investering) only ≥ 0."""
    chapters = code_list("016", "kapitler", ctx.year)
    mask = ctx.isin("code", chapters) & (ctx.amount < 0)
    yield from ctx.per_record(
        "016", mask,
        lambda r: f"Kapittel {r['code']} har beløpet {number_text(int(r['amount']))}, men kapittel 5900 "
        "(merforbruk i driftsregnskapet) og 5970 (udekket i investeringsregnskapet) kan bare ha beløp ≥ 0. "
        "Mindreforbruk/udisponert føres etter budsjett- og regnskapsforskriften §§ 4-3 og 4-6.")
