"""The article store and its three indexes, kept in step: SQLite articles (:mod:`assistant.store.articles`), Chroma
chunk vectors, Chroma sentence vectors (both :class:`assistant.store.chunks.ChunkIndex`; embedded ``PersistentClient``
in ``chroma/`` by default, a Chroma server when ``chroma_host`` is set) and the FTS5 lexical index.

Atomicity (as seen by readers and by a re-run after ``kill -9``): :meth:`Library.replace_many` records an intent
(``doc_id, content_hash, pending``) per article of a batch in ``articles.db`` first, then rewrites every index
(old chunks of the articles out by ``document_id``, new chunks in under deterministic ids
``{doc_id}:{hash[:8]}:{i}``), and last commits the rows, their near-duplicate band keys and the end of the
intents in one SQLite transaction.
:meth:`Library.visible` is the read side: a retrieved chunk is shown only when its article row exists, has no
intent, and carries the chunk's content hash (one SQLite query per retrieval), so a half-written or stale
article is never cited. A writer killed mid-article leaves its intent; :func:`assistant.store.consistency.recover`
(run by every ingest, and by ``docs check --repair``) cleans it up.

Processes: one writer at a time per store, across processes (:class:`assistant.store.writelock.WriteLock`, held
by :meth:`Library.writing`; a whole ingest holds it, a second writer waits, saying who it waits for, and gives up
with :class:`~assistant.store.writelock.StoreBusy` past ``lock_timeout_s``). The embedded Chroma client keeps
its indexes in memory, so a process must reopen it after another process wrote: every write session ends by
replacing the store's generation token, a writer reopens the client when the token changed since it loaded
(before it writes a thing), and a reader does the same at :meth:`Library.refresh` (each retrieval calls it) when
no writer is active; while one is, the reader keeps reading what it loaded, and a read that fails on the
half-written store is retried once on a reopened client (:meth:`Library.read`).

Limits: ``flock`` is POSIX only; a reader that finds a writer active sees the store as it was until that writer
finishes.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

import numpy as np

from assistant.store.articles import ArticleRecord, ArticleTable, Intent, now_iso  # noqa: F401  (re-exported)
from assistant.store.chunks import ChunkHit, ChunkIndex, ChunkRecord, chunk_hash, sentence_records  # noqa: F401
from assistant.errors import ConfigError, NotFound
from assistant.store.lexical import LexicalIndex
from assistant.store.writelock import DEFAULT_TIMEOUT_S, StoreBusy, WriteLock, bump_generation, describe, read_generation

T = TypeVar("T")

@dataclass
class Write:
    """One article to store: its record, chunks, chunk vectors, sentence vectors (or None) and LSH band keys."""

    rec: ArticleRecord
    chunks: list[ChunkRecord]
    vectors: np.ndarray
    sentence_vectors: np.ndarray | None = None
    bands: Sequence[int] | None = None
    latent: Sequence[bytes] | None = None
    """One packed blob of sentence latent terms per chunk (:mod:`assistant.store.latent`), or None."""


class Library:
    """Articles plus their indexes (chunk vectors, sentence vectors, lexical); the only writer of all of them."""

    def __init__(self, home: Path, *, collection: str = "articles", chroma_host: str | None = None,
                 chroma_port: int = 8000, chroma_ssl: bool = False, chroma_token: str | None = None,
                 lock_timeout_s: float = DEFAULT_TIMEOUT_S, on_wait: Callable[[str], None] | None = None):
        try:
            home.mkdir(parents=True, exist_ok=True)
            if not os.access(home, os.W_OK | os.X_OK):
                raise PermissionError(13, "Permission denied")
            self.home = home
            self.articles = ArticleTable(home / "articles.db")
        except (OSError, sqlite3.Error) as e:  # one line naming the folder, not a traceback from deep inside
            raise ConfigError(f"cannot use the store folder {home} (ASSISTANT_HOME): "
                              f"{getattr(e, 'strerror', None) or e}") from e
        self.lock = WriteLock(home, timeout_s=lock_timeout_s, on_wait=on_wait)
        self._generation = read_generation(home)
        self._dirty = threading.local()
        self._sync_lock = threading.Lock()
        remote = dict(host=chroma_host, port=chroma_port, ssl=chroma_ssl, token=chroma_token,
                      generation=self._generation)
        self.index = ChunkIndex(home, collection=collection, **remote)
        self.sentences = ChunkIndex(home, collection=f"{collection}-sentences", **remote)
        self.lexical = LexicalIndex(home / "lexical.db")

    @classmethod
    def from_settings(cls, settings, *, on_wait: Callable[[str], None] | None = None) -> "Library":
        token = settings.chroma_token.get_secret_value() if settings.chroma_token else None
        return cls(settings.home, collection=settings.collection, chroma_host=settings.chroma_host,
                   chroma_port=settings.chroma_port, chroma_ssl=settings.chroma_ssl, chroma_token=token,
                   lock_timeout_s=settings.lock_timeout_s, on_wait=on_wait)

    @contextmanager
    def writing(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the store's writer lock (re-entrant within a thread; other threads and processes wait): the
        clients are brought up to what other processes wrote first, and a session that wrote ends by replacing
        the generation token."""
        with self.lock.hold(on_wait) as outermost:
            if not outermost:
                yield
                return
            self._dirty.value = False
            self._sync(read_generation(self.home))
            try:
                yield
            finally:
                if self._dirty.value:
                    self._wrote()

    def _sync(self, generation: str) -> None:
        """Reopen the Chroma clients when the store's generation is not the one they were loaded at."""
        with self._sync_lock:
            if generation != self._generation:
                self.index.reopen(generation)
                self.sentences.reopen(generation)
                self._generation = generation

    def _wrote(self) -> None:
        with self._sync_lock:
            self._generation = bump_generation(self.home)
            self.index.written(self._generation)
            self.sentences.written(self._generation)

    def mark_written(self) -> None:
        """Note that this write session changes the Chroma indexes (other processes must reopen them)."""
        self._dirty.value = True

    def refresh(self) -> None:
        """For readers: pick up what another process wrote, when it has finished (see the module docstring)."""
        generation = read_generation(self.home)
        if generation == self._generation or self.lock.held_here():
            return
        if self.lock.try_hold():
            try:
                self._sync(read_generation(self.home))
            finally:
                self.lock.release_try()

    def read(self, fn: Callable[[], T]) -> T:
        """Run a read of the indexes; one that fails inside Chroma (a store written by another process while
        this one had it loaded) is retried once on reopened clients, and a second failure is :class:`StoreBusy`
        naming the writer (never a crash)."""
        from chromadb.errors import ChromaError

        self.refresh()
        try:
            return fn()
        except ChromaError:
            if not self.index.embedded:
                raise
        with self._sync_lock:
            self._generation = ""  # force the reopen
        self._sync(read_generation(self.home))
        try:
            return fn()
        except ChromaError as e:
            raise StoreBusy(f"the store {self.home} could not be read while {describe(self.lock.owner())} "
                            f"writes it ({e}); ask again when that write finishes") from e

    def replace(self, rec: ArticleRecord, chunks: Sequence[ChunkRecord], vectors: np.ndarray,
                sentence_vectors: np.ndarray | None = None, *, bands: Sequence[int] | None = None,
                latent: Sequence[bytes] | None = None) -> None:
        """Make ``rec`` and exactly ``chunks`` the stored state of article ``rec.id`` (see :meth:`replace_many`)."""
        self.replace_many([Write(rec, list(chunks), vectors, sentence_vectors, bands, latent)])

    def replace_many(self, writes: Sequence["Write"]) -> None:
        """Store a batch of articles: intents (one transaction), then each index rewritten with one call for the
        whole batch (old entries of these articles out, new ones in), then rows + band keys + end of intents
        (one transaction). Chroma's per-call cost (~0.2 s on 2 busy cores, measured) makes per-batch calls
        matter."""
        if not writes:
            return
        ids = [w.rec.id for w in writes]
        chunks = [c for w in writes for c in w.chunks]
        with self.writing():
            self.mark_written()
            self.articles.begin([(w.rec.id, w.rec.content_hash) for w in writes])
            self.index.delete_docs(ids)
            if chunks:
                self.index.add(chunks, np.concatenate([w.vectors for w in writes]))
            self.sentences.delete_docs(ids)
            with_sent = [w for w in writes if w.sentence_vectors is not None]
            if with_sent:
                self.sentences.add([s for w in with_sent for s in sentence_records(w.chunks)],
                                   np.concatenate([w.sentence_vectors for w in with_sent]))
            self.lexical.replace_docs({w.rec.id: [(c.chunk_id, c.doc_id, c.text, c.metadata) for c in w.chunks]
                                       for w in writes},
                                      latent={c.chunk_id: blob for w in writes if w.latent is not None
                                              for c, blob in zip(w.chunks, w.latent)})
            self.articles.commit([(w.rec, w.bands) for w in writes])

    def delete(self, doc_id: str) -> None:
        with self.writing():
            if self.articles.get(doc_id) is None and not self.index.chunk_ids(doc_id):
                raise NotFound(f"no article with id {doc_id!r}")
            self.articles.remove(doc_id)  # hidden from readers from here on
            self.mark_written()
            self.purge(doc_id)
            self.articles.finish(doc_id)

    def purge(self, doc_id: str) -> None:
        """Remove every index entry of ``doc_id`` (not its row)."""
        self.mark_written()
        self.index.delete_doc(doc_id)
        self.sentences.delete_doc(doc_id)
        self.lexical.delete_doc(doc_id)

    def visible(self, hits: Sequence[ChunkHit]) -> list[ChunkHit]:
        """The hits whose article is ready with the same content hash as the chunk (one SQLite query)."""
        ready = self.articles.ready_hashes(h.chunk.doc_id for h in hits)
        out = []
        for h in hits:
            row_hash, ch = ready.get(h.chunk.doc_id), chunk_hash(h.chunk)
            if row_hash is not None and (ch is None or row_hash.startswith(ch)):
                out.append(h)
        return out

    def get(self, doc_id: str) -> ArticleRecord:
        rec = self.articles.get(doc_id)
        if rec is None:
            raise NotFound(f"no article with id {doc_id!r} (see `assistant docs list`)")
        return rec
