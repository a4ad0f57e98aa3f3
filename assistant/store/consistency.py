"""Consistency of the four stores of one home, and its repair.

:func:`check` compares, under the writer lock (so an ingest in flight is never reported as drift):

- article rows → expected chunk ids ``{doc_id}:{hash[:8]}:{i}`` for ``i < n_chunks``, against the ids in the
  Chroma chunk collection: *orphan* chunks (no ready row, a stale hash, an index past ``n_chunks``) and
  *missing* ones;
- chunks → expected sentence ids ``{chunk_id}:s{j}`` (one per sentence span in the chunk's metadata), against
  the Chroma sentence collection (skipped when that collection is empty: a store built without sentence
  vectors);
- expected chunk ids against the lexical (FTS5) rows: orphan, missing and doubled rows (a ghost lexical hit);
  and, in a store that has latent terms (:mod:`assistant.store.latent`), chunks without them;
- near-duplicate band keys of articles that no longer exist; intents left by a killed writer.

:func:`repair` finishes or undoes the intents (:func:`recover`), deletes every orphan, and re-indexes each
article with a missing or doubled piece from its stored text (re-chunked with the given ``chunk_chars``, so
``n_chunks`` may change if the setting did). :func:`recover` handles intents only: ``deleting`` or no row → the
article's index entries are removed; ``pending`` with a row → the row's version is re-indexed (it needs the
embedder; without one the intent is kept and the article stays hidden). Limits: a check reads every id and
metadata of both Chroma collections (seconds per 100k chunks); vectors themselves are not compared.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from assistant.store.indexing import article_chunks, embed_chunks
from assistant.store.library import ArticleRecord, Library
from assistant.store.neardup import fingerprint

_SAMPLE = 20


@dataclass
class Report:
    articles: int = 0
    chunks: int = 0
    sentences: int = 0
    lexical_rows: int = 0
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
    repaired: dict | None = None

    _DRIFT = ("pending", "orphan_chunks", "missing_chunks", "orphan_sentences", "missing_sentences",
              "orphan_lexical", "missing_lexical", "doubled_lexical", "missing_latent", "orphan_bands")

    @property
    def consistent(self) -> bool:
        return not any(getattr(self, k) for k in self._DRIFT)

    def to_dict(self) -> dict:
        out = {"consistent": self.consistent, "articles": self.articles, "chunks": self.chunks,
               "sentences": self.sentences, "lexical_rows": self.lexical_rows, "pending": self.pending}
        for k in self._DRIFT[1:] + ("reindex",):
            v = getattr(self, k)
            out[k] = {"count": len(v), "sample": sorted(v)[:_SAMPLE]}
        if self.repaired is not None:
            out["repaired"] = self.repaired
        return out


    def lines(self) -> list[str]:
        """The report for people: one summary line, one per kind of drift, one for the repair."""
        d = self.to_dict()
        out = [f"{self.articles} articles, {self.chunks} chunks, {self.sentences} sentence vectors, "
               f"{self.lexical_rows} lexical rows: {'consistent' if self.consistent else 'DRIFT'}"]
        if self.pending:
            out.append(f"  interrupted writes: {', '.join(p['doc_id'] for p in self.pending[:_SAMPLE])}")
        out += [f"  {k.replace('_', ' ')}: {v['count']} (e.g. {', '.join(v['sample'][:3])})"
                for k, v in d.items() if isinstance(v, dict) and v.get("count")]
        if self.repaired:
            r = self.repaired
            out.append(f"repaired: {len(r['recovered'])} interrupted writes, {r['deleted_chunks']} chunks, "
                       f"{r['deleted_sentences']} sentence vectors and {r['deleted_lexical_rows']} lexical rows "
                       f"deleted, {len(r['reindexed'])} articles re-indexed; now "
                       f"{'consistent' if r['consistent_after'] else 'STILL INCONSISTENT'}")
        return out


def check(library: Library) -> Report:
    with library.writing():
        return _check(library)


def _check(library: Library) -> Report:
    rows = library.articles.summary()
    pending = library.articles.intents()
    busy = {i.doc_id for i in pending}
    expected = {f"{d}:{h[:8]}:{i}": d for d, (h, n) in rows.items() if d not in busy for i in range(n)}
    chunk_meta = dict(library.index.entries())
    r = Report(articles=len(rows), chunks=len(chunk_meta), pending=[i.__dict__ for i in pending])
    r.orphan_chunks = [c for c in chunk_meta if c not in expected]
    r.missing_chunks = [c for c in expected if c not in chunk_meta]

    sent_ids = [s for s, _ in library.sentences.entries()]
    r.sentences = len(sent_ids)
    if sent_ids:
        want = {f"{c}:s{j}": c for c in expected if c in chunk_meta
                for j in range(len(json.loads(chunk_meta[c].get("sentences", "[]"))))}
        have = set(sent_ids)
        r.orphan_sentences = [s for s in sent_ids if s not in want]
        r.missing_sentences = [s for s in want if s not in have]
    else:
        want = {}

    lex = Counter(c for c, _ in library.lexical.chunk_rows())
    r.lexical_rows = sum(lex.values())
    r.orphan_lexical = [c for c in lex if c not in expected]
    r.missing_lexical = [c for c in expected if c not in lex]
    r.doubled_lexical = [c for c, n in lex.items() if n > 1 and c in expected]
    latent = library.lexical.latent_ids()
    if latent:  # a store built by an embedder without latent terms has none, and needs none
        r.missing_latent = [c for c in expected if c in lex and c not in latent]
    r.orphan_bands = sorted(library.articles.band_doc_ids() - set(rows))
    broken = set(r.missing_chunks) | set(r.missing_lexical) | set(r.doubled_lexical) | set(r.missing_latent)
    r.reindex = sorted({expected[c] for c in broken} | {want[s].rsplit(":", 2)[0] for s in r.missing_sentences})
    return r


def reindex(library: Library, embedder, rec: ArticleRecord, *, chunk_chars: int) -> None:
    """Rewrite every index entry of a stored article from its stored text (intent → indexes → commit)."""
    chunks = article_chunks(rec, chunk_chars)
    out = embed_chunks(embedder, chunks)
    fp = fingerprint(rec.text)
    rec.n_chunks = len(chunks)
    library.replace(rec, chunks, out.vectors, out.sentence_vectors, bands=fp.keys if fp else None, latent=out.latent)


def recover(library: Library, embedder=None, *, chunk_chars: int = 1000,
            embedder_factory: Callable[[], object] | None = None) -> list[str]:
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


def repair(library: Library, embedder=None, *, chunk_chars: int = 1000,
           embedder_factory: Callable[[], object] | None = None) -> Report:
    """Check, then recover intents, delete orphans and re-index broken articles; the report is the check's,
    with ``repaired`` (what was done) and ``after`` (a fresh check) in ``repaired``."""
    with library.writing():
        before = _check(library)
        if before.consistent:
            before.repaired = {}
            return before
        if embedder is None and embedder_factory is not None and (before.reindex or before.pending):
            embedder = embedder_factory()
        recovered = recover(library, embedder, chunk_chars=chunk_chars)
        mid = _check(library)
        library.mark_written()
        library.index.delete_ids(mid.orphan_chunks)
        library.sentences.delete_ids(mid.orphan_sentences)
        library.lexical.delete_chunks(mid.orphan_lexical + mid.doubled_lexical)
        library.articles.delete_bands(mid.orphan_bands)
        reindexed = []
        for doc_id in mid.reindex:
            rec = library.articles.get(doc_id)
            if rec is not None and embedder is None and embedder_factory is not None:
                embedder = embedder_factory()
            if rec is not None and embedder is not None:
                reindex(library, embedder, rec, chunk_chars=chunk_chars)
                reindexed.append(doc_id)
        after = _check(library)
        before.repaired = {"recovered": recovered, "deleted_chunks": len(mid.orphan_chunks),
                           "deleted_sentences": len(mid.orphan_sentences),
                           "deleted_lexical_rows": len(mid.orphan_lexical) + len(mid.doubled_lexical),
                           "reindexed": reindexed, "consistent_after": after.consistent}
        return before
