"""Bearer-key auth for the HTTP API, driven by settings.

No keys configured (``api_keys`` empty): everything is open. With keys: writes (``POST /v1/documents``,
``DELETE /v1/documents/{id}``) always need ``Authorization: Bearer <key>``; reads (questions, chat completions,
document listing) need it only when ``api_read_auth`` is on. A missing or non-Bearer header is 401 with
``WWW-Authenticate: Bearer``; a wrong key is 403. Keys are compared in constant time. Health endpoints never
ask. Limits: one flat set of keys (no scopes per key, no rotation beyond editing the setting and restarting).
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
        raise ApiError(401, "an API key is required: send 'Authorization: Bearer <key>'", field="Authorization",
                       type="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="news-qa-assistant"'})
    given = creds.credentials.encode("utf-8", "surrogatepass")
    if not any(hmac.compare_digest(given, k.encode("utf-8")) for k in keys):
        raise ApiError(403, "the API key is not valid", field="Authorization", type="forbidden")


def require_read(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    _check(request, creds, write=False)


def require_write(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    _check(request, creds, write=True)
