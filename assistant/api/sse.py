"""Model work off the event loop, under a deadline; JSON and Server-Sent Events encoding.

:func:`call_in_thread` runs a blocking call (an answer) in a worker thread and gives up after ``timeout``
seconds with a 504 :class:`ApiError`. :class:`ThreadedEvents` pulls a blocking iterator (``Answerer.stream``) one
item at a time in worker threads, all items under one deadline, so the event loop never blocks and a slow model
cannot hold a connection forever. Limits: Python cannot stop a thread, so work that timed out finishes in the
background (its result is dropped; the local model's lock is held until then); when the consumer stops early
(client gone, timeout) the iterator is closed at once, or by the worker right after the step it is running.

Encoding: :func:`jsonable` turns NaN/inf into ``null`` (a degenerate vector can give a NaN score, and JSON has no
NaN) and numpy values into plain ones; :func:`sse` writes one event (``event:`` line, ``data:`` lines, blank line).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import anyio.to_thread
from starlette.responses import Response

from assistant.api.errors import ApiError

_END = object()


def _timeout_error(timeout: float) -> ApiError:
    return ApiError(
        504, f"the answer took longer than llm_timeout_s={timeout:g} s (the model may be overloaded)", type="timeout"
    )


async def call_in_thread(fn: Callable[[], Any], timeout: float) -> Any:
    try:
        with anyio.fail_after(timeout):
            return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
    except TimeoutError:
        raise _timeout_error(timeout) from None


class ThreadedEvents:
    """Async iteration over a blocking iterator, each step in a worker thread, all steps within ``timeout``."""

    def __init__(self, iterator: Iterator, timeout: float):
        self._it = iterator
        self._timeout = timeout
        self._deadline = anyio.current_time() + timeout
        self._lock = threading.Lock()
        self._busy = False
        self._closed = False

    def __aiter__(self) -> ThreadedEvents:
        return self

    def _step(self):
        with self._lock:
            if self._closed:
                return _END
            self._busy = True
        try:
            return next(self._it, _END)
        finally:
            with self._lock:
                self._busy = False
                if self._closed:  # the consumer left while this step ran: close here, now
                    self._close_iterator()

    async def __anext__(self):
        remaining = self._deadline - anyio.current_time()
        try:
            if remaining <= 0:
                raise TimeoutError
            with anyio.fail_after(remaining):
                item = await anyio.to_thread.run_sync(self._step, abandon_on_cancel=True)
        except TimeoutError:
            raise _timeout_error(self._timeout) from None
        if item is _END:
            raise StopAsyncIteration
        return item

    def close(self) -> None:
        """Close the iterator (releasing what it holds, e.g. the local model's lock) now, or right after the
        step a worker is running."""
        with self._lock:
            self._closed = True
            if not self._busy:
                self._close_iterator()

    def _close_iterator(self) -> None:
        try:
            self._it.close()  # type: ignore[attr-defined]  # a generator's; other iterators: AttributeError
        except (ValueError, AttributeError):
            pass


def jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    if hasattr(value, "tolist"):  # numpy arrays
        return jsonable(value.tolist())
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"), default=_default)


class JSON(Response):
    """``application/json`` that never fails on NaN."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


def sse(event: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else dumps(data)
    lines = [f"event: {event}"] if event else []
    lines += [f"data: {line}" for line in payload.split("\n")]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
