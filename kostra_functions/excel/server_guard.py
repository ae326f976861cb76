"""The HTTP guard in front of the xlwings Server face (:mod:`kostra_functions.excel.server_face`).

What a municipal server needs around xlwings' app, as pure ASGI middleware (:class:`Guard`): a
request body size limit (413), a time limit for sending the body (408, against «slowloris»
clients), validation of the call and batch bodies before xlwings sees them (cells are scalars,
nesting is bounded, the function is in the table), and JSON errors in Norwegian for every malformed
request (:func:`json_exception_handlers`; xlwings itself answers some of them with plain text or a
retried 500).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import ExcelFunction
from kostra_functions.server_batch import BATCH_PATH

#: Where Office.js posts every cell's call (xlwings Server's route, app path "").
CALL_PATH = "/xlwings/custom-functions-call"
#: Largest request body accepted (bytes). A district ledger of 10 000 rows × 8 columns is ~1 MB as JSON.
DEFAULT_MAX_BODY = 4 * 1024 * 1024
#: Seconds a client may take to send a request body (a «slowloris» client trickling a body byte by
#: byte gets 408 and its connection closed, instead of holding it for ever).
DEFAULT_BODY_TIMEOUT = 30.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# ---------------------------------------------------------------------------------------------
# Validation of the call body (what Office.js sends; see xlwings-server's custom-functions-code.js)


class BadRequest(Exception):
    """A request the guard refuses: the HTTP status, an error code and the Norwegian reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


_PLAIN = (str, float, int, bool)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def _is_cell(value: Any) -> bool:
    """A cell value as Office.js sends it: a scalar, or a typed value (error, formatted number …)
    whose ``basicValue`` is itself a scalar (never a nested structure)."""
    if _is_scalar(value):
        return True
    return isinstance(value, dict) and isinstance(value.get("type"), str) and (
        value["type"] == "Error" or "basicValue" in value
    ) and _is_scalar(value.get("basicValue"))


def _is_matrix(value: Any) -> bool:
    """A non-empty rectangular list of rows of cell values."""
    if type(value) is list and len(value) == 1:  # fast path: one plain cell, what most arguments are
        row = value[0]
        if type(row) is list and len(row) == 1 and (row[0] is None or type(row[0]) in _PLAIN):
            return True
    return (
        isinstance(value, list) and bool(value)
        and all(isinstance(r, list) and r for r in value)
        and len({len(r) for r in value}) == 1
        and all(_is_cell(c) for r in value for c in r)
    )


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, "invalid_json", "Forespørselen er ikke gyldig JSON.") from None
    except RecursionError:  # "[[[[…" nested thousands of levels deep
        raise BadRequest(400, "too_deep", "Forespørselen er nøstet for dypt til å være et kall fra Excel.") \
            from None


