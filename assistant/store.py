"""The article store and the chunk index, kept in step.

Two stores under ``ASSISTANT_HOME``: a SQLite table of articles (``articles.db``: verbatim text, metadata,
content hash) and a Chroma collection of chunk vectors reached through llama-index's ``ChromaVectorStore``
(embedded ``PersistentClient`` in ``chroma/`` by default, a Chroma server when ``chroma_host`` is set).

Write order makes a crash at any point recoverable by re-running the same ingest: an article's old chunks are
deleted by ``document_id``, its new chunks added with deterministic ids, and only then is the article row
committed. An article whose row is missing or whose hash differs is redone from scratch; an unchanged one is
skipped. Chunk vectors are computed by the caller's embedder and handed in, so Chroma's own (downloading)
embedding function is never used.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from assistant.errors import NotFound

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT, source TEXT, url TEXT, published TEXT, lang TEXT,
    locator TEXT, text TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    embedder TEXT NOT NULL, added_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
"""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_doc_id(*, explicit: str | None, url: str | None, locator: str) -> str:
    """Stable id: the input's own id when it is a safe token, else a hash of its id, URL or origin."""
    if explicit:
        return explicit if _SAFE_ID.match(explicit) else "id-" + hashlib.sha1(explicit.encode()).hexdigest()[:16]
    key = f"url:{url}" if url else f"loc:{locator}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def date_key(published: str | None) -> int | None:
    """YYYYMMDD as an int (for range filters inside Chroma), or None when the date is missing or unparseable."""
    if not published:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", published)
    return int(m.group(1) + m.group(2) + m.group(3)) if m else None


@dataclass
class ArticleRecord:
    id: str
    content_hash: str
    title: str | None
    source: str | None
    url: str | None
    published: str | None
    lang: str | None
    locator: str | None
    text: str
    n_chunks: int
    embedder: str
    added_at: str
    updated_at: str

    def meta(self) -> dict:
        d = self.__dict__.copy()
        d.pop("text")
        d["n_chars"] = len(self.text)
        return d


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


