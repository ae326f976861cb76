"""A control report as text, laid out like SSB's: control number and title, severity, message, lines."""

from __future__ import annotations

from collections.abc import Sequence

from kostra_functions.controls.model import Finding, Severity, blocks_submission, counts
from kostra_functions.ssb_file import Submission


def render_report(
    findings: Sequence[Finding],
    submission: Submission,
    *,
    source: str = "",
    records: int | None = None,
    width: int = 100,
) -> str:
    """The report as text (Norwegian), ending with the verdict: may the file be submitted?"""
    out = [f"Kontrollrapport for KOSTRA-regnskap: {submission.label}"]
    if source:
        out.append(f"Fil: {source}")
    if records is not None:
        out.append(f"Antall poster: {records}")
    out.append("")
    if not findings:
        out.append("Ingen funn: alle kontrollene er bestått.")
    for f in findings:
        out.append(f"{f.severity.norwegian:<9} {f.heading}")
        out.extend(_wrap(f.message, width - 10, " " * 10, " " * 10))
        if f.lines:
            out.extend(_wrap(f"Linje: {f.lines_text()}", width - 10, " " * 10, " " * 16))
    c = counts(findings)
    out.append("")
    out.append(
        f"Oppsummering: {c[Severity.FATAL]} fatale, {c[Severity.ERROR]} feil, {c[Severity.WARNING]} "
        f"advarsler, {c[Severity.INFO]} til informasjon."
    )
    if blocks_submission(findings):
        out.append("Filen kan IKKE sendes inn til SSB før FATAL/FEIL er rettet.")
    else:
        out.append("Filen kan sendes inn til SSB" + (" (med advarsler)." if findings else "."))
    return "\n".join(out)


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """Greedy word wrap at blanks (``textwrap`` is too slow for a report with 100 000 findings).

    Lines are at most ``width`` characters including the indent, except a single word longer than
    that, which stands on its own line unbroken (a code or a number is never split).
    """
    lines: list[str] = []
    current = first
    has_word = False
    for word in text.split():
        if has_word and len(current) + 1 + len(word) > width:
            lines.append(current)
            current, has_word = rest + word, True
        else:
            current = f"{current} {word}" if has_word else current + word
            has_word = True
    if has_word:
        lines.append(current)
    return lines
