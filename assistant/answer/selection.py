"""Selection of evidence units: the sentences and clauses of the retrieved chunks that may answer the question.

Design (the attributed answer mode picks its evidence before any model writes a word):
- Every sentence of the retrieved chunks is a candidate, scored by its stored sentence vector against the
  question vector (multilingual-e5, so across languages too); a chunk indexed without sentence vectors has
  them computed on the spot.
- The best ``split_top`` sentences that are long (over ``long_chars``) are also cut into clauses
  (:func:`assistant.text.sentences.split_clauses`: at quotes, semicolons and, in long sentences, commas), each embedded
  and scored like a sentence. A clause keeps exact offsets, so its citation is still ``text[start:end]``. A long
  sentence often carries its answer in one clause and unrelated matter in the rest ("… the constitutional
  committee …, and resolution 2254"), which drags the whole sentence's score down.
- A unit's score is lowered by ``chunk_weight`` times its chunk's distance from the retrieval score of the best
  chunk in the same language, so the fused retrieval ranking counts too.
- When the question asks what a party said ("What did Russia say about Idlib?": a speech verb and a named party,
  :func:`assistant.text.parties.asked_party`), each unit's speaker is read from its whole sentence
  (:mod:`assistant.answer.speakers`): the party's own statements (an alias, a title+name apposition or the phrase
  a bare role refers to included) are raised by ``speaker_bonus``; another speaker's statements, units whose
  sentence only mentions the party and, once the party's statements are there, every other unit are lowered by
  ``party_penalty`` (out of selection). A question that is as a whole "what did X say"
  (:func:`assistant.text.parties.asks_what_party_said`) lowers every unit that is no statement of X's, so it
  abstains when X says nothing in the articles. Limits: a statement whose speaker is not read (a bulleted quote
  under a paragraph naming the speaker) is then lost.
- Units are ranked by score. Selection has a gate and a keep bar. The gate: the question is answered only when
  some unit clears the relevance bar of its own language pair (``min_relevance`` same language,
  ``min_relevance_cross`` across languages: e5 scores run lower there) by its embedding score. Once it is open,
  selection walks the ranking and keeps a unit when it clears its own bar, or is at most ``keep_slack`` below it
  in an article where a unit clears its bar, its lead over that bar is within ``margin`` of the best lead, and it
  does not overlap a unit already kept (with ``widen``, the sentence of a kept clause replaces it); at most
  ``max_units``. The gold sentence often scores a little under the bar while another unit of the same article
  clears it: the lower keep bar takes it in without letting more unanswerable questions through, since the gate
  is unchanged, and without taking in other articles' units on the strength of this one. Each unit is judged
  against its own bar, so an Arabic sentence that names the answer is not shut out by an English sentence of
  another article that scores higher but misses a higher bar.
- Lexical signals (``anchor_weight``: the question's names and numbers found in the unit across scripts) are
  kept apart in ``Unit.bonus``: they reorder the units that pass, never open the gate nor widen the margin.

Limits: the gate is one bar on one embedding score: on XQuAD dev it separates answerable from unanswerable
questions at AUC 0.76-0.97 by setting, and the answerable questions it shuts out are most of what evidence recall
still misses (docs/benchmarks.md, 'Evidence selection'); the attributed answer may put a near miss of the
question's own language to the model (``rescue_margin``: docs/benchmarks.md, 'Answerability'). Scores are embedding similarities; a unit on the
question's topic that does not hold its answer can be selected, which is why every sentence written from a unit
is checked against it (:mod:`assistant.answer.attributed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from assistant.answer.speakers import UnitSpeech, articles_of, party_signal
from assistant.store.library import ChunkHit, Library
from assistant.text.names import cross_script_keys
from assistant.text.parties import asked_party, asks_what_party_said
from assistant.text.questions import can_hold, question_type
from assistant.text.sentences import split_clauses


@dataclass
class Unit:
    doc_id: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float
    lang: str | None
    sentence_start: int
    """Start of the sentence the unit belongs to (``start`` itself for a whole sentence)."""
    clause: bool = False
    chunk_score: float = 0.0
    """The retrieval score of the chunk it comes from."""
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)
    """Its passage vector (for the support check of a sentence written from it)."""
    bonus: float = 0.0
    """The share of ``score`` that is lexical (anchors): it ranks units, never decides whether to answer."""
    speech: UnitSpeech | None = field(default=None, repr=False, compare=False)
    """Who said it, when it is reported speech and its speaker was read (:mod:`assistant.answer.speakers`: for
    every unit when the question asks what a party said, else for the selected units)."""

    def overlaps(self, other: Unit) -> bool:
        return self.doc_id == other.doc_id and self.start < other.end and other.start < self.end

    def to_dict(self, selected: bool) -> dict:
        return {
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
            "lang": self.lang,
            "clause": self.clause,
            "selected": selected,
        }


@dataclass
class SelectionOptions:
    max_units: int = 3
    margin: float = 0.06
    split_top: int = 4
    long_chars: int = 160
    min_relevance: float = 0.84
    min_relevance_cross: float = 0.77
    chunk_weight: float = 0.5
    """A unit's score is lowered by this much times how far its chunk's retrieval score is below the best
    chunk's (the fused retrieval ranking reads more signals than one sentence vector). With 0.5 the best unit held
    the gold answer more often in every XQuAD dev setting: see docs/benchmarks.md, 'Evidence selection'."""
    type_penalty: float = 0.03
    """Lowers a unit that cannot hold what the question asks for (:func:`assistant.text.questions.can_hold`: no
    number for a "how many" question, no year or month for a "when" question) by this much."""
    anchor_weight: float = 0.0
    """Raises a unit by this much times the share of the question's anchors it holds: names and numbers, matched
    across scripts (:func:`assistant.text.names.cross_script_keys`: consonant skeletons, digits folded), in
    ``Unit.bonus`` (it ranks, never opens the gate). Off: with the keep bar, 0.03 helped AR->AR and lowered
    evidence recall in the three other XQuAD dev settings (docs/benchmarks.md)."""
    keep_slack: float = 0.04
    """Once some unit clears its bar by its embedding score (the gate: whether to answer at all), the other units
    of its article down to this much below their bar are kept too (within ``margin`` of the best lead). Lexical
    bonuses (anchors) rank units and never open the gate: a plague article's "France" must not answer "What is the
    capital of France?". 0.04 was chosen among 0.02/0.04/0.06 on the first 150 questions of XQuAD dev EN->AR and
    AR->AR and held on the next 150 in all four settings (docs/benchmarks.md, 'Evidence selection')."""
    widen: bool = True
    """A unit that passes and holds every kept unit it overlaps (the sentence of a kept clause) replaces them: the
    answer is often in the sentence's other clause, which the kept clause would otherwise shut out."""
    context_weight: float = 0.0
    """Blends a unit's score with its context's: ``(1 - w) * own + w * context``, the context being the best
    score of the sentences next to its sentence in the same chunk. Off: at 0.2 it moved the best unit's hit rate
    little and lowered evidence recall in every XQuAD dev setting (docs/benchmarks.md)."""
    speaker_bonus: float = 0.05
    """When the question asks what a party said (:func:`assistant.text.parties.asked_party`: a speech verb and a
    named party), raises a unit that is that party's statement (its speaker, an alias or the phrase a bare role
    refers to is the party: :mod:`assistant.answer.speakers`) by this much, on top of its embedding score. On the
    flagship article the Russian side's statements score 0.77-0.81 against "What did Russia say about Idlib?", as
    do the Syrian presidency's that only mention Russia; 0.05 is about one margin's worth."""
    party_penalty: float = 1.0
    """For the same questions, lowers a unit that is another speaker's statement, or whose sentence mentions the
    party without a statement of it, by this much, and, when some unit is the party's statement, every other unit
    too: 1.0 takes them out of selection (no bar is that low), since they do not answer "what did X say"."""
    centre_cross: bool = False
    """Score units in the other language than the question's with the centred question vector (plus its offset),
    as retrieval scores other-language chunks (:mod:`assistant.backends.centering`). Off: it lifted the best unit's
    hit rate a little but, against the same bar, lowered evidence recall much more (see docs/benchmarks.md,
    'Evidence selection')."""


