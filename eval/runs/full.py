"""Full-mode evaluation: index a dataset, ask every question through the real :class:`Answerer`, score it all.

Design:
- :func:`run_full_eval` indexes ``dataset.documents`` into a fresh Library in a temporary folder (as retrieval mode
  does), builds an :class:`Answerer` over it with the given embedder, LLM and options, and walks the questions in
  file order (answerable and unanswerable; the first ``limit``). For each question it also runs the answerer's
  own retriever for 30 chunks to rank distinct documents (the retrieval block), then calls ``Answerer.ask`` and
  scores the answer (:mod:`eval.metrics.scoring`). The LLM is wrapped in :class:`RecordingLLM`, which keeps the raw reply
  (before any sentence is removed) and the prompt, for token estimates and the report; the record keeps the raw
  reply and the numbered evidence the prompt offered (``offered_evidence``), so removed sentences can be traced.
- Every record is appended to ``DIR/progress.jsonl`` (:mod:`eval.runs.progress`) as soon as it is scored; with
  ``resume`` the records already there are reused and their questions skipped (when none is left, the corpus is
  not indexed again and the indexing figures come from the progress file).
- Ctrl-C (``KeyboardInterrupt``) stops the loop cleanly: the report is built from the finished questions and
  marked ``"partial": true`` (and ``"interrupted": true``); the caller writes it as usual.
- Tokens are estimated: the LLM's own ``count_tokens`` when it has one, else the embedder's tokenizer (a
  different vocabulary from the generator's), else characters / 4; the method is named in the report.

- A question's ``reference_date`` (its "today", for time words such as "yesterday") is passed to
  ``Answerer.ask(reference_date=...)`` when the answerer takes one (:func:`ask_kwargs`); an answerer without it
  answers against the current date.

Limits: questions run one at a time, so latency is per question, not throughput; a question whose answering
raises an :class:`AssistantError` is recorded with ``error`` and scored as an abstention.
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from assistant.answer.answerer import Answer, Answerer, AnswerOptions
from assistant.errors import AssistantError
from assistant.store.library import Library
from assistant.text.arabic import detect_language
from assistant.text.chunking import DEFAULT_MAX_CHARS
from eval.datasets.records import DatasetError, EvalDataset, EvalQuestion
from eval.metrics.ranking import distinct
from eval.metrics.scoring import score_question
from eval.reports.blocks import build_full_report
from eval.runs.progress import ProgressLog
from eval.runs.retrieval import Progress, index_dataset
from prompts import EVIDENCE_LINE


class RecordingLLM:
    """Forwards to ``inner``; ``calls`` holds ``(messages, reply)`` for every completion since :meth:`reset`."""

    def __init__(self, inner):
        self.inner = inner
        self.name = getattr(inner, "name", "?")
        self.calls: list[tuple[list, str]] = []

    def reset(self) -> None:
        self.calls = []

    def __getattr__(self, name):
        """Everything else the backend offers (``warm``, ``yes_probability``, ...) is the inner backend's."""
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def complete(self, messages, **kw) -> str:
        reply = self.inner.complete(messages, **kw)
        self.calls.append((list(messages), reply))
        return reply

    def stream(self, messages, **kw):
        pieces: list[str] = []
        try:
            for piece in self.inner.stream(messages, **kw):
                pieces.append(piece)
                yield piece
        finally:
            self.calls.append((list(messages), "".join(pieces)))


