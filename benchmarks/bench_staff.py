"""Target 7: a 10 000-formula staff workbook (SUMIFS over a 20 000-row ledger), beside LibreOffice.

The workbook is what a controller builds by hand: a «Hovedbok» sheet of 20 000 posted rows (art,
ansvar, funksjon as text codes, periode, beløp) and a «Rapport» sheet of 2 000 rows (one per
ansvar × funksjon pair) with five formulas each — whole-column SUMIFS to date, SUMIFS for the
period, COUNTIFS, a share of the total and an IF on the deviation — plus a sum row: 10 000+
formulas. It is generated with openpyxl (no cached values, as a hand-built workbook saved by a
writer that cannot calculate).

Figures: ``kostra beregn --motor formualizer`` as a whole command in a fresh process, wall time and peak
memory of its process tree; LibreOffice headless converting the same file with recalculation, one
``soffice`` call. The values of both outputs are compared cell by cell (every formula cell), so the
speed is never bought with a wrong number. ``formulas`` is not timed here: on this workbook it took
≈ 140 s and 1.3 GiB (issue 12), longer than the whole benchmark suite should run.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Config, Figure, Report, Target, TreeMemory

NAME = "staff"
TITLE = "kostra beregn on a 10 000-formula staff workbook (SUMIFS over 20 000 ledger rows) vs LibreOffice"
LEDGER_ROWS = 20_000
REPORT_ROWS = 2_000
TARGET_MIB = 500.0


def staff_workbook(path: Path, ledger_rows: int = LEDGER_ROWS, report_rows: int = REPORT_ROWS) -> Path:
    """Write the staff workbook (deterministic: the same file for the same sizes)."""
    import openpyxl

    rnd = random.Random(12)
    wb = openpyxl.Workbook()
    ledger = wb.active
    ledger.title = "Hovedbok"
    ledger.append(["Art", "Ansvar", "Funksjon", "Periode", "Beløp"])
    functions = [f"{c:03d}" for c in (100, 120, 201, 202, 213, 215, 222, 232, 233, 234, 241, 242, 243,
                                      244, 251, 252, 253, 254, 256, 261, 265, 273, 275, 276, 281, 283,
                                      285, 290, 301, 315, 325, 335, 360, 370, 385, 386, 390)]
    units = [f"{u}" for u in range(100, 100 + max(1, report_rows // len(functions) + 1))]
    arts = ["10100", "10500", "10900", "11000", "11500", "12000", "14290", "16000", "17100", "18100"]
    for _ in range(ledger_rows):
        amount = round(rnd.uniform(-20_000, 80_000), 2)
        row = [rnd.choice(arts), rnd.choice(units), rnd.choice(functions), rnd.randint(1, 12), amount]
        ledger.append(row)
    for col in "ABC":
        for cell in ledger[col][1:]:
            cell.number_format = "@"
    report = wb.create_sheet("Rapport")
    report.append(["Ansvar", "Funksjon", "Hittil", "Periode", "Antall", "Andel", "Vurdering"])
    report["I1"] = "Periode"
    report["J1"] = 6
    pairs = [(u, f) for u in units for f in functions][:report_rows]
    for i, (unit, function) in enumerate(pairs, start=2):
        report.append([
            unit, function,
            f'=SUMIFS(Hovedbok!$E:$E,Hovedbok!$B:$B,$A{i},Hovedbok!$C:$C,$B{i},Hovedbok!$D:$D,"<="&$J$1)',
            f"=SUMIFS(Hovedbok!$E:$E,Hovedbok!$B:$B,$A{i},Hovedbok!$C:$C,$B{i},Hovedbok!$D:$D,$J$1)",
            f"=COUNTIFS(Hovedbok!$B:$B,$A{i},Hovedbok!$C:$C,$B{i})",
            f"=IF($C${REPORT_ROWS + 2}=0,0,C{i}/$C${REPORT_ROWS + 2})",
            f'=IF(D{i}>C{i}/$J$1,"over snittet","")',
        ])
        report.cell(i, 1).number_format = "@"
        report.cell(i, 2).number_format = "@"
    total = len(pairs) + 2
    report.cell(total, 1, "Sum")
    for col in "CDE":
        report[f"{col}{total}"] = f"=SUM({col}2:{col}{total - 1})"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _formula_values(path: Path) -> dict[tuple[str, str], object]:
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[tuple[str, str], object] = {}
    for ws in formulas.worksheets:
        vs = values[ws.title]
        for row_f, row_v in zip(ws.iter_rows(), vs.iter_rows(), strict=False):
            for cf, cv in zip(row_f, row_v, strict=False):
                if isinstance(cf.value, str) and cf.value.startswith("="):
                    out[(ws.title, cf.coordinate)] = cv.value
    return out


def agreement(ours: Path, theirs: Path) -> tuple[int, int, list[str]]:
    """(equal, total, first differences) over every formula cell of the two outputs."""
    import math

    a, b = _formula_values(ours), _formula_values(theirs)
    equal, shown = 0, []
    for key, va in a.items():
        vb = b.get(key)
        same = (va == vb or (va in (None, "") and vb in (None, "")) or
                (isinstance(va, (int, float)) and isinstance(vb, (int, float))
                 and math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-6)))
        equal += same
        if not same and len(shown) < 5:
            shown.append(f"{key[0]}!{key[1]}: ours {va!r}, LibreOffice {vb!r}")
    return equal, len(a), shown


def run_beregn(source: Path, out: Path, motor: str | None = None) -> tuple[float, float]:
    """(wall s, peak MiB of the process tree) of ``kostra beregn`` as a whole command."""
    cmd = [sys.executable, "-m", "kostra_functions.cli", "beregn", str(source), "-o", str(out), "--overskriv"]
    if motor:
        cmd += ["--motor", motor]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as memory:
        _, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1) or not out.exists():
        raise RuntimeError(f"kostra beregn failed ({proc.returncode}): {err[-2000:]}")
    return wall, (memory.peak or 0) / 2**20


def run(cfg: Config, report: Report) -> None:
    from kostra_functions.engine import libreoffice

    ledger_rows = cfg.size(LEDGER_ROWS, 2_000)
    report_rows = cfg.size(REPORT_ROWS, 200)
    repeats = cfg.size(3, 1)
    source = cfg.data_dir / f"stab_{ledger_rows}_{report_rows}.xlsx"
    if not source.exists():
        staff_workbook(source, ledger_rows, report_rows)
    has_lo = libreoffice.find_soffice() is not None
    tmp = Path(tempfile.mkdtemp(prefix="kostra-bench-staff-"))
    try:
        walls, peaks, lo = [], [], []
        for i in range(repeats):
            wall, peak = run_beregn(source, tmp / f"ours{i}.xlsx", "formualizer")
            walls.append(wall)
            peaks.append(peak)
            if has_lo:
                start = time.perf_counter()
                libreoffice.convert([source], tmp / f"lo{i}")
                lo.append(time.perf_counter() - start)
        if has_lo:
            equal, total, shown = agreement(tmp / "ours0.xlsx", tmp / "lo0" / source.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    formulas_count = report_rows * 5 + 3
    if has_lo:
        report.time_figure("lo_one", "LibreOffice: the file, one soffice call (recalculate, save)", lo, "s",
                           is_baseline=True)
    report.time_figure("ours_one_cli", f"ours: kostra beregn --motor formualizer, {formulas_count} formulas",
                       walls, "s", baseline="lo_one" if has_lo else None,
                       target=Target("≤ 0.5× LibreOffice", max_ratio=0.5) if has_lo else None)
    report.add(Figure("ours_peak", "  peak RSS of kostra beregn's process tree", "MiB", peaks,
                      target=Target(f"≤ {TARGET_MIB:g} MiB", max_value=TARGET_MIB)))
    if has_lo:
        report.note(f"Values: {equal} of {total} formula cells equal to LibreOffice's"
                    + (f"; first differences: {'; '.join(shown)}" if shown else "") + ".")
    else:
        report.note("LibreOffice (soffice) is not installed here: its figures are missing.")
    report.note(f"{repeats} repeats; «Hovedbok» {ledger_rows} rows, «Rapport» {report_rows} rows × 5 "
                "formulas + a sum row; whole-column SUMIFS/COUNTIFS with text codes.")
