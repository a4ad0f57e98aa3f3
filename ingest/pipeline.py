"""The ingest pipeline: files → articles → sentence chunks → vectors → the library.

Dependencies are passed in (a :class:`assistant.store.Library` and an embedder). Articles are gathered into
batches of about ``batch_chunks`` chunks so the embedder always gets full batches; each chunk, and (unless
``sentence_vectors=False``) each of its sentences, gets a vector, and its latent terms when the embedder has
them (:func:`embed_chunks`). Then each article is written with
:meth:`Library.replace_many` (old chunks out, new chunks in, article rows last). Decisions per article:
``unchanged`` (same id, same text), ``duplicate`` (the same text is already stored under another id),
``updated`` (same id, new text: its chunks are replaced) or ``added``; with ``near_duplicates`` ``"link"``
(default) an article whose word shingles nearly match a stored or same-batch one (:mod:`ingest.neardup`) is
stored with ``duplicate_of`` set, with ``"skip"`` it is not stored; either way it is counted in
``near_duplicates``.

Crash safety: every ingest first takes the home's writer lock and runs :func:`assistant.consistency.recover`
(redo/clean what a killed writer left half-written), and each batch is written under the lock through the intent →
indexes → commit protocol of :meth:`Library.replace_many` (one call per index per batch), so re-running the same
ingest after ``kill -9`` converges to the state of a clean run. Embedding happens outside the lock.

Memory is bounded by one batch: files are read article by article (JSONL and CSV stream; other formats hold
one file), at most ``batch_chunks`` chunks (plus the article that overflows it) are held before they are
embedded and written; the report keeps only counters and doc ids.

A file that cannot be read is reported with its reason and the rest goes on; a bad item inside a file is
reported by its locator. Progress is reported through an optional callback, never printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from assistant.latent import DOC_TERMS, pack
from assistant.store import (ArticleRecord, ChunkRecord, Library, Write, content_hash, date_key, make_doc_id,
                             now_iso)
from ingest import neardup
from ingest.arabic import detect_language
from ingest.chunking import DEFAULT_MAX_CHARS, chunk_text
from ingest.loaders import iter_articles, iter_files
from ingest.models import ItemError, LoadError, RawArticle


@dataclass
class FileResult:
    path: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    """Syndicated copies of a stored article (linked with ``duplicate_of``, or skipped)."""
    errors: list[str] = field(default_factory=list)
    failed: bool = False
    """The whole file could not be read (its reason is in ``errors``)."""
    doc_ids: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.errors:
            return "partial"
        if self.added or self.updated:
            return "ok"
        return "unchanged"

    def to_dict(self) -> dict:
        return {"path": self.path, "status": self.status, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "duplicates": self.duplicates, "errors": self.errors,
                "doc_ids": self.doc_ids, "near_duplicates": self.near_duplicates}


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    chunks: int = 0
    tokens: int = 0

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def failed_files(self) -> list[FileResult]:
        return [f for f in self.files if f.failed or f.errors]

    @property
    def ok(self) -> bool:
        return not self.failed_files

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files],
                "totals": {k: self.total(k) for k in ("added", "updated", "unchanged", "duplicates")}
                | {"chunks": self.chunks, "failed_files": len(self.failed_files)},
                "near_duplicates": self.total("near_duplicates")}


Progress = Callable[[str, int], None]
"""``progress(kind, n)``: kind is ``"file"`` (a file finished) or ``"chunks"`` (n chunks written)."""


@dataclass
class _Pending:
    rec: ArticleRecord
    chunks: list[ChunkRecord]
    result: FileResult
    status: str
    bands: list[int] | None = None


def article_chunks(rec: ArticleRecord, chunk_chars: int = DEFAULT_MAX_CHARS) -> list[ChunkRecord]:
    """The chunks of a stored article, ids ``{doc_id}:{hash[:8]}:{i}``, metadata from the record."""
    meta = {k: v for k, v in {
        "lang": rec.lang, "source": rec.source, "title": (rec.title or "")[:300] or None, "url": rec.url,
        "published": rec.published, "date": date_key(rec.published), "content_hash": rec.content_hash,
    }.items() if v is not None}
    h = rec.content_hash
    return [ChunkRecord(chunk_id=f"{rec.id}:{h[:8]}:{c.index}", doc_id=rec.id, index=c.index, start=c.start,
                        end=c.end, text=c.text, sentences=list(c.sentences), metadata=meta)
            for c in chunk_text(rec.text, chunk_chars)]


@dataclass
class ChunkVectors:
    """What the embedder makes of a list of chunks: chunk vectors, sentence vectors (or None) and, when the
    embedder has latent terms (:mod:`assistant.latent`), one packed blob of sentence latent vectors per chunk."""

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


class Ingestor:
    def __init__(self, library: Library, embedder, *, chunk_chars: int = DEFAULT_MAX_CHARS,
                 batch_chunks: int = 256, progress: Progress | None = None, sentence_vectors: bool = True,
                 near_duplicates: str = "link"):
        if near_duplicates not in neardup.MODES:
            raise ValueError(f"near_duplicates must be one of {neardup.MODES}, got {near_duplicates!r}")
        self.near_duplicates = near_duplicates
        self._pending_texts: dict[str, str] = {}
        self._pending_bands: dict[int, list[str]] = {}
        self._recovered = False
        self.library = library
        self.sentence_vectors = sentence_vectors
        self.embedder = embedder
        self.chunk_chars = chunk_chars
        self.batch_chunks = batch_chunks
        self.progress = progress or (lambda kind, n: None)
        self._pending: list[_Pending] = []
        self._pending_hashes: dict[str, str] = {}
        self._pending_ids: set[str] = set()
        self.report = IngestReport()

    # -- public -------------------------------------------------------------------------------------------
    def ingest_paths(self, paths: Iterable[str | Path], *, lang: str | None = None,
                     source: str | None = None) -> IngestReport:
        self.recover()
        for path, err in iter_files(paths):
            result = FileResult(str(path))
            self.report.files.append(result)
            if err:
                result.failed = True
                result.errors.append(f"{path}: {err}")
            else:
                self._ingest_file(path, result, lang=lang, source=source)
            self.progress("file", 1)
        self.flush()
        return self.report

    def ingest_articles(self, articles: Iterable[RawArticle], *, name: str = "<input>") -> FileResult:
        """Ingest articles given directly (API, tests); one result for the whole batch."""
        self.recover()
        result = FileResult(name)
        self.report.files.append(result)
        for art in articles:
            self._add_article(art, result)
        self.flush()
        return result

    def recover(self) -> None:
        """Once per ingestor: clean up what a killed writer left (see :func:`assistant.consistency.recover`)."""
        if not self._recovered:
            from assistant.consistency import recover

            recover(self.library, self.embedder, chunk_chars=self.chunk_chars)
            self._recovered = True

    # -- internals ----------------------------------------------------------------------------------------
    def _ingest_file(self, path: Path, result: FileResult, *, lang, source) -> None:
        try:
            for item in iter_articles(path, lang=lang, source=source):
                if isinstance(item, ItemError):
                    result.errors.append(f"{item.locator}: {item.reason}")
                else:
                    self._add_article(item, result)
        except LoadError as e:
            result.failed = True
            result.errors.append(str(e))
        except (OSError, UnicodeError, ValueError) as e:  # defensive: a loader bug must not stop the ingest
            result.failed = True
            result.errors.append(f"{path}: {type(e).__name__}: {e}")

    def _add_article(self, art: RawArticle, result: FileResult) -> None:
        text = art.text
        if not text or not text.strip():
            result.errors.append(f"{art.locator}: empty text")
            return
        h = content_hash(text)
        doc_id = make_doc_id(explicit=art.id, url=art.url, locator=art.locator)
        existing = self.library.articles.get(doc_id)
        if existing is not None and existing.content_hash == h:
            result.unchanged += 1
            result.doc_ids.append(doc_id)
            return
        if doc_id in self._pending_ids:
            result.duplicates += 1
            return
        other = self._pending_hashes.get(h) or self.library.articles.by_hash(h)
        if other is not None and other != doc_id:
            result.duplicates += 1
            result.doc_ids.append(other)
            return
        fp = neardup.fingerprint(text)  # band keys are stored in every mode, so a later "link" run finds it
        match = self._near_match(fp, doc_id) if fp and self.near_duplicates != "off" else None
        if match is not None:
            result.near_duplicates += 1
            if self.near_duplicates == "skip":
                result.doc_ids.append(match)
                return
        lang = art.lang or detect_language(text)
        stamp = now_iso()
        rec = ArticleRecord(
            id=doc_id, content_hash=h, title=art.title, source=art.source, url=art.url, published=art.published,
            lang=lang, locator=art.locator, text=text, n_chunks=0, embedder=getattr(self.embedder, "name", "?"),
            added_at=existing.added_at if existing else stamp, updated_at=stamp, duplicate_of=match,
        )
        chunks = article_chunks(rec, self.chunk_chars)
        if not chunks:
            result.errors.append(f"{art.locator}: no sentences found in text")
            return
        rec.n_chunks = len(chunks)
        self._pending.append(_Pending(rec, chunks, result, "updated" if existing else "added",
                                      fp.keys if fp else None))
        self._pending_hashes[h] = doc_id
        self._pending_ids.add(doc_id)
        if fp:
            self._pending_texts[doc_id] = text
            for k in fp.keys:
                self._pending_bands.setdefault(k, []).append(doc_id)
        if sum(len(p.chunks) for p in self._pending) >= self.batch_chunks:
            self.flush()

    def _near_match(self, fp: neardup.Fingerprint, doc_id: str) -> str | None:
        cands = self.library.articles.band_candidates(fp.keys)
        shared: dict[str, int] = {}
        for k in fp.keys:
            for d in self._pending_bands.get(k, ()):
                shared[d] = shared.get(d, 0) + 1
        cands += list(shared.items())

        def text_of(ids: list[str]) -> dict[str, str]:
            out = {d: self._pending_texts[d] for d in ids if d in self._pending_texts}
            return out | self.library.articles.texts(d for d in ids if d not in out)

        found = neardup.best_match(fp, cands, text_of, exclude=doc_id)
        return found[0] if found else None

    def flush(self) -> None:
        if not self._pending:
            return
        chunks = [c for p in self._pending for c in p.chunks]
        out = embed_chunks(self.embedder, chunks, sentence_vectors=self.sentence_vectors)
        writes, i, j = [], 0, 0
        for p in self._pending:
            n, m = len(p.chunks), sum(len(c.sentences) for c in p.chunks)
            writes.append(Write(p.rec, p.chunks, out.vectors[i : i + n],
                                out.sentence_vectors[j : j + m] if out.sentence_vectors is not None else None,
                                p.bands, out.latent[i : i + n] if out.latent is not None else None))
            i, j = i + n, j + m
        self.library.replace_many(writes)
        for p in self._pending:
            setattr(p.result, p.status, getattr(p.result, p.status) + 1)
            p.result.doc_ids.append(p.rec.id)
            self.report.chunks += len(p.chunks)
        self.progress("chunks", len(chunks))
        self._pending.clear()
        self._pending_hashes.clear()
        self._pending_ids.clear()
        self._pending_texts.clear()
        self._pending_bands.clear()
