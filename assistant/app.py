"""Wiring: build the library, embedder, LLM and answerer from one :class:`Settings`, explicitly.

Entry points (CLI, server, UI, eval) call these and pass the results down; nothing is global.
"""
from __future__ import annotations

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
