"""`ask` latency with the embedded defaults: cold (first question in a new process, model load included) and
warm (later questions in the same process).

Usage: python scripts/bench_ask.py [--llm local|fake|none] [--warm N]
Ingests the bundled sample corpus into a temporary store, then times the questions; prints per-stage timings
and the warm time to first streamed token (issue target: 3 s). The questions alternate between Arabic and
English, so a prompt cache that kept only one language's prompt would show here.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant.app import make_answerer, make_ingestor
from assistant.settings import Settings

QUESTIONS = ["What did Russia say about Idlib?", "من ترأس الوفد الروسي الذي استقبله الأسد؟",
             "Which UN Security Council resolution is mentioned?", "What is the capital of France?"]
SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample_corpus"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--llm", default="local")
    ap.add_argument("--warm", type=int, default=2, help="warm rounds over the question set")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), llm=args.llm)
        make_ingestor(settings).ingest_paths([SAMPLE])
        t = time.perf_counter()
        answerer = make_answerer(settings)
        first = answerer.ask(QUESTIONS[0])
        cold = (time.perf_counter() - t) * 1000
        print(f"cold: {cold:7.0f} ms  (build + first question; stages {first.timings_ms})")
        totals, firsts = [], []
        for _ in range(args.warm):
            for q in QUESTIONS:
                a = answerer.ask(q)
                totals.append(a.timings_ms["total"])
                if "first_token" in a.timings_ms:
                    firsts.append(a.timings_ms["first_token"])
                print(f"warm: {a.timings_ms['total']:7.0f} ms  abstained={a.abstained!s:5}  {a.timings_ms}  {q}")
        print(f"warm p50 {statistics.median(totals):.0f} ms, max {max(totals):.0f} ms over {len(totals)} questions")
        if firsts:  # questions that reached the model (an abstention before it has no first token)
            print(f"warm time to first token p50 {statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms "
                  f"over {len(firsts)} model answers")


if __name__ == "__main__":
    main()
