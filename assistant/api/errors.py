"""One JSON error shape for every failure: ``{"error": {"status", "field", "message", "type", "details"?}}``.

Mapping: :class:`ApiError` carries its own status and field; FastAPI validation errors become 422 naming the
first failing field as a dotted path (``filters.lang``, ``history[3].role``) with every error under
``details``; Starlette HTTP errors (404 route, 405 method, 413) keep their status; library errors map by kind
(:class:`NotFound` 404 naming ``doc_id``, :class:`BackendError` 502, :class:`ModelRequestsBlocked` 503, :class:`StoreBusy` 503 with ``Retry-After``, a read-only or damaged store 503 (the server's fault, not the request's), other
:class:`AssistantError` 400); failures of the Chroma client or transport are 502 naming the vector store. Anything
else is a bug: 500 with a JSON body, logged with its traceback. Limits: only the first validation error names
``field``; the rest are listed in ``details``.

Framework errors get the same shape: :class:`ErrorShapeMiddleware` (installed by :func:`install`, so it also wraps
the Gradio UI mounted at ``/``) answers a known path asked with another method with 405 and ``Allow`` (with the
UI mounted, such requests would otherwise fall through to the UI's 404), and rewrites every other response of
status >= 400 whose body is not already ``{"error": {...}}`` (FastAPI's ``{"detail": ...}`` from the mounted
app's 404/405/422, plain-text or empty bodies, a sub-app's 500 page) into it, keeping the status and headers
such as ``Allow``. Outside the API's own paths (the UI's ``/gradio_api/...``, its pages and files) the original
top-level keys (``detail``, ...) are kept beside ``error``, because the Gradio client reads them. Limits: a
response that already started (a stream that fails midway) cannot be rewritten; a body over 1 MiB or in an
unknown content encoding is passed through or replaced by a message built from the status alone; a
Gradio function error's ``error`` string becomes ``error.message``.

Why one module of about 410 lines: every error the API can send, its status table and the handlers that shape them,
kept together so that a new error is added in one place and the error contract is read in one sitting.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Host, Match, Mount

from assistant.errors import AssistantError, BackendError, ModelRequestsBlocked, NotFound
from assistant.store.library import StoreDamaged, StoreReadOnly
from assistant.store.writelock import StoreBusy

log = logging.getLogger("assistant.api")


class ApiError(Exception):
    """An error with its HTTP status and the request field it is about (``None`` for the request as a whole)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        type: str = "invalid_request",
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.type = type
        self.headers = headers


def error_body(
    status: int, message: str, *, field: str | None = None, type: str = "invalid_request", details: list | None = None
) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "type": type, "field": field, "message": message}
    if details:
        err["details"] = details
    return {"error": err}


def error_response(
    status: int,
    message: str,
    *,
    field: str | None = None,
    type: str = "invalid_request",
    details: list | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, message, field=field, type=type, details=details), status_code=status, headers=headers
    )


