"""Controls 085–190: sums and reconciliations over the whole file (amounts in 1000 kr).

Sources: SSB's rule classes ``Rule085…Rule190`` under ``validation/rule/regnskap/kostra/`` and the
summary in ``reference/kostra_kontroller.md`` §5. Margins (±30, ±10) are in ``controls.csv``; they
also absorb the rounding to whole 1000 kr (:mod:`kostra_functions.ssb_file`). As in SSB's program, a
sum control only runs when the file has records of the kind it sums (no investment records: no
investment sum controls). Which controls are skipped for Oslo districts and for quarterly reports is
decided by ``controls.csv`` (column ``bydel``/``kvartalsrapport``), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kostra_functions.controls.data import CodeSet, code_list
from kostra_functions.controls.model import Finding, Severity
from kostra_functions.controls.runner import Context, control, number_text
from kostra_functions.ssb_file import Record

_ACCOUNT_TEXT = {"drift": "driftsregnskapet", "investering": "investeringsregnskapet"}


def _total(records: Iterable[Record]) -> int:
    return sum(r.amount for r in records)


def _arts(name: str, ctx: Context) -> CodeSet:
    return code_list("085", name, ctx.year)


def _expenses(records: list[Record], ctx: Context) -> int:
    arts = _arts("utgiftsarter", ctx)
    return _total(r for r in records if r.art_sektor in arts)


def _revenues(records: list[Record], ctx: Context) -> int:
    arts = _arts("inntektsarter", ctx)
    return _total(r for r in records if r.art_sektor in arts)


def _within(value: int, margin: int | None) -> bool:
    m = margin or 0
    return -m <= value <= m


def _margin(ctx: Context, number: str) -> int:
    return ctx.spec(number).margin or 0


def _sum_sign(ctx: Context, number: str, account: str, want: str) -> Iterator[Finding]:
    records = ctx.of(account)
    if not records or not ctx.form.regional:
        return
    if want == "utgifter":
        total = _expenses(records, ctx)
        if total <= 0:
            yield ctx.finding(
            number, f"Summen av utgiftene (art 010–599) i {_ACCOUNT_TEXT[account]} er "
                              f"{number_text(total)}; den skal være større enn 0. Kontroller at alle "
                              "utgiftspostene er med.")
    else:
        total = _revenues(records, ctx)
        if total >= 0:
            yield ctx.finding(
            number, f"Summen av inntektene (art 600–999) i {_ACCOUNT_TEXT[account]} er "
                              f"{number_text(total)}; den skal være mindre enn 0 (inntekter med minus). "
                              "Kontroller at alle inntektspostene er med.")


@control("085")
def investment_expenses(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "085", "investering", "utgifter")


@control("090")
def investment_revenues(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "090", "investering", "inntekter")


@control("095")
def investment_difference(ctx: Context) -> Iterator[Finding]:
    records = ctx.of("investering")
    if not records:
        return
    expenses, revenues = _expenses(records, ctx), _revenues(records, ctx)
    margin = _margin(ctx, "095")
    if not _within(expenses + revenues, margin):
        yield ctx.finding(
            "095", f"Investeringsregnskapet går ikke i balanse: utgifter {number_text(expenses)} "
                          f"+ inntekter {number_text(revenues)} = {number_text(expenses + revenues)}. "
                          f"Differansen skal være innenfor ±{margin}.")


@control("100")
def drift_expenses(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "100", "drift", "utgifter")


@control("105")
def drift_revenues(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "105", "drift", "inntekter")


@control("110")
def drift_difference(ctx: Context) -> Iterator[Finding]:
    records = ctx.of("drift")
    if not records:
        return
    expenses, revenues = _expenses(records, ctx), _revenues(records, ctx)
    margin = _margin(ctx, "110")
    if not (expenses > 0 and revenues < 0 and _within(expenses + revenues, margin)):
        yield ctx.finding(
            "110", f"Driftsregnskapet går ikke i balanse: utgifter {number_text(expenses)} "
                          f"+ inntekter {number_text(revenues)} = {number_text(expenses + revenues)}. "
                          "Utgiftene skal være over 0, inntektene under 0 og differansen innenfor "
                          f"±{margin}.")


def _chapters(ctx: Context, number: str, name: str = "kapitler") -> CodeSet:
    return code_list(number, name, ctx.year)


@control("115")
def balance_assets(ctx: Context) -> Iterator[Finding]:
    records = ctx.of("balanse")
    if not records:
        return
    assets = _chapters(ctx, "115")
    total = _total(r for r in records if r.code in assets)
    if total <= 0:
        yield ctx.finding(
            "115", f"Summen av eiendelene (kapittel {assets}) er {number_text(total)}; den skal "
                          "være større enn 0.")


@control("120")
def balance_liabilities(ctx: Context) -> Iterator[Finding]:
    liabilities = _chapters(ctx, "120")
    records = [r for r in ctx.of("balanse") if r.code in liabilities]
    if not records:
        return
    total = _total(records)
    if total >= 0:
        yield ctx.finding(
            "120", f"Summen av gjeld og egenkapital (kapittel {liabilities}) er "
                          f"{number_text(total)}; den skal være mindre enn 0 (med minus).")


@control("125")
def balance_difference(ctx: Context) -> Iterator[Finding]:
    records = ctx.of("balanse")
    if not records:
        return
    assets_codes = _chapters(ctx, "115")
    assets = _total(r for r in records if r.code in assets_codes)
    rest = _total(r for r in records if r.code not in assets_codes)
    margin = _margin(ctx, "125")
    if not (assets > 0 and rest < 0 and _within(assets + rest, margin)):
        yield ctx.finding(
            "125", f"Balansen går ikke opp: eiendeler {number_text(assets)} + gjeld og egenkapital "
                          f"{number_text(rest)} = {number_text(assets + rest)}. Differansen skal være "
                          f"innenfor ±{margin}.")


def _oslo_internal(ctx: Context, number: str, account: str) -> Iterator[Finding]:
    records = ctx.of(account)
    if not records:
        return
    a298, a798 = code_list("126", "arter_298", ctx.year), code_list("126", "arter_798", ctx.year)
    s298 = _total(r for r in records if r.art_sektor in a298)
    s798 = _total(r for r in records if r.art_sektor in a798)
    margin = _margin(ctx, number)
    if not _within(s298 + s798, margin):
        lines = [r.line for r in records if r.art_sektor in a298 or r.art_sektor in a798]
        yield ctx.finding(
            number, f"De Oslo-interne artene går ikke i null i {_ACCOUNT_TEXT[account]}: art 298 "
                          f"{number_text(s298)} + art 798 {number_text(s798)} = {number_text(s298 + s798)}. "
                          f"Differansen skal være innenfor ±{margin}.", lines)


@control("126")
def oslo_internal_drift(ctx: Context) -> Iterator[Finding]:
    yield from _oslo_internal(ctx, "126", "drift")


@control("127")
def oslo_internal_investment(ctx: Context) -> Iterator[Finding]:
    yield from _oslo_internal(ctx, "127", "investering")


def _must_be_negative(ctx: Context, number: str, what: str) -> Iterator[Finding]:
    records = ctx.of("drift")
    if not records or not ctx.form.regional:
        return
    if ctx.submission.region in code_list("130", "unntak_regioner", ctx.year):
        return
    functions, arts = code_list(number, "funksjoner", ctx.year), code_list(number, "arter", ctx.year)
    total = _total(r for r in records if r.code in functions and r.art_sektor in arts)
    if total >= 0:
        yield ctx.finding(
            number, f"{what} (funksjon {functions}, art {arts}) er {number_text(total)}; de skal "
                          "være mindre enn 0. Kontroller at de er med i filen.")


@control("130")
def tax_revenue(ctx: Context) -> Iterator[Finding]:
    yield from _must_be_negative(ctx, "130", "Skatteinntektene")


@control("135")
def block_grant(ctx: Context) -> Iterator[Finding]:
    yield from _must_be_negative(ctx, "135", "Rammetilskuddet")


@control("140")
def transfers_drift_investment(ctx: Context) -> Iterator[Finding]:
    drift, investment = ctx.of("drift"), ctx.of("investering")
    if not drift and not investment:
        return
    a_drift = code_list("140", "arter_drift", ctx.year)
    a_inv = code_list("140", "arter_investering", ctx.year)
    s_drift = _total(r for r in drift if r.art_sektor in a_drift)
    s_inv = _total(r for r in investment if r.art_sektor in a_inv)
    margin = _margin(ctx, "140")
    if not _within(s_drift + s_inv, margin):
        yield ctx.finding(
            "140", f"Overføringen fra drift (art {a_drift}: {number_text(s_drift)}) og "
                          f"overføringen mottatt i investering (art {a_inv}: {number_text(s_inv)}) "
                          "stemmer ikke: "
                          f"differansen er {number_text(s_drift + s_inv)}, den skal være innenfor ±{margin}.")


def _depreciation(ctx: Context, number: str) -> int:
    functions, arts = code_list(number, "funksjoner", ctx.year), code_list(number, "arter", ctx.year)
    return _total(r for r in ctx.of("drift") if r.code in functions and r.art_sektor in arts)


def _must_exist(ctx: Context, number: str, what: str) -> Iterator[Finding]:
    if not ctx.of("drift"):
        return
    if _depreciation(ctx, number) == 0:
        functions, arts = code_list(number, "funksjoner", ctx.year), code_list(number, "arter", ctx.year)
        severity = None if ctx.form.regional else Severity.INFO
        yield ctx.finding(
            number, f"Filen mangler {what} (funksjon {functions}, art {arts}), eller de går i null.",
                          severity=severity)


@control("145")
def depreciation_counter_entry(ctx: Context) -> Iterator[Finding]:
    yield from _must_exist(ctx, "145", "motpost avskrivninger")


@control("150")
def depreciation(ctx: Context) -> Iterator[Finding]:
    yield from _must_exist(ctx, "150", "avskrivninger")


@control("155")
def depreciation_difference(ctx: Context) -> Iterator[Finding]:
    if not ctx.of("drift"):
        return
    dep, counter = _depreciation(ctx, "150"), _depreciation(ctx, "145")
    margin = _margin(ctx, "155")
    if not _within(dep + counter, margin):
        yield ctx.finding(
            "155", f"Avskrivningene ({number_text(dep)}) og motposten ({number_text(counter)}) går "
                          f"ikke i null: differansen er {number_text(dep + counter)}, den skal være innenfor "
                          f"±{margin}.")


@control("160")
def depreciation_on_finance_functions(ctx: Context) -> Iterator[Finding]:
    functions, arts = code_list("160", "funksjoner", ctx.year), code_list("160", "arter", ctx.year)
    records = [r for r in ctx.of("drift") if r.code in functions and r.art_sektor in arts]
    total = _total(records)
    if records and total != 0:
        shown = ", ".join(sorted({r.code for r in records}))
        yield ctx.finding(
            "160", f"Avskrivninger (art {arts}) på {number_text(total)} er ført på funksjon "
                          f"{shown}; de skal føres på tjenestefunksjonene.", [r.line for r in records])


@control("165")
def counter_entry_on_other_functions(ctx: Context) -> Iterator[Finding]:
    functions, arts = code_list("165", "funksjoner", ctx.year), code_list("165", "arter", ctx.year)
    records = [r for r in ctx.of("drift")
               if r.code not in functions and r.art_sektor in arts and r.amount > 0]
    total = _total(records)
    if records and total != 0:
        shown = ", ".join(sorted({r.code for r in records}))
        yield ctx.finding(
            "165", f"Motpost avskrivninger (art {arts}) på {number_text(total)} er ført på funksjon "
                          f"{shown}; den skal bare føres på funksjon {functions}.", [r.line for r in records])


def _function_290(ctx: Context, number: str, account: str) -> Iterator[Finding]:
    if ctx.form.level != "kommune":
        return
    functions = code_list("170", "funksjoner", ctx.year)
    records = [r for r in ctx.of(account) if r.code in functions]
    if not records:
        return
    total = _total(records)
    margin = _margin(ctx, number)
    if not _within(total, margin):
        yield ctx.finding(
            number, f"Funksjon {functions} (interkommunale samarbeid) skal gå i null i "
                          f"{_ACCOUNT_TEXT[account]}, men summen er {number_text(total)} (margin ±{margin}).",
                          [r.line for r in records])


@control("170")
def function_290_investment(ctx: Context) -> Iterator[Finding]:
    yield from _function_290(ctx, "170", "investering")


@control("175")
def function_290_drift(ctx: Context) -> Iterator[Finding]:
    yield from _function_290(ctx, "175", "drift")


@control("190")
def memorandum_accounts(ctx: Context) -> Iterator[Finding]:
    chapters = code_list("190", "kapitler", ctx.year)
    counter = code_list("190", "motkonto", ctx.year)
    records = [r for r in ctx.of("balanse") if r.code in chapters]
    if not records:
        return
    s_counter = _total(r for r in records if r.code in counter)
    s_memo = _total(r for r in records if r.code not in counter)
    margin = _margin(ctx, "190")
    if not _within(s_memo + s_counter, margin):
        yield ctx.finding(
            "190", f"Memoriakontiene ({number_text(s_memo)}) og motkontoen {counter} "
                          f"({number_text(s_counter)}) går ikke i null: differansen er "
                          f"{number_text(s_memo + s_counter)}, den skal være innenfor ±{margin}.")
