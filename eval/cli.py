"""The body of ``assistant eval`` (the command itself is registered in :mod:`assistant.cli`).

Design: :func:`eval_command` validates the options first (an unsupported mode or a bad dataset fails before any
model is loaded), builds the embedder from the settings, runs the retrieval eval on a fresh temporary store with
tqdm progress bars on stderr (indexing, then questions), writes DIR/report.json and DIR/report.html, and prints
one summary line to stdout. Problems are raised as :class:`assistant.errors.AssistantError` subclasses
(:class:`eval.datasets.DatasetError` for the dataset, :class:`ConfigError` for options) for the CLI to show.

Limits: only ``--mode retrieval`` exists so far; ``full`` (answers, citations, faithfulness) is not built yet.
"""
from __future__ import annotations

import sys
from pathlib import Path

from assistant.errors import ConfigError
from eval.datasets import DatasetError, load_dataset

MODES = ("retrieval", "full")


def eval_command(dataset: Path, corpus: Path | None, mode: str, limit: int | None, out: Path, settings) -> int:
    """Run the eval suite on ``dataset`` and write ``out``/report.json and report.html; return the exit code."""
    from tqdm import tqdm

    from assistant.backends import make_embedder
    from eval.report import write_reports
    from eval.runner import run_retrieval_eval
    from ingest.chunking import chunk_text

    if mode == "full":
        raise ConfigError("--mode full is not available yet (answer, citation and faithfulness scoring is still "
                          "being built); use --mode retrieval")
    if mode not in MODES:
        raise ConfigError(f"unknown eval mode {mode!r}; use one of: {', '.join(MODES)}")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    data = load_dataset(dataset, corpus=corpus)
    n_questions = len(data.answerable()) if limit is None else min(limit, len(data.answerable()))
    if n_questions == 0:
        raise DatasetError(f"{data.name}: no answerable questions with gold documents; retrieval mode has "
                           "nothing to score")
    n_chunks = sum(len(chunk_text(d.text, settings.chunk_chars)) for d in data.documents)
    embedder = make_embedder(settings)
    bars = {"indexing": tqdm(total=n_chunks, desc="indexing", unit="chunk", file=sys.stderr)}

    def progress(kind: str, n: int) -> None:
        if kind == "question" and "questions" not in bars:
            bars["indexing"].close()
            bars["questions"] = tqdm(total=n_questions, desc="questions", unit="q", file=sys.stderr)
        bars["questions" if kind == "question" else "indexing"].update(n)

    try:
        report = run_retrieval_eval(data, embedder=embedder, mode=settings.retrieval_mode, limit=limit, progress=progress,
                                    chunk_chars=settings.chunk_chars)
    finally:
        for bar in bars.values():
            bar.close()
    _, html_path = write_reports(report, out)
    r = report["retrieval"]
    print(f"{report['dataset']}: {report['n_questions']} questions, R@1 {r['recall@1']:.3f} "
          f"R@5 {r['recall@5']:.3f} R@10 {r['recall@10']:.3f} MRR {r['mrr']:.3f} nDCG@10 {r['ndcg@10']:.3f}, "
          f"p50 {report['latency_ms']['p50']:.1f} ms; report: {html_path}")
    return 0
