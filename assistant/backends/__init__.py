"""Backends behind two small interfaces (embedders and LLMs), registered by name and chosen by settings.

``register_embedder(name)`` / ``register_llm(name)`` decorate a factory ``f(settings) -> backend``; the built-in
``local``, ``openai`` and ``fake`` backends register themselves exactly like a third-party plugin would.
``make_embedder(settings)`` / ``make_llm(settings)`` build the one the settings name, or fail with a message that
lists the names available. Real model calls can be switched off process-wide with
``ASSISTANT_ALLOW_MODEL_REQUESTS=0`` (the test suite does): building a ``local`` or ``openai`` backend then raises
:class:`assistant.errors.ModelRequestsBlocked` instead of silently spending time or money.
"""

from assistant.backends.registry import (
    make_embedder,
    make_llm,
    model_requests_allowed,
    register_embedder,
    register_llm,
)

__all__ = ["make_embedder", "make_llm", "register_embedder", "register_llm", "model_requests_allowed"]
