"""Controls 085–190: sums and reconciliations over the whole file (amounts in 1000 kr).

Sources: SSB's rule classes ``Rule085…Rule190`` under ``validation/rule/regnskap/kostra/`` and the
summary in ``reference/kostra_kontroller.md`` §5. Margins (±30, ±10) are in ``controls.csv``; they
also absorb the rounding to whole 1000 kr (:mod:`kostra_functions.ssb_file`). As in SSB's program, a
sum control only runs when the file has records of the kind it sums (no investment records: no
investment sum controls; no assets: no control 115; no depreciation records: no 145/150). Which
controls are skipped for Oslo districts and for quarterly reports is decided by ``controls.csv``
(columns ``bydel``/``kvartalsrapport``), not here. Every sum is one masked numpy sum.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from kostra_functions.controls.data import CodeSet, code_list
from kostra_functions.controls.model import Finding, Severity
from kostra_functions.controls.runner import Context, control, number_text

_ACCOUNT_TEXT = {"drift": "driftsregnskapet", "investering": "investeringsregnskapet"}


def _within(value: int, margin: int | None) -> bool:
    m = margin or 0
    return -m <= value <= m


def _margin(ctx: Context, number: str) -> int:
    return ctx.spec(number).margin or 0


def _expense_mask(ctx: Context) -> np.ndarray:
    return ctx.isin("art_sektor", code_list("085", "utgiftsarter", ctx.year))


def _revenue_mask(ctx: Context) -> np.ndarray:
    return ctx.isin("art_sektor", code_list("085", "inntektsarter", ctx.year))


def _sum_sign(ctx: Context, number: str, account: str, want: str) -> Iterator[Finding]:
    records = ctx.account(account)
    if not records.any() or not ctx.form.regional:
        return
    if want == "utgifter":
        total = ctx.total(records & _expense_mask(ctx))
        if total <= 0:
            yield ctx.finding(
                number, f"Summen av utgiftene (art 010–599) i {_ACCOUNT_TEXT[account]} er "
                f"{number_text(total)}; den skal være større enn 0. Kontroller at alle utgiftspostene er "
                "med.")
    else:
        total = ctx.total(records & _revenue_mask(ctx))
        if total >= 0:
            yield ctx.finding(
                number, f"Summen av inntektene (art 600–999) i {_ACCOUNT_TEXT[account]} er "
                f"{number_text(total)}; den skal være mindre enn 0 (inntekter med minus). Kontroller at alle "
                "inntektspostene er med.")


@control("085")
def investment_expenses(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "085", "investering", "utgifter")


@control("090")
def investment_revenues(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "090", "investering", "inntekter")


@control("095")
def investment_difference(ctx: Context) -> Iterator[Finding]:
    records = ctx.account("investering")
    if not records.any():
        return
    expenses = ctx.total(records & _expense_mask(ctx))
    revenues = ctx.total(records & _revenue_mask(ctx))
    margin = _margin(ctx, "095")
    if not _within(expenses + revenues, margin):
        yield ctx.finding(
            "095", f"Investeringsregnskapet går ikke i balanse: utgifter {number_text(expenses)} + inntekter "
            f"{number_text(revenues)} = {number_text(expenses + revenues)}. Differansen skal være innenfor "
            f"±{margin}.")


@control("100")
def drift_expenses(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "100", "drift", "utgifter")


@control("105")
def drift_revenues(ctx: Context) -> Iterator[Finding]:
    yield from _sum_sign(ctx, "105", "drift", "inntekter")


@control("110")
def drift_difference(ctx: Context) -> Iterator[Finding]:
    records = ctx.account("drift")
    if not records.any():
        return
    expenses = ctx.total(records & _expense_mask(ctx))
    revenues = ctx.total(records & _revenue_mask(ctx))
    margin = _margin(ctx, "110")
    if not (expenses > 0 and revenues < 0 and _within(expenses + revenues, margin)):
        yield ctx.finding(
            "110", f"Driftsregnskapet går ikke i balanse: utgifter {number_text(expenses)} + inntekter "
            f"{number_text(revenues)} = {number_text(expenses + revenues)}. Utgiftene skal være over 0, "
            f"inntektene under 0 og differansen innenfor ±{margin}.")


def _chapters(ctx: Context, number: str, name: str = "kapitler") -> CodeSet:
    return code_list(number, name, ctx.year)


def _chapter_mask(ctx: Context, number: str) -> np.ndarray:
    return ctx.account("balanse") & ctx.isin("code", _chapters(ctx, number))


@control("115")
def balance_assets(ctx: Context) -> Iterator[Finding]:
    """Only when the file has assets (kapittel 10–29): their sum must be > 0 (Rule115)."""
    assets = _chapter_mask(ctx, "115")
    if not assets.any():
        return
    total = ctx.total(assets)
    if total <= 0:
        yield ctx.finding(
            "115", f"Summen av eiendelene (kapittel {_chapters(ctx, '115')}) er {number_text(total)}; den "
            "skal være større enn 0.")


@control("120")
def balance_liabilities(ctx: Context) -> Iterator[Finding]:
    liabilities = _chapter_mask(ctx, "120")
    if not liabilities.any():
        return
    total = ctx.total(liabilities)
    if total >= 0:
        yield ctx.finding(
            "120", f"Summen av gjeld og egenkapital (kapittel {_chapters(ctx, '120')}) er "
            f"{number_text(total)}; den skal være mindre enn 0 (med minus).")


@control("125")
def balance_difference(ctx: Context) -> Iterator[Finding]:
    """Assets (10–29) against debt and equity (31–5999); memoranda 9100–9999 are neither (Rule125)."""
    if not ctx.account("balanse").any():
        return
    assets = ctx.total(_chapter_mask(ctx, "115"))
    liabilities = ctx.total(_chapter_mask(ctx, "120"))
    margin = _margin(ctx, "125")
    if not (assets > 0 and liabilities < 0 and _within(assets + liabilities, margin)):
        yield ctx.finding(
            "125", f"Balansen går ikke opp: eiendeler {number_text(assets)} + gjeld og egenkapital "
            f"{number_text(liabilities)} = {number_text(assets + liabilities)}. Eiendelene skal være over 0, "
            f"gjeld og egenkapital under 0 og differansen innenfor ±{margin}.")


def _oslo_internal(ctx: Context, number: str, account: str) -> Iterator[Finding]:
    records = ctx.account(account)
    if not records.any():
        return
    m298 = records & ctx.isin("art_sektor", code_list("126", "arter_298", ctx.year))
    m798 = records & ctx.isin("art_sektor", code_list("126", "arter_798", ctx.year))
    s298, s798 = ctx.total(m298), ctx.total(m798)
    margin = _margin(ctx, number)
    if not _within(s298 + s798, margin):
        yield ctx.finding(
            number, f"De Oslo-interne artene går ikke i null i {_ACCOUNT_TEXT[account]}: art 298 "
            f"{number_text(s298)} + art 798 {number_text(s798)} = {number_text(s298 + s798)}. Differansen "
            f"skal være innenfor ±{margin}.", ctx.lines[m298 | m798].tolist())


@control("126")
def oslo_internal_drift(ctx: Context) -> Iterator[Finding]:
    yield from _oslo_internal(ctx, "126", "drift")


@control("127")
def oslo_internal_investment(ctx: Context) -> Iterator[Finding]:
    yield from _oslo_internal(ctx, "127", "investering")


def _function_art(ctx: Context, number: str) -> np.ndarray:
    return (ctx.account("drift") & ctx.isin("code", code_list(number, "funksjoner", ctx.year))
            & ctx.isin("art_sektor", code_list(number, "arter", ctx.year)))


def _must_be_negative(ctx: Context, number: str, what: str) -> Iterator[Finding]:
    if not ctx.account("drift").any() or not ctx.form.regional:
        return
    if ctx.submission.region in code_list(number, "unntak_regioner", ctx.year):
        return
    total = ctx.total(_function_art(ctx, number))
    if total >= 0:
        functions, arts = code_list(number, "funksjoner", ctx.year), code_list(number, "arter", ctx.year)
        yield ctx.finding(
            number, f"{what} (funksjon {functions}, art {arts}) er {number_text(total)}; de skal være mindre "
            "enn 0. Kontroller at de er med i filen.")


@control("130")
def tax_revenue(ctx: Context) -> Iterator[Finding]:
    yield from _must_be_negative(ctx, "130", "Skatteinntektene")


@control("135")
def block_grant(ctx: Context) -> Iterator[Finding]:
    yield from _must_be_negative(ctx, "135", "Rammetilskuddet")


@control("140")
def transfers_drift_investment(ctx: Context) -> Iterator[Finding]:
    drift, investment = ctx.account("drift"), ctx.account("investering")
    if not drift.any() and not investment.any():
        return
    a_drift = code_list("140", "arter_drift", ctx.year)
    a_inv = code_list("140", "arter_investering", ctx.year)
    s_drift = ctx.total(drift & ctx.isin("art_sektor", a_drift))
    s_inv = ctx.total(investment & ctx.isin("art_sektor", a_inv))
    margin = _margin(ctx, "140")
    if not _within(s_drift + s_inv, margin):
        yield ctx.finding(
            "140", f"Overføringen fra drift (art {a_drift}: {number_text(s_drift)}) og overføringen mottatt "
            f"i investering (art {a_inv}: {number_text(s_inv)}) stemmer ikke: differansen er "
            f"{number_text(s_drift + s_inv)}, den skal være innenfor ±{margin}.")


def _must_not_net_to_zero(ctx: Context, number: str, what: str) -> Iterator[Finding]:
    """Only when such records exist: their sum must not be 0 (Rule145/Rule150).

    SSB gives ERROR for the regional forms (0A, 0M) and INFO otherwise.
    """
    records = _function_art(ctx, number)
    if not records.any() or ctx.total(records) != 0:
        return
    functions, arts = code_list(number, "funksjoner", ctx.year), code_list(number, "arter", ctx.year)
    yield ctx.finding(
        number, f"{what} (funksjon {functions}, art {arts}) går i null; filen skal ha {what.lower()}.",
        ctx.lines[records].tolist(), severity=None if ctx.form.regional else Severity.INFO)


@control("145")
def depreciation_counter_entry(ctx: Context) -> Iterator[Finding]:
    yield from _must_not_net_to_zero(ctx, "145", "Motpost avskrivninger")


@control("150")
def depreciation(ctx: Context) -> Iterator[Finding]:
    yield from _must_not_net_to_zero(ctx, "150", "Avskrivninger")


@control("155")
def depreciation_difference(ctx: Context) -> Iterator[Finding]:
    if not ctx.account("drift").any():
        return
    dep, counter = ctx.total(_function_art(ctx, "150")), ctx.total(_function_art(ctx, "145"))
    margin = _margin(ctx, "155")
    if not _within(dep + counter, margin):
        yield ctx.finding(
            "155", f"Avskrivningene ({number_text(dep)}) og motposten ({number_text(counter)}) går ikke i "
            f"null: differansen er {number_text(dep + counter)}, den skal være innenfor ±{margin}.")


def _codes_text(ctx: Context, mask: np.ndarray) -> str:
    return ", ".join(sorted({str(c) for c in ctx.column("code")[mask]}))


@control("160")
def depreciation_on_finance_functions(ctx: Context) -> Iterator[Finding]:
    records = _function_art(ctx, "160")
    total = ctx.total(records)
    if records.any() and total != 0:
        yield ctx.finding(
            "160", f"Avskrivninger (art {code_list('160', 'arter', ctx.year)}) på {number_text(total)} er "
            f"ført på funksjon {_codes_text(ctx, records)}; de skal føres på tjenestefunksjonene.",
            ctx.lines[records].tolist())


@control("165")
def counter_entry_on_other_functions(ctx: Context) -> Iterator[Finding]:
    """Every art-990 amount outside function 860 is summed; the sum must be 0 (Rule165)."""
    functions, arts = code_list("165", "funksjoner", ctx.year), code_list("165", "arter", ctx.year)
    records = ctx.account("drift") & ~ctx.isin("code", functions) & ctx.isin("art_sektor", arts)
    total = ctx.total(records)
    if records.any() and total != 0:
        yield ctx.finding(
            "165", f"Motpost avskrivninger (art {arts}) på {number_text(total)} er ført på funksjon "
            f"{_codes_text(ctx, records)}; den skal bare føres på funksjon {functions}.",
            ctx.lines[records].tolist())


def _function_290(ctx: Context, number: str, account: str) -> Iterator[Finding]:
    if ctx.form.level != "kommune":
        return
    functions = code_list("170", "funksjoner", ctx.year)
    records = ctx.account(account) & ctx.isin("code", functions)
    if not records.any():
        return
    total = ctx.total(records)
    margin = _margin(ctx, number)
    if not _within(total, margin):
        yield ctx.finding(
            number, f"Funksjon {functions} (interkommunale samarbeid) skal gå i null i "
            f"{_ACCOUNT_TEXT[account]}, men summen er {number_text(total)} (margin ±{margin}).",
            ctx.lines[records].tolist())


@control("170")
def function_290_investment(ctx: Context) -> Iterator[Finding]:
    yield from _function_290(ctx, "170", "investering")


@control("175")
def function_290_drift(ctx: Context) -> Iterator[Finding]:
    yield from _function_290(ctx, "175", "drift")


@control("190")
def memorandum_accounts(ctx: Context) -> Iterator[Finding]:
    records = _chapter_mask(ctx, "190")
    if not records.any():
        return
    counter_codes = code_list("190", "motkonto", ctx.year)
    counter = records & ctx.isin("code", counter_codes)
    s_counter, s_memo = ctx.total(counter), ctx.total(records & ~counter)
    margin = _margin(ctx, "190")
    if not _within(s_memo + s_counter, margin):
        yield ctx.finding(
            "190", f"Memoriakontiene ({number_text(s_memo)}) og motkontoen {counter_codes} "
            f"({number_text(s_counter)}) går ikke i null: differansen er {number_text(s_memo + s_counter)}, "
            f"den skal være innenfor ±{margin}.")
