"""The set-up steps the README and the user guide give work as written (issue 15).

* README's first screen is two commands that make and activate a virtual environment before
  installing (a system Python may refuse ``pip install``: PEP 668), and ``.ci/run`` runs exactly
  those commands;
* no guide tells anyone to ``pip install kostra-functions`` from PyPI, where it is not published;
* the route the user guide gives instead works: a wheel built from the repository holds everything
  ``kostra kart`` needs and installs without the repository (here: into a folder of its own, run
  from elsewhere, installed with no index; the dependencies are the test environment's).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = "python3 -m venv .venv && . .venv/bin/activate && "


def _first_screen() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    assert block is not None
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_first_screen_makes_a_virtual_environment_and_ci_runs_it() -> None:
    first, second = _first_screen()
    assert first == VENV + "pip install -e . && kostra kart"
    assert second == VENV + 'pip install -e ".[test,server]" && pytest'
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert first in ci
    assert second.removesuffix(" && pytest") in ci and "CI=true pytest" in ci


def test_no_guide_says_pip_install_kostra_functions_from_pypi() -> None:
    guides = [REPO / "README.md", *REPO.glob("docs/*.md"), *REPO.glob("addin/**/*.md")]
    bad = []
    for path in guides:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if (
                re.search(r"pip install [\"']?kostra-functions", line)
                and "--find-links" not in line
                and "ikke" not in line
            ):
                bad.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not bad, bad


@pytest.mark.slow
def test_the_wheel_holds_what_kostra_kart_needs(tmp_path: Path) -> None:
    wheels = tmp_path / "wheelhouse"
    source = tmp_path / "kilde"  # a copy of what the wheel is built from: no build/ left in the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "kostra_functions", source / "kostra_functions",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            str(source),
            "-w",
            str(wheels),
        ],
        check=True,
        cwd=tmp_path,
        timeout=600,
    )
    (wheel,) = wheels.glob("kostra_functions-*-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "kostra_functions/codes/functions.csv" in names
    assert any(n.startswith("kostra_functions/example_data/bydel_eksempel/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kostra = kostra_functions.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    target = tmp_path / "installert"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=600,
    )
    elsewhere = tmp_path / "annet"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(target)}
    code = (
        "import kostra_functions, sys; from kostra_functions.cli import main; "
        "print(kostra_functions.__file__); sys.exit(main(['kart']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(str(target))  # the wheel's copy, not the repository's
    assert "Sum hittil" in done.stdout