def field_path(loc: tuple | list) -> str | None:
    """``("body", "history", 3, "role")`` → ``history[3].role``; the location kind (body/query/path) is dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or None


def _validation_details(errors) -> list[dict]:
    details = []
    for e in errors:
        kind = str(e.get("type", "invalid"))
        field = "body" if kind == "json_invalid" else field_path(e.get("loc", ())) or "body"
        message = str(e.get("msg", "invalid"))
        if kind == "json_invalid" and isinstance(e.get("ctx"), dict) and e["ctx"].get("error"):
            message += f": {e['ctx']['error']}"
        details.append({"field": field, "message": message, "type": kind})
    return details


def validation_response(errors) -> JSONResponse:
    details = _validation_details(errors)
    first = details[0] if details else {"field": None, "message": "invalid request"}
    field = first["field"]
    message = f"{field}: {first['message']}" if field else str(first["message"])
    return error_response(422, message, field=field, type="validation_error", details=details)


def _backend_failure(exc: Exception) -> str | None:
    """A name for the backend behind an exception from a client library (Chroma, HTTP transport), else None."""
    mod = type(exc).__module__ or ""
    if mod.startswith("chromadb"):
        return "vector store (Chroma)"
    if mod.startswith(("httpx", "httpcore")) or isinstance(exc, (ConnectionError, TimeoutError)):
        return "a network backend"
    return None


def install(app: FastAPI) -> None:
    """Register the handlers on ``app`` and wrap it (and whatever is mounted on it later) in
    :class:`ErrorShapeMiddleware`."""
    app.add_middleware(ErrorShapeMiddleware, router=app.router)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.message, field=exc.field, type=exc.type, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return validation_response(exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        field = getattr(exc, "field", None)
        if field is None and exc.status_code == 400:  # body parse errors raised by FastAPI or the form parser
            field = "body"
        kind = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        return error_response(
            exc.status_code, str(exc.detail), field=field, type=kind, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(AssistantError)
    async def _assistant(request: Request, exc: AssistantError):
        if isinstance(exc, NotFound):
            return error_response(404, str(exc), field="doc_id", type="not_found")
        if isinstance(exc, BackendError):
            return error_response(502, str(exc), type="backend_error")
        if isinstance(exc, ModelRequestsBlocked):
            return error_response(503, str(exc), type="unavailable")
        if isinstance(exc, StoreBusy):  # another process writes the store: try again later
            return error_response(503, str(exc), type="store_busy", headers={"Retry-After": "30"})
        if isinstance(exc, StoreReadOnly | StoreDamaged):  # the server's store, not the request, is at fault
            return error_response(
                503, str(exc), type="store_read_only" if isinstance(exc, StoreReadOnly) else "store_damaged"
            )
        return error_response(400, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        backend = _backend_failure(exc)
        if backend:
            log.warning("%s failed on %s %s: %r", backend, request.method, request.url.path, exc)
            return error_response(502, f"{backend} failed: {type(exc).__name__}: {exc}", type="backend_error")
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            500, f"internal error ({type(exc).__name__}); this is a bug, please report it", type="internal_error"
        )


# ------------------------------------------------------------------------------------ framework errors, one shape
API_PATHS = ("/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
"""The API's own paths besides ``/v1/...``; errors on them carry ``{"error": ...}`` alone."""
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_REWRITTEN_BODY = 1 << 20
_KINDS = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "unavailable",
}


def is_api_path(path: str) -> bool:
    p = path.rstrip("/") or "/"
    return p == "/v1" or p.startswith("/v1/") or p in API_PATHS


def is_error_shape(body: Any, status: int | None = None) -> bool:
    """True for ``{"error": {"status", "type", "field", "message", ...}}`` (with ``status`` when given)."""
    err = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(err, dict)
        and {"status", "type", "field", "message"} <= set(err)
        and isinstance(err["message"], str)
        and (status is None or err["status"] == status)
    )


def _kind(status: int) -> str:
    return _KINDS.get(status) or ("internal_error" if status >= 500 else "http_error")


def _default_message(status: int, method: str) -> str:
    if status == 404:
        return f"no route answers {method} on this path; the API's routes are listed at /docs"
    if status == 405:
        return f"{method} is not allowed on this path (see the Allow header)"
    if status >= 500:
        return f"internal error (HTTP {status}); this is a bug, please report it"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _usable_text(v: Any) -> str | None:
    """A framework's own message, never a traceback or a page."""
    if not isinstance(v, str) or not v.strip() or len(v) > 1000:
        return None
    if "Traceback (most recent call last)" in v or "<html" in v.lower():
        return None
    return v


def _decode(body: bytes, encoding: str) -> bytes | None:
    if encoding in ("", "identity"):
        return body
    try:
        if encoding == "gzip":
            import gzip

            return gzip.decompress(body)
        if encoding == "deflate":
            import zlib

            return zlib.decompress(body)
        if encoding == "br":
            import brotli

            return brotli.decompress(body)
    except Exception:  # a body we cannot read is replaced by a message from its status
        return None
    return None