def sentence_candidates(library: Library, embedder, hits: Sequence[ChunkHit]) -> tuple[list[Unit], np.ndarray]:
    """Every sentence of ``hits`` as an unscored :class:`Unit`, with its passage vector (stored, or embedded on
    the spot for chunks indexed without sentence vectors)."""
    ids = [h.chunk.chunk_id for h in hits]
    recs, vecs = library.read(lambda: library.sentences.vectors_where({"chunk_id": {"$in": ids}}))
    stored = {(r.metadata["chunk_id"], r.start): v for r, v in zip(recs, vecs, strict=True)}
    units: list[Unit] = []
    rows: list[np.ndarray | None] = []
    for h in hits:
        c = h.chunk
        for s, e in c.sentences:
            units.append(
                Unit(
                    c.doc_id,
                    c.chunk_id,
                    s,
                    e,
                    c.text[s - c.start : e - c.start],
                    0.0,
                    c.metadata.get("lang"),
                    s,
                    chunk_score=float(h.score),
                )
            )
            rows.append(stored.get((c.chunk_id, s)))
    missing = [i for i, v in enumerate(rows) if v is None]
    if missing:
        for i, v in zip(missing, embedder.embed_passages([units[i].text for i in missing]), strict=True):
            rows[i] = v
    dim = getattr(embedder, "dim", 0)
    # every row is filled now: stored, or embedded just above
    return units, (np.stack(cast(list[np.ndarray], rows)) if rows else np.zeros((0, dim), dtype=np.float32))


