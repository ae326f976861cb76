"""The classic xlwings face (``excel/xlwings_udfs.py``) against the table, and against xlwings itself.

Walks :data:`FUNCTIONS`, so a row added by anyone is checked here without editing this file:

* every row has a UDF with ASCII, VBA-safe parameter names in argument order, optional ones
  defaulting to ``None``, the row's help as docstring and each argument's help as ``doc=``,
  ``expand="table"`` for array rows;
* calling the UDF gives what ``FUNCTIONS[name].call`` gives, and what the row's own ``example``
  says (a hand-worked value written for controllers); bad input raises :class:`KostraUdfError`
  carrying the same Norwegian message;
* Windows: xlwings' ``udfs.py`` imports ``pythoncom``, so it cannot be imported on Linux. The test
  loads that very file with stub pywin32 modules and runs xlwings' own ``xlfunc``/``xlarg``/``xlret``
  and its VBA generator on our rows: that is what Windows records (``__xlfunc__``) and the VBA module
  Excel compiles. Option names are checked against the ones xlwings' converters read (its source).
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlwings

from kostra_functions.excel import xlwings_udfs
from kostra_functions.excel.convert import ERROR_CODES, ExcelError, parse_amount_text
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import ExcelFunction
from kostra_functions.excel.xlwings_udfs import UDFS, KostraUdfError, make_udf, python_name

XLWINGS_DIR = Path(xlwings.__file__).parent
ROWS = list(FUNCTIONS.values())
IDS = [fn.name for fn in ROWS]

# ---------------------------------------------------------------------------------------------
# The row's example ("=KOSTRA_NAVN(202; 2023) → "Grunnskole"") as cell values and expected value

_EXAMPLE = re.compile(r"^=(?P<name>\w+)\((?P<args>.*)\)\s*→\s*(?P<result>.+?)\s*$")
_UNPARSED = object()


def _split_args(text: str) -> list[str]:
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts] if text.strip() else []


def _cell(token: str) -> Any:
    """A literal as Excel hands it to a UDF (numbers are floats), or ``_UNPARSED``."""
    if token == "":
        return None
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1]
    if token.upper() in ("SANN", "USANN"):
        return token.upper() == "SANN"
    if re.fullmatch(r"-?\d+(,\d+)?", token):
        return float(token.replace(",", "."))
    return _UNPARSED  # a cell reference or nested formula: not a literal


def parse_example(fn: ExcelFunction) -> tuple[tuple[Any, ...], Any] | None:
    """``(args, expected)`` from the row's example; ``expected`` is ``_UNPARSED`` if not literal."""
    m = _EXAMPLE.match(fn.example)
    if not m or m["name"] != fn.name:
        return None
    args = tuple(_cell(t) for t in _split_args(m["args"]))
    if any(a is _UNPARSED for a in args):
        return None
    result = m["result"]
    if len(result) >= 2 and result[0] == '"' and result[-1] == '"':
        expected: Any = result[1:-1]
    elif result in ("SANN", "USANN"):
        expected = result == "SANN"
    elif result.startswith("#"):
        code = result.split()[0]
        expected = ExcelError(next((k for k, v in ERROR_CODES.items() if code in (k, v)), code))
    else:
        try:
            expected = parse_amount_text(result)
        except Exception:
            expected = _UNPARSED
    return args, expected


def assert_matches_example(value: Any, expected: Any) -> None:
    """Compare with the example; a text ending in "…" is a prefix."""
    if expected is _UNPARSED:
        return
    if isinstance(expected, ExcelError):
        assert isinstance(value, ExcelError) and value.code == expected.code, (value, expected)
    elif isinstance(value, ExcelError):
        raise AssertionError(f"{value.code}: {value.message} (expected {expected!r})")
    elif isinstance(expected, str) and expected.endswith("…"):
        assert isinstance(value, str) and value.startswith(expected[:-1].rstrip()), (value, expected)
    elif isinstance(expected, float):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), value
        assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=0.005), (value, expected)
    else:
        assert value == expected, (value, expected)


# ---------------------------------------------------------------------------------------------
# The face as a Python module


