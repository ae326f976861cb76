"""Hostile files cannot hurt the machine (issue 8): real files, real readers, real CLI.

* **Zip bombs**: a workbook whose sheet inflates to 2 GB (2 MB on disk), one whose headers lie about
  the size, one with a compression ratio of 1 000 and one with 20 000 parts are refused before
  anything is inflated; a child process reads them all and its peak memory and time are measured.
* **Oversized sheets**: a million rows is refused with advice (use CSV) in about a second; a sheet
  that *declares* the dimension ``A1:XFD1048576`` or has a stray cell in column XFD is read correctly
  and quickly; a row numbered two billion or a column past XFD is refused at once.
* **XML entity attacks**: «billion laughs» and external entities (XXE) reading ``/etc/hostname``
  and a secret file, in every XML part openpyxl reads. Two independent defences: our scan of every
  part's prolog (:func:`kostra_functions.safety.check_xlsx`) and defusedxml in openpyxl's parsers
  (:func:`kostra_functions.safety.harden_openpyxl`); each is tested with the other switched off, and
  in a child process where ``OPENPYXL_DEFUSEDXML=False`` tried to switch defusedxml off. The secret
  never appears in a message, on stdout/stderr or in any file written.
* **Formula injection**: text from exports that starts with ``=``, ``+``, ``-`` or ``@`` is written as
  text in every writer we have (``kostra prognose`` XLSX and CSV, ``kostra kart`` CSV, the
  ``kostra kontroller bilag`` report XLSX): no ``<f>`` element in any sheet, a ``'`` in front in CSV.
* **Names**: :func:`kostra_functions.safety.safe_filename` keeps a district's name inside the output
  folder and off Windows' device names.
* **Macros**: reading an ``.xlsm`` never opens its ``vbaProject.bin`` (every part opened is recorded)
  and leaves the file byte-identical.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kostra_functions import attestation, safety
from kostra_functions.cli import main
from kostra_functions.errors import LedgerFormatError
from kostra_functions.ledger import read_ledger
from kostra_functions.safety import workbooks as workbook_guard
from tests.conftest import SMALL_RESULT_UNIT_LINES
from tests.corpus import files

H = ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Tekst", "Beløp"]
ROWS = [[10100, 210, 201, None, 6, "Lønn juni", 100000.0], [16000, 210, 201, None, 6, "Salg", -20000.5]]
REPO = Path(__file__).resolve().parents[2]


def _numbered(rows: list[list[object]]) -> list[tuple[int, list[object]]]:
    return list(enumerate(rows, start=1))


def _million_rows(path: Path) -> Path:
    body = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 1_000_002))
    return files.raw_xlsx(path, files.SHEET_HEAD + "<sheetData>" + body + "</sheetData></worksheet>")


def _many_parts(path: Path) -> Path:
    files.raw_xlsx(path, files.sheet_xml(_numbered([H, *ROWS])))
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(20_000):
            zf.writestr(f"xl/media/x{i}.bin", b"")
    return path


# ---------------------------------------------------------------------------------------------
# Zip bombs and oversized sheets, read by a child process whose memory and time we measure

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from kostra_functions.errors import KostraError
    from kostra_functions.ledger import read_ledger
    from kostra_functions.attestation import read_vouchers
    out = {}
    for reader, path in zip(sys.argv[1::2], sys.argv[2::2]):
        start = time.perf_counter()
        try:
            fn = read_ledger if reader == "ledger" else read_vouchers
            result = fn(path)
            outcome = f"value: {len(getattr(result, 'lines', result))} rows"
        except KostraError as exc:
            outcome = "error: " + str(exc)
        out[path] = (time.perf_counter() - start, outcome)
    # peak memory of this program (VmHWM belongs to the process image; ru_maxrss would also count
    # the parent's memory at fork time)
    status = open("/proc/self/status").read()
    out["peak_kb"] = int(status.split("VmHWM:")[1].split()[0])
    print(json.dumps(out))
    """
)


