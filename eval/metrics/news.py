"""News metrics: who said it (``attribution``), when (``time``) and which source (``sources``).

Design: :func:`news_record` reads one answer as its dict (``Answer.to_dict()``, the shape of the contract's
"Answer structure and news fields") beside the question's gold (:class:`eval.datasets.records.EvalQuestion`:
``speaker``, ``time_range``, ``sources``, ``reference_date``) and returns the per-question ``news`` record:
the gold, what the answer showed (each shown sentence's ``speaker``, the answer's ``time_range`` and
``undated_excluded``, each citation's ``source`` and ``published``) and the question's values behind the rates.
:func:`news_blocks` averages the records into the report's ``attribution``, ``time`` and ``sources`` blocks, so a
re-judged report (:mod:`eval.runs.rejudge`) recomputes them the same way. Definitions (docs/eval.md, "News"):

- ``attribution.speaker_accuracy``: over answered, answerable questions with a gold speaker: 1 when at least one
  shown sentence carries a ``speaker`` that matches the gold (:func:`speaker_matches`), else 0 (an answer whose
  sentences carry no speaker scores 0).
- ``attribution.wrong_party``: the number of shown sentences, over answered questions with a gold speaker,
  that cite a gold evidence span (the gold speaker's statement) and carry a ``speaker`` that does not match the
  gold: statements credited to a party that did not make them; ``attribution.wrong_party_rate``: the same over
  the shown sentences citing a gold span that carry a speaker. A sentence citing another span cannot be checked
  this way (its true speaker is not labelled).
- ``attribution.other_party_rate``: over the shown sentences with a ``speaker`` of those questions, the share
  whose speaker is not the asked party (another party's statement shown for "what did X say"; not an error of
  attribution, a unit that does not answer).
- ``time.filter_accuracy``: over questions with a gold ``time_range`` (answered or not): the answer's
  ``time_range.from`` and ``to`` equal the gold's; no ``time_range`` scores 0. ``time.spurious_filter_rate``: over
  questions without a gold ``time_range``: the answer applied a date filter anyway.
- ``sources.recall``: over answerable questions with gold ``sources``: the share of gold sources among the
  ``source`` of the answer's citations (an abstention scores 0).

A speaker *matches* when, normalized (:func:`eval.metrics.answers.normalize_answer`: both scripts' letter
variants folded, case and punctuation dropped, the article al- stripped), it equals the gold ``text`` or one of
its ``aliases``, or its tokens are a contiguous run of the gold text's tokens (a shorter mention), or end with
the gold text's tokens (a title before it: "معالي وزير الخارجية ..."), or are all words of the gold text or of
one alias (a mention in another order: "اللواء منصور التركي، المتحدث الأمني"). A longer mention that adds words
after the gold ("وزارة الصحة العامة والرعاية الاجتماعية" for "وزارة الصحة") is another party.

Limits: fields the answer does not have yet (an answerer from before the news issue) read as absent: the rates
are then 0, not null, because the population is the question's gold; ``news.fields`` in the per-question record
says which answer fields were there. The matching is string-based: an alias the gold does not list ("the
Kingdom" for the Saudi foreign minister) counts as a wrong party.
"""

from __future__ import annotations

from eval.metrics.answers import normalize_answer


def _tokens(text: str) -> list[str]:
    return normalize_answer(text).split()


def _contains(long: list[str], short: list[str]) -> bool:
    n = len(short)
    return n > 0 and any(long[i : i + n] == short for i in range(len(long) - n + 1))


def speaker_matches(speaker: str, gold: dict) -> bool:
    """Whether the answer's ``speaker`` text names the gold party (see the module docstring)."""
    said = _tokens(speaker)
    if not said:
        return False
    forms = [gold.get("text") or "", *(gold.get("aliases") or [])]
    if any(said == _tokens(f) for f in forms if f):
        return True
    text = _tokens(gold.get("text") or "")
    if _contains(text, said) or (text and said[-len(text) :] == text):
        return True  # a shorter mention, or a longer one with a title before it ("معالي وزير الخارجية ...")
    # the same words in another order or with some left out ("اللواء منصور التركي، المتحدث الأمني" for
    # "المتحدث الأمني لوزارة الداخلية اللواء منصور التركي"): every word of the mention is a word of one form
    return any(set(said) <= set(_tokens(f)) for f in forms if f)


def _speaker_text(sentence: dict) -> str | None:
    sp = sentence.get("speaker")
    if isinstance(sp, dict) and isinstance(sp.get("text"), str) and sp["text"].strip():
        return sp["text"]
    if isinstance(sp, str) and sp.strip():
        return sp
    return None


def _cites_gold(sentence: dict, citations: list[dict], evidence: list) -> bool:
    """Whether one of the sentence's citations overlaps a gold evidence span (``(doc, start, end)``): the span is
    the gold speaker's statement, so a speaker shown for it must be the gold one."""
    by_id = {c.get("id"): c for c in citations}
    for cid in sentence.get("citations") or []:
        c = by_id.get(cid)
        if not c:
            continue
        for doc, start, end in evidence:
            if c.get("doc_id") == doc and c.get("start", 0) < end and start < c.get("end", 0):
                return True
    return False


