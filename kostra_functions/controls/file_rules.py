"""Controls 001–009, 014 and 015: the record layout and the values every record repeats.

Source: SSB ``kravspesifikasjon/felles_regnskap.md`` (controls 003–015) and ``RegnskapValidator.kt``
(control 001, record length). Messages are our own Norwegian wording.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from kostra_functions.controls.model import Finding
from kostra_functions.controls.runner import Context, control, number_text
from kostra_functions.ssb_file import RECORD_LENGTH, Record


@control("001")
def record_length(ctx: Context) -> Iterator[Finding]:
    """Every record has exactly 48 characters (FATAL: nothing else is controlled)."""
    for r in ctx.all_records:
        if len(r.text) != RECORD_LENGTH:
            yield ctx.finding(
                "001",
                f"Posten har {len(r.text)} tegn, men skal ha nøyaktig {RECORD_LENGTH} (se SSBs "
                "filbeskrivelse). Kontrollen stopper her; rett postlengden og kontroller på nytt.",
                [r.line],
            )


def _mismatch(
    ctx: Context,
    number: str,
    value: Callable[[Record], str],
    expected: str,
    describe: Callable[[str], str],
    records: Iterable[Record] | None = None,
) -> Iterator[Finding]:
    wrong: dict[str, list[int]] = defaultdict(list)
    for r in ctx.records if records is None else records:
        if value(r) != expected:
            wrong[value(r)].append(r.line)
    for found, lines in sorted(wrong.items()):
        yield ctx.finding(number, describe(found), lines)


@control("003")
def form_code(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.skjema
    yield from _mismatch(ctx, "003", lambda r: r.skjema, expected,
                         lambda v: f"Skjema «{v}» er feil; rett det til «{expected}».")


@control("004")
def year(ctx: Context) -> Iterator[Finding]:
    expected = f"{ctx.year:04d}"
    yield from _mismatch(ctx, "004", lambda r: r.aargang, expected,
                         lambda v: f"Årgang «{v}» er feil; rett den til «{expected}».")


@control("005")
def quarter(ctx: Context) -> Iterator[Finding]:
    expected = ctx.quarter

    def describe(value: str) -> str:
        shown = "blank (årsregnskap)" if expected == " " else f"«{expected}»"
        return f"Kvartal «{value}» er feil; rett det til {shown}."

    yield from _mismatch(ctx, "005", lambda r: r.kvartal, expected, describe)


@control("006")
def region(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.region
    yield from _mismatch(ctx, "006", lambda r: r.region, expected,
                         lambda v: f"Region «{v}» er feil; rett den til «{expected}».")


@control("007")
def organisation_number(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.orgnr
    if expected:
        yield from _mismatch(ctx, "007", lambda r: r.orgnr.strip(), expected,
                             lambda v: f"Organisasjonsnummer «{v}» er feil; rett det til «{expected}».")


@control("008")
def enterprise_number(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.foretaksnr
    if expected:
        yield from _mismatch(ctx, "008", lambda r: r.foretaksnr.strip(), expected,
                             lambda v: f"Foretaksnummer «{v}» er feil; rett det til «{expected}».")


@control("009")
def account_class(ctx: Context) -> Iterator[Finding]:
    valid = ctx.form.account_classes
    allowed = " eller ".join(f"«{code}» ({name})" for name, code in valid.items())
    wrong: dict[str, list[int]] = defaultdict(list)
    for r in ctx.records:
        if r.kontoklasse not in valid.values():
            wrong[r.kontoklasse].append(r.line)
    for found, lines in sorted(wrong.items()):
        message = f"Kontoklasse «{found}» finnes ikke i skjema {ctx.form.code}; bruk {allowed}."
        yield ctx.finding("009", message, lines)


@control("014")
def amount(ctx: Context) -> Iterator[Finding]:
    for r in ctx.records:
        if r.belop is None:
            yield ctx.finding(
                "014",
                f"Beløpet «{r.belop_text}» er ugyldig: det skal være et helt antall 1000 kr, høyrejustert, "
                "med eventuelt minustegn rett foran sifrene (ingen tabulator, komma eller tusenskille).",
                [r.line],
            )


@control("015")
def duplicates(ctx: Context) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for r in ctx.records:
        groups[(r.kontoklasse, r.funksjon_kapittel, r.art_sektor)].append(r)
    code_word, art_word = ("kapittel", "sektor") if ctx.form.kind == "balanse" else ("funksjon", "art")
    for (kk, code, art), rows in groups.items():
        if len(rows) < 2:
            continue
        amounts = ", ".join(number_text(r.amount) for r in rows)
        yield ctx.finding(
            "015",
            f"Kontoklasse {kk}, {code_word} {code.strip()}, {art_word} {art} står {len(rows)} ganger med "
            f"beløpene {amounts} (1000 kr). Er det riktig, kan filen sendes inn og SSB summerer beløpene; "
            "er det feil, må postene rettes før innsending.",
            [r.line for r in rows],
        )
