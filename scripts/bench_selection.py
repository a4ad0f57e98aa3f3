"""Evidence selection on its own: does a selected unit hold the gold answer? No generator is called.

Usage: python scripts/bench_selection.py [--settings en-q.ar-ctx,ar,ar-q.en-ctx,en] [--fraction 0.2] [--limit N]
       [--skip N] [--variants shipped,slack.04,...] [--losses]
For each XQuAD dev setting: the dataset's paragraphs are indexed with the bundled embedder into a temporary
store (``--fraction`` of them held out, so their questions are unanswerable), each question is retrieved
(top 5 chunks, as the answerer does) and its units ranked (:mod:`assistant.answer.selection`) under each variant
of :class:`SelectionOptions` (``VARIANTS``; passage vectors are cached across variants, so a variant costs little).
Printed per variant: evidence recall (share of answerable questions whose gold answer span lies inside a selected
unit), recall of the best 1 and 3 ranked units, the share of answerable questions with no selected unit (an
abstention before any model call), the share of unanswerable questions with one (an answer the gate lets through)
and the mean number of units selected when any is (each is a model call); then, per bar shift, what a higher gate
would give, and the gate's AUC (its best lead, answerable against unanswerable questions; with anchors: were they
allowed to open it). ``--losses`` replaces the bar lines by where the answerable questions a variant misses are
lost: the gold paragraph not retrieved, no unit holding the span, the gold unit below its bar with no unit
selected or with others selected, behind the margin, overlapping a kept unit, or past ``max_units``.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.answer.selection import SelectionOptions, bar, rank_units, select
from assistant.backends.local import LocalE5Embedder
from assistant.retrieval.retriever import Retriever
from assistant.store.library import Library
from assistant.text.arabic import detect_language
from eval.datasets.load import load_dataset
from eval.runs.retrieval import index_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "xquad"


def VARIANTS(base):  # noqa: N802
    """The shipped selection, and the alternatives it is measured against."""
    before = replace(base, keep_slack=0.0, widen=False)  # one bar for the gate and the units (until 2026-12)
    return {
        "shipped": base,
        "before": before,
        "notype": replace(base, type_penalty=0.0),
        "anchor.03": replace(base, anchor_weight=0.03),
        "anchor.06": replace(base, anchor_weight=0.06),
        "slack.02": replace(before, keep_slack=0.02),
        "slack.04": replace(before, keep_slack=0.04),
        "slack.06": replace(before, keep_slack=0.06),
        "widen": replace(before, widen=True),
        "slack.02+widen": replace(base, keep_slack=0.02),
        "slack.06+widen": replace(base, keep_slack=0.06),
        "before+anchor.03": replace(before, anchor_weight=0.03),
        "before+ctx.2": replace(before, context_weight=0.2),
        "ctx.2": replace(base, context_weight=0.2),
        "long100": replace(base, long_chars=100),
        "split8": replace(base, split_top=8),
        "units4": replace(base, max_units=4),
        "margin.09": replace(base, margin=0.09),
    }


class CachedEmbedder:
    """The embedder with passage vectors memoized by text (clauses are embedded once, not once per variant)."""

    def __init__(self, inner):
        self._inner = inner
        self._cache: dict[str, np.ndarray] = {}

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def embed_passages(self, texts):
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            for t, v in zip(todo, self._inner.embed_passages(todo), strict=True):
                self._cache[t] = v
        if not texts:
            return self._inner.embed_passages([])
        return np.stack([self._cache[t] for t in texts])


def holds_gold(unit, q) -> bool:
    return any(unit.doc_id == d and unit.start <= s and e <= unit.end for d, s, e in q.evidence)


def loss(q, hits, ranked, chosen, lang, opts) -> str:
    """Where an answerable question's gold unit is lost (see the module docstring)."""
    if any(holds_gold(u, q) for u in chosen):
        return "hit"
    if not any(h.chunk.doc_id == d for h in hits for d, _, _ in q.evidence):
        return "not retrieved"
    gold = [u for u in ranked if holds_gold(u, q)]
    if not gold:
        return "no unit holds it"

    def lead(u):
        return u.score - bar(lang, u.lang, opts.min_relevance, opts.min_relevance_cross)

    best = max(gold, key=lead)
    if not chosen:
        return "below bar, none passes"
    opened = {u.doc_id for u in ranked if lead(u) - u.bonus >= 0}

    def keeps(u):
        return lead(u) - u.bonus >= (-opts.keep_slack if u.doc_id in opened else 0)

    if not keeps(best):
        return "below bar, others pass"
    top = max(lead(u) - u.bonus for u in ranked if keeps(u))
    if lead(best) - best.bonus < top - opts.margin:
        return "behind margin"
    if any(best.overlaps(c) for c in chosen):
        return "overlaps a kept unit"
    return "past max_units"


