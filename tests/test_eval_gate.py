"""The regression gate: rerun the committed baseline subset (eval/baselines/seed-and-xquad-subset.json: the 4
seed-news questions + the first 20 questions of XQuAD en-q.ar-ctx, real embedder, fake LLM, deterministic judge)
and fail when any metric drops by more than the tolerance: 0.02 absolute for every rate (retrieval, answer,
citations, faithfulness incl. judge calibration, abstention; for unsupported_rate and false_abstention_rate a
rise counts as the drop). Latency is reported, not gated. Regenerate the baseline deliberately with
``python -m eval.reports.baseline --write`` when a change is meant to move the numbers."""
from __future__ import annotations

import pytest

from eval.reports.baseline import BASELINE, SHARED, TOLERANCE, run_subset
from eval.reports.compare import compare, format_table, load_report, notes, regressions


@pytest.mark.integration
def test_no_metric_regresses_beyond_the_tolerance(local_embedder):
    if not (SHARED / "datasets" / "seed-news.dev.jsonl").is_file():
        pytest.skip(f"{SHARED} (the shared datasets) is not here")
    assert TOLERANCE == 0.02
    baseline = load_report(BASELINE)
    current = run_subset(local_embedder)
    rows = compare(baseline, current, tolerance=TOLERANCE)
    bad = regressions(rows)
    assert not bad, ("metrics regressed beyond the tolerance:\n" + "\n".join(notes(baseline, current))
                     + "\n" + format_table(rows))
    assert set(current["runs"]) == set(baseline["runs"])
