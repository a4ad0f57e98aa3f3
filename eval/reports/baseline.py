"""The committed baseline (eval/baselines/seed-and-xquad-subset.json) and the regression gate that reruns it.

The subset, fixed so numbers are comparable over time (real multilingual-e5 embedder, the FAKE LLM, the
deterministic judge, default answering settings):

- ``seed-news``: the 4 seed questions (EN and AR, one unanswerable) over ``../shared/corpus``;
- ``xquad-en-q-ar-ctx-20``: the first 20 questions of ``xquad.en-q.ar-ctx.dev.json`` with
  ``unanswerable_fraction=0.2`` (paragraph p0-1 is held out, so 6 of the 20 must be abstained), over the
  paragraphs of the first 4 articles (p0-p3: 15 paragraphs after the hold-out) to keep the run short.

``python -m eval.reports.baseline --write`` regenerates the file (do it deliberately, when a change is meant to move the
numbers, and commit it with the change); ``python -m eval.reports.baseline`` reruns the subset and compares it with the
file (exit 1 on a regression). tests/test_eval_gate.py does the same inside pytest. TOLERANCE: a rate may drop by
at most 0.02 absolute; on these small runs one question moves a rate by 1/20 or more, so any change that flips a
single question's outcome for the worse fails the gate. Latency is shown but not gated (a shared machine's
timings are noise).

The seed run also records the deterministic judge's agreement with eval/calibration/labels.jsonl, so a judge
change that hurts agreement fails the gate as well; after editing labels.jsonl, regenerate the baseline.

Limits: with the fake LLM this gates retrieval, abstention, citation mapping/validity and the judge, not the
quality of a real model's wording; the subset is small, so it catches breakage, not 1-point drifts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import cast

from assistant.package_data import data_file, data_path

SHARED = Path(__file__).resolve().parents[3] / "shared"
BASELINE_FILE = "baselines/seed-and-xquad-subset.json"
"""The baseline inside the ``eval`` package (shipped as package data, :mod:`assistant.package_data`)."""
BASELINE = data_path("eval", BASELINE_FILE)
"""Where the baseline lives (``--write`` writes here; reading goes through :func:`baseline_file`, which checks)."""
TOLERANCE = 0.02
XQUAD_ARTICLES = ("p0", "p1", "p2", "p3")


def baseline_file() -> Path:
    """The committed baseline; :class:`assistant.package_data.MissingDataFile` when the install lacks it."""
    return data_file("eval", BASELINE_FILE)


def subset_specs(shared: Path = SHARED) -> dict[str, dict]:
    return {
        "seed-news": {
            "dataset": shared / "datasets" / "seed-news.dev.jsonl",
            "corpus": shared / "corpus",
            "limit": None,
            "unanswerable_fraction": 0.0,
            "articles": None,
        },
        "xquad-en-q-ar-ctx-20": {
            "dataset": shared / "datasets" / "xquad" / "xquad.en-q.ar-ctx.dev.json",
            "corpus": None,
            "limit": 20,
            "unanswerable_fraction": 0.2,
            "articles": XQUAD_ARTICLES,
        },
    }


def _summary(report: dict) -> dict:
    """The report without per-question data (the baseline file stays small and readable)."""
    return {k: v for k, v in report.items() if k != "per_question"}


def run_subset(embedder, shared: Path = SHARED, progress=None) -> dict:
    """``{"tolerance", "runs": {name: report summary}}`` for the subset (see the module docstring)."""
    from assistant.answer.answerer import AnswerOptions
    from assistant.backends.fake import FakeLLM
    from assistant.settings import Settings
    from eval.calibration import agreement
    from eval.datasets.load import load_dataset
    from eval.judges import DeterministicJudge
    from eval.runs.full import run_full_eval

    settings = Settings(llm="fake")
    runs = {}
    for name, spec in subset_specs(shared).items():
        data = load_dataset(spec["dataset"], corpus=spec["corpus"], unanswerable_fraction=spec["unanswerable_fraction"])
        if spec["articles"]:
            # SQuAD documents all carry their paragraph id (p<article>-<paragraph>)
            data.documents = [d for d in data.documents if cast(str, d.id).split("-")[0] in spec["articles"]]
        judge = DeterministicJudge(embedder)
        with tempfile.TemporaryDirectory(prefix="eval-gate-") as out:
            report = run_full_eval(
                data,
                embedder=embedder,
                llm=FakeLLM(),
                judge=judge,
                options=AnswerOptions.from_settings(settings),
                limit=spec["limit"],
                progress=progress,
                out_dir=out,
                chunk_chars=settings.chunk_chars,
                calibrate=(lambda j: agreement(j)) if name == "seed-news" else None,
            )
        runs[name] = _summary(report)
    return {
        "description": "seed-news (4 q) + first 20 q of xquad en-q.ar-ctx (fraction 0.2 held out), real "
        "embedder, fake LLM, deterministic judge; see eval/reports/baseline.py",
        "tolerance": TOLERANCE,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rerun the baseline subset; compare with (or --write) the baseline.")
    ap.add_argument("--write", action="store_true", help=f"overwrite {BASELINE.name} with this run")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = ap.parse_args(argv)
    from assistant.backends.local import LocalE5Embedder
    from eval.reports.compare import compare, format_table, load_report, notes, regressions
    from eval.reports.write import write_json_atomic

    current = run_subset(LocalE5Embedder())
    if args.write:
        write_json_atomic(BASELINE, current)
        print(f"wrote {BASELINE}")
        return 0
    base = load_report(baseline_file())
    rows = compare(base, current, tolerance=args.tolerance)
    for note in notes(base, current):
        print(f"note: {note}")
    print(format_table(rows))
    bad = regressions(rows)
    print(f"{len(bad)} regression(s) beyond {args.tolerance}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