def clause_units(
    units: Sequence[Unit], chunk_texts: dict[str, tuple[int, str]], embedder, qv: np.ndarray, long_chars: int
) -> list[Unit]:
    """The clauses of ``units`` longer than ``long_chars``, scored against ``qv``; ``chunk_texts`` maps a chunk id
    to ``(chunk start, chunk text)`` so clause offsets stay absolute."""
    out: list[Unit] = []
    for u in units:
        if u.end - u.start <= long_chars:
            continue
        base, text = chunk_texts[u.chunk_id]
        local = split_clauses(text, u.start - base, u.end - base, long_chars=long_chars)
        if len(local) < 2:
            continue
        out.extend(
            Unit(
                u.doc_id,
                u.chunk_id,
                s + base,
                e + base,
                text[s:e],
                0.0,
                u.lang,
                u.start,
                clause=True,
                chunk_score=u.chunk_score,
            )
            for s, e in local
        )
    if out:
        vecs = embedder.embed_passages([c.text for c in out])
        for c, v in zip(out, vecs, strict=True):
            c.score, c.vector = float(v @ qv), v
    return out


def rank_units(
    library: Library,
    embedder,
    hits: Sequence[ChunkHit],
    qv: np.ndarray,
    opts: SelectionOptions,
    q_lang: str | None = None,
    question: str | None = None,
) -> list[Unit]:
    """Sentences and clauses of ``hits``, best first (see the module docstring); ``question`` (its text) feeds the
    type and anchor signals when they are on."""
    units, vecs = sentence_candidates(library, embedder, hits)
    if not units:
        return []
    for u, v in zip(units, vecs, strict=True):
        u.score, u.vector = float(v @ qv), v
    context = _neighbour_scores(units) if opts.context_weight else {}
    chunk_texts = {h.chunk.chunk_id: (h.chunk.start, h.chunk.text) for h in hits}
    units.sort(key=lambda u: -u.score)
    clauses = clause_units(units[: opts.split_top], chunk_texts, embedder, qv, opts.long_chars)
    units += clauses
    if context:
        w = opts.context_weight
        for u in units:
            u.score = (1 - w) * u.score + w * context.get((u.chunk_id, u.sentence_start), u.score)
    centring = getattr(embedder, "query_centering", None) if opts.centre_cross and q_lang else None
    if centring is not None and centring.applies_to(q_lang):
        cv, offset = centring.center(qv, q_lang), centring.offsets[q_lang]
        for u in units:
            if u.lang is not None and u.lang != q_lang:
                u.score = float(u.vector @ cv) + offset
    if opts.chunk_weight:  # against the best chunk of the unit's own language: fused scores of the two language
        top: dict = {}  # groups are not on one scale (an Arabic clause must not lose to an English chunk)
        for h in hits:
            lang = h.chunk.metadata.get("lang")
            top[lang] = max(top.get(lang, h.score), h.score)
        for u in units:
            u.score -= opts.chunk_weight * (top.get(u.lang, u.chunk_score) - u.chunk_score)
    if question and (opts.type_penalty or opts.anchor_weight):
        _question_signals(units, question, q_lang or "en", opts)
    if question and (opts.speaker_bonus or opts.party_penalty):
        _speaker_signals(library, units, question, q_lang, opts)
    return sorted(units, key=lambda u: -u.score)


