"""``assistant eval --compare A B``: metric rows, directions, tolerances, missing metrics, bundles, exit codes."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from eval.reports.compare import compare, flatten, format_table, notes, regressions

BASE = {
    "dataset": "d.json",
    "mode": "full",
    "n_questions": 20,
    "partial": False,
    "retrieval": {"recall@1": 0.80, "recall@5": 0.95, "recall@10": 1.0, "mrr": 0.85, "ndcg@10": 0.88},
    "answer": {"exact_match": None, "f1": None, "contains_gold": 0.50},
    "citations": {"valid_rate": 1.0, "precision": 0.90, "recall": 0.90, "gold_evidence_hit": 0.70},
    "faithfulness": {
        "score": 0.92,
        "unsupported_rate": 0.10,
        "judge": "j",
        "calibration": {"n": 40, "accuracy": 0.8, "kappa": 0.6},
    },
    "abstention": {"accuracy_unanswerable": 0.5, "false_abstention_rate": 0.10},
    "latency_ms": {"p50": 100.0, "p95": 200.0},
    "latency_by_stage": {"generate": {"p50": 80.0, "p95": 150.0}},
    "tokens": {"in": 1000, "out": 100, "in_per_question": 50.0, "out_per_question": 5.0, "method": "m"},
    "counts": {"questions": 20},
    "config": {"embedder": "e", "llm": "fake", "retriever": "r", "judge": "j"},
    "per_question": [{"id": "x"}],
}


def test_flatten_takes_metrics_not_counts_names_or_questions():
    flat = flatten(BASE)
    assert flat["retrieval.recall@1"] == 0.8 and flat["answer.f1"] is None
    assert flat["faithfulness.calibration.kappa"] == 0.6 and "faithfulness.judge" not in flat
    assert flat["latency_by_stage.generate.p95"] == 150.0 and flat["tokens.in_per_question"] == 50.0
    assert not any(k.startswith(("counts", "config", "per_question", "tokens.method")) for k in flat)


def test_regressions_respect_direction_and_tolerance():
    b = copy.deepcopy(BASE)
    b["retrieval"]["recall@1"] = 0.785  # -0.015: within 0.02
    b["retrieval"]["mrr"] = 0.80  # -0.05: regression
    b["citations"]["precision"] = 0.95  # +0.05: improved
    b["faithfulness"]["unsupported_rate"] = 0.15  # higher is worse: regression
    b["abstention"]["false_abstention_rate"] = 0.05  # lower is better: improved
    b["answer"]["contains_gold"] = None  # measured before, not now: missing
    b["answer"]["f1"] = 0.4  # new
    b["latency_ms"]["p95"] = 900.0  # latency not gated by default
    rows = {r.metric: r for r in compare(BASE, b)}
    assert rows["retrieval.recall@1"].status == "ok" and rows["retrieval.recall@1"].delta == pytest.approx(-0.015)
    assert rows["retrieval.mrr"].status == "regression"
    assert rows["citations.precision"].status == "improved"
    assert rows["faithfulness.unsupported_rate"].status == "regression"
    assert rows["abstention.false_abstention_rate"].status == "improved"
    assert rows["answer.contains_gold"].status == "missing" and rows["answer.f1"].status == "new"
    assert rows["answer.exact_match"].status == "n/a" and rows["latency_ms.p95"].status == "ok"
    assert {r.metric for r in regressions(list(rows.values()))} == {
        "retrieval.mrr",
        "faithfulness.unsupported_rate",
        "answer.contains_gold",
    }
    assert {r.metric for r in regressions(compare(BASE, b, tolerance=0.06))} == {"answer.contains_gold"}
    lat = {r.metric: r.status for r in compare(BASE, b, latency_tolerance=0.5)}
    assert lat["latency_ms.p95"] == "regression" and lat["latency_ms.p50"] == "ok"
    table = format_table(compare(BASE, b))
    assert "retrieval.mrr" in table and "!! regression" in table and "-0.0500" in table


def test_notes_and_bundles():
    b = copy.deepcopy(BASE)
    b["n_questions"], b["partial"], b["config"]["llm"] = 10, True, "local"
    assert notes(BASE, b) == [
        "n_questions differs: 20 -> 10",
        "config.llm differs: 'fake' -> 'local'",
        "B is a partial report (interrupted run)",
    ]
    bundle_a, bundle_b = {"runs": {"s": BASE}}, {"runs": {"s": b, "t": BASE}}
    rows = compare(bundle_a, bundle_b)
    assert rows[0].metric == "s:retrieval.recall@1" and any(r.metric.startswith("t:") for r in rows)
    assert "run t only in B" in notes(bundle_a, bundle_b)


def test_cli_compare_prints_the_table_and_fails_on_regression(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    worse = copy.deepcopy(BASE)
    worse["citations"]["valid_rate"] = 0.9
    a.write_text(json.dumps(BASE), encoding="utf-8")
    b.write_text(json.dumps(worse), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "--compare", str(a), str(b)])
    assert res.exit_code == 0 and "citations.valid_rate" in res.output and "1 regression(s)" in res.output
    res = runner.invoke(app, ["eval", "--compare", str(a), str(b), "--fail-on-regression"])
    assert res.exit_code == 1 and "!! regression" in res.output
    res = runner.invoke(app, ["eval", "--compare", str(a), str(a), "--fail-on-regression"])
    assert res.exit_code == 0 and "0 regression(s)" in res.output
    res = runner.invoke(app, ["eval", "--compare", str(a), str(tmp_path / "nope.json")])
    assert res.exit_code == 2 and "cannot read" in res.output
    res = runner.invoke(app, ["eval"])
    assert res.exit_code == 2 and "--dataset" in res.output


def test_reader_metrics_and_judge_agreement_are_compared_side_by_side():
    from eval.reports.compare import compare as _compare
    from eval.reports.compare import flatten as _flatten

    a = {
        "answer": {"good_rate": 0.2, "contains_gold_question_lang": 0.5, "well_formed": 0.9},
        "evidence": {"recall": 0.8},
        "latency_ms": {"p50": 900.0, "first_sentence_p50": 400.0},
        "faithfulness": {
            "score": 0.9,
            "calibration": {"n": 100, "accuracy": 0.8, "kappa": 0.6, "unsupported_recall": 0.85},
        },
    }
    b = {
        "answer": {"good_rate": 0.1, "contains_gold_question_lang": 0.6, "well_formed": 0.9},
        "evidence": {"recall": None},
        "latency_ms": {"p50": 950.0, "first_sentence_p50": 300.0},
        "faithfulness": {
            "score": 0.9,
            "calibration": {"n": 100, "accuracy": 0.8, "kappa": 0.6, "unsupported_recall": 0.5},
        },
    }
    flat = _flatten(a)
    assert {
        "answer.good_rate",
        "evidence.recall",
        "latency_ms.first_sentence_p50",
        "faithfulness.calibration.unsupported_recall",
    } <= set(flat)
    rows = {r.metric: r.status for r in _compare(a, b)}
    assert rows["answer.good_rate"] == "regression" and rows["answer.contains_gold_question_lang"] == "improved"
    assert rows["evidence.recall"] == "missing"  # stopped being measured
    assert rows["faithfulness.calibration.unsupported_recall"] == "regression"
    assert rows["latency_ms.first_sentence_p50"] == "ok"
