"""Counts the bad-input corpus's outcomes and prints the summary at the end of the test run.

Every case ends as one of: a correct value (equal to the canonical call's result), a clear error
(an Excel error value whose Norwegian message names the argument), or a wrong value. The summary
line is what issue 8 asks CI to print; "gale verdier" (wrong values) must be 0.
"""

from __future__ import annotations

import pytest

from tests.corpus.outcomes import OUTCOMES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not OUTCOMES:
        return
    total = sum(OUTCOMES.values())
    terminalreporter.write_sep("-", "korpus med ugyldig input")
    terminalreporter.write_line(
        f"tilfeller: {total}, tydelige feil: {OUTCOMES['clear_error']}, "
        f"riktige verdier: {OUTCOMES['correct_value']}, gale verdier: {OUTCOMES['wrong_value']}"
    )
