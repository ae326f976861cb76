"""Crash safety (issue 8): nothing is lost when a write is interrupted, runs collide or a file is open.

Every writer of this project writes to a temporary file next to the target, flushes it to disk and
renames it over the target in one step (``os.replace``): the engine's ``Package.write`` (``kostra
beregn``, ``regenerer``, ``publiser``) and :func:`kostra_functions.safety.atomic_write` /
``atomic_path`` (``kostra prognose``, ``kart``, ``kontroller bilag``, the SSB file). So:

* ``kill -9`` while ``kostra beregn`` writes a 100 MB workbook (a real child process, killed when
  its temporary file is growing) leaves the previous workbook byte for byte, and no half file at the
  target's name;
* two ``kostra regenerer`` runs on the same folder at the same time both finish, and every workbook
  they leave is complete and the same bytes as a run alone;
* a target open in LibreOffice (``.~lock.<name>#``) or Excel (``~$<name>``), or marked read-only,
  is refused before anything is written, with a Norwegian message, and stays as it was.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kostra_functions import safety
from kostra_functions.cli import main
from kostra_functions.engine.package import Package
from kostra_functions.engine.recalc import recalculate
from kostra_functions.errors import KostraError
from tests.engine.test_templates import _district, _rows

REPO = Path(__file__).resolve().parents[2]


def _workbook(path: Path, *, padding_mb: int = 0, value: int = 1) -> Path:
    """A small workbook with formulas (one of them a KOSTRA function); ``padding_mb`` adds a large
    stored part (as a big embedded picture would) so that writing it takes a while."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark"
    ws["A1"] = value
    ws["A2"] = "=A1*2"
    ws["B1"] = "=KOSTRA_NAVN(202,2023)"
    wb.save(path)
    if padding_mb:
        with zipfile.ZipFile(path, "a") as zf:
            info = zipfile.ZipInfo("xl/media/stor.bin")
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, os.urandom(padding_mb * 1024 * 1024))
    return path