def _run_child(cases: list[tuple[str, Path]]) -> tuple[dict[str, tuple[float, str]], float]:
    """Run the readers in a child process; returns its results and its peak memory (MB)."""
    args = [str(x) for reader, path in cases for x in (reader, path)]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    return results, results.pop("peak_kb") / 1024


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    return {
        "2gb": files.deflate_bomb(d / "bombe_2gb.xlsx", unpacked_bytes=2 * 1024**3 + 5),
        "lying": files.deflate_bomb(d / "bombe_lyver.xlsx", unpacked_bytes=1024**3, declared_bytes=1000),
        "ratio": files.deflate_bomb(d / "bombe_tett.xlsx", unpacked_bytes=200 * 1024**2),
        "parts": _many_parts(d / "mange_deler.xlsx"),
        "million": _million_rows(d / "million_rader.xlsx"),
        "row2e9": files.raw_xlsx(
            d / "rad_2_milliarder.xlsx", files.sheet_xml([*_numbered([H, *ROWS]), (2_000_000_000, ROWS[0])])
        ),
        "col": files.raw_xlsx(
            d / "kolonne_etter_xfd.xlsx",
            files.sheet_xml(_numbered([H, *ROWS])).replace('r="A2"', 'r="XFDA2"', 1),
        ),
        "dimension": files.raw_xlsx(
            d / "dimensjon_xfd.xlsx", files.sheet_xml(_numbered([H, *ROWS]), dimension="A1:XFD1048576")
        ),
        "stray": files.raw_xlsx(
            d / "celle_i_xfd.xlsx",
            files.sheet_xml([(1, H), (2, [*ROWS[0], *[None] * 16376, "x"]), (3, ROWS[1])]),
        ),
    }


def test_bombs_and_huge_sheets_are_refused_in_bounded_time_and_memory(bombs: dict[str, Path]) -> None:
    cases = [("ledger", p) for p in bombs.values()] + [
        ("vouchers", bombs["2gb"]),
        ("vouchers", bombs["million"]),
    ]
    results, peak_mb = _run_child(cases)
    expected = {
        "2gb": "pakker seg ut til 2,0 GB",
        "lying": "kontrollsummen stemmer ikke",
        "ratio": "zip-bombe",
        "parts": "20 00",
        "million": "mer enn 500 000 rader",
        "row2e9": "Excels siste rad",
        "col": "kolonne (XFD)",
    }
    for name, path in bombs.items():
        elapsed, outcome = results[str(path)]
        assert elapsed < 10, f"{name}: {elapsed:.1f} s"
        if name in expected:
            assert outcome.startswith("error: "), f"{name}: {outcome}"
            assert path.name in outcome and expected[name] in outcome, f"{name}: {outcome}"
            assert "Traceback" not in outcome
        else:  # a declared dimension or a stray far cell is not an attack: the two rows are read
            assert outcome == "value: 2 rows", f"{name}: {outcome}"
    assert results[str(bombs["2gb"])][0] < 1, "the bomb must be refused from the zip directory alone"
    # the child imports pandas and openpyxl (~150 MB); inflating any of these would take gigabytes
    assert peak_mb < 400, f"peak memory {peak_mb:.0f} MB"


def test_the_bomb_is_real(bombs: dict[str, Path]) -> None:
    """The 2 GB bomb really inflates to 2 GB (read a little of it: the stream is valid deflate)."""
    with zipfile.ZipFile(bombs["2gb"]) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size > 2 * 1024**3 and info.compress_size < 3 * 1024**2
        with zf.open(info) as fh:
            head = fh.read(64 * 1024**2)
    assert head.startswith(b"<?xml") and len(head) == 64 * 1024**2 and head.endswith(b" " * 1000)