def test_every_row_has_a_udf_and_nothing_else() -> None:
    assert set(UDFS) == set(FUNCTIONS)
    assert sorted(xlwings_udfs.__all__) == sorted(FUNCTIONS)
    for name in FUNCTIONS:
        assert getattr(xlwings_udfs, name) is UDFS[name]


@pytest.mark.parametrize("fn", ROWS, ids=IDS)
def test_signature_docs_and_options_come_from_the_row(fn: ExcelFunction) -> None:
    udf = UDFS[fn.name]
    assert udf.__name__ == fn.name
    assert udf.__doc__ == fn.help
    params = list(inspect.signature(udf).parameters.values())
    assert [p.name for p in params] == [python_name(a.name) for a in fn.args]
    assert len({p.name.lower() for p in params}) == len(params), "VBA names are case-insensitive"
    for p, arg in zip(params, fn.args, strict=True):
        assert p.name.isascii() and p.name.isidentifier() and p.name[0].isalpha()
        assert p.name.lower() not in xlwings_udfs.VBA_RESERVED
        if arg.repeating:
            assert p.kind is inspect.Parameter.VAR_POSITIONAL
        elif arg.optional:
            assert p.default is None
        else:
            assert p.default is inspect.Parameter.empty
    meta = udf.__kostra_meta__
    assert meta["doc"] == fn.help and meta["category"] == "KOSTRA"
    assert list(meta["args"]) == [p.name for p in params]
    for arg, opts in zip(fn.args, meta["args"].values(), strict=True):
        assert opts["doc"] == arg.help
        assert opts["err_to_str"] is True, "error cells must not arrive as blanks"
        assert (opts.get("ndim") == 2) == (arg.type in ("table", "numbers"))
    assert meta["ret"] == ({"expand": "table"} if fn.returns == "array" else {})


def test_vba_keyword_argument_names_are_renamed() -> None:
    assert python_name("år") == "aar"
    assert python_name("fremført") == "fremfort"
    assert python_name("type") == "type_"  # `Optional type` does not compile in VBA
    assert python_name("Date") == "Date_"
    with pytest.raises(ValueError):
        python_name("1. kvartal")


#: Hand-made ranges for rows whose example refers to cells ("A1:D200") instead of literals.
TABLE_SAMPLES: dict[str, tuple[Any, ...]] = {
    "KOSTRA_KONTROLL_TABELL": (
        [["kontoklasse", "funksjon", "art", "beløp"],
         ["drift", 841.0, 10.0, 1000.0],
         ["drift", 202.0, 10.0, 5000.0]],
        2023.0, None, "030105",
    ),
}


def sample_calls(fn: ExcelFunction) -> list[tuple[tuple[Any, ...], Any]]:
    """The row's literal example (with its stated result), a hand-made range sample, and all-blank
    arguments (an error for every row with a required argument)."""
    calls: list[tuple[tuple[Any, ...], Any]] = []
    parsed = parse_example(fn)
    if parsed is not None:
        calls.append(parsed)
    if fn.name in TABLE_SAMPLES:
        calls.append((TABLE_SAMPLES[fn.name], _UNPARSED))
    calls.append(((None,) * len([a for a in fn.args if not a.repeating]), _UNPARSED))
    return calls


def udf_value(udf: Any, *args: Any) -> Any:
    """A UDF's result, with a raised KostraUdfError as the ExcelError the other faces return."""
    try:
        return udf(*args)
    except KostraUdfError as exc:
        return ExcelError(exc.excel_error, exc.message)


def as_udf_result(api: Any) -> Any:
    """What the classic face returns for a Python API result (error cells of a table as codes)."""
    if isinstance(api, list):
        return [[c.code if isinstance(c, ExcelError) else c for c in row] for row in api]
    return api


@pytest.mark.parametrize("fn", ROWS, ids=IDS)
def test_udf_equals_python_api_and_the_example(fn: ExcelFunction) -> None:
    for args, expected in sample_calls(fn):
        api = fn.call(*args)
        assert udf_value(UDFS[fn.name], *args) == as_udf_result(api), args
        assert_matches_example(api, expected)


