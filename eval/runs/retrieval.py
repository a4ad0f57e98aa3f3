"""Retrieval-mode evaluation: index a dataset's corpus, ask every answerable question, score the rankings.

Design:
- :func:`index_dataset` ingests ``dataset.documents`` with the normal :class:`ingest.pipeline.Ingestor` into a
  given :class:`Library` and measures it (wall seconds, and the tokens of the chunk texts actually embedded, counted
  with ``embedder.count_tokens`` after the clock stops).
- :func:`evaluate_retrieval` runs a :class:`Retriever` over the answerable questions that have gold documents (the
  first ``limit`` of them, in file order). Each query asks for ``top_k * 3`` chunks and keeps the first ``top_k``
  distinct documents, so several chunks of one article never crowd out the others. Latency is the wall time of
  ``retrieve`` (query embedding + index search), in milliseconds.
- :func:`run_retrieval_eval` does both on a fresh Library in a temporary folder (or ``store_dir``), so an eval
  never touches the user's articles. Splitting the two lets the benchmark compare modes on one index.

The returned dict has the ``report.json`` keys of docs/eval.md (``answer``, ``citations``, ``faithfulness`` and
``abstention`` are ``None`` in this mode) plus ``ingest`` and ``per_question``.

Limits: metrics are computed on the first ``top_k`` distinct documents, so with ``top_k`` below 10 the @10 metrics
only see ``top_k``; questions run one at a time (latency is per query, not throughput under load).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from time import perf_counter
from typing import Any

from assistant.retrieval.retriever import Retriever
from assistant.store.library import Library
from assistant.text.chunking import DEFAULT_MAX_CHARS
from eval.datasets.records import DatasetError, EvalDataset
from eval.metrics.ranking import distinct, first_rank, mean, ndcg_at_k, percentile, recall_at_k, reciprocal_rank
from ingest.pipeline import Ingestor

Progress = Callable[[str, int], None]
"""``progress(kind, n)``: ``"chunks"`` (n chunks indexed, from the ingest pipeline) or ``"question"`` (n asked)."""

QUALITY_BLOCKS = ("answer", "citations", "faithfulness", "abstention")


class _CountingEmbedder:
    """Forwards to ``inner`` and remembers every passage text embedded (to count tokens afterwards)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = getattr(inner, "name", "?")
        self.dim = getattr(inner, "dim", None)
        self.query_centering = getattr(inner, "query_centering", None)
        self.latent_dim = getattr(inner, "latent_dim", 0)
        self.texts: list[str] = []

    def embed_passages(self, texts: Sequence[str]):
        self.texts.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_latent(self, texts: Sequence[str], *, top_k: int):
        self.texts.extend(texts)  # another model pass over the same sentences: counted as embedded tokens
        return self.inner.embed_latent(texts, top_k=top_k)

    def embed_query(self, text: str):
        return self.inner.embed_query(text)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def index_dataset(
    dataset: EvalDataset,
    library: Library,
    embedder,
    progress: Progress | None = None,
    *,
    chunk_chars: int = DEFAULT_MAX_CHARS,
) -> dict:
    """Ingest the dataset's documents into ``library``; return ``{documents, chunks, seconds, tokens,
    tokens_per_s, errors}`` (``errors``: per-article ingest problems, normally empty)."""
    counting = _CountingEmbedder(embedder)
    ingestor = Ingestor(library, counting, chunk_chars=chunk_chars, progress=progress)
    t0 = perf_counter()
    result = ingestor.ingest_articles(dataset.documents, name=dataset.name)
    seconds = perf_counter() - t0
    tokens = sum(embedder.count_tokens(t) for t in counting.texts)
    return {
        "documents": len(result.doc_ids),
        "chunks": ingestor.report.chunks,
        "seconds": round(seconds, 3),
        "tokens": tokens,
        "tokens_per_s": round(tokens / seconds, 1) if seconds > 0 else 0.0,
        "errors": list(result.errors),
    }


