"""Consistency of the four stores of one home, and its repair.

:func:`check` compares, under the writer lock (so an ingest in flight is never reported as drift; a read-only
store, which no writer can change through this process, is checked without it):

- each part can be read at all: ``articles.db`` and ``lexical.db`` pass SQLite's ``PRAGMA quick_check`` and
  their rows read; every entry of both Chroma collections is read *with its vector* (paged), and one nearest
  query runs, because a torn copy can read its metadata fine and fail on its vectors (``Error finding id``,
  ``Error getting embedding`` from HNSW segment files of another moment, truncated or missing). A part that
  fails is reported as ``unreadable`` with the error's gist, never a traceback;
- article rows → expected chunk ids ``{doc_id}:{hash[:8]}:{i}`` for ``i < n_chunks``, against the ids in the
  Chroma chunk collection: *orphan* chunks (no ready row, a stale hash, an index past ``n_chunks``) and
  *missing* ones;
- chunks → expected sentence ids ``{chunk_id}:s{j}`` (one per sentence span in the chunk's metadata), against
  the Chroma sentence collection (skipped when that collection is empty: a store built without sentence
  vectors);
- expected chunk ids against the lexical (FTS5) rows: orphan, missing and doubled rows (a ghost lexical hit);
  and, in a store that has latent terms (:mod:`assistant.store.latent`), chunks without them;
- near-duplicate band keys of articles that no longer exist; intents left by a killed writer; and the articles
  that have index entries but no row (``lost``: their text did not survive, e.g. a ``-wal`` file missing from a
  copy).

:func:`repair` treats ``articles.db`` as the source of truth. First what cannot be read is rebuilt: a damaged
``articles.db`` has every row SQLite can still read copied into a fresh file (:func:`assistant.store.articles.salvage`;
the damaged file is kept beside it as ``articles.broken-<time>.db``; if no row can be read the repair stops and
says to restore ``articles.db`` from a backup, leaving the indexes as they are); an unreadable Chroma collection
is dropped (``delete_collection``) and made again empty, and when that fails, or the Chroma folder cannot be
opened at all, ``chroma/`` is moved aside to ``chroma.broken-<time>`` and made again; a damaged ``lexical.db`` is
moved aside to ``lexical.broken-<time>.db``. Then it finishes or undoes the intents (:func:`recover`), deletes
every orphan, and re-indexes each article with a missing or doubled piece from its stored text (re-chunked with
the given ``chunk_chars``, so ``n_chunks`` may change if the setting did), in batches of about
:data:`REINDEX_BATCH_CHUNKS` chunks (one index call per batch). Its report names what was rebuilt and the
articles it could not keep. :func:`recover` handles intents only: ``deleting`` or no row → the article's index
entries are removed; ``pending`` with a row → the row's version is re-indexed (it needs the embedder; without
one the intent is kept and the article stays hidden).

Limits: a check reads every id, metadata and vector of both Chroma collections, so its time grows with the
store (the vectors add little to reading ids and metadata alone; docs/benchmarks.md, 'Store check and repair');
a vector is read, not compared with a fresh embedding;
rows on SQLite pages that cannot be read are lost (named when their chunks are still indexed); rebuilding any
part re-embeds every article; an HNSW segment file shorter than its header says (found by the library before
chromadb reads it, see :mod:`assistant.store.library`) has the whole ``chroma/`` moved aside, the other
collection included.

Why one module of about 550 lines: each check of a store part sits next to its repair, so that what `docs check`
reports and what `--repair` rebuilds cannot drift apart.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.store.articles import salvage
from assistant.store.chunks import ChunkIndex, doc_id_of
from assistant.store.indexing import article_chunks, embed_chunks
from assistant.store.keys import make_chunk_id, make_sentence_id
from assistant.store.library import ArticleRecord, Library, StoreDamaged, Unreadable, Write, short_reason
from assistant.store.neardup import fingerprint

_SAMPLE = 20
REINDEX_BATCH_CHUNKS = 256
"""Chunks embedded and written per call when a repair re-indexes many articles."""
PAGE = 5000
"""Entries read from a Chroma collection per call by the check."""
ARTICLES, CHUNKS, SENTENCES, LEXICAL = "articles", "chunk vectors", "sentence vectors", "lexical index"


@dataclass
class Report:
    articles: int = 0
    chunks: int = 0
    sentences: int = 0
    lexical_rows: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)
    """Parts that could not be read (``articles``, ``chunk vectors``, ``sentence vectors``, ``lexical index``):
    the error's gist."""
    pending: list[dict] = field(default_factory=list)
    orphan_chunks: list[str] = field(default_factory=list)
    missing_chunks: list[str] = field(default_factory=list)
    orphan_sentences: list[str] = field(default_factory=list)
    missing_sentences: list[str] = field(default_factory=list)
    orphan_lexical: list[str] = field(default_factory=list)
    missing_lexical: list[str] = field(default_factory=list)
    doubled_lexical: list[str] = field(default_factory=list)
    missing_latent: list[str] = field(default_factory=list)
    orphan_bands: list[str] = field(default_factory=list)
    reindex: list[str] = field(default_factory=list)
    """Ready articles with a missing or doubled piece (re-indexed from their stored text by a repair)."""
    lost: dict[str, str] = field(default_factory=dict)
    """Articles with index entries but no row and no intent: ``{doc_id: title or ""}`` (their text is gone)."""
    repaired: dict | None = None

    _DRIFT = (
        "unreadable",
        "pending",
        "orphan_chunks",
        "missing_chunks",
        "orphan_sentences",
        "missing_sentences",
        "orphan_lexical",
        "missing_lexical",
        "doubled_lexical",
        "missing_latent",
        "orphan_bands",
    )
    _LISTS = _DRIFT[2:] + ("reindex",)

    @property
    def consistent(self) -> bool:
        return not any(getattr(self, k) for k in self._DRIFT)

    def to_dict(self) -> dict:
        out = {
            "consistent": self.consistent,
            "articles": self.articles,
            "chunks": self.chunks,
            "sentences": self.sentences,
            "lexical_rows": self.lexical_rows,
            "unreadable": self.unreadable,
            "pending": self.pending,
        }
        for k in self._LISTS:
            v = getattr(self, k)
            out[k] = {"count": len(v), "sample": sorted(v)[:_SAMPLE]}
        out["lost"] = {"count": len(self.lost), "sample": _named(self.lost)[:_SAMPLE]}
        if self.repaired is not None:
            out["repaired"] = self.repaired
        return out

    def lines(self) -> list[str]:
        """The report for people: one summary line, one per kind of drift, one per rebuilt part, one for the
        repair, one naming what it could not keep."""
        d = self.to_dict()
        out = [
            f"{self.articles} articles, {self.chunks} chunks, {self.sentences} sentence vectors, "
            f"{self.lexical_rows} lexical rows: {'consistent' if self.consistent else 'DRIFT'}"
        ]
        out += [f"  {part}: unreadable ({why})" for part, why in self.unreadable.items()]
        if self.pending:
            out.append(f"  interrupted writes: {', '.join(p['doc_id'] for p in self.pending[:_SAMPLE])}")
        out += [
            f"  {k.replace('_', ' ')}: {d[k]['count']} (e.g. {', '.join(d[k]['sample'][:3])})"
            for k in self._LISTS
            if d[k]["count"]
        ]
        if self.lost:
            out.append(
                f"  articles whose text is gone (index entries without a row): {len(self.lost)} "
                f"(e.g. {', '.join(_named(self.lost)[:3])})"
            )
        r = self.repaired
        if r:
            out += [f"rebuilt: {note}" for note in r.get("rebuilt", [])]
            if "reindexed" in r:
                out.append(
                    f"repaired: {len(r['recovered'])} interrupted writes, {r['deleted_chunks']} chunks, "
                    f"{r['deleted_sentences']} sentence vectors and {r['deleted_lexical_rows']} lexical "
                    f"rows deleted, {len(r['reindexed'])} articles re-indexed; now "
                    f"{'consistent' if r['consistent_after'] else 'STILL INCONSISTENT'}"
                )
            if r.get("not_kept"):
                out.append(
                    f"not kept: {len(r['not_kept'])} articles whose text did not survive (ingest them "
                    f"again): {', '.join(r['not_kept'][:_SAMPLE])}"
                )
            if r.get("advice"):
                out.append(f"could not repair: {r['advice']}")
        return out


