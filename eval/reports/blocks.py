"""Full-mode report: the report.json blocks (docs/eval.md, 'The report'), aggregated from per-question records
(:mod:`eval.metrics.scoring`).

Every metric is a mean of per-question (or per-sentence, per-citation) values over a stated population; a metric
whose population is empty is ``null`` (not measured), never 0. Rates are rounded to 4 decimals.

- ``retrieval``: as in retrieval mode, over answerable questions with gold documents.
- ``answer.exact_match`` / ``answer.f1``: over answerable questions whose language equals their gold document's
  (an abstention scores 0); ``answer.contains_gold``: over all answerable questions with gold answers;
  ``answer.contains_gold_question_lang``: the same against the gold in the question's language;
  ``answer.well_formed``: over shown sentences (no form problem, :func:`assistant.verify.form.form_problems`);
  ``answer.language_ok``: over answered questions; ``answer.correct`` / ``answer.good_rate``: over answerable
  questions with gold answers, by the judge (:func:`eval.metrics.scoring.judge_answer`).
- ``evidence.recall``: over answerable questions whose answer carries evidence units (null when none does).
- ``citations.valid_rate``: over all citations shown; ``citations.recall``: over shown answer sentences (judged
  supported by all their citations together); ``citations.precision``: over citations of shown sentences
  (judged to support their sentence alone); ``citations.gold_evidence_hit``: over answerable, answered questions.
- ``faithfulness.score``: mean judge score (share of a sentence's claims supported) over shown sentences;
  ``faithfulness.unsupported_rate``: share of shown sentences judged unsupported.
- ``abstention.accuracy_unanswerable``: over unanswerable questions; ``false_abstention_rate``: over answerable.
- ``latency_ms``: p50/p95 of ``timings_ms.total``; ``first_sentence_p50``/``_p95``: of
  ``timings_ms.first_sentence`` (else ``total``) over answers that show a sentence; ``latency_by_stage``: the same for each stage present.
- ``tokens``: totals and per-question means of the estimated prompt (``in``) and reply (``out``) tokens.
- ``attribution``, ``time``, ``sources``: the news metrics (:func:`eval.metrics.news.news_blocks`), null when no
  question carries the gold they need; their populations go into ``counts``.

Limits: ``per_question`` holds everything, so report.json grows linearly with the dataset (size per question:
docs/benchmarks.md, 'Eval run costs').
"""

from __future__ import annotations

from typing import Any

from eval.metrics.news import news_blocks
from eval.metrics.ranking import mean, percentile
from eval.runs.retrieval import retrieval_block


def short_answer_table(answerable: list[dict]) -> dict:
    """Per question type: answerable questions, how many got a short answer, by which path (``how``), and how many
    of those hold the gold in the question's language."""
    table: dict = {}
    for r in answerable:
        row = table.setdefault(
            r.get("question_type") or "phrase", {"questions": 0, "given": 0, "correct": 0, "by_how": {}}
        )
        row["questions"] += 1
        sa = r.get("short_answer")
        if sa:
            ok = (r["scores"].get("short_answer_correct") or 0.0) > 0
            row["given"] += 1
            row["correct"] += int(ok)
            how = row["by_how"].setdefault(sa.get("how", "?"), {"given": 0, "correct": 0})
            how["given"] += 1
            how["correct"] += int(ok)
    return table


def _rate(values: list[float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return round(mean(vals), 4) if vals else None


def _pcts(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None}
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2)}


