"""A controller's adjustments to a district's prognoses: measures, carried-forward, allocations, methods.

Adjustments are given per function (``"253"``) or per function and result unit (``("253", "R1")``);
they belong to ordinary operations. Kroner, expenses +.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kostra_functions.errors import InvalidArgumentError

#: An adjustment's key: a function (``"253"``) or a function and a result unit (``("253", "R1")``).
AdjustmentKey = str | tuple[str, str]


@dataclass(frozen=True)
class Adjustments:
    """Per-function (or function × result unit) inputs, ordinary operations; kroner.

    ``measures`` ≥ 0 (saving for the rest of the year), ``carried_forward`` (+ surplus, − deficit),
    ``central_allocations`` (+ allocation from chapters 303–308), ``manual_projections`` (method
    ``manuell``), ``methods`` (method per function).
    """

    measures: Mapping[AdjustmentKey, float] = field(default_factory=dict)
    carried_forward: Mapping[AdjustmentKey, float] = field(default_factory=dict)
    central_allocations: Mapping[AdjustmentKey, float] = field(default_factory=dict)
    manual_projections: Mapping[str, float] = field(default_factory=dict)
    methods: Mapping[str, str] = field(default_factory=dict)


def split_key(key: AdjustmentKey, what: str) -> tuple[str, str]:
    """``(function, result unit)`` of an adjustment key (result unit ``""`` for a function-level key);
    an :class:`InvalidArgumentError` naming ``what`` when the key is not a three-digit function."""
    if isinstance(key, tuple):
        if len(key) != 2:
            raise InvalidArgumentError(f"Nøkkelen {key!r} i «{what}» skal være (funksjon, resultatenhet).")
        function, unit = str(key[0]).strip(), str(key[1] or "").strip()
    else:
        function, unit = str(key).strip(), ""
    if not (len(function) == 3 and function.isdigit()):
        raise InvalidArgumentError(f"Funksjonen «{function}» i «{what}» skal være tre sifre, f.eks. 253.")
    return function, unit
