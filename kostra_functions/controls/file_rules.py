"""Controls 001–009, 014 and 015: the record layout and the values every record repeats.

Source: SSB ``kravspesifikasjon/felles_regnskap.md`` (controls 003–015), ``RegnskapValidator.kt``
(control 001, record length) and ``Rule007Organisasjonsnummer.kt``/``Rule008Foretaksnummer.kt``
(the record's number must be one of the numbers given for the submission). One finding per record,
as SSB reports them; messages are our own Norwegian wording.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from kostra_functions.controls.model import Finding
from kostra_functions.controls.runner import Context, control, number_text
from kostra_functions.ssb_file import RECORD_LENGTH


@control("001")
def record_length(ctx: Context) -> Iterator[Finding]:
    """Every record has exactly 48 characters (FATAL: nothing else is controlled)."""
    table = ctx.all_records
    for i in np.flatnonzero(table.length != RECORD_LENGTH).tolist():
        yield ctx.finding(
            "001",
            f"Posten har {int(table.length[i])} tegn, men skal ha nøyaktig {RECORD_LENGTH} (se SSBs "
            "filbeskrivelse). Kontrollen stopper her; rett postlengden og kontroller på nytt.",
            [int(table.line[i])],
        )


def _mismatch(ctx: Context, number: str, field: str, allowed: tuple[str, ...], describe) -> Iterator[Finding]:
    mask = ~np.isin(ctx.column(field), np.array(allowed, dtype=str))
    yield from ctx.per_record(number, mask, lambda r: describe(r[field]))


@control("003")
def form_code(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.skjema
    yield from _mismatch(ctx, "003", "skjema", (expected,),
                         lambda v: f"Skjema «{v}» er feil; rett det til «{expected}».")


@control("004")
def year(ctx: Context) -> Iterator[Finding]:
    expected = f"{ctx.year:04d}"
    yield from _mismatch(ctx, "004", "aargang", (expected,),
                         lambda v: f"Årgang «{v}» er feil; rett den til «{expected}».")


@control("005")
def quarter(ctx: Context) -> Iterator[Finding]:
    expected = ctx.quarter
    shown = "blank (årsregnskap)" if expected == " " else f"«{expected}»"
    yield from _mismatch(ctx, "005", "kvartal", (expected,),
                         lambda v: f"Kvartal «{v}» er feil; rett det til {shown}.")


@control("006")
def region(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.region
    yield from _mismatch(ctx, "006", "region", (expected,),
                         lambda v: f"Region «{v}» er feil; rett den til «{expected}».")


def _one_of(numbers: tuple[str, ...]) -> str:
    quoted = [f"«{n}»" for n in numbers]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " eller " + quoted[-1]


@control("007")
def organisation_number(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.orgnrs
    if expected:
        yield from _mismatch(ctx, "007", "orgnr", expected,
                             lambda v: f"Organisasjonsnummer «{v.strip()}» er feil; rett det til "
                             f"{_one_of(expected)}.")


@control("008")
def enterprise_number(ctx: Context) -> Iterator[Finding]:
    expected = ctx.submission.foretaksnrs
    if expected:
        yield from _mismatch(ctx, "008", "foretaksnr", expected,
                             lambda v: f"Foretaksnummer «{v.strip()}» er feil; rett det til "
                             f"{_one_of(expected)}.")


@control("009")
def account_class(ctx: Context) -> Iterator[Finding]:
    valid = ctx.form.account_classes
    allowed = " eller ".join(f"«{code}» ({name})" for name, code in valid.items())
    mask = ~ctx.isin("kontoklasse", set(valid.values()))
    yield from ctx.per_record(
        "009", mask,
        lambda r: f"Kontoklasse «{r['kontoklasse']}» finnes ikke i skjema {ctx.form.code}; bruk {allowed}.")


@control("014")
def amount(ctx: Context) -> Iterator[Finding]:
    yield from ctx.per_record(
        "014", ~ctx.table.amount_ok,
        lambda r: f"Beløpet «{r['belop']}» er ugyldig: det skal være et helt antall 1000 kr, høyrejustert, "
        "med eventuelt minustegn rett foran sifrene (ingen tabulator, komma eller tusenskille).")


#: Amounts listed in a 015 message; more are summed.
_SHOWN = 10


@control("015")
def duplicates(ctx: Context) -> Iterator[Finding]:
    t = ctx.table
    keys = np.char.add(np.char.add(t["kontoklasse"], t["funksjon_kapittel"]), t["art_sektor"])
    _, inverse, count = np.unique(keys, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    repeated = np.flatnonzero(count[inverse] > 1)
    if not len(repeated):
        return
    # records of one combination next to each other (in file order), one group per combination
    ordered = repeated[np.argsort(inverse[repeated], kind="stable")]
    bounds = np.flatnonzero(np.diff(inverse[ordered])) + 1
    groups = [g.tolist() for g in np.split(ordered, bounds)]
    groups.sort(key=lambda g: g[0])
    code_word, art_word = ("kapittel", "sektor") if ctx.form.kind == "balanse" else ("funksjon", "art")
    for rows in groups:
        first = rows[0]
        kk, code, art = t["kontoklasse"][first], t["code"][first], t["art_sektor"][first]
        amounts = ", ".join(number_text(int(t.amount[i])) for i in rows[:_SHOWN])
        if len(rows) > _SHOWN:
            amounts += f" … (til sammen {number_text(int(t.amount[rows].sum()))})"
        yield ctx.finding(
            "015",
            f"Kontoklasse {kk}, {code_word} {code}, {art_word} {art} står {len(rows)} ganger med "
            f"beløpene {amounts} (1000 kr). Er det riktig, kan filen sendes inn og SSB summerer beløpene; "
            "er det feil, må postene rettes før innsending.",
            t.line[rows].tolist(),
        )
