"""Short answers on their own: for number and date questions, how often does the checked fact given from the
selected units hold the gold, in the question's language? No generator is called.

Usage: python scripts/bench_short.py [--settings en-q.ar-ctx,ar,ar-q.en-ctx,en] [--fraction 0.2] [--limit N]
       [--skip N] [--show]
For each XQuAD dev setting the paragraphs are indexed with the bundled embedder (``--fraction`` held out, as in
``scripts/bench_selection.py``), and each answerable question of type ``number`` or ``date``
(:func:`assistant.text.questions.question_type`) is retrieved and its units selected with the shipped options.
Printed per setting and type (:func:`assistant.answer.short.find_short_answer`, number questions included): the
questions, the short answers given, those that hold a gold answer in the question's language
(``question_lang_answers``, else ``answers``; the eval's ``contains_gold``), and how many questions had the gold
span in one of the first two selected units at all. ``--show`` prints every short answer given, with its gold.
The answerer looks at the units it shows, which are the selected ones less those it drops (a repeated sentence,
a quote that does not match the store), so its figures can differ a little.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_selection import SHARED, CachedEmbedder, holds_gold, slice_arguments  # noqa: E402

from assistant.answer.options import AnswerOptions  # noqa: E402
from assistant.answer.selection import SelectionOptions, rank_units, select  # noqa: E402
from assistant.answer.short import find_short_answer, unit_asked  # noqa: E402
from assistant.backends.local import LocalE5Embedder  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store.library import Library  # noqa: E402
from assistant.text.arabic import detect_language  # noqa: E402
from assistant.text.questions import question_type  # noqa: E402
from eval.datasets.load import load_dataset  # noqa: E402
from eval.metrics.answers import contains_gold  # noqa: E402
from eval.runs.retrieval import index_dataset  # noqa: E402

KINDS = ("number", "date")


def run(setting: str, fraction: float, limit: int | None, skip: int, embedder, show: bool) -> Counter:
    data = load_dataset(str(SHARED / f"xquad.{setting}.dev.json"), unanswerable_fraction=fraction)
    qs = data.questions[skip : skip + limit if limit else None]
    o = AnswerOptions.from_settings(Settings(llm="none"))
    opts = SelectionOptions(
        max_units=o.max_units, min_relevance=o.unit_min_relevance, min_relevance_cross=o.unit_min_relevance_cross
    )
    counts: Counter = Counter()
    with tempfile.TemporaryDirectory() as home:
        lib = Library(Path(home), collection="short")
        index_dataset(data, lib, embedder)
        retriever = Retriever(lib, embedder)
        for q in qs:
            lang = detect_language(q.question)
            kind = question_type(q.question, lang)
            if not q.answerable or kind not in KINDS:
                continue
            prepared = retriever.prepare(q.question)
            hits = retriever.retrieve(q.question, top_k=5, prepared=prepared)
            ranked = rank_units(lib, embedder, hits, prepared.vector, opts, q_lang=lang, question=q.question)
            chosen = select(ranked, lang, opts)
            golds = q.question_lang_answers or q.answers
            counts[kind, "questions"] += 1
            counts[kind, "gold in first two units"] += any(holds_gold(u, q) for u in chosen[:2])
            short = find_short_answer(
                q.question, lang, chosen, embedder=embedder, q_vector=prepared.vector, numbers=True
            )
            counted = kind == "number" and unit_asked(q.question) is not None
            counts[kind, "counted questions"] += counted
            if short is None:
                continue
            ok = contains_gold(short.text, golds) > 0
            counts[kind, "given"] += 1
            counts[kind, "correct"] += ok
            counts[kind, "counted given"] += counted
            counts[kind, "counted correct"] += counted and ok
            if show:
                print(f"  {'OK ' if ok else 'BAD'} {q.question[:70]!r} -> {short.text!r} gold {golds[:2]}", flush=True)
    for kind in KINDS:
        n, g, c = counts[kind, "questions"], counts[kind, "given"], counts[kind, "correct"]
        print(
            f"{setting:12} {kind:7} questions {n:3}  given {g:3} ({g / max(1, n):.2f})  correct {c:3}"
            f"  precision {c / max(1, g):.2f}  gold in first two units {counts[kind, 'gold in first two units']}",
            flush=True,
        )
    n, g, c = (counts["number", k] for k in ("counted questions", "counted given", "counted correct"))
    print(f"{setting:12} number questions that name a unit word: {n}, given {g}, correct {c}")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser()
    slice_arguments(ap)
    ap.add_argument("--show", action="store_true", help="print every short answer given, with its gold")
    args = ap.parse_args()
    model = LocalE5Embedder()
    total: Counter = Counter()
    for setting in args.settings.split(","):
        total += run(setting, args.fraction, args.limit, args.skip, CachedEmbedder(model), args.show)
    for kind in KINDS:
        g, c, n = total[kind, "given"], total[kind, "correct"], total[kind, "questions"]
        print(f"all settings, {kind}: questions {n}  given {g}  correct {c}  precision {c / max(1, g):.2f}")


if __name__ == "__main__":
    main()
