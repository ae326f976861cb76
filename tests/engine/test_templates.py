"""Templates, regeneration and the CI check, on a tiny district whose numbers are worked by hand.

«Bydel Test», 2023 (amounts in kroner, expenses +, revenues −):

* function 120 (FO1), ansvar 110 → result unit 10: accounts 1 000 (p1), 1 500 (p2), 700 (p3);
  budget 1 200 every month (14 400 a year);
* function 201 (FO2A), ansvar 210 → result unit 20: accounts 2 000 (p1), −500 revenue (p2);
  budget 2 500 every month (30 000 a year);
* earmarked project 21001 on function 201: accounts 300 (p1), budget 600 (p1).

Through period 2, method «periodisert» (prognosis = accounts to date + budget − budget to date):

* 120: accounts 2 500, budget to date 2 400, deviation −100; prognosis 2 500 + 14 400 − 2 400 =
  14 500, deviation prognosis 14 400 − 14 500 = −100;
* 201: accounts 1 500, budget to date 5 000, deviation 3 500; prognosis 1 500 + 30 000 − 5 000 =
  26 500, deviation prognosis 3 500;
* ordinary total: accounts 4 000, budget to date 7 400, deviation 3 400, budget 44 400, prognosis 41 000,
  deviation prognosis 3 400; earmarked: accounts 300, budget to date 600, budget 600, deviation 300,
  prognosis 300 + 600 − 600 = 300, deviation prognosis 600 − 300 = 300.

Year end (period 13, accounts through period 3): unit 10 net 14 400 − 3 200 = 11 200, unit 20 net
30 000 − 1 500 = 28 500. In an Oslo district the sum 39 700 is carried forward; with Kristiansand's
rules chosen, unit 10 gets 85 % = 9 520 to its fund and 15 % = 1 680 to the general fund, unit 20
24 225 and 4 275.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kostra_functions.engine import regenerate as rg
from kostra_functions.engine.check import check_folder, check_workbook
from kostra_functions.engine.package import Package, WorkbookError
from kostra_functions.engine.templates import build_template, default_templates_dir, load_templates

REPO = Path(__file__).resolve().parents[2]
HEADER_ACTUAL = "Art;Ansvar;Funksjon;Prosjekt;Periode;Beløp\n"
HEADER_BUDGET = "Art;Ansvar;Funksjon;Prosjekt;Periode;Justert budsjett\n"


def _district(folder: Path, name: str = "Bydel Test") -> Path:
    folder.mkdir(parents=True)
    (folder / "bydel.toml").write_text(f'[bydel]\nnavn = "{name}"\n', encoding="utf-8")
    actual = ["10100;110;120;;202301;1000,00", "10100;110;120;;202302;1500,00",
              "10100;110;120;;202303;700,00", "10100;210;201;;202301;2000,00",
              "16000;210;201;;202302;-500,00", "10100;210;201;21001;202301;300,00"]
    (folder / "regnskap_2023.csv").write_text(HEADER_ACTUAL + "\n".join(actual) + "\n", encoding="utf-8")
    budget = [f"10100;110;120;;2023{m:02d};1200" for m in range(1, 13)]
    budget += [f"10100;210;201;;2023{m:02d};2500" for m in range(1, 13)]
    budget += ["10100;210;201;21001;202301;600"]
    (folder / "budsjett_2023.csv").write_text(HEADER_BUDGET + "\n".join(budget) + "\n", encoding="utf-8")
    (folder / "resultatenheter.csv").write_text(
        "Ansvar;Ansvarsnavn;Resultatenhet;Resultatenhet navn\n110;Stab;10;Stab og ledelse\n"
        "210;Barnehage A;20;Barnehager\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("regenerer")
    data = base / "data"
    _district(data / "test")
    out = base / "ut"
    results = rg.regenerate(data, out, period=2, templates=["avviksprognose", "statusrapport"], jobs=1)
    results += rg.regenerate(data, out, period=13, templates=["aarsavslutning", "bilagskontroll"], jobs=1)
    by_name = {}
    for r in results:
        assert not r.error, r.error
        if r.skipped:
            by_name[r.template] = None
            continue
        assert r.issues == [], [str(i) for i in r.issues]
        by_name[r.template] = r.output
    return by_name


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet, key_col: int) -> dict[str, list[object]]:
    out = {}
    for row in ws.iter_rows(min_row=1, values_only=True):
        key = row[key_col - 1]
        if key not in (None, ""):
            out[str(key)] = list(row)
    return out


def test_deviation_prognosis_template_gives_the_hand_worked_numbers(generated: dict[str, Path]) -> None:
    path = generated["avviksprognose"]
    assert path.name == "avviksprognose_2023-02.xlsx" and path.parent.name == "bydel_test"
    ws = openpyxl.load_workbook(path, data_only=True)["Avviksprognose"]
    rows = _rows(ws, 2)
    # columns E..M: accounts, budget to date, deviation, budget, measures, carried, allocations,
    # prognosis, deviation prognosis; D is the method
    assert rows["120"][4:13] == [2500, 2400, -100, 14400, 0, 0, 0, 14500, -100]
    assert rows["201"][4:13] == [1500, 5000, 3500, 30000, 0, 0, 0, 26500, 3500]
    assert rows["120"][2] == "Administrasjon" and rows["120"][3] == "periodisert"
    labels = _rows(ws, 3)
    assert labels["Sum ordinær drift"][4:13] == [4000, 7400, 3400, 44400, 0, 0, 0, 41000, 3400]
    assert labels["Sum FO2A Barnehager"][4:13] == [1500, 5000, 3500, 30000, 0, 0, 0, 26500, 3500]
    # earmarked project 21001, all budget in p1: prognosis 300 + 600 − 600 = 300, deviation 600 − 300
    project = rows["21001"]
    assert project[2] == "Prosjekt 21001 (funksjon 201)"
    assert project[4:8] == [300, 600, 300, 600] and project[11:13] == [300, 300]
    assert labels["Sum øremerkede prosjekter"][12] == 300
    assert labels["Sum bydelen (ordinær drift og øremerkede prosjekter)"][12] == 3700
    checks = {k: v for k, v in labels.items() if k.startswith("Kontroll")}
    assert all(v in (0, None) for row in checks.values() for v in row[4:13]), checks
    assert ws["A2"].value == "Bydel Test – 2023, periode 2"
    assert ws["A5"].value == "Alle justeringer er tatt med (0 rader)"


def test_status_report_sorts_by_area_function_and_unit(generated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(generated["statusrapport"], data_only=True)
    areas = _rows(wb["Funksjonsområder"], 1)
    assert areas["FO1"][2:7] == [2500, 2400, -100, 14400, -100]
    assert areas["FO2A"][2:7] == [1500, 5000, 3500, 30000, 3500]
    units = _rows(wb["Resultatenheter"], 1)
    assert units["10"][1:7] == ["Stab og ledelse", 2500, 2400, -100, 14400, -100]
    assert units["20"][1:7] == ["Barnehager", 1500, 5000, 3500, 30000, 3500]
    matrix = wb["KOSTRA og enheter"]
    header = [c.value for c in matrix[5]]
    row10 = _rows(matrix, 1)["10"]
    assert row10[header.index("FO1")] == -100 and row10[header.index("FO2A")] == 0
    totals = _rows(wb["Funksjonsområder"], 2)
    assert totals["Kontroll: sum per funksjon minus sum per område (skal være 0)"][6] == 0
    assert totals["Kontroll: sum per resultatenhet minus sum per område (skal være 0)"][6] == 0


def _choose_year_end_rules(path: Path, out: Path, ruleset: str, shown: str) -> Path:
    """Type a rule set for units' results on «Oppsett», as a controller would, and recalculate."""
    from kostra_functions.cli import main

    wb = openpyxl.load_workbook(path)
    ws = wb["Oppsett"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "Regelsett for årsresultat":
                ws.cell(cell.row, cell.column + 1).value = ruleset
            if cell.value == "Reglene (vises på arket)":
                ws.cell(cell.row, cell.column + 1).value = shown
    typed = out.with_name("typed_" + out.name)
    wb.save(typed)
    assert main(["beregn", str(typed), "-o", str(out)]) == 0
    return out


def test_year_end_in_an_oslo_district_carries_the_result_forward(generated: dict[str, Path]) -> None:
    # An Oslo district (rule set oslo_bydel) has no 85/15 split: the rule in words, each unit's net
    # result, and the district's sum carried forward (11 200 + 28 500 = 39 700).
    path = generated["aarsavslutning"]
    assert path.name == "aarsavslutning_2023-13.xlsx"
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Resultatdisponering"]
    assert ws["A3"].value.startswith("I Oslo føres bydelens samlede mer- eller mindreforbruk videre")
    rows = _rows(ws, 1)
    assert rows["10"][2:13] == [14400, 3200, 11200] + [None] * 8
    labels = _rows(ws, 2)
    assert labels["Fremføres til neste år (bydelens sum)"][4] == 39700
    assert "Kristiansand" not in " ".join(str(c.value) for r in ws.iter_rows() for c in r if c.value)


def test_year_end_template_distributes_85_15_when_kristiansands_rules_are_chosen(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    path = _choose_year_end_rules(generated["aarsavslutning"], tmp_path / "ks.xlsx", "kristiansand_resultat",
                                  "Kristiansands regler for årsavslutning")
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Resultatdisponering"]
    assert ws["A3"].value == ("Disponering etter Kristiansands regler for årsavslutning "
                              "(kristiansand_resultat).")
    rows = _rows(ws, 1)
    # C..M: budget, accounts, net, fund before, special, to unit fund, to general fund, cut, use of
    # fund, uncovered deficit, fund after
    assert rows["10"][2:13] == [14400, 3200, 11200, 0, False, 9520, 1680, 0, 0, 0, 9520]
    assert rows["20"][2:13] == [30000, 1500, 28500, 0, False, 24225, 4275, 0, 0, 0, 24225]
    detail = wb["Detaljer"]
    spilled = [(detail.cell(r, 2).value, detail.cell(r, 3).value) for r in range(5, 14)]
    assert spilled[:2] == [("Avsetning til enhetens disposisjonsfond", 9520),
                           ("Avsetning til det generelle disposisjonsfondet", 1680)]
    assert len([s for s in spilled if s[0]]) == 9  # KOSTRA_DISPONERING's fixed shape
    # the table is stored as Excel stores a dynamic array
    text = Package.read(path).data["xl/worksheets/sheet2.xml"].decode()
    assert re.search(r'<c r="B5"[^>]*cm="1"[^>]*><f t="array" ref="B5:C13">', text)


def test_template_without_its_data_is_skipped_with_a_reason(generated: dict[str, Path]) -> None:
    assert generated["bilagskontroll"] is None


def test_regenerated_workbook_passes_the_check(generated: dict[str, Path]) -> None:
    result = check_workbook(generated["statusrapport"])
    assert result.ok and result.formula_cells > 700, (result.differences[:3], result.issues[:3])


def test_check_reports_a_changed_value_cell_by_cell(generated: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pkg = Package.read(generated["avviksprognose"])
    part = pkg.sheets()[0].part
    data = pkg.data[part]
    m = re.search(rb'(<c r="E10"[^>]*><f>[^<]*</f><v>)([^<]*)(</v>)', data)
    assert m is not None and m.group(2) == b"2500"
    tampered = tmp_path / "endret.xlsx"
    pkg.write(tampered, replaced={part: data[:m.start(2)] + b"2600" + data[m.end(2):]})
    from kostra_functions.cli import main

    assert main(["sjekk", str(tampered), "--jobber", "1"]) == 1
    err = capsys.readouterr().err
    assert f"FEIL {tampered}" in err
    assert "  Avviksprognose!E10: lagret 2 600, beregnet 2 500\n" in err
    assert err.count("lagret") == 1  # nothing else differs


def test_safe_names_cannot_leave_the_output_folder() -> None:
    assert rg.safe_name("Bydel Gamle Oslo") == "bydel_gamle_oslo"
    assert rg.safe_name("Bydel Østensjø") == "bydel_ostensjo"
    assert rg.safe_name("../../etc/passwd") == "etc_passwd"
    assert rg.safe_name("Sagene / Grünerløkka") == "sagene_grunerlokka"
    with pytest.raises(WorkbookError):
        rg.safe_name("../..")


def test_district_names_come_from_the_toml_and_must_be_distinct(tmp_path: Path) -> None:
    _district(tmp_path / "a", "Bydel Test")
    _district(tmp_path / "b", "Bydel  test")
    with pytest.raises(WorkbookError, match="samme mappenavn"):
        rg.discover(tmp_path)


def test_regenerate_in_parallel_processes_with_the_cli(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import main

    _district(tmp_path / "data" / "en", "Bydel En")
    _district(tmp_path / "data" / "to", "Bydel To")
    code = main(["regenerer", "--data", str(tmp_path / "data"), "--ut", str(tmp_path / "ut"),
                 "--maler", "avviksprognose", "--jobber", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert sorted(p.relative_to(tmp_path / "ut").as_posix() for p in (tmp_path / "ut").rglob("*.xlsx")) == [
        "bydel_en/avviksprognose_2023-03.xlsx", "bydel_to/avviksprognose_2023-03.xlsx"]  # last period
    assert "Skrev" in out


def test_templates_load_and_define_their_input_names() -> None:
    templates = load_templates()
    assert set(templates) == {"avviksprognose", "statusrapport", "aarsavslutning", "bilagskontroll"}
    for name, template in templates.items():
        wb = openpyxl.load_workbook(default_templates_dir() / f"{name}.xlsx")
        for setting in template.settings:
            assert setting.name in wb.defined_names, (name, setting.name)
        for table in template.tables:
            for column in table.columns:
                assert column.name in wb.defined_names, (name, column.name)
        assert wb.sheetnames[0] not in ("Oppsett",) and "Oppsett" in wb.sheetnames


def test_committed_templates_are_built_from_their_sources(tmp_path: Path) -> None:
    """templates/*.xlsx must be what «kostra maler bygg» makes from templates/src (same bytes)."""
    for name, template in load_templates().items():
        fresh = build_template(template, tmp_path / f"{name}.xlsx")
        committed = default_templates_dir() / f"{name}.xlsx"
        with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(committed) as b:
            assert a.namelist() == b.namelist(), name
            for part in a.namelist():
                assert a.read(part) == b.read(part), f"{name}: {part} differs; run «kostra maler bygg»"


@pytest.mark.slow
def test_committed_example_workbooks_are_up_to_date() -> None:
    """What CI runs as «kostra sjekk workbooks/»: every stored value equals the recalculated one."""
    folder = REPO / "workbooks"
    results = check_folder(folder, jobs=2)
    assert {r.path.name for r in results} >= {
        "avviksprognose_2023-06.xlsx", "statusrapport_2023-06.xlsx", "bilagskontroll_2023-06.xlsx",
        "aarsavslutning_2023-13.xlsx"}
    for r in results:
        assert r.ok, (r.path.name, r.error, [str(d) for d in r.differences[:5]],
                      [str(i) for i in r.issues[:5]])