def _check_runtime(data: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if not isinstance(data.get(key), str):
            raise BadRequest(400, "missing_field", f"Feltet «{key}» mangler eller er ikke tekst.")
    try:
        float(data["runtime"])
    except ValueError:
        raise BadRequest(
            400, "invalid_runtime", "Feltet «runtime» skal være et versjonsnummer, f.eks. «1.4»."
        ) from None


def validate_item(data: Any, where: str = "") -> ExcelFunction:
    """Check one call's ``func_name`` and ``args`` (as Office.js sends them); its table row."""
    if not isinstance(data, dict):
        raise BadRequest(400, "invalid_body", f"{where}Kallet skal være et JSON-objekt.")
    name = data.get("func_name")
    if not isinstance(name, str) or not name:
        raise BadRequest(400, "missing_func_name", f"{where}Feltet «func_name» mangler.")
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise BadRequest(
            400, "unknown_function", f"{where}Funksjonen «{name[:100]}» finnes ikke i kostra-functions."
        )
    args = data.get("args")
    if not isinstance(args, list):
        raise BadRequest(400, "invalid_args",
                         f"{where}Feltet «args» skal være en liste med ett område per argument.")
    fixed = [a for a in fn.args if not a.repeating]
    repeating = fn.args[-1] if fn.args and fn.args[-1].repeating else None
    most = len(fixed) + (1 if repeating else 0)
    if len(args) > most:
        raise BadRequest(
            400, "too_many_args", f"{where}{fn.name} tar høyst {most} argumenter, men fikk {len(args)}."
        )
    for i, value in enumerate(args):
        label = fn.args[min(i, len(fn.args) - 1)].name
        if value is None:
            continue
        if repeating is not None and i == len(fixed):
            if not isinstance(value, list) or not all(v is None or _is_matrix(v) for v in value):
                raise BadRequest(400, "invalid_arg",
                                 f"{where}Argumentet «{label}» skal være en liste med områder.")
        elif not _is_matrix(value):
            raise BadRequest(
                400, "invalid_arg", f"{where}Argumentet «{label}» skal være et område (liste med rader)."
            )
    return fn


def validate_call(body: bytes) -> dict[str, Any]:
    """The parsed call body, or :class:`BadRequest` with a Norwegian reason."""
    data = _parse(body)
    if not isinstance(data, dict):
        raise BadRequest(400, "invalid_body", "Forespørselen skal være et JSON-objekt.")
    name = data.get("func_name")
    if not isinstance(name, str) or not name:
        raise BadRequest(400, "missing_func_name", "Feltet «func_name» mangler.")
    if name not in FUNCTIONS:
        raise BadRequest(
            400, "unknown_function", f"Funksjonen «{name[:100]}» finnes ikke i kostra-functions."
        )
    _check_runtime(data, ("client", "version", "runtime"))
    validate_item(data)
    return data


def validate_batch(body: bytes) -> dict[str, Any]:
    """The parsed batch body (:mod:`kostra_functions.server_batch`), or :class:`BadRequest`."""
    from kostra_functions.server_batch import MAX_BATCH

    data = _parse(body)
    if not isinstance(data, dict):
        raise BadRequest(400, "invalid_body", "Forespørselen skal være et JSON-objekt.")
    _check_runtime(data, ("client", "runtime"))
    calls = data.get("calls")
    if not isinstance(calls, list) or not calls:
        raise BadRequest(400, "invalid_calls", "Feltet «calls» skal være en liste med minst ett kall.")
    if len(calls) > MAX_BATCH:
        raise BadRequest(400, "too_many_calls",
                         f"Høyst {MAX_BATCH} kall per forespørsel, men fikk {len(calls)}. Del opp.")
    for i, item in enumerate(calls):
        validate_item(item, where=f"Kall nr. {i + 1}: ")
    return data


# ---------------------------------------------------------------------------------------------
# ASGI guard around xlwings' app: body limit, validation, JSON errors


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def error_payload(code: str, message: str) -> dict[str, str]:
    """The JSON error body: Office.js shows ``detail`` when it hovers over the cell."""
    return {"error": code, "detail": message}


class Guard:
    """Pure ASGI middleware: body size limit and read timeout for every request, validation for the
    call endpoint, and a JSON answer (never a stack trace) if validation itself fails."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY,
                 body_timeout: float = DEFAULT_BODY_TIMEOUT) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        too_big = error_payload(
            "body_too_large",
            f"Forespørselen er større enn grensen på {self.max_body_bytes} byte. Del opp området.",
        )
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_json(send, 400, error_payload("invalid_length", "Ugyldig Content-Length."))
                return
            if declared > self.max_body_bytes:
                await _send_json(send, 413, too_big)
                return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                await _send_json(send, 408, error_payload(
                    "body_timeout",
                    f"Forespørselen kom ikke fram innen {self.body_timeout:g} sekunder; forbindelsen lukkes.",
                ))
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _send_json(send, 413, too_big)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        validator = {CALL_PATH: validate_call, BATCH_PATH: validate_batch}.get(scope["path"])
        if validator is not None:
            try:
                validator(body)
            except BadRequest as exc:
                await _send_json(send, exc.status, error_payload(exc.code, exc.message))
                return
            except Exception:  # a body we did not foresee must still get JSON, not a stack trace
                await _send_json(send, 400, error_payload("invalid_body", "Forespørselen kan ikke tolkes."))
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def json_exception_handlers(app: Any) -> None:
    """Replace xlwings Server's plain-text error responses with Norwegian JSON (no stack traces)."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException
    from xlwings import XlwingsError

    async def validation(request: Any, exc: Exception) -> JSONResponse:
        return JSONResponse(error_payload("invalid_request", "Forespørselen har feil form."), status_code=400)

    async def xlwings_error(request: Any, exc: Exception) -> JSONResponse:
        return JSONResponse(error_payload("invalid_call", f"Ugyldig kall: {exc}"), status_code=400)

    async def http_error(request: Any, exc: Exception) -> JSONResponse:
        status = getattr(exc, "status_code", 500)
        text = "Finnes ikke." if status == 404 else str(getattr(exc, "detail", "Feil."))
        return JSONResponse(error_payload(f"http_{status}", text), status_code=status)

    async def internal(request: Any, exc: Exception) -> JSONResponse:
        return JSONResponse(
            error_payload("internal_error", "Intern feil i KOSTRA-serveren. Feilen er logget; kontakt IT."),
            status_code=500,
        )

    app.exception_handlers[RequestValidationError] = validation
    app.exception_handlers[XlwingsError] = xlwings_error
    app.exception_handlers[HTTPException] = http_error
    app.exception_handlers[Exception] = internal

