"""Retrieval: hybrid (chunk vectors + sentence vectors + same-language BM25) or dense-only, filtered in the index.

``Filters`` maps the user's ``--filter key=value`` pairs (``lang``, ``source``, ``date_from``, ``date_to`` as
YYYY-MM-DD) to a Chroma ``where`` clause; filtering happens inside each index search and top-k is taken among
matching chunks (vector searches check candidates against the article table, falling back to Chroma's own
filtered search when too few match: :mod:`assistant.store.chunks`; BM25 filters in its SQL). Results are deduplicated: a chunk whose normalized text equals a better-ranked chunk's is dropped (the
same wire story stored under two ids), unless the caller keeps each source's copy (``copies``).

Hybrid scoring: multilingual-e5 scores a question against a whole chunk and against each of its sentences (the
best sentence often carries the answer where the chunk's average meaning drifts); BM25 over Arabic-normalized,
stemmed terms (:mod:`assistant.store.lexical`) adds evidence only for chunks in the question's language, because
term overlap across languages is noise that drags good dense results down. Chunks in the other language are
searched with the question vector centred for its language (the embedder's ``query_centering``,
:mod:`assistant.backends.centering`; a store holding both languages runs one search per language group, each filtered to
its group and given half of the candidate pool). The front of the fused list is rescored with latent terms
(:mod:`assistant.store.latent`) when the embedder has them. A reranker, if given, reorders the
fused list (an object with ``name`` and ``rerank(question, hits) -> hits``). Limits: weights are global, tuned on
XQuAD dev; lexical filters use the same fields as the Chroma ``where``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError
from assistant.store.chunks import where_keys, where_matches
from assistant.store.keys import chunk_id_of, date_key, doc_id_of
from assistant.store.latent import QUERY_TERMS
from assistant.store.latent import scores as latent_scores
from assistant.store.library import ChunkHit, Library
from assistant.text.arabic import detect_language, normalize_for_search
from assistant.text.names import cross_script_keys

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILTER_KEYS = ("lang", "source", "date_from", "date_to")


@dataclass(frozen=True)
class Filters:
    lang: str | None = None
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    @classmethod
    def from_mapping(cls, data: dict | None) -> Filters:
        data = {k: v for k, v in (data or {}).items() if v not in (None, "")}
        unknown = sorted(set(data) - set(FILTER_KEYS))
        if unknown:
            raise ConfigError(f"unknown filter {unknown[0]!r}; use one of: {', '.join(FILTER_KEYS)}")
        for key in ("date_from", "date_to"):
            if key in data and not _DATE.match(str(data[key])):
                raise ConfigError(f"filter {key} must be a date as YYYY-MM-DD, got {data[key]!r}")
        if "lang" in data and data["lang"] not in ("ar", "en"):
            raise ConfigError(f"filter lang must be 'ar' or 'en', got {data['lang']!r}")
        return cls(**{k: str(v) for k, v in data.items()})

    @classmethod
    def from_pairs(cls, pairs: Sequence[str]) -> Filters:
        data = {}
        for p in pairs:
            if "=" not in p:
                raise ConfigError(f"--filter expects key=value, got {p!r}")
            k, v = p.split("=", 1)
            data[k.strip()] = v.strip()
        return cls.from_mapping(data)

    def where(self) -> dict | None:
        clauses: list[dict] = []
        if self.lang:
            clauses.append({"lang": self.lang})
        if self.source:
            clauses.append({"source": self.source})
        if self.date_from:
            clauses.append({"date": {"$gte": date_key(self.date_from)}})
        if self.date_to:
            clauses.append({"date": {"$lte": date_key(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


RETRIEVAL_MODES = ("hybrid", "dense")
_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="latent-query")


class Reranker(Protocol):
    """Reorders retrieved chunks (a cross-encoder, an LLM judge, ...). None is configured by default."""

    name: str

    def rerank(self, question: str, hits: list[ChunkHit]) -> list[ChunkHit]: ...


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the hybrid score, tuned on the XQuAD dev splits and ARCD train (never per question):
    ``(1 - sentence) * chunk_cosine + sentence * best_sentence_cosine + lexical * bm25 / max_bm25``,
    the lexical term counting only for chunks in the question's language (cross-language settings do not use it;
    why 0.08 and not 0.05: see docs/benchmarks.md, 'Fusion weights')."""

    sentence: float = 0.5
    lexical: float = 0.08
    cross_script: float = 0.03
    """Weight of names and numbers shared across scripts (``assistant.text.names.cross_script_keys``), counted only
    for chunks in the other language, normalized by the best candidate's count."""
    query_centering: bool = True
    """Search other-language chunks with the centred question (when the embedder has ``query_centering``)."""
    latent: float = 0.2
    """Weight of the latent-term channel (:mod:`assistant.store.latent`, when the embedder has latent terms): the mean
    of the question's cosine with the chunk and with its best sentence, rescoring the fused front."""