def _named(lost: dict[str, str]) -> list[str]:
    """``doc_id (title)`` of each article, the title cut to 60 characters."""
    return sorted(f"{d} ({t if len(t) <= 60 else t[:59] + '…'})" if t else d for d, t in lost.items())


def _attempt(fn: Callable):
    """``(fn(), None)``, or ``(None, gist of the error)`` for anything a broken part raises (chromadb's own errors,
    SQLite's, the OS's, a Rust panic)."""
    try:
        return fn(), None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - reported as "unreadable (...)", never a traceback
        return None, short_reason(e)


def read_entries(index: ChunkIndex) -> dict[str, dict]:
    """``{id: metadata}`` of every entry of a collection, read with its vector (paged), then one nearest query:
    whatever the collection raises on the way propagates."""
    out: dict[str, dict] = {}
    offset, probe = 0, None
    while True:
        r = index.collection.get(include=["metadatas", "embeddings"], limit=PAGE, offset=offset)
        vectors = r["embeddings"]
        for k, (entry_id, md) in enumerate(zip(r["ids"], r["metadatas"], strict=True)):
            if vectors is None or vectors[k] is None:
                raise StoreDamaged(f"no vector for {entry_id}")
            out[entry_id] = md or {}
            probe = vectors[k] if probe is None else probe
        if len(r["ids"]) < PAGE:
            break
        offset += PAGE
    if probe is not None:
        index.collection.query(query_embeddings=[probe], n_results=1, include=["distances"])
    return out


