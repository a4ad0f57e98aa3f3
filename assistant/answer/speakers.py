"""Who said an evidence unit: its speaker (and reporter) as spans of the cited article, whether that speaker is the
party a question asks about, and the words that name the speaker in a quote's introduction.

Design:
- A unit's speaker is read from the whole sentence it belongs to (a unit may be a clause of it: the sentence
  starts at ``unit.sentence_start``), with :func:`assistant.text.speech.sentence_statements`. The unit belongs to
  the innermost statement whose statement span overlaps it (in "حسب البيان، … حيث أكد الجانب الروسي دعمه …" the
  clause about the support is the Russian side's, the rest the statement's). A statement without an explicit
  subject ("وأضاف أن …", "He added that …") takes the speaker of the sentence before. The outer statement that
  reports it is its reporter (:func:`assistant.text.speech.reporter_of`). A bare role ("الخارجية", "البيان") also
  carries the earlier phrase it refers to (:func:`assistant.text.parties.antecedent`).
- :func:`party_signal` says, for a question that asks what a party said (:func:`assistant.text.parties.asked_party`),
  whether the unit is that party's statement (+1), someone else's statement or a unit whose sentence only
  mentions the party (-1), or neither (0). Selection turns it into a bonus or a penalty
  (:class:`assistant.answer.selection.SelectionOptions`).
- :func:`intro` gives the quote template the speaker words that can be checked by rule: the speaker verbatim in
  the quote's own language; across languages the speaker carried into English by the role and country tables
  ("the Russian side (الجانب الروسي)"), else the question's own spelling of the party it matched ("Russia
  (الجانب الروسي)"), else nothing (the generic introduction).

Limits: those of :mod:`assistant.text.speech` and :mod:`assistant.text.parties` (rules, no parse); a speaker is
looked for one sentence back only; an Arabic question over an English quote names the speaker only through the
question's spelling of the party.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.store.library import Library
from assistant.text.parties import (
    Party,
    antecedent,
    article_affiliations,
    article_titles,
    asked_party,
    conjuncts,
    countries_in,
    english_phrase,
    speaks_for,
)
from assistant.text.sentences import split_sentences
from assistant.text.speech import (
    Statement,
    implicit_speaker,
    is_pronoun,
    reporter_of,
    sentence_statements,
    verb_wording,
)
from assistant.verify.form import SOURCE_SPELLING_MAX_WORDS


class UnitLike(Protocol):
    doc_id: str
    start: int
    end: int
    sentence_start: int
    lang: str | None
    text: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class UnitSpeech:
    """The statement a unit belongs to, with spans into its article."""

    doc_id: str
    speaker: Span
    """The speaker as the article writes it at the statement (or in the sentence before, for an implicit one)."""
    verb: str
    """The English wording of the verb ("stressed", "according to")."""
    lang: str
    statement: Span
    reporter: Span | None = None
    """The speaker of the statement that reports this one ("ذكرت الرئاسة السورية أن الجانب الروسي أكد …")."""
    resolved: Span | None = None
    """The earlier phrase a bare-role speaker refers to ("الخارجية" → "وزارة الخارجية الروسية")."""
    reporter_resolved: Span | None = None

    def field(self) -> dict:
        """The answer sentence's ``speaker`` field (``../shared/CONTRACT.md``): a span of the cited article."""
        return {"text": self.speaker.text, "doc_id": self.doc_id, "start": self.speaker.start, "end": self.speaker.end}


