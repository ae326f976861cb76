"""Outputs written without ``--overskriv`` are created exclusively (issue 15).

Two ``kostra beregn … -o ut.xlsx`` started together both saw «ut.xlsx does not exist» before either
had finished calculating, and the second silently replaced the first. Now the finished file is given
its name with :func:`kostra_functions.safety.publish_file` (``os.link``: fails if the name exists),
so exactly one run writes the file and the other says so in Norwegian and leaves nothing behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kostra_functions import safety
from kostra_functions.engine.package import Package

REPO = Path(__file__).resolve().parents[2]
WORKBOOK = REPO / "workbooks" / "bydel_eksempel" / "avviksprognose_2023-06.xlsx"


def _tmp_beside(target: Path, data: bytes) -> Path:
    tmp = target.parent / f".{target.name}.test.tmp"
    tmp.write_bytes(data)
    return tmp


def test_exclusive_publish_creates_a_new_file_with_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "ut.csv"
    safety.publish_file(_tmp_beside(target, b"ny"), target, exclusive=True)
    assert target.read_bytes() == b"ny"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600
    assert [p.name for p in tmp_path.iterdir()] == ["ut.csv"]


def test_exclusive_publish_never_replaces_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "ut.csv"
    tmp = _tmp_beside(target, b"mitt")
    target.write_bytes(b"den andres")  # another run finished first
    with pytest.raises(safety.OutputExistsError, match="ble laget av et annet program") as info:
        safety.publish_file(tmp, target, exclusive=True)
    assert "--overskriv" in str(info.value) and str(target) in str(info.value)
    assert target.read_bytes() == b"den andres"
    assert [p.name for p in tmp_path.iterdir()] == ["ut.csv"]  # our temporary file is gone


def test_atomic_write_exclusive_and_package_write_exclusive(tmp_path: Path) -> None:
    target = tmp_path / "ut.csv"
    with safety.atomic_write(target, "w", encoding="utf-8", exclusive=True) as fh:
        fh.write("første")
    with pytest.raises(safety.OutputExistsError), safety.atomic_write(target, "w", encoding="utf-8",
                                                                       exclusive=True) as fh:
        fh.write("andre")
    assert target.read_text(encoding="utf-8") == "første"
    book = tmp_path / "bok.xlsx"
    Package.read(WORKBOOK).write(book, exclusive=True)
    with pytest.raises(safety.OutputExistsError):
        Package.read(WORKBOOK).write(book, exclusive=True)
    assert zipfile.ZipFile(book).testzip() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bok.xlsx", "ut.csv"]


@pytest.mark.slow
def test_two_beregn_runs_started_together_one_wins_the_other_is_told(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = tmp_path / "ut.xlsx"
    command = [sys.executable, "-m", "kostra_functions.cli", "beregn", str(WORKBOOK), "-o", str(out)]
    runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser_err = next(err for code, _, err in results if code == 2)
    assert loser_err.startswith("Feil: ") and "Traceback" not in loser_err
    # Either it saw the winner's file before calculating, or when it tried to create the name.
    assert "uten --overskriv" in loser_err or "ble laget av et annet program" in loser_err, loser_err
    assert zipfile.ZipFile(out).testzip() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ut.xlsx"]  # no temporary file left


def test_beregn_with_overskriv_still_replaces(tmp_path: Path) -> None:
    from kostra_functions.cli import main

    out = tmp_path / "ut.xlsx"
    out.write_bytes(b"gammel")
    assert main(["beregn", str(WORKBOOK), "-o", str(out)]) == 2  # refused without --overskriv
    assert out.read_bytes() == b"gammel"
    assert main(["beregn", str(WORKBOOK), "-o", str(out), "--overskriv"]) in (0, 1)
    assert zipfile.ZipFile(out).testzip() is None


def test_nothing_grows_beside_the_target_while_it_is_written(tmp_path: Path) -> None:
    """A kill -9 while writing leaves nothing in the output folder: the file grows in TMPDIR."""
    out = tmp_path / "ut"
    out.mkdir()
    with safety.atomic_write(out / "a.csv", "w", encoding="utf-8") as fh:
        fh.write("x" * 10_000)
        assert list(out.iterdir()) == []
    with safety.atomic_path(out / "b.xlsx") as path:
        path.write_bytes(b"y" * 10_000)
        assert list(out.iterdir()) == [out / "a.csv"]
    with safety.staged_write(out / "c.xlsx", exclusive=True) as fh:
        fh.write(b"z" * 10_000)
        assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.xlsx", "c.xlsx"]
    assert (out / "a.csv").read_text(encoding="utf-8") == "x" * 10_000
    assert (out / "c.xlsx").read_bytes() == b"z" * 10_000
