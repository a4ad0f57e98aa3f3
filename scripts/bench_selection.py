"""Evidence selection on its own: does a selected unit hold the gold answer? No generator is called.

Usage: python scripts/bench_selection.py [--settings en-q.ar-ctx,ar,ar-q.en-ctx,en] [--fraction 0.2] [--limit N]
For each XQuAD dev setting: the dataset's paragraphs are indexed with the bundled embedder into a temporary
store (``--fraction`` of them held out, so their questions are unanswerable), each question is retrieved
(top 5 chunks, as the answerer does) and its units ranked (:mod:`assistant.answer.selection`). Printed per variant
(raw question vector, or other-language units scored with the centred one): evidence recall (share of
answerable questions whose gold answer span lies inside a selected unit), recall of the best 1 and 3 ranked
units, the share of answerable questions with no selected unit (an abstention before any model call) and the
share of unanswerable questions with one (an answer the gate lets through); then, per bar, what a same- or
cross-language relevance bar would give.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from assistant.answer.selection import SelectionOptions, bar, rank_units, select
from assistant.backends.local import LocalE5Embedder
from assistant.retrieval.retriever import Retriever
from assistant.store.library import Library
from assistant.text.arabic import detect_language
from eval.datasets.load import load_dataset
from eval.runs.retrieval import index_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "xquad"


def VARIANTS(base):  # noqa: N802
    """The shipped selection, and the alternatives it was chosen against."""
    return [
        ("shipped", base),
        ("type.03", replace(base, type_penalty=0.03)),
        ("type.06", replace(base, type_penalty=0.06)),
        ("anchor.03", replace(base, anchor_weight=0.03)),
        ("anchor.06", replace(base, anchor_weight=0.06)),
        ("both.03", replace(base, type_penalty=0.03, anchor_weight=0.03)),
        ("both.06", replace(base, type_penalty=0.06, anchor_weight=0.06)),
    ]


def holds_gold(unit, q) -> bool:
    return any(unit.doc_id == d and unit.start <= s and e <= unit.end for d, s, e in q.evidence)


def run(setting: str, fraction: float, limit: int | None, embedder) -> None:
    data = load_dataset(str(SHARED / f"xquad.{setting}.dev.json"), unanswerable_fraction=fraction)
    qs = data.questions[:limit] if limit else data.questions
    with tempfile.TemporaryDirectory() as home:
        lib = Library(Path(home), collection="sel")
        index_dataset(data, lib, embedder)
        retriever = Retriever(lib, embedder)
        base = SelectionOptions(min_relevance=0.84, min_relevance_cross=0.77)  # the shipped unit bars
        rows = []
        for q in qs:
            lang = detect_language(q.question)
            prepared = retriever.prepare(q.question)
            hits = retriever.retrieve(q.question, top_k=5, prepared=prepared)
            for name, opts in VARIANTS(base):
                ranked = rank_units(lib, embedder, hits, prepared.vector, opts, q_lang=lang, question=q.question)
                lead = max(
                    (u.score - bar(lang, u.lang, opts.min_relevance, opts.min_relevance_cross) for u in ranked),
                    default=-1.0,
                )
                rows.append(
                    (
                        name,
                        q.answerable,
                        [holds_gold(u, q) for u in ranked],
                        [holds_gold(u, q) for u in select(ranked, lang, opts)],
                        lead,
                    )
                )
    for name, _ in VARIANTS(base):
        mine = [r for r in rows if r[0] == name]
        ans = [r for r in mine if r[1]]
        un = [r for r in mine if not r[1]]
        rate = lambda xs, f: sum(map(f, xs)) / max(1, len(xs))  # noqa: E731
        print(
            f"{setting:12} {name:8} n={len(ans)}+{len(un)}  evidence.recall {rate(ans, lambda r: any(r[3])):.3f}"
            f"  R@1 {rate(ans, lambda r: any(r[2][:1])):.3f}  R@3 {rate(ans, lambda r: any(r[2][:3])):.3f}"
            f"  answerable gated out {rate(ans, lambda r: not r[3]):.3f}"
            f"  unanswerable let through {rate(un, lambda r: r[4] >= 0):.3f}"
        )
        for shift in (0.0, 0.01, 0.02, 0.03, 0.04):
            print(
                f"{'':21} bar +{shift:.2f}: answerable gated out {rate(ans, lambda r, shift=shift: r[4] < shift):.3f}"
                f"  unanswerable let through {rate(un, lambda r, shift=shift: r[4] >= shift):.3f}"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--settings", default="en-q.ar-ctx,ar,ar-q.en-ctx,en")
    ap.add_argument("--fraction", type=float, default=0.2)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    embedder = LocalE5Embedder()
    for setting in args.settings.split(","):
        run(setting, args.fraction, args.limit, embedder)


if __name__ == "__main__":
    main()
