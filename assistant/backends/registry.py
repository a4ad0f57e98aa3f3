"""Name → factory registries for embedders and LLMs (see the package docstring).

Backends register themselves when their module is imported: the built-in modules, and every module a
distribution names in the ``news_qa_assistant.backends`` entry-point group (a plugin's ``pyproject.toml``:
``[project.entry-points."news_qa_assistant.backends"] mine = "my_package.backend"``), loaded once, before any
name is looked up. :func:`check_model_requests` is called by the real backends on every call, not only when
they are built, so a backend built before ``ASSISTANT_ALLOW_MODEL_REQUESTS=0`` was set still refuses.

This module owns the names of backends; :mod:`assistant.settings` asks it which names there are (to refuse an
unknown one when settings are built), never the other way round: a factory receives the application's settings
object as a :class:`BackendSettings` (any object with the attributes it reads), so nothing here imports
:mod:`assistant.settings`, not even for type checking.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable
from typing import Protocol

from assistant.backends.base import LLM, Embedder
from assistant.errors import ConfigError, ModelRequestsBlocked


class BackendSettings(Protocol):
    """What the registry reads of the settings it is given (:class:`assistant.settings.Settings` in the
    application); a factory reads the further fields of its own backend from the same object."""

    llm: str
    embedder: str


_EMBEDDERS: dict[str, Callable[[BackendSettings], Embedder]] = {}
_LLMS: dict[str, Callable[[BackendSettings], LLM | None]] = {}
_BUILTIN_MODULES = ("assistant.backends.fake", "assistant.backends.local", "assistant.backends.openai_compat")
PLUGIN_GROUP = "news_qa_assistant.backends"
NO_LLM = "none"
"""The LLM name for extractive answers (no model); never a registered backend."""
_plugins_loaded = False


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


def _load_backends() -> None:
    global _plugins_loaded
    for mod in _BUILTIN_MODULES:
        importlib.import_module(mod)
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in importlib.metadata.entry_points(group=PLUGIN_GROUP):
        try:
            ep.load()
        except Exception as e:  # a broken plugin is named, not skipped
            raise ConfigError(
                f"backend plugin {ep.name!r} ({ep.value}, entry point group {PLUGIN_GROUP}) failed "
                f"to load: {e}; fix or uninstall it"
            ) from e


def llm_names() -> set[str]:
    """Every LLM name settings may use: the registered backends and ``none``."""
    _load_backends()
    return set(_LLMS) | {NO_LLM}


def embedder_names() -> set[str]:
    _load_backends()
    return set(_EMBEDDERS)


def model_requests_allowed() -> bool:
    return os.environ.get("ASSISTANT_ALLOW_MODEL_REQUESTS", "1").lower() not in ("0", "false", "no")


def check_model_requests(what: str) -> None:
    if not model_requests_allowed():
        raise ModelRequestsBlocked(
            f"Real model calls are disabled here (ASSISTANT_ALLOW_MODEL_REQUESTS=0) but {what} was requested. "
            "Use the 'fake' backend, or set ASSISTANT_ALLOW_MODEL_REQUESTS=1 for this test."
        )


def make_embedder(settings: BackendSettings) -> Embedder:
    _load_backends()
    try:
        factory = _EMBEDDERS[settings.embedder]
    except KeyError:
        raise ConfigError(
            f"Unknown embedder {settings.embedder!r} (ASSISTANT_EMBEDDER); available: {', '.join(sorted(_EMBEDDERS))}"
        ) from None
    return factory(settings)


def make_llm(settings: BackendSettings) -> LLM | None:
    """The configured LLM, or ``None`` for ``ASSISTANT_LLM=none`` (extractive answers only)."""
    _load_backends()
    if settings.llm == NO_LLM:
        return None
    try:
        factory = _LLMS[settings.llm]
    except KeyError:
        raise ConfigError(
            f"Unknown LLM backend {settings.llm!r} (ASSISTANT_LLM); available: none, {', '.join(sorted(_LLMS))}"
        ) from None
    return factory(settings)