def _read_articles(library: Library):
    problem = library.articles.problem()
    if problem:
        raise StoreDamaged(problem)
    return library.articles.summary(), library.articles.intents(), library.articles.band_doc_ids()


def _read_lexical(library: Library):
    problem = library.lexical.problem()
    if problem:
        raise StoreDamaged(problem)
    return Counter(c for c, _ in library.lexical.chunk_rows()), library.lexical.latent_ids()


def check(library: Library) -> Report:
    if library.read_only is not None:  # no writer can change it through this process: nothing to wait for
        return _check(library)
    with library.writing(damaged_ok=True):
        return _check(library)


def _check(library: Library) -> Report:
    r = Report()
    got, why = _attempt(lambda: _read_articles(library))
    if why:  # nothing to compare the indexes with
        r.unreadable[ARTICLES] = why
        return r
    rows, pending, band_ids = got
    busy = {i.doc_id for i in pending}
    expected = {make_chunk_id(d, h, i): d for d, (h, n) in rows.items() if d not in busy for i in range(n)}
    r.articles, r.pending = len(rows), [i.__dict__ for i in pending]
    r.orphan_bands = sorted(band_ids - set(rows))

    def lose(doc_id: str | None, title: str = "") -> None:
        if doc_id and doc_id not in rows and doc_id not in busy:
            r.lost[doc_id] = r.lost.get(doc_id) or title

    chunk_meta, why = _attempt(lambda: read_entries(library.index))
    if why:
        r.unreadable[CHUNKS] = why
    else:
        r.chunks = len(chunk_meta)
        r.orphan_chunks = [c for c in chunk_meta if c not in expected]
        r.missing_chunks = [c for c in expected if c not in chunk_meta]
        for c in r.orphan_chunks:
            lose(chunk_meta[c].get("doc_id") or doc_id_of(c), chunk_meta[c].get("title") or "")

    sent_meta, why = _attempt(lambda: read_entries(library.sentences))
    want: dict[str, str] = {}
    if why:
        r.unreadable[SENTENCES] = why
    elif sent_meta and chunk_meta is not None:
        r.sentences = len(sent_meta)
        want = {
            make_sentence_id(c, j): c
            for c in expected
            if c in chunk_meta
            for j in range(len(json.loads(chunk_meta[c].get("sentences", "[]"))))
        }
        r.orphan_sentences = [s for s in sent_meta if s not in want]
        r.missing_sentences = [s for s in want if s not in sent_meta]
        for s in r.orphan_sentences:
            lose(doc_id_of(s))
    elif sent_meta:
        r.sentences = len(sent_meta)

    got, why = _attempt(lambda: _read_lexical(library))
    if why:
        r.unreadable[LEXICAL] = why
    else:
        lex, latent = got
        r.lexical_rows = sum(lex.values())
        r.orphan_lexical = [c for c in lex if c not in expected]
        r.missing_lexical = [c for c in expected if c not in lex]
        r.doubled_lexical = [c for c, n in lex.items() if n > 1 and c in expected]
        if latent:  # a store built by an embedder without latent terms has none, and needs none
            r.missing_latent = [c for c in expected if c in lex and c not in latent]
        for c in r.orphan_lexical:
            lose(doc_id_of(c))

    if r.unreadable:  # a rebuilt part needs every ready article
        r.reindex = sorted(set(expected.values()))
    else:
        broken = set(r.missing_chunks) | set(r.missing_lexical) | set(r.doubled_lexical) | set(r.missing_latent)
        r.reindex = sorted({expected[c] for c in broken} | {expected[want[s]] for s in r.missing_sentences})
    return r


