"""What ties an answer to the stored articles: every quote re-read from the article table before it is shown,
citations numbered over the checked quotes, evidence widened to its context sentence, the closest sources of an
abstention, and the abstention's text itself.

Design: pure functions over a :class:`assistant.store.library.Library` (one ``texts`` read per call for all the
articles involved), shared by both answer modes. Limits: a quote is compared with the stored text as it is now;
an article rewritten between retrieval and this check fails it (the citation is dropped, never shown stale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import prompts
from assistant.answer.records import Citation, Evidence
from assistant.store.library import ChunkHit, Library


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
                i, e.doc_id, rec.title, rec.source, e.start, e.end, texts[e.doc_id][e.start : e.end], rec.url, rec.lang
            )
        )
    return out


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
