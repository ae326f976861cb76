"""``kostra kontroller regnskap`` as a newcomer types it: what it derives, and what it asks for at once.

The README writes ``kostra kontroller regnskap <hovedbok>``. The year is in the ledger's periods (as
``kostra prognose`` reads it); the region is not (an Oslo district's code 030101–030115 is in no
file and not in the Oslo rule set), so one message asks for everything still missing. Expected
organisation numbers are checked with their check digit (mod 11) before any control runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kostra_functions.cli import main

LEDGER = """Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp
10100;330;253;;202301;2 500 000,00
11200;330;253;;202303;350 000,00
17000;330;253;;202312;-2 850 000,00
"""
#: Periods 1–12 without the year: the file does not say which year it is.
NO_YEAR_LEDGER = """Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp
10100;330;253;;1;2 500 000,00
17000;330;253;;12;-2 500 000,00
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["kontroller", "regnskap", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_year_comes_from_the_ledgers_periods(tmp_path: Path, capsys) -> None:
    ledger = tmp_path / "hovedbok.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    code, out, err = run(capsys, str(ledger), "--region", "030105")
    assert (code, err) == (0, "")
    assert "årgang 2023, region 030105" in out and "Filen kan sendes inn" in out


def test_missing_region_is_asked_for_with_the_reason(tmp_path: Path, capsys) -> None:
    ledger = tmp_path / "hovedbok.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    code, out, err = run(capsys, str(ledger))
    assert code == 2 and out == ""
    assert err.startswith("Feil: Regionen mangler") and "--region" in err and "030101–030115" in err
    assert "Traceback" not in err and "--aar" not in err  # the year was found


def test_everything_missing_is_asked_for_at_once(tmp_path: Path, capsys) -> None:
    ledger = tmp_path / "hovedbok.csv"
    ledger.write_text(NO_YEAR_LEDGER, encoding="utf-8")
    code, _, err = run(capsys, str(ledger))
    assert code == 2
    assert err.startswith("Feil: Regnskapsåret og regionen mangler") and "--aar" in err and "--region" in err


def test_ssb_file_takes_year_and_region_from_its_first_record(tmp_path: Path, capsys) -> None:
    path = tmp_path / "0A.txt"
    path.write_text(f"0A2023 110300{'':18}1841 010{5:>9}\n", encoding="ascii")
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert "årgang 2023, region 110300" in out and "Kontroll 020" in out


def test_orgnr_with_a_wrong_check_digit_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "0A.txt"
    path.write_text(f"0A2023 110300{'958935420':<18}1202 010{5:>9}\n", encoding="ascii")
    code, _, err = run(capsys, str(path), "--orgnr", "958935421")
    assert code == 2 and "kontrollsiffer" in err


def test_008_runs_against_the_given_foretaksnr_list(tmp_path: Path, capsys) -> None:
    path = tmp_path / "0A.txt"
    path.write_text(f"0A2023 110300{'':9}{'974760673':<9}1202 010{5:>9}\n"
                    f"0A2023 110300{'':9}{'':9}1203 010{5:>9}\n", encoding="ascii")
    code, out, _ = run(capsys, str(path), "--foretaksnr", "958935420,974760673")
    assert code == 1
    assert out.count("Kontroll 008") == 1 and "Linje: 2" in out


def test_benchmark_file_and_baseline_agree_with_the_reader(tmp_path: Path) -> None:
    """benchmarks/bench_controls.py: its bare read sums what the SSB reader sums, and the file is clean
    apart from the repeated combinations a file of that size cannot avoid (015) and its totals."""
    from benchmarks.bench_controls import bare_read, controls_in_process, ssb_file
    from kostra_functions.ssb_file import amounts_in_thousands, read_ssb_file

    path = ssb_file(tmp_path, 3000)
    assert bare_read(path) == amounts_in_thousands(read_ssb_file(path).records)
    report = controls_in_process(path)
    found = {line.split("Kontroll ")[1][:3] for line in report.splitlines() if "Kontroll " in line}
    assert found <= {"015", "110", "140"}
