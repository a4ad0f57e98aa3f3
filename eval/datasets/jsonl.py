"""JSONL eval datasets (one question a line, see the contract) over a corpus given as a file or folder.

Design:
- The corpus is read with the normal ingest loaders (:func:`ingest.loaders.iter_files` / ``iter_articles``), so
  any format ``assistant ingest`` takes works. Each article gets a deterministic id built from its path relative
  to the corpus (plus ``#N`` for multi-article files): a readable slug and a short hash, e.g.
  ``idlib-talks.ar.txt-1a2b3c4d``; the article's own id, if any, is kept in ``extra["source_id"]``.
- ``evidence[].doc`` may name the article by that id, by its own id, by its relative path (``sub/a.txt`` or
  ``feed.jsonl#3``) or by its file name; a name that fits several articles is an error that says how to be exact.
- Each line is validated strictly (types, offsets within the document text); the first problem raises
  :class:`DatasetError` with the file name and line number. ``answerable`` defaults to "has evidence".
- Optional fields kept on :class:`EvalQuestion`: ``question_lang_answers`` (gold in the question's language when
  ``answers`` are spans of an article in the other language) and the news fields (:mod:`eval.metrics.news`):
  ``reference_date`` (``YYYY-MM-DD``), ``time_range`` (``{"from", "to"}``, ``from <= to``), ``speaker`` (``{"text",
  "aliases"}``), ``sources`` (a list of source names) and ``kind`` (``speaker``, ``time``, ``sources``, ``mixed``).

Limits: offsets are checked against the text as the loader returns it (for .txt, the decoded file unchanged);
an article whose text repeats an earlier one is indexed once and evidence naming it points at the first copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from assistant.text.arabic import detect_language
from eval.datasets.records import DatasetError, EvalDataset, EvalQuestion
from ingest.loaders import iter_articles, iter_files
from ingest.models import ItemError, LoadError, RawArticle

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _doc_id(key: str) -> str:
    slug = _UNSAFE.sub("_", key).strip("_")[:60] or "doc"
    return f"{slug}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"


class Corpus:
    """The corpus articles with their ids, and every name evidence may use for them."""

    def __init__(self, root: Path, dataset_name: str):
        self.root = root
        self.documents: list[RawArticle] = []
        self.aliases: dict[str, list[str]] = {}
        self.canonical: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        if not root.exists():
            raise DatasetError(f"{dataset_name}: corpus {root} does not exist")
        by_text: dict[str, str] = {}
        for file, err in iter_files([root]):
            if err:
                raise DatasetError(f"{dataset_name}: corpus {file}: {err}")
            rel = file.name if root.is_file() else file.relative_to(root).as_posix()
            arts = self._read(file, rel)
            for art in arts:
                suffix = art.locator.rsplit("#", 1)[1] if len(arts) > 1 and "#" in art.locator else ""
                key = f"{rel}#{suffix}" if suffix else rel
                doc_id = _doc_id(key)
                own = art.id
                art.extra = dict(art.extra, source_id=own, corpus_path=key)
                art.id = doc_id
                first = by_text.setdefault(art.text, doc_id)
                self.canonical[doc_id] = first
                if first == doc_id:
                    self.documents.append(art)
                    self.texts[doc_id] = art.text
                names = {doc_id, key, rel, file.name} | ({own} if own else set())
                for name in names:
                    ids = self.aliases.setdefault(name, [])
                    if doc_id not in ids:
                        ids.append(doc_id)
        if not self.documents:
            raise DatasetError(f"{dataset_name}: corpus {root} holds no articles")

    @staticmethod
    def _read(file: Path, rel: str) -> list[RawArticle]:
        arts: list[RawArticle] = []
        try:
            for item in iter_articles(file):
                if isinstance(item, ItemError):
                    raise DatasetError(f"corpus file {rel}: {item.locator}: {item.reason}")
                arts.append(item)
        except LoadError as e:
            raise DatasetError(f"corpus file {rel}: {e.reason}") from e
        return arts

    def resolve(self, name: str) -> str:
        """The id of the one article ``name`` refers to; :class:`ValueError` with the reason otherwise."""
        ids = self.aliases.get(name) or self.aliases.get(name.replace("\\", "/"))
        if not ids:
            known = sorted({k for k in self.aliases if "#" not in k and "/" not in k})[:5]
            raise ValueError(
                f"evidence doc {name!r} is not in the corpus {self.root} (corpus names include: {', '.join(known)})"
            )
        if len(ids) > 1:
            raise ValueError(
                f"evidence doc {name!r} matches {len(ids)} corpus articles; name one by its id or "
                f"its relative path with #N (e.g. {self._key(ids[0])!r})"
            )
        return self.canonical[ids[0]]

    def _key(self, doc_id: str) -> str:
        return next((k for k, v in self.aliases.items() if v == [doc_id] and k != doc_id), doc_id)


def load_jsonl(path: Path, corpus: str | Path | None) -> EvalDataset:
    """A JSONL question file plus its corpus as an :class:`EvalDataset`."""
    name = path.name
    if corpus is None:
        raise DatasetError(f"{name}: a JSONL dataset needs its corpus: pass --corpus PATH (a file or folder)")
    docs = Corpus(Path(corpus), name)
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    try:
        f = path.open("rb")
    except OSError as e:
        raise DatasetError(f"{name}: cannot read file: {e.strerror or e}") from e
    with f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise DatasetError(f"{name}, line {lineno}: not UTF-8 text") from e
            if not line.strip():
                continue
            try:
                q = _question(line, lineno, docs)
            except ValueError as e:
                raise DatasetError(f"{name}, line {lineno}: {e}") from e
            if q.id in seen:
                raise DatasetError(f"{name}, line {lineno}: duplicate question id {q.id!r}")
            seen.add(q.id)
            questions.append(q)
    if not questions:
        raise DatasetError(f"{name}: no questions found")
    return EvalDataset(name=name, documents=docs.documents, questions=questions, path=str(path))


def _question(line: str, lineno: int, docs: Corpus) -> EvalQuestion:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON: {e.msg} (column {e.colno})") from e
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    text = obj.get("question")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty 'question'")
    qid = obj.get("id", f"line-{lineno}")
    if not isinstance(qid, (str, int)) or isinstance(qid, bool) or str(qid) == "":
        raise ValueError("'id' must be a non-empty string or an integer")
    lang = obj.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise ValueError("'lang' must be a string such as 'ar' or 'en'")
    answers = obj.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ValueError("'answers' must be a list of strings")
    raw_ev = obj.get("evidence", [])
    if not isinstance(raw_ev, list):
        raise ValueError("'evidence' must be a list of {doc, start, end} objects")
    evidence: list[tuple[str, int, int]] = []
    gold: list[str] = []
    for i, ev in enumerate(raw_ev):
        doc_id, span = _evidence(ev, i, docs)
        if doc_id not in gold:
            gold.append(doc_id)
        if span is not None:
            evidence.append((doc_id, *span))
    answerable = obj.get("answerable", bool(gold))
    if not isinstance(answerable, bool):
        raise ValueError("'answerable' must be true or false")
    if not answerable and gold:
        raise ValueError("'answerable' is false but evidence is given")
    ql_answers = obj.get("question_lang_answers", answers)
    if not isinstance(ql_answers, list) or not all(isinstance(a, str) for a in ql_answers):
        raise ValueError("'question_lang_answers' must be a list of strings")
    return EvalQuestion(
        id=str(qid),
        question=text,
        lang=(lang or "").lower() or detect_language(text),
        answerable=answerable,
        answers=list(answers),
        gold_docs=gold,
        evidence=evidence,
        question_lang_answers=list(ql_answers),
        **news_fields(obj),
    )


KINDS = ("speaker", "time", "sources", "mixed")


def _day(value: object, field: str) -> dt.date:
    if not isinstance(value, str):
        raise ValueError(f"{field!r} must be a date string YYYY-MM-DD, got {value!r}")
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field!r} must be a date YYYY-MM-DD, got {value!r}") from None


def news_fields(obj: dict) -> dict:
    """The optional news fields of a question line, validated (see the module docstring); ValueError names the
    field."""
    out: dict = {}
    if obj.get("reference_date") is not None:
        out["reference_date"] = _day(obj["reference_date"], "reference_date")
    tr = obj.get("time_range")
    if tr is not None:
        if not isinstance(tr, dict) or "from" not in tr or "to" not in tr:
            raise ValueError('\'time_range\' must be an object {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}')
        first, last = _day(tr["from"], "time_range.from"), _day(tr["to"], "time_range.to")
        if first > last:
            raise ValueError(f"'time_range' starts after it ends ({first} > {last})")
        out["time_range"] = {"from": first.isoformat(), "to": last.isoformat()}
    sp = obj.get("speaker")
    if sp is not None:
        if not isinstance(sp, dict) or not isinstance(sp.get("text"), str) or not sp["text"].strip():
            raise ValueError("'speaker' must be an object with a non-empty 'text' (and optional 'aliases')")
        aliases = sp.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ValueError("'speaker.aliases' must be a list of non-empty strings")
        out["speaker"] = {"text": sp["text"], "aliases": list(aliases)}
    sources = obj.get("sources")
    if sources is not None:
        if not isinstance(sources, list) or not sources or not all(isinstance(x, str) and x for x in sources):
            raise ValueError("'sources' must be a non-empty list of source names")
        out["sources"] = list(sources)
    kind = obj.get("kind")
    if kind is not None:
        if kind not in KINDS:
            raise ValueError(f"'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
        out["kind"] = kind
    return out


def _evidence(ev: object, i: int, docs: Corpus) -> tuple[str, tuple[int, int] | None]:
    if not isinstance(ev, dict) or not isinstance(ev.get("doc"), str) or not ev["doc"]:
        raise ValueError(f"evidence[{i}] must be an object with a 'doc' string")
    doc_id = docs.resolve(ev["doc"])
    start, end = ev.get("start"), ev.get("end")
    if start is None and end is None:
        return doc_id, None
    if not (
        isinstance(start, int) and not isinstance(start, bool) and isinstance(end, int) and not isinstance(end, bool)
    ):
        raise ValueError(f"evidence[{i}] needs integer 'start' and 'end' (or neither)")
    n = len(docs.texts[doc_id])
    if not 0 <= start <= end <= n:
        raise ValueError(f"evidence[{i}] span {start}-{end} is outside {ev['doc']!r} ({n} characters)")
    return doc_id, (start, end)
