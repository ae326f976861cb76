"""Regenerate district workbooks: fill each template with a district's data, recalculate, write.

A data folder holds one sub-folder per district with its exports from Agresso::

    <data>/<bydel>/regnskap_<år>.csv|xlsx      accounts (required)
    <data>/<bydel>/budsjett_<år>.csv|xlsx      adjusted budget (required)
    <data>/<bydel>/resultatenheter.csv         ansvar → result unit (optional)
    <data>/<bydel>/bilag/ or <data>/bilag/     bilagsliste.csv + fullmaktsregister.csv (optional)
    <data>/<bydel>.toml or <data>/<bydel>/bydel.toml   [bydel] navn = "…" (optional)

:func:`regenerate` writes ``<ut>/<bydel>/<mal>_<år>-<periode>.xlsx`` for every district and
template, in parallel processes, each one filled (:func:`~kostra_functions.engine.template_fill.
fill_template`), recalculated and stored with cached values (:mod:`kostra_functions.engine.recalc`).
Folder names come from district names made safe (:func:`safe_name`): lower case ASCII letters,
digits and ``_`` only, so a name can never point outside the output folder.
"""

from __future__ import annotations

import re
import tempfile
import tomllib
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any

import pandas as pd

from kostra_functions.engine.calculation import CellIssue
from kostra_functions.engine.carryover import (
    PROGNOSIS_TEMPLATE,
    CarriedOver,
    carry_from_prognosis,
    carry_over,
    previous_workbook,
)
from kostra_functions.engine.motor import recalculate
from kostra_functions.engine.package import WorkbookError
from kostra_functions.engine.template_fill import fill_template
from kostra_functions.engine.templates import Template, TemplateError, load_templates
from kostra_functions.errors import KostraError

#: Types in the aggregated «Grunnlag» table.
ACTUAL, BUDGET = "Regnskap", "Budsjett"
ACTUAL_EARMARKED, BUDGET_EARMARKED = "Regnskap øremerket", "Budsjett øremerket"


def safe_name(name: str) -> str:
    """A district name as a folder name: ``"Bydel Gamle Oslo"`` → ``"bydel_gamle_oslo"``.

    Only ``a-z``, ``0-9`` and ``_`` survive (æ → ae, ø → o, å → a); ``..``, slashes and the like
    cannot. An empty result is refused.
    """
    text = name.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:80].strip("_")
    if not text:
        raise WorkbookError(f"Bydelsnavnet «{name}» gir ikke et gyldig mappenavn.")
    from kostra_functions.safety import WINDOWS_RESERVED

    if text.upper() in WINDOWS_RESERVED:  # "con", "nul", "com1": device names on Windows
        text = "_" + text
    return text


@dataclass(frozen=True)
class DistrictFiles:
    """Where one district's exports are."""

    name: str
    folder: Path
    year: int
    actual: Path
    budget: Path
    result_units: Path | None = None
    last_year: Path | None = None
    vouchers: Path | None = None
    register: Path | None = None

    @property
    def slug(self) -> str:
        return safe_name(self.name)


def _export(folder: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".xlsx", ".xlsm"):
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def discover(data_dir: str | Path, year: int | None = None) -> list[DistrictFiles]:
    """The districts in a data folder (sub-folders with ``regnskap_<år>`` and ``budsjett_<år>``)."""
    base = Path(data_dir)
    if not base.is_dir():
        raise WorkbookError(f"{base}: datamappen finnes ikke.")
    found = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        years = sorted({int(m.group(1)) for p in folder.iterdir()
                        if (m := re.fullmatch(r"regnskap_(\d{4})\.(?:csv|xlsx|xlsm)", p.name))})
        if not years:
            continue
        y = year if year is not None else years[-1]
        actual, budget = _export(folder, f"regnskap_{y}"), _export(folder, f"budsjett_{y}")
        if actual is None or budget is None:
            missing = "regnskap" if actual is None else "budsjett"
            raise WorkbookError(f"{folder}: mangler {missing}_{y}.csv (eller .xlsx) for bydelen.")
        vouchers_dir = next((d for d in (folder / "bilag", base / "bilag") if d.is_dir()), None)
        found.append(DistrictFiles(
            name=_district_name(base, folder), folder=folder, year=y, actual=actual, budget=budget,
            result_units=_export(folder, "resultatenheter"), last_year=_export(folder, f"regnskap_{y - 1}"),
            vouchers=_export(vouchers_dir, "bilagsliste") if vouchers_dir else None,
            register=_export(vouchers_dir, "fullmaktsregister") if vouchers_dir else None,
        ))
    if not found:
        raise WorkbookError(f"{base}: fant ingen bydelsmapper med regnskap_ÅÅÅÅ.csv og budsjett_ÅÅÅÅ.csv.")
    slugs = [d.slug for d in found]
    dupes = {s for s in slugs if slugs.count(s) > 1}
    if dupes:
        raise WorkbookError(f"{base}: flere bydeler får samme mappenavn: {', '.join(sorted(dupes))}.")
    return found