class ArticleSpeech:
    """Statements of one article, read sentence by sentence when asked (a unit's sentence and the one before)."""

    def __init__(self, doc_id: str, text: str) -> None:
        self.doc_id = doc_id
        self.text = text
        self.sentences = split_sentences(text)
        self._statements: dict[int, list[Statement]] = {}
        self._affiliations: dict[str, set[str]] = {}
        self._titles: dict[str, set[str]] = {}

    def statements(self, index: int) -> list[Statement]:
        if index not in self._statements:
            s, e = self.sentences[index]
            self._statements[index] = sentence_statements(self.text, s, e)
        return self._statements[index]

    def sentence_index(self, offset: int) -> int | None:
        for i, (s, e) in enumerate(self.sentences):
            if s <= offset < e:
                return i
        return None

    def affiliations(self, speaker: str) -> set[str]:
        if speaker not in self._affiliations:
            self._affiliations[speaker] = article_affiliations(self.text, speaker)
        return self._affiliations[speaker]

    def titles(self, speaker: str) -> set[str]:
        if speaker not in self._titles:
            self._titles[speaker] = article_titles(self.text, speaker)
        return self._titles[speaker]

    def unit_speech(self, unit: UnitLike) -> UnitSpeech | None:
        i = self.sentence_index(unit.sentence_start)
        if i is None:
            return None
        sts = self.statements(i)
        hit = [st for st in sts if st.scope[0] < unit.end and unit.start < st.scope[1]]
        if not hit:
            return None
        # of the statements that hold most of the unit (at least 4/5 of the best overlap), the innermost: a clause
        # inside a reported statement is the inner speaker's; a whole sentence "X announced …, and stressed …" is X's
        overlap = {id(x): min(unit.end, x.scope[1]) - max(unit.start, x.scope[0]) for x in hit}
        best = max(overlap.values())
        st = min((x for x in hit if overlap[id(x)] >= 0.8 * best), key=lambda x: x.scope[1] - x.scope[0])
        speaker: Span | None = None
        if st.speaker is not None and not is_pronoun(st.speaker):
            assert st.speaker_start is not None and st.speaker_end is not None
            speaker = Span(st.speaker_start, st.speaker_end, st.speaker)
        else:  # "… ، وأكدت …", "وأضاف أن …": the speaker of an earlier statement, in this sentence or the one before
            earlier = [p for p in sts if p.verb_start < st.verb_start and not is_pronoun(p.speaker)]
            prev = implicit_speaker(earlier) if earlier else None
            if prev is None and i > 0:
                prev = implicit_speaker([p for p in self.statements(i - 1) if not is_pronoun(p.speaker)])
            if prev is not None and prev.speaker_start is not None and prev.speaker_end is not None:
                speaker = Span(prev.speaker_start, prev.speaker_end, prev.speaker or "")
        if speaker is None:
            return None
        outer = reporter_of(st, sts)
        reporter = (
            Span(outer.speaker_start, outer.speaker_end, outer.speaker)
            if outer is not None
            and outer.speaker_start is not None
            and outer.speaker_end is not None
            and outer.speaker is not None
            and not is_pronoun(outer.speaker)
            else None
        )
        return UnitSpeech(
            self.doc_id,
            speaker,
            verb_wording(st),
            st.lang,
            Span(st.start, st.end, self.text[st.start : st.end]),
            reporter,
            self._resolve(speaker),
            self._resolve(reporter) if reporter is not None else None,
        )

    def _resolve(self, span: Span) -> Span | None:
        found = antecedent(self.text, span.start, span.text)
        return Span(found[0], found[1], self.text[found[0] : found[1]]) if found else None

    def speaks_for(self, party: Party, speech: UnitSpeech) -> Span | None:
        """The part of the speaker (a conjunct, or the phrase it refers to) that is ``party``, or None."""
        spans = [Span(a, b, self.text[a:b]) for a, b in conjuncts(speech.speaker.text, speech.speaker.start)]
        for sp in spans:
            if speaks_for(party, sp.text, affiliations=self.affiliations(sp.text), titles=self.titles(sp.text)):
                return sp
        r = speech.resolved
        if r is not None and speaks_for(
            party, r.text, affiliations=self.affiliations(r.text), titles=self.titles(r.text)
        ):
            return speech.speaker
        return None


def mentions(party: Party, text: str) -> bool:
    """Whether ``text`` names ``party`` at all (one of its countries or names), speaking or not."""
    from assistant.text.parties import _name_matches  # one matcher for names, both scripts

    return bool(party.countries & countries_in(text)) or any(_name_matches(n, text) for n in party.names)


def party_signal(party: Party, speech: UnitSpeech | None, unit: UnitLike, article: ArticleSpeech) -> int:
    """+1: the unit is ``party``'s statement; -1: another speaker's statement, or its sentence mentions the party
    without a statement; 0: neither (not reported speech, and its sentence does not name the party)."""
    if speech is not None:
        return 1 if article.speaks_for(party, speech) is not None else -1
    i = article.sentence_index(unit.sentence_start)
    sentence = unit.text if i is None else article.text[slice(*article.sentences[i])]
    return -1 if mentions(party, sentence) else 0


@dataclass(frozen=True)
class Intro:
    """The speaker words of a quote's introduction (``prompts/quote.*.j2``): all None for the generic one."""

    speaker: str | None = None
    verb: str | None = None
    reporter: str | None = None


