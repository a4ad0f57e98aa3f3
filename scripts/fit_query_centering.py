"""Fit the question-centering constants of the bundled embedder from the XQuAD dev splits (never per question).

multilingual-e5 question vectors share a language-and-"question" direction; taking part of that language's mean
question vector off a question before comparing it with passages in the other language ranks those passages
better (XQuAD dev; figures in docs/benchmarks.md, 'Question centering'). For each
language the script writes the mean ``query:`` vector of that language's dev questions and ``offset``: the mean of
``cos(q, p) - cos(centred q, p)`` over the questions' gold paragraphs in the other language, which puts centred
scores back on the raw scale so that a mixed-language store ranks both languages as before.

Usage: .venv/bin/python scripts/fit_query_centering.py [--shared ../shared] [--alpha 0.75]
Writes assistant/backends/e5_query_centering.json (the retriever reads it through the embedder's
``query_centering``). Limits: the constants belong to this embedder; another embedder gets no centering.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "assistant" / "backends" / "e5_query_centering.json"
# question language -> (same-language split: its questions, cross-language split: those questions + the other contexts)
SPLITS = {
    "ar": ("xquad/xquad.ar.dev.json", "xquad/xquad.ar-q.en-ctx.dev.json"),
    "en": ("xquad/xquad.en.dev.json", "xquad/xquad.en-q.ar-ctx.dev.json"),
}


def _questions_and_gold(path: Path) -> tuple[list[str], list[str], list[int]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    contexts, questions, gold = [], [], []
    for article in data["data"]:
        for para in article["paragraphs"]:
            contexts.append(para["context"])
            for qa in para["qas"]:
                questions.append(qa["question"])
                gold.append(len(contexts) - 1)
    return contexts, questions, gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--alpha", type=float, default=0.75, help="share of the mean taken off (tuned on dev: 0.75)")
    args = ap.parse_args(argv)
    from assistant.backends.local import LocalE5Embedder

    embedder = LocalE5Embedder()
    out = {"embedder": embedder.name, "alpha": args.alpha, "fitted_on": {}, "languages": {}}
    for lang, (same, cross) in SPLITS.items():
        _, questions, _ = _questions_and_gold(args.shared / "datasets" / same)
        contexts, cross_questions, gold = _questions_and_gold(args.shared / "datasets" / cross)
        q = np.stack([embedder.embed_query(t) for t in questions])
        mean = q.mean(axis=0)
        qx = np.stack([embedder.embed_query(t) for t in cross_questions])
        p = embedder.embed_passages(contexts)[gold]
        centred = qx - args.alpha * mean
        centred /= np.linalg.norm(centred, axis=1, keepdims=True)
        offset = float(np.mean((qx * p).sum(1) - (centred * p).sum(1)))
        out["fitted_on"][lang] = [same, cross]
        out["languages"][lang] = {
            "n_questions": len(questions),
            "offset": round(offset, 4),
            "mean": [round(float(x), 6) for x in mean],
        }
        print(f"{lang}: {len(questions)} questions, offset {offset:.4f}", file=sys.stderr)
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
