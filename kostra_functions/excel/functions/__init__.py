"""THE table of Excel functions: every ``KOSTRA_*`` function, its implementation and Norwegian help.

Each row is an :class:`~kostra_functions.excel.spec.ExcelFunction`. The faces are generated from
:data:`FUNCTIONS`: the xlwings UDF module (:mod:`kostra_functions.excel.xlwings_udfs`), the VBA
module, the xlwings Server functions (:mod:`kostra_functions.excel.server_face`), the Office add-in
and the engines (:mod:`kostra_functions.engine`). Adding an Excel function is one row in its area's
module plus its implementation (in the library) and its tests.

The rows live in one module per area, each with its ``ROWS`` in table order; this package merges
them, in the order of :data:`AREAS`, into the one table (the order every face lists them in):

* :mod:`~kostra_functions.excel.functions.codes`: KOSTRA codes, function areas, account strings,
  ``KOSTRA_FEIL``;
* :mod:`~kostra_functions.excel.functions.prognosis`: the deviation prognosis of one function;
* :mod:`~kostra_functions.excel.functions.prognosis_table`: the district's prognosis table;
* :mod:`~kostra_functions.excel.functions.authority`: budget authority and attestation;
* :mod:`~kostra_functions.excel.functions.yearend`: year-end results, funds and cuts;
* :mod:`~kostra_functions.excel.functions.investment`: investment or operations, VAT codes;
* :mod:`~kostra_functions.excel.functions.controls`: SSB's KOSTRA reporting controls;
* :mod:`~kostra_functions.excel.functions.method_choice`: the recommended prognosis method.

Shared arguments and their readings are in :mod:`~kostra_functions.excel.functions.arguments`.
Implementations are thin: they receive converted arguments (codes as digit strings, amounts as
floats, ranges as lists of rows) and call the library. Conventions (ARCHITECTURE.md): amounts as in
municipal accounts (expenses +, revenues −); deviation = budget − accounts, + = mindreforbruk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from kostra_functions.excel.functions import (
    authority,
    codes,
    controls,
    investment,
    method_choice,
    prognosis,
    prognosis_table,
    yearend,
)
from kostra_functions.excel.functions.arguments import SIGN
from kostra_functions.excel.spec import ExcelFunction

__all__ = ["AREAS", "FUNCTIONS", "SIGN", "get", "iter_functions"]

#: The areas in table order: their rows, one after the other, are the table.
AREAS = (codes, prognosis, prognosis_table, authority, yearend, investment, controls, method_choice)


def _build(*groups: tuple[ExcelFunction, ...]) -> dict[str, ExcelFunction]:
    table: dict[str, ExcelFunction] = {}
    for group in groups:
        for fn in group:
            if fn.name in table:
                raise ValueError(f"duplicate Excel function {fn.name}")
            table[fn.name] = fn
    return table


def _states_sign(fn: ExcelFunction) -> ExcelFunction:
    """Every function that takes amounts states the one sign convention: in ``help`` where the
    wizard's 255 characters leave room (the authority rows do), else at the end of ``details``."""
    takes_amounts = any(a.type in ("number", "numbers", "table") for a in fn.args)
    if not takes_amounts or SIGN in fn.help or SIGN in fn.details:
        return fn
    return dataclasses.replace(fn, details=f"{fn.details or fn.help} {SIGN}")


#: The one table: Excel name → row. Faces iterate this; nothing else defines an Excel function.
FUNCTIONS: dict[str, ExcelFunction] = {
    name: _states_sign(fn) for name, fn in _build(*(area.ROWS for area in AREAS)).items()
}


def iter_functions() -> Iterator[ExcelFunction]:
    """The rows in table order."""
    return iter(FUNCTIONS.values())


def get(name: str) -> ExcelFunction:
    """A row by Excel name (``KOSTRA_NAVN``; ``KOSTRA.NAVN`` and lower case also accepted)."""
    key = name.strip().upper().replace(".", "_")
    if key not in FUNCTIONS:
        raise KeyError(f"Ukjent KOSTRA-funksjon «{name}».")
    return FUNCTIONS[key]