def _spelling(text: str) -> str | None:
    """The source spelling shown beside a rendering: the phrase itself when short enough to be read as a name
    (:data:`assistant.verify.form.SOURCE_SPELLING_MAX_WORDS`), else its last comma-separated part that is (the
    name after a title: "المبعوث الخاص ...، ألكسندر لافرينتييف" → "ألكسندر لافرينتييف"), else None."""
    for part in [text, *reversed(re.split(r"[،,]", text))]:
        part = part.strip()
        if part and len(part.split()) <= SOURCE_SPELLING_MAX_WORDS:
            return part
    return None


def _beside(words: str, spelling_of: str) -> str:
    spelling = _spelling(spelling_of)
    return f"{words} ({spelling})" if spelling else words


def _named(span: Span, resolved: Span | None, q_lang: str, unit_lang: str, party_text: str | None) -> str | None:
    """Words naming ``span`` in ``q_lang`` (``resolved``: the earlier phrase a bare role refers to): verbatim in
    the same language; in English the phrase carried over by rule with its source spelling beside, else the
    question's spelling of the party (its source spelling beside when short: :func:`_spelling`); None when
    nothing checkable names it."""
    if q_lang == unit_lang:
        return (resolved or span).text
    if q_lang == "en" and unit_lang == "ar":
        for sp in (resolved, span):
            if sp is not None and (english := english_phrase(sp.text)) is not None:
                return _beside(english, sp.text)
    if party_text:
        return _beside(party_text, span.text)
    return None


def intro(
    speech: UnitSpeech | None, unit: UnitLike, q_lang: str, party: Span | None = None, party_text: str | None = None
) -> Intro:
    """What the quote's introduction says about who spoke (see the module docstring). ``party``: the part of the
    speaker that matched the question's party (spelled ``party_text`` in the question), when one did. In the
    quote's own language a speaker (and reporter) that the quoted words already name is not repeated."""
    if speech is None:
        return Intro()
    unit_lang = unit.lang or q_lang
    span = party or speech.speaker
    resolved = speech.resolved if span == speech.speaker else None
    named = _named(span, resolved, q_lang, unit_lang, party_text if party is not None else None)
    if named is None:
        return Intro()
    reporter = None
    if speech.reporter is not None and speech.verb != "according to":
        rep = speech.reporter
        reporter = _named(rep, speech.reporter_resolved, q_lang, unit_lang, None)  # None: not named by rule
        if q_lang == unit_lang and unit.start <= rep.start < unit.end and speech.reporter_resolved is None:
            reporter = None  # the quote names it
    inside = unit.start <= span.start and span.end <= unit.end
    if q_lang == unit_lang and inside and resolved is None and reporter is None:
        return Intro()
    if q_lang == "en":
        named = _sentence_case(named, first=reporter is None and speech.verb != "according to")
    return Intro(named, speech.verb if q_lang == "en" else None, reporter)


def _sentence_case(words: str, *, first: bool) -> str:
    """ "the Russian side" at the start of the sentence is "The Russian side" (and the reverse inside it)."""
    if first and words.startswith("the "):
        return "The " + words[4:]
    if not first and words.startswith("The "):
        return "the " + words[4:]
    return words


def articles_of(library: Library, units: Sequence[UnitLike]) -> dict[str, ArticleSpeech]:
    """One :class:`ArticleSpeech` per article of ``units``, its text read from the store in one query."""
    texts = library.articles.texts({u.doc_id for u in units})
    return {d: ArticleSpeech(d, t) for d, t in texts.items()}


def speech_of(articles: dict[str, ArticleSpeech], unit: UnitLike) -> UnitSpeech | None:
    art = articles.get(unit.doc_id)
    return art.unit_speech(unit) if art is not None else None


def describe(library: Library, question: str, lang: str, units: Sequence[UnitLike]) -> dict[int, tuple[dict, Intro]]:
    """For each unit (by ``id``) that is reported speech: its answer sentence's ``speaker`` field (the part of the
    speaker that is the question's party when it asks about one, else the whole speaker) and the speaker words of
    its quote's introduction (:func:`intro`). A unit's ``speech`` is read here when selection did not read it."""
    party = asked_party(question, lang)
    articles = articles_of(library, units)
    out: dict[int, tuple[dict, Intro]] = {}
    for u in units:
        art = articles.get(u.doc_id)
        speech = getattr(u, "speech", None) or (art.unit_speech(u) if art is not None else None)
        if art is None or speech is None:
            continue
        matched = art.speaks_for(party, speech) if party is not None else None
        shown = matched or speech.speaker
        field = {"text": shown.text, "doc_id": u.doc_id, "start": shown.start, "end": shown.end}
        out[id(u)] = (field, intro(speech, u, lang, matched, party.text if party is not None else None))
    return out
