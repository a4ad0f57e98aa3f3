"""What ties an answer to the stored articles: every quote re-read from the article table before it is shown,
citations numbered over the checked quotes (with their article's source and publication day), evidence widened to
its context sentence, the closest sources of an abstention, the abstention's text itself, and the statements of
the date range a question's time expression became and of the undated articles it left out.

Design: pure functions over a :class:`assistant.store.library.Library` (one ``texts`` read per call for all the
articles involved), shared by both answer modes. Limits: a quote is compared with the stored text as it is now;
an article rewritten between retrieval and this check fails it (the citation is dropped, never shown stale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import prompts
from assistant.answer.records import Citation, Evidence
from assistant.store.keys import date_key
from assistant.store.library import ChunkHit, Library
from assistant.text.when import range_words


def quotes_match(library: Library, evidence: Iterable[Evidence]) -> set[int]:
    """Numbers of the evidence whose text is exactly ``stored_text[start:end]`` of its article."""
    evidence = list(evidence)
    texts = library.articles.texts(e.doc_id for e in evidence)
    return {e.number for e in evidence if texts.get(e.doc_id, "")[e.start : e.end] == e.text}


def citations_for(library: Library, evidence: list[Evidence]) -> list[Citation]:
    """Citations numbered 1..n for evidence already checked by :func:`quotes_match`."""
    texts = library.articles.texts(e.doc_id for e in evidence)
    out = []
    for i, e in enumerate(evidence, 1):
        rec = library.articles.get(e.doc_id)
        assert rec is not None  # quotes_match read this article's text
        out.append(
            Citation(
                i,
                e.doc_id,
                rec.title,
                rec.source,
                e.start,
                e.end,
                texts[e.doc_id][e.start : e.end],
                rec.url,
                rec.lang,
                published_day(rec.published),
            )
        )
    return out


def published_day(published: str | None) -> str | None:
    """``YYYY-MM-DD`` of a stored ``published`` value (a date or a datetime), None when it holds no date."""
    key = date_key(published)
    return f"{published[:4]}-{published[5:7]}-{published[8:10]}" if key is not None and published else None


def widened(library: Library, by_number: dict, numbers: set[int]) -> dict:
    """Evidence ``numbers`` of ``by_number`` (``number -> (evidence, vector)``) re-cut to start at their context
    sentence: ``[context_start, end)`` of the stored article, so a citation covers the sentence that names who the
    evidence is about."""
    if not numbers:
        return {}
    texts = library.articles.texts(by_number[n][0].doc_id for n in numbers)
    out = {}
    for n in numbers:
        e, vec = by_number[n]
        span = texts.get(e.doc_id, "")[e.context_start : e.end]
        out[n] = (replace(e, start=e.context_start, text=span, context="", context_start=None), vec)
    return out


def closest_sources(hits: list[ChunkHit], n: int = 3) -> list[dict]:
    """The first ``n`` distinct articles of the retrieved chunks, for an abstention's reader to check."""
    seen, out = set(), []
    for h in hits:
        if h.chunk.doc_id in seen:
            continue
        seen.add(h.chunk.doc_id)
        md = h.chunk.metadata
        out.append(
            {"doc_id": h.chunk.doc_id, "title": md.get("title"), "source": md.get("source"), "score": round(h.score, 4)}
        )
        if len(out) == n:
            break
    return out


def abstain_text(lang: str) -> str:
    """The abstention, in the question's language."""
    return prompts.render(f"abstain.{lang}.j2")


def time_range_text(lang: str, time_range: dict, kind: str = "answer") -> str:
    """The statement of the date range the question's time expression became, in the question's language
    (``prompts/time_range.*.j2``): ``kind`` ``answer`` leads an answer ("Articles published between 1 and 7 August
    2015:"), ``abstain`` replaces an abstention, ``empty`` says no article was published in the range."""
    first, last = date.fromisoformat(time_range["from"]), date.fromisoformat(time_range["to"])
    a, b = range_words(first, last, lang)
    return prompts.render(f"time_range.{lang}.j2", kind=kind, first=a, last=b, single=first == last)


def undated_text(lang: str, n: int) -> str:
    """That ``n`` undated articles were left out by the date filter (``prompts/undated.*.j2``); empty for 0."""
    return prompts.render(f"undated.{lang}.j2", n=n) if n else ""
