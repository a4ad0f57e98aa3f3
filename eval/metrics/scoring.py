"""Scoring one answered question: the per-question record that full-mode metrics are averaged from.

Design: :func:`score_question` takes the eval question, the :class:`assistant.answer.answerer.Answer`, the distinct
documents retrieval ranked, the eval's own store texts (to re-read every citation's quote) and a judge, and
returns a JSON-ready record: the answer; its citations (``valid``: quote == stored text[start:end]; ``gold``:
overlaps a gold evidence span; ``before``/``after``: a window of the stored text around it); the shown sentences
with the judge's verdict on their citations together (``judge``) and on each citation alone
(``citation_support``, :func:`judge_sentences`); removed sentences, timings, token estimates and the per-question
answer scores. The sentence list comes from ``Answer.sentences``; extractive answers (no model, or the model
failed) have none, so their text is re-parsed into sentences and markers.

Reader-facing scores (issue 18/19): ``contains_gold_question_lang`` (the gold in the question's language),
``language_ok`` (:func:`answered_in_language`: the answer's own words are in the question's language, quotes and
source spellings aside, and it is not mostly quoted in the other language), each shown sentence's ``form`` problems
(:func:`assistant.verify.form.form_problems`, the answerer's own definition; empty = well formed),
``evidence_recall`` (a *selected* unit of ``Answer.evidence`` holds the gold answer: same document and its span
covers a gold span or overlaps it by at least half of the shorter of the two, or the unit's text contains a gold
answer; null when the answer carries no evidence units) and, by the judge, ``correct`` and ``good``
(:func:`judge_answer`: read without the quotes in the other language, which the question's reader cannot read,
correct = contains a gold answer in the question's language, or the judge's ``correct(question, golds, text)`` says
it gives it; good = answerable, answered, correct, in the question's language, every shown sentence well formed and
judged supported).

News (:mod:`eval.metrics.news`): each citation also keeps its article's ``source`` and ``published``, each shown
sentence its ``speaker`` (copied with the sentence), and the record a ``news`` part read from ``Answer.to_dict()``
(the gold speaker, time range and sources, what the answer showed, the per-question news scores).

Limits: precision asks whether each citation *alone* supports its sentence (a citation needed only in
combination with another counts as imprecise); a one-citation sentence reuses its sentence verdict.
"""

from __future__ import annotations

from assistant.answer.citations import parse_cited_answer
from assistant.answer.short import question_type
from assistant.verify.form import form_problems, in_language, other_language_quotes
from eval.datasets.records import EvalQuestion
from eval.metrics.answers import contains_gold, exact_match, strip_markers, token_f1
from eval.metrics.news import news_record
from eval.metrics.ranking import first_rank

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
    return [{"sentence": p.text, "citations": p.cited, "support": None} for p in parse_cited_answer(answer.answer, ids)]


def _unit_holds_gold(unit: dict, evidence, golds) -> bool:
    us, ue = unit.get("start"), unit.get("end")
    if isinstance(us, int) and isinstance(ue, int):
        for d, s, e in evidence:
            if d != unit.get("doc_id"):
                continue
            if us <= s and e <= ue:
                return True
            overlap = min(ue, e) - max(us, s)
            if overlap > 0 and overlap * 2 >= min(ue - us, e - s):
                return True
    return bool(golds) and contains_gold(unit.get("text") or "", golds) == 1.0


def evidence_recall(q_evidence, golds, units: list[dict] | None) -> float | None:
    """1.0 when a selected unit holds the gold answer (see the module docstring), 0.0 when none does; ``None``
    when there are no units (an answer from before ``Answer.evidence``) or nothing to look for."""
    if not units or not (q_evidence or golds):
        return None
    return 1.0 if any(_unit_holds_gold(u, q_evidence, golds) for u in units if u.get("selected")) else 0.0


def _compact_units(units) -> list[dict]:
    keys = ("doc_id", "start", "end", "text", "score", "lang", "clause", "selected")
    return [{k: u.get(k) for k in keys if k in u} for u in (units or []) if isinstance(u, dict)]


def answered_in_language(text: str, lang: str) -> bool:
    """Whether an answer is in ``lang`` for its reader: its own words (quotes and source spellings aside) are in
    ``lang`` (:func:`in_language`). A quote in the other language introduced in the question's language ("The
    article says, in Arabic: «…»") counts: the reader is told, in their language, what it is; whether the answer
    *gives* the answer in their language is ``correct``'s business, which reads the answer without such quotes."""
    return bool(text.strip()) and in_language(text, lang)


def judge_answer(record: dict, judge) -> None:
    """Set ``scores.correct`` and ``scores.good`` of a record whose sentences are judged, in place (see the
    module docstring); null for unanswerable questions or questions without gold answers. ``scores.language_ok``
    is recomputed too, so a re-judged older report reads language the same way."""
    sc = record["scores"]
    lang = record.get("lang") or "en"
    text = strip_markers(record.get("answer") or "")
    if not record.get("abstained"):
        sc["language_ok"] = 1.0 if answered_in_language(text, lang) else 0.0
    sc["correct"] = sc["good"] = None
    golds = record.get("question_lang_answers") or record.get("answers") or []
    if not record.get("answerable") or not golds:
        return
    if record.get("abstained"):
        sc["correct"] = sc["good"] = 0.0
        return
    readable, _ = other_language_quotes(text, lang)
    correct = bool(contains_gold(readable, golds)) if readable.strip() else False
    check = getattr(judge, "correct", None)
    if not correct and callable(check) and readable.strip():
        correct = bool(check(record.get("question") or "", golds, readable))
    sentences = record.get("sentences") or []
    good = (
        correct
        and bool(sc.get("language_ok"))
        and bool(sentences)
        and all(not s.get("form") for s in sentences)
        and all((s.get("judge") or {}).get("supported") for s in sentences)
    )
    sc["correct"], sc["good"] = float(correct), float(good)


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
            s["citation_support"] = {
                str(i): judge.judge(s["sentence"], [by_id[i]["quote"]]).supported for i in s["citations"] if i in by_id
            }


