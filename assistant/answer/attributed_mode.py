"""The attributed answer mode: the evidence units are chosen first, then each shown sentence says what one unit
says (after "Attribute First, then Generate", Slobodkin et al. 2024).

The loop (:meth:`AttributedMode._stream_attributed`): units are ranked and selected
(:mod:`assistant.answer.selection`); the checked fact that answers the question is looked for in them
(:mod:`assistant.answer.short`, one short model call) and leads the answer; then, unit by unit, a unit in the
question's language is quoted verbatim, introduced in the question's language, and a unit in the other language
is restated by the model and checked against it (:mod:`assistant.answer.attributed`; under the ``gate`` policy
also judged entailed at the calibrated bar), else quoted with a well-formed restatement riding along as an
unverified ``translation``. Each sentence is re-read from the store and sent as a ``sentence`` event as soon as
it passes; the citation is its unit by construction. No unit left means an abstention in the question's
language; a model that fails turns the rest of the units into quotes (``fallback`` says why). A unit that is
reported speech carries its ``speaker`` (a span of its article) and its quote's introduction says who said it,
and who reported it, where rules can carry that into the question's language (:mod:`assistant.answer.speakers`).

Design: :class:`AttributedMode` is a mixin of :class:`assistant.answer.answerer.Answerer`; it reads the
answerer's ``library``, ``embedder``, ``llm`` and ``options`` and nothing else of it. The selection options come
from :meth:`AttributedMode._selection_options`, which a test may replace on one answerer (the fake embedder is
not cross-lingual). Limits: selection alone decides whether a unit answers the question; a restatement is
checked for names, numbers, length and similarity, not for relations.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
from collections.abc import Iterator

import numpy as np

from assistant.answer import attributed, sources, speakers
from assistant.answer import short as shortans
from assistant.answer.citations import neutralize_markers, render_with_markers
from assistant.answer.grounding import abstain_text, citations_for, quotes_match
from assistant.answer.options import AnswerOptions
from assistant.answer.records import Citation, StreamEvent, as_evidence, ms_since
from assistant.answer.selection import SelectionOptions, Unit, rank_units, select
from assistant.answer.selection import lead as unit_lead
from assistant.backends.base import LLM, Embedder
from assistant.errors import AssistantError
from assistant.store.library import ChunkHit, Library
from assistant.text.arabic import normalize_for_search
from assistant.text.boilerplate import is_boilerplate


class AttributedMode:
    library: Library
    embedder: Embedder
    llm: LLM | None
    options: AnswerOptions

    def _selection_options(self) -> SelectionOptions:
        o = self.options
        return SelectionOptions(
            max_units=o.max_units, min_relevance=o.unit_min_relevance, min_relevance_cross=o.unit_min_relevance_cross
        )

    def _rescue(
        self, question: str, lang: str, ranked: list[Unit], sel: SelectionOptions, timings: dict
    ) -> tuple[SelectionOptions, list[Unit]]:
        """A near miss of the gate, judged by the model: when the best units of the question's own language are
        within ``rescue_margin`` of their bar, the model's P(yes) that one of the two best answers it
        (:func:`attributed.relevance_messages`) reaching ``rescue_probability`` selects with that bar lowered by
        the margin (``timings["rescue"]`` records the call). Across languages the bar stays (the model's judgement
        did not separate answerable questions there: docs/benchmarks.md, 'Answerability'). ``(sel, [])`` when
        nothing is rescued."""
        margin, judge = self.options.rescue_margin, getattr(self.llm, "yes_probability", None)
        if margin is None or judge is None:
            return sel, []
        best = sorted((u for u in ranked if u.lang in (lang, None)), key=lambda u: u.bonus - u.score)[:2]  # one bar
        near = [u for u in best if unit_lead(u, lang, sel) - u.bonus >= -margin]
        if not near:
            return sel, []
        t = time.perf_counter()
        try:
            p = max(judge(attributed.relevance_messages(question, u)) for u in near)
        except AssistantError:
            return sel, []  # the model failed: the gate's answer (none) stands
        finally:
            timings["rescue"] = ms_since(t)
        if p < self.options.rescue_probability:
            return sel, []
        lowered = dataclasses.replace(sel, min_relevance=sel.min_relevance - margin)
        return lowered, select(ranked, lang, lowered)

    def _attributed_options(self) -> attributed.AttributedOptions:
        o = self.options
        gate = o.cross_language == "gate"
        return attributed.AttributedOptions(
            min_answer_probability=o.min_answer_probability,
            min_entailment=(
                o.min_entailment if o.min_entailment is not None or not gate else attributed.GATE_ENTAILMENT
            ),
            gate=gate,
            min_support_cross=o.min_support,
            min_quote_relevance_cross=o.min_quote_relevance_cross,
        )

    def _stream_attributed(
        self,
        question: str,
        lang: str,
        hits: list[ChunkHit],
        qv: np.ndarray,
        t0: float,
        timings: dict,
        finish,
        *,
        by_source: bool = False,
    ) -> Iterator[StreamEvent]:
        """The attributed answer (:mod:`assistant.answer.attributed`): units selected, each stated in the question's
        language (quoted, or restated by the model and checked against the unit), each yielded as a
        ``sentence`` event as soon as it passes (``t0``: when the question arrived, for the time to the first
        sentence). ``by_source``: the question asks about sources (:func:`assistant.answer.sources.asks_for_sources`,
        decided once by the answerer, which also retrieved a wider pool for it)."""
        t = time.perf_counter()
        sel = self._selection_options()
        ranked = rank_units(self.library, self.embedder, hits, qv, sel, q_lang=lang, question=question)
        ranked = [u for u in ranked if not is_boilerplate(u.text)]  # a link line or navigation is never evidence
        chosen = select(ranked, lang, sel)
        if not chosen:
            sel, chosen = self._rescue(question, lang, ranked, sel, timings)
        if chosen and by_source:  # a question about sources: one unit per source, among all that pass
            passing = select(ranked, lang, dataclasses.replace(sel, max_units=len(ranked), margin=1.0))
            fields = self.library.articles.filter_fields({u.doc_id for u in ranked})  # (lang, source, published)

            def source_of(doc_id: str) -> str | None:
                return fields.get(doc_id, (None, None, None))[1]

            passing = sources.corroborated(
                ranked, passing, lambda u: unit_lead(u, lang, sel), source_of, sel.keep_slack
            )
            chosen = sources.one_per_source(sources.in_the_places_asked(passing, question), source_of)
        said = speakers.describe(self.library, question, lang, chosen)  # who said each unit, when it is speech
        timings["evidence"] = ms_since(t)
        trace = [u.to_dict(any(u is c for c in chosen)) for u in ranked[:10]]
        trace += [c.to_dict(True) for c in chosen if not any(c is u for u in ranked[:10])]
        finish = functools.partial(finish, evidence=trace)
        if not chosen:
            yield finish(abstain_text(lang), [], True)
            return
        aopts = self._attributed_options()
        shown: list[tuple[Unit, Citation, dict]] = []
        gated: list[tuple[Unit, dict]] = []  # quotes shown first, restated afterwards if the gate passes
        removed: list[dict] = []
        reprinted: list[Citation] = []  # citations of other sources' copies of a shown sentence (by_source)
        failure = None
        t = time.perf_counter()
        judge = getattr(self.llm, "yes_probability", None) if aopts.min_answer_probability is not None else None
        for unit in chosen:
            first = not shown
            speaker, intro = said.get(id(unit), (None, speakers.Intro()))
            if judge is not None and not failure:
                try:
                    p = judge(attributed.relevance_messages(question, unit))
                except AssistantError as e:
                    failure, p = str(e), 1.0
                if p < aopts.min_answer_probability:
                    removed.append(
                        {
                            "sentence": unit.text,
                            "unit": [unit.start, unit.end],
                            "reason": f"the model judged that it does not answer (p={p:.2f})",
                        }
                    )
                    continue
            other = not (
                unit.lang == lang
                or unit.lang is None
                or self.llm is None
                or failure
                or self.options.cross_language == "quote"
            )
            entry: dict | None
            if not other or aopts.gate:  # the gate's quote is shown at once; its restatement may replace it later
                entry = self._quote_entry(unit, lang, first, intro)
            else:
                try:
                    entry = self._restated_entry(lang, unit, question, aopts, removed, first, intro)
                except AssistantError as e:
                    failure = str(e)
                    entry = self._quote_entry(unit, lang, first, intro)
            if entry is not None and speaker is not None:
                entry["speaker"] = speaker
            if entry is None:
                continue
            twin = next(  # the same words again (quoted with another introduction, or restated alike)
                (
                    e
                    for u, _, e in shown
                    if _same_sentence(unit.text, u.text) or _same_sentence(entry["sentence"], e["sentence"])
                ),
                None,
            )
            if twin is not None and not by_source:
                continue
            if not quotes_match(self.library, [as_evidence(unit, 0)]):
                removed.append(
                    {"sentence": entry["sentence"], "reason": "cited quote does not match the stored article"}
                )
                continue
            citation = citations_for(self.library, [as_evidence(unit, len(shown) + len(reprinted) + 1)])[0]
            citation.id = len(shown) + len(reprinted) + 1
            if twin is not None:  # another source printed the same words: the shown sentence cites it too
                twin["citations"].append(citation.id)
                reprinted.append(citation)
                continue
            entry["citations"] = [citation.id]
            shown.append((unit, citation, entry))
            if other and aopts.gate:
                gated.append((unit, entry))
            timings.setdefault("first_sentence", ms_since(t0))
            yield StreamEvent(
                "sentence",
                text=render_with_markers([(entry["sentence"], [citation.id])]),
                sentence=entry,
                citations=[citation],
            )
        short = self._short_answer(question, lang, [u for u, _, _ in shown], qv) if self.options.short_answers else None
        for unit, entry in gated:
            if failure:
                break
            try:
                self._gate(lang, unit, question, aopts, removed, entry)
            except AssistantError as e:
                failure = str(e)
        timings["generate"] = ms_since(t)
        extra = {"fallback": failure} if failure else {}
        if not shown:
            yield finish(abstain_text(lang), [], True, removed=removed, **extra)
            return
        lead = None
        for unit, citation, entry in shown:
            if entry["kind"] == "quoted":
                entry["marked"] = shortans.marked_in(entry["sentence"], unit, short)
            if short is not None and short.unit is unit:
                lead = short.to_dict(citation.id)
        citations = sorted([c for _, c, _ in shown] + reprinted, key=lambda c: c.id)
        composed = sources.compose(  # the checked fact first, then the sentences, by source when there are several
            question,
            lang,
            [(e["sentence"], list(e["citations"])) for _, _, e in shown],
            citations,
            [(u.text, c.id) for u, c, _ in shown],
            lead=(lead["text"] + ".", [lead["citation"]]) if lead is not None else None,
        )
        yield finish(
            composed.text,
            citations,
            False,
            removed=removed,
            short_answer=lead if composed.lead_kept else None,
            sentences=[e for _, _, e in shown],
            source_groups=[g.to_dict() for g in composed.groups],
            conflicts=[c.to_dict() for c in composed.conflicts],
            **extra,
        )

    def _short_answer(self, question: str, lang: str, units: list[Unit], qv: np.ndarray) -> shortans.ShortAnswer | None:
        """The checked fact of the shown units (:func:`assistant.answer.short.find_short_answer`; no model call)."""
        return shortans.find_short_answer(
            question, lang, units, embedder=self.embedder, q_vector=qv, numbers=self.options.short_answer_numbers
        )

    def _restate(self, lang: str, unit: Unit, question: str, aopts) -> tuple[str, str | None, float | None]:
        """One model call that states ``unit`` in ``lang``, and its checks (:func:`attributed.check_sentence`, then
        the entailment bar when set, which the gate policy requires): ``(sentence, why it fails or None,
        support)``."""
        assert self.llm is not None  # restating is chosen only with a model (see answer's `other`)
        reply = self.llm.complete(
            attributed.messages(lang, unit), max_tokens=aopts.max_tokens, temperature=self.options.temperature
        )
        sentence = attributed.clean_reply(reply)
        sentence = attributed.with_source_spellings(attributed.mark_copied_names(sentence, unit, lang), unit, lang)
        if attributed.said_nothing(reply):
            return sentence, "the model wrote nothing", None
        support = attributed.similarity(self.embedder, sentence, unit.vector)
        why = attributed.check_sentence(sentence, unit, question, lang, support=support, opts=aopts)
        entail = getattr(self.llm, "yes_probability", None) if aopts.min_entailment is not None else None
        if why is None and entail is not None:
            p = entail(attributed.entailment_messages(sentence, unit))
            if p < aopts.min_entailment:
                why = f"the model judged that its unit does not state it (p={p:.2f})"
        elif why is None and aopts.gate:
            why = "the backend cannot judge entailment (no yes_probability), so the gate cannot pass it"
        return sentence, why, support

    def _restated_entry(
        self,
        lang: str,
        unit: Unit,
        question: str,
        aopts,
        removed: list[dict],
        first: bool,
        intro: speakers.Intro | None = None,
    ) -> dict | None:
        """The ``translate`` policy: a ``restated`` entry when the restatement passes its checks, else the unit's
        quote when it is close enough to the question (else None); the failure is recorded in ``removed``."""
        sentence, why, support = self._restate(lang, unit, question, aopts)
        if why is None:  # the form check refused "[n]"; "[1, 2]" is shown as "(1, 2)"
            assert support is not None  # None only with a reason (the model wrote nothing)
            return {
                "sentence": neutralize_markers(sentence),
                "citations": [],
                "support": round(support, 3),
                "kind": "restated",
                "verified": True,
            }
        removed.append({"sentence": sentence, "reason": why, "unit": [unit.start, unit.end]})
        return self._quote_entry(unit, lang, first, intro) if attributed.quotable(unit, lang, aopts) else None

    def _gate(self, lang: str, unit: Unit, question: str, aopts, removed: list[dict], entry: dict) -> None:
        """The ``gate`` policy, on a quote already shown: a restatement that passes replaces it (``restated``);
        one that fails is recorded in ``removed`` and, when well formed, rides along as an unverified
        ``translation``."""
        sentence, why, support = self._restate(lang, unit, question, aopts)
        if why is None:
            assert support is not None  # None only with a reason (the model wrote nothing)
            entry.update(sentence=neutralize_markers(sentence), support=round(support, 3), kind="restated")
            return
        removed.append({"sentence": sentence, "reason": why, "unit": [unit.start, unit.end]})
        if not why.startswith(("malformed", "the model wrote nothing")):
            entry["translation"] = {"text": neutralize_markers(sentence), "verified": False, "why": why}

    def _quote_entry(self, unit: Unit, lang: str, first: bool, intro: speakers.Intro | None = None) -> dict:
        """The unit quoted, introduced in ``lang``; ``intro`` names who said it (:func:`speakers.intro`)."""
        who = intro or speakers.Intro()
        return {
            "sentence": attributed.quote_sentence(
                unit, lang, first=first, speaker=who.speaker, verb=who.verb, reporter=who.reporter
            ),
            "citations": [],
            "support": None,
            "kind": "quoted",
            "verified": True,
        }


def _same_sentence(a: str, b: str) -> bool:
    """Near-duplicates: the same words once normalized (two units that say the same thing in the same words)."""
    return " ".join(re.findall(r"\w+", normalize_for_search(a))) == " ".join(
        re.findall(r"\w+", normalize_for_search(b))
    )
