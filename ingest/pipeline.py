"""The ingest pipeline: files → articles → sentence chunks → vectors → the library.

Dependencies are passed in (a :class:`assistant.store.library.Library` and an embedder). Articles are gathered into
batches of about ``batch_chunks`` chunks so the embedder always gets full batches; each chunk, and (unless
``sentence_vectors=False``) each of its sentences, gets a vector, and its latent terms when the embedder has
them (:func:`assistant.store.indexing.embed_chunks`). Then each article is written with
:meth:`Library.replace_many` (old chunks out, new chunks in, article rows last). Decisions per article:
``unchanged`` (same id, same text), ``duplicate`` (the same text is already stored under another id),
``updated`` (same id, new text: its chunks are replaced) or ``added``; with ``near_duplicates`` ``"link"``
(default) an article whose word shingles nearly match a stored or same-batch one (:mod:`assistant.store.neardup`) is
stored with ``duplicate_of`` set, with ``"skip"`` it is not stored; either way it is counted in
``near_duplicates``.

Crash safety: every ingest holds the store's writer lock from start to end (one writer per store across processes,
:mod:`assistant.store.writelock`) and first runs :func:`assistant.store.consistency.recover`
(redo/clean what a killed writer left half-written), and each batch is written under the lock through the intent →
indexes → commit protocol of :meth:`Library.replace_many` (one call per index per batch), so re-running the same
ingest after ``kill -9`` converges to the state of a clean run. Embedding happens outside the lock.

Memory is bounded by one batch: files are read article by article (JSONL and CSV stream; other formats hold
one file), at most ``batch_chunks`` chunks or ``batch_chunks * SENTENCES_PER_CHUNK`` sentences (plus the article
that overflows it) are held before they are embedded and written; an article over ``max_article_chars``
(:data:`DEFAULT_MAX_ARTICLE_CHARS`) is refused with an error naming the limit, never chunked. The store splits
each write to the size Chroma accepts (:attr:`assistant.store.chunks.ChunkIndex.max_batch`). The report keeps only
counters and doc ids.

Identity: an article's id is its own id, else its URL, else :func:`assistant.store.keys.identity_key` (source + file
name, or the path inside an ingested folder; ``#N`` for items), so the same file ingested again from another
working folder, by an absolute path, or uploaded again (under a temporary path) replaces its earlier version
instead of adding a second one. Identity follows the real file: links are followed and ``..`` folded before the
name is taken (:func:`ingest.loaders.iter_named_files`), and a link is read as the file it points to (its name,
its default source), so a link and its target are one article: after the target is edited, ingesting either
updates that one article and the other then finds it ``unchanged``. Ids of files reached without links are the
same as before. Two files of one run with the same identity keep both (the later falls back to its full real
path); one file reached twice in one run (a link beside its target) is one article, ``unchanged`` the second
time.

A file that cannot be read is reported with its reason and the rest goes on; a bad item inside a file is
reported by its locator. Progress is reported through an optional callback, never printed.

Valid Unicode only reaches the store (SQLite and Chroma refuse a lone surrogate, and one such field used to fail
the whole batch): a lone surrogate, from an undecodable byte of a file name (the default source and the locator)
or a ``\\ud800`` escape in JSON, becomes ``\\xNN`` (a byte) or U+FFFD in the article's fields, and always
U+FFFD in its text (one character for one, so offsets do not move). Identity keys are made before that, from the
name as the file system gives it. The report's ``to_dict`` (JSON output) escapes them the same way.

Why one module of about 430 lines: the ingest steps in the order crash safety needs (intent, article row, vectors,
commit) read in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from assistant.store import neardup
from assistant.store.consistency import recover
from assistant.store.indexing import article_chunks, embed_chunks
from assistant.store.keys import content_hash, identity_key, make_doc_id
from assistant.store.library import ArticleRecord, ChunkRecord, Library, Write, now_iso
from assistant.text.arabic import detect_language
from assistant.text.chunking import DEFAULT_MAX_CHARS
from ingest.loaders import MAX_CHARS_SETTING, iter_articles, iter_named_files, resolved
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
        return {
            "path": _unicode(self.path),
            "status": self.status,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "errors": [_unicode(e) for e in self.errors],
            "doc_ids": self.doc_ids,
            "near_duplicates": self.near_duplicates,
        }


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
        return {
            "files": [f.to_dict() for f in self.files],
            "totals": {k: self.total(k) for k in ("added", "updated", "unchanged", "duplicates")}
            | {"chunks": self.chunks, "failed_files": len(self.failed_files)},
            "near_duplicates": self.total("near_duplicates"),
        }


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unicode(value, *, text: bool = False):
    """``value`` (a str, else returned as is) without lone surrogates: in ``text`` each becomes U+FFFD; elsewhere
    one that stands for an undecodable byte (``surrogateescape``) becomes ``\\xNN``, any other U+FFFD."""
    if not isinstance(value, str) or not _SURROGATE.search(value):
        return value
    if text:
        return _SURROGATE.sub("\ufffd", value)
    return _SURROGATE.sub(
        lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}" if "\udc80" <= m.group() <= "\udcff" else "\ufffd", value
    )


DEFAULT_MAX_ARTICLE_CHARS = 1_000_000
"""Longest article ingested (about 1,000 chunks); a longer one is reported by name, never chunked (a 60 MB text of
short sentences would make millions of sentence vectors)."""
SENTENCES_PER_CHUNK = 16
"""A batch is also written once it holds ``batch_chunks * SENTENCES_PER_CHUNK`` sentences (chunks of very short
sentences), which bounds the sentence vectors held in memory."""


Progress = Callable[[str, int], None]
"""``progress(kind, n)``: kind is ``"file"`` (a file finished) or ``"chunks"`` (n chunks written)."""


@dataclass
class _Pending:
    rec: ArticleRecord
    chunks: list[ChunkRecord]
    result: FileResult
    status: str
    bands: list[int] | None = None


class Ingestor:
    def __init__(
        self,
        library: Library,
        embedder,
        *,
        chunk_chars: int = DEFAULT_MAX_CHARS,
        batch_chunks: int = 256,
        progress: Progress | None = None,
        sentence_vectors: bool = True,
        near_duplicates: str = "link",
        max_article_chars: int | None = DEFAULT_MAX_ARTICLE_CHARS,
    ):
        if near_duplicates not in neardup.MODES:
            raise ValueError(f"near_duplicates must be one of {neardup.MODES}, got {near_duplicates!r}")
        self.near_duplicates = near_duplicates
        self.max_article_chars = max_article_chars
        self._key_owner: dict[str, str] = {}
        """doc id derived from an identity key -> the file that used it first in this run."""
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
        self._pending_chunks = 0
        self._pending_sentences = 0
        self._pending_hashes: dict[str, str] = {}
        self._pending_ids: set[str] = set()
        self.report = IngestReport()

    # -- public -------------------------------------------------------------------------------------------
    def ingest_paths(
        self,
        paths: Iterable[str | Path],
        *,
        lang: str | None = None,
        source: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> IngestReport:
        """Ingest files and folders. ``names`` maps a path (as given) to the name it stands for (an upload's
        name, for a file saved in a temporary folder): that name, not the path, is then the article's locator
        and identity."""
        with self.library.writing():  # the whole run: one writer per store, across processes
            return self._ingest_paths(paths, lang=lang, source=source, names=names)

    def _ingest_paths(
        self, paths: Iterable[str | Path], *, lang: str | None, source: str | None, names: Mapping[str, str] | None
    ) -> IngestReport:
        self.recover()
        for path, name, err in iter_named_files(paths):
            result = FileResult(str(path))
            self.report.files.append(result)
            if err:
                result.failed = True
                result.errors.append(f"{path}: {err}")
            else:
                given = (names or {}).get(str(path))
                self._ingest_file(path, result, lang=lang, source=source, name=given or name, display=given)
            self.progress("file", 1)
        self.flush()
        return self.report

    def ingest_articles(self, articles: Iterable[RawArticle], *, name: str = "<input>") -> FileResult:
        """Ingest articles given directly (API, tests); one result for the whole batch."""
        with self.library.writing():
            self.recover()
            result = FileResult(name)
            self.report.files.append(result)
            for art in articles:
                self._add_article(art, result)
            self.flush()
            return result

    def recover(self) -> None:
        """Once per ingestor: clean up what a killed writer left (see :func:`assistant.store.consistency.recover`)."""
        if not self._recovered:
            recover(self.library, self.embedder, chunk_chars=self.chunk_chars)
            self._recovered = True

    # -- internals ----------------------------------------------------------------------------------------
    def _ingest_file(
        self, path: Path, result: FileResult, *, lang, source, name: str, display: str | None = None
    ) -> None:
        """One file's articles. Each gets the identity ``identity_key(source, name + item suffix)``; with
        ``display`` (an upload's name) the stored locator is that name instead of the (temporary) path. A link
        to a file of another name is read as that file (its name and stem, not the link's, make the identity
        and the default source)."""
        real = resolved(path)
        if real.name != path.name:
            path = real
        prefix = str(path)
        try:
            for item in iter_articles(path, lang=lang, source=source, max_chars=self.max_article_chars):
                if isinstance(item, ItemError):
                    result.errors.append(f"{item.locator}: {item.reason}")
                    continue
                suffix = item.locator[len(prefix) :] if item.locator.startswith(prefix) else ""
                if display is not None:
                    item.locator = display + suffix
                self._add_article(
                    item,
                    result,
                    key=identity_key(item.source, name + suffix),
                    owner=str(real),
                    fallback_key=identity_key(item.source, str(real) + suffix),
                )
        except LoadError as e:
            result.failed = True
            result.errors.append(str(e))
        except (OSError, UnicodeError, ValueError, RecursionError, MemoryError) as e:
            # defensive: a loader bug must not stop the ingest
            result.failed = True
            result.errors.append(f"{path}: {type(e).__name__}: {e}")

    def _doc_id(self, art: RawArticle, key: str | None, owner: str | None, fallback_key: str | None) -> str:
        """The article's id; when two different files of one run have the same identity (``a/x.txt`` and
        ``b/x.txt`` from the same source), the later one falls back to its full path so neither is lost."""
        doc_id = make_doc_id(explicit=art.id, url=art.url, locator=art.locator, key=key)
        if key is None or art.id or art.url or owner is None:
            return doc_id
        first = self._key_owner.setdefault(doc_id, owner)
        if first != owner and fallback_key:
            doc_id = make_doc_id(explicit=None, url=None, locator=art.locator, key=fallback_key)
        return doc_id

    def _add_article(
        self,
        art: RawArticle,
        result: FileResult,
        *,
        key: str | None = None,
        owner: str | None = None,
        fallback_key: str | None = None,
    ) -> None:
        art.text = text = _unicode(art.text, text=True)
        for name in ("locator", "title", "source", "url", "published", "lang", "id"):
            setattr(art, name, _unicode(getattr(art, name)))
        if not text or not text.strip():
            result.errors.append(f"{art.locator}: empty text")
            return
        if self.max_article_chars and len(text) > self.max_article_chars:
            result.errors.append(
                f"{art.locator}: article is {len(text)} characters; the limit is "
                f"{self.max_article_chars} ({MAX_CHARS_SETTING})"
            )
            return
        h = content_hash(text)
        doc_id = self._doc_id(art, key, owner, fallback_key)
        existing = self.library.articles.get(doc_id)
        if existing is not None and existing.content_hash == h:
            result.unchanged += 1
            result.doc_ids.append(doc_id)
            return
        if doc_id in self._pending_ids:
            if self._pending_hashes.get(h) == doc_id:  # one file reached twice in this run (a link, its target)
                result.unchanged += 1
                result.doc_ids.append(doc_id)
            else:
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
            id=doc_id,
            content_hash=h,
            title=art.title,
            source=art.source,
            url=art.url,
            published=art.published,
            lang=lang,
            locator=art.locator,
            text=text,
            n_chunks=0,
            embedder=getattr(self.embedder, "name", "?"),
            added_at=existing.added_at if existing else stamp,
            updated_at=stamp,
            duplicate_of=match,
        )
        chunks = article_chunks(rec, self.chunk_chars)
        if not chunks:
            result.errors.append(f"{art.locator}: no sentences found in text")
            return
        rec.n_chunks = len(chunks)
        self._pending.append(_Pending(rec, chunks, result, "updated" if existing else "added", fp.keys if fp else None))
        self._pending_hashes[h] = doc_id
        self._pending_ids.add(doc_id)
        if fp:
            self._pending_texts[doc_id] = text
            for k in fp.keys:
                self._pending_bands.setdefault(k, []).append(doc_id)
        self._pending_chunks += len(chunks)
        self._pending_sentences += sum(len(c.sentences) for c in chunks)
        if (
            self._pending_chunks >= self.batch_chunks
            or self._pending_sentences >= self.batch_chunks * SENTENCES_PER_CHUNK
        ):
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
            writes.append(
                Write(
                    p.rec,
                    p.chunks,
                    out.vectors[i : i + n],
                    out.sentence_vectors[j : j + m] if out.sentence_vectors is not None else None,
                    p.bands,
                    out.latent[i : i + n] if out.latent is not None else None,
                )
            )
            i, j = i + n, j + m
        self.library.replace_many(writes)
        for p in self._pending:
            setattr(p.result, p.status, getattr(p.result, p.status) + 1)
            p.result.doc_ids.append(p.rec.id)
            self.report.chunks += len(p.chunks)
        self.progress("chunks", len(chunks))
        self._pending.clear()
        self._pending_chunks = self._pending_sentences = 0
        self._pending_hashes.clear()
        self._pending_ids.clear()
        self._pending_texts.clear()
        self._pending_bands.clear()
