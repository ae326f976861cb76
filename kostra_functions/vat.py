"""The VAT code (momskode) an invoice line should have (økonomireglementet §2.1.2 MERVERDIAVGIFTSKODER).

The rule set's ``[mva]`` table holds the seed's code table; the decision, in order:

1. a 0 % rate is code 0 («Ingen mva»), whatever the account;
2. the accounts and functions «som ikke gir kompensasjon selv om fakturaen har MVA»: function 265
   Kommunale boliger and 281 Sosialhjelp and accounts 11153 Bevertning/representasjon,
   11213 Gaver til ansatte, 12200 Leasing kontormaskiner get their table code 0; 11700 Drivstoff
   and 11701 Vedlikehold biler are compensated «kun … på egne biler og VAR», 12100 Leasing kjøretøy
   «kun … på VAR» (VAR = the rule set's water/sewage/waste functions) – otherwise code 0;
3. «Det skal være momskode 70 på fakturaer der vi ikke får momsen kompensert»: code 70 when the
   caller says the VAT is not compensated (the account/function table above takes precedence);
4. otherwise the rate's code: drift 25 % → 51, 15 % → 52, 8 % → 53; investment 61, 62, 63.

Drift or investment follows the account's first digit (1 = drift, 0 = investering, økonomireglementet §2.1.2).
The seed's column for fuel reads «0/51/5» and for vehicle leasing «0/5»; we read them as «0, or the
rate's normal code when compensated» (the text is cut off in the source).

>>> expected_vat_code("10100", "202", 25).code
51
>>> expected_vat_code("01200", "222", 15).code
62
>>> expected_vat_code("11153", "120", 25).code
0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kostra_functions.errors import InvalidArgumentError, OutOfRangeError, RuleSetError
from kostra_functions.rulesets import RuleSet, load_ruleset

VAT_RULESET = "okonomireglement"


@dataclass(frozen=True)
class VatCode:
    """The expected VAT code, why (Norwegian), and the paragraph."""

    code: int
    reason: str
    paragraph: str


def _ruleset(ruleset: str | RuleSet | None) -> RuleSet:
    if isinstance(ruleset, RuleSet):
        return ruleset
    return load_ruleset(ruleset or VAT_RULESET)


def _rate_key(rate: Any, table: dict[str, Any]) -> str:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or math.isnan(rate) or math.isinf(rate):
        raise InvalidArgumentError(f"Argumentet «sats» skal være en mva-sats i prosent, ikke «{rate}».")
    percent = rate * 100 if 0 < rate < 1 else rate
    percent = round(percent, 6)
    key = str(int(percent)) if percent == int(percent) else str(percent)
    if key not in table:
        known = ", ".join(f"{k} %" for k in sorted(table, key=float))
        raise OutOfRangeError(
            f"Mva-satsen {percent:g} % finnes ikke i momskodetabellen; kjente satser: {known}."
        )
    return key


def account_class(account: str, ruleset: str | RuleSet | None = None) -> str:
    """``drift`` or ``investering`` from a 5-digit account (art) by its first digit (økonomireglementet
    §2.1.2)."""
    rs = _ruleset(ruleset)
    digits = int(rs.get("kontostreng.art.siffer"))
    text = str(account).strip()
    if not (text.isdigit() and text.isascii() and len(text) == digits):
        raise InvalidArgumentError(
            f"Argumentet «konto» («{account}») skal være kontoen (arten) med {digits} sifre, f.eks. 11153."
        )
    if text[0] == str(rs.get("kontostreng.art.drift_forste_siffer")):
        return "drift"
    if text[0] == str(rs.get("kontostreng.art.investering_forste_siffer")):
        return "investering"
    raise InvalidArgumentError(
        f"Kontoen «{text}» begynner verken med {rs.get('kontostreng.art.drift_forste_siffer')} (drift) eller "
        f"{rs.get('kontostreng.art.investering_forste_siffer')} (investering)."
    )


def expected_vat_code(
    account: str,
    function: str,
    rate: float,
    *,
    compensated: bool = True,
    own_vehicle: bool | None = None,
    ruleset: str | RuleSet | None = None,
) -> VatCode:
    """The VAT code an invoice line on ``account``/``function`` with ``rate`` should have.

    ``rate`` in percent (25) or as a fraction (0.25). ``compensated`` false when the municipality
    gets no VAT compensation for the purchase. ``own_vehicle`` (fuel and car maintenance only): the
    vehicle is the municipality's own. Blank (None) means own: a fuel or car-maintenance invoice
    charged to the municipality is for its own vehicles (employees' cars are paid by mileage
    allowance, not by fuel invoices); the reason says so and names the code for other vehicles.
    """
    rs = _ruleset(ruleset)
    paragraph = str(rs.get("mva.paragraf"))
    klass = account_class(account, rs)
    func = str(function).strip()
    if not (func.isdigit() and len(func) == 3):
        raise InvalidArgumentError(
            f"Argumentet «funksjon» («{function}») skal være en KOSTRA-funksjon med 3 sifre."
        )
    table = {str(k): v for k, v in rs.get(f"mva.{klass}").items()}
    key = _rate_key(rate, table)
    rate_code = int(table[key])
    if float(key) == 0:
        return VatCode(rate_code, "Ingen mva (0 %).", paragraph)
    var = {str(f) for f in rs.get("mva.var.funksjoner")}
    entries = rs.get("mva.uten_kompensasjon")
    if not isinstance(entries, list):
        raise RuleSetError(
            f"«mva.uten_kompensasjon» i regelsettet «{rs.name}» skal være en liste med tabeller."
        )
    account_text = str(account).strip()
    by_function = [e for e in entries if str(e.get("funksjon", "")) == func]
    by_account = [e for e in entries if str(e.get("konto", "")) == account_text]
    for entry in by_function + by_account:
        what = (
            f"Funksjon {func} {entry['navn']}"
            if "funksjon" in entry
            else f"Konto {account_text} {entry['navn']}"
        )
        kind = str(entry.get("kompensasjon", "ingen"))
        if kind == "ingen":
            return VatCode(int(entry["kode"]), f"{what} gir ikke momskompensasjon.", paragraph)
        if kind == "var":
            if func in var:
                return VatCode(rate_code, f"{what}: kompensasjon fordi funksjon {func} er VAR.", paragraph)
            return VatCode(int(entry["kode"]), f"{what} gir bare kompensasjon på VAR.", paragraph)
        if kind == "egne_biler_og_var":
            if func in var:
                return VatCode(rate_code, f"{what}: kompensasjon fordi funksjon {func} er VAR.", paragraph)
            if own_vehicle is None:
                return VatCode(
                    rate_code,
                    f"{what}: kompensasjon forutsatt at kjøretøyet er kommunens eget (egen_bil er tom). "
                    f"Gjelder fakturaen et annet kjøretøy, er koden {int(entry['kode'])} (egen_bil = USANN).",
                    paragraph,
                )
            if own_vehicle:
                return VatCode(
                    rate_code, f"{what}: kompensasjon fordi kjøretøyet er kommunens eget.", paragraph
                )
            return VatCode(
                int(entry["kode"]), f"{what} gir bare kompensasjon på egne biler og VAR.", paragraph
            )
        raise RuleSetError(f"Ukjent kompensasjon «{kind}» i mva.uten_kompensasjon i regelsettet «{rs.name}».")
    if not compensated:
        return VatCode(
            int(rs.get("mva.ikke_kompensert")),
            "Momsen blir ikke kompensert: momskode 70 (gjelder alle mva-satsene).",
            paragraph,
        )
    return VatCode(rate_code, f"{klass.capitalize()}, {key} % mva: momskode {rate_code}.", paragraph)
