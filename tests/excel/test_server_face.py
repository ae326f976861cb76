"""The xlwings Server face, over HTTP against the real server process (no mocks).

A module fixture starts ``kostra server`` (uvicorn on 127.0.0.1, a free port) as a child process and
the tests call it exactly as the Office.js runtime does (request bodies as built by xlwings-server's
``static/js/custom-functions/custom-functions-code.js``: every argument a 2-D list, an omitted
optional argument ``null``, repeating arguments a list of 2-D lists). Results are compared with the
Python API (``FUNCTIONS[name].call``) and with each row's hand-worked example.

Needs the ``server`` extra. Without it the tests fail when ``CI`` is set and skip otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest

from kostra_functions.excel.convert import ExcelError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.server_face import MANIFEST_IDS
from kostra_functions.excel.server_guard import CALL_PATH
from kostra_functions.excel.spec import ExcelFunction
from kostra_functions.excel.xlwings_udfs import python_name
from tests.excel.test_xlwings_face import TABLE_SAMPLES, assert_matches_example, sample_calls

_MISSING = [m for m in ("xlwings_server", "uvicorn", "fastapi", "httpx")
            if importlib.util.find_spec(m) is None]
if _MISSING:
    message = f'the server extra is missing ({", ".join(_MISSING)}): pip install -e ".[test,server]"'
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message, allow_module_level=True)

import httpx  # noqa: E402
import xlwings  # noqa: E402

ROWS = list(FUNCTIONS.values())
IDS = [fn.name for fn in ROWS]
MAX_BODY = 2 * 1024 * 1024  # the fixture's --maks-storrelse: a 10 000 × 10 range fits, 2 MB does not
BODY_TIMEOUT = 2.0  # the fixture's --lesetid: a client trickling its body is cut off after 2 s
ERROR_TYPES = {"#DIV/0!": "Div0", "#N/A": "NotAvailable", "#NAME?": "Name", "#NULL!": "Null",
               "#NUM!": "Num", "#REF!": "Ref", "#VALUE!": "Value"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[httpx.Client]:
    port = _free_port()
    # A clean xlwings Server configuration: no XLWINGS_*/KOSTRA_SERVER_* settings from the caller.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLWINGS_", "KOSTRA_SERVER_"))}
    # Licence: the documented key for PolyForm Noncommercial use; this project serves a
    # municipality (a government institution), which that licence covers.
    env["XLWINGS_LICENSE_KEY"] = "noncommercial"
    cmd = [sys.executable, "-m", "kostra_functions.cli", "server", "--host", "127.0.0.1", "--port", str(port),
           "--maks-storrelse", str(MAX_BODY), "--lesetid", str(BODY_TIMEOUT), "--logg-niva", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"kostra server stopped at start (exit {proc.returncode}):\n{out}")
            try:
                if httpx.get(base + "/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("kostra server did not answer within 60 s")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _pack(value: Any) -> Any:
    """One argument as Office.js sends it: a range stays 2-D, a single value is a 1×1 matrix."""
    if value is None or isinstance(value, list):
        return value
    return [[value]]


def office_body(name: str, *args: Any, runtime: str = "1.4") -> dict[str, Any]:
    """The body custom-functions-code.js posts: each argument as a 2-D list, omitted ones null."""
    fn = FUNCTIONS[name]
    fixed = [a for a in fn.args if not a.repeating]
    packed: list[Any] = [_pack(v) for v in args[: len(fixed)]]
    packed += [None] * (len(fixed) - len(packed))  # Office.js sends every declared parameter
    if fn.args and fn.args[-1].repeating:
        packed.append([_pack(v) for v in args[len(fixed):]])
    return {
        "client": "Office.js",
        "func_name": name,
        "args": packed,
        "caller_address": "[Budsjett.xlsx]Bydel!C7",
        "session_id": "test-session",
        "culture_info_name": "nb-NO",
        "date_format": "dd.mm.yyyy",
        "version": xlwings.__version__,
        "runtime": runtime,
    }


def as_officejs(value: Any, runtime: str = "1.4") -> Any:
    """What xlwings Server must answer for a Python API result (always a 2-D matrix)."""

    def cell(v: Any) -> Any:
        if isinstance(v, ExcelError):
            return {"type": "Error", "errorType": ERROR_TYPES[v.code]} if float(runtime) >= 1.4 else v.code
        return "" if v is None else v

    rows = value if isinstance(value, list) else [[value]]
    return [[cell(v) for v in row] for row in rows]


def assert_same(actual: Any, expected: Any) -> None:
    assert len(actual) == len(expected)
    for row_a, row_e in zip(actual, expected, strict=True):
        for a, e in zip(row_a, row_e, strict=True):
            if isinstance(e, float) and not isinstance(e, bool):
                assert math.isclose(a, e, rel_tol=1e-12, abs_tol=1e-9), (a, e)
            else:
                assert a == e, (a, e)


def call(server: httpx.Client, body: Any) -> httpx.Response:
    return server.post("/xlwings/custom-functions-call", json=body)


# ---------------------------------------------------------------------------------------------
# What Office.js loads


def test_metadata_lists_every_row_of_the_table(server: httpx.Client) -> None:
    r = server.get("/xlwings/custom-functions-meta.json")
    assert r.status_code == 200
    meta = r.json()
    listed = {f["id"]: f for f in meta["functions"]}
    assert len(meta["functions"]) >= len(FUNCTIONS), "the server lists fewer functions than the table"
    assert set(listed) == set(FUNCTIONS)
    assert meta["allowErrorForDataTypeAny"] is True
    for fn in ROWS:
        f = listed[fn.name]
        assert f["name"] == fn.name.removeprefix("KOSTRA_")  # shown as KOSTRA.<name> (namespace)
        assert f["description"] == fn.help
        assert [p["name"] for p in f["parameters"]] == [python_name(a.name) for a in fn.args]
        for p, a in zip(f["parameters"], fn.args, strict=True):
            assert p["description"] == a.help
            assert p["dimensionality"] == "matrix" and p["type"] == "any"
            assert p.get("optional", False) == (a.optional and not a.repeating)
            assert p.get("repeating", False) == a.repeating


def test_manifest_and_javascript(server: httpx.Client) -> None:
    r = server.get("/manifest.xml")
    assert r.status_code == 200
    root = ET.fromstring(r.text)
    strings = {e.get("id"): e.get("DefaultValue") for e in root.iter() if e.tag.endswith("String")}
    assert strings["Functions.Namespace"] == "KOSTRA"
    ids = [e.text for e in root.iter() if e.tag.endswith("}Id")]
    assert ids == [MANIFEST_IDS["PROD"]]  # our own add-in ID, not xlwings Server's shared default
    urls = {e.get("id"): e.get("DefaultValue") for e in root.iter() if e.tag.endswith("Url")}
    base = str(server.base_url).rstrip("/")
    assert urls["Functions.Metadata.Url"] == base + "/xlwings/custom-functions-meta.json"
    assert urls["Functions.Script.Url"] == base + "/xlwings/custom-functions-code.js"
    js = server.get("/xlwings/custom-functions-code.js")
    assert js.status_code == 200
    for name in FUNCTIONS:
        assert f'CustomFunctions.associate("{name}", {name});' in js.text


# ---------------------------------------------------------------------------------------------
# Calls, compared with the Python API and the examples


@pytest.mark.parametrize("fn", ROWS, ids=IDS)
def test_every_row_equals_the_python_api_and_its_example(server: httpx.Client, fn: ExcelFunction) -> None:
    for args, expected in sample_calls(fn):
        r = call(server, office_body(fn.name, *args))
        assert r.status_code == 200, r.text
        result = r.json()["result"]
        api = fn.call(*args)
        assert_same(result, as_officejs(api))
        assert_matches_example(api, expected)  # the server gave exactly this


def test_a_table_row_spills_the_whole_table_from_one_call(server: httpx.Client) -> None:
    """A whole-district table is one call (one formula cell spills), not one call per cell."""
    args = TABLE_SAMPLES["KOSTRA_KONTROLL_TABELL"]
    r = call(server, office_body("KOSTRA_KONTROLL_TABELL", *args))
    api = FUNCTIONS["KOSTRA_KONTROLL_TABELL"].call(*args)
    assert isinstance(api, list) and len(api) >= 2
    assert_same(r.json()["result"], as_officejs(api))


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("KOSTRA_NAVN", (202, 2023), "Grunnskole"),
        ("KOSTRA_NAVN", ("202", None), None),  # blank year: newest list
        ("KOSTRA_GYLDIG", (254, 2024), False),
        ("KOSTRA_GYLDIG", (254, 2023), True),
        ("KOSTRA_OMRADE", (253, 2023), "FO3"),
        ("KOSTRA_FUNKSJON", ("10100.330.215.93159",), "215"),
        ("KOSTRA_ART", ("10100.330.215.93159",), "010"),
        ("KOSTRA_KONTOKLASSE", ("02000.911.215.12345",), "investering"),
        ("KOSTRA_OREMERKET", ("10100.330.253.21001",), True),
    ],
)
def test_hand_worked_values(server: httpx.Client, name: str, args: tuple[Any, ...], expected: Any) -> None:
    r = call(server, office_body(name, *args))
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert_same(result, as_officejs(FUNCTIONS[name].call(*args)))
    if expected is not None:
        assert result == [[expected]]


def test_errors_are_excel_error_values_with_reason_from_feil(server: httpx.Client) -> None:
    r = call(server, office_body("KOSTRA_NAVN", 254, 2024))
    assert r.status_code == 200
    assert r.json()["result"] == [[{"type": "Error", "errorType": "NotAvailable"}]]  # #I/T, never text
    reason = FUNCTIONS["KOSTRA_NAVN"].call(254, 2024).message
    r = call(server, office_body("KOSTRA_FEIL", "KOSTRA.NAVN", 254, 2024))  # repeating args, web spelling
    assert r.json()["result"] == [[reason]]
    assert reason.startswith("Funksjon 254 er ikke gyldig i 2024")
    # Older Office (CustomFunctionsRuntime < 1.4) gets the error as text, as xlwings documents.
    r = call(server, office_body("KOSTRA_NAVN", 254, 2024, runtime="1.3"))
    assert r.json()["result"] == [["#N/A"]]


def test_error_cell_and_range_arguments(server: httpx.Client) -> None:
    body = office_body("KOSTRA_FUNKSJON", "x")
    body["args"][0] = [[{"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}]]
    r = call(server, body)
    api = FUNCTIONS["KOSTRA_FUNKSJON"].call("#N/A")
    assert isinstance(api, ExcelError) and "#I/T" in api.message
    assert r.json()["result"] == as_officejs(api)  # an error cell is not read as blank
    body = office_body("KOSTRA_NAVN", 202)
    body["args"][0] = [[202], [203]]  # a 2-cell range where one cell belongs
    r = call(server, body)
    api = FUNCTIONS["KOSTRA_NAVN"].call([[202], [203]])
    assert r.json()["result"] == as_officejs(api) == [[{"type": "Error", "errorType": "Value"}]]
    body = office_body("KOSTRA_NAVN", 202)
    body["args"][0] = [[""]]  # an empty cell
    assert call(server, body).json()["result"] == as_officejs(FUNCTIONS["KOSTRA_NAVN"].call(None))


# ---------------------------------------------------------------------------------------------
# Malformed and oversized requests: JSON errors in Norwegian, never a stack trace


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "invalid_json"),
        (b"[1, 2]", "invalid_body"),
        (b'{"args": []}', "missing_func_name"),
        (b'{"func_name": "KOSTRA_FINNESIKKE", "args": []}', "unknown_function"),
        (b'{"func_name": "__class__", "args": []}', "unknown_function"),
    ],
)
def test_malformed_bodies(server: httpx.Client, body: bytes, code: str) -> None:
    r = server.post("/xlwings/custom-functions-call", content=body,
                    headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == code
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"args": "202"}, "invalid_args"),
        ({"args": [[[202]], [[2023]], None, [[1]]]}, "too_many_args"),
        ({"args": [202]}, "invalid_arg"),
        ({"args": [[202]]}, "invalid_arg"),
        ({"args": [[[1], [2, 3]]]}, "invalid_arg"),
        ({"args": [[[{"type": "Entity"}]]]}, "invalid_arg"),  # a typed value without a basicValue
        ({"args": [[[[202]]]]}, "invalid_arg"),  # a cell that is itself a list
        ({"version": None}, "missing_field"),
        ({"runtime": "ny"}, "invalid_runtime"),
    ],
)
def test_malformed_calls(server: httpx.Client, change: dict[str, Any], code: str) -> None:
    body = office_body("KOSTRA_NAVN", 202, 2023) | change
    r = call(server, body)
    assert r.status_code == 400, r.text
    payload = r.json()
    assert payload["error"] == code
    assert payload["detail"] and "Traceback" not in r.text
    assert any(ch in payload["detail"] for ch in "æøåÆØÅ«") or "KOSTRA" in payload["detail"]


def test_malformed_repeating_argument(server: httpx.Client) -> None:
    body = office_body("KOSTRA_FEIL", "KOSTRA_NAVN", 254)
    body["args"][1] = [254]
    r = call(server, body)
    assert r.status_code == 400 and r.json()["error"] == "invalid_arg"


def test_oversized_request_is_rejected(server: httpx.Client) -> None:
    # A declared Content-Length over the limit is refused from the headers alone (no body is read;
    # a raw socket, so the client does not keep writing megabytes into a closed connection).
    head = (f"POST {CALL_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {MAX_BODY + 1}\r\n\r\n").encode()
    status, payload = _raw_exchange(server, head + b'{"func_name": "KOSTRA_NAVN"')
    assert status == 413
    assert payload["error"] == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit also counts streamed bytes
        for _ in range(MAX_BODY // 4096 + 2):
            yield b" " * 4096

    r = server.post("/xlwings/custom-functions-call", content=chunks(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"] == "body_too_large"


def test_unknown_path_and_method_are_json(server: httpx.Client) -> None:
    r = server.get("/finnes-ikke")
    assert r.status_code == 404 and r.json()["error"] == "http_404"
    r = server.get("/xlwings/custom-functions-call")
    assert r.status_code == 405 and r.headers["content-type"].startswith("application/json")


# ---------------------------------------------------------------------------------------------
# The command's guards (no server needed)


def test_server_command_refuses_network_address_and_missing_licence(capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Any) -> None:
    from kostra_functions.cli import main
    from kostra_functions.commands.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("127.5.0.1") and is_loopback("::1")
    assert is_loopback("localhost") and not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5")
    assert main(["server", "--host", "0.0.0.0"]) == 2
    assert "--tillat-nettverk" in capsys.readouterr().err
    # No key anywhere (environment, ~/.xlwings/xlwings.conf): refused before anything listens.
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"} | {"HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "kostra_functions.cli", "server", "--port", "1"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "XLWINGS_LICENSE_KEY=noncommercial" in done.stderr and "PolyForm Noncommercial" in done.stderr
    assert "Traceback" not in done.stderr


def test_heavy_rows_compute_off_the_event_loop() -> None:
    """xlwings Server awaits coroutine functions; plain ones run on (and block) its event loop."""
    import asyncio
    import inspect

    from kostra_functions.excel.server_face import is_heavy, make_server_function

    def func(**kw: Any) -> Any:
        return lambda f: f

    def arg(name: str, **kw: Any) -> Any:
        return lambda f: f

    for fn in ROWS:
        server_fn = make_server_function(fn, func, arg)
        assert inspect.iscoroutinefunction(server_fn) == is_heavy(fn), fn.name
        assert server_fn.__name__ == fn.name and server_fn.__doc__ == fn.help
    assert is_heavy(FUNCTIONS["KOSTRA_KONTROLL_TABELL"]) and not is_heavy(FUNCTIONS["KOSTRA_NAVN"])
    heavy = make_server_function(FUNCTIONS["KOSTRA_KONTROLL_TABELL"], func, arg)
    args = TABLE_SAMPLES["KOSTRA_KONTROLL_TABELL"]
    api = FUNCTIONS["KOSTRA_KONTROLL_TABELL"].call(*args)
    # before xlwings' own conversion: error cells as their code ("#N/A"), which xlwings turns into errors
    assert asyncio.run(heavy(*args)) == [[c.code if isinstance(c, ExcelError) else c for c in row]
                                         for row in api]


# ---------------------------------------------------------------------------------------------
# Hostile and heavy clients (issue 8): slowloris, deep nesting, non-UTF-8, a 10 000 × 10 range, load


def _address(server: httpx.Client) -> tuple[str, int]:
    url = httpx.URL(str(server.base_url))
    assert url.host == "127.0.0.1"  # every test talks to loopback only
    return url.host, int(url.port or 80)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    """One HTTP response from a socket: (status, JSON body); the body must be JSON."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = sock.recv(65536)
        if not chunk:
            break
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    assert re.search(rb"(?i)content-type: *application/json", head), head
    return int(head.split(b" ", 2)[1]), json.loads(body)


