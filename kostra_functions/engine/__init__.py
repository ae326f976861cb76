"""The headless face: calculate workbooks without Excel, store the values, regenerate and check.

* :mod:`~kostra_functions.engine.bridge` registers the table of ``KOSTRA_*`` functions (and our
  corrections of standard functions, :mod:`~kostra_functions.engine.stdfunctions`) into the
  ``formulas`` engine, only inside :meth:`EngineFunctions.activate`;
* :mod:`~kostra_functions.engine.recalc` calculates a package and writes it with the formulas kept
  and the values stored as cached values (:func:`recalculate`), dynamic arrays spilled as Excel 365
  stores them; :mod:`~kostra_functions.engine.package` does the part-by-part, byte-preserving I/O;
* :mod:`~kostra_functions.engine.publish` writes a values-only copy;
* :mod:`~kostra_functions.engine.templates`, :mod:`~kostra_functions.engine.regenerate` and
  :mod:`~kostra_functions.engine.check` build the templates in ``templates/``, fill them per district
  and check the committed workbooks (``kostra maler``, ``kostra regenerer``, ``kostra sjekk``);
* :mod:`~kostra_functions.engine.libreoffice` runs LibreOffice as an independent engine in tests.

Modules are imported lazily: ``formulas`` takes seconds to import (it loads scipy).
"""

from __future__ import annotations

from typing import Any

__all__ = ["EngineFunctions", "calculate", "check_folder", "publish", "recalculate", "regenerate"]

_WHERE = {
    "EngineFunctions": "kostra_functions.engine.bridge",
    "calculate": "kostra_functions.engine.recalc",
    "recalculate": "kostra_functions.engine.recalc",
    "publish": "kostra_functions.engine.publish",
    "regenerate": "kostra_functions.engine.regenerate",
    "check_folder": "kostra_functions.engine.check",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)
