"""The FastAPI application: ``create_app(services)`` wires routers, limits, auth and error handlers.

One :class:`~assistant.services.Services` (store, embedder, LLM built once) is shared by every request through
``app.state.services``; handlers never read the environment. Routes: ``/v1/ask`` (:mod:`.ask`),
``/v1/chat/completions`` (:mod:`.chat`), ``/v1/documents`` (:mod:`.documents`), ``/healthz`` (the process is
up), ``/readyz`` (the store answers and the embedder is loaded; 503 otherwise) and FastAPI's ``/openapi.json``
and ``/docs``. With ``ui=True`` the caller mounts the Gradio UI at ``/`` (:mod:`.server`); the API stays under
``/v1``. Limits: see :mod:`.limits` (sizes), :mod:`.auth` (keys) and :mod:`.sse` (timeouts).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from assistant.api import ask, chat, documents, errors
from assistant.api.errors import error_response
from assistant.api.limits import BodyLimitMiddleware
from assistant.api.sse import JSON
from assistant.services import Services

VERSION = "0.1.0"


def create_app(services: Services, *, ui: bool = False) -> FastAPI:
    s = services.settings
    app = FastAPI(
        title="News QA assistant",
        version=VERSION,
        default_response_class=JSON,
        description="Questions over Arabic and English news articles, answered with verbatim cited "
        'spans. Errors are JSON: {"error": {"status", "field", "message", "type"}}.',
    )
    app.state.services = services
    app.state.ui = ui
    documents.clean_stale_uploads(s.home)
    errors.install(app)
    app.add_middleware(NoSniffMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body=s.api_max_body_bytes, max_multipart=s.api_max_upload_total_bytes)
    app.include_router(ask.router)
    app.include_router(chat.router)
    app.include_router(documents.router)

    @app.get("/healthz", tags=["health"], summary="The process is up")
    async def healthz():
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="The store answers and the embedder is loaded",
        responses={503: {"description": "not ready"}},
    )
    async def readyz(request: Request):
        svc: Services = request.app.state.services
        try:
            info = await run_in_threadpool(_readiness, svc)
        except Exception as e:  # any failure to reach the store means "not ready", never a 500
            return error_response(503, f"not ready: {type(e).__name__}: {e}", type="unavailable")
        return info

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]  # FastAPI's documented schema override
    return app


class NoSniffMiddleware:
    """``X-Content-Type-Options: nosniff`` on every response (JSON, errors, SSE, the UI), so a browser never
    reads a JSON body holding article text as HTML. Plain ASGI: streams pass through untouched."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, send_with_header)


def _readiness(svc: Services) -> dict:
    if svc.embedder is None or not getattr(svc.embedder, "name", None):
        raise RuntimeError("no embedder loaded")
    return {
        "status": "ready",
        "articles": svc.library.articles.count(),
        "chunks": svc.library.index.count(),
        "embedder": svc.embedder.name,
        "llm": getattr(svc.llm, "name", "none (extractive)"),
        "store": f"chroma server {svc.settings.chroma_host}:{svc.settings.chroma_port}"
        if svc.settings.chroma_host
        else "embedded",
    }


def _openapi(app: FastAPI) -> dict:
    """FastAPI's schema plus the models only referenced from hand-written request bodies."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    comps = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in documents.EXTRA_SCHEMAS.items():
        js = model.model_json_schema(ref_template="#/components/schemas/{model}")
        comps.update(js.pop("$defs", {}))
        comps[name] = js
    app.openapi_schema = schema
    return schema
