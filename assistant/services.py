"""Everything a long-running process (HTTP API, UI) needs, built once from one :class:`Settings` and shared.

The library, the embedder and the answerer are created eagerly so ``/readyz`` means what it says; the LLM is
built by the answerer's factory on first use when ``lazy_llm`` is set (the server starts before the model loads).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.backends import make_embedder, make_llm
from assistant.settings import Settings
from assistant.store.library import Library
from ingest.pipeline import Ingestor


@dataclass
class Services:
    settings: Settings
    library: Library
    embedder: object
    llm: object | None
    _ingest_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, embedder=None, llm=None) -> "Services":
        return cls(settings, Library.from_settings(settings), embedder or make_embedder(settings),
                   llm if llm is not None else make_llm(settings))

    def answerer(self) -> Answerer:
        return Answerer(library=self.library, embedder=self.embedder, llm=self.llm,
                        options=AnswerOptions.from_settings(self.settings))

    def ingestor(self, progress=None) -> Ingestor:
        s = self.settings
        return Ingestor(self.library, self.embedder, chunk_chars=s.chunk_chars, progress=progress,
                        batch_chunks=s.ingest_batch, near_duplicates=s.near_duplicates,
                        max_article_chars=s.ingest_max_article_chars)

    def ingest_lock(self) -> threading.Lock:
        """Serializes writers inside one process (the store tolerates readers during a write)."""
        return self._ingest_lock
