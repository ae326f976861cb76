"""What a control returns: a :class:`Finding` with SSB's severity, and a summary of many findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    """SSB's severities (``kravspesifikasjon/felles_regnskap.md``, «Alvorlighetsgrader»).

    FATAL stops every further control and blocks submission; ERROR blocks submission; WARNING and
    INFO allow it. ``norwegian`` is the word SSB's report uses.
    """

    FATAL = "FATAL"
    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"

    @property
    def norwegian(self) -> str:
        return {"FATAL": "FATAL", "ERROR": "FEIL", "WARNING": "ADVARSEL", "INFO": "INFO"}[self.value]

    @property
    def rank(self) -> int:
        """0 for FATAL … 3 for INFO (lower is more severe)."""
        return ("FATAL", "ERROR", "WARNING", "INFO").index(self.value)

    @property
    def blocks_submission(self) -> bool:
        """True for FATAL and ERROR: SSB does not accept the file."""
        return self in (Severity.FATAL, Severity.ERROR)

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().upper())
        except ValueError:
            raise ValueError(f"ukjent alvorlighetsgrad {text!r}") from None


@dataclass(frozen=True)
class Finding:
    """One report entry: SSB's control number and title, the severity, a Norwegian message, lines.

    ``lines`` are 1-based line numbers in the SSB file (or row numbers in an Excel range); a sum
    control that concerns the whole file has no lines.
    """

    control: str
    title: str
    severity: Severity
    message: str
    lines: tuple[int, ...] = ()

    @property
    def heading(self) -> str:
        """``Kontroll 020 : Kombinasjon drift, funksjon`` as SSB's report writes it."""
        return f"Kontroll {self.control} : {self.title}"

    def short(self) -> str:
        """``FEIL 020: <message>`` (one line, for a cell)."""
        return f"{self.severity.norwegian} {self.control}: {self.message}"

    def lines_text(self, limit: int = 20) -> str:
        """``12, 15, 20`` (at most ``limit`` numbers, then «… (n i alt)»)."""
        shown = ", ".join(str(n) for n in self.lines[:limit])
        if len(self.lines) > limit:
            shown += f" … ({len(self.lines)} i alt)"
        return shown


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in SSB's report order: by control number, then first line."""
    return sorted(findings, key=lambda f: (f.control, f.lines[:1] or (0,), f.severity.rank))


def most_severe(findings: Sequence[Finding]) -> Finding | None:
    """The most severe finding (ties: the lowest control number), or ``None``."""
    if not findings:
        return None
    return min(findings, key=lambda f: (f.severity.rank, f.control))


def blocks_submission(findings: Iterable[Finding]) -> bool:
    """True when any finding is FATAL or ERROR (SSB does not accept the file)."""
    return any(f.severity.blocks_submission for f in findings)


def counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Number of findings per severity (every severity present, 0 when none)."""
    out = dict.fromkeys(Severity, 0)
    for f in findings:
        out[f.severity] += 1
    return out
