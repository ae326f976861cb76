"""SSB's controls on a large accounting file: ``kostra kontroller regnskap`` on 200 000 records.

The file is a municipal 0A file for 2023 (region 110300) written here: drift and investment records
on the year's valid functions and arts, cycling so that many combinations repeat (a file of 200 000
records cannot avoid that; control 015 reports every repeated combination). Figures:

* ``command``: the whole command as a user runs it (``python -m kostra_functions.cli kontroller
  regnskap <fil>``: start, imports, read, every control, the report printed), target ≤ 5 s;
* ``controls``: the same work inside one process after a warm-up (read into columns, every control,
  the report as text): what a batch over many files pays per file;
* ``baseline``: a bare Python read of the same file that slices every field of every record and sums
  the amounts per (kontoklasse, funksjon, art); ``controls`` is measured against it (target ≤ 10 ×).

Ours and the baseline run in turn (A, B, A, B …), so the same load falls on each.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import REPO, Config, Report, Target, interleaved

NAME = "kontroller"
TITLE = "SSB controls: kostra kontroller regnskap on a large SSB file"
MAX_SECONDS = 5.0
MAX_RATIO = 10.0
_FIELDS = ((0, 2), (2, 6), (6, 7), (7, 13), (13, 22), (22, 31), (31, 32), (32, 36), (36, 39), (39, 48))


#: Arts and functions that SSB ties to one another (controls 035, 060–081, 145–165); left out of the
#: cycling records so the file looks like a real one: its findings are the repeated combinations.
_TIED_ARTS = {"285", "520", "530", "589", "590", "660", "729", "800", "870", "871", "872", "873", "874",
              "875", "876", "877", "878", "879", "920", "980", "989", "990"}
_TIED_FUNCTIONS = {"290", "800", "840", "841", "850", "860", "880", "899"}


def ssb_file(folder: Path, records: int) -> Path:
    """A deterministic 0A file with ``records`` records (written once per size)."""
    from kostra_functions.codes.catalog import Catalog

    path = folder / f"kontroller_{records}.txt"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    catalog = Catalog.for_year(2023, "110300")
    functions = [f for f in catalog.codes("funksjon")
                 if catalog.is_valid(f, "funksjon", "drift") and f not in _TIED_FUNCTIONS]
    arts = [a for a in catalog.codes("art") if catalog.is_valid(a, "art", "drift") and a not in _TIED_ARTS]
    closing = [("800", "870", -900_000), ("840", "800", -400_000), ("202", "590", 1000),
               ("860", "990", -1000)]
    lines = [f"0A2023 110300{'':18}1{f:<4}{a}{amount:>9}" for f, a, amount in closing]
    for i in range(records - len(closing)):
        function = functions[i % len(functions)]
        art = arts[(i // len(functions)) % len(arts)]
        amount = (i * 7919) % 5000 + 1
        if art >= "600":
            amount = -amount
        lines.append(f"0A2023 110300{'':18}1{function:<4}{art}{amount:>9}")
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def bare_read(path: Path) -> dict[tuple[str, str, str], int]:
    """Slice every field of every record and sum the amounts per (kontoklasse, funksjon, art)."""
    sums: dict[tuple[str, str, str], int] = {}
    with path.open(encoding="latin-1") as fh:
        for line in fh:
            text = line.rstrip("\r\n")
            fields = [text[a:b] for a, b in _FIELDS]
            key = (fields[6], fields[7].strip(), fields[8])
            sums[key] = sums.get(key, 0) + int(fields[9])
    return sums


def controls_in_process(path: Path) -> str:
    import argparse

    from kostra_functions.commands import _regnskap
    from kostra_functions.controls import run_controls
    from kostra_functions.controls.report import render_report

    table, first = _regnskap.read_ssb_table(path)
    args = argparse.Namespace(skjema=None, aar=None, kvartal=None, region=None, orgnr=None,
                              foretaksnr=None)
    submission = _regnskap.submission_for(args, first)
    return render_report(run_controls(table, submission), submission, records=len(table))


def command(path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "kostra_functions.cli", "kontroller", "regnskap", str(path)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"kostra kontroller regnskap ga exit {proc.returncode}: {proc.stderr[-500:]}")


def run(cfg: Config, report: Report) -> None:
    records = cfg.size(200_000, 20_000)
    repeats = cfg.size(5, 2)
    path = ssb_file(cfg.data_dir, records)
    controls_in_process(path)  # warm-up: imports, code catalog; the file in the page cache
    bare_read(path)
    times = interleaved({"baseline": lambda: bare_read(path), "controls": lambda: controls_in_process(path),
                         "command": lambda: command(path)}, repeats=repeats)
    size = f"{records:,}".replace(",", " ")
    report.time_figure("baseline", f"bare read: slice every field, sum per kontoklasse/funksjon/art, {size} "
                       "records", times["baseline"], "s", is_baseline=True)
    report.time_figure("controls", f"read into columns + every control + report, {size} records (in process)",
                       times["controls"], "s", baseline="baseline",
                       target=Target(f"≤ {MAX_RATIO:g} × baseline", max_ratio=MAX_RATIO))
    report.time_figure("command", f"kostra kontroller regnskap, {size} records (one-shot command)",
                       times["command"], "s", baseline="baseline",
                       target=Target(f"≤ {MAX_SECONDS:g} s", max_value=MAX_SECONDS))
    start = time.perf_counter()
    findings = controls_in_process(path).count("Kontroll ")
    report.note(f"{repeats} repeats in turn; {findings} findings in the report (control 015: repeated "
                f"combinations); one extra in-process run took {time.perf_counter() - start:.2f} s.")


def main(argv: Any = None) -> None:  # pragma: no cover - convenience for a quick look
    del argv
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = ssb_file(Path(tmp), 200_000)
        for name, call in (("baseline", bare_read), ("controls", controls_in_process)):
            start = time.perf_counter()
            call(path)
            print(name, round(time.perf_counter() - start, 3))


if __name__ == "__main__":  # pragma: no cover
    main()