def reindex(library: Library, embedder, rec: ArticleRecord, *, chunk_chars: int) -> None:
    """Rewrite every index entry of a stored article from its stored text (intent → indexes → commit)."""
    reindex_many(library, embedder, [rec], chunk_chars=chunk_chars)


def reindex_many(
    library: Library, embedder, recs: list[ArticleRecord], *, chunk_chars: int, batch_chunks: int = REINDEX_BATCH_CHUNKS
) -> None:
    """:func:`reindex` for many articles: embedded and written in batches of about ``batch_chunks`` chunks, one
    :meth:`Library.replace_many` per batch."""
    batch: list[tuple[ArticleRecord, list]] = []
    n = 0
    for rec in recs:
        chunks = article_chunks(rec, chunk_chars)
        batch.append((rec, chunks))
        n += len(chunks)
        if n >= batch_chunks:
            _write_batch(library, embedder, batch)
            batch, n = [], 0
    if batch:
        _write_batch(library, embedder, batch)


def _write_batch(library: Library, embedder, batch: list[tuple[ArticleRecord, list]]) -> None:
    out = embed_chunks(embedder, [c for _, chunks in batch for c in chunks])
    writes, i, j = [], 0, 0
    for rec, chunks in batch:
        n, m = len(chunks), sum(len(c.sentences) for c in chunks)
        fp = fingerprint(rec.text)
        rec.n_chunks = n
        writes.append(
            Write(
                rec,
                chunks,
                out.vectors[i : i + n],
                out.sentence_vectors[j : j + m] if out.sentence_vectors is not None else None,
                fp.keys if fp else None,
                out.latent[i : i + n] if out.latent is not None else None,
            )
        )
        i, j = i + n, j + m
    library.replace_many(writes)


def recover(
    library: Library, embedder=None, *, chunk_chars: int = 1000, embedder_factory: Callable[[], object] | None = None
) -> list[str]:
    """Finish or undo what killed writers left (their intents); returns the doc ids handled."""
    done = []
    with library.writing():
        for intent in library.articles.intents():
            rec = library.articles.get(intent.doc_id)
            if intent.state == "deleting" or rec is None:
                library.purge(intent.doc_id)
                library.articles.delete_bands([intent.doc_id])
                library.articles.finish(intent.doc_id)
            else:
                if embedder is None and embedder_factory is not None:
                    embedder = embedder_factory()
                if embedder is None:
                    continue
                reindex(library, embedder, rec, chunk_chars=chunk_chars)  # its commit ends the intent
            done.append(intent.doc_id)
    return done


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime())


def _move_aside(path: Path, stem: str, suffix: str = "") -> Path:
    """Rename ``path`` (and a SQLite file's ``-wal``/``-shm``) to ``{stem}.broken-<time>{suffix}``."""
    dst = path.with_name(f"{stem}.broken-{_stamp()}{suffix}")
    k = 1
    while dst.exists():
        k += 1
        dst = path.with_name(f"{stem}.broken-{_stamp()}-{k}{suffix}")
    os.replace(path, dst)
    for extra in ("-wal", "-shm", "-journal"):
        if path.with_name(path.name + extra).exists():
            os.replace(path.with_name(path.name + extra), dst.with_name(dst.name + extra))
    return dst


