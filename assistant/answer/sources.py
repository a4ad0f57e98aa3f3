"""Answers drawn from several sources: grouped by source with their dates, and a note where the sources disagree.

Design:

- **Grouping** (:func:`group_by_source`): when the shown sentences cite articles of two or more sources, the answer
  text is written source by source, in the order the sources first appear (the best unit's source first), each
  group headed by the source's name and its articles' dates in the question's language
  ("SANA, 10 Sep 2019: … [1] — Reuters, 11 Sep 2019: … [2]"; ``prompts/source_group.*.j2``). A source's name is
  shown as the article's metadata writes it (a name, not translated); a date is written from the citation's
  ``published`` with month names from :data:`assistant.text.questions.MONTHS`, "undated" when the article has
  none. One source, or none named, leaves the answer as it is.
- **Disagreement** (:func:`find_conflicts`): for a question that asks for a number or a date
  (:func:`assistant.text.questions.question_type`), each source's shown units are read for the values they give
  that the question does not already hold (:func:`assistant.answer.short.candidates`: digits in any script,
  number words, years). When two sources each give exactly one value and the values differ, the answer says so
  and cites both (``prompts/conflict.*.j2``: "The sources differ: SANA gives 12 [1]; Reuters gives 15 [2]."),
  and no single short answer leads it.

- **Questions about sources** (:func:`asks_for_sources`: "Which newspapers reported …?", "How did SANA and
  Reuters report …?", "كيف نقلت الصحف …؟"): the answer comes from the best unit of each source among the units
  that pass selection's bars (:func:`one_per_source`, up to :data:`SOURCES_MAX_UNITS`), out of a retrieval
  :data:`SOURCES_RETRIEVAL_FACTOR` times the usual size that keeps each source's copy of a story, instead of the
  best few units, which often come from one or two sources. Another paper's copy of the story scores a little
  under the bar as often as over it, so a unit up to the keep slack under its bar counts when another source
  prints the same words (:func:`corroborated`: passage vectors at :data:`CORROBORATION_COSINE` or closer); and
  where two sources print the very same sentence, it is shown once and cites both, under a heading that names
  both (:func:`group_heading`: "aleqtisadiya, 23 Jul 2015 and alweeam, 23 Jul 2015: «…» [2][3]"). When the
  question names a country or a capital ("… in Riyadh"), units that name none of them are left out
  (:func:`in_the_places_asked`): the same kind of news from elsewhere is not a report of the asked event.

Limits: values are compared as written numbers (12 and "twelve" agree; 1.5 million and 1,500,000 do not); a
source whose units give several values is left out of the comparison (it cannot be told which one answers); names
are not compared (two spellings of one name would read as a conflict); the synthesized mode's sentences, which may
cite several sources at once, are not grouped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import prompts
from assistant.answer.citations import render_with_markers
from assistant.answer.records import Citation
from assistant.answer.selection import Unit
from assistant.answer.short import candidates
from assistant.text.arabic import normalize_for_search
from assistant.text.names import ARABIC_WORD
from assistant.text.parties import countries_in
from assistant.text.questions import MONTHS, question_type

_SHORT_MONTHS_EN = [m[:3] for m in MONTHS["en"]]
_COMMA = {"en": ", ", "ar": "، "}
"""Separates the dates of one source's articles in a heading."""
UNDATED = {"en": "undated", "ar": "بلا تاريخ"}
"""How a group heading names an article without a date."""


@dataclass
class SourceGroup:
    """The shown sentences of one source: ``(sentence, citation ids)`` in answer order, and the dates of the cited
    articles (``YYYY-MM-DD``; None for an undated one)."""

    source: str
    parts: list[tuple[str, list[int]]]
    dates: list[str | None]
    also: dict[str, list[str | None]] = field(default_factory=dict)
    """Other sources that printed the same words as one of the parts (a part citing them too), with their dates."""

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "published": sorted({d for d in self.dates if d}),
            "citations": [i for _, ids in self.parts for i in ids],
            "also": [{"source": name, "published": sorted({d for d in ds if d})} for name, ds in self.also.items()],
        }


@dataclass
class Conflict:
    """Two or more sources that give different values for what the question asks: ``(source, value, citation
    ids)`` each."""

    kind: str
    values: list[tuple[str, str, list[int]]]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "values": [{"source": s, "value": v, "citations": ids} for s, v, ids in self.values],
        }


def _source(citation: Citation) -> str | None:
    name = (citation.source or "").strip()
    return name or None


def _published(citation: Citation) -> str | None:
    value = citation.published
    return value[:10] if value and len(value) >= 10 else None


def format_date(published: str | None, lang: str) -> str:
    """``YYYY-MM-DD`` as the question's language writes a date ("10 Sep 2019", "10 سبتمبر 2019"); "undated" or
    "بلا تاريخ" for None."""
    if not published:
        return UNDATED[lang]
    year, month, day = published[:10].split("-")
    names = _SHORT_MONTHS_EN if lang == "en" else MONTHS["ar"]
    return f"{int(day)} {names[int(month) - 1]} {year}"


