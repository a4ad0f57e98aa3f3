"""Request limits: body size (checked before and while reading), question, history and upload rules.

:class:`BodyLimitMiddleware` is plain ASGI. A request whose ``Content-Length`` is over the limit gets 413 before
a byte is read; a body sent without a length (chunked) is counted as it arrives and the read fails with 413 as
soon as it passes the limit, so an endless body never fills memory. JSON and other bodies are held to
``api_max_body_bytes``; ``multipart/form-data`` uploads to ``api_max_upload_total_bytes`` (each file is then
held to ``api_max_upload_bytes`` by the upload handler). The other checks raise :class:`ApiError` naming the
field. Limits: sizes are bytes on the wire (before any decompression; compressed bodies are not accepted).
"""

from __future__ import annotations

import json
import re
import unicodedata

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import ApiError, error_body


class BodyTooLarge(StarletteHTTPException):
    """Raised from inside ``receive`` (FastAPI re-raises HTTP exceptions met while reading a body)."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body is larger than the limit of {limit} bytes")
        self.field = "body"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body: int, max_multipart: int):
        self.app = app
        self.max_body = max_body
        self.max_multipart = max_multipart

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        ctype = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.max_multipart if ctype.startswith("multipart/form-data") else self.max_body
        length = headers.get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _send_json(send, 400, error_body(400, "Content-Length is not a number", field="Content-Length"))
                return
            if int(length) > limit:
                await _send_json(
                    send,
                    413,
                    error_body(
                        413, f"request body is larger than the limit of {limit} bytes", field="body", type="too_large"
                    ),
                )
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


async def _send_json(send: Send, status: int, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def check_question(question: str, settings, field: str = "question") -> str:
    if not question.strip():
        raise ApiError(422, f"{field} must not be empty", field=field)
    if len(question) > settings.api_max_question_chars:
        raise ApiError(
            422,
            f"{field} is {len(question)} characters long; the limit is {settings.api_max_question_chars}",
            field=field,
        )
    return question


def check_history(history: list[dict], settings, field: str = "history") -> list[dict]:
    if len(history) > settings.api_max_history_turns:
        raise ApiError(
            422, f"{field} has {len(history)} turns; the limit is {settings.api_max_history_turns}", field=field
        )
    for i, turn in enumerate(history):
        if len(turn["content"]) > settings.api_max_history_chars:
            raise ApiError(
                422,
                f"{field}[{i}].content is longer than {settings.api_max_history_chars} characters",
                field=f"{field}[{i}].content",
            )
    return history


_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(name: str | None, index: int) -> str:
    """The upload's base name with path parts and odd characters removed (the extension is kept so loaders can
    dispatch on it); ``upload-N`` when nothing usable is left."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = base.encode("utf-8", "ignore").decode("utf-8")
    base = _UNSAFE.sub("_", base).strip(" ._")[-120:]
    return base or f"upload-{index}"
