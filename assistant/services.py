"""Wiring: the one place where the library, embedder, LLM, answerer and ingestor are built from one
:class:`Settings`, explicitly; entry points (CLI, HTTP API, UI, eval, benchmarks) call these and pass the results
down, nothing is global.

- :func:`open_library`, :func:`make_ingestor`, :func:`make_answerer`: for one-shot commands; each takes the
  pieces it should share (``library=``, ``embedder=``, ``llm=``) and builds only what is missing.
- :class:`Services`: everything a long-running process (HTTP API, UI) needs, built once and shared: the
  library, the embedder and the LLM are created eagerly, so ``/readyz`` means what it says.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.backends import make_embedder, make_llm
from assistant.settings import Settings
from assistant.store.library import Library
from ingest.pipeline import Ingestor


def open_library(settings: Settings) -> Library:
    return Library.from_settings(settings)


def make_ingestor(settings: Settings, *, library: Library | None = None, embedder=None, progress=None) -> Ingestor:
    return Ingestor(library or open_library(settings), embedder or make_embedder(settings),
                    chunk_chars=settings.chunk_chars, progress=progress, batch_chunks=settings.ingest_batch,
                    near_duplicates=settings.near_duplicates, max_article_chars=settings.ingest_max_article_chars)


def make_answerer(settings: Settings, *, library: Library | None = None, embedder=None, llm=None) -> Answerer:
    return Answerer(library=library or open_library(settings), embedder=embedder or make_embedder(settings),
                    llm=llm if llm is not None else make_llm(settings), options=AnswerOptions.from_settings(settings))


@dataclass
class Services:
    settings: Settings
    library: Library
    embedder: object
    llm: object | None
    _ingest_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, embedder=None, llm=None) -> "Services":
        return cls(settings, open_library(settings), embedder or make_embedder(settings),
                   llm if llm is not None else make_llm(settings))

    def answerer(self) -> Answerer:
        # Built here, not by make_answerer: this process's LLM is the one it was given, None included (extractive).
        return Answerer(library=self.library, embedder=self.embedder, llm=self.llm,
                        options=AnswerOptions.from_settings(self.settings))

    def ingestor(self, progress=None) -> Ingestor:
        return make_ingestor(self.settings, library=self.library, embedder=self.embedder, progress=progress)

    def ingest_lock(self) -> threading.Lock:
        """Serializes writers inside one process (the store tolerates readers during a write)."""
        return self._ingest_lock
