"""Every ``kostra`` command with hostile arguments and files (issue 15): never a traceback.

Each command line below is run through :func:`kostra_functions.cli.main` in an empty working folder.
Asserted for every one:

* it ends with exit code 0, 1 or 2 (argparse's usage error is 2), never with an exception;
* nothing reaches the top-level «programfeil» handler (that would be a bug, not the user's mistake)
  and no Python traceback is printed;
* argparse's messages are Norwegian («bruk:», «feil:»), never «usage:»/«error:»;
* a failure says why on stderr in one Norwegian line beginning «Feil:» (or argparse's «feil:»).

The hostile files: missing, a folder, empty, binary garbage, a zip that is no workbook, text named
``.xlsx``, a file name longer than the system allows, UTF-16 and header-only CSV, letters for numbers.
The hostile values: text for numbers, negative and astronomically large numbers, unknown names,
path escapes, 300-character names. ``kostra server`` is only given values that argparse or its own
checks refuse (a valid call would start serving).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kostra_functions.cli import main

REPO = Path(__file__).resolve().parents[2]

FILES = [
    "mangler.csv",
    "mappe",
    "tom.csv",
    "tom.xlsx",
    "søppel.xlsx",
    "søppel.csv",
    "zip.xlsx",
    "tekst.xlsx",
    "a" * 300 + ".csv",
    "utf16.csv",
    "bare_topp.csv",
    "bokstaver.csv",
]
INTS = ["abc", "-1", "0", "99999999999999999999", "1e3", "13.5"]
WORDS = ["zzz", "x" * 300, "../../etc/passwd", "", " ", "\u202e", "KOSTRA_AVVIK", "CON"]


def _make_files(root: Path) -> None:
    (root / "mappe").mkdir()
    (root / "tom.csv").write_bytes(b"")
    (root / "tom.xlsx").write_bytes(b"")
    (root / "søppel.xlsx").write_bytes(bytes(range(256)) * 40)
    (root / "søppel.csv").write_bytes(b"\x00\xff\xfe" * 500)
    with zipfile.ZipFile(root / "zip.xlsx", "w") as zf:
        zf.writestr("hei.txt", "ingen arbeidsbok")
    (root / "tekst.xlsx").write_text("Art;Ansvar;Funksjon;Beløp\n10100;210;201;100\n", encoding="utf-8")
    (root / "utf16.csv").write_bytes(
        "Art;Ansvar;Funksjon;Periode;Beløp\n10100;210;201;1;5\n".encode("utf-16")
    )
    (root / "bare_topp.csv").write_text(
        "Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Beløp\n", encoding="utf-8"
    )
    (root / "bokstaver.csv").write_text(
        "Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Beløp\nabc;def;ghi;;x;tekst;mye\n", encoding="utf-8"
    )


def _command_lines() -> list[list[str]]:
    lines: list[list[str]] = []
    for f in FILES:
        lines += [
            ["beregn", f],
            ["beregn", f, "-o", "ut.xlsx"],
            ["beregn", "tom.xlsx", "-o", f],
            ["publiser", f, "-o", "ut.xlsx"],
            ["publiser", "søppel.xlsx", "-o", f],
            ["kart", "--regnskap", f],
            ["kart", "--budsjett", f],
            ["kart", "--resultatenheter", f],
            ["kart", "--csv", f + "/ut.csv"],
            ["prognose", "--regnskap", f],
            ["prognose", "--justeringer", f],
            ["prognose", "--fjoraar", f],
            ["prognose", "--xlsx", "mappe"],
            ["kontroller", "bilag", f, "--register", "tom.csv"],
            ["kontroller", "bilag", "tom.csv", "--register", f],
            ["kontroller", "regnskap", f, "--aar", "2023", "--region", "030105"],
            ["ssbfil", f, "-o", "ut.dat", "--aar", "2023", "--region", "030105"],
            ["sjekk", f],
            ["maler", "liste", "--mappe", f],
            ["maler", "bygg", "--mappe", f],
            ["regenerer", "--data", f, "--ut", "ut"],
            ["addin", "sjekk", "--til", f],
            ["addin", "konfig", "--til", f],
        ]
    for v in INTS:
        lines += [
            ["kart", "--aar", v],
            ["kart", "--periode", v],
            ["prognose", "--periode", v],
            ["regenerer", "--data", "mappe", "--periode", v, "--ut", "ut"],
            ["sjekk", "mappe", "--jobber", v],
            ["ssbfil", "bare_topp.csv", "-o", "ut.dat", "--aar", v, "--region", "030105"],
            ["server", "--port", v if v != "0" else "abc"],
            ["server", "--maks-storrelse", "x" + v],
        ]
    for w in WORDS:
        lines += [
            ["funksjoner", w],
            ["kart", "--regelsett", w],
            ["prognose", "--metode", w],
            ["prognose", "--per", w],
            ["prognose", "--regelsett", w],
            ["kontroller", "regnskap", "bare_topp.csv", "--aar", "2023", "--region", w],
            [
                "kontroller",
                "regnskap",
                "bare_topp.csv",
                "--aar",
                "2023",
                "--region",
                "030105",
                "--kvartal",
                w,
            ],
            ["ssbfil", "bokstaver.csv", "-o", "ut.dat", "--aar", "2023", "--region", w],
            ["regenerer", "--data", "mappe", "--maler", w, "--ut", "ut"],
            ["maler", "bygg", w, "--mappe", "mappe"],
        ]
    lines += [
        [],
        ["maler"],
        ["addin"],
        ["kontroller"],
        ["maler", "x"],
        ["ukjent"],
        ["kart", "--bogus"],
        ["beregn"],
        ["publiser", "tom.xlsx"],
        ["--debug"],
        ["-h"],
        ["funksjoner", "avvik"],
        ["funksjoner", "kostra.avvik"],
        ["funksjoner", "AVIK"],
    ]
    return lines


LINES = _command_lines()


def _id(line: list[str]) -> str:
    return " ".join(w if len(w) < 30 else w[:12] + "…" for w in line) or "(ingenting)"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fiendtlig")
    _make_files(root)
    return root


@pytest.mark.parametrize("line", LINES, ids=[_id(line) for line in LINES])
def test_no_command_line_ends_in_a_traceback(
    line: list[str], workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    try:
        code = main(line)
    except SystemExit as exc:  # argparse: usage error (2) or -h (0)
        code = exc.code
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err)
    if "programfeil" in err:  # say which bug: run it again with the trace
        main([*line, "--debug"])
        pytest.fail(capsys.readouterr().err)
    assert "Traceback" not in err + out
    assert "usage:" not in err + out and "error:" not in err, err
    if code == 2:
        assert "Feil:" in err or "feil:" in err, err


def test_funksjoner_finds_a_function_by_its_short_name_or_suggests_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["funksjoner", "avvik"]) == 0
    assert capsys.readouterr().out.startswith("KOSTRA_AVVIK(justert_budsjett;")
    assert main(["funksjoner", "kostra.navn"]) == 0
    assert capsys.readouterr().out.startswith("KOSTRA_NAVN(funksjon;")
    assert main(["funksjoner", "avik"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: Funksjonen «avik» finnes ikke. Mente du «KOSTRA_AVVIK»"), err


def test_missing_sub_command_is_a_norwegian_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["maler"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "bruk: kostra maler [-h] handling ...",
        "kostra maler: feil: dette mangler: handling",
        "Skriv «kostra maler -h» for hjelp.",
    ]


def test_a_bug_prints_one_norwegian_line_and_debug_shows_the_trace(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kostra_functions.commands import funksjoner

    def broken(name: str) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(funksjoner, "find", broken)
    assert main(["funksjoner", "avvik"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        "Feil: en uventet programfeil i kostra (ZeroDivisionError)."
    )
    assert "--debug" in err and "Traceback" not in err
    assert main(["funksjoner", "avvik", "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError: division by zero" in err


def test_the_installed_command_has_no_traceback_either(tmp_path: Path) -> None:
    """Through the real entry point (a child process), not only through ``main``."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["funksjoner", "avvik"], ["maler"], ["beregn", "finnes_ikke.xlsx", "-o", "ut.xlsx"]):
        done = subprocess.run(
            [sys.executable, "-m", "kostra_functions.cli", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 2), done.stderr
        assert "Traceback" not in done.stderr and "usage:" not in done.stderr, done.stderr


def test_addin_sjekk_off_windows_says_konfig_writes_only_with_til(tmp_path: Path) -> None:
    from kostra_functions.commands import addin

    linux = " ".join(f.text for f in addin.check(tmp_path / "xlwings.conf", platform="linux") if not f.ok)
    assert (
        "kjør «kostra addin konfig» på Windows-maskinen (her skriver den bare til en fil du oppgir med "
        "--til FIL)" in linux
    )
    windows = " ".join(
        f.text for f in addin.check(tmp_path / "xlwings.conf", platform="win32", localappdata="") if not f.ok
    )
    assert "kjør «kostra addin konfig»." in windows and "Windows-maskinen" not in windows


def test_addin_konfig_never_overwrites_a_file_that_is_not_a_conf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "hovedbok.csv"
    ledger.write_bytes(b"Art;Ansvar;Funksjon;Belop\r\n10100;210;201;5\r\n")
    folder = tmp_path / "mappe"
    folder.mkdir()
    for target in (ledger, folder):
        assert main(["addin", "konfig", "--til", str(target)]) == 2
        assert "Feil:" in capsys.readouterr().err
    assert ledger.read_bytes() == b"Art;Ansvar;Funksjon;Belop\r\n10100;210;201;5\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hovedbok.csv", "mappe"]  # no .tmp left
    assert list(folder.iterdir()) == []