@dataclass(frozen=True)
class PreparedQuery:
    """A question's vector, and its latent terms being computed (a Future, or None when the channel is off)."""

    vector: np.ndarray
    latent: Future | None = None


class Retriever:
    """``hybrid`` (default): chunk vectors, sentence vectors and same-language BM25, fused by weighted scores.
    ``dense``: chunk vectors alone (the multilingual-embedder baseline)."""

    def __init__(
        self,
        library: Library,
        embedder,
        *,
        mode: str = "hybrid",
        weights: FusionWeights = FusionWeights(),
        reranker=None,
    ):
        if mode not in RETRIEVAL_MODES:
            raise ConfigError(f"unknown retrieval mode {mode!r}; use one of: {', '.join(RETRIEVAL_MODES)}")
        self.library = library
        self.embedder = embedder
        self.mode = mode
        self.weights = weights
        self.reranker = reranker
        self.name = f"{mode}:{getattr(embedder, 'name', '?')}" + (f"+{reranker.name}" if reranker else "")

    def prepare(self, question: str, query_vector: np.ndarray | None = None) -> PreparedQuery:
        """Embed the question. The latent-term pass (a second model pass, hybrid mode only) is started first, in a
        background thread, so that it overlaps the query embedding (with an embedder that can run two passes at
        once) and the index searches (the bundled one runs one pass at a time behind a lock, so starting it after
        the query embedding instead would gain nothing: see docs/benchmarks.md, 'Fusion weights')."""
        latent = None
        if self.mode == "hybrid" and bool(getattr(self.embedder, "latent_dim", 0)) and self.weights.latent:
            latent = _BACKGROUND.submit(self.embedder.embed_latent, [question], top_k=QUERY_TERMS)
        qv = self.embedder.embed_query(question) if query_vector is None else query_vector
        return PreparedQuery(qv, latent)

    def retrieve(
        self,
        question: str,
        *,
        top_k: int,
        filters: Filters | None = None,
        prepared: PreparedQuery | None = None,
        copies: bool = False,
    ) -> list[ChunkHit]:
        """Top ``top_k`` chunks for ``question``; ``prepared`` (from :meth:`prepare` for the same question, which
        also takes a vector computed elsewhere) skips embedding it here. ``copies``: keep a chunk whose text
        another source's better-ranked chunk already has (for a question about which sources carried a story);
        by default it is dropped. The indexes are read through :meth:`Library.read` (what another process wrote
        is picked up; a store being written never crashes it)."""
        prepared = prepared or self.prepare(question)
        return self.library.read(lambda: self._retrieve(question, top_k, filters, prepared, copies))

    def _retrieve(
        self, question: str, top_k: int, filters: Filters | None, prepared: PreparedQuery, copies: bool = False
    ) -> list[ChunkHit]:
        qv = prepared.vector
        filters = filters or Filters()
        pool = max(top_k * 4, 40)
        if self.mode == "dense":
            found = self.library.index.nearest(qv, pool, filters.where(), allowed=self._allowed(filters))
            records = self.library.index.get([cid for cid, _ in found])
            hits = [ChunkHit(records[cid], score) for cid, score in found if cid in records]
        else:
            hits = self._hybrid(question, prepared, pool, filters, keep=top_k * 2)
        hits = self.library.visible(hits)  # only chunks of ready articles with the chunk's content hash
        hits = _dedupe(hits, pool, by_source=copies)
        if self.reranker is not None:
            hits = self.reranker.rerank(question, hits)
        return hits[:top_k]

    def _allowed(self, filters: Filters | dict | None, known: dict | None = None):
        """``ids -> the ids whose article matches the filters`` (a :class:`Filters` or a ``where`` clause, checked
        in the article table), or None without filters; lets the vector indexes filter without reading Chroma
        metadata. ``known``: article fields already read during this retrieval (filled in as a side effect), so
        that searches of one question look each article up once."""
        where = filters.where() if isinstance(filters, Filters) else filters
        if where is None:
            return None
        dated = "date" in where_keys(where)  # parse dates only for a clause that needs them
        known = {} if known is None else known

        def allowed(ids: list[str]) -> set[str]:
            docs = {i: doc_id_of(i) for i in ids}
            missing = {d for d in docs.values() if d and d not in known}
            if missing:
                known.update(self.library.articles.filter_fields(missing))
            fields = {d: known[d] for d in set(docs.values()) if d in known}
            ok = {
                d
                for d, (lang, source, published) in fields.items()
                if where_matches(
                    where, {"lang": lang, "source": source, "date": date_key(published) if dated else None}
                )
            }
            return {i for i, d in docs.items() if d in ok}

        return allowed

    def _language_groups(
        self, qv: np.ndarray, lang: str, filters: Filters
    ) -> list[tuple[np.ndarray, float, dict | None]]:
        """``(query vector, score offset, where)`` per vector search: the raw question for chunks in its language,
        the centred one (plus its offset) for chunks in the other language; one unfiltered search when the store
        (or the filter) leaves only one of the two groups."""
        where = filters.where()
        raw = (qv, 0.0, where)
        centering = getattr(self.embedder, "query_centering", None) if self.weights.query_centering else None
        if centering is None or not centering.applies_to(lang) or filters.lang == lang:
            return [raw]
        centred = (centering.center(qv, lang), centering.offsets[lang], where)
        if filters.lang is not None:  # only the other language is asked for
            return [centred]
        if not self.library.articles.has_lang(lang, other=True):
            return [raw]
        if not self.library.articles.has_lang(lang):
            return [centred]
        return [(qv, 0.0, _and(where, {"lang": lang})), (*centred[:2], _and(where, {"lang": {"$ne": lang}}))]

    def _hybrid(self, question: str, prepared: PreparedQuery, pool: int, filters: Filters, keep: int) -> list[ChunkHit]:
        qv = prepared.vector
        lang = detect_language(question)
        dense: dict[str, float] = {}
        best_sent: dict[str, float] = {}
        known: dict = {}
        groups = self._language_groups(qv, lang, filters)
        share = pool // len(groups)  # each group still fills the fused list alone (pool >= 4 * top_k)
        for vector, offset, where in groups:
            allowed = self._allowed(where, known)
            for cid, score in self.library.index.nearest(vector, share, where, allowed=allowed):
                dense[cid] = score + offset
            for sid, score in self.library.sentences.nearest(vector, share * 3, where, allowed=allowed):
                cid = chunk_id_of(sid)
                best_sent[cid] = max(best_sent.get(cid, -1.0), score + offset)
        lex: list[tuple[str, str, float]] = []
        if filters.lang in (None, lang):
            lex = self.library.lexical.search(
                question,
                pool,
                lang=lang,
                source=filters.source,
                date_from=date_key(filters.date_from),
                date_to=date_key(filters.date_to),
            )
        top_lex = max((sc for *_, sc in lex), default=0.0)
        lexical = {cid: sc / top_lex for cid, _, sc in lex} if top_lex > 0 else {}
        # A chunk absent from a channel's top list scores at most that list's lowest value.
        dense_floor = min(dense.values(), default=0.0)
        sent_floor = min(best_sent.values(), default=dense_floor)
        w = self.weights
        fused = sorted(
            (
                (1 - w.sentence) * dense.get(cid, dense_floor)
                + w.sentence * best_sent.get(cid, sent_floor)
                + w.lexical * lexical.get(cid, 0.0),
                cid,
            )
            for cid in set(dense) | set(best_sent) | set(lexical)
        )
        fused = fused[::-1][:keep]  # only the front of the list is read from the index and returned
        fused = self._latent(prepared.latent, fused)
        records = self.library.index.get([cid for _, cid in fused])
        hits = [ChunkHit(records[cid], score) for score, cid in fused if cid in records]
        return self._cross_script(question, lang, hits)

    def _latent(self, latent_query: Future | None, fused: list[tuple[float, str]]) -> list[tuple[float, str]]:
        """``fused`` rescored with the latent-term channel; unchanged when the embedder has none."""
        if latent_query is None:
            return fused
        query = latent_query.result()[0]
        blobs = self.library.lexical.latent([cid for _, cid in fused])
        if not blobs:
            return fused
        sims = {cid: (a + b) / 2 for cid, (a, b) in latent_scores(query, blobs, self.embedder.latent_dim).items()}
        floor = min(sims.values(), default=0.0)
        return sorted(((score + self.weights.latent * sims.get(cid, floor), cid) for score, cid in fused), reverse=True)

    def _cross_script(self, question: str, lang: str, hits: list[ChunkHit]) -> list[ChunkHit]:
        """Names and numbers shared with chunks in the other language (Lavrentiev ~ لافرينتييف, 2254 ~ ٢٢٥٤)."""
        q_keys = cross_script_keys(question)
        if not q_keys or not self.weights.cross_script:
            return hits
        counts = [
            len(q_keys & cross_script_keys(h.chunk.text)) if h.chunk.metadata.get("lang") != lang else 0 for h in hits
        ]
        top = max(counts, default=0)
        if top == 0:
            return hits
        boosted = [
            ChunkHit(h.chunk, h.score + self.weights.cross_script * c / top) for h, c in zip(hits, counts, strict=True)
        ]
        return sorted(boosted, key=lambda h: -h.score)


def _and(where: dict | None, clause: dict) -> dict:
    if where is None:
        return clause
    parts = where["$and"] if "$and" in where else [where]
    return {"$and": [*parts, clause]}


def _dedupe(hits: list[ChunkHit], k: int, by_source: bool = False) -> list[ChunkHit]:
    """Drop a chunk whose normalized text equals a better-ranked chunk's (the same story stored twice); with
    ``by_source``, only a better-ranked chunk of the same source counts (each source's copy is kept)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for h in hits:
        text = normalize_for_search(" ".join(h.chunk.text.split()))
        key = (str(h.chunk.metadata.get("source") or "") if by_source else "", text)
        if key in seen:
            continue
        seen.add(key)
        out.append(h)
        if len(out) == k:
            break
    return out
