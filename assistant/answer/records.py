"""The records an answer is made of and handed out as: the numbered :class:`Evidence` offered to the model, the
:class:`Citation` of a verbatim span, the :class:`Answer` itself and the :class:`StreamEvent` s that carry it.

Design: plain dataclasses, no behaviour beyond ``Answer.to_dict``; every answering module and every consumer
(CLI, API, UI, eval) imports them from here (or through :mod:`assistant.answer.answerer`, which re-exports them).
Limits: the dictionaries inside an :class:`Answer` (``sentences``, ``removed``, ``evidence``, ...) are described
by their docstrings, not typed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from assistant.answer.selection import Unit


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
    published: str | None = None
    """The article's publication date as ``YYYY-MM-DD``, None when it is undated."""


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
    time_range: dict | None = None
    """The dates a time expression in the question became, applied as the date filter
    (:meth:`assistant.text.when.TimeRange.to_dict`: ``{"from", "to", "reference", "expression"}``); None when the
    question holds none, the caller gave its own date filter, or no article in the store is dated."""
    undated_excluded: int = 0
    """Undated articles the date filter (the question's or the caller's) left out of the search."""
    config: dict = field(default_factory=dict)
    source_groups: list[dict] = field(default_factory=list)
    """When the shown sentences cite two or more sources: ``{"source", "published", "citations"}`` per source, in
    the order the answer text gives them (:mod:`assistant.answer.sources`)."""
    conflicts: list[dict] = field(default_factory=list)
    """Where the sources give different values for what the question asks: ``{"kind", "values": [{"source",
    "value", "citations"}]}``; the answer text says so and cites each."""

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


UNVERIFIED_REPLY = "no sentence of the model's answer was supported by its evidence; the best evidence is quoted"
"""``Answer.fallback`` when verification removed the whole answer and the evidence was close enough to quote."""


def as_evidence(unit: Unit, number: int) -> Evidence:
    """A selected unit as evidence number ``number`` (no context sentence)."""
    return Evidence(number, unit.doc_id, unit.chunk_id, unit.start, unit.end, unit.text, unit.score, unit.lang)


def ms_since(t: float) -> float:
    """Milliseconds since ``t`` (a :func:`time.perf_counter` reading), as ``Answer.timings_ms`` holds them."""
    return (time.perf_counter() - t) * 1000.0