class ArticleTable:
    """SQLite table of articles; one connection per thread, WAL mode so readers never block the writer."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        with self._conn() as c:
            c.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=30)
            c.row_factory = sqlite3.Row
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = c
        return c

    def get(self, doc_id: str) -> ArticleRecord | None:
        row = self._conn().execute("SELECT * FROM articles WHERE id=?", (doc_id,)).fetchone()
        return ArticleRecord(**dict(row)) if row else None

    def by_hash(self, h: str) -> str | None:
        row = self._conn().execute("SELECT id FROM articles WHERE content_hash=? LIMIT 1", (h,)).fetchone()
        return row["id"] if row else None

    def put(self, rec: ArticleRecord) -> None:
        with self._conn() as c:
            c.execute(
                "INSERT OR REPLACE INTO articles VALUES (:id,:content_hash,:title,:source,:url,:published,:lang,"
                ":locator,:text,:n_chunks,:embedder,:added_at,:updated_at)",
                rec.__dict__,
            )

    def delete(self, doc_id: str) -> bool:
        with self._conn() as c:
            return c.execute("DELETE FROM articles WHERE id=?", (doc_id,)).rowcount > 0

    def list(self, limit: int | None = None, offset: int = 0) -> list[ArticleRecord]:
        q = "SELECT * FROM articles ORDER BY added_at, id"
        args: tuple = ()
        if limit is not None:
            q += " LIMIT ? OFFSET ?"
            args = (limit, offset)
        return [ArticleRecord(**dict(r)) for r in self._conn().execute(q, args)]

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def texts(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn().execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", ids)
        return {r["id"]: r["text"] for r in rows}


def _chroma_client(home: Path, host: str | None, port: int, *, ssl: bool = False, token: str | None = None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    cs = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, headers=headers, settings=cs)
    return chromadb.PersistentClient(path=str(home / "chroma"), settings=cs)


class ChunkIndex:
    """Chunk vectors in Chroma via llama-index's ``ChromaVectorStore`` (cosine space, no embedding function)."""

    def __init__(self, home: Path, *, collection: str, host: str | None = None, port: int = 8000,
                 ssl: bool = False, token: str | None = None):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self._client = _chroma_client(home, host, port, ssl=ssl, token=token)
        self.collection = self._client.get_or_create_collection(
            collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def add(self, chunks: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for ch, vec in zip(chunks, vectors):
            meta = dict(ch.metadata, doc_id=ch.doc_id, chunk_index=ch.index, start=ch.start, end=ch.end,
                        sentences=json.dumps(ch.sentences))
            node = TextNode(id_=ch.chunk_id, text=ch.text, metadata=meta, embedding=vec.tolist(),
                            excluded_embed_metadata_keys=list(meta), excluded_llm_metadata_keys=list(meta))
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=ch.doc_id)
            nodes.append(node)
        if nodes:
            self.store.add(nodes)

    def delete_doc(self, doc_id: str) -> None:
        self.store.delete(ref_doc_id=doc_id)

    def count(self) -> int:
        return self.collection.count()

    def chunk_ids(self, doc_id: str) -> list[str]:
        return self.collection.get(where={"document_id": doc_id}, include=[])["ids"]

    @staticmethod
    def _record(node_id: str, text: str, md: dict) -> ChunkRecord:
        return ChunkRecord(chunk_id=node_id, doc_id=md["doc_id"], index=int(md["chunk_index"]), start=int(md["start"]),
                           end=int(md["end"]), text=text, sentences=[tuple(s) for s in json.loads(md["sentences"])],
                           metadata=md)

    def get(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        if not ids:
            return {}
        r = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        return {i: self._record(i, t, m) for i, t, m in zip(r["ids"], r["documents"], r["metadatas"])}

    def vectors_where(self, where: dict) -> tuple[list[ChunkRecord], np.ndarray]:
        r = self.collection.get(where=where, include=["documents", "metadatas", "embeddings"])
        recs = [self._record(i, t, m) for i, t, m in zip(r["ids"], r["documents"], r["metadatas"])]
        return recs, np.asarray(r["embeddings"], dtype=np.float32).reshape(len(recs), -1)

    def query(self, vector: np.ndarray, k: int, where: dict | None = None, *,
              with_text: bool = True) -> list[ChunkHit]:
        """Nearest chunks by cosine similarity. Reads go to the Chroma collection directly (asking only for the
        fields needed) rather than through llama-index's node rebuilding, which cost more than the search."""
        include = ["metadatas", "distances"] + (["documents"] if with_text else [])
        try:
            r = self.collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=k,
                                      where=where, include=include)
        except Exception as e:  # an empty collection or a where clause matching nothing
            if self.collection.count() == 0:
                return []
            raise e
        docs = r["documents"][0] if with_text else [""] * len(r["ids"][0])
        return [ChunkHit(self._record(i, t, m), 1.0 - float(d))
                for i, t, m, d in zip(r["ids"][0], docs, r["metadatas"][0], r["distances"][0])]


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sentence_records(chunks: Sequence[ChunkRecord]) -> list[ChunkRecord]:
    """One record per sentence of each chunk (for the sentence-vector collection), pointing at its chunk."""
    out = []
    for ch in chunks:
        for j, (s, e) in enumerate(ch.sentences):
            out.append(ChunkRecord(chunk_id=f"{ch.chunk_id}:s{j}", doc_id=ch.doc_id, index=j, start=s, end=e,
                                   text=ch.text[s - ch.start : e - ch.start], sentences=[(s, e)],
                                   metadata=dict(ch.metadata, chunk_id=ch.chunk_id)))
    return out


class Library:
    """Articles plus their indexes (chunk vectors, sentence vectors, lexical); the only writer of all of them."""

    def __init__(self, home: Path, *, collection: str = "articles", chroma_host: str | None = None,
                 chroma_port: int = 8000, chroma_ssl: bool = False, chroma_token: str | None = None):
        from assistant.lexical import LexicalIndex

        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.articles = ArticleTable(home / "articles.db")
        remote = dict(host=chroma_host, port=chroma_port, ssl=chroma_ssl, token=chroma_token)
        self.index = ChunkIndex(home, collection=collection, **remote)
        self.sentences = ChunkIndex(home, collection=f"{collection}-sentences", **remote)
        self.lexical = LexicalIndex(home / "lexical.db")

    @classmethod
    def from_settings(cls, settings) -> "Library":
        token = settings.chroma_token.get_secret_value() if settings.chroma_token else None
        return cls(settings.home, collection=settings.collection, chroma_host=settings.chroma_host,
                   chroma_port=settings.chroma_port, chroma_ssl=settings.chroma_ssl, chroma_token=token)

    def replace(self, rec: ArticleRecord, chunks: Sequence[ChunkRecord], vectors: np.ndarray,
                sentence_vectors: np.ndarray | None = None) -> None:
        """Make ``rec`` and exactly ``chunks`` the stored state of article ``rec.id`` (crash-safe order:
        every index is rewritten first, the article row last)."""
        self.index.delete_doc(rec.id)
        self.index.add(chunks, vectors)
        self.sentences.delete_doc(rec.id)
        if sentence_vectors is not None:
            self.sentences.add(sentence_records(chunks), sentence_vectors)
        self.lexical.replace_doc(rec.id, [(c.chunk_id, c.doc_id, c.text, c.metadata) for c in chunks])
        self.articles.put(rec)

    def delete(self, doc_id: str) -> None:
        if self.articles.get(doc_id) is None and not self.index.chunk_ids(doc_id):
            raise NotFound(f"no article with id {doc_id!r}")
        self.index.delete_doc(doc_id)
        self.sentences.delete_doc(doc_id)
        self.lexical.delete_doc(doc_id)
        self.articles.delete(doc_id)

    def get(self, doc_id: str) -> ArticleRecord:
        rec = self.articles.get(doc_id)
        if rec is None:
            raise NotFound(f"no article with id {doc_id!r} (see `assistant docs list`)")
        return rec
