"""`ask` latency with the embedded defaults: cold (first question in a new process, model load included) and
warm (later questions in the same process).

Usage: python scripts/bench_ask.py [--llm local|fake|none] [--warm N] [--mode attributed|synthesized|auto]
Ingests the bundled sample corpus into a temporary store, then times the questions; prints per-stage timings,
the warm time to the first verified sentence (p50, p95: the time a reader waits for the first checked sentence)
and, in synthesized mode, to the first streamed token. The questions alternate between Arabic and
English, so a prompt cache that kept only one language's prompt would show here.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant.services import make_answerer, make_ingestor
from assistant.settings import Settings

QUESTIONS = [
    "What did Russia say about Idlib?",
    "من ترأس الوفد الروسي الذي استقبله الأسد؟",
    "Which UN Security Council resolution is mentioned?",
    "What is the capital of France?",
]
SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample_corpus"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--llm", default="local")
    ap.add_argument("--warm", type=int, default=2, help="warm rounds over the question set")
    ap.add_argument("--mode", default="auto", choices=["auto", "attributed", "synthesized"], help="answer mode")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), llm=args.llm, answer_mode=args.mode)
        make_ingestor(settings).ingest_paths([SAMPLE])
        t = time.perf_counter()
        answerer = make_answerer(settings)
        first = answerer.ask(QUESTIONS[0])
        cold = (time.perf_counter() - t) * 1000
        print(f"cold: {cold:7.0f} ms  (build + first question; stages {first.timings_ms})")
        totals, firsts, sentences = [], [], []
        for _ in range(args.warm):
            for q in QUESTIONS:
                a = answerer.ask(q)
                totals.append(a.timings_ms["total"])
                if "first_token" in a.timings_ms:
                    firsts.append(a.timings_ms["first_token"])
                if "first_sentence" in a.timings_ms:
                    sentences.append(a.timings_ms["first_sentence"])
                print(f"warm: {a.timings_ms['total']:7.0f} ms  abstained={a.abstained!s:5}  {a.timings_ms}  {q}")
        print(f"warm p50 {statistics.median(totals):.0f} ms, max {max(totals):.0f} ms over {len(totals)} questions")
        if sentences:
            p95 = sorted(sentences)[max(0, int(round(0.95 * len(sentences))) - 1)]
            print(
                f"warm time to first verified sentence p50 {statistics.median(sentences):.0f} ms, p95 {p95:.0f} ms "
                f"over {len(sentences)} answers that showed one"
            )
        if firsts:  # questions that reached the model (an abstention before it has no first token)
            print(
                f"warm time to first token p50 {statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms "
                f"over {len(firsts)} model answers"
            )


if __name__ == "__main__":
    main()
