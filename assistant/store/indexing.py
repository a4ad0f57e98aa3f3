"""Article -> chunks -> vectors: the one step that ingest and repair share.

:func:`article_chunks` cuts a stored article into sentence chunks (:func:`assistant.text.chunking.chunk_text`)
with deterministic ids (:func:`assistant.store.keys.make_chunk_id`) and the metadata the indexes filter on;
:func:`embed_chunks` gives each chunk a vector and, unless asked not to, each of its sentences a vector and (when
the embedder has them) packed latent terms. Both are pure apart from the embedder call, so a re-run makes the
same ids and the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.store.articles import ArticleRecord
from assistant.store.chunks import ChunkRecord
from assistant.store.keys import date_key, make_chunk_id
from assistant.store.latent import DOC_TERMS, pack
from assistant.text.chunking import DEFAULT_MAX_CHARS, chunk_text


def article_chunks(rec: ArticleRecord, chunk_chars: int = DEFAULT_MAX_CHARS) -> list[ChunkRecord]:
    """The chunks of a stored article, ids from :func:`assistant.store.keys.make_chunk_id`, metadata from the
    record."""
    meta = {
        k: v
        for k, v in {
            "lang": rec.lang,
            "source": rec.source,
            "title": (rec.title or "")[:300] or None,
            "url": rec.url,
            "published": rec.published,
            "date": date_key(rec.published),
            "content_hash": rec.content_hash,
        }.items()
        if v is not None
    }
    return [
        ChunkRecord(
            chunk_id=make_chunk_id(rec.id, rec.content_hash, c.index),
            doc_id=rec.id,
            index=c.index,
            start=c.start,
            end=c.end,
            text=c.text,
            sentences=list(c.sentences),
            metadata=meta,
        )
        for c in chunk_text(rec.text, chunk_chars)
    ]


@dataclass
class ChunkVectors:
    """What the embedder makes of a list of chunks: chunk vectors, sentence vectors (or None) and, when the
    embedder has latent terms (:mod:`assistant.store.latent`), one packed blob of sentence latent vectors per chunk."""

    vectors: np.ndarray
    sentence_vectors: np.ndarray | None
    latent: list[bytes] | None


def embed_chunks(embedder, chunks: list[ChunkRecord], *, sentence_vectors: bool = True) -> ChunkVectors:
    """Chunk vectors, and (``sentence_vectors``) a vector and latent terms for each sentence of each chunk."""
    vectors = embedder.embed_passages([c.text for c in chunks])
    if not sentence_vectors:
        return ChunkVectors(vectors, None, None)
    sentences = [c.text[s - c.start : e - c.start] for c in chunks for s, e in c.sentences]
    sent_vectors = embedder.embed_passages(sentences)
    latent = None
    if getattr(embedder, "latent_dim", 0):
        terms = embedder.embed_latent(sentences, top_k=DOC_TERMS)
        latent, j = [], 0
        for c in chunks:
            latent.append(pack(terms[j : j + len(c.sentences)]))
            j += len(c.sentences)
    return ChunkVectors(vectors, sent_vectors, latent)