def _district_name(base: Path, folder: Path) -> str:
    for meta in (base / f"{folder.name}.toml", folder / "bydel.toml"):
        if meta.is_file():
            try:
                data = tomllib.loads(meta.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise WorkbookError(f"{meta}: kan ikke leses ({exc}).") from None
            name = data.get("bydel", {}).get("navn")
            if isinstance(name, str) and name.strip():
                return name.strip()
    return folder.name.replace("_", " ").title()


# ---------------------------------------------------------------------------------------------
# A district's data, read and mapped once per process


@dataclass
class District:
    """A district's ledger and budget, mapped to KOSTRA codes, with what templates need from them."""

    files: DistrictFiles
    actual: pd.DataFrame
    budget: pd.DataFrame
    ruleset: str = "oslo_bydel"
    #: Last year's accounts (mapped with this year's code list), the profile for the method profil.
    last_year: pd.DataFrame | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.files.name

    @property
    def year(self) -> int:
        return self.files.year

    def last_period(self) -> int:
        from kostra_functions.mapping import last_period

        return last_period(self.actual)

    def grunnlag(self) -> list[dict[str, Any]]:
        """The aggregated input table: one row per function, function area, result unit, type
        (Regnskap / Budsjett, ordinary or earmarked) and period; amounts in kroner to the øre,
        expenses +, revenues −."""
        if "grunnlag" in self._cache:
            return self._cache["grunnlag"]
        rows: list[dict[str, Any]] = []
        for frame, plain, earmarked in ((self.actual, ACTUAL, ACTUAL_EARMARKED),
                                        (self.budget, BUDGET, BUDGET_EARMARKED)):
            keys = ["funksjon", "funksjonsomrade", "resultatenhet", "oremerket", "periode"]
            grouped = frame.groupby(keys, observed=True, sort=True)["belop"].sum().reset_index()
            for rec in grouped.itertuples(index=False):
                rows.append({
                    "G_Funksjon": str(rec.funksjon), "G_Omrade": str(rec.funksjonsomrade),
                    "G_RES": str(rec.resultatenhet), "G_Type": earmarked if rec.oremerket else plain,
                    "G_Periode": int(rec.periode), "G_Belop": round(float(rec.belop), 2),
                })
        self._cache["grunnlag"] = rows
        return rows

    def last_year_basis(self) -> list[dict[str, Any]]:
        """Last year's ordinary operating accounts per function and period 1–13 (the profile of
        the method profil, summed as ``kostra prognose`` sums it)."""
        if self.last_year is None:
            return []
        frame = self.last_year[~self.last_year["oremerket"].to_numpy(dtype=bool)]
        if "kontoklasse" in frame.columns:
            frame = frame[frame["kontoklasse"].astype(str) != "investering"]
        grouped = frame.groupby(["funksjon", "periode"], observed=True, sort=True)["belop"].sum()
        return [{"H_Funksjon": str(function), "H_Periode": int(period), "H_Belop": round(float(amount), 2)}
                for (function, period), amount in grouped.items()]

    def project_basis(self) -> list[dict[str, Any]]:
        """Earmarked projects' accounts and budget per project and period."""
        rows: list[dict[str, Any]] = []
        for frame, kind in ((self.actual, ACTUAL), (self.budget, BUDGET)):
            part = frame[frame["oremerket"].to_numpy(dtype=bool)]
            grouped = part.groupby(["prosjekt", "periode"], observed=True, sort=True)["belop"].sum()
            rows += [{"Q_Prosjekt": str(project), "Q_Type": kind, "Q_Periode": int(period),
                      "Q_Belop": round(float(amount), 2)} for (project, period), amount in grouped.items()]
        return rows

    def projects(self) -> list[dict[str, Any]]:
        """Earmarked projects in the accounts or the budget, each with the function carrying most of
        its budget (of its accounts when it has no budget), in project order."""
        frames = [f[f["oremerket"].to_numpy(dtype=bool)] for f in (self.budget, self.actual)]
        found: dict[str, str] = {}
        for frame in frames:
            if frame.empty:
                continue
            sums = frame.groupby(["prosjekt", "funksjon"], observed=True)["belop"].sum().abs()
            for (project, function), _ in sums.sort_values(ascending=False).items():
                found.setdefault(str(project), str(function))
        return [{"P_Prosjekt": p, "P_Funksjon": found[p]} for p in sorted(found)]

    def units(self) -> list[tuple[str, str]]:
        """Result units (code, name) in code order."""
        pairs: dict[str, str] = {}
        for frame in (self.actual, self.budget):
            sub = frame[["resultatenhet", "resultatenhet_navn"]].drop_duplicates()
            for code, name in zip(sub["resultatenhet"].astype(str), sub["resultatenhet_navn"].astype(str),
                                  strict=True):
                if name or code not in pairs:
                    pairs[code] = name
        return sorted(pairs.items(), key=lambda kv: (len(kv[0]), kv[0]))

    def voucher_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The voucher list and the authority register as read from the files (text kept as text)."""
        from kostra_functions.attestation import read_rows

        if self.files.vouchers is None or self.files.register is None:
            raise WorkbookError(f"{self.name}: fant ikke bilagsliste.csv og fullmaktsregister.csv.")
        _, vouchers, _ = read_rows(self.files.vouchers)
        _, register, _ = read_rows(self.files.register)
        return [r.cells for r in vouchers], [r.cells for r in register]


@lru_cache(maxsize=8)
def load_district(files: DistrictFiles) -> District:
    """Read and map a district's exports (cached per process: several templates use them)."""
    from kostra_functions.ledger import read_ledger
    from kostra_functions.mapping import load_result_units, map_ledger

    units = load_result_units(files.result_units) if files.result_units else None
    actual = map_ledger(read_ledger(files.actual), year=files.year, result_units=units)
    budget = map_ledger(read_ledger(files.budget), year=files.year, result_units=units)
    last_year = None
    if files.last_year is not None:
        last_year = map_ledger(read_ledger(files.last_year), year=files.year, result_units=units)
    return District(files, actual, budget, last_year=last_year)


# ---------------------------------------------------------------------------------------------
# Regenerating


@dataclass
class Job:
    district: DistrictFiles
    template: str
    period: int
    out_dir: Path
    templates_dir: Path | None
    motor: str | None = None  # the engine (kostra_functions.engine.motor); None: the default


@dataclass
class JobResult:
    district: str
    template: str
    output: Path | None
    issues: list[CellIssue] = field(default_factory=list)
    error: str = ""
    skipped: str = ""
    #: What the controller had typed in the workbook this one replaces, carried into it.
    carried: CarriedOver | None = None


def output_path(out_dir: Path, district: DistrictFiles, template: str, period: int) -> Path:
    target = (out_dir / district.slug / f"{safe_name(template)}_{district.year}-{period:02d}.xlsx").resolve()
    if out_dir.resolve() not in target.parents:
        raise WorkbookError(f"{target}: utfilen havner utenfor {out_dir}.")
    return target


def run_job(job: Job) -> JobResult:
    """Fill one template for one district, recalculate and write it (runs in a worker process)."""
    try:
        templates = load_templates(job.templates_dir)
        template = templates[job.template]
        district = load_district(job.district)
        if "bilag" in template.needs and (job.district.vouchers is None or job.district.register is None):
            return JobResult(district.name, template.name, None,
                             skipped="ingen bilagsliste.csv/fullmaktsregister.csv for bydelen")
        fill = template.fill(district, job.period)
        built = _template_file(template, job.templates_dir)
        target = output_path(job.out_dir, job.district, template.name, job.period)
        carried = carry_over(template, fill, previous_workbook(target))
        carry_from_prognosis(template, fill, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        # The filled template is an intermediate file: in the system's temporary folder, never in
        # the output folder (a run killed here leaves nothing among the workbooks).
        with tempfile.TemporaryDirectory(prefix="kostra-mal-") as tmp:
            filled = fill_template(template, built, fill, Path(tmp) / "utfylt.xlsx")
            result = recalculate(filled, target, overwrite=True, motor=job.motor)
        return JobResult(district.name, template.name, target, result.issues, carried=carried)
    except KostraError as exc:
        return JobResult(job.district.name, job.template, None, error=str(exc))


def run_district(jobs: Sequence[Job]) -> list[JobResult]:
    """Run one district's jobs in one worker, in their order (:func:`regenerate` puts the prognosis
    workbook first).

    The district's exports are read and mapped once for all its workbooks (:func:`load_district`),
    and the reports that take the controller's inputs from the prognosis workbook
    (:func:`~kostra_functions.engine.carryover.carry_from_prognosis`) find this run's prognosis
    workbook already written, whatever the number of workers.
    """
    return [run_job(job) for job in jobs]


def _by_district(job_list: Sequence[Job]) -> bool:
    """Whether a worker should take a district's workbooks together (else a template's).

    The ``formulas`` engine compiles a template's formulas the first time a process calculates one of
    its workbooks and reuses them afterwards (see :mod:`kostra_functions.engine.recalc`), and
    compiling costs several workbooks' worth of calculation: a worker keeps to one template. The
    native engine compiles nothing worth keeping, and reading a district's exports is the larger
    cost: a worker keeps to one district.
    """
    from kostra_functions.engine.motor import FORMULAS, engine

    return all(engine(job.motor).name != FORMULAS for job in job_list)


def _run_parallel(job_list: Sequence[Job], jobs: int) -> Iterator[JobResult]:
    """Run the jobs in ``jobs`` worker processes, yielding each result as it is done.

    With the native engine one unit of work is a district (:func:`run_district`); the units are
    handed out largest first. With ``formulas`` a unit is one workbook, and a worker that finishes a
    workbook gets the next workbook of the same template; when that template is done it takes the
    template with the most work left that no other worker is on (or, at the end, shares one). One
    unit per worker is in flight, so the unit handed out goes to the worker that just became free.
    """
    if _by_district(job_list):
        yield from _run_districts(job_list, jobs)
        return
    queues: dict[str, deque[Job]] = {}
    for job in job_list:
        queues.setdefault(job.template, deque()).append(job)
    busy: dict[Future[JobResult], str] = {}

    def take(preferred: str | None) -> Job | None:
        if preferred is not None and queues.get(preferred):
            return queues[preferred].popleft()
        working = set(busy.values())
        left = [t for t, q in queues.items() if q]
        if not left:
            return None
        free = [t for t in left if t not in working] or left
        return queues[max(free, key=lambda t: len(queues[t]))].popleft()

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for _ in range(jobs):
            job = take(None)
            if job is None:
                break
            busy[pool.submit(run_job, job)] = job.template
        while busy:
            finished, _ = wait(busy, return_when=FIRST_COMPLETED)
            for future in finished:
                template = busy.pop(future)
                result = future.result()
                job = take(template)
                if job is not None:
                    busy[pool.submit(run_job, job)] = job.template
                yield result


def _run_districts(job_list: Sequence[Job], jobs: int) -> Iterator[JobResult]:
    units: dict[str, list[Job]] = {}
    for job in job_list:
        units.setdefault(job.district.slug, []).append(job)
    ordered = sorted(units.values(), key=len, reverse=True)  # stable: equal units keep data order
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for future in as_completed([pool.submit(run_district, unit) for unit in ordered]):
            yield from future.result()


def _template_file(template: Template, templates_dir: Path | None) -> Path:
    from kostra_functions.engine.templates import default_templates_dir

    base = Path(templates_dir) if templates_dir else default_templates_dir()
    return base / f"{template.name}.xlsx"


def regenerate(data_dir: str | Path, out_dir: str | Path, *, period: int | None = None,
               year: int | None = None, templates: Sequence[str] | None = None, jobs: int = 1,
               templates_dir: str | Path | None = None,
               progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
               motor: str | None = None) -> list[JobResult]:
    """Regenerate every (district, template) workbook; returns one result per job."""
    districts = discover(data_dir, year)
    available = load_templates(templates_dir)
    names = list(templates) if templates else sorted(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise TemplateError(f"Ukjent mal: {', '.join(unknown)}. Finnes: {', '.join(sorted(available))}.")
    out = Path(out_dir)
    tdir = Path(templates_dir) if templates_dir else None
    job_list = []
    # The prognosis workbook first: the reports take the controller's inputs from it.
    run_order = sorted(names, key=lambda name: name != PROGNOSIS_TEMPLATE)
    for d in districts:
        p = period if period is not None else load_district(d).last_period()
        if not 1 <= p <= 13:
            raise WorkbookError(f"{d.name}: perioden må være 1–13 (fikk {p}).")
        job_list.extend(Job(d, name, p, out, tdir, motor) for name in run_order)
    results: list[JobResult] = []
    if jobs <= 1 or len(job_list) == 1:
        iterator: Iterable[Any] = map(run_job, job_list)
        if progress:
            iterator = progress(iterator, len(job_list))
        results.extend(iterator)
    else:
        done: Iterable[JobResult] = _run_parallel(job_list, jobs)
        if progress:
            done = progress(done, len(job_list))
        results.extend(done)
    order = {(d.name, name): i for i, (d, name) in enumerate(product(districts, names))}  # as asked
    return sorted(results, key=lambda r: order.get((r.district, r.template), 0))
