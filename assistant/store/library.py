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

Read-only and damaged stores: a store this process may not write (:func:`read_only_part`: the home, a SQLite
file, ``write.lock`` or part of ``chroma/``) is opened read-only (SQLite with ``mode=ro``; an embedded Chroma
cannot open a folder it may not write, chromadb 1.5.9, so this process reads a private copy of ``chroma/`` in a
temporary folder, made when the vectors are first read and removed at exit), and every writer fails in
:meth:`Library.writing` with :class:`StoreReadOnly` naming that part. A part that cannot be opened at all (a
Chroma folder or a SQLite file torn by a copy taken during a write, an HNSW segment file shorter than its header
says) is an :class:`Unreadable` placeholder: any use raises :class:`StoreDamaged` ("run ``assistant docs check
--repair``"), so reading what is intact still works, writers refuse to start, and
:mod:`assistant.store.consistency` reports and rebuilds it (:meth:`Library.reopen` after the rebuild).

Limits: ``flock`` is POSIX only; a reader that finds a writer active sees the store as it was until that writer
finishes; a process reading a read-only store does not see later writes by others (restart it), and its copy of
``chroma/`` costs that folder's size in the temporary folder.

Why one module of about 550 lines: the store's one facade over the articles table, the Chroma collections, the
lexical index and the write lock; its methods are short and delegate, and splitting it would split the order of
writes that crash safety relies on.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import sqlite3
import struct
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from assistant.errors import AssistantError, ConfigError, NotFound
from assistant.store.articles import ArticleRecord, ArticleTable, Intent, now_iso  # noqa: F401  (re-exported)
from assistant.store.chunks import ChunkHit, ChunkIndex, ChunkRecord, chunk_hash, sentence_records  # noqa: F401
from assistant.store.lexical import LexicalIndex
from assistant.store.writelock import (
    DEFAULT_TIMEOUT_S,
    StoreBusy,
    WriteLock,
    bump_generation,
    describe,
    read_generation,
)

T = TypeVar("T")
log = logging.getLogger("assistant.store")


class StoreReadOnly(ConfigError):
    """A writer found a part of the store (a file or a folder) that this process may not write."""


class StoreDamaged(AssistantError):
    """A part of the store cannot be read (a copy taken while a write ran, a truncated file)."""

    reason: str  # set by Unreadable.failure (declared only: getattr(e, "reason", None) stays None otherwise)


_SQLITE_FILES = (
    "articles.db",
    "articles.db-wal",
    "articles.db-shm",
    "lexical.db",
    "lexical.db-wal",
    "lexical.db-shm",
    "write.lock",
)


def _first_unwritable(paths) -> Path | None:
    """The first of ``paths`` that exists and that this process may not write. A file another process removes
    meanwhile (a journal, a ``-wal`` checkpointed away) fails ``os.access`` too, so a failure counts only when
    the path is still there and fails again."""
    for p in paths:
        mode = os.W_OK | (os.X_OK if p.is_dir() else 0)
        if not os.access(p, mode) and os.path.lexists(p) and not os.access(p, mode):
            return p
    return None


def _chroma_parts(chroma: Path) -> list[Path]:
    """``chroma/``, ``chroma.sqlite3`` and each segment folder with its files (what chromadb writes)."""
    try:
        top = sorted(chroma.iterdir()) if chroma.is_dir() else []
        return [chroma, *top, *(f for d in top if d.is_dir() for f in sorted(d.iterdir()))]
    except OSError:
        return [chroma]


def read_only_part(home: Path) -> Path | None:
    """The first part of the store in ``home`` that this process may not write (the folder itself, a SQLite file,
    ``write.lock``, part of ``chroma/``), or None. Files that do not exist yet need only the folder."""
    if not os.access(home, os.W_OK | os.X_OK):
        return home
    return _first_unwritable([home / n for n in _SQLITE_FILES] + _chroma_parts(home / "chroma"))


def short_reason(e: BaseException) -> str:
    """The gist of a library error, for one line: ``Error finding id`` for chromadb's ``Error executing plan:
    Internal error: Error finding id``, SQLite's ``(code: 11)`` left out, an OS error's own words."""
    reason = getattr(e, "reason", None)
    if reason:  # a StoreDamaged raised by an Unreadable part: its own gist
        return reason
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    text = re.sub(r"\(code: \d+\)\s*", "", str(e)).strip()
    return (text.rsplit(": ", 1)[-1] if text else type(e).__name__)[:160]


class Unreadable:
    """Stands in for a part of the store that could not be opened; any use raises :class:`StoreDamaged` naming it
    (``what``, ``path``) and the way out, ``reason`` is the error's gist."""

    def __init__(self, what: str, path: Path | str, error: BaseException):
        self.what, self.path, self.error, self.reason = what, path, error, short_reason(error)

    def failure(self) -> StoreDamaged:
        way_out = (
            "to salvage the articles it can still read, or restore it from a backup"
            if self.what == "article table"
            else "to rebuild it from the stored articles"
        )
        e = StoreDamaged(
            f"the {self.what} in {self.path} cannot be read ({self.reason}); run "
            f"`assistant docs check --repair` {way_out}"
        )
        e.reason = self.reason
        return e

    def reopen(self, generation: str | None = None) -> None:
        """Stays unreadable: :meth:`Library.reopen` opens the part again."""

    def written(self, generation: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise self.failure()


class _OnFirstUse:
    """Stands for a part opened on its first use (a read-only store's vectors: copied only when they are read)."""

    def __init__(self, load: Callable[[], object]):
        self._load = load
        self._part: object | None = None

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._part is None:
            self._part = self._load()
        return getattr(self._part, name)


def _hnsw_problems(chroma: Path) -> dict[str, str]:
    """``{collection name: problem}`` for persisted HNSW segments whose files are shorter than their header says.
    chromadb 1.5.9 reads past the end of a truncated ``data_level0.bin`` (a segfault, seen in this project's
    tests) instead of failing, so such a collection is never opened. Header (hnswlib as chromadb writes it): an
    int32 version, then ``offsetLevel0, max_elements, cur_element_count, size_data_per_element, ...`` as uint64;
    ``data_level0.bin`` holds at least ``count * size_data_per_element`` bytes, ``length.bin`` 4 per element.
    ``link_lists.bin`` is not checked (its size needs a walk over every element)."""
    db = chroma / "chroma.sqlite3"
    if not db.is_file():
        return {}
    try:
        with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)) as c:
            names = dict(
                c.execute(
                    "SELECT s.id, c.name FROM segments s JOIN collections c ON c.id = s.collection "
                    "WHERE s.scope = 'VECTOR'"
                )
            )
    except sqlite3.Error:
        return {}  # chromadb says what is wrong with it when it opens it
    out = {}
    for seg, name in names.items():
        d = chroma / str(seg)
        if not (d / "header.bin").exists():
            continue  # not persisted yet, or missing (chromadb answers "Error finding id", no crash)
        try:
            raw = (d / "header.bin").read_bytes()
            if len(raw) < 36:
                out[name] = f"header.bin of segment {seg} is truncated ({len(raw)} bytes)"
                continue
            count, per_element = struct.unpack_from("<2Q", raw, 20)
            for file, size in (("data_level0.bin", count * per_element), ("length.bin", count * 4)):
                have = (d / file).stat().st_size if (d / file).exists() else 0
                if have < size:
                    out[name] = f"{file} of segment {seg} is truncated ({have} of {size} bytes)"
                    break
        except OSError as e:
            out[name] = f"segment {seg} cannot be read ({e.strerror})"
    return out


