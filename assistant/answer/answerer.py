"""Answering: retrieve, choose numbered evidence sentences, generate, map citations to verbatim spans, check.

The pipeline, not the model, is responsible for faithfulness:
1. Dense retrieval of chunks; their sentences are ranked by similarity to the question.
2. When the best sentence's similarity is below ``min_relevance`` (``min_relevance_cross`` when the question
   and the article are in different languages: multilingual-e5 scores run lower across languages) the assistant
   abstains without calling the model. Otherwise the best ``max_evidence`` sentences are offered to the model,
   numbered, inside an ``<evidence>`` block (quoted data, never instructions, its own bracket numbers such as a
   footnote "[2]" put in parentheses so that they never read as citation markers); the best ``evidence_context`` of
   them carry the sentence before them in the article, on a "(context for [n]: ...)" line, for "he" or "said"
   (not when that sentence is offered itself).
3. The reply is parsed (:mod:`assistant.answer.citations`): invented numbers are dropped, uncited sentences removed.
   The text reply is constrained by a grammar of cited sentences over the offered numbers where the backend
   takes one (llama.cpp); with ``answer_format="json"`` by a JSON schema of the offered numbers
   (:mod:`assistant.answer.structured`), the reply being turned into the same text form first.
4. Each kept sentence is compared with the evidence it cites (multilingual embeddings, so an English sentence
   can be checked against an Arabic quote); below ``min_support`` it is removed. Its numbers and names must
   also be found in that evidence or in the question (:mod:`assistant.verify.facts`, across scripts), and it may not
   use words that only other, uncited evidence has (a fact attributed to the wrong source); a sentence that only
   restates the question is removed too. What was removed, and why, is returned with the answer; each shown
   sentence carries its support score. A name or number found only in an evidence sentence's context widens
   that citation to ``[context_start, end)``, so the quote holds what the sentence says. With
   ``unsupported="mark"`` such sentences are kept and flagged instead, as long as one sentence is supported.
5. Every citation's quote is re-read from the stored article (``text[start:end]``); a mismatch drops it.
If nothing survives (or the model replied that the evidence does not answer), the best evidence is quoted
verbatim with its citation when its similarity to the question reaches ``min_quote_relevance``
(``min_quote_relevance_cross`` across languages; set above the abstention bars, so only close evidence is
quoted), with ``fallback`` saying why; otherwise the answer is an abstention in the question's language. With no
LLM configured, or when the model fails, the answer is extractive the same way (above the abstention bar).
"""
from __future__ import annotations

import functools
import re
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Iterator, Sequence

import numpy as np

from assistant.answer import attributed, short as shortans
from assistant.backends.base import Message
from assistant.answer.citations import (neutralize_markers, parse_cited_answer, render_with_markers,
                                        split_final_punctuation)
from assistant.errors import AssistantError, ConfigError
from assistant.answer.followup import condense
from assistant.retrieval.retriever import Filters, Retriever
from assistant.answer.selection import SelectionOptions, Unit, bar as _bar, rank_units, select, sentence_candidates
from assistant.store.library import ChunkHit, Library
from assistant.answer.structured import ANSWER_FORMATS, JsonAnswerStream, answer_grammar, answer_schema
from assistant.verify.facts import borrowed_terms, restates_question, unsupported_facts
from assistant.text.arabic import detect_language, normalize_for_search
import prompts
from prompts import NOT_FOUND

UNSUPPORTED_POLICIES = ("remove", "mark")
ANSWER_MODES = ("attributed", "synthesized")
CROSS_LANGUAGE = ("gate", "translate", "quote")


@dataclass
class Evidence:
    number: int
    doc_id: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float
    lang: str | None = None
    context: str = ""
    """The sentence before this one in the article (verbatim), shown to the model for who/what it refers to."""
    context_start: int | None = None
    """Where ``context`` starts in the article; a citation that needs the context spans ``[context_start, end)``."""


