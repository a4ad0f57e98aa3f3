"""Chunk records and the Chroma collections that hold their vectors (chunks, and sentences of chunks).

:class:`ChunkIndex` wraps one Chroma collection through llama-index's ``ChromaVectorStore`` (cosine space, no
embedding function: vectors are computed by the caller's embedder and handed in; Chroma's own downloading
embedding function is never used). Writes go through llama-index (``document_id`` links a chunk to its
article); reads go to the collection directly, asking only for the fields needed. An entry deleted while a read
runs can come back without metadata from a Chroma server (seen with chromadb 1.5.9); reads skip such
entries instead of failing. Re-exported by :mod:`assistant.store.library`.

Filtered queries: Chroma's own ``where`` search first collects every entry that matches the clause, so its cost
grows with the collection and a filtered search costs many times an unfiltered one (docs/benchmarks.md,
'Chroma costs'). :meth:`ChunkIndex.nearest` therefore first reads the ``k * OVERFETCH``
nearest entries without a filter and keeps those that match (a function over ids; :meth:`ChunkIndex.query`
checks the entries' metadata with :func:`where_matches`, the same clause evaluated in Python). When at least
``k`` match, or the whole collection was read, those are exactly the top ``k`` among matching entries; otherwise
it reads ``k * OVERFETCH * 4`` (a filter matching a quarter of the store or less, for which one over-fetch
round alone left the tail latency high: same section), and only then (a selective filter) runs Chroma's filtered
search, which is then cheaper because few entries match. Either way the caller gets the top ``k`` of the
filtered set, never a short list. Reading metadata is the other cost (for a few dozen entries about as much as
the search itself: same section), so :meth:`ChunkIndex.nearest` returns ids and scores only and takes the filter
as a function over ids (the retriever answers it from the article table); records are then read with
:meth:`ChunkIndex.get` for the few ids that are kept.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.store.keys import chunk_id_of, doc_id_of, hash_prefix_of, make_sentence_id  # noqa: F401 (re-exported)

OVERFETCH = 4
MAX_WRITE_BATCH = 5000
"""Largest write sent to Chroma in one call, whatever the client allows (bounds one request's size)."""
FALLBACK_WRITE_BATCH = 1000
"""Write size used when the client cannot say its limit."""
"""Unfiltered neighbours read per wanted hit before falling back to Chroma's filtered search."""
_COMPARE = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a is not None and a > b,
    "$gte": lambda a, b: a is not None and a >= b,
    "$lt": lambda a, b: a is not None and a < b,
    "$lte": lambda a, b: a is not None and a <= b,
    "$in": lambda a, b: a in b,
    "$nin": lambda a, b: a not in b,
}


def where_keys(where: dict | None) -> set[str]:
    """The metadata fields a ``where`` clause reads (through ``$and``/``$or``)."""
    keys: set[str] = set()
    for key, cond in (where or {}).items():
        if key in ("$and", "$or"):
            keys |= set().union(*(where_keys(c) for c in cond))
        else:
            keys.add(key)
    return keys


def where_matches(where: dict | None, md: dict | None) -> bool:
    """Whether metadata ``md`` satisfies a Chroma ``where`` clause (``$and``/``$or``, implicit equality and the
    comparison operators above); an unknown operator raises ``ValueError`` rather than guessing."""
    if not where:
        return True
    if md is None:
        return False
    for key, cond in where.items():
        if key == "$and":
            ok = all(where_matches(c, md) for c in cond)
        elif key == "$or":
            ok = any(where_matches(c, md) for c in cond)
        elif isinstance(cond, dict):
            ok = True
            for op, value in cond.items():
                if op not in _COMPARE:
                    raise ValueError(f"unsupported where operator {op!r}")
                try:
                    ok = ok and _COMPARE[op](md.get(key), value)
                except TypeError:  # e.g. a string compared with a number: Chroma would not match it either
                    ok = False
        else:
            ok = md.get(key) == cond
        if not ok:
            return False
    return True


@dataclass
class ChunkRecord:
    chunk_id: str
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]
    metadata: dict


@dataclass
class ChunkHit:
    chunk: ChunkRecord
    score: float


def _chroma_client(home: Path, host: str | None, port: int, *, ssl: bool = False, token: str | None = None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    cs = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, headers=headers, settings=cs)
    return chromadb.PersistentClient(path=str(home / "chroma"), settings=cs)


_OPENED_AT: dict[str, str] = {}
"""Chroma path -> the store generation at which chromadb's process-wide cached system for it was opened. chromadb
keeps one system per path per process (``SharedSystemClient``), so its staleness is process-wide too."""
_OPENED_LOCK = threading.Lock()


