"""Numbers as a Norwegian controller reads them: space as thousands separator, comma as decimal mark.

One place for every report, message and terminal table, so «1 234 567,50» looks the same in the
CLI, in an error message and in a written explanation. Rounding is to the øre (or whole kroner),
half away from zero like Excel's ROUND, on the decimal value of the float (``0.285`` → ``0,29``).

>>> whole(-1234567)
'-1 234 567'
>>> kroner(1300000), kroner(-1714285.714), kroner(0.5), kroner(1234.5, decimals=0)
('1 300 000', '-1 714 285,71', '0,50', '1 235')
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_ORE = Decimal("0.01")


def whole(n: int) -> str:
    """A whole number with space as thousands separator: ``-12345`` → ``-12 345``."""
    return f"{n:,}".replace(",", " ")


def kroner(amount: float | Decimal, decimals: int | None = None) -> str:
    """An amount in kroner, Norwegian notation.

    ``decimals=None`` shows whole kroner without decimals and anything else with two (øre);
    ``decimals=0`` rounds to whole kroner; ``decimals=2`` always shows øre.
    """
    value = amount if isinstance(amount, Decimal) else Decimal(repr(float(amount)))
    value = value.quantize(_ORE, rounding=ROUND_HALF_UP)
    if decimals is None:
        decimals = 0 if value == value.to_integral_value() else 2
    value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    text = whole(int(integer))
    return f"{sign}{text},{fraction}" if decimals else f"{sign}{text}"


def count(n: int, singular: str, plural: str) -> str:
    """A number of things in Norwegian: ``count(1, "celle", "celler")`` → ``1 celle``, 2 → ``2 celler``.

    >>> count(1, "celle", "celler"), count(0, "celle", "celler"), count(12345, "formel", "formler")
    ('1 celle', '0 celler', '12 345 formler')
    """
    return f"{whole(n)} {singular if n == 1 else plural}"


def number(value: float) -> str:
    """Any number as a Norwegian reads it, with every digit the float has (for showing a difference
    between two stored values, where rounding would hide it): ``1234.5`` → ``1 234,5``,
    ``-0.1000000001`` → ``-0,1000000001``, ``1e-05`` → ``0,00001``.

    >>> number(1234.5), number(-1234567.0), number(1e-05), number(0.30000000000000004)
    ('1 234,5', '-1 234 567', '0,00001', '0,30000000000000004')
    """
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "ikke et tall", "inf": "uendelig", "-inf": "minus uendelig"}[repr(value)]
    text = format(Decimal(repr(value)), "f")
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0")
    body = whole(int(integer))
    return f"{sign}{body},{fraction}" if fraction else f"{sign}{body}"