def test_a_table_row_returns_the_whole_table_from_one_call() -> None:
    api = FUNCTIONS["KOSTRA_KONTROLL_TABELL"].call(*TABLE_SAMPLES["KOSTRA_KONTROLL_TABELL"])
    assert isinstance(api, list) and len(api) >= 2 and api[0][0] == "Kontroll"
    assert api[1][:2] == ["020", "FEIL"]  # hand-checked: 841 is an investment-only function (SSB 020)
    assert UDFS["KOSTRA_KONTROLL_TABELL"](*TABLE_SAMPLES["KOSTRA_KONTROLL_TABELL"]) == as_udf_result(api)


REQUIRED_FIRST = [f for f in ROWS if f.args and not f.args[0].optional and f.args[0].type != "any"]


@pytest.mark.parametrize("fn", REQUIRED_FIRST, ids=lambda f: f.name)
def test_bad_input_raises_with_the_norwegian_message(fn: ExcelFunction) -> None:
    api = fn.call(*([None] * len([a for a in fn.args if not a.repeating])))
    assert isinstance(api, ExcelError)
    with pytest.raises(KostraUdfError) as info:
        UDFS[fn.name]()
    assert str(info.value) == api.message
    assert info.value.excel_error == api.code
    assert "mangler" in str(info.value)  # «Argumentet «…» mangler»: Norwegian, names the argument


def test_hand_worked_errors() -> None:
    with pytest.raises(KostraUdfError) as info:
        UDFS["KOSTRA_NAVN"](254.0, 2024.0)
    assert info.value.excel_error == "#N/A"
    assert str(info.value) == FUNCTIONS["KOSTRA_NAVN"].call(254.0, 2024.0).message
    assert "254" in str(info.value) and "2024" in str(info.value)
    assert info.value.cell_text.startswith("#I/T: ")
    with pytest.raises(KostraUdfError) as info:
        UDFS["KOSTRA_FUNKSJON"]("#N/A")  # an error cell read with err_to_str
    assert "#I/T" in str(info.value)
    assert UDFS["KOSTRA_FEIL"]("KOSTRA_NAVN", 202.0, 2023.0) == "OK"


# ---------------------------------------------------------------------------------------------
# What xlwings records on Windows, with xlwings' own Windows code