def _drop_stale_system(path: str, generation: str, *, force: bool = False) -> None:
    """Forget chromadb's cached system for ``path`` unless it was opened at ``generation`` (always with ``force``);
    the next client for the path then loads the store from disk. The old system is not stopped: a thread may
    still be reading through it (it is freed when its last client goes)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    with _OPENED_LOCK:
        cache = SharedSystemClient._identifier_to_system
        if force or _OPENED_AT.get(path) != generation:
            cache.pop(path, None)
        _OPENED_AT[path] = generation


class ChunkIndex:
    """Chunk vectors in Chroma via llama-index's ``ChromaVectorStore`` (cosine space, no embedding function)."""

    def __init__(
        self,
        home: Path,
        *,
        collection: str,
        host: str | None = None,
        port: int = 8000,
        ssl: bool = False,
        token: str | None = None,
        generation: str | None = None,
    ):
        self._home = home
        self._name = collection
        self._remote: dict[str, Any] = dict(host=host, port=port, ssl=ssl, token=token)
        self._max_batch: int | None = None
        self.reopen(generation)

    @property
    def embedded(self) -> bool:
        return not self._remote["host"]

    def reopen(self, generation: str | None = None, *, force: bool = False) -> None:
        """(Re)open the collection. Embedded: with ``generation`` (the store's, see
        :mod:`assistant.store.writelock`), a cached client opened at another generation, or any with ``force``, is
        dropped first, so the collection is read from disk as another process left it."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        r = self._remote
        if self.embedded and generation is not None:
            _drop_stale_system(str(self._home / "chroma"), generation, force=force)
        self._client = _chroma_client(self._home, r["host"], r["port"], ssl=r["ssl"], token=r["token"])
        self.collection = self._client.get_or_create_collection(
            self._name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def written(self, generation: str) -> None:
        """Record that this process's client wrote the store up to ``generation`` (it is current)."""
        if self.embedded:
            with _OPENED_LOCK:
                from chromadb.api.shared_system_client import SharedSystemClient

                path = str(self._home / "chroma")
                if SharedSystemClient._identifier_to_system.get(path) is self._client._system:
                    _OPENED_AT[path] = generation
                else:  # the cached system is another one, opened before this write: reload it when next asked
                    _OPENED_AT.pop(path, None)

    @property
    def max_batch(self) -> int:
        """The most records the Chroma client takes in one write (asked once; 5,461 for an embedded chromadb
        1.5, a server may say otherwise), never above :data:`MAX_WRITE_BATCH`."""
        if self._max_batch is None:
            try:
                limit = int(self._client.get_max_batch_size())
            except Exception:  # an old client or a server that does not say: a size every version accepts
                limit = FALLBACK_WRITE_BATCH
            self._max_batch = max(1, min(limit, MAX_WRITE_BATCH))
        return self._max_batch

    def add(self, chunks: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = []
        for ch, vec in zip(chunks, vectors, strict=True):
            meta = dict(
                ch.metadata,
                doc_id=ch.doc_id,
                chunk_index=ch.index,
                start=ch.start,
                end=ch.end,
                sentences=json.dumps(ch.sentences),
            )
            node = TextNode(
                id_=ch.chunk_id,
                text=ch.text,
                metadata=meta,
                embedding=vec.tolist(),
                excluded_embed_metadata_keys=list(meta),
                excluded_llm_metadata_keys=list(meta),
            )
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=ch.doc_id)
            nodes.append(node)
        step = self.max_batch
        for i in range(0, len(nodes), step):  # Chroma refuses a write over its batch limit
            self.store.add(nodes[i : i + step])

    def delete_doc(self, doc_id: str) -> None:
        self.store.delete(ref_doc_id=doc_id)

    def delete_docs(self, doc_ids: Sequence[str]) -> None:
        for i in range(0, len(doc_ids), 500):
            part = list(doc_ids[i : i + 500])
            where = {"document_id": part[0]} if len(part) == 1 else {"document_id": {"$in": part}}
            self.collection.delete(where=where)

    def count(self) -> int:
        return self.collection.count()

    def delete_ids(self, ids: Sequence[str]) -> None:
        step = self.max_batch
        for i in range(0, len(ids), step):
            self.collection.delete(ids=list(ids[i : i + step]))

    def entries(self, page: int = 5000) -> Iterator[tuple[str, dict]]:
        """Every ``(id, metadata)`` in the collection, paged (no documents, no vectors)."""
        offset = 0
        while True:
            r = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            yield from zip(r["ids"], r["metadatas"], strict=True)
            if len(r["ids"]) < page:
                return
            offset += page

    def chunk_ids(self, doc_id: str) -> list[str]:
        return self.collection.get(where={"document_id": doc_id}, include=[])["ids"]

    @staticmethod
    def _record(node_id: str, text: str, md: dict) -> ChunkRecord:
        return ChunkRecord(
            chunk_id=node_id,
            doc_id=md["doc_id"],
            index=int(md["chunk_index"]),
            start=int(md["start"]),
            end=int(md["end"]),
            text=text,
            sentences=[tuple(s) for s in json.loads(md["sentences"])],
            metadata=md,
        )

    def get(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        if not ids:
            return {}
        r = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            i: self._record(i, t, m)
            for i, t, m in zip(r["ids"], r["documents"], r["metadatas"], strict=True)
            if m is not None and t is not None
        }

    def vectors_where(self, where: dict) -> tuple[list[ChunkRecord], np.ndarray]:
        r = self.collection.get(where=where, include=["documents", "metadatas", "embeddings"])
        keep = [
            k
            for k, (t, m) in enumerate(zip(r["documents"], r["metadatas"], strict=True))
            if m is not None and t is not None
        ]
        recs = [self._record(r["ids"][k], r["documents"][k], r["metadatas"][k]) for k in keep]
        if not keep:  # nothing matched (or everything was deleted while reading)
            return [], np.zeros((0, 0), dtype=np.float32)
        vecs = [r["embeddings"][k] for k in keep]
        return recs, np.asarray(vecs, dtype=np.float32).reshape(len(recs), -1)

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[ChunkHit]:
        """The ``k`` nearest records (cosine) among those matching ``where``, the filter checked on the entries'
        own metadata: :meth:`nearest`, then the records of the kept ids."""
        found = self.nearest(vector, k, where, allowed=None if where is None else self._matching(where))
        records = self.get([i for i, _ in found])
        return [ChunkHit(records[i], score) for i, score in found if i in records]

    def _matching(self, where: dict) -> Callable[[list[str]], set[str]]:
        def allowed(ids: list[str]) -> set[str]:
            r = self.collection.get(ids=ids, include=["metadatas"])
            return {i for i, m in zip(r["ids"], r["metadatas"], strict=True) if where_matches(where, m)}

        return allowed

    def nearest(
        self,
        vector: np.ndarray,
        k: int,
        where: dict | None = None,
        *,
        allowed: Callable[[list[str]], set[str]] | None = None,
    ) -> list[tuple[str, float]]:
        """``(id, cosine)`` of the ``k`` nearest entries matching ``where``, without reading their metadata.
        ``allowed(ids)`` must return those of ``ids`` that match ``where``; with it, a filtered search reads
        ``k * OVERFETCH`` unfiltered neighbours first (see the module docstring)."""
        if where is not None and allowed is not None:
            checked: set[str] = set()
            kept: list[tuple[str, float]] = []
            for n in (k * OVERFETCH, k * OVERFETCH * 4):
                found = self._nearest(vector, n, None)
                fresh = [i for i, _ in found if i not in checked]
                ok = allowed(fresh) if fresh else set()
                checked.update(fresh)
                kept.extend((i, sc) for i, sc in found if i in ok)
                if len(kept) >= k or len(found) < n:
                    return sorted(kept, key=lambda x: -x[1])[:k]
        return self._nearest(vector, k, where)

    def _nearest(self, vector: np.ndarray, k: int, where: dict | None) -> list[tuple[str, float]]:
        try:
            r = self.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=k, where=where, include=["distances"]
            )
        except Exception as e:  # an empty collection
            if self.collection.count() == 0:
                return []
            raise e
        return [(i, 1.0 - float(d)) for i, d in zip(r["ids"][0], r["distances"][0], strict=True)]


def sentence_records(chunks: Sequence[ChunkRecord]) -> list[ChunkRecord]:
    """One record per sentence of each chunk (for the sentence-vector collection), pointing at its chunk."""
    out = []
    for ch in chunks:
        for j, (s, e) in enumerate(ch.sentences):
            out.append(
                ChunkRecord(
                    chunk_id=make_sentence_id(ch.chunk_id, j),
                    doc_id=ch.doc_id,
                    index=j,
                    start=s,
                    end=e,
                    text=ch.text[s - ch.start : e - ch.start],
                    sentences=[(s, e)],
                    metadata=dict(ch.metadata, chunk_id=ch.chunk_id),
                )
            )
    return out


def chunk_hash(chunk: ChunkRecord) -> str | None:
    """The content hash a chunk was made from: its metadata's, else the 8-char prefix in its id, else None."""
    h = chunk.metadata.get("content_hash") if chunk.metadata else None
    if h:
        return h
    return hash_prefix_of(chunk.chunk_id, chunk.doc_id)
