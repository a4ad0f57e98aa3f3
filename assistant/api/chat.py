"""``POST /v1/chat/completions``: the OpenAI chat API over the cited-answer pipeline, so stock clients work.

Mapping: the last message must be the user's question; earlier ``user``/``assistant`` messages are the history
(the last ``api_max_history_turns`` are kept; ``system``/``tool`` messages are ignored: the assistant's own
instructions are fixed). ``model`` is echoed (default ``news-qa-assistant``); sampling options are accepted and
ignored. Extensions: request fields ``top_k`` and ``filters`` (as in ``/v1/ask``); response fields
``citations`` and ``abstained`` next to ``choices``.

Streaming (``stream: true``): ``data: {chat.completion.chunk}`` lines: the role, then one content delta per
draft token (synthesized mode) or per verified sentence (attributed mode, each as soon as it passes), then a last chunk with ``finish_reason: "stop"`` whose extra top-level fields carry the verified
result: ``final_answer`` (the text that replaces the draft: verification may remove sentences and renumber
citations), ``citations`` and ``abstained``; then ``data: [DONE]``. When no draft was generated (abstention,
extractive answer) the final text is also sent as a content delta, so a client that only reads deltas still
gets it. A failure after the first chunk arrives as ``data: {"error": {...}}`` (the OpenAI SDK raises it).
Usage counts are word-based estimates.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.api.ask import ERRORS, ask_kwargs, error_payload, services_of
from assistant.api.auth import require_read
from assistant.api.errors import ApiError
from assistant.api.schemas import ChatCompletionRequest, ChatMessage
from assistant.api.sse import JSON, SSE_HEADERS, ThreadedEvents, call_in_thread, sse

router = APIRouter(tags=["openai-compatible"])
DEFAULT_MODEL = "news-qa-assistant"


def split_messages(messages: list[ChatMessage], settings) -> tuple[str, list[dict]]:
    last = len(messages) - 1
    if messages[last].role != "user":
        raise ApiError(422, "the last message must be the user's question", field=f"messages[{last}].role")
    question = messages[last].text()
    history = []
    for i, m in enumerate(messages[:last]):
        if m.role not in ("user", "assistant"):
            continue
        text = m.text()
        if len(text) > settings.api_max_history_chars:
            raise ApiError(
                422,
                f"messages[{i}].content is longer than {settings.api_max_history_chars} characters",
                field=f"messages[{i}].content",
            )
        if text.strip():
            history.append({"role": m.role, "content": text})
    keep = settings.api_max_history_turns
    return question, (history[-keep:] if keep else [])


def _words(text: str) -> int:
    return len(text.split())


@router.post(
    "/v1/chat/completions",
    dependencies=[Depends(require_read)],
    responses=ERRORS,
    summary="OpenAI-compatible chat completion (answer with citations)",
)
async def chat_completions(body: ChatCompletionRequest, request: Request):
    services = services_of(request)
    question, history = split_messages(body.messages, services.settings)
    kwargs = ask_kwargs(
        services.settings,
        question,
        body.top_k,
        body.filters,
        history,
        question_field=f"messages[{len(body.messages) - 1}].content",
        history_field="messages",
    )
    answerer = services.answerer()
    timeout = services.settings.llm_timeout_s
    meta = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "created": int(time.time()),
        "model": body.model or DEFAULT_MODEL,
        "system_fingerprint": None,
    }
    if not body.stream:
        answer = await call_in_thread(lambda: answerer.ask(**kwargs), timeout)
        prompt_words = _words(question) + sum(_words(t["content"]) for t in history)
        usage = {
            "prompt_tokens": prompt_words,
            "completion_tokens": _words(answer.answer),
            "total_tokens": prompt_words + _words(answer.answer),
        }
        return JSON(
            meta
            | {
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.answer, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
                "citations": [c for c in answer.to_dict()["citations"]],
                "abstained": answer.abstained,
                "time_range": answer.time_range,
                "undated_excluded": answer.undated_excluded,
            }
        )
    events = ThreadedEvents(answerer.stream(**kwargs), timeout)
    try:
        first = await events.__anext__()
    except BaseException:
        events.close()
        raise
    return StreamingResponse(_chunks(meta, first, events), media_type="text/event-stream", headers=SSE_HEADERS)


def _chunk(meta: dict, delta: dict, finish: str | None = None, **extra) -> bytes:
    return sse(
        None,
        meta
        | {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        | extra,
    )


async def _chunks(meta: dict, first, events: ThreadedEvents) -> AsyncIterator[bytes]:
    yield _chunk(meta, {"role": "assistant", "content": ""})
    drafted = False
    try:
        event = first
        while True:
            if event.type == "token" and event.text:
                drafted = True
                yield _chunk(meta, {"content": event.text})
            elif event.type == "sentence":  # a verified sentence of an attributed answer, as it passes
                yield _chunk(meta, {"content": (" " if drafted else "") + event.text})
                drafted = True
            elif event.type == "final":
                data = event.answer.to_dict()
                if not drafted:
                    yield _chunk(meta, {"content": data["answer"]})
                yield _chunk(
                    meta,
                    {},
                    "stop",
                    final_answer=data["answer"],
                    citations=data["citations"],
                    abstained=data["abstained"],
                    time_range=data["time_range"],
                    undated_excluded=data["undated_excluded"],
                )
            try:
                event = await events.__anext__()
            except StopAsyncIteration:
                break
    except Exception as e:  # headers are sent: report in-band, as OpenAI does
        yield sse(None, error_payload(e))
    finally:
        events.close()
    yield sse(None, "[DONE]")
