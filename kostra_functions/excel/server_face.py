"""The xlwings Server face: the table as Office.js custom functions (Excel on the web and on Mac).

`xlwings Server <https://server.xlwings.org>`_ (the ``xlwings-server`` package, a FastAPI app) serves
an Office.js add-in: ``/manifest.xml``, the functions' metadata
(``/xlwings/custom-functions-meta.json``), their JavaScript (``/xlwings/custom-functions-code.js``)
and one endpoint every cell calls (``POST /xlwings/custom-functions-call``). Which Python functions
it serves is a module named ``custom_functions``; this face *generates* that module from
:data:`~kostra_functions.excel.functions.FUNCTIONS` with xlwings' server decorators
(``xlwings.server.func``/``arg``), one function per row, so there is no hand-written wrapper:

* Excel name ``KOSTRA.NAVN`` for row ``KOSTRA_NAVN`` (the add-in's namespace ``KOSTRA`` + the row name
  without its prefix; Office.js always puts a namespace in front). ``KOSTRA.FEIL("KOSTRA.NAVN"; …)``
  works, since the table accepts both spellings;
* the Norwegian help is the function's description and each argument's tooltip; parameter names are
  the same ASCII names as on the desktop (``år`` → ``aar``);
* a call converts the cells with the table (:meth:`ExcelFunction.call`); a Norwegian error becomes a
  real Excel error value (``#I/T``, ``#VERDI!``, ``#NUM!``) in the cell, never text, and
  ``KOSTRA.FEIL`` gives the reason.

What a controller sees is ours, not xlwings Server's demo (:mod:`kostra_functions.addin_web`): a
Norwegian manifest with our icon and one «KOSTRA-funksjoner» button, a task pane listing every
function with its help, and custom-functions JavaScript that batches the calls of a recalculation
into one ``POST /kostra/batch`` (:mod:`kostra_functions.server_batch`), answered from the table.

Around xlwings' app stands what a municipal server needs (:mod:`kostra_functions.excel.server_guard`):
a request body size limit (413), a time limit for sending the body (408, against «slowloris»
clients), validation of the call body before xlwings sees it (cells are scalars, nesting is
bounded), and JSON errors in Norwegian for every malformed request (xlwings itself answers some of
them with plain text or a retried 500).

Licence: ``import xlwings.server`` checks for an xlwings PRO licence key. xlwings documents the key
``noncommercial`` for use under the PolyForm Noncommercial License 1.0.0, which covers government
institutions; anyone else needs a paid key. This module never sets a key: the operator does
(``XLWINGS_LICENSE_KEY`` or ``kostra server --lisens``), see ``addin/server/README.md``.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import inspect
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kostra_functions.cells import ExcelError
from kostra_functions.errors import KostraError
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.server_guard import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_MAX_BODY,
    ASGIApp,
    Guard,
    error_payload,
    json_exception_handlers,
)
from kostra_functions.excel.spec import ExcelFunction
from kostra_functions.server_batch import BATCH_PATH

#: The add-in's function namespace: cells say ``=KOSTRA.NAVN(202)``.
NAMESPACE = "KOSTRA"
INSTALL_HINT = 'pip install "kostra-functions[server]"'
LICENSE_ENV = "XLWINGS_LICENSE_KEY"
#: The add-in's own manifest IDs (Office tells add-ins apart by this ID; xlwings Server's defaults are
#: shared by every xlwings Server install). One per xlwings Server environment; override with
#: ``XLWINGS_MANIFEST_ID_<ENV>``.
MANIFEST_IDS = {
    "DEV": "4d7e508d-2d34-4b17-96bc-cca3abd3468f",
    "QA": "ad859629-0c07-400a-847c-a07335586f3e",
    "UAT": "ca213bde-674c-424b-93e2-272dae3a3f12",
    "STAGING": "4b422d20-c974-47d5-9efb-671ef18ca027",
    "PROD": "e0101e33-34c0-42e7-92c3-04176929a306",
}

log = logging.getLogger("kostra.server")


#: ``kostra server --logg`` levels: Norwegian names (and the English ones) → Python's level names.
LOG_LEVELS = {"feilsøking": "DEBUG", "feilsoking": "DEBUG", "debug": "DEBUG", "info": "INFO",
              "advarsel": "WARNING", "warning": "WARNING", "feil": "ERROR", "error": "ERROR"}
#: Default: quiet (warnings and errors only; no line per request).
DEFAULT_LOG_LEVEL = "advarsel"
_LEVEL_WORDS = {"DEBUG": "FEILSØKING", "INFO": "INFO", "WARNING": "ADVARSEL", "ERROR": "FEIL",
                "CRITICAL": "KRITISK"}


class _NorwegianFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.nivaa = _LEVEL_WORDS.get(record.levelname, record.levelname)
        return super().format(record)


def log_level(name: str) -> str:
    """Python's level name for a ``--logg`` value; :class:`ServerSetupError` for an unknown one."""
    try:
        return LOG_LEVELS[name.strip().lower()]
    except KeyError:
        raise ServerSetupError(
            f"Loggnivået «{name}» er ukjent; bruk feilsøking, info, advarsel eller feil."
        ) from None


