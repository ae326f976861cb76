"""Controls 020–081: combinations of account class (drift/investering), function and art.

Sources: SSB's rule classes ``Rule020…Rule081`` under ``validation/rule/regnskap/kostra/`` and
``KommuneKostraMain.kt``. The «only in drift / only in investment» lists (020, 025, 040, 050) are the
``kun`` column of the code catalog; the other lists are in ``controls_data/code_lists.csv``.
020–055 look at one account class; 060 at investment; 065–081 at every record of a bevilgning form
whatever its kontoklasse (SSB's ``isBevilgningRegnskap`` looks at the skjema only). One finding per
record, as SSB reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from kostra_functions.controls.data import code_list
from kostra_functions.controls.model import Finding
from kostra_functions.controls.runner import Context, control

_FUNCTION, _ART = "code", "art_sektor"


def _all(ctx: Context) -> np.ndarray:
    return np.ones(len(ctx.table), dtype=bool)


def _only_in(ctx: Context, field: str, kind: str, account: str) -> np.ndarray:
    return ctx.where(field, lambda v: ctx.only_in(v.strip(), kind) == account)


@control("020")
def function_only_in_investment(ctx: Context) -> Iterator[Finding]:
    mask = ctx.account("drift") & _only_in(ctx, _FUNCTION, "funksjon", "investering")
    yield from ctx.per_record(
        "020", mask,
        lambda r: f"Funksjon {r['code']} er bare gyldig i investeringsregnskapet. Før posteringen på en "
        "funksjon som gjelder drift, eller flytt den til investeringsregnskapet.")


@control("025")
def art_only_in_investment(ctx: Context) -> Iterator[Finding]:
    exempt_arts = code_list("025", "unntak_art", ctx.year)
    exempt = (ctx.form.code in code_list("025", "unntak_skjema", ctx.year)
              and ctx.submission.region in code_list("025", "unntak_regioner", ctx.year))
    mask = ctx.account("drift") & _only_in(ctx, _ART, "art", "investering")
    if exempt:
        mask &= ~ctx.isin(_ART, exempt_arts)
    yield from ctx.per_record(
        "025", mask,
        lambda r: f"Art {r['art_sektor']} er bare gyldig i investeringsregnskapet. Før posteringen på en art "
        "som gjelder drift, eller flytt den til investeringsregnskapet.")


@control("030")
def art_illogical_in_drift(ctx: Context) -> Iterator[Finding]:
    mask = ctx.account("drift") & ctx.isin(_ART, code_list("030", "arter", ctx.year))
    yield from ctx.per_record(
        "030", mask,
        lambda r: f"Art {r['art_sektor']} er ulogisk i driftsregnskapet (hindrer ikke innsending). Vurder en "
        "annen art, eller om posteringen hører til i investeringsregnskapet.")


@control("035")
def loans_in_drift(ctx: Context) -> Iterator[Finding]:
    arts = code_list("035", "arter", ctx.year)
    functions = code_list("035", "funksjoner", ctx.year)
    mask = ctx.account("drift") & ctx.isin(_ART, arts) & ~ctx.isin(_FUNCTION, functions)
    yield from ctx.per_record(
        "035", mask,
        lambda r: f"Art {r['art_sektor']} på funksjon {r['code']} i driftsregnskapet: utlån (520) og "
        f"mottatte avdrag (920) er i drift bare vanlig på funksjonene {functions} (sosiale utlån og "
        "næringsutlån finansiert av driftsinntekter). Kontroller posteringen (hindrer ikke innsending).")


@control("040")
def function_only_in_drift(ctx: Context) -> Iterator[Finding]:
    mask = ctx.account("investering") & _only_in(ctx, _FUNCTION, "funksjon", "drift")
    yield from ctx.per_record(
        "040", mask,
        lambda r: f"Funksjon {r['code']} er bare gyldig i driftsregnskapet. Før posteringen på en funksjon "
        "som gjelder investering, eller flytt den til driftsregnskapet.")


@control("045")
def function_illogical_in_investment(ctx: Context) -> Iterator[Finding]:
    mask = ctx.account("investering") & ctx.isin(_FUNCTION, code_list("045", "funksjoner", ctx.year))
    yield from ctx.per_record(
        "045", mask,
        lambda r: f"Funksjon {r['code']} er ulogisk i investeringsregnskapet (hindrer ikke innsending). "
        "Vurder en annen funksjon, eller om posteringen hører til i driftsregnskapet.")


@control("050")
def art_only_in_drift(ctx: Context) -> Iterator[Finding]:
    mask = ctx.account("investering") & _only_in(ctx, _ART, "art", "drift")
    yield from ctx.per_record(
        "050", mask,
        lambda r: f"Art {r['art_sektor']} er bare gyldig i driftsregnskapet. Før posteringen på en art som "
        "gjelder investering, eller flytt den til driftsregnskapet.")


@control("055")
def art_illogical_in_investment(ctx: Context) -> Iterator[Finding]:
    mask = ctx.account("investering") & ctx.isin(_ART, code_list("055", "arter", ctx.year))
    yield from ctx.per_record(
        "055", mask,
        lambda r: f"Art {r['art_sektor']} er ulogisk i investeringsregnskapet (hindrer ikke innsending). "
        "Vurder en annen art, eller om posteringen hører til i driftsregnskapet.")


def _art_needs_function(
    ctx: Context, number: str, scope: Callable[[Context], np.ndarray], what: str
) -> Iterator[Finding]:
    arts = code_list(number, "arter", ctx.year)
    functions = code_list(number, "funksjoner", ctx.year)
    mask = scope(ctx) & ctx.isin(_ART, arts) & ~ctx.isin(_FUNCTION, functions)
    yield from ctx.per_record(
        number, mask,
        lambda r: f"Art {r['art_sektor']} står på funksjon {r['code']}, men {what} bare brukes med funksjon "
        f"{functions}.")


@control("060")
def art_729_in_investment(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "060", lambda c: c.account("investering"),
                                   "i investeringsregnskapet kan art 729")


@control("065")
def function_899(ctx: Context) -> Iterator[Finding]:
    arts = code_list("065", "arter", ctx.year)
    functions = code_list("065", "funksjoner", ctx.year)
    mask = ctx.isin(_FUNCTION, functions) != ctx.isin(_ART, arts)
    yield from ctx.per_record(
        "065", mask,
        lambda r: f"Art {r['art_sektor']} står på funksjon {r['code']}: artene {arts} kan bare brukes med "
        f"funksjon {functions}, og funksjon {functions} bare med disse artene.")


@control("070")
def art_530(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "070", _all, "art 530 kan")


@control("075")
def tax_arts(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "075", _all, "skatteartene kan")


@control("080")
def art_800(ctx: Context) -> Iterator[Finding]:
    yield from _art_needs_function(ctx, "080", _all, "art 800 (rammetilskudd) kan")


@control("081")
def function_850(ctx: Context) -> Iterator[Finding]:
    if ctx.form.level != "kommune":
        return
    functions = code_list("081", "funksjoner", ctx.year)
    arts = code_list("081", "arter", ctx.year)
    mask = ctx.isin(_FUNCTION, functions) & ~ctx.isin(_ART, arts)
    yield from ctx.per_record(
        "081", mask,
        lambda r: f"Art {r['art_sektor']} på funksjon {r['code']} er ulogisk: med funksjon {functions} er "
        f"bare artene {arts} logiske.")
