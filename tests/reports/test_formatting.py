"""Norwegian number notation used by every report and message (expected strings written by hand)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kostra_functions import formatting


@pytest.mark.parametrize(
    ("amount", "decimals", "expected"),
    [
        (1300000, None, "1 300 000"),
        (-1714285.714, None, "-1 714 285,71"),
        (0.5, None, "0,50"),
        (0.285, None, "0,29"),  # half away from zero on the decimal value, as Excel's ROUND
        (-0.285, None, "-0,29"),
        (1234.5, 0, "1 235"),
        (-1234.5, 0, "-1 235"),
        (-0.001, None, "0"),  # rounds to zero: no minus sign on nothing
        (200000, 2, "200 000,00"),
        (Decimal("999999.995"), None, "1 000 000"),
    ],
)
def test_kroner(amount: float, decimals: int | None, expected: str) -> None:
    assert formatting.kroner(amount, decimals) == expected


def test_whole() -> None:
    assert formatting.whole(0) == "0"
    assert formatting.whole(-12345) == "-12 345"
    assert formatting.whole(1048576) == "1 048 576"