def configure_logging(level: str = DEFAULT_LOG_LEVEL) -> str:
    """Set the server's log level (``--logg``): our own lines in Norwegian, xlwings Server's and
    uvicorn's at the same level (quiet by default). Returns Python's level name."""
    python_level = log_level(level)
    os.environ["XLWINGS_LOG_LEVEL"] = python_level  # read by xlwings Server at import
    os.environ["KOSTRA_SERVER_LOGG"] = level  # for worker processes (app_from_env)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(_NorwegianFormatter("%(asctime)s %(nivaa)s %(message)s", "%d.%m.%Y %H:%M:%S"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(python_level)
    for name in ("xlwings_server", "xlwings"):
        logging.getLogger(name).setLevel(python_level)
    return python_level


class ServerSetupError(KostraError):
    """The server cannot start (extra not installed, no licence key, bad option); Norwegian text."""


def excel_name(fn: ExcelFunction) -> str:
    """The name after the namespace: ``KOSTRA_NAVN`` → ``NAVN`` (so the cell says ``KOSTRA.NAVN``)."""
    return fn.name.removeprefix("KOSTRA_")


def require_server_extra() -> None:
    """Raise :class:`ServerSetupError` with the install command when the ``server`` extra is missing."""
    missing = [m for m in ("xlwings_server", "uvicorn", "fastapi") if importlib.util.find_spec(m) is None]
    if missing:
        raise ServerSetupError(
            f"xlwings Server er ikke installert (mangler {', '.join(missing)}). Installer tillegget for "
            f"Excel på nett og Mac med: {INSTALL_HINT}"
        )


def license_key_source() -> str | None:
    """Where xlwings will find its licence key (the places ``xlwings.pro`` reads), or ``None``."""
    if os.environ.get(LICENSE_ENV, "").strip():
        return LICENSE_ENV
    user_conf = Path(os.path.expanduser("~")) / ".xlwings" / "xlwings.conf"  # xlwings license update
    if user_conf.is_file():
        for line in user_conf.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(",")
            if key.strip().strip('"') == "LICENSE_KEY" and value.strip().strip('"'):
                return str(user_conf)
    return None


def require_license() -> None:
    """Raise :class:`ServerSetupError` unless the operator has set an xlwings licence key."""
    if license_key_source() is None:
        raise ServerSetupError(
            "xlwings Server trenger en lisensnøkkel (miljøvariabelen XLWINGS_LICENSE_KEY). En kommune "
            "eller annen offentlig virksomhet bruker den gratis etter PolyForm Noncommercial 1.0.0: "
            "start med «kostra server --lisens noncommercial» eller sett XLWINGS_LICENSE_KEY=noncommercial. "
            "Kommersiell bruk krever en betalt nøkkel fra xlwings.org. Se addin/server/README.md."
        )


# ---------------------------------------------------------------------------------------------
# The custom functions module, generated from the table


def _to_officejs(value: Any) -> Any:
    """Our result as xlwings writes it for Office.js: error values as "#N/A" etc. (xlwings turns those
    into Excel error objects for CustomFunctionsRuntime ≥ 1.4)."""
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, list):
        return [[c.code if isinstance(c, ExcelError) else c for c in row] for row in value]
    return value


def is_heavy(fn: ExcelFunction) -> bool:
    """Rows that may compute for long: they return a table or take a range."""
    return fn.returns == "array" or any(a.type in ("table", "numbers") for a in fn.args)