@dataclass
class Citation:
    id: int
    doc_id: str
    title: str | None
    source: str | None
    start: int
    end: int
    quote: str
    url: str | None = None
    lang: str | None = None


@dataclass
class Answer:
    question: str
    language: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[dict]
    timings_ms: dict
    removed: list[dict] = field(default_factory=list)
    """Answer sentences that were not shown: ``{"sentence", "reason"}``."""
    dropped_citations: list[int] = field(default_factory=list)
    """Evidence numbers the model cited that were never offered."""
    closest_sources: list[dict] = field(default_factory=list)
    """When abstaining: the nearest articles, for the reader to check."""
    sentences: list[dict] = field(default_factory=list)
    """Each shown sentence with its citation ids and support score (similarity to its best cited evidence)."""
    standalone_question: str | None = None
    """The question retrieval actually used (a follow-up rewritten with the chat history)."""
    fallback: str | None = None
    """Why the answer is extractive although a model is configured (the model failed, or verification removed its
    whole answer: :data:`UNVERIFIED_REPLY`), else None."""
    short_answer: dict | None = None
    """The checked fact that leads the answer (:class:`assistant.answer.short.ShortAnswer`): ``{"text",
    "citation", "start", "end", "verified", "how", "source"}``; None when none was found and checked."""
    evidence: list[dict] = field(default_factory=list)
    """The units of evidence considered, best first: ``{"doc_id", "start", "end", "text", "score", "lang",
    "clause", "selected"}`` (selected: answered from, or offered to the model)."""
    config: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StreamEvent:
    type: str
    """``retrieved``, ``token`` (a piece of the synthesized draft), ``sentence`` (a verified sentence of an
    attributed answer, as soon as it passes its check) or ``final``."""
    text: str = ""
    retrieved: list[dict] | None = None
    answer: Answer | None = None
    sentence: dict | None = None
    """For ``sentence``: ``{"sentence", "citations", "support", "kind", "verified", "marked"?, "translation"?}`` as in
    ``Answer.sentences``."""
    citations: list[Citation] | None = None
    """For ``sentence``: its citation (numbered as in the final answer)."""


@dataclass
class AnswerOptions:
    top_k: int = 5
    retrieval_mode: str = "hybrid"
    max_evidence: int = 5
    evidence_context: int = 0
    """The best this-many evidence sentences carry the sentence before them as context, unless that sentence is
    offered as evidence itself. Off by default: with the embedded 1.5B model on XQuAD dev (53 EN->AR questions,
    15 unanswerable) context for all 5 made prompts 46% longer (median 397 -> 581 tokens, so a later first
    token) and did not lower false abstention (0.42 -> 0.45, one question); a stronger model can use it."""
    min_relevance: float = 0.81
    min_relevance_cross: float = 0.77
    min_support: float = 0.78
    max_answer_tokens: int = 300
    temperature: float = 0.0
    answer_format: str = "text"
    """``text`` (sentences ending in ``[n]``) or ``json`` (schema-constrained, :mod:`assistant.answer.structured`)."""
    unsupported: str = "remove"
    """``remove`` unsupported sentences, or ``mark`` them: kept and flagged in ``sentences`` (not in ``removed``)."""
    min_quote_relevance: float = 0.86
    min_quote_relevance_cross: float = 0.80
    """When no sentence of the model's answer survives verification (or it replied that the evidence does not
    answer), the best evidence is quoted instead of abstaining if its similarity to the question reaches this
    bar (same language / across languages); above 1 never. Chosen on XQuAD dev with 30% of the paragraphs
    held out (their questions unanswerable) and the multilingual-e5 embedder: EN->AR, the best evidence reached
    0.80 for 1 of 50 unanswerable questions (35% of answerable ones); AR->AR / EN->EN, 0.86 for 2% / 6% of
    unanswerable questions (73% / 82% of answerable ones). Only questions the model's answer failed on are
    quoted, so the share of unanswerable questions answered rises by less than that."""

    answer_mode: str = "synthesized"
    """``attributed`` (units chosen first, one checked sentence per unit: :mod:`assistant.answer.attributed`) or
    ``synthesized`` (the model writes the whole answer over numbered evidence)."""
    max_units: int = 3
    """Attributed mode: at most this many units are answered from (one model call each)."""
    unit_min_relevance: float = 0.84
    unit_min_relevance_cross: float = 0.77
    """Attributed mode: the relevance bars of a unit (same language / across languages)."""
    cross_language: str = "gate"
    """Attributed mode: a unit in the other language is restated by the model and shown as the answer's own
    sentence only past the calibrated ``gate`` (else quoted, the restatement as an unverified ``translation``),
    ``translate``-d (shown when the deterministic checks pass) or always ``quote``-d verbatim (no model call)."""
    short_answers: bool = True
    """Attributed mode: lead with the checked fact (:mod:`assistant.answer.short`)."""
    min_entailment: float | None = None
    """Attributed mode: a restated sentence must also be judged entailed by its unit (the model's P(yes)) with at
    least this probability (None: not asked)."""
    min_answer_probability: float | None = None
    """Attributed mode: the model's yes/no judgement that a unit answers the question must reach this (None: no
    judgement asked; needs a backend with ``yes_probability``)."""

    @classmethod
    def from_settings(cls, s) -> "AnswerOptions":
        values = {f: getattr(s, f) for f in cls.__dataclass_fields__ if hasattr(s, f)}
        if values.get("answer_mode") == "auto":
            values["answer_mode"] = "attributed" if s.llm in ("local", "none") else "synthesized"
        return cls(**values)


