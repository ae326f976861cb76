"""Every module of ``kostra_functions`` whose docstrings hold examples (``>>>``) has them run.

The examples are part of the specification (as in python-stdnum): a module's docstring shows how
its functions answer, and this test keeps those answers true. Modules are found by their source
containing ``>>>``, so a new module with examples is run without being listed here.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "kostra_functions"


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


MODULES = _modules_with_examples()


def test_modules_with_examples_are_found() -> None:
    assert "kostra_functions.cells" in MODULES and "kostra_functions.codes.catalog" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, verbose=False)  # failures are printed; pytest shows them
    assert result.attempted > 0, f"{name} has «>>>» in its source but doctest found no example"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail"
