"""One JSON error shape for every failure: ``{"error": {"status", "field", "message", "type", "details"?}}``.

Mapping: :class:`ApiError` carries its own status and field; FastAPI validation errors become 422 naming the
first failing field as a dotted path (``filters.lang``, ``history[3].role``) with every error under
``details``; Starlette HTTP errors (404 route, 405 method, 413) keep their status; library errors map by kind
(:class:`NotFound` 404 naming ``doc_id``, :class:`BackendError` 502, :class:`ModelRequestsBlocked` 503, :class:`StoreBusy` 503 with ``Retry-After``, other
:class:`AssistantError` 400); failures of the Chroma client or transport are 502 naming the vector store. Anything
else is a bug: 500 with a JSON body, logged with its traceback. Limits: only the first validation error names
``field``; the rest are listed in ``details``.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import AssistantError, BackendError, ModelRequestsBlocked, NotFound
from assistant.store.writelock import StoreBusy

log = logging.getLogger("assistant.api")


class ApiError(Exception):
    """An error with its HTTP status and the request field it is about (``None`` for the request as a whole)."""

    def __init__(self, status: int, message: str, *, field: str | None = None, type: str = "invalid_request",
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.type = type
        self.headers = headers


def error_body(status: int, message: str, *, field: str | None = None, type: str = "invalid_request",
               details: list | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "type": type, "field": field, "message": message}
    if details:
        err["details"] = details
    return {"error": err}


def error_response(status: int, message: str, *, field: str | None = None, type: str = "invalid_request",
                   details: list | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, field=field, type=type, details=details), status_code=status,
                        headers=headers)


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
    message = f"{field}: {first['message']}" if field else first["message"]
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
    """Register the handlers on ``app``."""

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
        return error_response(exc.status_code, str(exc.detail), field=field, type=kind,
                              headers=getattr(exc, "headers", None))

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
        return error_response(400, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        backend = _backend_failure(exc)
        if backend:
            log.warning("%s failed on %s %s: %r", backend, request.method, request.url.path, exc)
            return error_response(502, f"{backend} failed: {type(exc).__name__}: {exc}", type="backend_error")
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error ({type(exc).__name__}); this is a bug, please report it",
                              type="internal_error")