@pytest.fixture(scope="module")
def windows_udfs() -> Iterator[types.ModuleType]:
    """xlwings/udfs.py (the Windows UDF machinery) loaded with stub pywin32 modules."""
    names = ("pythoncom", "pywintypes", "win32com", "win32com.client")
    stubs = {name: types.ModuleType(name) for name in names}
    stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    stubs["pywintypes"].com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    stubs["win32com.client"].Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    stubs["win32com"].client = stubs["win32com.client"]  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in stubs}
    sys.modules.update(stubs)
    try:
        spec = importlib.util.spec_from_file_location("xlwings._udfs_windows", XLWINGS_DIR / "udfs.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
    yield module
    module.com_executor.shutdown(wait=False)


def _converter_option_names() -> set[str]:
    """Option names xlwings' conversion code reads (``options.get("…")``/``options["…"]``)."""
    names: set[str] = set()
    for path in (XLWINGS_DIR / "conversion").glob("*.py"):
        names |= set(re.findall(r"options(?:\.get\(|\[)\s*\"(\w+)\"", path.read_text()))
    return names


def test_option_names_are_ones_xlwings_reads() -> None:
    accepted = _converter_option_names()
    assert {"ndim", "err_to_str", "expand", "empty"} <= accepted  # the scan itself works
    for udf in UDFS.values():
        meta = udf.__kostra_meta__
        for opts in meta["args"].values():
            assert set(opts) - {"doc"} <= accepted, opts
        assert set(meta["ret"]) <= accepted
    assert all(o.get("expand") in (None, "table") for o in (u.__kostra_meta__["ret"] for u in UDFS.values()))


@pytest.mark.parametrize("fn", ROWS, ids=IDS)
def test_windows_records_the_row(fn: ExcelFunction, windows_udfs: types.ModuleType) -> None:
    udf = make_udf(fn, decorators=xlwings_udfs.windows_decorators(windows_udfs))
    xlf = udf.__xlfunc__
    assert xlf["name"] == fn.name
    assert xlf["category"] == "KOSTRA"  # order of decorators matters on Windows
    assert xlf["ret"]["doc"] == fn.help
    assert xlf["volatile"] is False and xlf["async_mode"] is None and xlf["sub"] is False
    names = [python_name(a.name) for a in fn.args]
    assert [a["name"] for a in xlf["args"]] == names
    for info, arg in zip(xlf["args"], fn.args, strict=True):
        assert info["doc"] == arg.help
        assert info["vararg"] is arg.repeating
        assert ("optional" in info) == (arg.optional and not arg.repeating)
        if "optional" in info:
            assert info["optional"] is None  # a missing optional argument arrives as None
        assert info["options"]["err_to_str"] is True
        assert "convert" not in info["options"], "no converter: plain values and 2-D lists"
        assert info["vba"] is None
    assert xlf["ret"]["options"] == ({"expand": "table"} if fn.returns == "array" else {})
    # Windows passes a missing optional argument as its recorded default: the UDF must accept it.
    assert inspect.signature(udf).bind(*[None] * len([a for a in fn.args if not a.repeating]))


def test_windows_vba_module_compiles_in_principle(windows_udfs: types.ModuleType) -> None:
    """xlwings' VBA generator on all rows: every signature uses VBA-legal, non-keyword names."""
    decorators = xlwings_udfs.windows_decorators(windows_udfs)
    module = types.ModuleType("kostra_udfs_windows")
    for fn in ROWS:
        setattr(module, fn.name, make_udf(fn, decorators=decorators))

    class _Book:
        Name = "Budsjettoppfølging.xlsm"

    out = _VbaSink()
    windows_udfs.generate_vba_wrapper("kostra_functions.excel.xlwings_udfs", module, out, _Book())
    vba = out.text
    signatures = re.findall(r"^Function (\w+)\((.*)\)$", vba, flags=re.M)
    assert sorted(name for name, _ in signatures) == sorted(FUNCTIONS)
    for name, params in signatures:
        for param in filter(None, (p.strip() for p in params.split(","))):
            words = param.split()
            ident = words[-1].removesuffix("()")
            assert words[:-1] in ([], ["Optional"], ["ParamArray"]), param
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", ident), (name, param)
            assert ident.lower() not in xlwings_udfs.VBA_RESERVED, (name, param)
        assert f'XLPy.CallUDF("kostra_functions.excel.xlwings_udfs", "{name}"' in vba


class _VbaSink:
    """The file-like object xlwings' VBAWriter writes to."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def test_windows_udf_error_is_a_com_exception_with_a_short_description() -> None:
    """On Windows the VBA wrapper shows Err.Description: it must be the reason, not a traceback."""
    err = KostraUdfError("Funksjon 254 er ikke gyldig i 2024.", "#N/A")
    assert err.cell_text == "#I/T: Funksjon 254 er ikke gyldig i 2024."
    base = xlwings_udfs._com_exception_base()
    assert base is Exception or base.__name__ == "COMException"


# ---------------------------------------------------------------------------------------------
# `kostra addin`: the configuration Excel reads, and the checks for the known failure modes


def test_konfig_writes_the_conf_excel_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import main
    from kostra_functions.commands import addin

    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_bytes(b'"LICENSE_KEY","noncommercial"\r\n"INTERPRETER_WIN","C:\\old\\python.exe"\r\n')
    tolk = r"C:\Users\Bjørn\AppData\Local\Programs\Python\Python311\python.exe"
    assert main(["addin", "konfig", "--til", str(conf), "--tolk", tolk]) == 0
    raw = conf.read_bytes()
    assert raw == (b'"LICENSE_KEY","noncommercial"\r\n'  # other keys kept byte for byte
                   + f'"INTERPRETER_WIN","{tolk}"\r\n'.encode("cp1252")  # VBA reads ANSI, not UTF-8
                   + b'"UDF MODULES","kostra_functions.excel.xlwings_udfs"\r\n')
    assert addin.read_conf(conf) == {"LICENSE_KEY": "noncommercial", "INTERPRETER_WIN": tolk,
                                     "UDF MODULES": addin.UDF_MODULE}
    assert "Skrev innstillingene" in capsys.readouterr().out
    assert main(["addin", "konfig", "--til", str(conf), "--tolk", 'C:\\"rar"\\python.exe']) == 2
    assert "anførselstegn" in capsys.readouterr().err
    assert main(["addin", "konfig", "--til", str(conf), "--tolk", "C:\\Użytkownik\\python.exe"]) == 2
    assert "tegn Excel ikke kan lese" in capsys.readouterr().err
    assert addin.read_conf(conf)["INTERPRETER_WIN"] == tolk  # a refused value changes nothing
    assert main(["addin", "konfig", "--ark", "--tolk", tolk]) == 0
    assert "UDF MODULES\tkostra_functions.excel.xlwings_udfs" in capsys.readouterr().out


@pytest.mark.skipif(sys.platform.startswith("win"), reason="the off-Windows dry run")
def test_installer_off_windows_prints_what_it_would_do(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import main

    assert main(["addin", "installer"]) == 1  # nothing installed, nothing written
    out = capsys.readouterr().out
    assert "ikke Windows" in out and "xlwings.cli addin install" in out and "UDF MODULES" in out
    conf = tmp_path / "xlwings.conf"
    assert main(["addin", "oppdater", "--til", str(conf)]) == 0
    assert '"UDF MODULES","kostra_functions.excel.xlwings_udfs"' in conf.read_text("cp1252")
    assert f'"INTERPRETER_WIN","{sys.executable}"' in conf.read_text("cp1252")


def test_sjekk_finds_the_known_failure_modes(tmp_path: Path) -> None:
    from kostra_functions.commands import addin

    conf = tmp_path / "xlwings.conf"
    addin.write_conf(conf, addin.conf_settings(sys.executable))
    findings = addin.check(conf, platform="linux")
    assert not findings[0].ok and "bare i Excel for Windows" in findings[0].text
    assert all(f.ok for f in findings[1:]), [str(f) for f in findings]
    assert any(f"{len(FUNCTIONS)} KOSTRA-funksjoner" in f.text for f in findings)

    # Windows with Office from the Microsoft Store, an interpreter without pywin32 and the DLL
    store = tmp_path / "LocalAppData"
    (store / "Packages" / addin.STORE_OFFICE_PACKAGE).mkdir(parents=True)
    text = " ".join(f.text for f in addin.check(conf, platform="win32", localappdata=str(store)) if not f.ok)
    assert "Microsoft Store" in text and "pywin32 mangler" in text and "xlwings64-" in text

    addin.write_conf(conf, addin.conf_settings(str(tmp_path / "finnes_ikke" / "python.exe")))
    text = " ".join(f.text for f in addin.check(conf, platform="linux") if not f.ok)
    assert "Fant ikke Python-tolken" in text

    bare = tmp_path / "python-uten-pakker"  # a Python that cannot see site-packages
    bare.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I -S "$@"\n')
    bare.chmod(0o755)
    addin.write_conf(conf, addin.conf_settings(str(bare)))
    text = " ".join(f.text for f in addin.check(conf, platform="linux") if not f.ok)
    assert "kostra-functions mangler" in text
    assert "pip install kostra_functions-<versjon>-py3-none-any.whl" in text

    other = tmp_path / "annen.conf"
    addin.write_conf(other, {"UDF MODULES": "min_modul"})
    text = " ".join(f.text for f in addin.check(other, platform="linux") if not f.ok)
    assert "UDF MODULES inneholder ikke" in text and "INTERPRETER_WIN mangler" in text


def test_known_excel_error_messages_are_explained() -> None:
    from kostra_functions.commands.addin import explain_error

    text = explain_error("Could not activate Python COM server, hr = -2147023541")
    assert text and "Microsoft Store" in text and "pywin32" in text and "kostra addin sjekk" in text
    assert "oppdater" in (explain_error("Could not load xlwings64-0.37.8.dll from either") or "")
    assert "pip install <hjulfila kostra_functions" in (explain_error("ModuleNotFoundError: No module named "
                                                            "'kostra_functions'") or "")
    assert explain_error("noe helt annet") is None