def reshape(
    status: int,
    body: bytes,
    *,
    content_type: str = "",
    encoding: str = "",
    method: str = "GET",
    keep_original: bool = False,
) -> dict | None:
    """The project's error body for a framework's error response; None when ``body`` already has that shape."""
    parsed: Any = None
    raw = _decode(body, encoding) if body else None
    if raw and "json" in content_type:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
    if is_error_shape(parsed, status):
        return None
    original = parsed if isinstance(parsed, dict) else {}
    detail = original.get("detail")
    field, details, message = None, None, None
    if status == 422 and isinstance(detail, list) and detail and all(isinstance(d, dict) for d in detail):
        details = []
        for d in detail:
            loc = d.get("loc")
            f = (field_path(loc) if isinstance(loc, (list, tuple)) else None) or d.get("parameter_name") or "body"
            details.append(
                {
                    "field": str(f),
                    "message": str(d.get("msg") or d.get("message") or "invalid"),
                    "type": str(d.get("type") or d.get("__type__") or "invalid"),
                }
            )
        field = details[0]["field"]
        message = f"{field}: {details[0]['message']}"
    else:
        message = _usable_text(detail) or _usable_text(original.get("error"))
        if message in ("Not Found", "Method Not Allowed"):
            message = None
    out = error_body(
        status, message or _default_message(status, method), field=field, type=_kind(status), details=details
    )
    if keep_original:  # the Gradio client reads its own keys (``detail``...) next to ours
        out.update({k: v for k, v in original.items() if k != "error"})
    return out


async def _send_json_error(send, status: int, body: dict, headers: list, *, head: bool) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = [(k, v) for k, v in headers if k.lower() not in (b"content-type", b"content-length", b"content-encoding")]
    headers += [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else data})


class ErrorShapeMiddleware:
    """Every error response in the project's shape, whoever produced it (see the module docstring). Plain ASGI:
    responses below 400 (pages, JSON, event streams) pass through untouched and unbuffered; error bodies are
    buffered (up to :data:`MAX_REWRITTEN_BODY`) to be read and rewritten."""

    def __init__(self, app, *, router):
        self.app = app
        self.router = router

    def allowed_methods(self, scope) -> list[str] | None:
        """The methods a route of the app itself (not a mounted app) answers on this path, when it does not
        answer the request's method; None when a route answers it or no route has this path."""
        routes = [r for r in self.router.routes if not isinstance(r, (Mount, Host))]
        partial = False
        for r in routes:
            match, _ = r.matches(scope)
            if match is Match.FULL:
                return None
            partial = partial or match is Match.PARTIAL
        if not partial:
            return None
        allowed = [
            m
            for m in METHODS
            if m != scope.get("method") and any(r.matches(dict(scope, method=m))[0] is Match.FULL for r in routes)
        ]
        return allowed or None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        allowed = self.allowed_methods(scope)
        if allowed:
            await _send_json_error(
                send,
                405,
                error_body(
                    405, f"{method} is not allowed on this path; use {', '.join(allowed)}", type="method_not_allowed"
                ),
                [(b"allow", ", ".join(allowed).encode())],
                head=method == "HEAD",
            )
            return
        keep = not is_api_path(scope.get("path", ""))
        held: dict[str, Any] = {}

        async def send_shaped(message):
            kind = message["type"]
            if kind == "http.response.start":
                if message["status"] < 400:
                    held["through"] = True
                    await send(message)
                else:
                    held.update(start=message, chunks=[], size=0)
                return
            if "start" not in held or held.get("through"):
                await send(message)
                return
            start = held["start"]
            if kind == "http.response.body":
                held["chunks"].append(message.get("body", b""))
                held["size"] += len(message.get("body", b""))
                if message.get("more_body", False):
                    if held["size"] > MAX_REWRITTEN_BODY:  # not an error message: pass it on as it is
                        held["through"] = True
                        await send(start)
                        await send({"type": "http.response.body", "body": b"".join(held["chunks"]), "more_body": True})
                    return
                held["through"] = True
                headers = {k.lower(): v for k, v in start.get("headers", [])}
                body = reshape(
                    start["status"],
                    b"".join(held["chunks"]),
                    content_type=headers.get(b"content-type", b"").decode("latin-1").lower(),
                    encoding=headers.get(b"content-encoding", b"").decode("latin-1").strip().lower(),
                    method=method,
                    keep_original=keep,
                )
                if body is None:
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(held["chunks"])})
                else:
                    await _send_json_error(
                        send, start["status"], body, list(start.get("headers", [])), head=method == "HEAD"
                    )
                return
            held["through"] = True  # another kind of message (a file sent by path...): pass on as it is
            await send(start)
            await send(message)

        await self.app(scope, receive, send_shaped)
