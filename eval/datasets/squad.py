"""SQuAD v1.1 JSON as an eval dataset.

- One document per paragraph, id ``p{article}-{paragraph}``, text = the context unchanged; a paragraph with no
  questions is a distractor. A paragraph whose context repeats an earlier one is not indexed twice (the ingest
  pipeline would drop it as a duplicate); its questions point at the first copy.
- ``unanswerable_fraction`` leaves that share of question-bearing paragraphs out of the corpus; their questions
  become unanswerable (no answers, no gold, ``held_out_doc`` names the removed paragraph). The choice is
  deterministic: paragraphs are ordered by a SHA-256 of their question ids and the first ``round(f * n)`` go.

Limits: read whole into memory; a problem raises :class:`DatasetError` naming the file and the paragraph.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from assistant.text.arabic import detect_language
from eval.datasets.records import DatasetError, EvalDataset, EvalQuestion
from ingest.models import RawArticle


def _read_json(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path.name}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise DatasetError(f"{path.name}: cannot read file: {e.strerror or e}") from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DatasetError(f"{path.name}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from e


def _held_out(paragraph_qids: dict[str, list[str]], fraction: float) -> set[str]:
    """Ids of the ``round(fraction * n)`` paragraphs with the smallest SHA-256 of their joined question ids."""
    eligible = [doc for doc, qids in paragraph_qids.items() if qids]
    n = round(fraction * len(eligible))
    key = {doc: hashlib.sha256("\n".join(paragraph_qids[doc]).encode("utf-8")).hexdigest() for doc in eligible}
    return set(sorted(eligible, key=lambda d: (key[d], d))[:n])


def load_squad(path: str | Path, *, unanswerable_fraction: float = 0.0) -> EvalDataset:
    """A SQuAD v1.1 file as an :class:`EvalDataset` (see the module docstring)."""
    path = Path(path)
    doc = _read_json(path)
    name = path.name
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise DatasetError(f"{name}: not SQuAD v1.1 JSON (expected an object with a 'data' list of articles)")
    documents: list[RawArticle] = []
    by_text: dict[str, str] = {}
    questions: list[EvalQuestion] = []
    paragraph_qids: dict[str, list[str]] = {}
    seen_ids: set[str] = set()
    for ai, art in enumerate(data):
        if not isinstance(art, dict) or not isinstance(art.get("paragraphs"), list):
            raise DatasetError(f"{name}: article {ai} has no 'paragraphs' list")
        raw_title = art.get("title") if isinstance(art.get("title"), str) else None
        for pi, para in enumerate(art["paragraphs"]):
            where = f"{name}: article {ai}, paragraph {pi}"
            context = para.get("context") if isinstance(para, dict) else None
            if not isinstance(context, str) or not context.strip():
                raise DatasetError(f"{where}: missing or empty 'context'")
            qas = para.get("qas", [])
            if not isinstance(qas, list):
                raise DatasetError(f"{where}: 'qas' is not a list")
            doc_id = by_text.get(context)
            if doc_id is None:
                doc_id = by_text[context] = f"p{ai}-{pi}"
                documents.append(
                    RawArticle(
                        text=context,
                        locator=f"{path}#{ai}.{pi}",
                        id=doc_id,
                        source=path.stem,
                        title=raw_title.replace("_", " ") if raw_title else None,
                        extra={"squad_title": raw_title, "question_ids": []},
                    )
                )
                paragraph_qids[doc_id] = []
            for qi, qa in enumerate(qas):
                q = _squad_question(qa, f"{where}, question {qi}", doc_id, context)
                if q.id in seen_ids:
                    raise DatasetError(f"{where}, question {qi}: duplicate question id {q.id!r}")
                seen_ids.add(q.id)
                paragraph_qids[doc_id].append(q.id)
                questions.append(q)
    for d in documents:
        assert d.id is not None  # each document was made above with its paragraph's id
        d.extra["question_ids"] = list(paragraph_qids[d.id])
    held = _held_out(paragraph_qids, unanswerable_fraction) if unanswerable_fraction else set()
    if held:
        documents = [d for d in documents if d.id not in held]
        for q in questions:
            if q.gold_docs and q.gold_docs[0] in held:
                q.held_out_doc = q.gold_docs[0]
                q.answerable, q.answers, q.gold_docs, q.evidence = False, [], [], []
                q.question_lang_answers = []
    if not documents:
        raise DatasetError(f"{name}: no paragraphs to index")
    return EvalDataset(name=name, documents=documents, questions=questions, path=str(path))


def _squad_question(qa: object, where: str, doc_id: str, context: str) -> EvalQuestion:
    if not isinstance(qa, dict):
        raise DatasetError(f"{where}: not a JSON object")
    text = qa.get("question")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{where}: missing or empty 'question'")
    if qa.get("id") is None:
        raise DatasetError(f"{where}: missing 'id'")
    answers: list[str] = []
    evidence: list[tuple[str, int, int]] = []
    raw_answers = qa.get("answers", [])
    if not isinstance(raw_answers, list):
        raise DatasetError(f"{where}: 'answers' is not a list")
    for a in raw_answers:
        if not isinstance(a, dict) or not isinstance(a.get("text"), str):
            raise DatasetError(f"{where}: an answer without a 'text' string")
        start = a.get("answer_start")
        if not isinstance(start, int) or isinstance(start, bool) or not 0 <= start <= len(context):
            raise DatasetError(f"{where}: answer_start {start!r} is not an offset into the context")
        answers.append(a["text"])
        evidence.append((doc_id, start, min(start + len(a["text"]), len(context))))
    lang = qa["lang"] if qa.get("lang") in ("ar", "en") else detect_language(text)
    raw_ql = qa.get("question_lang_answers")
    if raw_ql is None:
        ql_answers = list(answers)
    else:
        if not isinstance(raw_ql, list) or not all(
            isinstance(a, dict) and isinstance(a.get("text"), str) for a in raw_ql
        ):
            raise DatasetError(f"{where}: 'question_lang_answers' must be a list of {{\"text\": str}} objects")
        ql_answers = [a["text"] for a in raw_ql]
    return EvalQuestion(
        id=str(qa["id"]),
        question=text,
        lang=lang,
        answerable=True,
        answers=answers,
        gold_docs=[doc_id],
        evidence=evidence,
        question_lang_answers=ql_answers,
    )