def _salvage_articles(library: Library) -> tuple[bool, str]:
    """Replace a damaged ``articles.db`` with the rows that can still be read: ``(True, what was done)``, or
    ``(False, advice)`` when no row could be read (nothing is changed then)."""
    path = library.home / "articles.db"
    library.articles.close()
    fresh = path.with_name("articles.salvage.db")
    for p in (fresh, fresh.with_name(fresh.name + "-wal"), fresh.with_name(fresh.name + "-shm")):
        p.unlink(missing_ok=True)
    kept, error = salvage(path, fresh)
    if kept == 0 and error:
        fresh.unlink(missing_ok=True)
        return False, (
            f"{path} cannot be read ({error}) and no article could be salvaged from it: restore "
            "articles.db from a backup (the indexes were left as they are), then run `assistant docs "
            "check --repair` again"
        )
    aside = _move_aside(path, "articles", ".db")
    os.replace(fresh, path)
    return True, f"articles.db: {kept} articles salvaged from the damaged file ({error}), kept as {aside.name}"


def _rebuild(library: Library, unreadable: dict[str, str], *, force_vectors: bool = False) -> list[str]:
    """Make every unreadable part readable again (empty where it was rebuilt); returns what was done."""
    notes = []
    if LEXICAL in unreadable:
        library.lexical.close()
        path = library.home / "lexical.db"
        if path.exists():
            notes.append(
                f"lexical.db ({unreadable[LEXICAL]}) moved aside to {_move_aside(path, 'lexical', '.db').name}"
                " and made again"
            )
    bad = [(idx, what) for idx, what in ((library.index, CHUNKS), (library.sentences, SENTENCES)) if what in unreadable]
    if bad:
        opened = not any(isinstance(idx, Unreadable) for idx, _ in bad)
        dropped = False
        if opened and not force_vectors:
            # ChunkIndex keeps its client private; the collection's own name is the one to drop
            drop = [(idx._client, idx.collection.name) for idx, _ in bad]
            dropped = _attempt(lambda: [client.delete_collection(name) for client, name in drop])[1] is None
            if dropped:
                notes += [f"{what} ({unreadable[what]}): collection dropped and made again" for _, what in bad]
        chroma = library.home / "chroma"
        if not dropped and library.embedded and chroma.exists():
            why = "; ".join(f"{what}: {unreadable[what]}" for _, what in bad)
            notes.append(f"chroma ({why}) moved aside to {_move_aside(chroma, 'chroma').name} and made again")
    library.reopen()
    return notes