def make_server_function(
    fn: ExcelFunction, func: Callable[..., Any], arg: Callable[..., Any]
) -> Callable[..., Any]:
    """One Office.js custom function for a table row, decorated with xlwings' server decorators."""
    from kostra_functions.excel.xlwings_udfs import arg_options, python_name

    def call(*args):  # no annotations: xlwings would read them as converters
        return _to_officejs(fn.call(*args))

    if is_heavy(fn):
        # xlwings Server calls a plain function on its event loop: a whole-district table would hold
        # up every other cell's request meanwhile. A coroutine that computes in a worker thread
        # lets the loop go on serving (the GIL is shared, so this buys responsiveness, not speed).
        compute = call

        async def call(*args):  # type: ignore[no-redef]
            return await asyncio.to_thread(compute, *args)

    params = []
    for a in fn.args:
        kind = inspect.Parameter.VAR_POSITIONAL if a.repeating else inspect.Parameter.POSITIONAL_OR_KEYWORD
        default = inspect.Parameter.empty if (a.repeating or not a.optional) else None
        params.append(inspect.Parameter(python_name(a.name), kind, default=default))
    call.__name__ = call.__qualname__ = fn.name  # the dispatch key Office.js sends as func_name
    call.__doc__ = fn.help
    call.__module__ = "custom_functions"
    call.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    result: Any = call
    for name, opts in arg_options(fn).items():
        # ndim=2 keeps table arguments 2-D; err_to_str reads an error cell as "#N/A", never as blank.
        result = arg(name, **dict(opts))(result)
    # @func last: each @arg re-runs xlwings' func recording without options (resetting the name).
    result = func(name=excel_name(fn))(result)
    result.__kostra__ = fn
    return result


def build_custom_functions_module() -> types.ModuleType:
    """The ``custom_functions`` module xlwings Server serves: one function per table row."""
    require_license()
    from xlwings.server import arg, func

    module = types.ModuleType("custom_functions", "KOSTRA-funksjoner generert fra tabellen.")
    for fn in FUNCTIONS.values():
        setattr(module, fn.name, make_server_function(fn, func, arg))
    module.__all__ = list(FUNCTIONS)  # type: ignore[attr-defined]
    return module



def _add_kostra_routes(app: Any) -> None:
    """The add-in's own routes, ahead of xlwings Server's: the batching custom-functions code, the
    batch endpoint, the data version, the icon, the task pane's style and the user guide."""
    from fastapi import APIRouter, Request
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from xlwings_server import dependencies as dep
    from xlwings_server.config import settings

    from kostra_functions import addin_web
    from kostra_functions.server_batch import answer_batch

    router = APIRouter(prefix=settings.app_path)
    no_store = {"Cache-Control": "no-cache"}

    @router.get("/xlwings/custom-functions-code", name="custom_functions_code")
    @router.get("/xlwings/custom-functions-code.js", name="custom_functions_code_js")
    async def custom_functions_code() -> Response:
        js = addin_web.custom_functions_js(settings.app_path + BATCH_PATH)
        return Response(js, media_type="text/javascript", headers=no_store)

    async def batch(request, current_user):  # annotated below: the names are local to this function
        data = json.loads(await request.body())  # validated by Guard
        started = time.perf_counter()
        answer = await asyncio.to_thread(answer_batch, data)
        n = len(data["calls"])
        user = getattr(current_user, "name", "") or ""
        log.info("Beregnet %d %s for %s på %.1f ms.", n, "celle" if n == 1 else "celler",
                 _log_safe(user) if user and user != "Anonymous" else "anonym bruker",
                 (time.perf_counter() - started) * 1000)
        return JSONResponse(answer)

    # xlwings Server's own user dependency (Microsoft Entra ID when configured): a batch is
    # authorised exactly as a single call.
    batch.__annotations__ = {"request": Request, "current_user": dep.User, "return": JSONResponse}
    router.add_api_route(BATCH_PATH, batch, methods=["POST"])

    @router.get(addin_web.VERSION_PATH)
    async def version() -> JSONResponse:
        info = addin_web.AddinInfo()
        return JSONResponse({"data_version": info.data_version, "server_version": info.server_version,
                             "kodelisteaar": info.code_year, "regelsett": info.ruleset_name},
                            headers=no_store)

    @router.get(addin_web.PREFIX + "/ikon-{size}.png")
    async def icon(size: int) -> Response:
        try:
            return Response(addin_web.icon_bytes(size), media_type="image/png")
        except KeyError:
            return JSONResponse(error_payload("http_404", "Finnes ikke."), status_code=404)

    @router.get(addin_web.AddinInfo.style_path)
    async def style() -> Response:
        css = (addin_web.STATIC / "oppgaverute.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css")

    @router.get(addin_web.GUIDE_PATH)
    async def guide() -> Response:
        page = addin_web.guide_html()
        if page is None:
            return JSONResponse(error_payload("http_404", "Brukerveiledningen følger ikke med denne "
                                              "installasjonen; spør IT etter lenken."), status_code=404)
        return HTMLResponse(page)

    before = len(app.router.routes)
    app.include_router(router)
    ours = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = ours


