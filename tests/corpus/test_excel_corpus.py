"""Bad-input corpus over every Excel function in the table (issue 8).

For each row we start from a valid call (parsed from the row's documented example, or the explicit
baseline in :mod:`tests.corpus.baselines` for functions that take ranges) and derive cases per
argument from its declared type:

* **equivalent spellings** that must give exactly the baseline's result: a code typed as a number
  or with spaces, an amount written Norwegian style ("1 234,50"), a 1×1 range, a blank optional
  argument instead of an omitted one;
* **bad values** that must give an Excel error whose Norwegian message names the argument: empty
  required cells, Excel error values (#I/T, #VERDI!, #REF!, #DIV/0!), text in a number, NaN/inf,
  absurd amounts, booleans, dates, a 2-cell range where one cell belongs, ambiguous "1.234".

A case that returns a number (or any value) where an error belongs is a wrong value: the test fails.
Cases are generated from the table, so a new row is covered the day it is added.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import numpy as np
import pytest

from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import Arg, ExcelFunction
from tests.corpus import baselines
from tests.corpus.outcomes import record

_ARGS_RE = re.compile(r"^=\s*(KOSTRA_[A-Z_]+)\((.*)\)\s*(→|->|$)")


def _parse_literal(text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text.upper() in ("SANN", "TRUE"):
        return True
    if text.upper() in ("USANN", "FALSE"):
        return False
    return float(text.replace(",", "."))


def _split_args(inner: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in inner:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts if inner.strip() else []


def baseline_args(fn: ExcelFunction) -> tuple[Any, ...] | None:
    if fn.name in baselines.BASELINES:
        return tuple(baselines.BASELINES[fn.name])
    example = fn.example.split("→")[0].strip()
    match = _ARGS_RE.match(example)
    if not match or match.group(1) != fn.name:
        return None
    try:
        return tuple(_parse_literal(p) for p in _split_args(match.group(2)))
    except ValueError:
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def _equivalents(arg: Arg, value: Any) -> list[tuple[str, Any]]:
    """Other spellings of a valid value that a face may deliver."""
    if arg.type in ("table", "numbers"):
        return []  # a range is already a range; Excel never wraps it in another one
    out: list[tuple[str, Any]] = [("1x1-område", [[value]])]
    if arg.type == "code" and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        code = str(int(float(value))).zfill(arg.width) if not isinstance(value, str) else value.strip()
        out += [("kode som tekst", code), ("kode med mellomrom", f" {code} ")]
        if not code.startswith("0"):
            out += [("kode som tall", float(code)), ("kode som numpy-tall", np.float64(code))]
    if arg.type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        whole, frac = divmod(abs(number), 1)
        if frac == 0:
            grouped = f"{int(whole):,}".replace(",", "\u00a0")
            sign = "-" if number < 0 else ""
            out += [
                ("norsk beløp", f"{sign}{grouped},00"),
                ("beløp med kr", f"kr {sign}{grouped},-"),
                ("tall som tekst", f"{number:.0f}"),
            ]
        out.append(("numpy-tall", np.float64(number)))
    if arg.type == "int" and isinstance(value, (int, float)) and not isinstance(value, bool):
        out += [("heltall som tekst", str(int(value))), ("heltall som desimaltall", float(value))]
    if arg.type == "text" and isinstance(value, str):
        out.append(("tekst med mellomrom", f"  {value}  "))
    return out


def _bad_values(arg: Arg) -> list[tuple[str, Any]]:
    errors = [
        ("#I/T", "#N/A"),
        ("#VERDI!", "#VALUE!"),
        ("#REF!", "#REF!"),
        ("#DIV/0!", ExcelError("#DIV/0!")),
    ]
    out: list[tuple[str, Any]] = [(f"feilverdi {n}", v) for n, v in errors]
    if arg.type not in ("table", "numbers"):
        out.append(("område med 2 celler", [[1, 2]]))
    if not arg.optional:
        out += [("tom celle", None), ("tom tekst", "  ")]
    if arg.type in ("number", "int"):
        out += [
            ("tekst", "abc"),
            ("NaN", math.nan),
            ("uendelig", math.inf),
            ("urimelig stort", 1e16),
            ("SANN", True),
            ("dato", date(2023, 6, 30)),
            ("tvetydig 1.234", "1.234"),
            ("valutatekst uten tall", "kr"),
        ]
    if arg.type == "int":
        out.append(("desimaltall", 3.5))
    if arg.type == "code":
        out += [
            ("bokstav O for null", "2O2"),
            ("desimalkode", 202.5),
            ("negativ kode", -202),
            ("SANN", True),
            ("for mange sifre", "1" * (arg.width + 1)),
            ("tekst med mellomrom inni", "20 2"),
        ]
    if arg.type == "date":
        out += [("ugyldig dato", "31.13.2023"), ("tekst", "i går")]
    if arg.type == "bool":
        out.append(("tekst", "kanskje"))
    return out


def _cases() -> list[Any]:
    cases = []
    for fn in FUNCTIONS.values():
        base = baseline_args(fn)
        if base is None:
            cases.append(
                pytest.param(fn.name, None, "mangler grunnlag", None, "baseline", id=f"{fn.name}-baseline")
            )
            continue
        for i, arg in enumerate(fn.args):
            if arg.repeating or arg.type == "any":
                continue
            value = base[i] if i < len(base) else None
            if value is not None:
                for label, alt in _equivalents(arg, value):
                    cases.append(
                        pytest.param(fn.name, i, label, alt, "same", id=f"{fn.name}-{arg.name}-{label}")
                    )
            elif arg.optional:
                cases.append(
                    pytest.param(fn.name, i, "tom valgfri", "", "same", id=f"{fn.name}-{arg.name}-tom")
                )
            for label, bad in _bad_values(arg):
                cases.append(
                    pytest.param(fn.name, i, label, bad, "error", id=f"{fn.name}-{arg.name}-{label}")
                )
    return cases


CASES = _cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 300


@pytest.mark.parametrize(("name", "index", "label", "value", "expect"), CASES)
def test_case(name: str, index: int | None, label: str, value: Any, expect: str) -> None:
    fn = FUNCTIONS[name]
    base = baseline_args(fn)
    assert base is not None, (
        f"{name}: no valid baseline call; give the row an example '=KOSTRA_X(arg; …) → result' with literal "
        "arguments, or add one to tests/corpus/baselines.py"
    )
    canonical = fn.call(*base)
    assert not isinstance(canonical, ExcelError), f"{name}: the baseline call itself fails: {canonical}"
    args = list(base) + [None] * (len(fn.args) - len(base))
    args[index] = value
    result = fn.call(*args)
    arg = fn.args[index]
    if expect == "same":
        if isinstance(result, ExcelError) or not _same(result, canonical):
            record("wrong_value")
            pytest.fail(f"{name}({arg.name} = {label}: {value!r}) gave {result!r}, expected {canonical!r}")
        record("correct_value")
        return
    if not isinstance(result, ExcelError):
        record("wrong_value")
        pytest.fail(f"{name}({arg.name} = {label}: {value!r}) gave the value {result!r}; expected an error")
    if f"«{arg.name}" not in result.message:
        record("wrong_value")
        pytest.fail(
            f"{name}: the error for {arg.name} = {label} does not name the argument: {result.message}"
        )
    record("clear_error")
