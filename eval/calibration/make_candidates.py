"""Generate judge-calibration candidates from REAL pipeline outputs (the local llama.cpp model).

Run (slow: one real answer per question; timings in docs/benchmarks.md, 'Eval run costs'):

    ASSISTANT_ALLOW_MODEL_REQUESTS=1 .venv/bin/python -m eval.calibration.make_candidates [--set 1|2] [--out FILE]

What it does: picks ~25 questions (``--set 1``: the 4 seed-news questions over ../shared/corpus; 10 from XQuAD
``ar`` and 11 from XQuAD ``en-q.ar-ctx``, the first question of evenly spaced paragraphs, outside the first 50
questions used by the full-mode run; ``--set 2``, appended: 10 more from each of ``ar``, ``en-q.ar-ctx`` and
``ar-q.en-ctx``, from other paragraphs), indexes only those questions' paragraphs in a temporary store with the
real embedder, and asks each through the real :class:`Answerer` with ``Settings(llm="local")``. The LLM is wrapped
so the *raw* reply is kept; it is parsed into sentences exactly as the answerer does (:func:`parse_cited_answer`
over the evidence numbers the prompt offered), and every sentence that cites at least one offered evidence sentence
is written as a candidate: ``{sentence, cited_text, cited, question, qid, dataset, lang, kept, pipeline_reason}``
where ``cited_text`` joins the cited evidence sentences and ``kept`` says whether the pipeline's own checks kept
it. Labels are NOT produced here: a person reads each ``cited_text`` and writes ``labels.jsonl``.

Limits: the candidates reflect one small model (Qwen2.5-Coder-1.5B) and the current prompts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
OUT = Path(__file__).with_name("candidates.jsonl")
_EVIDENCE = re.compile(r"^\[(\d+)\]\s*(.+?)\s*$", re.MULTILINE)


def pick(dataset, n: int, first_paragraph: int) -> list:
    """The first question of ``n`` evenly spaced paragraphs starting at ``first_paragraph``."""
    by_doc: dict[str, list] = {}
    for q in dataset.questions:
        if q.gold_docs:
            by_doc.setdefault(q.gold_docs[0], []).append(q)
    docs = list(by_doc)
    step = max(1, (len(docs) - first_paragraph) // n)
    return [by_doc[d][0] for d in docs[first_paragraph::step][:n]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--set",
        type=int,
        choices=(1, 2),
        default=1,
        dest="which",
        help="1: seed + 10 ar + 11 en-q.ar-ctx; 2: 10 more of each of ar, en-q.ar-ctx, ar-q.en-ctx "
        "(other paragraphs), appended to --out",
    )
    args = ap.parse_args(argv)

    from assistant.answer.answerer import Answerer, AnswerOptions
    from assistant.answer.citations import parse_cited_answer
    from assistant.backends import make_embedder, make_llm
    from assistant.settings import Settings
    from assistant.store.library import Library
    from assistant.text.arabic import detect_language
    from eval.datasets.load import load_dataset
    from eval.runs.full import RecordingLLM
    from ingest.pipeline import Ingestor

    settings = Settings(llm="local")
    seed = load_dataset(SHARED / "datasets" / "seed-news.dev.jsonl", corpus=SHARED / "corpus")
    xar = load_dataset(SHARED / "datasets" / "xquad" / "xquad.ar.dev.json")
    xen = load_dataset(SHARED / "datasets" / "xquad" / "xquad.en-q.ar-ctx.dev.json")
    if args.which == 1:
        plan = (
            [(seed, q) for q in seed.questions]
            + [(xar, q) for q in pick(xar, 10, 15)]
            + [(xen, q) for q in pick(xen, 11, 20)]
        )
    else:
        xaren = load_dataset(SHARED / "datasets" / "xquad" / "xquad.ar-q.en-ctx.dev.json")
        plan = (
            [(xar, q) for q in pick(xar, 10, 20)]
            + [(xen, q) for q in pick(xen, 10, 24)]
            + [(xaren, q) for q in pick(xaren, 10, 17)]
        )
    embedder = make_embedder(settings)
    recorder = RecordingLLM(make_llm(settings))
    n_out = 0
    mode = "w" if args.which == 1 else "a"
    with tempfile.TemporaryDirectory(prefix="calib-") as tmp, args.out.open(mode, encoding="utf-8") as out:
        library = Library(Path(tmp), collection="calib")
        wanted = {(ds.name, d) for ds, q in plan for d in q.gold_docs}
        for ds in {id(ds): ds for ds, _ in plan}.values():
            docs = [d for d in ds.documents if (ds.name, d.id) in wanted]
            for d in docs:  # the same paragraph id exists in both XQuAD files: keep ids distinct
                d.id = f"{ds.name.split('.dev')[0]}:{d.id}"
            Ingestor(library, embedder, chunk_chars=settings.chunk_chars).ingest_articles(docs, name=ds.name)
        answerer = Answerer(
            library=library, embedder=embedder, llm=recorder, options=AnswerOptions.from_settings(settings)
        )
        for i, (ds, q) in enumerate(plan, 1):
            recorder.reset()
            answer = answerer.ask(q.question)
            print(f"[{i}/{len(plan)}] {q.id}: {' '.join(answer.answer.split())[:100]}", file=sys.stderr)
            if not recorder.calls:
                continue
            messages, reply = recorder.calls[-1]
            offered = {int(n): t for n, t in _EVIDENCE.findall(messages[-1].content)}
            removed = {r["sentence"]: r["reason"] for r in answer.removed}
            for p in parse_cited_answer(reply, set(offered)):
                if not p.cited:
                    continue
                row = {
                    "sentence": p.text,
                    "cited_text": " ".join(offered[n] for n in p.cited),
                    "cited": p.cited,
                    "question": q.question,
                    "qid": q.id,
                    "dataset": ds.name,
                    "lang": detect_language(p.text),
                    "kept": p.text not in removed,
                    "pipeline_reason": removed.get(p.text),
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                n_out += 1
    print(f"{n_out} candidate sentences written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