# -- files: a CSV export with a blank line right after the header (issue 15) -----------------------


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_a_blank_line_right_after_the_header_is_read(tmp_path: Path, newline: str) -> None:
    from kostra_functions.ledger import read_ledger

    lines = [
        "Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Beløp",
        "",
        "10100;210;201;;1;Lønn;100 000,00",
        "",
        "16000;210;201;;2;Salg;-20 000,50",
        "",
    ]
    path = tmp_path / "hovedbok.csv"
    path.write_bytes(newline.join(lines).encode("cp1252"))
    frame = read_ledger(path)
    assert list(frame["belop"]) == [100_000.0, -20_000.5]
    assert list(frame["kilde_rad"]) == [3, 5]  # the rows as the controller sees them in the file
    assert list(frame["funksjon"]) == ["201", "201"]


def test_a_header_only_file_with_junk_below_is_refused_not_a_crash(tmp_path: Path) -> None:
    from kostra_functions.errors import LedgerFormatError
    from kostra_functions.ledger import read_ledger

    path = tmp_path / "hovedbok.csv"
    path.write_bytes(b'Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Bel\xf8p\n"INTERPRETER_WIN","x"\r\n')
    with pytest.raises(LedgerFormatError, match="rad 2"):
        read_ledger(path)


# -- kostra sjekk / beregn speak Norwegian numbers and plurals (issue 15) -----------------------------


def test_check_shows_amounts_norwegian_style() -> None:
    from kostra_functions.engine.check import Difference

    d = Difference("Avviksprognose", "D8", 1234567.5, 1234567.25)
    assert str(d) == "Avviksprognose!D8: lagret 1 234 567,5, beregnet 1 234 567,25"
    assert (
        str(Difference("Ark", "A1", 2600.0, 0.30000000000000004))
        == "Ark!A1: lagret 2 600, beregnet 0,30000000000000004"
    )
    assert str(Difference("Ark", "A1", -1e-05, None)) == "Ark!A1: lagret -0,00001, beregnet (tom)"


def test_counts_have_proper_plurals() -> None:
    from kostra_functions.formatting import count

    assert count(1, "celle", "celler") == "1 celle"
    assert count(2, "celle", "celler") == "2 celler"
    assert count(0, "celle", "celler") == "0 celler"
    assert count(1509, "formel", "formler") == "1 509 formler"


def test_sjekk_of_one_workbook_says_so_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    book = REPO / "workbooks" / "bydel_eksempel" / "bilagskontroll_2023-06.xlsx"
    assert main(["sjekk", str(book), "--jobber", "1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "Arbeidsboken stemmer."
    assert " formler)" in out or " formel)" in out