def _kostra(*args: str, tmpdir: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmpdir)} if tmpdir is not None else None
    return subprocess.Popen(
        [sys.executable, "-m", "kostra_functions.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ---------------------------------------------------------------------------------------------
# kill -9 in the middle of a write


def test_kill_9_while_writing_leaves_the_previous_workbook_intact(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "stor.xlsx", padding_mb=100, value=21)
    target = _workbook(tmp_path / "resultat.xlsx", value=1)  # last month's workbook
    before = target.read_bytes()
    staging = tmp_path / "tmp"  # the system's temporary folder, where the new workbook grows (issue 15)
    staging.mkdir()
    for _attempt in range(3):  # the kill must land while the temporary file grows; retry if we were late
        proc = _kostra("beregn", str(source), "-o", str(target), "--overskriv", tmpdir=staging)
        killed_at = None
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            temps = [p for p in staging.iterdir() if p.name.startswith("kostra-resultat-")]
            sizes = [p.stat().st_size for p in temps if p.exists()]
            if any(0 < s < 90 * 1024 * 1024 for s in sizes):
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = max(sizes)
                break
            time.sleep(0.0005)
        proc.wait()
        if killed_at is not None:
            break
        target.write_bytes(before)  # it finished before we saw it: put last month back, try again
    assert killed_at is not None, "could not catch the write in progress"
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == before, "the previous workbook changed"
    assert [p.name for p in tmp_path.iterdir() if p.name == target.name] == [target.name]
    assert not [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"], "nothing stray beside it"
    with zipfile.ZipFile(target) as zf:
        assert zf.testzip() is None  # and it is a whole workbook, not half of the new one
    # the next run succeeds and replaces it with a complete workbook
    recalculate(source, target, overwrite=True)
    values = openpyxl.load_workbook(target, data_only=True, read_only=True)["Ark"]
    assert [[c.value for c in row] for row in values.iter_rows(max_col=2)] == [[21, "Grunnskole"], [42, None]]


# ---------------------------------------------------------------------------------------------
# Two runs at once


def _regenerer_in_child(args: list[str]) -> None:
    """A forked child (modules already imported, as a second shell would have them after start-up)."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        code = main(args)
    os._exit(code)


def test_two_regenerations_of_the_same_folder_do_not_corrupt_each_other(tmp_path: Path) -> None:
    import multiprocessing

    data = _district(tmp_path / "data" / "test").parent
    shared = tmp_path / "felles"
    args = [
        "regenerer",
        "--data",
        str(data),
        "--ut",
        str(shared),
        "--maler",
        "avviksprognose",
        "--periode",
        "2",
        "--jobber",
        "1",
    ]
    assert main(args) == 0  # last month's workbook is there: both runs read it and replace it
    context = multiprocessing.get_context("fork")
    runs = [context.Process(target=_regenerer_in_child, args=(args,)) for _ in range(2)]
    for proc in runs:  # two separate processes on the same district, template and period at once
        proc.start()
    for proc in runs:
        proc.join(300)
        assert proc.exitcode == 0
    written = sorted(p.relative_to(shared).as_posix() for p in shared.rglob("*") if p.is_file())
    assert written == ["bydel_test/avviksprognose_2023-02.xlsx"], written  # no temporary file left
    result = shared / written[0]
    with zipfile.ZipFile(result) as zf:
        assert zf.testzip() is None
    Package.read(result)
    # complete and right: «Bydel Test» function 120 through period 2 (tests/engine/test_templates.py): budget
    # 14 400, no measures, carried-forward or allocations, expected accounts 14 500, deviation −100
    rows = _rows(openpyxl.load_workbook(result, data_only=True)["Avviksprognose"], 2)
    assert rows["120"][7:13] == [14400, 0, 0, 0, 14500, -100]


# ---------------------------------------------------------------------------------------------
# A workbook open in another program, or read-only


@pytest.mark.parametrize("lock", [".~lock.{name}#", "~${name}"], ids=["libreoffice", "excel"])
def test_beregn_refuses_a_workbook_open_in_another_program(
    lock: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _workbook(tmp_path / "inn.xlsx", value=5)
    target = _workbook(tmp_path / "ut.xlsx", value=1)
    before = target.read_bytes()
    (tmp_path / lock.format(name=target.name)).write_text("AB,ab,maskin,24.11.2026 08:00,")
    assert main(["beregn", str(source), "-o", str(target), "--overskriv"]) == 2
    err = capsys.readouterr().err
    assert "ut.xlsx" in err and "åpen i et annet program" in err and "ingenting er skrevet" in err
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["inn.xlsx", "ut.xlsx", lock.format(name=target.name)]
    )


def test_beregn_refuses_a_read_only_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _workbook(tmp_path / "inn.xlsx", value=5)
    target = _workbook(tmp_path / "ut.xlsx", value=1)
    before = target.read_bytes()
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        assert main(["beregn", str(source), "-o", str(target), "--overskriv"]) == 2
        err = capsys.readouterr().err
        assert "ut.xlsx" in err and "skrivebeskyttet" in err
        assert target.read_bytes() == before
    finally:
        target.chmod(0o644)


def test_regenerer_reports_the_open_workbook_and_writes_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _district(data / "en", "Bydel En")
    _district(data / "to", "Bydel To")
    out = tmp_path / "ut"
    (out / "bydel_en").mkdir(parents=True)
    (out / "bydel_en" / ".~lock.avviksprognose_2023-02.xlsx#").write_text("AB")
    code = main(
        [
            "regenerer",
            "--data",
            str(data),
            "--ut",
            str(out),
            "--maler",
            "avviksprognose",
            "--periode",
            "2",
            "--jobber",
            "1",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "FEIL Bydel En / avviksprognose" in captured.err and "åpen i et annet program" in captured.err
    assert not (out / "bydel_en" / "avviksprognose_2023-02.xlsx").exists()
    assert (out / "bydel_to" / "avviksprognose_2023-02.xlsx").is_file()


def test_the_report_writers_refuse_an_open_target(
    small_ledger: Path, small_budget: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "prognose.xlsx"
    target.write_bytes(b"last month")
    (tmp_path / "~$prognose.xlsx").write_bytes(b"AB")
    code = main(
        [
            "prognose",
            "--regnskap",
            str(small_ledger),
            "--budsjett",
            str(small_budget),
            "--aar",
            "2023",
            "--xlsx",
            str(target),
        ]
    )
    assert code == 2 and "åpen i et annet program" in capsys.readouterr().err
    assert target.read_bytes() == b"last month"
    csv_target = tmp_path / "kart.csv"
    csv_target.write_bytes(b"old")
    csv_target.chmod(0o444)
    try:
        code = main(["kart", "--regnskap", str(small_ledger), "--aar", "2023", "--csv", str(csv_target)])
        assert code == 2 and "skrivebeskyttet" in capsys.readouterr().err
        assert csv_target.read_bytes() == b"old"
    finally:
        csv_target.chmod(0o644)


# ---------------------------------------------------------------------------------------------
# The atomic writers themselves


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "rapport.csv"
    target.write_text("gammel\n")
    target.chmod(0o640)
    with pytest.raises(RuntimeError), safety.atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("halv ny fil")
        raise RuntimeError("krasj midt i skrivingen")
    assert target.read_text() == "gammel\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.csv"]  # no temporary file left
    with safety.atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("ny\n")
    assert target.read_text() == "ny\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the permissions stay
    with (
        pytest.raises(KostraError, match=r"mappen .* finnes ikke"),
        safety.atomic_write(tmp_path / "nei" / "x"),
    ):
        pass
