"""Eval dataset records: a corpus of documents plus gold questions (:class:`EvalDataset`, :class:`EvalQuestion`),
and the one error every loader raises (:class:`DatasetError`, naming the file and the line or paragraph).

``documents`` are :class:`ingest.models.RawArticle` records ready for :class:`ingest.pipeline.Ingestor` (each with
an explicit, safe, deterministic ``id``); questions refer to them by that id in ``gold_docs`` and ``evidence``
(``(doc_id, start, end)`` in code points of the document text).

A news question (:mod:`eval.metrics.news`) also carries its gold for who said it, when and which sources:
``reference_date`` (the "today" its time words are read against, passed to the answerer), ``time_range``
(``{"from", "to"}``, inclusive ``YYYY-MM-DD``), ``speaker`` (``{"text", "aliases"}``), ``sources`` (source names that
report the event) and ``kind`` (``speaker``, ``time``, ``sources`` or ``mixed``); all optional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assistant.errors import AssistantError
from ingest.models import RawArticle


class DatasetError(AssistantError, ValueError):
    """An eval dataset or its corpus cannot be used; the message names the file and what is wrong."""


@dataclass
class EvalQuestion:
    id: str
    question: str
    lang: str
    answerable: bool
    answers: list[str] = field(default_factory=list)
    gold_docs: list[str] = field(default_factory=list)
    evidence: list[tuple[str, int, int]] = field(default_factory=list)
    held_out_doc: str | None = None
    """For a question made unanswerable by ``unanswerable_fraction``: the id its paragraph had."""
    question_lang_answers: list[str] = field(default_factory=list)
    """Gold answers in the question's language: SQuAD ``question_lang_answers`` (cross-lingual XQuAD, from the
    parallel file), else the same as ``answers`` (already in the question's language)."""
    reference_date: dt.date | None = None
    """The question's "today": relative time words ("yesterday") are read against it."""
    time_range: dict | None = None
    """Gold date range of the question's time expression: ``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``."""
    speaker: dict | None = None
    """Gold speaker: ``{"text": the span as the article writes it, "aliases": [other forms that count]}``."""
    sources: list[str] = field(default_factory=list)
    """Gold sources: the source names of the articles that report the event (multi-source questions)."""
    kind: str | None = None
    """``speaker``, ``time``, ``sources`` or ``mixed`` (descriptive; the metrics follow the gold fields present)."""


@dataclass
class EvalDataset:
    name: str
    documents: list[RawArticle]
    questions: list[EvalQuestion]
    path: str = ""

    def answerable(self) -> list[EvalQuestion]:
        """Questions that retrieval can be scored on: answerable and with at least one gold document."""
        return [q for q in self.questions if q.answerable and q.gold_docs]