def token_counter(llm, embedder) -> tuple[str, object]:
    """``(method, count(text) -> int)``: how prompt and reply tokens are estimated (see the module docstring)."""
    if llm is not None and callable(getattr(llm, "count_tokens", None)):
        return f"llm:{getattr(llm, 'name', '?')}", llm.count_tokens
    if callable(getattr(embedder, "count_tokens", None)):
        return f"estimate: embedder tokenizer ({getattr(embedder, 'name', '?')})", embedder.count_tokens
    return "estimate: characters / 4", lambda t: max(1, len(t) // 4)


def offered_evidence(messages) -> dict[str, str]:
    """``{"n": text}``: the numbered evidence sentences the answer prompt offered the model (its last message)."""
    return {n: t for n, t in EVIDENCE_LINE.findall(messages[-1].content)} if messages else {}


def select_questions(dataset: EvalDataset, limit: int | None) -> list[EvalQuestion]:
    """The first ``limit`` questions in file order, answerable or not."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    qs = dataset.questions[:limit] if limit is not None else list(dataset.questions)
    if not qs:
        raise DatasetError(f"{dataset.name}: no questions to ask")
    return qs


def _error_answer(q: EvalQuestion, message: str) -> Answer:
    return Answer(q.question, q.lang, "", True, [], [], {}, removed=[{"sentence": "", "reason": message}])


def ask_kwargs(answerer: Answerer, q: EvalQuestion) -> dict:
    """``{"reference_date": q.reference_date}`` when the question has one and ``answerer.ask`` takes it, else {}."""
    ref = getattr(q, "reference_date", None)
    if ref is None:
        return {}
    try:
        params = inspect.signature(answerer.ask).parameters
    except (TypeError, ValueError):
        return {}
    return {"reference_date": ref} if "reference_date" in params else {}


def evaluate_full(
    dataset: EvalDataset,
    answerer: Answerer,
    library: Library,
    *,
    judge,
    recorder: RecordingLLM | None,
    questions: Sequence[EvalQuestion],
    count,
    log: ProgressLog | None = None,
    progress: Progress | None = None,
) -> tuple[list[dict], bool]:
    """Ask and score ``questions`` (skipping those in ``log.done``); ``(records in question order, interrupted)``."""
    doc_lang = {d.id: d.lang or detect_language(d.text) for d in dataset.documents}
    done = dict(log.done) if log else {}
    records: list[dict] = []
    interrupted = False
    try:
        for q in questions:
            if q.id in done:
                records.append(done[q.id])
                if progress:
                    progress("question", 1)
                continue
            ranked = None
            if q.gold_docs:
                hits = answerer.retriever.retrieve(q.question, top_k=30)
                ranked = distinct(h.chunk.doc_id for h in hits)[:10]
            if recorder is not None:
                recorder.reset()
            error = None
            try:
                answer = answerer.ask(q.question, **ask_kwargs(answerer, q))
            except AssistantError as e:
                error = str(e)
                answer = _error_answer(q, f"error: {e}")
            calls = recorder.calls if recorder is not None else []
            tokens = (
                {
                    "in": sum(count(m.content) for msgs, _ in calls for m in msgs),
                    "out": sum(count(r) for _, r in calls if r),
                }
                if calls
                else {"in": 0, "out": 0}
            )
            texts = library.articles.texts(c.doc_id for c in answer.citations)
            gold_lang = doc_lang.get(q.gold_docs[0]) if q.gold_docs else None
            record = score_question(
                q,
                answer,
                ranked,
                texts=texts,
                gold_lang=gold_lang,
                judge=judge,
                tokens=tokens,
                raw_reply=calls[-1][1] if calls else None,
            )
            record["offered_evidence"] = offered_evidence(calls[-1][0]) if calls else {}
            if error:
                record["error"] = error
            records.append(record)
            if log:
                log.append(record)
            if progress:
                progress("question", 1)
    except KeyboardInterrupt:
        interrupted = True
    return records, interrupted


def run_full_eval(
    dataset: EvalDataset,
    *,
    embedder,
    llm,
    judge,
    options: AnswerOptions | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    out_dir: str | Path | None = None,
    resume: bool = False,
    store_dir: str | Path | None = None,
    chunk_chars: int = DEFAULT_MAX_CHARS,
    calibrate=None,
    meta: dict | None = None,
) -> dict:
    """Index, ask, score; the full report dict (``partial`` when interrupted). ``calibrate(judge)`` returns the
    judge's agreement block, or is None to skip it; ``out_dir`` receives progress.jsonl."""
    options = options or AnswerOptions()
    questions = select_questions(dataset, limit)
    recorder = RecordingLLM(llm) if llm is not None else None
    method, count = token_counter(llm, embedder)
    with ExitStack() as stack:
        if store_dir is None:
            store_dir = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="assistant-eval-", ignore_cleanup_errors=True)
            )
        library = Library(Path(store_dir), collection="eval")
        answerer = Answerer(library=library, embedder=embedder, llm=recorder, options=options)
        config = answerer.config() | {"judge": judge.name}
        if getattr(judge, "note", None):
            config["judge_note"] = judge.note
        log = None
        if out_dir is not None:
            log = ProgressLog(
                out_dir,
                {"dataset": dataset.name, "n_questions": len(questions), "config": config, **(meta or {})},
                resume=resume,
            )
            stack.callback(log.close)
        interrupted = False
        stats = log.extras.get("ingest") if log else None
        if log is None or any(q.id not in log.done for q in questions):  # nothing left to ask: no need to index
            try:
                stats = index_dataset(dataset, library, embedder, progress, chunk_chars=chunk_chars)
                if log:
                    log.write_extra("ingest", stats)
            except KeyboardInterrupt:
                interrupted = True
        records: list[dict] = []
        if not interrupted:
            records, interrupted = evaluate_full(
                dataset,
                answerer,
                library,
                judge=judge,
                recorder=recorder,
                questions=questions,
                count=count,
                log=log,
                progress=progress,
            )
        calibration = None
        if calibrate is not None and not interrupted:
            try:
                calibration = calibrate(judge)
            except KeyboardInterrupt:
                interrupted = True
        report = build_full_report(
            dataset.name,
            records,
            config=config,
            ingest=stats,
            calibration=calibration,
            token_method=method,
            partial=interrupted or len(records) < len(questions),
            n_planned=len(questions),
        )
        if interrupted:
            report["interrupted"] = True
        return report