class Answerer:
    def __init__(self, *, library: Library, embedder, llm, options: AnswerOptions | None = None):
        self.library = library
        self.embedder = embedder
        self.llm = llm
        self.options = options or AnswerOptions()
        if self.options.answer_format not in ANSWER_FORMATS:
            raise ConfigError(f"unknown answer format {self.options.answer_format!r}; use one of: "
                              + ", ".join(ANSWER_FORMATS))
        if self.options.answer_mode not in ANSWER_MODES:
            raise ConfigError(f"unknown answer mode {self.options.answer_mode!r}; use one of: " + ", ".join(ANSWER_MODES))
        if self.options.cross_language not in CROSS_LANGUAGE:
            raise ConfigError(f"unknown cross-language policy {self.options.cross_language!r}; use one of: "
                              + ", ".join(CROSS_LANGUAGE))
        if self.options.unsupported not in UNSUPPORTED_POLICIES:
            raise ConfigError(f"unknown unsupported-sentence policy {self.options.unsupported!r}; use one of: "
                              + ", ".join(UNSUPPORTED_POLICIES))
        self.retriever = Retriever(library, embedder, mode=self.options.retrieval_mode)

    def config(self) -> dict:
        return {"embedder": getattr(self.embedder, "name", "?"),
                "llm": getattr(self.llm, "name", "none (extractive)"), "retriever": self.retriever.name,
                "answer_mode": self.options.answer_mode}

    # ------------------------------------------------------------------------------------------------------
    def ask(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
            history: Sequence[dict] | None = None) -> Answer:
        """The final, verified answer (the stream consumed)."""
        final = None
        for event in self.stream(question, top_k=top_k, filters=filters, history=history):
            if event.type == "final":
                final = event.answer
        assert final is not None
        return final

    def stream(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
               history: Sequence[dict] | None = None) -> Iterator[StreamEvent]:
        """Events in order: ``retrieved`` once, ``token`` for each piece of the model's draft as it is generated,
        then ``final`` with the verified :class:`Answer`, whose text replaces the draft (sentences may have been
        removed and citations renumbered)."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        lang = detect_language(question)
        opts = self.options
        standalone = condense(question, history, self.llm) if history else question
        if history:
            timings["condense"] = _ms(t0)
        t = time.perf_counter()
        prepared = self.retriever.prepare(standalone)
        qv = prepared.vector
        hits = self.retriever.retrieve(standalone, top_k=top_k or opts.top_k, filters=filters, prepared=prepared)
        timings["retrieve"] = _ms(t)
        retrieved = [{"doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "score": round(h.score, 4)}
                     for h in hits]
        yield StreamEvent("retrieved", retrieved=retrieved)

        def finish(text, citations, abstained, **extra) -> StreamEvent:
            timings["total"] = _ms(t0)
            ans = Answer(question, lang, text, abstained, citations, retrieved,
                         {k: round(v, 1) for k, v in timings.items()}, config=self.config(), **extra)
            ans.standalone_question = standalone
            if abstained:
                ans.closest_sources = self._closest(hits)
            return StreamEvent("final", answer=ans)

        if not hits:
            yield finish(self._abstain_text(lang), [], True)
            return
        if opts.answer_mode == "attributed":
            yield from self._stream_attributed(standalone, lang, hits, qv, t0, timings, finish)
            return
        t = time.perf_counter()
        evidence, ev_vecs = self._evidence(hits, qv)
        timings["evidence"] = _ms(t)
        best = evidence[0]
        if best.score < _bar(lang, best.lang, opts.min_relevance, opts.min_relevance_cross):
            yield finish(self._abstain_text(lang), [], True)
            return

        reply, failure = None, None
        if self.llm is not None:
            t = time.perf_counter()
            structured = opts.answer_format == "json"
            reader = JsonAnswerStream() if structured else None
            numbers = [e.number for e in evidence]
            schema = answer_schema(numbers) if structured else None
            grammar = None if structured else answer_grammar(numbers, NOT_FOUND)
            pieces: list[str] = []
            try:
                for piece in self.llm.stream(self._messages(standalone, lang, evidence),
                                             max_tokens=opts.max_answer_tokens, temperature=opts.temperature,
                                             json_schema=schema, grammar=grammar):
                    if not pieces:
                        timings["first_token"] = _ms(t0)
                    pieces.append(piece)
                    shown = reader.feed(piece) if reader else piece
                    if shown:
                        yield StreamEvent("token", text=shown)
                reply = reader.text() if reader else "".join(pieces)
            except AssistantError as e:
                failure = str(e)
            timings["generate"] = _ms(t)
        if reply is None:  # no model configured, or it failed: quote the best evidence verbatim
            text, cites = self._extractive(evidence)
            extra = {"fallback": failure} if failure else {}
            yield finish(text, cites, False, **extra) if cites else finish(self._abstain_text(lang), [], True, **extra)
            return

        t = time.perf_counter()
        offered = [{"doc_id": e.doc_id, "start": e.start, "end": e.end, "text": e.text, "score": round(e.score, 4),
                    "lang": e.lang, "clause": False, "selected": True} for e in evidence]
        finish = functools.partial(finish, evidence=offered)
        text, citations, removed, dropped, support = self._verify(reply, evidence, ev_vecs, lang, standalone)
        timings["verify"] = _ms(t)
        if not citations:
            close = best.score >= _bar(lang, best.lang, opts.min_quote_relevance, opts.min_quote_relevance_cross)
            quote, cites = self._extractive(evidence) if close else ("", [])
            if cites:
                yield finish(quote, cites, False, removed=removed, dropped_citations=dropped, fallback=UNVERIFIED_REPLY)
            else:
                yield finish(self._abstain_text(lang), [], True, removed=removed, dropped_citations=dropped)
            return
        if citations:
            timings["first_sentence"] = _ms(t0)
        yield finish(text, citations, False, removed=removed, dropped_citations=dropped, sentences=support)

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

    # ------------------------------------------------------------------------------------------------------
    def _selection_options(self) -> SelectionOptions:
        o = self.options
        return SelectionOptions(max_units=o.max_units, min_relevance=o.unit_min_relevance,
                                min_relevance_cross=o.unit_min_relevance_cross)

    def _attributed_options(self) -> attributed.AttributedOptions:
        o = self.options
        gate = o.cross_language == "gate"
        return attributed.AttributedOptions(min_answer_probability=o.min_answer_probability,
                                            min_entailment=(o.min_entailment if o.min_entailment is not None or not gate
                                                            else attributed.GATE_ENTAILMENT),
                                            gate=gate,
                                            min_support_cross=o.min_support,
                                            min_quote_relevance_cross=o.min_quote_relevance_cross)

    def _stream_attributed(self, question: str, lang: str, hits: list[ChunkHit], qv: np.ndarray, t0: float,
                           timings: dict, finish) -> Iterator[StreamEvent]:
        """The attributed answer (:mod:`assistant.answer.attributed`): units selected, each stated in the question's
        language (quoted, or restated by the model and checked against the unit), each yielded as a
        ``sentence`` event as soon as it passes (``t0``: when the question arrived, for the time to the first
        sentence)."""
        t = time.perf_counter()
        sel = self._selection_options()
        ranked = rank_units(self.library, self.embedder, hits, qv, sel, q_lang=lang)
        chosen = select(ranked, lang, sel)
        timings["evidence"] = _ms(t)
        trace = [u.to_dict(any(u is c for c in chosen)) for u in ranked[:10]]
        trace += [c.to_dict(True) for c in chosen if not any(c is u for u in ranked[:10])]
        finish = functools.partial(finish, evidence=trace)
        if not chosen:
            yield finish(self._abstain_text(lang), [], True)
            return
        aopts = self._attributed_options()
        shown: list[tuple[str, Citation, dict]] = []
        removed: list[dict] = []
        failure = None
        t = time.perf_counter()
        short = self._short_answer(question, lang, chosen) if self.options.short_answers else None
        if short is not None:
            timings["short_answer"] = _ms(t)
        judge = getattr(self.llm, "yes_probability", None) if aopts.min_answer_probability is not None else None
        for unit in chosen:
            first = not shown
            if judge is not None and not failure:
                try:
                    p = judge(attributed.relevance_messages(question, unit))
                except AssistantError as e:
                    failure, p = str(e), 1.0
                if p < aopts.min_answer_probability:
                    removed.append({"sentence": unit.text, "unit": [unit.start, unit.end],
                                    "reason": f"the model judged that it does not answer (p={p:.2f})"})
                    continue
            if (unit.lang == lang or unit.lang is None or self.llm is None or failure
                    or self.options.cross_language == "quote"):
                entry = self._quote_entry(unit, lang, first)
            else:
                try:
                    entry = self._restated_entry(lang, unit, question, aopts, removed, first)
                except AssistantError as e:
                    failure = str(e)
                    entry = self._quote_entry(unit, lang, first)
            if entry is None or any(_same_sentence(entry["sentence"], s) for s, _, _ in shown):
                continue
            if not self._quotes_match([_as_evidence(unit, 0)]):
                removed.append({"sentence": entry["sentence"], "reason": "cited quote does not match the stored article"})
                continue
            citation = self._citations([_as_evidence(unit, len(shown) + 1)])[0]
            citation.id = len(shown) + 1
            entry["citations"] = [citation.id]
            if entry["kind"] == "quoted":
                entry["marked"] = shortans.marked_in(entry["sentence"], unit, short)
            if short is not None and short.unit is unit:
                entry["short_answer"] = short.to_dict(citation.id)
            shown.append((entry["sentence"], citation, entry))
            timings.setdefault("first_sentence", _ms(t0))
            yield StreamEvent("sentence", text=render_with_markers([(entry["sentence"], [citation.id])]),
                              sentence=entry, citations=[citation])
        timings["generate"] = _ms(t)
        extra = {"fallback": failure} if failure else {}
        if not shown:
            yield finish(self._abstain_text(lang), [], True, removed=removed, **extra)
            return
        cites = [c for _, c, _ in shown]
        parts = [(s, [c.id]) for s, c, _ in shown]
        lead = next((e.pop("short_answer") for _, _, e in shown if "short_answer" in e), None)
        if lead is not None:  # the checked fact first, citing the unit it was found in
            parts.insert(0, (lead["text"] + ".", [lead["citation"]]))
        yield finish(render_with_markers(parts), cites, False, removed=removed, short_answer=lead,
                     sentences=[e for _, _, e in shown], **extra)

    def _short_answer(self, question: str, lang: str, units: list[Unit]) -> "shortans.ShortAnswer | None":
        """The checked fact of the first units (:func:`assistant.answer.short.find_short_answer`); a model that
        fails here only costs the short answer."""
        complete = None
        if self.llm is not None:
            def complete(msgs):
                return self.llm.complete(msgs, max_tokens=32, temperature=self.options.temperature)
        try:
            return shortans.find_short_answer(question, lang, units, complete)
        except AssistantError:
            return shortans.find_short_answer(question, lang, units, None)

    def _restated_entry(self, lang: str, unit: Unit, question: str, aopts, removed: list[dict],
                        first: bool) -> dict | None:
        """One model call that states ``unit`` in ``lang``, checked (:func:`attributed.check_sentence`, and the
        entailment bar when set). Passed: a ``restated`` entry. Failed: the unit's quote (when close enough to the
        question, else None), carrying a well-formed restatement as an unverified ``translation`` under the gate
        policy; the failure is recorded in ``removed``."""
        reply = self.llm.complete(attributed.messages(lang, unit), max_tokens=aopts.max_tokens,
                                  temperature=self.options.temperature)
        sentence = attributed.clean_reply(reply)
        sentence = attributed.with_source_spellings(attributed.mark_copied_names(sentence, unit, lang), unit, lang)
        if attributed.said_nothing(reply):
            why, support = "the model wrote nothing", None
        else:
            support = attributed.similarity(self.embedder, sentence, unit.vector)
            why = attributed.check_sentence(sentence, unit, question, lang, support=support, opts=aopts)
        entail = getattr(self.llm, "yes_probability", None) if aopts.min_entailment is not None else None
        if why is None and entail is not None:
            p = entail(attributed.entailment_messages(sentence, unit))
            if p < aopts.min_entailment:
                why = f"the model judged that its unit does not state it (p={p:.2f})"
        elif why is None and aopts.gate:
            why = "the backend cannot judge entailment (no yes_probability), so the gate cannot pass it"
        if why is None:  # the form check refused "[n]"; "[1, 2]" is shown as "(1, 2)"
            return {"sentence": neutralize_markers(sentence), "citations": [], "support": round(support, 3),
                    "kind": "restated", "verified": True}
        removed.append({"sentence": sentence, "reason": why, "unit": [unit.start, unit.end]})
        if not attributed.quotable(unit, lang, aopts):
            return None
        entry = self._quote_entry(unit, lang, first)
        if aopts.gate and not why.startswith(("malformed", "the model wrote nothing")):
            entry["translation"] = {"text": neutralize_markers(sentence), "verified": False, "why": why}
        return entry

    def _quote_entry(self, unit: Unit, lang: str, first: bool) -> dict:
        return {"sentence": attributed.quote_sentence(unit, lang, first=first), "citations": [], "support": None,
                "kind": "quoted", "verified": True}

    # ------------------------------------------------------------------------------------------------------
    def _system_prompt(self) -> str:
        # The same for every question (the answer language is asked for at the end of the user message), so a
        # backend that keeps its prompt cache (llama.cpp) reads it once, whatever the question's language.
        return prompts.render("answer.system.j2", not_found=NOT_FOUND, answer_format=self.options.answer_format)

    def _messages(self, question: str, lang: str, evidence: list[Evidence]) -> list[Message]:
        # An article's own "[2]" would read as an evidence number: the model sees it as "(2)".
        shown = [replace(e, text=neutralize_markers(e.text), context=neutralize_markers(e.context)) for e in evidence]
        user = prompts.render("answer.user.j2", evidence=shown, question=question, lang=lang)
        return [Message("system", self._system_prompt()), Message("user", user)]

    def _abstain_text(self, lang: str) -> str:
        return prompts.render(f"abstain.{lang}.j2")

    def _evidence(self, hits: list[ChunkHit], qv: np.ndarray) -> tuple[list[Evidence], np.ndarray]:
        """Sentences of the retrieved chunks ranked by similarity to the question (stored sentence vectors,
        embedded on the spot for chunks indexed without them: :func:`assistant.answer.selection.sentence_candidates`)."""
        cands, vecs = sentence_candidates(self.library, self.embedder, hits)
        # the sentence before each one in its chunk (candidates come chunk by chunk, in sentence order)
        prev = [a.start if k and a.chunk_id == b.chunk_id else None
                for k, (a, b) in enumerate(zip([None] + cands[:-1], cands))]
        scores = vecs @ qv
        order = np.argsort(-scores, kind="stable")[: self.options.max_evidence]
        evidence = [_as_evidence(replace(cands[i], score=float(scores[i])), n + 1) for n, i in enumerate(order)]
        offered = {(e.doc_id, e.start) for e in evidence}
        chunks = {h.chunk.chunk_id: h.chunk for h in hits}
        for e, i in zip(evidence[: self.options.evidence_context], order):
            c, start = chunks[e.chunk_id], prev[i]
            if start is not None and (e.doc_id, start) not in offered:
                gap = c.text[start - c.start : e.start - c.start]
                e.context, e.context_start = gap.rstrip(), start
        return evidence, vecs[order]

    def _extractive(self, evidence: list[Evidence]) -> tuple[str, list[Citation]]:
        best = [evidence[0]] + [e for e in evidence[1:2] if e.score >= evidence[0].score - 0.02]
        ok = self._quotes_match(best)
        best = [e for e in best if e.number in ok]
        cites = self._citations(best)
        return render_with_markers([(neutralize_markers(e.text), [c.id]) for e, c in zip(best, cites)]), cites

    def _verify(self, reply: str, evidence: list[Evidence], ev_vecs: np.ndarray, lang: str, question: str):
        """``(text, citations, removed, dropped numbers, shown sentences)``. With ``unsupported="mark"`` a sentence
        that cites offered evidence but fails the support or facts check is kept, flagged (``supported: false``
        and its ``reason``); the answer still abstains when no sentence is supported."""
        removed: list[dict] = []
        if NOT_FOUND in reply or not reply.strip():
            return "", [], removed, [], []
        mark = self.options.unsupported == "mark"
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
            sv = self.embedder.embed_query(p.text)
            support = {n: float(by_number[n][1] @ sv) for n in p.cited}
            good = [n for n in p.cited if support[n] >= self.options.min_support]
            why = None
            if not good:
                why = "not supported by the cited evidence"
            else:
                cited_text = " ".join(by_number[n][0].text for n in good)
                missing = unsupported_facts(p.text, cited_text, given=question)
                with_context = [n for n in good if by_number[n][0].context]
                if missing and with_context:  # "he" / "said" in the evidence: the name is in the sentence before
                    wide = " ".join(f"{e.context} {e.text}" if e.context else e.text
                                    for e in (by_number[n][0] for n in good))
                    if not unsupported_facts(p.text, wide, given=question):
                        missing, cited_text = [], wide
                        widen.update(with_context)
                borrowed = [] if missing else borrowed_terms(
                    p.text, cited_text, [e.text for e in evidence if e.number not in p.cited], given=question)
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
        by_number.update(self._widened(by_number, widen))
        # Re-read every quote from the stored article, then renumber in order of first use.
        ok = self._quotes_match([by_number[n][0] for _, ns, _, _ in kept for n in ns])
        final: list[tuple[str, list[int], float, str | None]] = []
        for text, ns, score, why in kept:
            good = [n for n in ns if n in ok]
            if good:
                final.append((text, good, score, why))
            else:
                removed.append({"sentence": text, "reason": "cited quote does not match the stored article"})
        if all(why for *_, why in final):  # nothing supported: abstain, and say what was not shown
            removed.extend({"sentence": t, "reason": why, "support": sc} for t, _, sc, why in final)
            return "", [], removed, dropped, []
        order = list(dict.fromkeys(n for _, ns, _, _ in final for n in ns))
        cites = self._citations([by_number[n][0] for n in order])
        new_id = {n: c.id for n, c in zip(order, cites)}
        shown, sentences = [], []
        for text, ns, score, why in final:
            ids = [new_id[n] for n in ns]
            entry = {"sentence": text, "citations": ids, "support": score}
            if mark:
                entry["supported"] = why is None
                if why:
                    entry["reason"] = why
                    text = _flagged(text, lang)
            shown.append((text, ids))
            sentences.append(entry)
        return render_with_markers(shown), cites, removed, dropped, sentences

    def _widened(self, by_number: dict, numbers: set[int]) -> dict:
        """Evidence ``numbers`` re-cut to start at their context sentence: ``[context_start, end)`` of the
        stored article, so a citation covers the sentence that names who the evidence is about."""
        if not numbers:
            return {}
        texts = self.library.articles.texts(by_number[n][0].doc_id for n in numbers)
        out = {}
        for n in numbers:
            e, vec = by_number[n]
            span = texts.get(e.doc_id, "")[e.context_start : e.end]
            out[n] = (replace(e, start=e.context_start, text=span, context="", context_start=None), vec)
        return out

    def _quotes_match(self, evidence: list[Evidence]) -> set[int]:
        """Numbers of the evidence whose text is exactly ``stored_text[start:end]`` of its article."""
        texts = self.library.articles.texts(e.doc_id for e in evidence)
        return {e.number for e in evidence if texts.get(e.doc_id, "")[e.start : e.end] == e.text}

    def _citations(self, evidence: list[Evidence]) -> list[Citation]:
        """Citations numbered 1..n for evidence already checked by :meth:`_quotes_match`."""
        texts = self.library.articles.texts(e.doc_id for e in evidence)
        out = []
        for i, e in enumerate(evidence, 1):
            rec = self.library.articles.get(e.doc_id)
            out.append(Citation(i, e.doc_id, rec.title, rec.source, e.start, e.end, texts[e.doc_id][e.start : e.end],
                                rec.url, rec.lang))
        return out

    def _closest(self, hits: list[ChunkHit]) -> list[dict]:
        seen, out = set(), []
        for h in hits:
            if h.chunk.doc_id in seen:
                continue
            seen.add(h.chunk.doc_id)
            md = h.chunk.metadata
            out.append({"doc_id": h.chunk.doc_id, "title": md.get("title"), "source": md.get("source"),
                        "score": round(h.score, 4)})
            if len(out) == 3:
                break
        return out


UNVERIFIED_REPLY = "no sentence of the model's answer was supported by its evidence; the best evidence is quoted"
"""``Answer.fallback`` when verification removed the whole answer and the evidence was close enough to quote."""
UNVERIFIED = {"en": "(unverified)", "ar": "(غير مؤكد)"}
"""The flag a kept but unsupported sentence carries with ``unsupported="mark"``, in the answer's language."""


def _flagged(text: str, lang: str) -> str:
    body, punct = split_final_punctuation(text)
    return f"{body} {UNVERIFIED.get(lang, UNVERIFIED['en'])}{punct}"


def _as_evidence(unit: Unit, number: int) -> Evidence:
    return Evidence(number, unit.doc_id, unit.chunk_id, unit.start, unit.end, unit.text, unit.score, unit.lang)


def _same_sentence(a: str, b: str) -> bool:
    """Near-duplicates: the same words once normalized (two units that say the same thing in the same words)."""
    return " ".join(re.findall(r"\w+", normalize_for_search(a))) == " ".join(re.findall(r"\w+", normalize_for_search(b)))


def _ms(t: float) -> float:
    return (time.perf_counter() - t) * 1000.0
