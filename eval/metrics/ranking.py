"""Retrieval metrics over ranked document ids, and latency percentiles. Pure functions, no I/O.

Every ranking metric works on *distinct documents in rank order*: a retriever returns chunks, several chunks of
one document count once, at the rank of its best chunk (:func:`distinct`). Relevance is binary: a document is
relevant when it is one of the question's gold documents. Per-question values are averaged over questions by
the caller (:func:`mean`); e.g. the report's ``recall@5`` is the mean of :func:`recall_at_k` with ``k=5``.

Limits: no graded relevance; a question with several gold documents counts as found when any one is retrieved
(recall) and its ideal DCG assumes all of them could be ranked first (nDCG).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence


def distinct(ranked_doc_ids: Iterable[str]) -> list[str]:
    """The document ids in rank order with repeats dropped (each document kept at its first, best rank)."""
    seen: set[str] = set()
    out: list[str] = []
    for d in ranked_doc_ids:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def first_rank(ranked_doc_ids: Iterable[str], gold: Collection[str]) -> int | None:
    """1-based rank of the first gold document among the distinct documents, or ``None`` when none appears."""
    for i, d in enumerate(distinct(ranked_doc_ids), 1):
        if d in gold:
            return i
    return None


def recall_at_k(ranked_doc_ids: Iterable[str], gold: Collection[str], k: int) -> float:
    """Recall@k for one question: 1.0 when a gold document appears among the first ``k`` distinct documents
    retrieved, else 0.0. Averaged over questions it is the share of questions whose gold document appears among
    the first k distinct documents retrieved."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    r = first_rank(ranked_doc_ids, gold)
    return 1.0 if r is not None and r <= k else 0.0


def reciprocal_rank(ranked_doc_ids: Iterable[str], gold: Collection[str], k: int | None = None) -> float:
    """1 / (rank of the first gold document among the distinct documents), 0.0 when it is absent (or ranked
    below ``k`` when ``k`` is given). Averaged over questions: MRR, the mean reciprocal rank."""
    r = first_rank(ranked_doc_ids, gold)
    if r is None or (k is not None and r > k):
        return 0.0
    return 1.0 / r


def ndcg_at_k(ranked_doc_ids: Iterable[str], gold: Collection[str], k: int) -> float:
    """Normalized discounted cumulative gain at ``k`` with binary relevance over distinct documents:
    DCG = sum of 1/log2(i+1) over the gold documents at ranks i <= k; divided by the ideal DCG, where all
    ``min(len(gold), k)`` gold documents sit at the top. 0.0 when ``gold`` is empty."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    gold = set(gold)
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, d in enumerate(distinct(ranked_doc_ids)[:k], 1) if d in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; 0.0 for no values."""
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks (numpy's default method):
    sorted values x[0..n-1], position (n-1)*p/100, interpolated between its two neighbours."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"p must be between 0 and 100, got {p}")
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