def _as_dict(answer) -> dict:
    """``Answer.to_dict()``, or the attributes of an answer-like object without it (tests' stand-ins)."""
    to_dict = getattr(answer, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return {
        "abstained": answer.abstained,
        "sentences": list(getattr(answer, "sentences", None) or []),
        "citations": [vars(c) if not isinstance(c, dict) else c for c in answer.citations],
    }


def score_question(
    q: EvalQuestion,
    answer,
    ranked: list[str] | None,
    *,
    texts: dict[str, str],
    gold_lang: str | None,
    judge,
    tokens: dict | None = None,
    raw_reply: str | None = None,
) -> dict:
    """The record for ``q`` (see the module docstring); ``texts`` maps doc ids to stored article texts."""
    citations = []
    for c in answer.citations:
        citations.append(
            {
                "id": c.id,
                "doc_id": c.doc_id,
                "title": c.title,
                "start": c.start,
                "end": c.end,
                "quote": c.quote,
                "source": getattr(c, "source", None),
                "published": getattr(c, "published", None),
                "valid": texts.get(c.doc_id, "")[c.start : c.end] == c.quote,
                "before": texts.get(c.doc_id, "")[max(0, c.start - CONTEXT_CHARS) : c.start],
                "after": texts.get(c.doc_id, "")[c.end : c.end + CONTEXT_CHARS],
                "gold": _overlaps(c.doc_id, c.start, c.end, q.evidence, q.gold_docs),
            }
        )
    sentences = [] if answer.abstained else _sentences(answer)
    for s in sentences:
        s["form"] = form_problems(strip_markers(s["sentence"]), q.lang)
    judge_sentences(sentences, citations, judge)
    ql_golds = list(getattr(q, "question_lang_answers", None) or q.answers)
    units = _compact_units(getattr(answer, "evidence", None))
    text = "" if answer.abstained else strip_markers(answer.answer)
    scores: dict[str, float | None] = {
        "exact_match": None,
        "f1": None,
        "contains_gold": None,
        "gold_evidence_hit": None,
        "contains_gold_question_lang": None,
        "language_ok": None,
        "evidence_recall": None,
        "short_answer_given": None,
        "short_answer_correct": None,
        "answering_quote_shown": None,
    }
    short = getattr(answer, "short_answer", None) if not answer.abstained else None
    if q.answerable:
        scores["short_answer_given"] = 1.0 if short else 0.0
        scores["answering_quote_shown"] = (
            1.0
            if any(
                _overlaps(c["doc_id"], c["start"], c["end"], q.evidence, q.gold_docs)
                and (
                    not q.evidence
                    or any(c["start"] <= st and en <= c["end"] for d, st, en in q.evidence if d == c["doc_id"])
                    or contains_gold(c["quote"], q.answers)
                )
                for c in citations
            )
            else 0.0
        )
        if short and ql_golds:
            scores["short_answer_correct"] = contains_gold(short["text"], ql_golds)
    if q.answerable and ql_golds:
        scores["contains_gold_question_lang"] = contains_gold(text, ql_golds) if text else 0.0
    if q.answerable:
        scores["evidence_recall"] = evidence_recall(q.evidence, list(dict.fromkeys(q.answers + ql_golds)), units)
    if q.answerable and q.answers:
        scores["contains_gold"] = contains_gold(text, q.answers) if text else 0.0
        if gold_lang is not None and gold_lang == q.lang:
            scores["exact_match"] = exact_match(text, q.answers) if text else 0.0
            scores["f1"] = round(token_f1(text, q.answers), 4) if text else 0.0
    if q.answerable and (q.evidence or q.gold_docs) and not answer.abstained:
        scores["gold_evidence_hit"] = 1.0 if any(c["gold"] for c in citations) else 0.0
    record = {
        "id": q.id,
        "question": q.question,
        "lang": q.lang,
        "answerable": q.answerable,
        "gold": list(q.gold_docs),
        "gold_lang": gold_lang,
        "answers": list(q.answers),
        "question_lang_answers": ql_golds,
        "evidence": [list(e) for e in q.evidence],
        "evidence_units": units,
        "held_out_doc": q.held_out_doc,
        "ranked": ranked,
        "rank": first_rank(ranked, q.gold_docs) if ranked is not None else None,
        "abstained": answer.abstained,
        "answer": answer.answer,
        "citations": citations,
        "sentences": sentences,
        "short_answer": short,
        "question_type": question_type(q.question, q.lang),
        "removed": list(answer.removed),
        "dropped_citations": list(answer.dropped_citations),
        "fallback": answer.fallback,
        "timings_ms": dict(answer.timings_ms),
        "tokens": tokens,
        "raw_reply": raw_reply,
        "scores": scores,
        "news": news_record(q, _as_dict(answer)),
    }
    judge_answer(record, judge)
    return record
