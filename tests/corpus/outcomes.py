"""Shared counter of corpus outcomes (one module, imported by the tests and the summary hook)."""

from __future__ import annotations

from collections import Counter

OUTCOMES: Counter[str] = Counter()


def record(outcome: str) -> None:
    """Count one case: "correct_value", "clear_error" or "wrong_value"."""
    OUTCOMES[outcome] += 1
