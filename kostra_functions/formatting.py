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
