"""The :class:`Answerer`: a question in, a cited answer out, in one of two modes, streamed.

:meth:`Answerer.stream` detects the question's language, rewrites a follow-up into a standalone question
(:mod:`assistant.answer.followup`), retrieves chunks (:mod:`assistant.retrieval.retriever`) and hands them to the
answer mode the options name:

- attributed (:mod:`assistant.answer.attributed_mode`): units of evidence chosen first, one checked sentence per
  unit, each sent as soon as it passes;
- synthesized (:mod:`assistant.answer.synthesized_mode`): the model writes the whole answer over numbered
  evidence, then it is verified (:mod:`assistant.answer.verification`).

A time expression in the question becomes the date filter when the caller gave none (:mod:`assistant.text.when`,
read against the caller's reference date, default today); the answer then opens with the range in the question's
language ("Articles published between 1 and 7 August 2015:", ``prompts/time_range.*.j2``), an abstention says the
range, and a date filter that left undated articles out says how many (``prompts/undated.*.j2``). Limits: a store
with no dated article is not filtered by the question's time; the statement is added to the final text only (the
streamed sentences do not carry it).

Both end with one ``final`` event whose :class:`Answer` (timings, the configuration, and for an abstention the
closest sources) is made here; every quote shown has been re-read from the stored article
(:mod:`assistant.answer.grounding`). Options are :class:`AnswerOptions`, a view of the settings
(:mod:`assistant.answer.options`); ``answer_mode="auto"`` is resolved for the model the answerer is given.

This module re-exports what callers import from it: the records (:mod:`assistant.answer.records`), the options
and :data:`UNVERIFIED_REPLY`.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant.answer import attributed, sources
from assistant.answer.attributed_mode import AttributedMode
from assistant.answer.followup import condense
from assistant.answer.grounding import abstain_text, closest_sources, time_range_text, undated_text
from assistant.answer.options import AnswerOptions, llm_backend_name
from assistant.answer.records import UNVERIFIED_REPLY, Answer, Citation, Evidence, StreamEvent, ms_since
from assistant.answer.selection import Unit
from assistant.answer.synthesized_mode import SynthesizedMode
from assistant.backends.base import Message
from assistant.retrieval.retriever import Filters, Retriever
from assistant.store.library import Library
from assistant.text.arabic import detect_language
from assistant.text.when import read_time_range

__all__ = ["Answer", "AnswerOptions", "Answerer", "Citation", "Evidence", "StreamEvent", "UNVERIFIED_REPLY"]


class Answerer(AttributedMode, SynthesizedMode):
    def __init__(self, *, library: Library, embedder, llm, options: AnswerOptions | None = None):
        self.library = library
        self.embedder = embedder
        self.llm = llm
        self.options = (options or AnswerOptions()).resolved(llm_backend_name(llm))
        self.retriever = Retriever(library, embedder, mode=self.options.retrieval_mode)

    def config(self) -> dict:
        return {
            "embedder": getattr(self.embedder, "name", "?"),
            "llm": getattr(self.llm, "name", "none (extractive)"),
            "retriever": self.retriever.name,
            "answer_mode": self.options.answer_mode,
        }

    def ask(
        self,
        question: str,
        *,
        top_k: int | None = None,
        filters: Filters | None = None,
        history: Sequence[dict] | None = None,
        reference_date: datetime.date | None = None,
    ) -> Answer:
        """The final, verified answer (the stream consumed)."""
        final = None
        for event in self.stream(
            question, top_k=top_k, filters=filters, history=history, reference_date=reference_date
        ):
            if event.type == "final":
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        *,
        top_k: int | None = None,
        filters: Filters | None = None,
        history: Sequence[dict] | None = None,
        reference_date: datetime.date | None = None,
    ) -> Iterator[StreamEvent]:
        """Events in order: ``retrieved`` once; then ``token`` for each piece of the model's draft as it is
        generated (synthesized) or ``sentence`` for each checked sentence (attributed); then ``final`` with the
        verified :class:`Answer`, whose text replaces the draft (sentences may have been removed and citations
        renumbered).

        A time expression in the question ("last week", "أمس", "in May 2020") becomes the date filter, read against
        ``reference_date`` (default: today), unless ``filters`` already has a date; the answer states the range and
        how many undated articles the filter left out (:meth:`_dated_filters`)."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        lang = detect_language(question)
        opts = self.options
        standalone = condense(question, history, self.llm) if history else question
        if history:
            timings["condense"] = ms_since(t0)
        filters, time_range, undated = self._dated_filters(standalone, lang, filters, reference_date)
        t = time.perf_counter()
        prepared = self.retriever.prepare(standalone)
        qv = prepared.vector
        k = top_k or opts.top_k
        by_source = opts.answer_mode == "attributed" and sources.asks_for_sources(standalone, lang)
        if by_source:
            k *= sources.SOURCES_RETRIEVAL_FACTOR  # "which newspapers …": a wider pool, one unit per source
        hits = self.retriever.retrieve(standalone, top_k=k, filters=filters, prepared=prepared, copies=by_source)
        timings["retrieve"] = ms_since(t)
        retrieved = [{"doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "score": round(h.score, 4)} for h in hits]
        yield StreamEvent("retrieved", retrieved=retrieved)

        def finish(text, citations, abstained, **extra) -> StreamEvent:
            timings["total"] = ms_since(t0)
            if time_range is not None:
                kind = ("abstain" if hits else "empty") if abstained else "answer"
                lead = time_range_text(lang, time_range, kind)
                text = lead if abstained else f"{lead}\n{text}"
            if undated:
                text = f"{text}\n{undated_text(lang, undated)}"
            ans = Answer(
                question,
                lang,
                text,
                abstained,
                citations,
                retrieved,
                {k: round(v, 1) for k, v in timings.items()},
                config=self.config(),
                time_range=time_range,
                undated_excluded=undated,
                **extra,
            )
            ans.standalone_question = standalone
            if abstained:
                ans.closest_sources = closest_sources(hits)
            return StreamEvent("final", answer=ans)

        if not hits:
            yield finish(abstain_text(lang), [], True)
            return
        if opts.answer_mode == "attributed":
            yield from self._stream_attributed(standalone, lang, hits, qv, t0, timings, finish, by_source=by_source)
        else:
            yield from self._stream_synthesized(standalone, lang, hits, qv, t0, timings, finish)

    def _dated_filters(
        self, question: str, lang: str, filters: Filters | None, reference_date: datetime.date | None
    ) -> tuple[Filters | None, dict | None, int]:
        """``(filters, time_range, undated_excluded)``: the question's time range (:mod:`assistant.text.when`) made
        the date filter when the caller gave none, and the undated articles a date filter leaves out. A store whose
        articles (of the filter's language and source) are all undated is not filtered by the question's time: no
        article could match, and its years are then about the events (an encyclopedic corpus), not publication."""
        if filters is not None and (filters.date_from or filters.date_to):
            return filters, None, self.library.articles.dated_counts(lang=filters.lang, source=filters.source)[1]
        found = read_time_range(question, lang, reference_date or datetime.date.today())
        if found is None:
            return filters, None, 0
        base = filters or Filters()
        dated, undated = self.library.articles.dated_counts(lang=base.lang, source=base.source)
        if not dated:
            return filters, None, 0
        return replace(base, date_from=found.start.isoformat(), date_to=found.end.isoformat()), found.to_dict(), undated

    def warm(self) -> bool:
        """Have the model read the answer prompt's fixed start now (loading it if needed), so the first question
        does not pay for it. False when the backend has no prompt cache to fill (or there is no model)."""
        warm = getattr(self.llm, "warm", None)
        if warm is None:
            return False
        if self.options.answer_mode == "attributed":
            warm(attributed.messages("en", Unit("", "", 0, 0, "", 0.0, "ar", 0))[:1])
        else:
            warm([Message("system", self._system_prompt())])
        return True