def _raw_exchange(server: httpx.Client, data: bytes, timeout: float = 15) -> tuple[int, dict[str, Any]]:
    """Send raw bytes and read one HTTP response: (status, JSON body)."""
    with socket.create_connection(_address(server), timeout=timeout) as sock:
        sock.sendall(data)
        return _read_response(sock)


def test_a_slow_client_is_cut_off_and_others_are_served_meanwhile(server: httpx.Client) -> None:
    """«Slowloris»: headers, then a body that never completes. The server answers 408 (JSON) after
    --lesetid seconds and closes; 20 such clients at once do not delay anyone else."""
    head = (f"POST {CALL_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n").encode()
    slow = []
    for _ in range(20):
        sock = socket.create_connection(_address(server), timeout=BODY_TIMEOUT + 10)
        sock.sendall(head + b'{"func_name": "KOS')
        slow.append(sock)
    try:
        start = time.monotonic()
        for _ in range(10):  # meanwhile, ordinary cells are answered at once
            r = call(server, office_body("KOSTRA_NAVN", 202, 2023))
            assert r.status_code == 200 and r.json()["result"] == [["Grunnskole"]]
        assert time.monotonic() - start < BODY_TIMEOUT
        for sock in slow:
            status, payload = _read_response(sock)
            assert status == 408 and payload["error"] == "body_timeout", payload
            assert "sekunder" in payload["detail"]
        waited = time.monotonic() - start
        assert BODY_TIMEOUT * 0.9 <= waited < BODY_TIMEOUT + 8, waited
    finally:
        for sock in slow:
            sock.close()
    assert call(server, office_body("KOSTRA_NAVN", 202, 2023)).status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "too_deep"),
        (b'{"func_name": "KOSTRA_NAVN", "args": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "too_deep"),
        (b'{"func_name": "KOSTRA_NAVN", "\xff\xfe\x00": 1}', "invalid_json"),
        ('{"func_name": "KOSTRA_NAVN", "tekst": "blåbær"}'.encode("latin-1"), "invalid_json"),
        (b"\x00\x01\x02\x03" * 100, "invalid_json"),
    ],
    ids=["deep-list", "deep-args", "not-utf8", "latin-1", "binary"],
)
def test_deep_or_non_utf8_bodies_get_json_errors(server: httpx.Client, body: bytes, code: str) -> None:
    r = server.post(CALL_PATH, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text[:200]
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == code and "Traceback" not in r.text
    assert call(server, office_body("KOSTRA_NAVN", 202, 2023)).status_code == 200  # still up


def test_a_typed_cell_cannot_smuggle_a_nested_value(server: httpx.Client) -> None:
    body = office_body("KOSTRA_NAVN", 202, 2023)
    body["args"][0] = [[{"type": "Error", "basicValue": [[[[[[1]]]]]]}]]
    r = call(server, body)
    assert r.status_code == 400 and r.json()["error"] == "invalid_arg"


def test_a_10000_by_10_range_is_one_call(server: httpx.Client) -> None:
    """A whole district's ledger as one 10 000 × 10 range (~1 MB of JSON): the same table as the API."""
    header = ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Tekst", "Beløp", "Bilag", "Dato",
              "Merknad"]
    functions = ("120", "201", "211", "231", "232", "242", "244", "254")
    accounts: list[list[Any]] = [header]
    for i in range(9_999):
        accounts.append(["10100", ("110", "210", "310")[i % 3], functions[i % len(functions)], "",
                         1 + i % 6, f"Postering {i}", float(1000 + i % 997) + 0.25, 100_000 + i, "", ""])
    budget: list[list[Any]] = [header[:7]]
    for f in functions:
        for p in range(1, 13):
            budget.append(["10100", "210", f, "", p, "", 700_000.0])
    args = (accounts, budget, 6, 2023)
    body = office_body("KOSTRA_AVVIK_TABELL", *args)
    size = len(json.dumps(body).encode())
    assert 500_000 < size < MAX_BODY, size
    start = time.monotonic()
    r = call(server, body)
    elapsed = time.monotonic() - start
    assert r.status_code == 200, r.text[:300]
    api = FUNCTIONS["KOSTRA_AVVIK_TABELL"].call(*args)
    assert isinstance(api, list) and len(api) > len(functions)
    assert_same(r.json()["result"], as_officejs(api))
    assert elapsed < 60, elapsed