def _norm_source(name: object) -> str:
    return str(name or "").strip().casefold()


def news_record(q, answer: dict) -> dict:
    """The ``news`` part of a question's record: gold, what the answer showed, and its scores (module docstring).
    ``answer`` is ``Answer.to_dict()``; missing news fields are tolerated."""
    abstained = bool(answer.get("abstained"))
    sentences = [] if abstained else [s for s in answer.get("sentences") or [] if isinstance(s, dict)]
    citations = [c for c in answer.get("citations") or [] if isinstance(c, dict)]
    speakers = [_speaker_text(s) for s in sentences]
    tr = answer.get("time_range") if isinstance(answer.get("time_range"), dict) else None
    gold_speaker = getattr(q, "speaker", None)
    gold_range = getattr(q, "time_range", None)
    gold_sources = list(getattr(q, "sources", None) or [])
    ref = getattr(q, "reference_date", None)
    scores: dict[str, float | int | None] = {
        "speaker_correct": None,
        "wrong_party": None,
        "speaker_sentences": None,
        "time_filter": None,
        "spurious_filter": None,
        "sources_recall": None,
    }
    if gold_speaker and not abstained:
        shown = [s for s in speakers if s]
        other = [s for s in shown if not speaker_matches(s, gold_speaker)]
        on_gold = [
            sp
            for sentence, sp in zip(sentences, speakers, strict=True)
            if sp and _cites_gold(sentence, citations, getattr(q, "evidence", None) or [])
        ]
        scores["wrong_party"] = sum(1 for sp in on_gold if not speaker_matches(sp, gold_speaker))
        scores["gold_span_sentences"] = len(on_gold)
        scores["other_party"] = len(other)
        scores["speaker_sentences"] = len(shown)
        if q.answerable:
            scores["speaker_correct"] = 1.0 if len(shown) > len(other) else 0.0
    if gold_range:
        same = tr is not None and (tr.get("from"), tr.get("to")) == (gold_range["from"], gold_range["to"])
        scores["time_filter"] = 1.0 if same else 0.0
    else:
        scores["spurious_filter"] = 1.0 if tr is not None else 0.0
    cited_sources = [c.get("source") for c in citations]
    if gold_sources and q.answerable:
        have = {_norm_source(s) for s in cited_sources} if not abstained else set()
        gold = {_norm_source(s) for s in gold_sources}
        scores["sources_recall"] = round(len(gold & have) / len(gold), 4)
    return {
        "kind": getattr(q, "kind", None),
        "reference_date": ref.isoformat() if ref else None,
        "gold_speaker": gold_speaker,
        "gold_time_range": gold_range,
        "gold_sources": gold_sources,
        "speakers": speakers,
        "time_range": tr,
        "undated_excluded": answer.get("undated_excluded"),
        "cited": [{"source": c.get("source"), "published": c.get("published")} for c in citations],
        "fields": {
            "speaker": any("speaker" in s for s in sentences),
            "time_range": "time_range" in answer,
            "published": any("published" in c for c in citations),
        },
        "scores": scores,
    }


def _rate(values: list) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def news_blocks(records: list[dict]) -> dict:
    """``{"attribution", "time", "sources"}`` blocks of the report from the records' ``news`` parts, plus the
    populations under ``counts`` (see the module docstring)."""
    news = [r["news"]["scores"] for r in records if isinstance(r.get("news"), dict)]
    wrong = [s["wrong_party"] for s in news if s.get("wrong_party") is not None]
    on_gold = sum(s.get("gold_span_sentences") or 0 for s in news)
    other = [s["other_party"] for s in news if s.get("other_party") is not None]
    with_speaker = sum(s["speaker_sentences"] for s in news if s.get("speaker_sentences") is not None)
    return {
        "attribution": {
            "speaker_accuracy": _rate([s.get("speaker_correct") for s in news]),
            "wrong_party": sum(wrong) if wrong else None,
            "wrong_party_rate": round(sum(wrong) / on_gold, 4) if on_gold else None,
            "other_party_rate": round(sum(other) / with_speaker, 4) if with_speaker else None,
        },
        "time": {
            "filter_accuracy": _rate([s.get("time_filter") for s in news]),
            "spurious_filter_rate": _rate([s.get("spurious_filter") for s in news]),
        },
        "sources": {"recall": _rate([s.get("sources_recall") for s in news])},
        "counts": {
            "speaker_questions": sum(1 for s in news if s.get("speaker_correct") is not None),
            "speaker_sentences": with_speaker,
            "gold_span_speaker_sentences": on_gold,
            "time_questions": sum(1 for s in news if s.get("time_filter") is not None),
            "source_questions": sum(1 for s in news if s.get("sources_recall") is not None),
        },
    }
