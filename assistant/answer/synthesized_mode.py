"""The synthesized answer mode: the model writes the whole answer over numbered evidence sentences and cites them;
the pipeline, not the model, is responsible for faithfulness.

1. The sentences of the retrieved chunks are ranked by similarity to the question (stored sentence vectors).
2. When the best sentence's similarity is below ``min_relevance`` (``min_relevance_cross`` when the question
   and the article are in different languages: multilingual-e5 scores run lower across languages) the assistant
   abstains without calling the model. Otherwise the best ``max_evidence`` sentences are offered to the model,
   numbered, inside an ``<evidence>`` block (quoted data, never instructions, its own bracket numbers such as a
   footnote "[2]" put in parentheses so that they never read as citation markers); the best ``evidence_context`` of
   them carry the sentence before them in the article, on a "(context for [n]: ...)" line, for "he" or "said"
   (not when that sentence is offered itself).
3. The text reply is constrained by a grammar of cited sentences over the offered numbers where the backend
   takes one (llama.cpp); with ``answer_format="json"`` by a JSON schema of the offered numbers
   (:mod:`assistant.answer.structured`), the reply being turned into the same text form first. The draft streams
   as ``token`` events.
4. The reply is verified (:func:`assistant.answer.verification.verify`: citations parsed, support and facts
   checked, quotes re-read from the store, citations renumbered).
If nothing survives (or the model replied that the evidence does not answer), the best evidence is quoted
verbatim with its citation when its similarity to the question reaches ``min_quote_relevance``
(``min_quote_relevance_cross`` across languages; set above the abstention bars, so only close evidence is
quoted), with ``fallback`` saying why; otherwise the answer is an abstention in the question's language. With no
LLM configured, or when the model fails, the answer is extractive the same way (above the abstention bar).

Design: :class:`SynthesizedMode` is a mixin of :class:`assistant.answer.answerer.Answerer`; it reads the
answerer's ``library``, ``embedder``, ``llm`` and ``options`` and nothing else of it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

import prompts
from assistant.answer.citations import neutralize_markers, render_with_markers
from assistant.answer.grounding import abstain_text, citations_for, quotes_match
from assistant.answer.options import AnswerOptions
from assistant.answer.records import UNVERIFIED_REPLY, Citation, Evidence, StreamEvent, as_evidence, ms_since
from assistant.answer.selection import Unit, bar, sentence_candidates
from assistant.answer.structured import JsonAnswerStream, answer_grammar, answer_schema
from assistant.answer.verification import verify
from assistant.backends.base import LLM, Embedder, Message
from assistant.errors import AssistantError
from assistant.store.library import ChunkHit, Library
from prompts import NOT_FOUND


class SynthesizedMode:
    library: Library
    embedder: Embedder
    llm: LLM | None
    options: AnswerOptions

    def _stream_synthesized(
        self,
        question: str,
        lang: str,
        hits: list[ChunkHit],
        qv: np.ndarray,
        t0: float,
        timings: dict,
        finish: Callable[..., StreamEvent],
    ) -> Iterator[StreamEvent]:
        """``token`` events of the draft as the model writes it, then the ``final`` one through ``finish`` (see
        the module docstring; ``t0``: when the question arrived, for the time to the first token)."""
        opts = self.options
        t = time.perf_counter()
        evidence, ev_vecs = self._evidence(hits, qv)
        timings["evidence"] = ms_since(t)
        best = evidence[0]
        if best.score < bar(lang, best.lang, opts.min_relevance, opts.min_relevance_cross):
            yield finish(abstain_text(lang), [], True)
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
                for piece in self.llm.stream(
                    self._messages(question, lang, evidence),
                    max_tokens=opts.max_answer_tokens,
                    temperature=opts.temperature,
                    json_schema=schema,
                    grammar=grammar,
                ):
                    if not pieces:
                        timings["first_token"] = ms_since(t0)
                    pieces.append(piece)
                    shown = reader.feed(piece) if reader else piece
                    if shown:
                        yield StreamEvent("token", text=shown)
                reply = reader.text() if reader else "".join(pieces)
            except AssistantError as e:
                failure = str(e)
            timings["generate"] = ms_since(t)
        if reply is None:  # no model configured, or it failed: quote the best evidence verbatim
            text, cites = self._extractive(evidence)
            extra = {"fallback": failure} if failure else {}
            yield finish(text, cites, False, **extra) if cites else finish(abstain_text(lang), [], True, **extra)
            return

        t = time.perf_counter()
        offered = [
            {
                "doc_id": e.doc_id,
                "start": e.start,
                "end": e.end,
                "text": e.text,
                "score": round(e.score, 4),
                "lang": e.lang,
                "clause": False,
                "selected": True,
            }
            for e in evidence
        ]
        finish = functools.partial(finish, evidence=offered)
        v = verify(reply, evidence, ev_vecs, lang, question, library=self.library, embedder=self.embedder, options=opts)
        timings["verify"] = ms_since(t)
        if not v.citations:
            close = best.score >= bar(lang, best.lang, opts.min_quote_relevance, opts.min_quote_relevance_cross)
            quote, cites = self._extractive(evidence) if close else ("", [])
            if cites:
                yield finish(
                    quote, cites, False, removed=v.removed, dropped_citations=v.dropped, fallback=UNVERIFIED_REPLY
                )
            else:
                yield finish(abstain_text(lang), [], True, removed=v.removed, dropped_citations=v.dropped)
            return
        timings["first_sentence"] = ms_since(t0)
        yield finish(v.text, v.citations, False, removed=v.removed, dropped_citations=v.dropped, sentences=v.sentences)

    def _system_prompt(self) -> str:
        # The same for every question (the answer language is asked for at the end of the user message), so a
        # backend that keeps its prompt cache (llama.cpp) reads it once, whatever the question's language.
        return prompts.render("answer.system.j2", not_found=NOT_FOUND, answer_format=self.options.answer_format)

    def _messages(self, question: str, lang: str, evidence: list[Evidence]) -> list[Message]:
        # An article's own "[2]" would read as an evidence number: the model sees it as "(2)".
        shown = [replace(e, text=neutralize_markers(e.text), context=neutralize_markers(e.context)) for e in evidence]
        user = prompts.render("answer.user.j2", evidence=shown, question=question, lang=lang)
        return [Message("system", self._system_prompt()), Message("user", user)]

    def _evidence(self, hits: list[ChunkHit], qv: np.ndarray) -> tuple[list[Evidence], np.ndarray]:
        """Sentences of the retrieved chunks ranked by similarity to the question (stored sentence vectors,
        embedded on the spot for chunks indexed without them: :func:`assistant.answer.selection.sentence_candidates`)."""
        cands, vecs = sentence_candidates(self.library, self.embedder, hits)
        # the sentence before each one in its chunk (candidates come chunk by chunk, in sentence order)
        before: list[Unit | None] = [None, *cands[:-1]]  # one longer than cands when cands is empty
        prev = [
            a.start if a is not None and a.chunk_id == b.chunk_id else None for a, b in zip(before, cands, strict=False)
        ]
        scores = vecs @ qv
        order = np.argsort(-scores, kind="stable")[: self.options.max_evidence]
        evidence = [as_evidence(replace(cands[i], score=float(scores[i])), n + 1) for n, i in enumerate(order)]
        offered = {(e.doc_id, e.start) for e in evidence}
        chunks = {h.chunk.chunk_id: h.chunk for h in hits}
        for e, i in zip(evidence[: self.options.evidence_context], order, strict=False):
            c, start = chunks[e.chunk_id], prev[i]
            if start is not None and (e.doc_id, start) not in offered:
                gap = c.text[start - c.start : e.start - c.start]
                e.context, e.context_start = gap.rstrip(), start
        return evidence, vecs[order]

    def _extractive(self, evidence: list[Evidence]) -> tuple[str, list[Citation]]:
        """The best evidence (and the second when it scores within 0.02), quoted verbatim with its citation."""
        best = [evidence[0]] + [e for e in evidence[1:2] if e.score >= evidence[0].score - 0.02]
        ok = quotes_match(self.library, best)
        best = [e for e in best if e.number in ok]
        cites = citations_for(self.library, best)
        return render_with_markers(
            [(neutralize_markers(e.text), [c.id]) for e, c in zip(best, cites, strict=True)]
        ), cites
