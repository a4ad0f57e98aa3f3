"""Bearer-key auth for the HTTP API, driven by settings.

No keys configured (``api_keys`` empty): everything is open. With keys: writes (``POST /v1/documents``,
``DELETE /v1/documents/{id}``) always need ``Authorization: Bearer <key>``; reads (questions, chat completions,
document listing) need it only when ``api_read_auth`` is on. A missing or non-Bearer header is 401 with
``WWW-Authenticate: Bearer``; a wrong key is 403. Keys are compared in constant time. Health endpoints never
ask. Limits: one flat set of keys (no scopes per key, no rotation beyond editing the setting and restarting).

The UI mounted beside the API is guarded by :class:`UIAuthMiddleware` with the same keys (always, when keys are
set: the UI reads and deletes articles).
"""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="An API key from ASSISTANT_API_KEYS.")


def _check(request: Request, creds: HTTPAuthorizationCredentials | None, *, write: bool) -> None:
    settings = request.app.state.services.settings
    keys = [k.get_secret_value() for k in settings.api_keys]
    if not keys or (not write and not settings.api_read_auth):
        return
    if creds is None or not creds.credentials:
        raise ApiError(
            401,
            "an API key is required: send 'Authorization: Bearer <key>'",
            field="Authorization",
            type="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="news-qa-assistant"'},
        )
    given = creds.credentials.encode("utf-8", "surrogatepass")
    if not any(hmac.compare_digest(given, k.encode("utf-8")) for k in keys):
        raise ApiError(403, "the API key is not valid", field="Authorization", type="forbidden")


def require_read(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    _check(request, creds, write=False)


def require_write(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    _check(request, creds, write=True)


# ------------------------------------------------------------------------------------------------- the UI
UI_OPEN_PATHS = ("/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
"""Paths the UI guard leaves alone (health, the API's schema); ``/v1/...`` has its own per-route checks."""
UI_USER = "api"


def _key_from_headers(headers: dict[bytes, bytes]) -> str | None:
    """The key in ``Authorization: Bearer KEY`` or ``Authorization: Basic base64(anything:KEY)``, else None."""
    import base64
    import binascii

    raw = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, value = raw.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return decoded.partition(":")[2] or None
    return None


def key_ok(given: str | None, keys: list[str]) -> bool:
    if not given:
        return False
    b = given.encode("utf-8", "surrogatepass")
    return any(hmac.compare_digest(b, k.encode("utf-8")) for k in keys)


class UIAuthMiddleware:
    """When API keys are set, every path outside ``/v1`` and :data:`UI_OPEN_PATHS` (the Gradio page, its
    ``/gradio_api/*`` routes, uploads and files) needs one of the keys, as ``Authorization: Bearer KEY`` or by HTTP
    Basic login (user ``api``, password the key: the browser asks once and sends it with every request of the
    page, its queue and event streams included). Missing or wrong: 401 JSON with ``WWW-Authenticate: Basic`` so
    a browser asks again. Plain ASGI, so streaming responses pass through untouched. Limits: Basic credentials
    travel in clear text without TLS (the same as a bearer key); there is no logout other than closing the
    browser."""

    def __init__(self, app, *, keys: list[str]):
        self.app = app
        self.keys = keys

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.keys:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path == "/v1" or path.startswith("/v1/") or path in UI_OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if key_ok(_key_from_headers(headers), self.keys):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        import json

        from assistant.api.errors import error_body

        missing = b"authorization" not in headers
        body = json.dumps(
            error_body(
                401,
                "the UI needs an API key: log in as user 'api' with a key from "
                "ASSISTANT_API_KEYS as the password, or send 'Authorization: Bearer <key>'"
                if missing
                else "the API key is not valid",
                field="Authorization",
                type="unauthorized",
            )
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Basic realm="news-qa-assistant", charset="UTF-8"'),
                    (b"x-content-type-options", b"nosniff"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
