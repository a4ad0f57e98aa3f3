"""Scoring one answered question: the per-question record that full-mode metrics are averaged from.

Design: :func:`score_question` takes the eval question, the :class:`assistant.answering.Answer`, the distinct
documents retrieval ranked, the eval's own store texts (to re-read every citation's quote) and a judge, and
returns a JSON-ready record: the answer; its citations (``valid``: quote == stored text[start:end]; ``gold``:
overlaps a gold evidence span; ``before``/``after``: a window of the stored text around it); the shown sentences
with the judge's verdict on their citations together (``judge``) and on each citation alone
(``citation_support``, :func:`judge_sentences`); removed sentences, timings, token estimates and the per-question
answer scores. The sentence list comes from ``Answer.sentences``; extractive answers (no model, or the model
failed) have none, so their text is re-parsed into sentences and markers.

Limits: precision asks whether each citation *alone* supports its sentence (a citation needed only in
combination with another counts as imprecise); a one-citation sentence reuses its sentence verdict.
"""
from __future__ import annotations

from assistant.citations import parse_cited_answer
from eval.answer_metrics import contains_gold, exact_match, strip_markers, token_f1
from eval.datasets import EvalQuestion
from eval.metrics import first_rank

CONTEXT_CHARS = 160
"""Characters of the stored article kept on each side of a citation (``before``/``after``) for the HTML report."""


def _overlaps(doc_id: str, start: int, end: int, evidence, gold_docs) -> bool:
    """A citation hits gold evidence when it overlaps a gold span ([start, end) intersect), or, for a question
    whose gold evidence names documents without spans, when it cites a gold document."""
    if evidence:
        return any(d == doc_id and start < e and s < end for d, s, e in evidence)
    return doc_id in gold_docs


def _sentences(answer) -> list[dict]:
    if answer.sentences:
        return [dict(s) for s in answer.sentences]
    ids = {c.id for c in answer.citations}
    return [{"sentence": p.text, "citations": p.cited, "support": None}
            for p in parse_cited_answer(answer.answer, ids)]


def judge_sentences(sentences: list[dict], citations: list[dict], judge) -> None:
    """Set each sentence's ``judge`` (its citations together) and ``citation_support`` (each alone), in place."""
    by_id = {c["id"]: c for c in citations}
    for s in sentences:
        quotes = [by_id[i]["quote"] for i in s["citations"] if i in by_id]
        verdict = judge.judge(s["sentence"], quotes)
        s["judge"] = verdict.to_dict()
        if len(s["citations"]) == 1:
            s["citation_support"] = {str(s["citations"][0]): verdict.supported}
        else:
            s["citation_support"] = {str(i): judge.judge(s["sentence"], [by_id[i]["quote"]]).supported
                                     for i in s["citations"] if i in by_id}


def score_question(q: EvalQuestion, answer, ranked: list[str] | None, *, texts: dict[str, str],
                   gold_lang: str | None, judge, tokens: dict | None = None, raw_reply: str | None = None) -> dict:
    """The record for ``q`` (see the module docstring); ``texts`` maps doc ids to stored article texts."""
    citations = []
    for c in answer.citations:
        citations.append({"id": c.id, "doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end,
                          "quote": c.quote, "valid": texts.get(c.doc_id, "")[c.start:c.end] == c.quote,
                          "before": texts.get(c.doc_id, "")[max(0, c.start - CONTEXT_CHARS):c.start],
                          "after": texts.get(c.doc_id, "")[c.end:c.end + CONTEXT_CHARS],
                          "gold": _overlaps(c.doc_id, c.start, c.end, q.evidence, q.gold_docs)})
    sentences = [] if answer.abstained else _sentences(answer)
    judge_sentences(sentences, citations, judge)
    text = "" if answer.abstained else strip_markers(answer.answer)
    scores: dict[str, float | None] = {"exact_match": None, "f1": None, "contains_gold": None,
                                       "gold_evidence_hit": None}
    if q.answerable and q.answers:
        scores["contains_gold"] = contains_gold(text, q.answers) if text else 0.0
        if gold_lang is not None and gold_lang == q.lang:
            scores["exact_match"] = exact_match(text, q.answers) if text else 0.0
            scores["f1"] = round(token_f1(text, q.answers), 4) if text else 0.0
    if q.answerable and (q.evidence or q.gold_docs) and not answer.abstained:
        scores["gold_evidence_hit"] = 1.0 if any(c["gold"] for c in citations) else 0.0
    record = {
        "id": q.id, "question": q.question, "lang": q.lang, "answerable": q.answerable, "gold": list(q.gold_docs),
        "gold_lang": gold_lang, "answers": list(q.answers), "evidence": [list(e) for e in q.evidence],
        "held_out_doc": q.held_out_doc,
        "ranked": ranked, "rank": first_rank(ranked, q.gold_docs) if ranked is not None else None,
        "abstained": answer.abstained, "answer": answer.answer, "citations": citations, "sentences": sentences,
        "removed": list(answer.removed), "dropped_citations": list(answer.dropped_citations),
        "fallback": answer.fallback, "timings_ms": dict(answer.timings_ms), "tokens": tokens,
        "raw_reply": raw_reply, "scores": scores,
    }
    return record
