"""Amounts in a prognosis: rounded to øre like Excel's ``ROUND(x; 2)``, and written as messages show them.

Calculations run in full precision; every returned figure is rounded to øre (2 decimals), half away
from zero on the value taken to 15 significant digits (``2,675 → 2,68``; ``−0,125 → −0,13``).
:func:`round_ore` rounds one figure, :func:`round_array` a whole array the same way, and
:func:`round_groups` the detail rows of a district so that each function's rows add up to the
function's own rounded figure (largest remainder). Kroner, expenses +, revenues −.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from kostra_functions import formatting

_CENT = Decimal("0.01")


def round_ore(amount: float) -> float:
    """``amount`` (kroner) rounded to øre, half away from zero like Excel's ``ROUND(x; 2)``.

    Like Excel, the value is first taken to 15 significant digits and that decimal is rounded, so
    ``2.675`` (stored as 2.67499999…) gives 2.68, not 2.67 as Python's ``round``, and
    ``1000.01 * 12 / 8`` (stored as 1500.01499999…) gives 1500.02. ``-0.0`` becomes ``0.0``.

    >>> round_ore(2.675), round_ore(-0.125), round_ore(1714285.7142857142)
    (2.68, -0.13, 1714285.71)
    """
    x = float(amount)
    if -1e9 < x < 1e9:
        # Fast path: away from a half øre the 15-digit step cannot change the result (it moves x by
        # less than 1e-5 øre below a milliard), so the nearest øre is the answer.
        cents = x * 100.0
        ore = math.floor(cents)
        rest = cents - ore
        if rest < 0.499 or rest > 0.501:
            return (ore + (rest > 0.5)) / 100
    elif x != x or x in (math.inf, -math.inf):
        return amount
    text = f"{x:.15g}"
    if "e" not in text:
        # Round the 15-digit decimal text half away from zero with integer øre (exactly what the
        # Decimal below does, about five times faster: this runs for every figure of a prognosis).
        negative = text[0] == "-"
        whole, _, frac = (text[1:] if negative else text).partition(".")
        ore = int(whole + frac[:2].ljust(2, "0"))
        if len(frac) > 2 and frac[2] >= "5":
            ore += 1
        value = ore / 100
        return (-value if negative else value) + 0.0  # no negative zero
    value = float(Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP))
    return value + 0.0  # no negative zero


def format_amount(amount: float, decimals: int | None = None) -> str:
    """An amount in Norwegian notation: space as thousands separator, comma as decimal mark.

    Whole kroner are shown without decimals unless ``decimals`` is given.

    >>> format_amount(1300000), format_amount(-1714285.714), format_amount(0.5)
    ('1 300 000', '-1 714 285,71', '0,50')
    """
    if math.isnan(amount):
        return "–"
    return formatting.kroner(amount, decimals)


def term(amount: float) -> str:
    """:func:`format_amount` in parentheses when negative, for the right side of a minus sign."""
    text = format_amount(amount)
    return f"({text})" if text.startswith("-") else text


def share_text(share: float) -> str:
    """A share as messages show it: four decimals with a decimal comma (``0,2500``)."""
    return f"{share:.4f}".replace(".", ",")


def round_array(values: np.ndarray) -> np.ndarray:
    """Øre rounding as :func:`round_ore`, element by element, any shape.

    Vectorised with the same fast rule as ``round_ore`` (below a milliard and away from a half øre,
    the nearest øre); the few other values go through ``round_ore`` itself.
    """
    values = np.asarray(values, dtype=float)
    if values.size <= 24:  # a row or a few sums: plain floats beat a dozen numpy calls
        flat = [round_ore(x) for x in values.reshape(-1).tolist()]
        return np.array(flat, dtype=float).reshape(values.shape) + 0.0
    scaled = values * 100.0
    ore = np.floor(scaled)
    rest = scaled - ore
    with np.errstate(invalid="ignore"):
        fast = (np.abs(values) < 1e9) & ((rest < 0.499) | (rest > 0.501))
    out = (ore + (rest > 0.5)) / 100.0
    slow = np.flatnonzero(~fast)
    if len(slow):
        flat_in, flat_out = values.reshape(-1), out.reshape(-1)
        for i in slow.tolist():
            flat_out[i] = round_ore(float(flat_in[i]))  # NaN and ±inf stay as they are
    return out + 0.0


def round_groups(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Round each value to øre so each group's rounded values add up to its rounded total."""
    out = round_array(values)
    vals = values.tolist()
    members_of: dict[Any, list[int]] = {}
    for i, g in enumerate(groups.tolist()):
        if vals[i] == vals[i]:  # not NaN
            members_of.setdefault(g, []).append(i)
    for members in members_of.values():  # per group with two or more rows (plain floats: small groups)
        if len(members) < 2:
            continue
        v = [vals[i] for i in members]
        target = round_ore(float(math.fsum(v)))
        cents = [math.floor(x * 100.0 + 1e-7) for x in v]
        remainder = [x * 100.0 - c for x, c in zip(v, cents, strict=True)]
        missing = round(float(target * 100.0 - sum(cents)))  # cents are whole: any order sums exactly
        order = sorted(range(len(v)), key=lambda j: -remainder[j])  # stable, as argsort(kind="stable")
        add = [0.0] * len(v)
        if missing >= 0:
            for j in order[:missing]:
                add[j] = 1.0
        else:
            for j in order[::-1][:-missing]:
                add[j] = -1.0
        for j, i in enumerate(members):
            out[i] = (cents[j] + add[j]) / 100.0
    return out + 0.0
