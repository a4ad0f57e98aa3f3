"""The model as an answerability signal for selection's gate: does the bundled model's P(yes) that a unit answers
the question separate answerable from unanswerable questions better than the unit's embedding score?

Usage: python scripts/bench_answerability.py [--settings en-q.ar-ctx,ar,ar-q.en-ctx,en] [--limit 150] [--skip 0]
       [--out answerability.jsonl] [--from answerability.jsonl]
For each XQuAD dev setting (20% of paragraphs held out, as ``scripts/bench_selection.py`` does), each question is
retrieved and its units ranked with the shipped selection; the gate's two best units (by lead over their bar) are
put to the model with the answerer's relevance prompt (``prompts/relevance.*.j2``, one token, P(yes)). One line per
question goes to ``--out``: the two leads, whether each holds the gold, the two P(yes), and, with every bar lowered
by 0.00-0.06, whether selection answers and whether a selected unit holds the gold. ``--from`` reads such a file
instead of calling the model. Printed per setting: the AUC of the best lead, of P(yes) and of lead + w·P(yes)
(answerable against unanswerable questions), then evidence recall, answerable questions gated out and unanswerable
ones let through for today's gate and for the rescue the answerer ships (``rescue_margin``, ``rescue_probability``:
the gate shut, the best lead within a margin of its bar, P(yes) of one of the two best units at least a threshold:
select with the bar lowered by the margin). A model call per unit: about 1 s each on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

SHIFTS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.06)
THRESHOLDS = (0.3, 0.4, 0.5)


def collect(settings: list[str], limit: int, skip: int, out: Path) -> list[dict]:
    from bench_selection import SHARED, CachedEmbedder, holds_gold

    from assistant.answer.attributed import relevance_messages
    from assistant.answer.selection import SelectionOptions, bar, rank_units, select
    from assistant.backends import make_llm
    from assistant.backends.local import LocalE5Embedder
    from assistant.retrieval.retriever import Retriever
    from assistant.settings import Settings
    from assistant.store.library import Library
    from assistant.text.arabic import detect_language
    from eval.datasets.load import load_dataset
    from eval.runs.retrieval import index_dataset

    llm = make_llm(Settings(llm="local"))
    embedder = CachedEmbedder(LocalE5Embedder())
    base = SelectionOptions(min_relevance=0.84, min_relevance_cross=0.77)  # the shipped unit bars
    records = []
    with out.open("w", encoding="utf-8") as f:
        for setting in settings:
            data = load_dataset(str(SHARED / f"xquad.{setting}.dev.json"), unanswerable_fraction=0.2)
            with tempfile.TemporaryDirectory() as home:
                lib = Library(Path(home), collection="ans")
                index_dataset(data, lib, embedder)
                retriever = Retriever(lib, embedder)
                for q in data.questions[skip : skip + limit]:
                    lang = detect_language(q.question)
                    prepared = retriever.prepare(q.question)
                    hits = retriever.retrieve(q.question, top_k=5, prepared=prepared)
                    ranked = rank_units(lib, embedder, hits, prepared.vector, base, q_lang=lang, question=q.question)

                    def lead(u, lang=lang):
                        return u.score - u.bonus - bar(lang, u.lang, base.min_relevance, base.min_relevance_cross)

                    top = sorted(ranked, key=lambda u: -lead(u))[:2]
                    rec = {
                        "setting": setting,
                        "id": q.id,
                        "answerable": q.answerable,
                        "leads": [round(lead(u), 4) for u in top],
                        "gold": [holds_gold(u, q) for u in top],
                        "p": [round(llm.yes_probability(relevance_messages(q.question, u)), 4) for u in top],
                    }
                    for d in SHIFTS:
                        lower = replace(
                            base, min_relevance=base.min_relevance - d, min_relevance_cross=base.min_relevance_cross - d
                        )
                        chosen = select(ranked, lang, lower)
                        rec[f"sel{d}"] = [bool(chosen), any(holds_gold(u, q) for u in chosen)]
                    f.write(json.dumps(rec) + "\n")
                    f.flush()
                    records.append(rec)
    return records


def auc(pos: list[float], neg: list[float]) -> float:
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / max(1, len(pos) * len(neg))


def report(records: list[dict]) -> None:
    by = defaultdict(list)
    for r in records:
        by[r["setting"]].append(r)
    for setting, rs in by.items():
        ans = [r for r in rs if r["answerable"] and r["leads"]]
        un = [r for r in rs if not r["answerable"] and r["leads"]]

        def a(f, ans=ans, un=un):
            return auc([f(r) for r in ans], [f(r) for r in un])

        print(f"{setting:12} n={len(ans)}+{len(un)}  AUC: lead {a(lambda r: r['leads'][0]):.3f}", end="")
        print(f"  P(yes) best unit {a(lambda r: r['p'][0]):.3f}  best of two {a(lambda r: max(r['p'])):.3f}", end="")
        for w in (0.1, 0.2):
            print(f"  lead+{w}·P {a(lambda r, w=w: r['leads'][0] + w * max(r['p'])):.3f}", end="")
        print()

        def rates(d: float, t: float, ans=ans, un=un) -> str:
            """Today's gate, or (t <= 1) the rescue: shut, the best lead within d of the bar, P(yes) >= t."""

            def opens(r):
                return r["sel0.0"][0] or (r["leads"][0] >= -d and r[f"sel{d}"][0] and max(r["p"]) >= t)

            def hit(r):
                return r["sel0.0"][1] if r["sel0.0"][0] else opens(r) and r[f"sel{d}"][1]

            recall = sum(hit(r) for r in ans) / max(1, len(ans))
            out = sum(not opens(r) for r in ans) / max(1, len(ans))
            through = sum(opens(r) for r in un) / max(1, len(un))
            return (
                f"evidence.recall {recall:.3f}  answerable gated out {out:.3f}  unanswerable let through {through:.3f}"
            )

        print(f"{'':14}today's gate:                 {rates(0.0, 2.0)}")
        for d in SHIFTS[1:5]:
            for t in THRESHOLDS:
                print(f"{'':14}rescue within {d:.2f}, P >= {t}: {rates(d, t)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--settings", default="en-q.ar-ctx,ar,ar-q.en-ctx,en")
    ap.add_argument("--limit", type=int, default=150)
    ap.add_argument("--skip", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("answerability.jsonl"))
    ap.add_argument("--from", dest="source", type=Path, default=None, help="read records instead of collecting")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if args.source is not None:
        records = [json.loads(line) for line in args.source.read_text(encoding="utf-8").splitlines() if line]
    else:
        records = collect(args.settings.split(","), args.limit, args.skip, args.out)
    report(records)


if __name__ == "__main__":
    main()
