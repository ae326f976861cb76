"""Controls 020–081: combinations of account class (drift/investering), function and art.

Sources: SSB's rule classes ``Rule020…Rule081`` under ``validation/rule/regnskap/kostra/`` and
``KommuneKostraMain.kt``. The «only in drift / only in investment» lists (020, 025, 040, 050) are the
``kun`` column of the code catalog; the other lists are in ``controls_data/code_lists.csv``.
Findings are grouped per code (one finding lists every line with that code).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from kostra_functions.controls.data import code_list
from kostra_functions.controls.model import Finding
from kostra_functions.controls.runner import Context, control
from kostra_functions.ssb_file import Record


def _grouped(
    ctx: Context,
    number: str,
    records: Iterable[Record],
    hit: Callable[[Record], bool],
    key: Callable[[Record], tuple[str, ...]],
    message: Callable[..., str],
) -> Iterator[Finding]:
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for r in records:
        if hit(r):
            groups[key(r)].append(r.line)
    for k, lines in sorted(groups.items()):
        yield ctx.finding(number, message(*k), lines)


def _function(r: Record) -> str:
    return r.code


def _art(r: Record) -> str:
    return r.art_sektor


@control("020")
def function_only_in_investment(ctx: Context) -> Iterator[Finding]:
    yield from _grouped(
        ctx, "020", ctx.of("drift"),
        lambda r: ctx.only_in(_function(r), "funksjon") == "investering",
        lambda r: (_function(r),),
        lambda f: f"Funksjon {f} er bare gyldig i investeringsregnskapet. Før posteringen på en funksjon "
        "som gjelder drift, eller flytt den til investeringsregnskapet.",
    )


@control("025")
def art_only_in_investment(ctx: Context) -> Iterator[Finding]:
    exempt_arts = code_list("025", "unntak_art", ctx.year)
    exempt = (ctx.form.code in code_list("025", "unntak_skjema", ctx.year)
              and ctx.submission.region in code_list("025", "unntak_regioner", ctx.year))
    yield from _grouped(
        ctx, "025", ctx.of("drift"),
        lambda r: ctx.only_in(_art(r), "art") == "investering" and not (exempt and _art(r) in exempt_arts),
        lambda r: (_art(r),),
        lambda a: f"Art {a} er bare gyldig i investeringsregnskapet. Før posteringen på en art som gjelder "
        "drift, eller flytt den til investeringsregnskapet.",
    )


@control("030")
def art_illogical_in_drift(ctx: Context) -> Iterator[Finding]:
    arts = code_list("030", "arter", ctx.year)
    yield from _grouped(
        ctx, "030", ctx.of("drift"), lambda r: _art(r) in arts, lambda r: (_art(r),),
        lambda a: f"Art {a} er ulogisk i driftsregnskapet (hindrer ikke innsending). Vurder en annen art, "
        "eller om posteringen hører til i investeringsregnskapet.",
    )


@control("035")
def loans_in_drift(ctx: Context) -> Iterator[Finding]:
    arts = code_list("035", "arter", ctx.year)
    functions = code_list("035", "funksjoner", ctx.year)
    yield from _grouped(
        ctx, "035", ctx.of("drift"),
        lambda r: _art(r) in arts and _function(r) not in functions,
        lambda r: (_art(r), _function(r)),
        lambda a, f: f"Art {a} på funksjon {f} i driftsregnskapet: utlån (520) og mottatte avdrag (920) er i "
        f"drift bare gyldig på funksjonene {functions} (sosiale utlån og næringsutlån finansiert av "
        "driftsinntekter).",
    )


@control("040")
def function_only_in_drift(ctx: Context) -> Iterator[Finding]:
    yield from _grouped(
        ctx, "040", ctx.of("investering"),
        lambda r: ctx.only_in(_function(r), "funksjon") == "drift",
        lambda r: (_function(r),),
        lambda f: f"Funksjon {f} er bare gyldig i driftsregnskapet. Før posteringen på en funksjon som "
        "gjelder investering, eller flytt den til driftsregnskapet.",
    )


@control("045")
def function_illogical_in_investment(ctx: Context) -> Iterator[Finding]:
    functions = code_list("045", "funksjoner", ctx.year)
    yield from _grouped(
        ctx, "045", ctx.of("investering"), lambda r: _function(r) in functions, lambda r: (_function(r),),
        lambda f: f"Funksjon {f} er ulogisk i investeringsregnskapet (hindrer ikke innsending). Vurder en "
        "annen funksjon, eller om posteringen hører til i driftsregnskapet.",
    )


@control("050")
def art_only_in_drift(ctx: Context) -> Iterator[Finding]:
    yield from _grouped(
        ctx, "050", ctx.of("investering"),
        lambda r: ctx.only_in(_art(r), "art") == "drift",
        lambda r: (_art(r),),
        lambda a: f"Art {a} er bare gyldig i driftsregnskapet. Før posteringen på en art som gjelder "
        "investering, eller flytt den til driftsregnskapet.",
    )


@control("055")
def art_illogical_in_investment(ctx: Context) -> Iterator[Finding]:
    arts = code_list("055", "arter", ctx.year)
    yield from _grouped(
        ctx, "055", ctx.of("investering"), lambda r: _art(r) in arts, lambda r: (_art(r),),
        lambda a: f"Art {a} er ulogisk i investeringsregnskapet (hindrer ikke innsending). Vurder en annen "
        "art, eller om posteringen hører til i driftsregnskapet.",
    )


def _art_needs_function(ctx: Context, number: str, records: Iterable[Record], what: str) -> Iterator[Finding]:
    arts = code_list(number, "arter", ctx.year)
    functions = code_list(number, "funksjoner", ctx.year)
    yield from _grouped(
        ctx, number, records,
        lambda r: _art(r) in arts and _function(r) not in functions,
        lambda r: (_art(r), _function(r)),
        lambda a, f: f"Art {a} står på funksjon {f}, men {what} bare brukes med funksjon {functions}.",
    )


@control("060")
def art_729_in_investment(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "060", ctx.of("investering"), "i investeringsregnskapet kan art 729")


@control("065")
def function_899(ctx: Context) -> Iterator[Finding]:
    arts = code_list("065", "arter", ctx.year)
    functions = code_list("065", "funksjoner", ctx.year)
    records = ctx.of("drift") + ctx.of("investering")
    yield from _grouped(
        ctx, "065", records,
        lambda r: (_function(r) in functions) != (_art(r) in arts),
        lambda r: (_art(r), _function(r)),
        lambda a, f: f"Art {a} står på funksjon {f}: artene {arts} kan bare brukes med funksjon "
        f"{functions}, og funksjon {functions} bare med disse artene.",
    )


@control("070")
def art_530(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "070", ctx.of("drift") + ctx.of("investering"), "art 530 kan")


@control("075")
def tax_arts(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "075", ctx.of("drift") + ctx.of("investering"),
                                   "skatteartene kan")


@control("080")
def art_800(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "080", ctx.of("drift") + ctx.of("investering"),
                                   "art 800 (rammetilskudd) kan")


@control("081")
def function_850(ctx: Context) -> Iterator[Finding]:
    if ctx.form.level != "kommune":
        return
    functions = code_list("081", "funksjoner", ctx.year)
    arts = code_list("081", "arter", ctx.year)
    yield from _grouped(
        ctx, "081", ctx.of("drift") + ctx.of("investering"),
        lambda r: _function(r) in functions and _art(r) not in arts,
        lambda r: (_art(r), _function(r)),
        lambda a, f: f"Art {a} på funksjon {f} er ulogisk: med funksjon {functions} er bare artene {arts} "
        "logiske.",
    )