def run(setting: str, fraction: float, limit: int | None, skip: int, embedder, names: list[str], losses: bool) -> None:
    data = load_dataset(str(SHARED / f"xquad.{setting}.dev.json"), unanswerable_fraction=fraction)
    qs = data.questions[skip : skip + limit if limit else None]
    base = SelectionOptions(min_relevance=0.84, min_relevance_cross=0.77)  # the shipped unit bars
    variants = VARIANTS(base)
    with tempfile.TemporaryDirectory() as home:
        lib = Library(Path(home), collection="sel")
        index_dataset(data, lib, embedder)
        retriever = Retriever(lib, embedder)
        rows = []
        for q in qs:
            lang = detect_language(q.question)
            prepared = retriever.prepare(q.question)
            hits = retriever.retrieve(q.question, top_k=5, prepared=prepared)
            for name in names:
                opts = variants[name]
                ranked = rank_units(lib, embedder, hits, prepared.vector, opts, q_lang=lang, question=q.question)
                chosen = select(ranked, lang, opts)
                lead = max(  # the gate's: by embedding score alone (lexical bonuses left out)
                    (
                        u.score - u.bonus - bar(lang, u.lang, opts.min_relevance, opts.min_relevance_cross)
                        for u in ranked
                    ),
                    default=-1.0,
                )
                gate_anchored = max(
                    (u.score - bar(lang, u.lang, opts.min_relevance, opts.min_relevance_cross) for u in ranked),
                    default=-1.0,
                )
                where = loss(q, hits, ranked, chosen, lang, opts) if q.answerable else ""
                rows.append(
                    (name, q.answerable, [holds_gold(u, q) for u in ranked], [holds_gold(u, q) for u in chosen], lead)
                    + (where, bool(chosen), gate_anchored)
                )
    for name in names:
        mine = [r for r in rows if r[0] == name]
        ans = [r for r in mine if r[1]]
        un = [r for r in mine if not r[1]]
        rate = lambda xs, f: sum(map(f, xs)) / max(1, len(xs))  # noqa: E731
        print(
            f"{setting:12} {name:10} n={len(ans)}+{len(un)}  evidence.recall {rate(ans, lambda r: any(r[3])):.3f}"
            f"  R@1 {rate(ans, lambda r: any(r[2][:1])):.3f}  R@3 {rate(ans, lambda r: any(r[2][:3])):.3f}"
            f"  answerable gated out {rate(ans, lambda r: not r[6]):.3f}"
            f"  unanswerable let through {rate(un, lambda r: r[6]):.3f}"
            f"  units per answer {rate([r for r in mine if r[6]], lambda r: len(r[3])):.2f}",
            flush=True,
        )
        aucs = []
        for i in (4, 7):
            pos, neg = [r[i] for r in ans], [r[i] for r in un]
            aucs.append(sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / max(1, len(pos) * len(neg)))
        print(f"{'':24} gate AUC (best lead, answerable vs not) {aucs[0]:.3f}, with anchors {aucs[1]:.3f}")
        if losses:
            counts = Counter(r[5] for r in ans if r[5] != "hit")
            print(f"{'':24} lost: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
        else:
            for shift in (0.0, 0.01, 0.02, 0.03, 0.04):
                print(
                    f"{'':24} bar +{shift:.2f}: answerable gated out "
                    f"{rate(ans, lambda r, shift=shift: r[4] < shift):.3f}"
                    f"  unanswerable let through {rate(un, lambda r, shift=shift: r[4] >= shift):.3f}"
                )


def slice_arguments(ap: argparse.ArgumentParser) -> None:
    """The XQuAD dev slice a benchmark reads: its settings, the paragraphs held out, and which questions."""
    ap.add_argument("--settings", default="en-q.ar-ctx,ar,ar-q.en-ctx,en")
    ap.add_argument("--fraction", type=float, default=0.2)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--skip", type=int, default=0, help="start after this many questions (a held-apart slice)")


def main() -> None:
    ap = argparse.ArgumentParser()
    slice_arguments(ap)
    ap.add_argument("--variants", default="shipped", help="comma-separated names of VARIANTS")
    ap.add_argument("--losses", action="store_true", help="where the missed answerable questions are lost")
    args = ap.parse_args()
    names = args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS(SelectionOptions())]
    if unknown:
        ap.error(f"unknown variants {unknown}; known: {','.join(VARIANTS(SelectionOptions()))}")
    model = LocalE5Embedder()
    for setting in args.settings.split(","):  # a cache per setting: its figures do not depend on the others run
        run(setting, args.fraction, args.limit, args.skip, CachedEmbedder(model), names, args.losses)


if __name__ == "__main__":
    main()
