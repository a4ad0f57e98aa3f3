"""The HTTP API (FastAPI): questions with cited spans, an OpenAI-compatible chat endpoint, document management.

``create_app(services, ui=False)`` builds the ASGI app (:mod:`.app`); ``server.run`` serves it with uvicorn
(``assistant serve`` / ``assistant chat``). Modules: :mod:`.ask` and :mod:`.chat` (answers, streaming),
:mod:`.documents`, :mod:`.auth` (bearer keys), :mod:`.limits` (sizes, lengths), :mod:`.schemas` (request
bodies), :mod:`.sse` (worker threads, deadlines, event encoding), :mod:`.errors` (one JSON error shape).
"""

from assistant.api.app import create_app

__all__ = ["create_app"]