def test_stays_up_under_a_bounded_concurrent_load(server: httpx.Client) -> None:
    """8 concurrent clients × 50 calls on loopback (mixed rows, some heavy), with 10 slow clients
    holding connections open: every answer is right; prints calls/s and p99."""
    import concurrent.futures
    import statistics

    bodies = [
        (office_body("KOSTRA_NAVN", 202, 2023), [["Grunnskole"]]),
        (office_body("KOSTRA_GYLDIG", 254, 2024), [[False]]),
        (office_body("KOSTRA_FUNKSJON", "10100.330.215.93159"), [["215"]]),
        (office_body("KOSTRA_KONTROLL_TABELL", *TABLE_SAMPLES["KOSTRA_KONTROLL_TABELL"]),
         as_officejs(FUNCTIONS["KOSTRA_KONTROLL_TABELL"].call(*TABLE_SAMPLES["KOSTRA_KONTROLL_TABELL"]))),
    ]
    head = (f"POST {CALL_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{{").encode()
    slow = [socket.create_connection(_address(server), timeout=30) for _ in range(10)]
    for sock in slow:
        sock.sendall(head)

    def worker(n: int) -> list[float]:
        latencies = []
        with httpx.Client(base_url=str(server.base_url), timeout=30) as client:
            for i in range(50):
                body, expected = bodies[(n + i) % len(bodies)]
                t0 = time.perf_counter()
                r = client.post(CALL_PATH, json=body)
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text[:200]
                assert_same(r.json()["result"], expected)
        return latencies

    try:
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            latencies = [x for part in pool.map(worker, range(8)) for x in part]
        elapsed = time.perf_counter() - start
    finally:
        for sock in slow:
            sock.close()
    ordered = sorted(latencies)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    print(f"\nbelastning: {len(latencies)} kall, {len(latencies) / elapsed:.0f} kall/s, "
          f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    assert len(latencies) == 400
    assert p99 < 10, p99
    assert server.get("/").status_code == 200


def test_defaults_bind_loopback_and_bound_the_body_time(capsys: pytest.CaptureFixture[str]) -> None:
    from kostra_functions.cli import build_parser, main
    from kostra_functions.excel.server_guard import DEFAULT_BODY_TIMEOUT

    args = build_parser().parse_args(["server"])
    assert args.host == "127.0.0.1" and args.lesetid == DEFAULT_BODY_TIMEOUT == 30.0
    assert main(["server", "--lesetid", "0"]) == 2
    assert "Lesetiden" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The add-in as a controller sees it (issue 18): manifest, task pane, icon, no demo leftovers

#: Texts of xlwings Server's demo add-in that must never reach a controller.
PLACEHOLDERS = ("MyGroup", "MyTab", "Hello World", "hello", "Show Taskpane", "Click to", "xlwings-16",
                "xlwings-32", "xlwings-64", "xlwings-80", "xlwings.org", "Task pane", "en-US",
                "didn't load", "Reload", "TODO", "seed 0")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_manifest_is_norwegian_and_ours(server: httpx.Client) -> None:
    r = server.get("/manifest.xml")
    text = r.text
    for placeholder in PLACEHOLDERS:
        assert placeholder.lower() not in text.lower(), placeholder
    root = ET.fromstring(text)
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
          "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
          "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides"}
    assert root.findtext("o:DefaultLocale", namespaces=ns) == "nb-NO"
    assert root.find("o:DisplayName", ns).get("DefaultValue") == "KOSTRA-funksjoner"
    assert "KOSTRA" in root.find("o:Description", ns).get("DefaultValue")
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", root.findtext("o:Version", namespaces=ns))
    # every button opens the task pane: none calls a function that does not exist
    xsi_type = "{http://www.w3.org/2001/XMLSchema-instance}type"
    actions = [a.get(xsi_type) for a in root.iter(f"{{{ns['v']}}}Action")]
    assert actions == ["ShowTaskpane"]
    strings = {e.get("id"): e.get("DefaultValue") for e in root.iter() if e.tag.endswith("}String")}
    # Office's limits: DisplayName and short strings 125 characters, Description and long ones 250
    assert len(root.find("o:DisplayName", ns).get("DefaultValue")) <= 125
    assert len(root.find("o:Description", ns).get("DefaultValue")) <= 250
    long_strings = root.find(".//bt:LongStrings", ns)
    assert all(len(e.get("DefaultValue")) <= 250 for e in long_strings)
    short_strings = root.find(".//bt:ShortStrings", ns)
    assert all(len(e.get("DefaultValue")) <= 125 for e in short_strings)
    assert strings["Kostra.Group.Label"] == "KOSTRA"
    assert strings["Kostra.TaskpaneButton.Label"] == "KOSTRA-funksjoner"
    assert "Viser KOSTRA-funksjonene" in strings["Kostra.TaskpaneButton.Tooltip"]
    # the icons are ours, served by this server, in the sizes the manifest declares
    base = str(server.base_url).rstrip("/")
    icons = {e.get("id"): e.get("DefaultValue") for e in root.iter(f"{{{ns['bt']}}}Image")
             if e.get("id")}
    icons["IconUrl"] = root.find("o:IconUrl", ns).get("DefaultValue")
    icons["HighResolutionIconUrl"] = root.find("o:HighResolutionIconUrl", ns).get("DefaultValue")
    expected = {"Icon.16x16": 16, "Icon.32x32": 32, "Icon.80x80": 80, "IconUrl": 32,
                "HighResolutionIconUrl": 64}
    for key, size in expected.items():
        url = icons[key]
        assert url.startswith(base + "/kostra/ikon-"), url
        got = server.get(url.removeprefix(base))
        assert got.status_code == 200 and got.headers["content-type"] == "image/png"
        assert _png_size(got.content) == (size, size)
    support = root.find("o:SupportUrl", ns).get("DefaultValue")
    assert server.get(support.removeprefix(base)).status_code == 200


