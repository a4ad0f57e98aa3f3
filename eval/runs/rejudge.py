"""Re-judging a finished full-mode report with another judge, without asking any question again.

Design: a full-mode report keeps, per question, the shown sentences with their citation ids and every citation's
quote (re-read from the store when the run happened), which is all a judge needs. :func:`rejudge` runs ``judge``
over them (:func:`eval.metrics.scoring.judge_sentences`), rebuilds the report with :func:`eval.reports.blocks.build_full_report`
(so every metric is recomputed the same way) and records the previous judge in ``rejudged_from``. Used by
``assistant eval --rejudge DIR --judge llm``: a slow local-model run can be measured by the LLM judge afterwards.

The answer-level verdicts (``correct``, ``good``: :func:`eval.metrics.scoring.judge_answer`) are recomputed too, so
``answer.correct`` and ``answer.good_rate`` follow the new judge.

Limits: only shown sentences are judged (as in the run itself); a partial report stays partial.
"""

from __future__ import annotations

import copy

from assistant.verify.form import form_problems
from eval.metrics.scoring import judge_answer, judge_sentences, strip_markers
from eval.reports.blocks import build_full_report


def rejudge(report: dict, judge, *, calibrate=None) -> dict:
    """A new report dict: ``report``'s answers judged by ``judge`` (``calibrate(judge)`` adds the agreement)."""
    if report.get("mode") != "full" or not isinstance(report.get("per_question"), list):
        raise ValueError("only a full-mode report with per-question results can be re-judged")
    records = copy.deepcopy(report["per_question"])
    for r in records:
        if not r.get("abstained"):
            for s in r.get("sentences") or []:
                if "form" not in s:  # a report from before the form checks
                    s["form"] = form_problems(strip_markers(s["sentence"]), r.get("lang") or "en")
            judge_sentences(r.get("sentences") or [], r.get("citations") or [], judge)
        r.setdefault("scores", {})
        judge_answer(r, judge)
    old = report.get("config") or {}
    config = {k: v for k, v in old.items() if k != "judge_note"} | {"judge": judge.name}
    if getattr(judge, "note", None):
        config["judge_note"] = judge.note
    out = build_full_report(
        report["dataset"],
        records,
        config=config,
        ingest=report.get("ingest"),
        calibration=calibrate(judge) if calibrate else None,
        token_method=(report.get("tokens") or {}).get("method", ""),
        partial=bool(report.get("partial")),
        n_planned=(report.get("counts") or {}).get("planned"),
    )
    out["rejudged_from"] = old.get("judge")
    return out
