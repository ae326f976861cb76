"""SSB's KOSTRA accounting controls for municipalities, with SSB's numbers and severities.

SSB's control program (``statisticsnorway/kostra-kontrollprogram``) decides whether an accounting
file may be submitted. This package gives controllers the same verdicts while they work:

>>> from kostra_functions.controls import check_line
>>> [f.short()[:60] for f in check_line("drift", "841", "010", year=2023, region="030105")]
['FEIL 020: Funksjon 841 er bare gyldig i investeringsregnskap']

* :func:`run_controls` runs every control on the records of an SSB file
  (:mod:`kostra_functions.ssb_file`) for one :class:`~kostra_functions.ssb_file.Submission`
  (skjema 0A/0B/0M/0N, årgang, kvartal, region) and returns :class:`Finding` objects: control number,
  title, :class:`Severity` (FATAL/ERROR/WARNING/INFO), a Norwegian message and line numbers;
* :func:`check_line` controls one (kontoklasse, funksjon, art) on its own (the line controls);
* :func:`check_rows` controls table rows (kontoklasse, funksjon, art, beløp in kroner), as
  ``KOSTRA_KONTROLL_TABELL`` does for an Excel range.

One small unit per numbered control, as SSB does: ``file_rules`` (001–009, 014, 015),
``code_rules`` (010–013, 016), ``combination_rules`` (020–081), ``sum_rules`` (085–190). What each
control concerns, its severity per quarter, its margin and its source are data in
``kostra_functions/controls_data/controls.csv``; lists of codes in ``code_lists.csv``; valid
functions and arts per year come from the code catalog (:mod:`kostra_functions.codes`).

Oslo: districts (region 030101–030115) skip the controls SSB skips for them (the sums and
reconciliations 085–110, 130–175) and get 126/127 (arts 298 + 798 go to zero, ±10, WARNING).
Severity by quarter follows SSB's rule classes: 010–013 take the quarter from the record's own kvartal
field (WARNING in quarters 1–3), 020–080 are WARNING in quarters 1–2, 081 is an ERROR only in
quarters 3–4. Quarterly reports (kvartal 1–4) run the record controls, 016, 020–081 and
100/105/130/135 (as WARNING); 012 is not run for them, and an expired function is a WARNING.

The records are held as columns (:mod:`kostra_functions.controls.table`): each control is a masked
numpy sum or a test per distinct code, so a 200 000-record file is controlled in about a second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from kostra_functions.controls.data import ControlSpec, code_list, spec, specs
from kostra_functions.controls.model import (
    Finding,
    Severity,
    blocks_submission,
    counts,
    most_severe,
    sort_findings,
)
from kostra_functions.controls.runner import LINE_CONTROLS, RULES, Context, control, run_controls
from kostra_functions.ssb_file import Record, Submission, format_record, kroner_to_thousands

__all__ = [
    "LINE_CONTROLS",
    "RULES",
    "Context",
    "ControlSpec",
    "Finding",
    "Severity",
    "blocks_submission",
    "check_line",
    "check_rows",
    "code_list",
    "control",
    "counts",
    "line_summary",
    "load_rules",
    "most_severe",
    "run_controls",
    "sort_findings",
    "spec",
    "specs",
]

_loaded = False


def load_rules() -> None:
    """Import the rule modules (they register themselves); idempotent."""
    global _loaded
    if _loaded:
        return
    from kostra_functions.controls import (  # noqa: F401
        code_rules,
        combination_rules,
        file_rules,
        sum_rules,
    )

    missing = sorted(set(RULES) - set(specs()))
    if missing:
        raise AssertionError(f"controls without a row in controls.csv: {missing}")
    _loaded = True


def check_line(
    account_class: str,
    function: str,
    art: str,
    *,
    year: int,
    quarter: int | None = None,
    region: str,
    skjema: str = "0A",
) -> list[Finding]:
    """The findings of the line controls for one (kontoklasse, funksjon, art) on its own.

    ``account_class`` is ``drift`` or ``investering``; the amount is taken as non-zero (SSB ignores
    zero lines). Only controls that look at one record run (:data:`LINE_CONTROLS`: valid codes and
    the combination controls 020–081); sums need the whole file (:func:`run_controls`). Findings carry
    no line numbers. ``region`` (six digits) decides whether Oslo's own codes (691–696, 298/379/798)
    are valid and whether the Oslo-district rules apply.
    """
    submission = Submission.create(skjema=skjema, year=year, quarter=quarter, region=region)
    text = format_record(submission, account_class, function, art, 1)
    record = Record(1, text)
    findings = run_controls([record], submission, only=LINE_CONTROLS)
    return [Finding(f.control, f.title, f.severity, f.message, ()) for f in findings]


def line_summary(findings: list[Finding]) -> str:
    """``OK``, or the most severe finding as ``FEIL 020: …`` (+ how many more)."""
    top = most_severe(findings)
    if top is None:
        return "OK"
    text = top.short()
    others = len(findings) - 1
    if others:
        text += f" (+{others} {'annet funn' if others == 1 else 'andre funn'})"
    return text


def check_rows(
    rows: Iterable[tuple[int, str, str, str, float]],
    *,
    year: int,
    quarter: int | None = None,
    region: str,
    skjema: str = "0A",
) -> list[Finding]:
    """Run every control on table rows ``(row number, kontoklasse, funksjon, art, beløp in kroner)``.

    Rows with the same combination are summed first (in øre) and the sum rounded to whole 1000 kr,
    exactly as ``kostra ssbfil`` writes a ledger (:func:`kostra_functions.ssb_file.kroner_to_thousands`):
    many small postings on one combination are not lost to rounding row by row. A sum that rounds
    to 0 is ignored like SSB ignores zero records. Findings name every source row of a record.
    """
    submission = Submission.create(skjema=skjema, year=year, quarter=quarter, region=region)
    sums: dict[tuple[str, str, str], int] = {}
    sources: dict[tuple[str, str, str], list[int]] = {}
    for number, account_class, function, art, kroner in rows:
        key = (account_class, function, art)
        sums[key] = sums.get(key, 0) + round(Decimal(repr(float(kroner))) * 100)
        sources.setdefault(key, []).append(number)
    records, rows_of = [], {}
    for key, ore in sums.items():
        first = sources[key][0]
        rows_of[first] = tuple(sources[key])
        amount = kroner_to_thousands(Decimal(ore) / 100)
        records.append(Record(first, format_record(submission, *key, amount)))
    findings = run_controls(records, submission)
    return [
        replace(f, lines=tuple(sorted({r for line in f.lines for r in rows_of.get(line, (line,))})))
        for f in findings
    ]
