"""The controller's monthly report end to end: adjustments typed into a regenerated prognosis
workbook, recalculated with «kostra beregn», carried into the status report and read by
«kostra prognose», on the tiny «Bydel Test» of ``test_templates`` (numbers worked by hand).

Period 2, 2023. Function 120: accounts 2 500, budget to date 2 400, budget 14 400; function 201:
accounts 1 500, budget to date 5 000, budget 30 000; project 21001 (201): accounts 300, budget 600
(all in period 1). Last year's accounts on 120: 1 000 in each month 1–12 and 600 in period 13.

Typed on «Justeringer» (one row each): 120 tiltak 50; 201 fremført 1 000; 201 avsetninger 200;
2544 tiltak 999 (no such function); 120 fremført «1 234,50» (text); project 21001 tiltak 30; and
120 tiltak 7 in row 600, below the 60 rows the formulas cover. On «Funksjonsvalg»: 120 «profil»,
201 a manual projection of 28 000 (method left blank → manuell). Significance limit set to 1 000.

* 120, profil: last year's share to period 2 = 2 000 / 12 600 (period 13 counts in the year, not in
  the months to date); projection 2 500 / (2 000 / 12 600) = 15 750; expected accounts
  15 750 − 50 = 15 700; deviation 14 400 − 15 700 = −1 300 → a merforbruk of at least
  max(1 000; 5 % × 14 400 = 720) → «Varsle».
* 201, manuell: expected accounts 28 000; expected budget 30 000 + 1 000 + 200 = 31 200 (carried
  forward counts from period 2); deviation 3 200.
* 21001: periodisert 300 + 600 − 600 = 300, minus tiltak 30 = 270; deviation 600 − 270 = 330.
* The two bad rows have status «Feil: …» and are not counted; the row below the covered area is
  reported in the sheet's status line.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest

from kostra_functions.cli import main
from kostra_functions.engine import regenerate as rg
from tests.engine.test_templates import HEADER_ACTUAL, _district, _rows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("rapport")
    data = base / "data"
    folder = _district(data / "test")
    last = [f"10100;110;120;;2022{m:02d};1000,00" for m in range(1, 13)] + ["10100;110;120;;202213;600,00"]
    (folder / "regnskap_2022.csv").write_text(HEADER_ACTUAL + "\n".join(last) + "\n", encoding="utf-8")
    out = base / "ut"
    for r in rg.regenerate(data, out, period=2, templates=["avviksprognose"], jobs=1):
        assert not r.error and r.issues == [], (r.error, [str(i) for i in r.issues])
    prognosis = out / "bydel_test" / "avviksprognose_2023-02.xlsx"
    wb = openpyxl.load_workbook(prognosis)
    adj = wb["Justeringer"]
    entries = [("120", None, 50, None, None), ("201", None, None, 1000, None),
               ("201", None, None, None, 200), ("2544", None, 999, None, None),
               ("120", None, None, "1 234,50", None), (None, "21001", 30, None, None)]
    for r, entry in enumerate(entries, 2):
        for c, value in enumerate(entry, 1):
            adj.cell(r, c, value)
    adj.cell(600, 1, "120")
    adj.cell(600, 3, 7)
    choices = wb["Funksjonsvalg"]
    for row in choices.iter_rows(min_row=2):
        if row[0].value == "120":
            row[1].value = "profil"
        elif row[0].value == "201":
            row[1].value = None
            row[2].value = 28000
            row[3].value = "Flere barn med vedtak om styrket tilbud"
    name = wb.defined_names["Vesentlig"]
    sheet, ref = next(iter(name.destinations))
    wb[sheet][ref.replace("$", "")] = 1000
    wb.save(prognosis)
    assert main(["beregn", str(prognosis), "--overskriv"]) == 0
    typed_copy = base / "etter_beregn.xlsx"
    shutil.copy(prognosis, typed_copy)
    # the status report takes the prognosis workbook's inputs when it is regenerated
    for r in rg.regenerate(data, out, period=2, templates=["avviksprognose", "statusrapport"], jobs=1):
        assert not r.error and r.issues == [], (r.error, [str(i) for i in r.issues])
    return {"beregnet": typed_copy, "prognose": prognosis, "data": folder,
            "status": out / "bydel_test" / "statusrapport_2023-02.xlsx"}


def _report(path: Path, sheet: str) -> dict[str, list[object]]:
    return _rows(openpyxl.load_workbook(path, data_only=True)[sheet], 2)


def test_typed_adjustments_reach_the_prognosis_and_bad_rows_are_flagged(typed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(typed["beregnet"], data_only=True)
    rows = _rows(wb["Avviksprognose"], 2)
    # D method, E..M: accounts, budget to date, deviation, budget, measures, carried, allocations,
    # expected accounts, deviation prognosis; O flag; Q explanation
    assert rows["120"][3] == "profil"
    assert rows["120"][4:13] == [2500, 2400, -100, 14400, 50, 0, 0, 15700, -1300]
    assert rows["120"][14] == "Varsle"
    assert rows["201"][3] == "manuell"
    assert rows["201"][4:13] == [1500, 5000, 3500, 30000, 0, 1000, 200, 28000, 3200]
    assert rows["201"][14] in (None, "")
    assert rows["201"][16] == "Flere barn med vedtak om styrket tilbud"
    assert rows["21001"][7:13] == [600, 30, 0, 0, 270, 330]
    status = [wb["Justeringer"].cell(r, 7).value for r in range(2, 8)]
    assert status[0:3] == ["OK", "OK", "OK"] and status[5] == "OK"
    assert status[3] == "Feil: funksjon 2544 finnes ikke i 2023"
    assert status[4].startswith("Feil: beløpet er tekst")
    line = wb["Avviksprognose"]["A5"].value
    assert line.startswith("Feil: 2 utfylte celler på «Justeringer» står under"), line
    labels = _rows(wb["Avviksprognose"], 3)
    check = labels["Kontroll: justeringer med status OK minus justeringer i rapporten (skal være 0)"]
    assert check[8:11] == [0, 0, 0]
    summary = next(v for k, v in labels.items() if k.startswith("Vesentlige negative avvik"))
    assert summary[4] == 1 and summary[12] == -1300


def test_status_report_shows_the_same_prognosis_per_function(typed: dict[str, Path]) -> None:
    prognosis = _report(typed["prognose"], "Avviksprognose")
    status = _report(typed["status"], "Funksjoner")
    for code in ("120", "201", "21001"):
        assert status[code][3:17] == prognosis[code][3:17], code
    assert status["201"][12] == 3200
    assert status["120"][12] == -1293  # 14 400 − (15 750 − 57): the row from below now counts
    # regeneration moved the row typed below the covered area up: nothing is lost
    assert prognosis["120"][8] == 57
    areas = _rows(openpyxl.load_workbook(typed["status"], data_only=True)["Funksjonsområder"], 1)
    assert areas["FO2A"][6] == 3200 and areas["FO1"][8] == "Varsle"


def test_cli_reads_the_workbook_and_gives_the_same_deviation_per_function(
        typed: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = typed["data"]
    out = tmp_path / "prognose.csv"
    code = main(["prognose", "--regnskap", str(folder / "regnskap_2023.csv"),
                 "--budsjett", str(folder / "budsjett_2023.csv"),
                 "--fjoraar", str(folder / "regnskap_2022.csv"),
                 "--resultatenheter", str(folder / "resultatenheter.csv"), "--periode", "2",
                 "--justeringer", str(typed["beregnet"]), "--csv", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "rad 5: funksjon 2544 finnes ikke i 2023" in printed
    assert "rad 6: beløpet er tekst" in printed
    assert "rad 600 står under radene arbeidsboken regner med" in printed
    with out.open(encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    header = table[0]
    col = header.index("Avviksprognose")
    per_function: dict[str, float] = {}
    for row in table[1:]:
        if row[0] == "Ordinær drift" and row[header.index("Funksjon")] in ("120", "201"):
            key = row[header.index("Funksjon")]
            per_function[key] = per_function.get(key, 0.0) + float(row[col].replace(",", "."))
    # the row typed below the covered area (tiltak 7) is left out and reported, as in the workbook
    assert per_function == {"120": -1300.0, "201": 3200.0}