def evaluate_retrieval(
    dataset: EvalDataset,
    retriever: Retriever,
    *,
    limit: int | None = None,
    top_k: int = 10,
    progress: Progress | None = None,
    ingest: dict | None = None,
) -> dict:
    """Score ``retriever`` on the dataset's answerable questions; the report dict (see the module docstring)."""
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    questions = dataset.answerable()
    if limit is not None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        questions = questions[:limit]
    if not questions:
        raise DatasetError(
            f"{dataset.name}: no answerable questions with gold documents; retrieval mode has nothing to score"
        )
    per_question: list[dict] = []
    latencies: list[float] = []
    for q in questions:
        t0 = perf_counter()
        hits = retriever.retrieve(q.question, top_k=top_k * 3)
        latencies.append((perf_counter() - t0) * 1000.0)
        ranked = distinct(h.chunk.doc_id for h in hits)[:top_k]
        per_question.append(
            {
                "id": q.id,
                "question": q.question,
                "lang": q.lang,
                "gold": list(q.gold_docs),
                "ranked": ranked[:10],
                "rank": first_rank(ranked, q.gold_docs),
            }
        )
        if progress:
            progress("question", 1)
    return build_report(
        dataset.name,
        per_question,
        latencies,
        embedder=getattr(retriever.embedder, "name", "?"),
        retriever=retriever.name,
        ingest=ingest,
    )


def retrieval_block(per_question: list[dict]) -> dict:
    """The report's ``retrieval`` block: means over ``per_question`` records (``ranked``, ``gold``)."""

    def avg(f) -> float:
        return round(mean([f(q["ranked"], q["gold"]) for q in per_question]), 4)

    return {
        "recall@1": avg(lambda r, g: recall_at_k(r, g, 1)),
        "recall@5": avg(lambda r, g: recall_at_k(r, g, 5)),
        "recall@10": avg(lambda r, g: recall_at_k(r, g, 10)),
        "mrr": avg(lambda r, g: reciprocal_rank(r, g, 10)),
        "ndcg@10": avg(lambda r, g: ndcg_at_k(r, g, 10)),
    }


def build_report(
    dataset_name: str,
    per_question: list[dict],
    latencies_ms: list[float],
    *,
    embedder: str,
    retriever: str,
    ingest: dict | None = None,
) -> dict:
    """The report dict from per-question results (``gold`` ids, ``ranked`` distinct doc ids, best first) and
    query latencies; metrics are means over ``per_question``, rounded to 4 decimals."""
    report: dict[str, Any] = {
        "dataset": dataset_name,
        "mode": "retrieval",
        "n_questions": len(per_question),
        "retrieval": retrieval_block(per_question),
        **{block: None for block in QUALITY_BLOCKS},
        "latency_ms": {
            "p50": round(percentile(latencies_ms, 50), 2) if latencies_ms else 0.0,
            "p95": round(percentile(latencies_ms, 95), 2) if latencies_ms else 0.0,
        },
        "config": {"embedder": embedder, "llm": None, "retriever": retriever},
    }
    if ingest is not None:
        report["ingest"] = ingest
    report["per_question"] = per_question
    return report


def run_retrieval_eval(
    dataset: EvalDataset,
    *,
    embedder,
    mode: str = "dense",
    limit: int | None = None,
    top_k: int = 10,
    progress: Progress | None = None,
    store_dir: str | Path | None = None,
    chunk_chars: int = DEFAULT_MAX_CHARS,
) -> dict:
    """Index ``dataset`` into a fresh Library (a temporary folder unless ``store_dir``), then score ``mode``."""
    with ExitStack() as stack:
        if store_dir is None:
            store_dir = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="assistant-eval-", ignore_cleanup_errors=True)
            )
        library = Library(Path(store_dir), collection="eval")
        retriever = Retriever(library, embedder, mode=mode)  # an unknown mode fails here, before indexing
        stats = index_dataset(dataset, library, embedder, progress, chunk_chars=chunk_chars)
        return evaluate_retrieval(dataset, retriever, limit=limit, top_k=top_k, progress=progress, ingest=stats)