def group_by_source(parts: Sequence[tuple[str, list[int]]], citations: Sequence[Citation]) -> list[SourceGroup]:
    """The answer's ``parts`` (each a sentence and the ids it cites) grouped by the source of their first citation;
    empty when they come from fewer than two named sources (the answer is then written as it is)."""
    by_id = {c.id: c for c in citations}
    groups: dict[str, SourceGroup] = {}
    for sentence, ids in parts:
        cited = [by_id[i] for i in ids if i in by_id]
        name = _source(cited[0]) if cited else None
        if name is None:
            return []  # an unnamed source cannot be placed in a group: leave the answer as it is
        group = groups.setdefault(name, SourceGroup(name, [], []))
        group.parts.append((sentence, list(ids)))
        for c in cited:
            other = _source(c)
            if other is None or other == name:
                group.dates.append(_published(c))
            else:  # the same words in another source's article
                group.also.setdefault(other, []).append(_published(c))
    named = set(groups) | {o for g in groups.values() for o in g.also}
    return list(groups.values()) if len(named) >= 2 else []


def heading(source: str, dates: Sequence[str | None], lang: str) -> str:
    """A source's heading in the question's language: its name and its cited articles' dates ("SANA, 10 Sep
    2019", "sabq، 22 يوليو 2015", "okaz, undated")."""
    shown = sorted({d[:10] for d in dates if d})
    label = _COMMA[lang].join(format_date(d, lang) for d in shown) if shown else format_date(None, lang)
    return prompts.render(f"source_group.{lang}.j2", source=source, dates=label)


_AND = {"en": " and ", "ar": " و"}
"""Joins the headings of sources that printed the same words ("alriyadh, 24 Jul 2015 and SANA, 24 Jul 2015"); the
Arabic و is written on the next word, and apart from a name in Latin letters ("و okaz")."""


def group_heading(group: SourceGroup | dict, lang: str) -> str:
    """A group's heading: its source's (:func:`heading`), then those of the sources that printed the same words
    (``also``), joined with "and" in the question's language; from a :class:`SourceGroup` or its ``to_dict``."""
    g = group.to_dict() if isinstance(group, SourceGroup) else group
    named = [(str(g["source"]), list(g.get("published") or []))]
    named += [(str(a["source"]), list(a.get("published") or [])) for a in g.get("also") or []]
    out = heading(*named[0], lang)
    for name, dates in named[1:]:
        joiner = _AND[lang] if lang == "en" or ARABIC_WORD.match(name) else f"{_AND[lang]} "
        out += joiner + heading(name, dates, lang)
    return out


def render_groups(groups: Sequence[SourceGroup], lang: str) -> str:
    """The grouped answer text: each source's heading ("SANA, 10 Sep 2019") and its sentences with markers."""
    return " — ".join(f"{group_heading(g, lang)}: {render_with_markers(g.parts)}" for g in groups)


def find_conflicts(
    question: str, lang: str, units_texts: Sequence[tuple[str, int]], citations: Sequence[Citation]
) -> list[Conflict]:
    """Where sources disagree on the number or date the question asks for. ``units_texts``: each shown unit's text
    with the citation id it is shown under."""
    kind = question_type(question, lang)
    if kind not in ("number", "date"):
        return []
    by_id = {c.id: c for c in citations}
    values: dict[str, set[str]] = {}
    cited: dict[str, list[int]] = {}
    for text, cid in units_texts:
        citation = by_id.get(cid)
        name = _source(citation) if citation is not None else None
        if name is None:
            continue
        found = candidates(question, text, kind)
        if found:
            values.setdefault(name, set()).update(found)
            cited.setdefault(name, []).append(cid)
    single = [(name, next(iter(v)), cited[name]) for name, v in values.items() if len(v) == 1]
    if len(single) < 2 or len({v for _, v, _ in single}) < 2:
        return []
    return [Conflict(kind, single)]


def conflict_text(conflicts: Sequence[Conflict | dict], lang: str) -> str:
    """The note that names each source's value and cites it, in the question's language (from the conflicts or
    their ``to_dict()`` form, as an answer carries them)."""
    notes = []
    for c in conflicts:
        d = c.to_dict() if isinstance(c, Conflict) else c
        items = [
            {"source": v["source"], "value": v["value"], "marks": "".join(f"[{i}]" for i in v["citations"])}
            for v in d["values"]
        ]
        notes.append(prompts.render(f"conflict.{lang}.j2", items=items))
    return " ".join(notes)


@dataclass
class Composed:
    """The answer text written over its sources, and what the structure carries beside it."""

    text: str
    groups: list[SourceGroup]
    conflicts: list[Conflict]
    lead_kept: bool
    """False when the sources disagree on the asked value: no single short answer leads the answer."""


