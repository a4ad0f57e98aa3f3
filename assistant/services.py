"""Wiring: the one place where the library, embedder, LLM, answerer and ingestor are built from one
:class:`Settings`, explicitly; entry points (CLI, HTTP API, UI, eval, benchmarks) call these and pass the results
down, nothing is global.

- :func:`open_library`, :func:`make_ingestor`, :func:`make_answerer`: for one-shot commands; each takes the
  pieces it should share (``library=``, ``embedder=``, ``llm=``) and builds only what is missing.
- :class:`Services`: everything a long-running process (HTTP API, UI) needs, built once and shared: the
  library, the embedder and the LLM are created eagerly, so ``/readyz`` means what it says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.backends import make_embedder, make_llm
from assistant.backends.base import LLM, Embedder
from assistant.settings import Settings
from assistant.store.library import Library
from ingest.pipeline import Ingestor

log = logging.getLogger("assistant.store")


def open_library(settings: Settings, *, on_wait: Callable[[str], None] | None = None) -> Library:
    """The store; ``on_wait`` hears, once per wait, that a writer waits for another process (who, since when)."""
    return Library.from_settings(settings, on_wait=on_wait)


def make_ingestor(
    settings: Settings,
    *,
    library: Library | None = None,
    embedder=None,
    progress=None,
    on_wait: Callable[[str], None] | None = None,
) -> Ingestor:
    return Ingestor(
        library or open_library(settings, on_wait=on_wait),
        embedder or make_embedder(settings),
        chunk_chars=settings.chunk_chars,
        progress=progress,
        batch_chunks=settings.ingest_batch,
        near_duplicates=settings.near_duplicates,
        max_article_chars=settings.ingest_max_article_chars,
    )


def make_answerer(settings: Settings, *, library: Library | None = None, embedder=None, llm=None) -> Answerer:
    return Answerer(
        library=library or open_library(settings),
        embedder=embedder or make_embedder(settings),
        llm=llm if llm is not None else make_llm(settings),
        options=AnswerOptions.from_settings(settings),
    )


@dataclass
class Services:
    settings: Settings
    library: Library
    embedder: Embedder
    llm: LLM | None

    @classmethod
    def from_settings(cls, settings: Settings, *, embedder=None, llm=None) -> Services:
        return cls(
            settings,
            open_library(settings, on_wait=log.warning),
            embedder or make_embedder(settings),
            llm if llm is not None else make_llm(settings),
        )

    def answerer(self) -> Answerer:
        # Built here, not by make_answerer: this process's LLM is the one it was given, None included (extractive).
        return Answerer(
            library=self.library,
            embedder=self.embedder,
            llm=self.llm,
            options=AnswerOptions.from_settings(self.settings),
        )

    def ingestor(self, progress=None) -> Ingestor:
        return make_ingestor(self.settings, library=self.library, embedder=self.embedder, progress=progress)

    def writing(self, on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[None]:
        """The store's writer lock: other threads and other processes wait (readers never do); ``on_wait``
        hears who this writer waits for."""
        return self.library.writing(on_wait)