class _TaskPane(HTMLParser):
    """The task pane's visible text, its <details> blocks by id and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.text: list[str] = []
        self.blocks: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._block: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag in ("script", "style"):
            self._skip += 1
            if a.get("src"):
                self.scripts.append(a["src"] or "")
        if tag == "details":
            self._block = a.get("id")
            self.blocks[self._block or ""] = []
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "details":
            self._block = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._block is not None:
            self.blocks[self._block].append(data)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_task_pane_lists_every_function_with_its_help(server: httpx.Client) -> None:
    from kostra_functions import __version__
    from kostra_functions.codes.catalog import latest_year

    r = server.get("/taskpane.html")
    assert r.status_code == 200
    pane = _TaskPane()
    pane.feed(r.text)
    assert pane.lang == "nb"
    visible = _squash(" ".join(pane.text))
    for placeholder in PLACEHOLDERS:
        assert placeholder.lower() not in visible.lower(), placeholder
    assert set(pane.blocks) == set(FUNCTIONS)
    for fn in ROWS:
        block = _squash(" ".join(pane.blocks[fn.name]))
        assert f"KOSTRA.{fn.name.removeprefix('KOSTRA_')}(" in block
        assert _squash(fn.help) in block, fn.name
        for a in fn.args:
            assert _squash(a.help) in block, (fn.name, a.name)
    assert "oslo_bydel" in visible  # the rule set in use
    assert f"KOSTRA-kodene for {latest_year()}" in visible  # the code-list year in use
    assert f"kostra-functions {__version__}" in visible  # the server version
    versions = server.get("/kostra/versjon").json()  # the server process's own data version
    assert versions["data_version"] in visible and versions["server_version"] == __version__
    assert versions["kodelisteaar"] == latest_year() and versions["regelsett"] == "oslo_bydel"
    guide = [link for link in pane.links if "veiledning" in link]
    assert guide, "no link to the user guide"
    page = server.get(guide[0])
    assert page.status_code == 200 and "<h1>" in page.text and 'lang="nb"' in page.text
    # the custom functions run in this page (shared runtime): it loads Office.js and our code
    assert any(s.endswith("office.js") for s in pane.scripts)
    assert any("custom-functions-code" in s for s in pane.scripts)
    assert not any("ribbon.js" in s or "examples.js" in s for s in pane.scripts)


def test_javascript_batches_the_calls_of_a_recalculation(server: httpx.Client) -> None:
    js = server.get("/xlwings/custom-functions-code.js").text
    assert "setTimeout(kostraFlush" in js  # Office's batching pattern: push, then one timed request
    assert '"/kostra/batch"' in js
    for fn in ROWS:
        assert f'kostraCall("{fn.name}", {str(fn.cached).lower()}, ...arguments)' in js
    assert "placeholder" not in js


# ---------------------------------------------------------------------------------------------
# The batch endpoint: every call of a recalculation in one request, answered from the table


def batch_body(*calls: dict[str, Any], runtime: str = "1.4") -> dict[str, Any]:
    return {"client": "Office.js", "runtime": runtime,
            "calls": [{"func_name": c["func_name"], "args": c["args"]} for c in calls]}


def test_batch_answers_every_row_as_the_single_call_does(server: httpx.Client) -> None:
    bodies = [office_body(fn.name, *args) for fn in ROWS for args, _ in sample_calls(fn)]
    r = server.post("/kostra/batch", json=batch_body(*bodies))
    assert r.status_code == 200, r.text
    data = r.json()
    assert len(data["results"]) == len(bodies)
    for body, answer in zip(bodies, data["results"], strict=True):
        api = FUNCTIONS[body["func_name"]].call(*[c for c in _unpacked(body)])
        single = call(server, body).json()["result"]
        if isinstance(api, ExcelError):
            assert answer == {"error": api.code, "message": api.message}, body["func_name"]
            assert single == as_officejs(api)
        else:
            assert_same(answer["result"], single)
            assert_same(answer["result"], as_officejs(api))


def _unpacked(body: dict[str, Any]) -> list[Any]:
    from kostra_functions.server_batch import read_args

    return list(read_args(body["func_name"], body["args"]))


def test_batch_of_a_deviation_sheet(server: httpx.Client) -> None:
    """1 000 KOSTRA.AVVIK cells in one request, each the table's value (worked example first:
    lineær 650 000 × 12 / 6 = 1 300 000 → 1 200 000 − 1 300 000 = −100 000)."""
    rows = [(1_200_000, 650_000, 6, "lineær")]
    rows += [(1_000_000 + 137.25 * i, 480_000 + 11.5 * i, 6, "periodisert", 500_000 + 68.5 * i)
             for i in range(999)]
    r = server.post("/kostra/batch", json=batch_body(*(office_body("KOSTRA_AVVIK", *a) for a in rows)))
    results = r.json()["results"]
    assert results[0] == {"result": [[-100000.0]]}
    for args, answer in zip(rows, results, strict=True):
        assert answer == {"result": [[FUNCTIONS["KOSTRA_AVVIK"].call(*args)]]}
    assert r.json()["data_version"]


def test_batch_cell_errors_stay_in_their_cell(server: httpx.Client) -> None:
    r = server.post("/kostra/batch", json=batch_body(
        office_body("KOSTRA_NAVN", 202, 2023), office_body("KOSTRA_NAVN", 254, 2024),
        office_body("KOSTRA_AVVIK", 1_200_000, 650_000, 14, "lineær")))
    first, second, third = r.json()["results"]
    assert first == {"result": [["Grunnskole"]]}
    assert second["error"] == "#N/A" and second["message"].startswith("Funksjon 254 er ikke gyldig i 2024")
    assert third["error"] == "#NUM!" and "periode" in third["message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "invalid_json"),
        (b'{"client": "Office.js", "runtime": "1.4"}', "invalid_calls"),
        (b'{"client": "Office.js", "runtime": "1.4", "calls": []}', "invalid_calls"),
        (b'{"client": "Office.js", "runtime": "x", "calls": [{}]}', "invalid_runtime"),
        (b'{"client": "Office.js", "runtime": "1.4", "calls": [{"func_name": "__class__", "args": []}]}',
         "unknown_function"),
        (b'{"client": "Office.js", "runtime": "1.4", "calls": [{"func_name": "KOSTRA_NAVN", "args": 5}]}',
         "invalid_args"),
    ],
)
def test_malformed_batches(server: httpx.Client, body: bytes, code: str) -> None:
    r = server.post("/kostra/batch", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == code
    assert "Traceback" not in r.text


def test_too_many_calls_in_one_batch(server: httpx.Client) -> None:
    from kostra_functions.server_batch import MAX_BATCH

    one = {"func_name": "KOSTRA_NAVN", "args": [[[202]]]}
    r = server.post("/kostra/batch", json={"client": "Office.js", "runtime": "1.4",
                                           "calls": [one] * (MAX_BATCH + 1)})
    assert r.status_code == 400 and r.json()["error"] == "too_many_calls"
    assert "Del opp" in r.json()["detail"]


# ---------------------------------------------------------------------------------------------
# The add-in's JavaScript itself, run in Node.js against this server (Office.js faked, fetch real)

_NODE_HARNESS = r"""
const vm = require("vm");
const fs = require("fs");
const [base, codeFile] = process.argv.slice(2);
globalThis.window = { location: { origin: base } };
const posts = [];
const realFetch = fetch;
globalThis.fetch = async (url, opts) => {
  if (opts && opts.method === "POST") posts.push(JSON.parse(opts.body).calls.length);
  return realFetch(url, opts);
};
class CFError { constructor(code, message) { this.code = code; this.message = message; } }
const fns = {};
globalThis.CustomFunctions = {
  Error: CFError,
  ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A", invalidNumber: "#NUM!",
               divisionByZero: "#DIV/0!", invalidName: "#NAME?", nullReference: "#NULL!",
               invalidReference: "#REF!" },
  associate: (id, f) => { fns[id] = f; },
};
globalThis.Office = {
  onReady: (cb) => { if (cb) cb(); return Promise.resolve(); },
  context: { requirements: { isSetSupported: () => true } },
};
vm.runInThisContext(fs.readFileSync(codeFile, "utf8"));
const settle = (p) => p.then((v) => ({ value: v }), (e) => ({ error: e.code, message: e.message }));
const inv = () => ({ address: "Ark1!A1" });
(async () => {
  const out = { associated: Object.keys(fns).sort() };
  // one recalculation: 300 deviation cells and two lookups, in the same tick
  const cells = [];
  for (let i = 0; i < 300; i++) {
    cells.push(fns.KOSTRA_AVVIK([[1200000 + i]], [[650000]], [[6]], [["lineær"]], null, null, null,
                                null, null, inv()));
  }
  cells.push(fns.KOSTRA_NAVN([[202]], [[2023]], inv()));
  cells.push(fns.KOSTRA_NAVN([[254]], [[2024]], inv()));
  out.first = await Promise.all(cells.map(settle));
  out.postsFirst = posts.slice();
  // the next recalculation asks again: cacheable answers come from the cache, no request
  out.again = await settle(fns.KOSTRA_NAVN([[202]], [[2023]], inv()));
  out.postsAgain = posts.slice();
  console.log(JSON.stringify(out));
})();
"""


def test_the_add_in_javascript_batches_caches_and_gives_error_values(server: httpx.Client, tmp_path) -> None:
    import shutil

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the add-in's JavaScript cannot be run here")
    code = tmp_path / "custom-functions-code.js"
    code.write_text(server.get("/xlwings/custom-functions-code.js").text, encoding="utf-8")
    harness = tmp_path / "harness.js"
    harness.write_text(_NODE_HARNESS, encoding="utf-8")
    done = subprocess.run([node, str(harness), str(server.base_url).rstrip("/"), str(code)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["associated"] == sorted(FUNCTIONS)
    # 302 cells of one recalculation went to the server as ONE request
    assert out["postsFirst"] == [302]
    first = out["first"]
    avvik = FUNCTIONS["KOSTRA_AVVIK"]
    for i in range(300):
        assert first[i] == {"value": [[avvik.call(1_200_000 + i, 650_000, 6, "lineær")]]}
    assert first[0] == {"value": [[-100000]]}  # 1 200 000 − 650 000 × 12 / 6
    assert first[300] == {"value": [["Grunnskole"]]}
    # an error is a real error value (#I/T) with the Norwegian reason, not text in the cell
    assert first[301]["error"] == "#N/A"
    assert first[301]["message"].startswith("Funksjon 254 er ikke gyldig i 2024")
    # the same call again: answered from the add-in's cache under the same data version
    assert out["again"] == {"value": [["Grunnskole"]]}
    assert out["postsAgain"] == [302]
