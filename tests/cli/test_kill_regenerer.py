"""``kostra regenerer`` killed (SIGKILL) at random moments leaves nothing stray (issue 15).

Before the fix a run killed mid-way left ``kostra-mal-XXXX/utfylt.xlsx`` and ``.utfylt.xlsx.tmp`` in the
output folder. Now the filled template and the new workbook are written in the system's temporary
folder, and the finished workbook is linked beside the old one and renamed over it at once
(:func:`kostra_functions.safety.staged_write`).

The output folder starts with the committed example workbooks. The run is killed, with its worker
processes, at moments drawn from a seeded random generator (fixed in CI, ``KOSTRA_KILL_SEED`` to
vary) and once right when a workbook changes on disk. After every kill the output folder holds only
the workbooks, each a complete package that openpyxl opens; the run's temporary folder (``TMPDIR``)
is the only place an intermediate file may remain.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "workbooks" / "bydel_eksempel"
TEMPLATES = "avviksprognose,statusrapport"
SEED = int(os.environ.get("KOSTRA_KILL_SEED", "15"))
RANDOM_KILLS = 2
LATEST_KILL = 12.0  # seconds: a whole run takes 10–40 s on a busy 2-core machine

pytestmark = pytest.mark.slow


def _start(out: Path, tmpdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmpdir)}
    command = [sys.executable, "-m", "kostra_functions.cli", "regenerer", "--ut", str(out), "--periode", "6",
               "--aar", "2023", "--maler", TEMPLATES, "--jobber", "2"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _kill(run: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run and its worker processes (its own process group)."""
    try:
        os.killpg(run.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    run.wait(timeout=60)


def _snapshot(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else {}


def _assert_clean_and_intact(out: Path, expected: set[str]) -> None:
    found = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    district = out / "bydel_eksempel"
    stray = [f for f in found if f != "bydel_eksempel" and not (f.startswith("bydel_eksempel/")
                                                                 and f.split("/", 1)[1] in expected)]
    assert not stray, f"left in the output folder: {stray}"
    for name in expected:
        path = district / name
        assert path.is_file(), f"{name} is gone"
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None, f"{name} is damaged"
        wb = openpyxl.load_workbook(path, read_only=True)
        assert wb.sheetnames, name
        wb.close()


def test_regenerer_killed_at_random_moments_leaves_nothing_stray(tmp_path: Path) -> None:
    out = tmp_path / "ut"
    district = out / "bydel_eksempel"
    district.mkdir(parents=True)
    expected = set()
    for name in ("avviksprognose_2023-06.xlsx", "statusrapport_2023-06.xlsx"):
        shutil.copy2(COMMITTED / name, district / name)
        expected.add(name)
    rng = random.Random(SEED)
    moments: list[float | None] = [rng.uniform(0.3, LATEST_KILL) for _ in range(RANDOM_KILLS)]
    moments.append(None)  # None: the moment a workbook changes on disk
    for moment in moments:
        tmpdir = tmp_path / f"tmp-{len(list(tmp_path.iterdir()))}"
        tmpdir.mkdir()
        before = _snapshot(district)
        run = _start(out, tmpdir)
        deadline = time.monotonic() + (moment if moment is not None else 120.0)
        while time.monotonic() < deadline and run.poll() is None:
            if moment is None and _snapshot(district) != before:
                break
            time.sleep(0.002 if moment is None else 0.05)
        _kill(run)
        _assert_clean_and_intact(out, expected)
        shutil.rmtree(tmpdir, ignore_errors=True)  # what the system's temp cleaner would do
    # and a run left alone finishes and writes every workbook
    tmpdir = tmp_path / "tmp-siste"
    tmpdir.mkdir()
    run = _start(out, tmpdir)
    assert run.wait(timeout=300) == 0
    _assert_clean_and_intact(out, expected)
    assert not list(tmpdir.iterdir()), "a finished run leaves its temporary folder empty"