def compose(
    question: str,
    lang: str,
    parts: Sequence[tuple[str, list[int]]],
    citations: Sequence[Citation],
    units_texts: Sequence[tuple[str, int]],
    lead: tuple[str, list[int]] | None = None,
) -> Composed:
    """The answer's text: the lead fact (unless the sources disagree on it), then the sentences, grouped by source
    when there are several, then the note on what the sources disagree about."""
    conflicts = find_conflicts(question, lang, units_texts, citations)
    groups = group_by_source(parts, citations)
    head = [lead] if lead is not None and not conflicts else []
    body = render_groups(groups, lang) if groups else render_with_markers(list(parts))
    text = " ".join(x for x in (render_with_markers(head) if head else "", body, conflict_text(conflicts, lang)) if x)
    return Composed(text, groups, conflicts, lead_kept=lead is None or not conflicts)


SOURCES_MAX_UNITS = 5
"""How many sources a question about sources is answered from, one unit each."""
SOURCES_RETRIEVAL_FACTOR = 3
"""A question about sources retrieves this many times the usual chunks: the usual few often hold one or two
sources' copies of the same story."""
CORROBORATION_COSINE = 0.95
"""Two units of different sources whose passage vectors are at least this close say the same thing (copies of one
wire story or of one statement, a word or a dateline changed). Unrelated units on the same topic sit at 0.86-0.93
with multilingual-e5 (docs/benchmarks.md, 'Questions about sources')."""

_EN_SOURCES_QUESTION = re.compile(
    r"(?i)\b(?:which|what)\s+(?:newspapers?|papers|sources|outlets|media|news\s+agencies|agencies|channels)\b"
    r"|\bhow\s+did\s+(?:the\s+)?(?:different\s+|various\s+|other\s+)?(?:newspapers|papers|sources|media|outlets"
    r"|agencies)\b"
    r"|\bhow\s+did\s+[\w.-]+(?:\s+[\w.-]+)?\s+and\s+[\w.-]+(?:\s+[\w.-]+)?\s+(?:report|cover|describe)\b"
)
_AR_SOURCES_QUESTION = re.compile(
    "|".join(
        normalize_for_search(w)
        for w in ("الصحف", "المصادر", "وسائل الإعلام", "وكالات الأنباء", "الصحيفتان", "الصحيفتين", "أي صحيفة")
    )
)


def asks_for_sources(question: str, lang: str) -> bool:
    """Whether the question asks which sources reported something, or how several did ("Which newspapers
    reported …?", "How did SANA and Reuters report …?", "كيف نقلت الصحف …؟"): its answer should then come from as
    many sources as the evidence has, one unit each."""
    if lang == "ar":
        return bool(_AR_SOURCES_QUESTION.search(normalize_for_search(question)))
    return bool(_EN_SOURCES_QUESTION.search(question))


def corroborated(
    ranked: Sequence[Unit],
    passing: Sequence[Unit],
    lead: Callable[[Unit], float],
    source_of: Callable[[str], str | None],
    slack: float,
) -> list[Unit]:
    """``passing`` (the units that clear selection's bars) plus each unit of ``ranked`` at most ``slack`` under
    its bar (``lead``: its score over its bar) that a unit of another source, as close to its bar, says again
    (:data:`CORROBORATION_COSINE`), best lead first. Another paper's copy of the story scores a little under the
    bar as often as over it; that a second source prints the same words is the evidence that it belongs, so a
    unit under the bar that no other source repeats stays out."""
    near = [u for u in ranked if lead(u) >= -slack and u.vector is not None]
    kept = list(passing)
    have = {id(u) for u in passing}
    if len(near) > 1:
        vectors = np.stack([u.vector for u in near if u.vector is not None])
        close = vectors @ vectors.T >= CORROBORATION_COSINE
        names = [source_of(u.doc_id) or f"doc:{u.doc_id}" for u in near]
        for i, u in enumerate(near):
            if id(u) not in have and any(close[i, j] and names[j] != names[i] for j in range(len(near))):
                kept.append(u)
                have.add(id(u))
    return sorted(kept, key=lambda u: -lead(u))


def in_the_places_asked(units: Sequence[Unit], question: str) -> list[Unit]:
    """For a question that names countries or capitals ("… in Riyadh", "… في بريطانيا"): the units that name one
    of them too (:func:`assistant.text.parties.countries_in`: names, adjectives, nisba forms, capitals), so that
    the same news from elsewhere (MERS in South Korea for MERS in Riyadh) is not listed as a report of it; all of
    ``units`` when the question names none, or when none of them names one."""
    asked = countries_in(question)
    if not asked:
        return list(units)
    kept = [u for u in units if asked & countries_in(u.text)]
    return kept or list(units)


def one_per_source(
    units: Sequence[Unit], source_of: Callable[[str], str | None], limit: int = SOURCES_MAX_UNITS
) -> list[Unit]:
    """The best unit of each source, in the units' order (best first), at most ``limit``; units of an article
    without a source count as one source each."""
    kept: list[Unit] = []
    seen: set[str] = set()
    for u in units:
        key = source_of(u.doc_id) or f"doc:{u.doc_id}"
        if key in seen:
            continue
        seen.add(key)
        kept.append(u)
        if len(kept) == limit:
            break
    return kept
