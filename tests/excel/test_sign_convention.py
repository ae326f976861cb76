"""One sign convention in every help text of a function that takes amounts (issue 16): expenses +,
revenues −, deviation/result + = mindreforbruk — in the wizard help where it fits, else in details."""

from __future__ import annotations

from kostra_functions.excel.functions import FUNCTIONS, SIGN

AMOUNT_TYPES = ("number", "numbers", "table")


def test_every_function_taking_amounts_states_the_sign_convention() -> None:
    missing = [name for name, fn in FUNCTIONS.items()
               if any(a.type in AMOUNT_TYPES for a in fn.args) and SIGN not in fn.help + fn.details]
    assert not missing


def test_the_prognosis_rows_state_it_too() -> None:
    for name in ("KOSTRA_AVVIK", "KOSTRA_PROGNOSE", "KOSTRA_AVVIK_TABELL"):
        assert "utgift +, inntekt −" in FUNCTIONS[name].details, name