def _neighbour_scores(sentences: Sequence[Unit]) -> dict[tuple[str, int], float]:
    """For each sentence (keyed by chunk id and start), the best score of the sentences just before and after it
    in its chunk (its own score when it is alone there)."""
    by_chunk: dict[str, list[Unit]] = {}
    for u in sentences:
        by_chunk.setdefault(u.chunk_id, []).append(u)
    out: dict[tuple[str, int], float] = {}
    for group in by_chunk.values():
        group.sort(key=lambda u: u.start)
        for i, u in enumerate(group):
            near = [g.score for g in group[max(0, i - 1) : i + 2] if g is not u]
            out[(u.chunk_id, u.start)] = max(near, default=u.score)
    return out


def _speaker_signals(
    library: Library, units: Sequence[Unit], question: str, q_lang: str | None, opts: SelectionOptions
) -> None:
    """The party signals (see :class:`SelectionOptions`), in place; each unit's ``speech`` is read on the way."""
    party = asked_party(question, q_lang)
    if party is None:
        return
    articles = articles_of(library, units)
    signals = []
    for u in units:
        art = articles.get(u.doc_id)
        u.speech = art.unit_speech(u) if art is not None else None
        signals.append(party_signal(party, u.speech, u, art) if art is not None else 0)
    spoke = any(s > 0 for s in signals)  # the party's own statements are there: the answer is made of them
    only = asks_what_party_said(question, q_lang)  # "what did X say" is answered by X's statements or not at all
    for u, signal in zip(units, signals, strict=True):
        if signal > 0:
            u.score += opts.speaker_bonus
        elif signal < 0 or spoke or only:
            u.score -= opts.party_penalty


def _question_signals(units: Sequence[Unit], question: str, q_lang: str, opts: SelectionOptions) -> None:
    """The type and anchor signals (see :class:`SelectionOptions`), in place."""
    kind = question_type(question, q_lang)
    anchors = cross_script_keys(question) if opts.anchor_weight else set()  # names and numbers, across scripts
    for u in units:
        if opts.type_penalty and not can_hold(u.text, kind):
            u.score -= opts.type_penalty
        if anchors:
            bonus = opts.anchor_weight * len(anchors & cross_script_keys(u.text)) / len(anchors)
            u.score += bonus
            u.bonus += bonus


def bar(q_lang: str, doc_lang: str | None, same: float, cross: float) -> float:
    """The bar for evidence in ``doc_lang``: multilingual-e5 scores run lower across languages, so evidence in
    another language than the question's has its own (lower) bar."""
    return same if doc_lang is None or doc_lang == q_lang else cross


def lead(u: Unit, q_lang: str, opts: SelectionOptions) -> float:
    """How far ``u``'s score is over the bar of its language pair (negative: under it)."""
    return u.score - bar(q_lang, u.lang, opts.min_relevance, opts.min_relevance_cross)


def select(ranked: Sequence[Unit], q_lang: str, opts: SelectionOptions) -> list[Unit]:
    """The units to answer from, best first, or none when no unit clears its own bar by its embedding score (the
    gate). Each unit kept clears its bar, or is at most ``keep_slack`` under it in an article that opened the gate;
    its lead over its bar is within ``margin`` of the best lead, and it overlaps no unit kept before it (with
    ``widen``, a sentence replaces its kept clauses); at most ``max_units``. Leads, not raw scores, are compared,
    so units of both languages compete on the same footing; lexical bonuses (``Unit.bonus``) only reorder."""

    def lead_of(u: Unit) -> float:
        return lead(u, q_lang, opts)

    opened = {u.doc_id for u in ranked if lead_of(u) - u.bonus >= 0}  # lexical bonuses never open the gate
    if not opened:
        return []
    passing = sorted(
        (u for u in ranked if lead_of(u) - u.bonus >= (-opts.keep_slack if u.doc_id in opened else 0)),
        key=lambda u: -lead_of(u),
    )
    if not passing:
        return []
    top = max(lead_of(u) - u.bonus for u in passing)  # the margin by embedding scores: bonuses only reorder
    kept: list[Unit] = []
    for u in passing:
        if len(kept) == opts.max_units:
            break
        if lead_of(u) - u.bonus < top - opts.margin:
            continue
        inside = [k for k in kept if u.overlaps(k)]
        if not inside:
            kept.append(u)
        elif opts.widen and all(u.start <= k.start and k.end <= u.end for k in inside):
            at = kept.index(inside[0])  # the sentence of a kept clause takes the clause's place
            kept = [k for k in kept[:at] if k not in inside] + [u] + [k for k in kept[at:] if k not in inside]
    return kept