def repair(
    library: Library, embedder=None, *, chunk_chars: int = 1000, embedder_factory: Callable[[], object] | None = None
) -> Report:
    """Check, then rebuild what cannot be read, recover intents, delete orphans and re-index broken articles; the
    report is the check's, with what was done in ``repaired`` (``consistent_after`` from a fresh check). A write
    that fails inside an index that read fine (chromadb can fail on a delete in a torn segment) has the vector
    collections rebuilt and the write run once more; a second failure is reported, not raised."""
    with library.writing(damaged_ok=True):
        before = _check(library)
        if before.consistent:
            before.repaired = {}
            return before
        lost = dict(before.lost)  # named from every check on the way: a rebuilt index forgets its orphans

        def again() -> Report:
            r = _check(library)
            lost.update({d: t for d, t in r.lost.items() if t or d not in lost})
            return r

        def cannot(advice: str) -> Report:
            before.repaired = {
                "rebuilt": rebuilt,
                "not_kept": _named(lost),
                "consistent_after": False,
                "advice": advice,
            }
            return before

        rebuilt: list[str] = []
        if ARTICLES in before.unreadable:
            salvaged, note = _salvage_articles(library)
            library.reopen()
            if not salvaged:
                return cannot(note)
            rebuilt.append(note)
        mid = again()
        everything = bool(mid.unreadable)  # a rebuilt part is empty: every ready article goes back in
        if mid.unreadable:
            rebuilt += _rebuild(library, mid.unreadable)
            mid = again()
            if (CHUNKS in mid.unreadable or SENTENCES in mid.unreadable) and library.embedded:
                rebuilt += _rebuild(library, mid.unreadable, force_vectors=True)  # dropping was not enough
                mid = again()
        if mid.unreadable:
            return cannot("; ".join(f"the {k} is still unreadable ({v})" for k, v in mid.unreadable.items()))
        if embedder is None and embedder_factory is not None and (mid.reindex or mid.pending or everything):
            embedder = embedder_factory()
        try:
            done = _write_fixes(library, embedder, mid, lost, everything, chunk_chars)
        except sqlite3.DatabaseError as e:
            return cannot(
                f"a write to the store failed ({short_reason(e)}); run `assistant docs check --repair` "
                "again, or restore the store from a backup"
            )
        except BaseException as e:  # noqa: BLE001 - only chromadb's own failures are handled here
            if not _from_chroma(e):
                raise  # an embedder's failure (one clear line from the CLI), or a bug
            why = f"a repair write failed: {short_reason(e)}"
            rebuilt += _rebuild(library, {CHUNKS: why, SENTENCES: why})
            mid = again()
            if mid.unreadable:
                return cannot("; ".join(f"the {k} is still unreadable ({v})" for k, v in mid.unreadable.items()))
            if embedder is None and embedder_factory is not None:
                embedder = embedder_factory()
            done, why = _attempt(lambda: _write_fixes(library, embedder, mid, lost, True, chunk_chars))
            if why:
                return cannot(
                    f"a write failed twice, the second time after the vectors were rebuilt ({why}); "
                    "run `assistant docs check --repair` again, or restore the store from a backup"
                )
        recovered, fixed, reindexed = done
        after = _check(library)
        before.repaired = {
            "rebuilt": rebuilt,
            "recovered": recovered,
            "deleted_chunks": len(fixed.orphan_chunks),
            "deleted_sentences": len(fixed.orphan_sentences),
            "deleted_lexical_rows": len(fixed.orphan_lexical) + len(fixed.doubled_lexical),
            "reindexed": reindexed,
            "not_kept": _named(lost),
            "consistent_after": after.consistent,
        }
        if not after.consistent:
            before.repaired["advice"] = "; ".join(line.strip() for line in after.lines()[1:4])
        return before


def _from_chroma(e: BaseException) -> bool:
    """Whether ``e`` comes from chromadb (its errors, or a panic of its Rust core)."""
    return type(e).__module__.startswith("chromadb") or type(e).__name__ == "PanicException"


def _write_fixes(
    library: Library, embedder, mid: Report, lost: dict[str, str], everything: bool, chunk_chars: int
) -> tuple[list[str], Report, list[str]]:
    """Recover the intents, delete the orphans and re-index (every ready article when ``everything``); returns
    ``(recovered doc ids, the check the deletions came from, re-indexed doc ids)``."""
    rows_before = set(library.articles.summary())
    recovered = recover(library, embedder, chunk_chars=chunk_chars)
    lost.update(
        {
            p["doc_id"]: ""
            for p in mid.pending  # new articles whose write never committed
            if p["state"] != "deleting" and p["doc_id"] not in rows_before and p["doc_id"] not in lost
        }
    )
    mid = _check(library)
    if everything:
        mid.reindex = sorted(library.articles.summary().keys() - {i.doc_id for i in library.articles.intents()})
    library.mark_written()
    library.index.delete_ids(mid.orphan_chunks)
    library.sentences.delete_ids(mid.orphan_sentences)
    library.lexical.delete_chunks(mid.orphan_lexical + mid.doubled_lexical)
    library.articles.delete_bands(mid.orphan_bands)
    reindexed: list[str] = []
    if embedder is not None:
        recs = [rec for rec in (library.articles.get(d) for d in mid.reindex) if rec is not None]
        reindex_many(library, embedder, recs, chunk_chars=chunk_chars)
        reindexed = [rec.id for rec in recs]
    return recovered, mid, reindexed
