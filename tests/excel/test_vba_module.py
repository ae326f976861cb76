"""The VBA module of KOSTRA.xlam (``kostra addin vba``) against xlwings' own VBA generator.

xlwings' ``generate_vba_wrapper`` (run with stub pywin32 modules, as in ``test_xlwings_face``) is
what «Import Functions» writes into an add-in. Our module must be exactly that for every row of the
table, except the two documented changes: the result passes through ``KostraFeilverdier`` (error
cells of a table become error values) and a failed call through ``KostraFeilverdi`` (our
``"#I/T: <reason>"`` becomes ``CVErr(2042)`` …). The error mapping must cover the very texts
:class:`KostraUdfError` produces. (Excel itself is not available here: the module is compared
with xlwings' generator and checked for what the VBA editor requires.)
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

from kostra_functions.excel import vba_module, xlwings_udfs
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.xlwings_udfs import KostraUdfError, make_udf
from tests.excel.test_xlwings_face import _VbaSink, windows_udfs  # noqa: F401  (fixture)

VBA = vba_module.vba_module()


def _blocks(text: str) -> dict[str, list[str]]:
    """Function name → its lines (stripped, blank lines dropped), for every ``Function … End Function``."""
    out: dict[str, list[str]] = {}
    for m in re.finditer(r"^\s*(?:Private |Public )?Function (\w+)\(.*?^\s*End Function", text, re.M | re.S):
        out[m.group(1)] = [line.strip() for line in m.group(0).splitlines() if line.strip()]
    return out


def _expected_from_xlwings(lines: list[str], name: str) -> list[str]:
    """xlwings' wrapper with our two documented changes applied."""
    out = []
    for line in lines:
        if line.startswith('#If App = "Microsoft Excel"'):
            out.append("Dim kostraSvar As Variant")
        if line.startswith(f"{name} = XLPy.CallUDF(") and "Application.Caller" in line:
            out.append(line.replace(f"{name} = ", "kostraSvar = ", 1))
            out.append(f"{name} = KostraFeilverdier(kostraSvar)")
            continue
        if line == f"{name} = Err.Description":
            out.append(f"{name} = KostraFeilverdi(Err.Description)")
            continue
        out.append(line)
    return out


def test_every_wrapper_is_xlwings_own_for_an_add_in_with_error_values(windows_udfs) -> None:  # noqa: F811
    decorators = xlwings_udfs.windows_decorators(windows_udfs)
    module = types.ModuleType("kostra_udfs_windows")
    for fn in FUNCTIONS.values():
        setattr(module, fn.name, make_udf(fn, decorators=decorators))

    class _AddIn:
        Name = "KOSTRA.xlam"  # xlwings uses ActiveWorkbook (not ThisWorkbook) in an add-in

    sink = _VbaSink()
    windows_udfs.generate_vba_wrapper(vba_module.UDF_MODULE, module, sink, _AddIn())
    theirs = _blocks(sink.text)
    ours = _blocks(VBA)
    assert set(theirs) == set(FUNCTIONS)
    for name in FUNCTIONS:
        assert ours[name] == _expected_from_xlwings(theirs[name], name), name
        assert "ActiveWorkbook, Application.Caller)" in " ".join(ours[name])


def test_our_error_texts_become_error_values() -> None:
    """Every error a UDF raises maps to its CVErr number, in the Norwegian text the cell would show."""
    cases = dict(re.findall(r"Case (.+): KostraKode = CVErr\((\d+)\)", VBA))
    by_number = {int(n): spellings for spellings, n in cases.items()}
    assert by_number.keys() == set(vba_module.CVERR.values())
    for code, number in vba_module.CVERR.items():
        prefix = KostraUdfError("En forklaring.", code).cell_text.split(":")[0]
        assert f'"{prefix}"' in by_number[number], (code, prefix)
        assert f'"{code}"' in by_number[number]  # table cells carry the English code
    assert vba_module.CVERR == {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023,
                                "#NAME?": 2029, "#NUM!": 2036, "#N/A": 2042}  # Excel's xlErr… values


def test_help_is_registered_for_every_function_and_argument() -> None:
    sub = VBA[VBA.index("Public Sub KostraRegistrerHjelp()"):]
    for fn in FUNCTIONS.values():
        help_text = fn.help.translate(vba_module._CP1252_FALLBACK).replace('"', '""')
        assert f'Application.MacroOptions Macro:="{fn.name}", Description:="{help_text}", ' \
               f'Category:="KOSTRA"' in sub
        for a in fn.args:
            assert '"' + a.help.translate(vba_module._CP1252_FALLBACK).replace('"', '""') + '"' in sub


def test_the_file_is_what_the_vba_editor_imports() -> None:
    data = vba_module.vba_module_bytes()
    text = data.decode("cp1252")
    assert text.startswith('Attribute VB_Name = "kostra_udfs"\r\n')
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    assert max(len(line) for line in text.split("\r\n")) < 1023  # VBA's longest line
    assert text.count("\r\nEnd Function") == len(re.findall(r"^(?:Private )?Function ", text, re.M))
    assert "seed" not in text.lower() and "TODO" not in text


def test_command_writes_the_module(tmp_path: Path) -> None:
    target = tmp_path / "KOSTRA.bas"
    command = [sys.executable, "-m", "kostra_functions.cli", "addin", "vba", "--til", str(target)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == vba_module.vba_module_bytes()
    assert "KostraRegistrerHjelp" in done.stdout
