"""Running the controls: the registry of numbered controls, the context they see, and the runner.

Each control is a small function registered with :func:`control` under SSB's number; it receives a
:class:`Context` and yields :class:`~kostra_functions.controls.model.Finding` objects. Whether a
control runs at all (account type, Oslo district, quarterly report, year) is decided here from
``controls_data/controls.csv``, so the rule functions only state the rule.

The context holds the file as columns (:class:`~kostra_functions.controls.table.RecordTable`):
a control selects records with boolean masks and sums amounts with numpy, and code lists are tested
once per distinct code (:meth:`Context.where`), not once per record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from kostra_functions import formatting
from kostra_functions.controls.data import ControlSpec, spec, specs
from kostra_functions.controls.model import Finding, Severity, sort_findings
from kostra_functions.controls.table import RecordTable, record_table
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


class Context:
    """What a control sees: the expected submission, the records as columns, the year's code catalog.

    ``table`` holds the records SSB controls: those whose beløp is zero are left out (SSB's
    ``RegnskapValidator.getRecordsList`` drops beløp ``0``; ``-0`` and ``00`` are zero too);
    ``all_records`` also holds the zero ones (control 001).
    """

    def __init__(self, submission: Submission, table: RecordTable) -> None:
        self.submission = submission
        self.all_records = table
        zero = table.amount_ok & (table.amount == 0)
        self.table = table.subset(~zero)
        self._catalog: Any = None
        self._code_cache: dict[tuple[str, str], tuple[str, Any]] = {}
        self._unique: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._accounts: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ submission facts
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
    def quarterly(self) -> bool:
        return self.submission.quarter is not None

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

    # ------------------------------------------------------------------ columns
    def column(self, name: str) -> np.ndarray:
        """A field of every controlled record (``code`` = funksjon/kapittel without padding)."""
        return self.table[name]

    @property
    def amount(self) -> np.ndarray:
        return self.table.amount

    @property
    def lines(self) -> np.ndarray:
        return self.table.line

    def where(self, name: str, predicate: Callable[[str], bool]) -> np.ndarray:
        """Mask of the records whose field ``name`` satisfies ``predicate`` (once per distinct value)."""
        if name not in self._unique:
            self._unique[name] = np.unique(self.column(name), return_inverse=True)
        values, inverse = self._unique[name]
        hits = np.fromiter((bool(predicate(str(v))) for v in values), dtype=bool, count=len(values))
        return hits[inverse.reshape(-1)] if len(values) else np.zeros(len(self.table), dtype=bool)

    def isin(self, name: str, codes: Any) -> np.ndarray:
        """Mask of the records whose field ``name`` is in ``codes`` (a set or a ``CodeSet``)."""
        return self.where(name, codes.__contains__)

    def account(self, account: str) -> np.ndarray:
        """Mask of the records in ``drift``, ``investering`` or ``balanse`` for this form."""
        if account not in self._accounts:
            code = self.form.account_classes.get(account)
            kk = self.column("kontoklasse")
            self._accounts[account] = (kk == code) if code is not None else np.zeros(len(kk), dtype=bool)
        return self._accounts[account]

    def total(self, mask: np.ndarray) -> int:
        """Sum of the amounts of the records in ``mask`` (1000 kr)."""
        return int(self.amount[mask].sum())

    # ------------------------------------------------------------------ code catalog
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

    # ------------------------------------------------------------------ findings
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
            lines=tuple(sorted({int(n) for n in lines})),
        )

    def per_record(
        self,
        number: str,
        mask: np.ndarray,
        message: Callable[[dict[str, str]], str],
        *,
        record_quarter: bool = False,
        severity: Severity | None = None,
    ) -> Iterator[Finding]:
        """One finding per record in ``mask``, as SSB reports its record controls.

        ``message`` receives the record's fields (``code``, ``art_sektor``, ``kvartal`` …). With
        ``record_quarter`` the severity follows the record's own kvartal field (SSB's 010–013).
        """
        s = spec(number)
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        columns = {name: values[rows] for name, values in self.table.fields.items()}
        amounts = self.amount[rows]
        cache: dict[tuple[str, ...], str] = {}
        for i, line in enumerate(self.lines[rows].tolist()):
            fields = {name: str(values[i]) for name, values in columns.items()}
            fields["amount"] = str(int(amounts[i]))
            key = tuple(fields.values())
            text = cache.get(key)
            if text is None:
                text = cache[key] = message(fields)
            level = severity or s.severity_for(fields["kvartal"] if record_quarter else self.quarter)
            yield Finding(number, s.title, level, text, (int(line),))


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
    return not (ctx.quarterly and not s.quarterly)


def run_controls(
    records: Sequence[Record] | RecordTable,
    submission: Submission,
    *,
    only: Iterable[str] | None = None,
) -> list[Finding]:
    """Run SSB's controls on the records of one file and return the findings in report order.

    ``records`` are :class:`~kostra_functions.ssb_file.Record` objects or a
    :class:`~kostra_functions.controls.table.RecordTable` (the fast route for a whole file).
    ``submission`` holds what SSB's portal pre-fills (skjema, årgang, kvartal, region, orgnr); the
    controls 003–008 compare every record with it. ``only`` limits the run to some control numbers.
    A FATAL finding (control 001, wrong record length) stops the run, as in SSB's program.

    Raises :class:`~kostra_functions.errors.OutOfRangeError` when the year has no source-backed
    code list (for example 2019): without it the code controls would give no verdict.
    """
    from kostra_functions.controls import load_rules

    load_rules()
    if not isinstance(records, RecordTable):
        records = record_table([r.line for r in records], [r.text for r in records])
    ctx = Context(submission, records)
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
