"""What every benchmark shares: figures (median, baseline, ratio, target), timing, load, memory, output.

A benchmark module has ``NAME``, ``TITLE`` and ``run(cfg, report)``; it adds :class:`Figure` objects
to the :class:`Report`. A figure holds every sample; its median is the figure printed, and when it
names a baseline (another figure of the same report, measured in the same run) the ratio
``median / baseline median`` is printed too. A target is either an absolute bound on the median or a
bound on the ratio; it is reported as met or not, never asserted.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import os
import platform
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
SCHEMA = 1

#: Distinct numbers for the whole process, so a repeated benchmark never meets contents it cached before.
FRESH = itertools.count(1)

#: Seconds per display unit.
UNIT_SECONDS = {"µs": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass(frozen=True)
class Target:
    """A target from the issue: ``median ≤ max_value`` (display unit) and/or ``ratio ≤ max_ratio``."""

    text: str
    max_value: float | None = None
    max_ratio: float | None = None

    def met(self, median: float, ratio: float | None) -> bool | None:
        ok: bool | None = None
        if self.max_value is not None:
            ok = median <= self.max_value
        if self.max_ratio is not None:
            if ratio is None:
                return None
            ok = (ok is not False) and ratio <= self.max_ratio
        return ok


@dataclass
class Figure:
    """One measured quantity: samples in ``unit`` (µs, ms, s, MiB …), the median is the figure."""

    key: str
    label: str
    unit: str
    samples: list[float]
    baseline: str | None = None
    target: Target | None = None
    note: str = ""
    is_baseline: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")


@dataclass
class Report:
    """The figures and notes of one benchmark run."""

    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str = ""
    error: str = ""

    def add(self, figure: Figure) -> Figure:
        if any(f.key == figure.key for f in self.figures):
            raise ValueError(f"duplicate figure {figure.key}")
        self.figures.append(figure)
        return figure

    def time_figure(self, key: str, label: str, seconds: Sequence[float], unit: str, **kw: Any) -> Figure:
        """A figure from samples in seconds, shown in ``unit`` (µs, ms or s)."""
        scale = UNIT_SECONDS[unit]
        return self.add(Figure(key, label, unit, [s / scale for s in seconds], **kw))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def get(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)

    def ratio(self, figure: Figure) -> float | None:
        if figure.baseline is None:
            return None
        base = self.get(figure.baseline).median
        return figure.median / base if base else None

    def as_json(self) -> dict[str, Any]:
        figures = []
        for f in self.figures:
            ratio = self.ratio(f)
            figures.append({
                "key": f.key,
                "label": f.label,
                "unit": f.unit,
                "median": f.median,
                "min": min(f.samples) if f.samples else None,
                "max": max(f.samples) if f.samples else None,
                "repeats": len(f.samples),
                "samples": f.samples,
                "baseline": f.baseline,
                "baseline_median": self.get(f.baseline).median if f.baseline else None,
                "ratio": ratio,
                "is_baseline": f.is_baseline,
                "target": None if f.target is None else {
                    "text": f.target.text, "max_value": f.target.max_value, "max_ratio": f.target.max_ratio},
                "met": None if f.target is None else f.target.met(f.median, ratio),
                "note": f.note,
            })
        return {"title": self.title, "figures": figures, "notes": self.notes, "skipped": self.skipped,
                "error": self.error}


@dataclass
class Config:
    """Options of one run."""

    quick: bool
    results_dir: Path
    data_dir: Path
    load_limit: float
    max_wait: float
    write_markdown: bool
    echo: Callable[[str], None] = print

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full


# ---------------------------------------------------------------------------------------------
# Timing


def time_loop(call: Callable[..., Any], argsets: Sequence[tuple[Any, ...]], *, repeats: int,
              setup: Callable[[], Any] | None = None, gc_off: bool = True) -> list[float]:
    """Seconds per call, one sample per repeat: ``call(*a)`` for every ``a`` in ``argsets``.

    ``setup`` runs before each repeat, untimed (e.g. to empty a cache). Garbage collection is off
    while timing, as in :mod:`timeit`.
    """
    samples = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        enabled = gc.isenabled()
        if gc_off:
            gc.disable()
        try:
            start = time.perf_counter()
            for a in argsets:
                call(*a)
            elapsed = time.perf_counter() - start
        finally:
            if enabled:
                gc.enable()
        samples.append(elapsed / len(argsets))
    return samples


def time_once(call: Callable[[], Any], *, repeats: int,
              setup: Callable[[], Any] | None = None) -> list[float]:
    """Seconds of single calls (GC on: larger work allocates as it would in use)."""
    samples = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def interleaved(calls: dict[str, Callable[[], Any]], *, repeats: int,
                setup: Callable[[], Any] | None = None) -> dict[str, list[float]]:
    """Seconds per call for several calls run in turn (A, B, A, B …): the same load falls on each."""
    out: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):
        for key, call in calls.items():
            if setup is not None:
                setup()
            start = time.perf_counter()
            call()
            out[key].append(time.perf_counter() - start)
    return out


# ---------------------------------------------------------------------------------------------
# Machine load and memory


def load() -> list[float]:
    """``os.getloadavg()`` rounded (1, 5 and 15 minutes)."""
    return [round(x, 2) for x in os.getloadavg()]


def wait_for_quiet(cfg: Config) -> list[float]:
    """Wait (up to ``cfg.max_wait`` s) until the 1-minute load is at most ``cfg.load_limit``."""
    deadline = time.monotonic() + cfg.max_wait
    now = load()
    while now[0] > cfg.load_limit and time.monotonic() < deadline:
        cfg.echo(f"  last {now[0]:.2f} > {cfg.load_limit:.2f}: venter …")
        time.sleep(min(10.0, max(0.5, deadline - time.monotonic())))
        now = load()
    return now


def _tree_rss(root: int) -> int:
    """Resident set size (bytes) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
            with open(f"/proc/{entry}/statm", "rb") as fh:
                resident = int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = resident
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class TreeMemory:
    """Samples the summed RSS of a process tree every ``interval`` seconds; ``peak`` in bytes.

    Linux only (reads /proc); elsewhere ``peak`` stays 0 and :func:`rusage_peak` is the fallback.
    """

    def __init__(self, root: int, interval: float = 0.05) -> None:
        self.root, self.interval, self.peak = root, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if os.path.isdir("/proc"):
                self.peak = max(self.peak, _tree_rss(self.root))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def rusage_peak() -> tuple[int, int]:
    """(this process's peak RSS, the largest peak RSS of any waited-for child), bytes (Linux)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return me, kids


# ---------------------------------------------------------------------------------------------
# Output


def machine() -> dict[str, Any]:
    import numpy
    import pandas

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
    }
    try:
        import formulas

        info["formulas"] = formulas.__version__
    except ImportError:  # pragma: no cover - a dependency
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        if names:
            info["cpu_model"] = names[0]
    except OSError:
        pass
    return info


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or value != value:
        return "–"
    a = abs(value)
    text = f"{value:.3g}" if a < 100 else f"{value:,.0f}".replace(",", " ")
    return f"{text} {unit}".strip()


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "–"
    return f"{ratio:.3g}×"


def met_text(met: bool | None) -> str:
    return {True: "ja", False: "NEI", None: "–"}[met]


def _met_md(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "–"}[met]


def print_report(report: Report, echo: Callable[[str], None]) -> None:
    data = report.as_json()
    if report.skipped:
        echo(f"  hoppet over: {report.skipped}")
    if report.error:
        echo(f"  FEIL: {report.error}")
    for f in data["figures"]:
        spread = f"[{fmt(f['min'])}–{fmt(f['max'])}, n={f['repeats']}]"
        line = f"  {f['label']:<62} {fmt(f['median'], f['unit']):>11} {spread:<22}"
        if f["baseline"]:
            line += f" grunnlinje {fmt(f['baseline_median'], f['unit'])}, forhold {fmt_ratio(f['ratio'])}"
        if f["target"]:
            line += f"  mål {f['target']['text']}: {met_text(f['met'])}"
        echo(line)


def write_results(reports: Iterable[tuple[Report, dict[str, Any]]], cfg: Config, argv: Sequence[str]
                  ) -> Path:
    """Merge this run's benchmarks into ``latest.json`` (benchmarks not run keep their last result)."""
    cfg.results_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.results_dir / "latest.json"
    previous: dict[str, Any] = {}
    if path.is_file():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    if previous.get("schema") != SCHEMA or previous.get("mode") != ("rask" if cfg.quick else "full"):
        previous = {}
    benchmarks = dict(previous.get("benchmarks", {}))
    for report, meta in reports:
        benchmarks[report.name] = {**meta, **report.as_json()}
    data = {
        "schema": SCHEMA,
        "written": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python -m benchmarks", *argv]),
        "mode": "rask" if cfg.quick else "full",
        "machine": machine(),
        "benchmarks": dict(sorted(benchmarks.items(), key=lambda kv: kv[1].get("number", 99))),
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def markdown(data: dict[str, Any]) -> str:
    """``RESULTS.md`` from the merged results."""
    m = data["machine"]
    lines = [
        "# Benchmark results (issue 7)",
        "",
        f"Written by `{data['command']}` on {data['written']} (mode: {data['mode']}). Regenerate with "
        "`python -m benchmarks`; the machine-readable copy is `benchmarks/results/latest.json` "
        "(not committed).",
        "",
        f"Machine: {m.get('cpus')} CPUs ({m.get('cpu_model', m.get('processor', '?'))}), "
        f"Python {m['python']}, pandas {m['pandas']}, numpy {m['numpy']}"
        + (f", formulas {m['formulas']}" if "formulas" in m else "") + f"; {m['platform']}.",
        "",
        "Every figure is the **median** of the repeats (min–max and n in the JSON). The ratio is ours / "
        "baseline, both measured in the same run. `os.getloadavg()` (1/5/15 min) is given per benchmark "
        "before and after: other engineers share this 2-core machine.",
        "",
    ]
    for bench in data["benchmarks"].values():
        lines.append(f"## {bench.get('number', '?')}. {bench['title']}")
        lines.append("")
        lines.append(f"Run {bench.get('run_at', '?')}, {bench.get('seconds', 0):.0f} s; load before "
                     f"{bench.get('load_before')}, after {bench.get('load_after')}.")
        lines.append("")
        if bench.get("skipped"):
            lines += [f"Skipped: {bench['skipped']}", ""]
        if bench.get("error"):
            lines += [f"Error: {bench['error']}", ""]
        if bench["figures"]:
            lines.append("| figure | median | baseline | ratio | target | met? |")
            lines.append("|---|---:|---:|---:|---|---|")
            for f in bench["figures"]:
                if f["is_baseline"]:
                    label = f"*{f['label']}* (baseline)"
                else:
                    label = f["label"]
                target = f["target"]["text"] if f["target"] else ""
                lines.append(
                    f"| {label} | {fmt(f['median'], f['unit'])} | {fmt(f['baseline_median'], f['unit'])} | "
                    f"{fmt_ratio(f['ratio'])} | {target} | {_met_md(f['met']) if f['target'] else ''} |")
            lines.append("")
        for note in bench.get("notes", []):
            lines.append(f"- {note}")
        if bench.get("notes"):
            lines.append("")
    return "\n".join(lines)


def echo_to(stream: Any = sys.stdout) -> Callable[[str], None]:
    def echo(text: str) -> None:
        print(text, file=stream, flush=True)

    return echo
