"""Running the controls: the registry of numbered controls, the context they see, and the runner.

Each control is a small function registered with :func:`control` under SSB's number; it receives a
:class:`Context` and yields :class:`~kostra_functions.controls.model.Finding` objects. Whether a
control runs at all (account type, Oslo district, quarterly report, year) is decided here from
``controls_data/controls.csv``, so the rule functions only state the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kostra_functions import formatting
from kostra_functions.controls.data import ControlSpec, spec, specs
from kostra_functions.controls.model import Finding, Severity, sort_findings
from kostra_functions.errors import InvalidArgumentError, InvalidCodeError, OutOfRangeError
from kostra_functions.ssb_file import Form, Record, Submission

Rule = Callable[["Context"], Iterable[Finding]]
#: Registered controls by number; filled by the rule modules when :mod:`kostra_functions.controls` loads.
RULES: dict[str, Rule] = {}
#: Controls that look at one record on its own (used for a single line in Excel).
LINE_CONTROLS = frozenset({
    "009", "010", "012", "020", "025", "030", "035", "040", "045", "050", "055",
    "060", "065", "070", "075", "080", "081",
})


def control(number: str) -> Callable[[Rule], Rule]:
    """Register a rule function as SSB's control ``number`` (``"020"``)."""

    def register(fn: Rule) -> Rule:
        if number in RULES:
            raise ValueError(f"control {number} registered twice")
        RULES[number] = fn
        return fn

    return register


#: ``-12345`` → ``-12 345`` (Norwegian thousands separator, ASCII minus as in SSB's file).
number_text = formatting.whole


@dataclass
class Context:
    """What a control sees: the expected submission, the records, and the year's code catalog.

    ``records`` are the records SSB controls: those whose beløp is not exactly ``0``
    (``RegnskapValidator.getRecordsList``); ``all_records`` also holds the zero ones (control 001).
    """

    submission: Submission
    records: tuple[Record, ...]
    all_records: tuple[Record, ...]
    _catalog: Any = field(default=None, repr=False)
    _code_cache: dict[tuple[str, str], tuple[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def form(self) -> Form:
        return self.submission.form

    @property
    def year(self) -> int:
        return self.submission.year

    @property
    def quarter(self) -> str:
        """The kvartal field of the submission: ``" "`` for the annual accounts."""
        return self.submission.quarter_char

    @property
    def is_oslo_district(self) -> bool:
        """Region 0301nn with nn ≠ 00 (SSB's ``isOsloBydel``)."""
        region = self.submission.region
        return region[:4] == "0301" and region[4:] != "00"

    @property
    def catalog(self) -> Any:
        """The code catalog for the year and region (raises if the year has no source)."""
        if self._catalog is None:
            from kostra_functions.codes.catalog import Catalog

            self._catalog = Catalog.for_year(self.year, self.submission.region)
        return self._catalog

    def account(self, record: Record) -> str | None:
        """``drift``/``investering``/``balanse`` for the record's kontoklasse in this form, else ``None``."""
        return self.form.account_class_name(record.kontoklasse)

    def of(self, account: str) -> list[Record]:
        """The records in ``drift``, ``investering`` or ``balanse``."""
        return [r for r in self.records if self.account(r) == account]

    def code_status(self, code: str, kind: str) -> tuple[str, Any]:
        """``("ok", entry)``, ``("invalid", reason)`` or ``("unknown", reason)`` for a function/art.

        ``unknown`` means the year's sources do not cover the code (the catalog refuses to guess).
        """
        key = (code, kind)
        if key not in self._code_cache:
            try:
                self._code_cache[key] = ("ok", self.catalog.validate(code, kind))
            except OutOfRangeError as exc:
                self._code_cache[key] = ("unknown", exc.message)
            except (InvalidCodeError, InvalidArgumentError) as exc:
                self._code_cache[key] = ("invalid", exc.message)
        return self._code_cache[key]

    def only_in(self, code: str, kind: str) -> str | None:
        """``drift``/``investering`` when SSB allows a valid code in that account class only."""
        status, entry = self.code_status(code, kind)
        return entry.only if status == "ok" else None

    def spec(self, number: str) -> ControlSpec:
        return spec(number)

    def finding(
        self,
        number: str,
        message: str,
        lines: Iterable[int] = (),
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of control ``number`` with the severity for this submission's quarter."""
        s = spec(number)
        return Finding(
            control=number,
            title=s.title,
            severity=severity or s.severity_for(self.quarter),
            message=message,
            lines=tuple(sorted(set(lines))),
        )


def applies(s: ControlSpec, ctx: Context) -> bool:
    """Whether control ``s`` runs for this submission (year, account type, district, quarter)."""
    if not s.applies_to_year(ctx.year):
        return False
    if s.accounts != "fil" and s.accounts != ctx.form.kind:
        return False
    if s.oslo_district == "nei" and ctx.is_oslo_district:
        return False
    if s.oslo_district == "kun" and not ctx.is_oslo_district:
        return False
    return not (ctx.submission.quarter is not None and not s.quarterly)


def run_controls(
    records: Sequence[Record],
    submission: Submission,
    *,
    only: Iterable[str] | None = None,
) -> list[Finding]:
    """Run SSB's controls on the records of one file and return the findings in report order.

    ``submission`` holds what SSB's portal pre-fills (skjema, årgang, kvartal, region, orgnr); the
    controls 003–008 compare every record with it. ``only`` limits the run to some control numbers.
    A FATAL finding (control 001, wrong record length) stops the run, as in SSB's program.

    Raises :class:`~kostra_functions.errors.OutOfRangeError` when the year has no source-backed
    code list (for example 2019): without it the code controls would give no verdict.
    """
    from kostra_functions.controls import load_rules

    load_rules()
    ctx = Context(
        submission=submission,
        records=tuple(r for r in records if r.belop_text.strip() != "0"),
        all_records=tuple(records),
    )
    if ctx.form.kind == "bevilgning":
        ctx.catalog  # noqa: B018 - fail early (and clearly) for a year without code lists
    wanted = set(only) if only is not None else None
    findings: list[Finding] = []
    for number in sorted(specs()):
        if wanted is not None and number not in wanted:
            continue
        rule = RULES.get(number)
        s = specs()[number]
        if rule is None or not applies(s, ctx):
            continue
        found = list(rule(ctx))
        findings.extend(found)
        if any(f.severity is Severity.FATAL for f in found):
            break
    return sort_findings(findings)