def _private_copy(chroma: Path) -> Path:
    """A writable copy of a read-only ``chroma/`` in a temporary folder (removed at exit); returns the folder that
    holds it (a home for :class:`ChunkIndex`)."""
    tmp = Path(tempfile.mkdtemp(prefix="assistant-readonly-"))
    atexit.register(shutil.rmtree, tmp, True)
    shutil.copytree(chroma, tmp / "chroma", copy_function=shutil.copyfile)
    size = 0
    for d, _, files in os.walk(tmp):
        os.chmod(d, 0o700)
        for f in files:
            os.chmod(os.path.join(d, f), 0o600)
            size += os.path.getsize(os.path.join(d, f))
    log.warning(
        "the vectors of the store in %s are read-only; this process reads a copy of them in %s (%.1f MB)",
        chroma,
        tmp,
        size / 1e6,
    )
    return tmp


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

    def __init__(
        self,
        home: Path,
        *,
        collection: str = "articles",
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        chroma_ssl: bool = False,
        chroma_token: str | None = None,
        lock_timeout_s: float = DEFAULT_TIMEOUT_S,
        on_wait: Callable[[str], None] | None = None,
    ):
        try:
            home.mkdir(parents=True, exist_ok=True)
            if not os.access(home, os.R_OK | os.X_OK):
                raise PermissionError(13, "Permission denied")
            self.home = home
            self.read_only = read_only_part(home)  # a part this process may not write: then it only reads
            self.articles, self.lexical = self._open_sqlite()
        except (OSError, sqlite3.Error) as e:  # one line naming the folder, not a traceback from deep inside
            raise ConfigError(
                f"cannot use the store folder {home} (ASSISTANT_HOME): {getattr(e, 'strerror', None) or e}"
            ) from e
        self.lock = WriteLock(home, timeout_s=lock_timeout_s, on_wait=on_wait)
        self._generation = read_generation(home)
        self._dirty = threading.local()
        self._sync_lock = threading.Lock()
        self._collection = collection
        self._remote: dict[str, Any] = dict(host=chroma_host, port=chroma_port, ssl=chroma_ssl, token=chroma_token)
        self._vector_home = home
        if not chroma_host and self.read_only is not None and _first_unwritable(_chroma_parts(home / "chroma")):
            copying = threading.Lock()

            def first_use(attr: str) -> Callable[[], object]:
                def load():
                    with copying:
                        if self._vector_home == home:  # copied once, for both collections
                            self._vector_home = _private_copy(home / "chroma")
                            self.reopen_vectors(self._generation)
                    return getattr(self, attr)

                return load

            # stand-ins that open the ChunkIndex on first use and forward every attribute to it
            self.index = cast(ChunkIndex, _OnFirstUse(first_use("index")))
            self.sentences = cast(ChunkIndex, _OnFirstUse(first_use("sentences")))
        else:
            self.reopen_vectors(self._generation)

    def _open_sqlite(self) -> tuple[ArticleTable | Unreadable, LexicalIndex | Unreadable]:
        """The article table and the lexical index; a file SQLite finds damaged (not one it may not open, which
        raises) becomes an :class:`Unreadable` placeholder."""
        parts: list[ArticleTable | LexicalIndex | Unreadable] = []
        for what, cls, name in (
            ("article table", ArticleTable, "articles.db"),
            ("lexical index", LexicalIndex, "lexical.db"),
        ):
            try:
                parts.append(cls(self.home / name, read_only=self.read_only is not None))
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as e:  # "file is not a database", "database disk image is malformed"
                parts.append(Unreadable(what, self.home / name, e))
        return cast("ArticleTable | Unreadable", parts[0]), cast("LexicalIndex | Unreadable", parts[1])

    def reopen_vectors(self, generation: str | None = None) -> None:
        """Open both Chroma collections; a fresh ``generation`` token makes this process load them from disk
        again. One that cannot be opened is an :class:`Unreadable` placeholder."""
        where = (
            f"Chroma server {self._remote['host']}:{self._remote['port']}"
            if self._remote["host"]
            else self.home / "chroma"
        )
        truncated = _hnsw_problems(self._vector_home / "chroma") if self.embedded else {}
        for attr, what, name in (
            ("index", "chunk vectors", self._collection),
            ("sentences", "sentence vectors", f"{self._collection}-sentences"),
        ):
            if name in truncated:
                setattr(self, attr, Unreadable(what, where, StoreDamaged(truncated[name])))
                continue
            try:
                setattr(
                    self, attr, ChunkIndex(self._vector_home, collection=name, generation=generation, **self._remote)
                )
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as e:  # noqa: BLE001 - chromadb's own errors, and a Rust panic (a BaseException)
                setattr(self, attr, Unreadable(what, where, e))
                if self.embedded:  # chromadb caches a system that failed to start; the next open would reuse it
                    from chromadb.api.shared_system_client import SharedSystemClient

                    SharedSystemClient._identifier_to_system.pop(str(self._vector_home / "chroma"), None)

    def reopen(self) -> None:
        """Open every part of the store again from disk (after a repair replaced or rebuilt some of them)."""
        self.articles.close()
        self.lexical.close()
        self.articles, self.lexical = self._open_sqlite()
        self.reopen_vectors(uuid.uuid4().hex)

    @property
    def embedded(self) -> bool:
        """Whether the vectors live in ``chroma/`` in the home (not on a Chroma server)."""
        return not self._remote["host"]

    def unreadable(self) -> list[Unreadable]:
        """The parts of the store that could not be opened."""
        return [p for p in (self.articles, self.index, self.sentences, self.lexical) if isinstance(p, Unreadable)]

    @classmethod
    def from_settings(cls, settings, *, on_wait: Callable[[str], None] | None = None) -> Library:
        token = settings.chroma_token.get_secret_value() if settings.chroma_token else None
        return cls(
            settings.home,
            collection=settings.collection,
            chroma_host=settings.chroma_host,
            chroma_port=settings.chroma_port,
            chroma_ssl=settings.chroma_ssl,
            chroma_token=token,
            lock_timeout_s=settings.lock_timeout_s,
            on_wait=on_wait,
        )

    @contextmanager
    def writing(self, on_wait: Callable[[str], None] | None = None, *, damaged_ok: bool = False) -> Iterator[None]:
        """Hold the store's writer lock (re-entrant within a thread; other threads and processes wait): the
        clients are brought up to what other processes wrote first, and a session that wrote ends by replacing
        the generation token. A read-only store raises :class:`StoreReadOnly`, a damaged one (unless
        ``damaged_ok``: the check and the repair) :class:`StoreDamaged`, before anything is written."""
        if not self.lock.held_here():
            part = self.read_only or read_only_part(self.home)
            if part is not None:
                raise StoreReadOnly(
                    f"the store {self.home} cannot be written: {part} is read-only. Copy the store "
                    f"to a writable folder (and point ASSISTANT_HOME at it), or make {part} "
                    "writable"
                )
        with self.lock.hold(on_wait) as outermost:
            if not outermost:
                yield
                return
            if not damaged_ok and self.unreadable():
                raise self.unreadable()[0].failure()
            self._dirty.value = False
            self._sync(read_generation(self.home))
            try:
                yield
            finally:
                if self._dirty.value:
                    self._wrote()

    def _sync(self, generation: str, *, force: bool = False) -> None:
        """Reopen the Chroma clients when the store's generation is not the one they were loaded at, or always
        with ``force`` (the process's cached client is dropped once, and both collections open the fresh one)."""
        with self._sync_lock:
            if force or generation != self._generation:
                self.index.reopen(generation, force=force)
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
        if generation == self._generation or self.lock.held_here() or self.read_only is not None:
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
        self._sync(read_generation(self.home), force=True)  # the same generation: a writer is still at work
        try:
            return fn()
        except ChromaError as e:
            owner = self.lock.owner()
            if owner is None:  # no writer now: a write that just ended, or a damaged store
                raise StoreBusy(
                    f"the store {self.home} could not be read ({short_reason(e)}); ask again, and if "
                    "it fails again run `assistant docs check` (the store may be damaged)"
                ) from e
            raise StoreBusy(
                f"the store {self.home} could not be read while {describe(owner)} "
                f"writes it ({e}); ask again when that write finishes"
            ) from e

    def replace(
        self,
        rec: ArticleRecord,
        chunks: Sequence[ChunkRecord],
        vectors: np.ndarray,
        sentence_vectors: np.ndarray | None = None,
        *,
        bands: Sequence[int] | None = None,
        latent: Sequence[bytes] | None = None,
    ) -> None:
        """Make ``rec`` and exactly ``chunks`` the stored state of article ``rec.id`` (see :meth:`replace_many`)."""
        self.replace_many([Write(rec, list(chunks), vectors, sentence_vectors, bands, latent)])

    def replace_many(self, writes: Sequence[Write]) -> None:
        """Store a batch of articles: intents (one transaction), then each index rewritten with one call for the
        whole batch (old entries of these articles out, new ones in), then rows + band keys + end of intents
        (one transaction). Chroma's fixed cost per call (docs/benchmarks.md, 'Chroma costs') makes
        per-batch calls matter."""
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
                self.sentences.add(
                    [s for w in with_sent for s in sentence_records(w.chunks)],
                    np.concatenate([w.sentence_vectors for w in with_sent]),
                )
            self.lexical.replace_docs(
                {w.rec.id: [(c.chunk_id, c.doc_id, c.text, c.metadata) for c in w.chunks] for w in writes},
                latent={
                    c.chunk_id: blob
                    for w in writes
                    if w.latent is not None
                    for c, blob in zip(w.chunks, w.latent, strict=True)
                },
            )
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
