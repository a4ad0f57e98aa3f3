"""Verification of a synthesized reply: from the model's text with ``[n]`` markers to the sentences that may be
shown, their citations to verbatim spans, and what was removed and why.

Design (:func:`verify`, returning a :class:`Verified`):
1. The reply is parsed (:mod:`assistant.answer.citations`): numbers that were never offered are dropped
   (``Verified.dropped``), a sentence without a valid citation is removed, so is one that only restates the
   question.
2. Each kept sentence is compared with the evidence it cites (multilingual embeddings, so an English sentence
   can be checked against an Arabic quote); below ``min_support`` it is removed. Its numbers and names must also
   be found in that evidence or in the question (:mod:`assistant.verify.facts`, across scripts), and it may not
   use words that only other, uncited evidence has (a fact attributed to the wrong source). A name or number
   found only in an evidence sentence's context widens that citation to ``[context_start, end)``.
3. Every cited quote is re-read from the stored article (:func:`assistant.answer.grounding.quotes_match`); a
   sentence left without a matching quote is removed. Kept citations are renumbered 1..n in order of first use.
With ``unsupported="mark"`` a sentence that cites offered evidence but fails the support or facts check is kept
and flagged (``supported: false``, its ``reason``, and :data:`UNVERIFIED` in its text), as long as one sentence
is supported; when none is, nothing is shown and every sentence is listed under ``removed``.

Limits: support is embedding similarity plus the facts check; a wrong relation between entities the evidence
does mention ("A supports B" for "B supports A") passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.answer.citations import parse_cited_answer, render_with_markers, split_final_punctuation
from assistant.answer.grounding import citations_for, quotes_match, widened
from assistant.answer.options import AnswerOptions
from assistant.answer.records import Citation, Evidence
from assistant.store.library import Library
from assistant.verify.facts import borrowed_terms, restates_question, unsupported_facts
from prompts import NOT_FOUND

UNVERIFIED = {"en": "(unverified)", "ar": "(غير مؤكد)"}
"""The flag a kept but unsupported sentence carries with ``unsupported="mark"``, in the answer's language."""


@dataclass
class Verified:
    """What survives verification of one reply. Nothing supported (or the model found no answer): ``text`` is
    empty and ``citations`` too."""

    text: str = ""
    """The shown sentences with their renumbered ``[n]`` markers."""
    citations: list[Citation] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    """Sentences not shown: ``{"sentence", "reason", "support"?}``."""
    dropped: list[int] = field(default_factory=list)
    """Evidence numbers the model cited that were never offered."""
    sentences: list[dict] = field(default_factory=list)
    """Each shown sentence: ``{"sentence", "citations", "support", "supported"?, "reason"?}``."""


def verify(
    reply: str,
    evidence: list[Evidence],
    ev_vecs: np.ndarray,
    lang: str,
    question: str,
    *,
    library: Library,
    embedder,
    options: AnswerOptions,
) -> Verified:
    """The checked reply (see the module docstring); ``ev_vecs[i]`` is the vector of ``evidence[i]``."""
    removed: list[dict] = []
    if NOT_FOUND in reply or not reply.strip():
        return Verified(removed=removed)
    mark = options.unsupported == "mark"
    by_number = {e.number: (e, ev_vecs[i]) for i, e in enumerate(evidence)}
    parsed = parse_cited_answer(reply, set(by_number))
    dropped = sorted({n for p in parsed for n in p.invented})
    kept: list[tuple[str, list[int], float, str | None]] = []  # text, numbers, support, why unsupported
    widen: set[int] = set()  # evidence whose citation must include its context sentence
    for p in parsed:
        if not p.cited:
            removed.append({"sentence": p.text, "reason": "no valid citation"})
            continue
        if restates_question(p.text, question):
            removed.append({"sentence": p.text, "reason": "restates the question"})
            continue
        sv = embedder.embed_query(p.text)
        support = {n: float(by_number[n][1] @ sv) for n in p.cited}
        good = [n for n in p.cited if support[n] >= options.min_support]
        why = None
        if not good:
            why = "not supported by the cited evidence"
        else:
            cited_text = " ".join(by_number[n][0].text for n in good)
            missing = unsupported_facts(p.text, cited_text, given=question)
            with_context = [n for n in good if by_number[n][0].context]
            if missing and with_context:  # "he" / "said" in the evidence: the name is in the sentence before
                wide = " ".join(
                    f"{e.context} {e.text}" if e.context else e.text for e in (by_number[n][0] for n in good)
                )
                if not unsupported_facts(p.text, wide, given=question):
                    missing, cited_text = [], wide
                    widen.update(with_context)
            borrowed = (
                []
                if missing
                else borrowed_terms(
                    p.text, cited_text, [e.text for e in evidence if e.number not in p.cited], given=question
                )
            )
            if missing:
                why = "not in the cited evidence: " + ", ".join(missing)
            elif borrowed:
                why = "uses evidence it does not cite: " + ", ".join(borrowed)
        numbers = good or p.cited
        score = round(max(support[n] for n in numbers), 3)
        if why and not mark:
            removed.append({"sentence": p.text, "reason": why, "support": score})
            continue
        kept.append((p.text, numbers, score, why))
    by_number.update(widened(library, by_number, widen))
    # Re-read every quote from the stored article, then renumber in order of first use.
    ok = quotes_match(library, [by_number[n][0] for _, ns, _, _ in kept for n in ns])
    final: list[tuple[str, list[int], float, str | None]] = []
    for text, ns, score, why in kept:
        good = [n for n in ns if n in ok]
        if good:
            final.append((text, good, score, why))
        else:
            removed.append({"sentence": text, "reason": "cited quote does not match the stored article"})
    if all(why for *_, why in final):  # nothing supported: abstain, and say what was not shown
        removed.extend({"sentence": t, "reason": why, "support": sc} for t, _, sc, why in final)
        return Verified(removed=removed, dropped=dropped)
    order = list(dict.fromkeys(n for _, ns, _, _ in final for n in ns))
    cites = citations_for(library, [by_number[n][0] for n in order])
    new_id = {n: c.id for n, c in zip(order, cites, strict=True)}
    shown, sentences = [], []
    for text, ns, score, why in final:
        ids = [new_id[n] for n in ns]
        entry = {"sentence": text, "citations": ids, "support": score}
        if mark:
            entry["supported"] = why is None
            if why:
                entry["reason"] = why
                text = flagged(text, lang)
        shown.append((text, ids))
        sentences.append(entry)
    return Verified(render_with_markers(shown), cites, removed, dropped, sentences)


def flagged(text: str, lang: str) -> str:
    """``text`` with :data:`UNVERIFIED` in ``lang`` before its final punctuation."""
    body, punct = split_final_punctuation(text)
    return f"{body} {UNVERIFIED.get(lang, UNVERIFIED['en'])}{punct}"