def build_full_report(
    dataset_name: str,
    records: list[dict],
    *,
    config: dict,
    ingest: dict | None = None,
    calibration: dict | None = None,
    token_method: str = "",
    partial: bool = False,
    n_planned: int | None = None,
) -> dict:
    """The report dict for full mode (see the module docstring)."""
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    ranked = [r for r in answerable if r.get("ranked") is not None and r["gold"]]
    sentences = [s for r in records if not r["abstained"] for s in r["sentences"]]
    cited = [v for s in sentences for v in (s.get("citation_support") or {}).values()]
    citations = [c for r in records for c in r["citations"]]
    scores = [r["scores"] for r in records]
    stages: dict[str, list[float]] = {}
    for r in records:
        for k, v in (r.get("timings_ms") or {}).items():
            stages.setdefault(k, []).append(float(v))

    def first_ms(r: dict) -> Any:
        timings = r.get("timings_ms") or {}
        return timings.get("first_sentence", timings.get("total"))

    first = [float(ms) for r in records if not r["abstained"] and (ms := first_ms(r)) is not None]
    tok_in = [r["tokens"]["in"] for r in records if r.get("tokens")]
    tok_out = [r["tokens"]["out"] for r in records if r.get("tokens")]
    faith = {
        "score": _rate([s["judge"]["score"] for s in sentences]),
        "unsupported_rate": _rate([0.0 if s["judge"]["supported"] else 1.0 for s in sentences]),
        "judge": config.get("judge"),
    }
    if config.get("judge_note"):
        faith["judge_note"] = config["judge_note"]
    news = news_blocks(records)
    if calibration is not None:
        faith["calibration"] = calibration
    report = {
        "dataset": dataset_name,
        "mode": "full",
        "n_questions": len(records),
        "partial": partial,
        "retrieval": retrieval_block(ranked) if ranked else None,
        "answer": {
            "exact_match": _rate([s["exact_match"] for s in scores]),
            "f1": _rate([s["f1"] for s in scores]),
            "contains_gold": _rate([s["contains_gold"] for s in scores]),
            "contains_gold_question_lang": _rate([s.get("contains_gold_question_lang") for s in scores]),
            "correct": _rate([s.get("correct") for s in scores]),
            "language_ok": _rate([s.get("language_ok") for s in scores]),
            "well_formed": _rate([None if "form" not in s else (0.0 if s["form"] else 1.0) for s in sentences]),
            "good_rate": _rate([s.get("good") for s in scores]),
            "short_answer_rate": _rate([s.get("short_answer_given") for s in scores]),
            "short_answer_correct": _rate([s.get("short_answer_correct") for s in scores]),
            "short_answers": short_answer_table(answerable),
        },
        "evidence": {
            "recall": _rate([s.get("evidence_recall") for s in scores]),
            "quote_shown": _rate([s.get("answering_quote_shown") for s in scores]),
        },
        "citations": {
            "valid_rate": _rate([1.0 if c["valid"] else 0.0 for c in citations]),
            "precision": _rate([1.0 if v else 0.0 for v in cited]),
            "recall": _rate([1.0 if s["judge"]["supported"] else 0.0 for s in sentences]),
            "gold_evidence_hit": _rate([s["gold_evidence_hit"] for s in scores]),
        },
        "faithfulness": faith,
        "abstention": {
            "accuracy_unanswerable": _rate([1.0 if r["abstained"] else 0.0 for r in unanswerable]),
            "false_abstention_rate": _rate([1.0 if r["abstained"] else 0.0 for r in answerable]),
        },
        "attribution": news["attribution"],
        "time": news["time"],
        "sources": news["sources"],
        "latency_ms": dict(
            _pcts(stages.get("total", [])), **{f"first_sentence_{k}": v for k, v in _pcts(first).items()}
        ),
        "latency_by_stage": {k: _pcts(v) for k, v in sorted(stages.items()) if k != "total"},
        "tokens": {
            "in": sum(tok_in),
            "out": sum(tok_out),
            "in_per_question": round(mean(tok_in), 1),
            "out_per_question": round(mean(tok_out), 1),
            "method": token_method,
        },
        "counts": {
            "planned": n_planned if n_planned is not None else len(records),
            "questions": len(records),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            "same_language": sum(1 for s in scores if s["exact_match"] is not None),
            "answered": sum(1 for r in records if not r["abstained"]),
            "sentences": len(sentences),
            "citations": len(citations),
            "removed_sentences": sum(len(r["removed"]) for r in records),
            "errors": sum(1 for r in records if r.get("error")),
            **news["counts"],
        },
        "config": config,
    }
    if ingest is not None:
        report["ingest"] = ingest
    report["per_question"] = records
    return report
