"""Name → factory registries for embedders and LLMs (see the package docstring)."""
from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Callable

from assistant.errors import ConfigError, ModelRequestsBlocked

if TYPE_CHECKING:
    from assistant.backends.base import LLM, Embedder
    from assistant.settings import Settings

_EMBEDDERS: dict[str, Callable[["Settings"], "Embedder"]] = {}
_LLMS: dict[str, Callable[["Settings"], "LLM | None"]] = {}
_BUILTIN_MODULES = ("assistant.backends.fake", "assistant.backends.local", "assistant.backends.openai_compat")


def register_embedder(name: str):
    def deco(factory):
        _EMBEDDERS[name] = factory
        return factory

    return deco


def register_llm(name: str):
    def deco(factory):
        _LLMS[name] = factory
        return factory

    return deco


def _load_builtins() -> None:
    for mod in _BUILTIN_MODULES:
        importlib.import_module(mod)


def model_requests_allowed() -> bool:
    return os.environ.get("ASSISTANT_ALLOW_MODEL_REQUESTS", "1").lower() not in ("0", "false", "no")


def check_model_requests(what: str) -> None:
    if not model_requests_allowed():
        raise ModelRequestsBlocked(
            f"Real model calls are disabled here (ASSISTANT_ALLOW_MODEL_REQUESTS=0) but {what} was requested. "
            "Use the 'fake' backend, or set ASSISTANT_ALLOW_MODEL_REQUESTS=1 for this test."
        )


def make_embedder(settings: "Settings") -> "Embedder":
    _load_builtins()
    try:
        factory = _EMBEDDERS[settings.embedder]
    except KeyError:
        raise ConfigError(
            f"Unknown embedder {settings.embedder!r} (ASSISTANT_EMBEDDER); available: {', '.join(sorted(_EMBEDDERS))}"
        ) from None
    return factory(settings)


def make_llm(settings: "Settings") -> "LLM | None":
    """The configured LLM, or ``None`` for ``ASSISTANT_LLM=none`` (extractive answers only)."""
    _load_builtins()
    if settings.llm == "none":
        return None
    try:
        factory = _LLMS[settings.llm]
    except KeyError:
        raise ConfigError(
            f"Unknown LLM backend {settings.llm!r} (ASSISTANT_LLM); available: none, {', '.join(sorted(_LLMS))}"
        ) from None
    return factory(settings)
