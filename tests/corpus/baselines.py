"""Valid calls for functions whose documented example cannot be parsed (ranges as arguments).

Each entry is the raw argument tuple a face would pass; the corpus mutates one argument at a time.
"""

from __future__ import annotations

from typing import Any

BASELINES: dict[str, tuple[Any, ...]] = {}