def test_limits_are_module_constants(bombs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """An installation may move a limit (in ``safety.workbooks``); the check follows (here: the
    million-row sheet is allowed by the row count, but still refused because rows past 500 000 are
    over the cell limit too)."""
    monkeypatch.setattr(workbook_guard, "MAX_SHEET_ROWS", 2_000_000)
    monkeypatch.setattr(workbook_guard, "MAX_SHEET_CELLS", 500_000)
    with pytest.raises(safety.UnsafeFileError, match="mer enn 500 000 celler"):
        safety.check_xlsx(bombs["million"])


# ---------------------------------------------------------------------------------------------
# XML entity attacks


@pytest.fixture
def secret(tmp_path: Path) -> tuple[str, list[str]]:
    """A file with a secret token, and every secret an XXE payload could leak."""
    token = "HEMMELIG-" + os.urandom(8).hex()
    path = tmp_path / "hemmelig.txt"
    path.write_text(token)
    secrets = [token]
    hostname = Path("/etc/hostname")
    if hostname.is_file() and hostname.read_text().strip():
        secrets.append(hostname.read_text().strip())
    return str(path), secrets


def _xxe_doctype(target: str) -> str:
    return (
        f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{target}"><!ENTITY host SYSTEM "file:///etc/hostname">]>'
    )


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


def _evil_workbooks(d: Path, secret_path: str) -> dict[str, Path]:
    """The same small ledger with an attack in each XML part openpyxl reads."""
    rows = [H, [10100, 210, 201, None, 6, "&xxe;&host;", 100000.0]]
    sheet_ok = files.sheet_xml(_numbered([H, *ROWS]))

    def with_prolog(xml: str, doctype: str) -> str:
        return xml.replace("?>\n", "?>\n" + doctype, 1)

    sheet_xxe = files.sheet_xml(_numbered(rows)).replace("&amp;xxe;&amp;host;", "&xxe;&host;")
    out = {
        "sheet-xxe": files.raw_xlsx(d / "ark_xxe.xlsx", with_prolog(sheet_xxe, _xxe_doctype(secret_path))),
        "sheet-laughs": files.raw_xlsx(
            d / "ark_latter.xlsx", with_prolog(sheet_ok, LAUGHS).replace("Lønn juni", "&lol9;")
        ),
        "workbook-xxe": files.raw_xlsx(
            d / "bok_xxe.xlsx",
            sheet_ok,
            workbook=with_prolog(files.WORKBOOK, _xxe_doctype(secret_path)).replace(
                'name="Regnskap"', 'name="&xxe;"'
            ),
        ),
        "content-types": files.raw_xlsx(
            d / "typer_xxe.xlsx",
            sheet_ok,
            parts={"[Content_Types].xml": with_prolog(files.CONTENT_TYPES, _xxe_doctype(secret_path))},
        ),
        "rels-laughs": files.raw_xlsx(
            d / "rels_latter.xlsx", sheet_ok, parts={"_rels/.rels": with_prolog(files.ROOT_RELS, LAUGHS)}
        ),
        "shared-strings": files.raw_xlsx(
            d / "strenger_xxe.xlsx",
            sheet_ok.replace(
                '<c r="F2" t="inlineStr"><is><t xml:space="preserve">Lønn juni</t></is></c>',
                '<c r="F2" t="s"><v>0</v></c>',
            ),
            parts={
                "xl/sharedStrings.xml": _xxe_doctype(secret_path)
                + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'count="1" uniqueCount="1">'
                "<si><t>&xxe;</t></si></sst>",
                "[Content_Types].xml": files.CONTENT_TYPES.replace(
                    "</Types>",
                    '<Override PartName="/xl/sharedStrings.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                ),
                "xl/_rels/workbook.xml.rels": files.WORKBOOK_RELS.replace(
                    "</Relationships>",
                    '<Relationship Id="rId9" '
                    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'sharedStrings" '
                    'Target="sharedStrings.xml"/></Relationships>',
                ),
            },
        ),
        "core-props": files.raw_xlsx(
            d / "egenskaper_xxe.xlsx",
            sheet_ok,
            parts={
                "docProps/core.xml": '<?xml version="1.0"?>'
                + _xxe_doctype(secret_path)
                + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;</dc:title>'
                "</cp:coreProperties>",
                "_rels/.rels": files.ROOT_RELS.replace(
                    "</Relationships>",
                    '<Relationship Id="rId2" '
                    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
                    'core-properties" '
                    'Target="docProps/core.xml"/></Relationships>',
                ),
            },
        ),
    }
    return out


ATTACKS = [
    "sheet-xxe",
    "sheet-laughs",
    "workbook-xxe",
    "content-types",
    "rels-laughs",
    "shared-strings",
    "core-props",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_xml_attacks_are_refused_by_the_scan(
    attack: str, tmp_path: Path, secret: tuple[str, list[str]]
) -> None:
    path = _evil_workbooks(tmp_path, secret[0])[attack]
    for read in (read_ledger, attestation.read_vouchers):
        with pytest.raises(safety.UnsafeFileError) as info:
            read(path)
        message = str(info.value)
        assert path.name in message and "DOCTYPE" in message and "ikke åpnet" in message
        assert not any(s in message for s in secret[1])


#: Parts openpyxl parses when it opens a workbook read-only (it finds the workbook through the
#: content types, so it never parses the package's ``_rels/.rels``).
PARSED_BY_OPENPYXL = [a for a in ATTACKS if a != "rels-laughs"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_defusedxml_alone_also_refuses(
    attack: str, tmp_path: Path, secret: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With our prolog scan switched off, openpyxl's parsers (defusedxml) refuse every part they
    parse; a part openpyxl does not parse is never expanded (the plain rows are read)."""
    monkeypatch.setattr(workbook_guard, "_prolog_problem", lambda head: None)
    path = _evil_workbooks(tmp_path, secret[0])[attack]
    if attack not in PARSED_BY_OPENPYXL:
        assert read_ledger(path)["belop"].tolist() == [100000.0, -20000.5]
        return
    with pytest.raises(LedgerFormatError) as info:
        read_ledger(path)
    message = str(info.value)
    assert path.name in message and "XML-entiteter" in message
    assert not any(s in message for s in secret[1])


def test_switching_defusedxml_off_in_the_environment_does_not_switch_it_off(
    tmp_path: Path, secret: tuple[str, list[str]]
) -> None:
    """``OPENPYXL_DEFUSEDXML=False`` makes openpyxl parse with the plain standard library; our
    reader puts defusedxml back (proved with the scan switched off), and the scan refuses anyway."""
    workbooks = _evil_workbooks(tmp_path, secret[0])
    script = textwrap.dedent(
        """
        import sys
        import defusedxml.ElementTree as SafeET
        import openpyxl.worksheet._reader as sheet_reader
        from kostra_functions.errors import KostraError
        from kostra_functions.ledger import read_ledger
        from kostra_functions.safety import workbooks
        assert sheet_reader.iterparse is not SafeET.iterparse, "openpyxl obeyed the environment"
        for path in sys.argv[1:]:
            try:
                read_ledger(path)
                print("READ", path)
            except KostraError as exc:
                print("REFUSED", exc)
        assert sheet_reader.iterparse is SafeET.iterparse, "harden_openpyxl did not put defusedxml back"
        workbooks._prolog_problem = lambda head: None  # now only defusedxml stands in the way
        for path in sys.argv[1:]:
            try:
                read_ledger(path)
                print("READ", path)
            except KostraError as exc:
                print("REFUSED", exc)
        """
    )
    env = {**os.environ, "OPENPYXL_DEFUSEDXML": "False"}
    done = subprocess.run(
        [sys.executable, "-c", script, *(str(p) for p in workbooks.values())],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 * len(workbooks), done.stdout
    scan, parser_only = lines[: len(workbooks)], lines[len(workbooks) :]
    assert all(line.startswith("REFUSED") and "DOCTYPE" in line for line in scan), done.stdout
    for attack, line in zip(workbooks, parser_only, strict=True):
        assert line.startswith("REFUSED" if attack in PARSED_BY_OPENPYXL else "READ"), (attack, line)
    assert not any(s in done.stdout + done.stderr for s in secret[1])


def test_no_secret_reaches_any_output_of_the_cli(
    tmp_path: Path, secret: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    evil = _evil_workbooks(tmp_path, secret[0])
    out_dir = tmp_path / "ut"
    out_dir.mkdir()
    budget = files.openpyxl_xlsx(
        tmp_path / "budsjett.xlsx",
        [["Art", "Ansvar", "Funksjon", "Periode", "Budsjett"], [10100, 210, 201, 6, 1000.0]],
    )
    register = tmp_path / "register.csv"
    register.write_text("person;roller;ansvar\r\nAB;attestasjon;*\r\n", encoding="utf-8")
    codes = []
    for name, path in evil.items():
        codes.append(main(["kart", "--regnskap", str(path), "--csv", str(out_dir / f"{name}.csv")]))
        codes.append(
            main(
                [
                    "prognose",
                    "--regnskap",
                    str(path),
                    "--budsjett",
                    str(budget),
                    "--aar",
                    "2023",
                    "--xlsx",
                    str(out_dir / f"{name}.xlsx"),
                ]
            )
        )
        codes.append(
            main(
                [
                    "kontroller",
                    "bilag",
                    str(path),
                    "--register",
                    str(register),
                    "--xlsx",
                    str(out_dir / f"{name}_bilag.xlsx"),
                ]
            )
        )
    captured = capsys.readouterr()
    assert codes == [2] * len(codes)
    assert captured.err.count("Filen er ikke åpnet") == len(codes)
    assert "Traceback" not in captured.err
    assert list(out_dir.iterdir()) == [], "nothing may be written from a refused file"
    assert not any(s in captured.out + captured.err for s in secret[1])


# ---------------------------------------------------------------------------------------------
# Formula injection: text from exports is written as text

EVIL = ['=HYPERLINK("http://evil.example","Klikk")', "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "=1+2"]


def _sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {
            n: zf.read(n).decode("utf-8")
            for n in zf.namelist()
            if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"
        }


def _assert_text_only(path: Path, evil: list[str]) -> None:
    parts = _sheet_xml(path)
    sheets = {n: x for n, x in parts.items() if n.startswith("xl/worksheets/")}
    assert sheets
    for name, xml in sheets.items():
        assert not re.search(r"<(\w+:)?f[\s>/]", xml), f"{path.name}:{name} has a formula"
    everything = "".join(parts.values())
    from xml.sax.saxutils import escape

    for text in evil:
        assert escape(text, {'"': "&quot;"}) in everything or escape(text) in everything, f"{text!r} was lost"


def _assert_csv_safe(path: Path, evil: list[str]) -> None:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh, delimiter=";") for c in row]
    for c in cells:
        if c[:1] in ("=", "+", "-", "@"):
            assert re.fullmatch(r"-?\d[\d ]*(,\d+)?", c), f"{path.name}: a cell starts like a formula: {c!r}"
    for text in evil:
        assert "'" + text in cells, f"{text!r} was not written as text"


#: Result unit → a name that starts like a formula (the small district's units 10–50).
EVIL_UNITS = dict(zip(("10", "20", "30", "40", "50"), EVIL, strict=True))


@pytest.fixture
def evil_units(tmp_path: Path) -> Path:
    """The small district's result-unit register, the units named with formulas."""
    lines = [SMALL_RESULT_UNIT_LINES[0]]
    for line in SMALL_RESULT_UNIT_LINES[1:]:
        ansvar, ansvarsnavn, unit, name = line.split(";")
        name = EVIL_UNITS.get(unit, name)
        lines.append(";".join([ansvar, ansvarsnavn, unit, '"' + name.replace('"', '""') + '"']))
    path = tmp_path / "resultatenheter_ondsinnet.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path


def test_prognosis_xlsx_and_csv_write_formulas_as_text(
    small_ledger: Path,
    small_budget: Path,
    evil_units: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_xlsx, out_csv = tmp_path / "prognose.xlsx", tmp_path / "prognose.csv"
    code = main(
        [
            "prognose",
            "--regnskap",
            str(small_ledger),
            "--budsjett",
            str(small_budget),
            "--resultatenheter",
            str(evil_units),
            "--aar",
            "2023",
            "--per",
            "resultatenhet",
            "--xlsx",
            str(out_xlsx),
            "--csv",
            str(out_csv),
        ]
    )
    assert code in (0, 1), capsys.readouterr().err
    _assert_text_only(out_xlsx, EVIL)
    _assert_csv_safe(out_csv, EVIL)


def test_kart_csv_writes_formulas_as_text(
    small_ledger: Path,
    small_budget: Path,
    evil_units: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_csv = tmp_path / "kart.csv"
    code = main(
        [
            "kart",
            "--regnskap",
            str(small_ledger),
            "--budsjett",
            str(small_budget),
            "--resultatenheter",
            str(evil_units),
            "--aar",
            "2023",
            "--csv",
            str(out_csv),
        ]
    )
    assert code == 0, capsys.readouterr().err
    _assert_csv_safe(out_csv, EVIL)


def test_bilag_report_writes_formulas_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = REPO / "kostra_functions" / "example_data" / "bilag"
    raw = (example / "bilagsliste.csv").read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    # voucher 1003 is not attested (a finding): its number, text and payee come from the export
    evil_text = text.replace(
        "1003;08.03.2023;Leker SFO;8 900,00;210;Lekeland AS",
        '"=HYPERLINK(""http://evil.example"",""1003"")";08.03.2023;@SUM(1);8 900,00;210;+cmd|\' /C calc\'!A0',
    )
    assert evil_text != text
    vouchers = tmp_path / "bilag.csv"
    vouchers.write_text(evil_text, encoding="utf-8")
    report = tmp_path / "rapport.xlsx"
    code = main(
        [
            "kontroller",
            "bilag",
            str(vouchers),
            "--register",
            str(example / "fullmaktsregister.csv"),
            "--xlsx",
            str(report),
        ]
    )
    assert code == 1, capsys.readouterr().err
    _assert_text_only(report, ['=HYPERLINK("http://evil.example","1003")', "+cmd|' /C calc'!A0"])


def test_csv_text_and_text_cells() -> None:
    from openpyxl import Workbook

    assert [
        safety.csv_text(v) for v in ["=1+2", "+A1", "-A1", "@A1", "\tx", "-1 234,50", "+12", "Lønn", 5]
    ] == ["'=1+2", "'+A1", "'-A1", "'@A1", "'\tx", "-1 234,50", "+12", "Lønn", 5]
    ws = Workbook().active
    ws.append(["=1+2", "tekst", 3])
    assert ws["A1"].data_type == "f"  # what openpyxl does by itself with text that starts with =
    safety.text_cells(ws[1])
    assert [c.data_type for c in ws[1]] == ["s", "s", "n"] and ws["A1"].value == "=1+2"


# ---------------------------------------------------------------------------------------------
# Names made from free text, and macros


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc", "etc"),
        ("..\\..\\Windows\\System32", "Windows_System32"),
        ("/etc/passwd", "etc_passwd"),
        ("C:\\Users\\x", "C_Users_x"),
        ("CON", "_CON"),
        ("nul", "_nul"),
        ("COM1", "_COM1"),
        ("LPT9", "_LPT9"),
        ("Bydel Gamle Oslo.", "Bydel_Gamle_Oslo"),
        ("Bydel Grünerløkka ", "Bydel_Grunerlokka"),
        ("Søndre Nordstrand", "Sondre_Nordstrand"),
        ("...", "uten_navn"),
        ("", "uten_navn"),
        ("a" * 300, "a" * 100),
        ("bydel\x00navn", "bydel_navn"),
    ],
)
def test_safe_filename(name: str, expected: str, tmp_path: Path) -> None:
    safe = safety.safe_filename(name)
    assert safe == expected
    target = (tmp_path / safe).resolve()
    assert target.parent == tmp_path.resolve()  # never outside the output folder
    assert not safe.endswith((".", " ")) and "/" not in safe and "\\" not in safe


@pytest.fixture
def opened_parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every zip part any code opens while the fixture is active."""
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: object, *args: object, **kwargs: object) -> object:
        opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else str(name))
        return original(self, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    yield opened


def test_macros_are_never_opened_and_the_file_is_untouched(tmp_path: Path, opened_parts: list[str]) -> None:
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "Auto_Open"\r\nShell "calc"' * 50
    path = files.raw_xlsx(
        tmp_path / "regnskap.xlsm", files.sheet_xml(_numbered([H, *ROWS])), parts={"xl/vbaProject.bin": vba}
    )
    before = path.read_bytes()
    opened_parts.clear()  # writing the file opened its parts too
    df = read_ledger(path)
    assert df["belop"].tolist() == [100000.0, -20000.5]
    assert "xl/worksheets/sheet1.xml" in opened_parts
    assert "xl/vbaProject.bin" not in opened_parts, "the macro part must never be read"
    assert path.read_bytes() == before


def test_an_xxe_over_http_never_reaches_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An external entity pointing at a web address: with the scan off too, nothing connects."""
    attempts: list[object] = []

    def spy(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", spy)
    monkeypatch.setattr(workbook_guard, "_prolog_problem", lambda head: None)
    sheet = (
        files.sheet_xml(_numbered([H, [10100, 210, 201, None, 6, "x", 1.0]]))
        .replace("?>\n", '?>\n<!DOCTYPE x [<!ENTITY web SYSTEM "http://127.0.0.1:9/stjel">]>', 1)
        .replace(">x<", ">&web;<")
    )
    path = files.raw_xlsx(tmp_path / "nett_xxe.xlsx", sheet)
    with pytest.raises(LedgerFormatError, match="XML-entiteter"):
        read_ledger(path)
    assert attempts == []


# ---------------------------------------------------------------------------------------------
# The engine: the same guard on every workbook it opens, text stays text in regenerated workbooks


def _calc_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Ark"
    ws["A1"], ws["A2"] = 21, "=A1*2"
    wb.save(path)
    return path


def test_the_engine_refuses_bombs_and_entities(
    bombs: dict[str, Path], tmp_path: Path, secret: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    evil = _evil_workbooks(tmp_path, secret[0])
    cases = [
        bombs["2gb"],
        bombs["ratio"],
        bombs["million"],
        evil["sheet-xxe"],
        evil["workbook-xxe"],
        evil["shared-strings"],
    ]
    for path in cases:
        out = tmp_path / f"beregnet_{path.name}"
        assert main(["beregn", str(path), "-o", str(out)]) == 2
        assert main(["sjekk", str(path)]) != 0
        assert not out.exists()
    captured = capsys.readouterr()
    assert captured.err.count("Filen er ikke åpnet") >= 2 * len(cases)
    assert "Traceback" not in captured.err and not any(s in captured.out + captured.err for s in secret[1])


def test_macros_are_kept_byte_identical_and_never_run(tmp_path: Path) -> None:
    """``kostra beregn`` on an .xlsm: the VBA part comes out with the very same bytes, and no process
    is started and no library loaded while it runs (an audit hook in a child process watches)."""
    source = _calc_workbook(tmp_path / "makro.xlsm")
    vba = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b'Sub Auto_Open()\r\n Shell "calc.exe"\r\nEnd Sub\r\n' * 20
        + b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    )
    with zipfile.ZipFile(source, "a") as zf:
        zf.writestr("xl/vbaProject.bin", vba)
    script = textwrap.dedent(
        """
        import sys
        events = []
        SPAWN = ("subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
                 "os.forkpty", "os.startfile", "ctypes.dlopen", "pty.spawn")
        def hook(event, args):
            if event in SPAWN:
                events.append(event)
            if event in ("compile", "exec") and 'Shell "calc.exe"' in repr(args):
                events.append(event + " of the macro")
        from kostra_functions.engine.recalc import recalculate
        sys.addaudithook(hook)
        recalculate(sys.argv[1], sys.argv[2])
        print("EVENTS", sorted(set(events)))
        """
    )
    out = tmp_path / "beregnet.xlsm"
    done = subprocess.run(
        [sys.executable, "-c", script, str(source), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "EVENTS []" in done.stdout, done.stdout  # no exec, spawn, system or subprocess
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(out) as b:
        assert b.read("xl/vbaProject.bin") == a.read("xl/vbaProject.bin") == vba
        assert b.getinfo("xl/vbaProject.bin").CRC == a.getinfo("xl/vbaProject.bin").CRC
    from openpyxl import load_workbook

    assert load_workbook(out, data_only=True, read_only=True)["Ark"]["A2"].value == 42


def _evil_district(folder: Path) -> Path:
    """«Bydel Test» (tests/engine/test_templates.py) with result units and vouchers named like formulas."""
    from tests.engine.test_templates import _district

    _district(folder)
    (folder / "resultatenheter.csv").write_text(
        "Ansvar;Ansvarsnavn;Resultatenhet;Resultatenhet navn\n"
        f'110;Stab;10;"{EVIL[0].replace(chr(34), chr(34) * 2)}"\n210;Barnehage A;20;{EVIL[1]}\n',
        encoding="utf-8",
    )
    bilag = folder / "bilag"
    bilag.mkdir()
    (bilag / "fullmaktsregister.csv").write_text(
        "person;navn;stilling;roller;ansvar;beløpsgrense;leder;nærstående\n"
        "AB;=1+2;Enhetsleder;attestasjon;*;;;\nCD;@SUM(1);Bydelsdirektør;anvisning;*;;;\n",
        encoding="utf-8",
    )
    (bilag / "bilagsliste.csv").write_text(
        "bilag;dato;tekst;beløp;ansvar;mottaker;attestert_av;anvist_av\n"
        f"1001;06.03.2023;{EVIL[2]};12 500,00;110;{EVIL[3]};AB;CD\n",
        encoding="utf-8",
    )
    return folder


def test_regenerated_workbooks_keep_export_text_as_text(tmp_path: Path) -> None:
    from kostra_functions.engine import regenerate as rg

    data = _evil_district(tmp_path / "data" / "test").parent
    out = tmp_path / "ut"
    for _ in range(2):  # the second run reads the first one's workbooks (carry-over) and must not
        results = rg.regenerate(data, out, period=13, templates=["aarsavslutning", "bilagskontroll"], jobs=1)
        for r in results:  # turn their text into formulas either
            assert not r.error and not r.skipped and r.output is not None, (r.error, r.skipped)
    outputs = {r.template: r.output for r in results}
    _assert_no_formula_with(outputs["aarsavslutning"], EVIL[:2])
    _assert_no_formula_with(outputs["bilagskontroll"], [EVIL[2], EVIL[3], "=1+2", "@SUM(1)"])


def _assert_no_formula_with(path: Path | None, texts: list[str]) -> None:
    from xml.sax.saxutils import escape

    from openpyxl import load_workbook

    assert path is not None
    parts = _sheet_xml(path)
    formulas = [f for xml in parts.values() for f in re.findall(r"<f[^>]*>([^<]*)</f>", xml)]
    everything = "".join(parts.values())
    wb = load_workbook(path)
    cells = {
        c.value: c.data_type
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }
    for text in texts:
        body = text.lstrip("=")
        assert not any(escape(body) == f or body == f for f in formulas), f"{text!r} became a formula"
        assert escape(text) in everything or escape(text, {'"': "&quot;"}) in everything, f"{text!r} lost"
        assert cells.get(text) == "s", (text, cells.get(text))


def test_carry_over_reads_text_as_text_and_formulas_as_formulas() -> None:
    from openpyxl import Workbook

    from kostra_functions.engine.carryover import TypedFormula, _read_value

    ws = Workbook().active
    ws["A1"] = "=50*2"  # the controller typed a formula
    ws["A2"] = '=HYPERLINK("http://evil.example")'
    ws["A2"].data_type = "s"  # an export's text that starts with "=", written as text
    assert isinstance(_read_value(ws["A1"]), TypedFormula)
    assert not isinstance(_read_value(ws["A2"]), TypedFormula) and _read_value(ws["A2"]) == ws["A2"].value


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("../../etc", "etc"),
        ("..\\..\\Windows", "windows"),
        ("/etc/passwd", "etc_passwd"),
        ("CON", "_con"),
        ("nul", "_nul"),
        ("Com1", "_com1"),
        ("Bydel Frogner.", "bydel_frogner"),
        ("Bydel Østensjø  ", "bydel_ostensjo"),
        ("C:\\Users", "c_users"),
    ],
)
def test_district_names_cannot_leave_the_output_folder(name: str, folder: str, tmp_path: Path) -> None:
    from kostra_functions.engine import regenerate as rg

    assert rg.safe_name(name) == folder
    district = rg.DistrictFiles(name, tmp_path, 2023, tmp_path / "r.csv", tmp_path / "b.csv")
    target = rg.output_path(tmp_path / "ut", district, "../../mal", 2)
    assert target.is_relative_to((tmp_path / "ut").resolve())
    assert target.name == "mal_2023-02.xlsx" and target.parent.name == folder