def _log_safe(text: str) -> str:
    return str(text).replace("\n", "\\n").replace("\r", "\\r")[:200]


def _private_project_dir() -> Path:
    """An empty, private project folder: xlwings Server runs ``config.py``/``lifespan.py``/
    ``routers/custom.py`` from its project folder, so it must never be the current directory."""
    path = Path(tempfile.mkdtemp(prefix="kostra-xlwings-server-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def create_app(*, max_body_bytes: int = DEFAULT_MAX_BODY, project_dir: Path | None = None,
               body_timeout: float = DEFAULT_BODY_TIMEOUT) -> ASGIApp:
    """The ASGI app: xlwings Server serving the table, behind :class:`Guard`.

    Raises :class:`ServerSetupError` (Norwegian) when the extra or the licence key is missing. Call
    once per process: xlwings Server reads its settings (``XLWINGS_*``) when first imported.
    """
    require_server_extra()
    if max_body_bytes < 1024:
        raise ServerSetupError("Grensen for forespørsler må være minst 1024 byte.")
    if not 0.1 <= body_timeout <= 3600:
        raise ServerSetupError("Lesetiden for en forespørsel må være mellom 0,1 og 3600 sekunder.")
    os.environ.setdefault("XLWINGS_FUNCTIONS_NAMESPACE", NAMESPACE)
    os.environ.setdefault("XLWINGS_PROJECT_NAME", "KOSTRA-funksjoner")
    os.environ.setdefault("XLWINGS_ENVIRONMENT", "prod")
    os.environ.setdefault("XLWINGS_ENABLE_SOCKETIO", "false")  # no streaming functions
    os.environ.setdefault("XLWINGS_ENABLE_EXAMPLES", "false")
    for env, manifest_id in MANIFEST_IDS.items():
        os.environ.setdefault(f"XLWINGS_MANIFEST_ID_{env}", manifest_id)
    os.environ["XLWINGS_PROJECT_DIR"] = str(project_dir or _private_project_dir())
    os.environ["XLWINGS_ON_SERVER"] = "true"
    # xlwings tries ``from pyodide.ffi import JsNull`` for every argument of every call (for xlwings
    # Lite); on a server that import fails each time after a full sys.path search (~0.4 ms). A None
    # entry makes Python fail it at once (the documented "import halted" marker); pyodide never
    # exists here.
    sys.modules.setdefault("pyodide", None)  # type: ignore[arg-type]
    import xlwings_server.config  # noqa: F401  reads the project's .env (may hold the licence key)

    sys.modules["custom_functions"] = build_custom_functions_module()  # checks the licence key
    sys.modules.setdefault("custom_scripts", types.ModuleType("custom_scripts", "Ingen skript."))
    from xlwings_server import templates
    from xlwings_server.main import app, main_app

    from kostra_functions import addin_web

    addin_web.install(templates)  # our manifest and task pane before xlwings Server's demo ones
    _add_kostra_routes(app)
    json_exception_handlers(app)
    return Guard(main_app, max_body_bytes, body_timeout)


def app_from_env() -> ASGIApp:
    """App factory for several worker processes (``uvicorn --factory … --workers N`` or gunicorn):
    options come from ``KOSTRA_SERVER_MAX_BODY``, ``KOSTRA_SERVER_BODY_TIMEOUT`` and
    ``KOSTRA_SERVER_PROJECT_DIR``."""
    raw = os.environ.get("KOSTRA_SERVER_MAX_BODY", "").strip()
    try:
        max_body = int(raw) if raw else DEFAULT_MAX_BODY
    except ValueError:
        raise ServerSetupError(f"KOSTRA_SERVER_MAX_BODY «{raw}» er ikke et heltall (byte).") from None
    raw_timeout = os.environ.get("KOSTRA_SERVER_BODY_TIMEOUT", "").strip()
    try:
        timeout = float(raw_timeout) if raw_timeout else DEFAULT_BODY_TIMEOUT
    except ValueError:
        raise ServerSetupError(
            f"KOSTRA_SERVER_BODY_TIMEOUT «{raw_timeout}» er ikke et tall (sekunder)."
        ) from None
    project = os.environ.get("KOSTRA_SERVER_PROJECT_DIR", "").strip()
    configure_logging(os.environ.get("KOSTRA_SERVER_LOGG", "") or DEFAULT_LOG_LEVEL)
    return create_app(max_body_bytes=max_body, project_dir=Path(project) if project else None,
                      body_timeout=timeout)
