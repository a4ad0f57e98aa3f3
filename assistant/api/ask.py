"""``POST /v1/ask``: one question → the ``ask --json`` shape, or Server-Sent Events when ``stream`` is true.

Streaming order: ``event: retrieved`` (``{"retrieved": [...]}``) once, ``event: token`` (``{"text"}``) for each
piece of the model's draft (synthesized mode), ``event: sentence`` (``{"text", "sentence", "citations"}``) for
each verified sentence of an attributed answer as soon as it passes its check, ``event: final`` (the full verified answer, which replaces the draft), then
``event: done``. The first event is computed before the response starts, so a failure up to retrieval is a
normal JSON error with its status; a failure after that arrives as ``event: error`` (``{"error": {...}}``)
followed by ``done``. All model work runs in worker threads under ``llm_timeout_s`` (504 on timeout).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.api.auth import require_read
from assistant.api.errors import ApiError, error_body
from assistant.api.limits import check_history, check_question
from assistant.api.schemas import AskRequest, FiltersIn
from assistant.api.sse import JSON, SSE_HEADERS, ThreadedEvents, call_in_thread, sse
from assistant.errors import AssistantError, ConfigError
from assistant.retrieval.retriever import Filters

router = APIRouter(tags=["questions"])

ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"description": d}
    for s, d in [
        (401, "API key missing"),
        (403, "API key not valid"),
        (413, "body too large"),
        (422, "invalid field"),
        (502, "a backend failed"),
        (504, "the model took too long"),
    ]
}


def services_of(request: Request):
    return request.app.state.services


def ask_kwargs(
    settings,
    question: str,
    top_k: int | None,
    filters: FiltersIn | None,
    history: list[dict],
    *,
    question_field: str = "question",
    history_field: str = "history",
    reference_date: str | None = None,
) -> dict:
    """Checked arguments for ``Answerer.ask``/``stream`` (settings-based limits, filters as the library's, the
    reference date as a ``datetime.date``, already validated by the schema)."""
    check_question(question, settings, field=question_field)
    check_history(history, settings, field=history_field)
    try:
        flt = Filters.from_mapping(filters.model_dump(exclude_none=True) if filters else None)
    except ConfigError as e:
        raise ApiError(422, str(e), field="filters") from None
    ref = date.fromisoformat(reference_date) if reference_date else None
    return {"question": question, "top_k": top_k, "filters": flt, "history": history or None, "reference_date": ref}


def error_payload(exc: BaseException) -> dict:
    """The JSON error for a failure in the middle of a stream (headers already sent)."""
    if isinstance(exc, ApiError):
        return error_body(exc.status, exc.message, field=exc.field, type=exc.type)
    if isinstance(exc, AssistantError):
        return error_body(502, str(exc), type="backend_error")
    return error_body(500, f"internal error ({type(exc).__name__})", type="internal_error")


@router.post(
    "/v1/ask", dependencies=[Depends(require_read)], responses=ERRORS, summary="Answer a question with cited spans"
)
async def ask(body: AskRequest, request: Request):
    services = services_of(request)
    kwargs = ask_kwargs(
        services.settings,
        body.question,
        body.top_k,
        body.filters,
        [t.model_dump() for t in body.history],
        reference_date=body.reference_date,
    )
    answerer = services.answerer()
    timeout = services.settings.llm_timeout_s
    if not body.stream:
        answer = await call_in_thread(lambda: answerer.ask(**kwargs), timeout)
        return JSON(answer.to_dict())
    events = ThreadedEvents(answerer.stream(**kwargs), timeout)
    try:
        first = await events.__anext__()
    except BaseException:
        events.close()
        raise
    return StreamingResponse(_ask_events(first, events), media_type="text/event-stream", headers=SSE_HEADERS)


async def _ask_events(first, events: ThreadedEvents) -> AsyncIterator[bytes]:
    try:
        event = first
        while True:
            if event.type == "retrieved":
                yield sse("retrieved", {"retrieved": event.retrieved})
            elif event.type == "token":
                yield sse("token", {"text": event.text})
            elif event.type == "sentence":
                yield sse(
                    "sentence",
                    {
                        "text": event.text,
                        "sentence": event.sentence,
                        "citations": [asdict(c) for c in event.citations or []],
                    },
                )
            elif event.type == "final":
                yield sse("final", event.answer.to_dict())
            try:
                event = await events.__anext__()
            except StopAsyncIteration:
                break
    except Exception as e:  # headers are sent: report in-band
        yield sse("error", error_payload(e))
    finally:
        events.close()
    yield sse("done", {})
