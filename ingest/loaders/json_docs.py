"""JSON, SQuAD JSON and JSON Lines files (.json, .jsonl): one article per object.

Design: a .json file holds one article object, a list of them, an object with a list under ``articles``,
``items``, ``documents`` or ``data``, or SQuAD-format data (a ``data`` list of articles with ``paragraphs``: each
paragraph's ``context`` is one article, with the SQuAD title and question ids in ``extra``). A .jsonl file holds
one object per line; a bad line is an :class:`ItemError` and the file goes on. Locators: ``path#N`` for the N-th
(0-based) object of a list, ``path#A.P`` for SQuAD article A / paragraph P, ``path#L`` for line L (1-based) of a
JSONL file.

Limits: a .json file is read whole into memory (JSONL streams line by line); nesting deeper than Python's
recursion limit is refused as invalid JSON.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import cast

from ingest.decode import decode_bytes
from ingest.loaders.fields import FileContext
from ingest.models import ItemError, LoadError, RawArticle


def load_json(ctx: FileContext) -> Iterator[RawArticle | ItemError]:
    text = decode_bytes(ctx.read_bytes(), str(ctx.path))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(ctx.path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise LoadError(ctx.path, "invalid JSON: nested too deeply") from exc
    if isinstance(doc, dict) and _is_squad(doc):
        yield from _squad(ctx, doc["data"])
        return
    items = doc if isinstance(doc, list) else None
    if isinstance(doc, dict):
        items = next((doc[k] for k in ("articles", "items", "documents", "data") if isinstance(doc.get(k), list)), None)
        if items is None:
            yield ctx.from_fields(doc, str(ctx.path))
            return
    if items is None:
        raise LoadError(
            ctx.path, "unsupported JSON structure: expected an article object, a list of them, or SQuAD-format data"
        )
    for i, obj in enumerate(items):
        yield ctx.from_fields(obj, f"{ctx.path}#{i}")


def _is_squad(doc: dict) -> bool:
    data = doc.get("data")
    return isinstance(data, list) and any(isinstance(a, dict) and "paragraphs" in a for a in data)


def _squad(ctx: FileContext, data: list) -> Iterator[RawArticle | ItemError]:
    for ai, art in enumerate(data):
        if not isinstance(art, dict) or not isinstance(art.get("paragraphs"), list):
            yield ItemError(f"{ctx.path}#{ai}", "SQuAD article without a 'paragraphs' list")
            continue
        raw_title = art.get("title") if isinstance(art.get("title"), str) else None
        title = raw_title.replace("_", " ") if raw_title else None
        for pi, para in enumerate(art["paragraphs"]):
            locator = f"{ctx.path}#{ai}.{pi}"
            if not isinstance(para, dict) or not isinstance(para.get("context"), str):
                yield ItemError(locator, "SQuAD paragraph without a 'context' string")
                continue
            qas = para["qas"] if isinstance(para.get("qas"), list) else []
            qids = [str(qa["id"]) for qa in qas if isinstance(qa, dict) and qa.get("id") is not None]
            yield ctx.article(
                para["context"], locator, title=title, extra={"squad_title": raw_title, "question_ids": qids}
            )


def load_jsonl(ctx: FileContext) -> Iterator[RawArticle | ItemError]:
    codec, f = ctx.open_detected()
    with f:
        lines: Iterable[str | bytes]
        if codec.startswith("utf-16"):  # newline bytes are two wide: let a text wrapper split the lines
            lines = io.TextIOWrapper(f, encoding=codec, newline="\n")
        else:
            lines = f
        lineno = 0
        try:
            for lineno, raw in enumerate(cast("Iterable[str | bytes]", lines), 1):
                locator = f"{ctx.path}#{lineno}"
                if isinstance(raw, bytes):
                    try:
                        raw = raw.decode("utf-8" if codec == "utf-8-sig" else codec)
                    except UnicodeDecodeError:
                        yield ItemError(locator, f"line is not valid {codec} text")
                        continue
                line = raw.lstrip("\ufeff") if lineno == 1 else raw
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield ItemError(locator, f"invalid JSON: {exc.msg} (column {exc.colno})")
                    continue
                except RecursionError:
                    yield ItemError(locator, "invalid JSON: nested too deeply")
                    continue
                yield ctx.from_fields(obj, locator)
        except UnicodeDecodeError as exc:
            raise LoadError(ctx.path, f"invalid {codec} text after line {lineno}") from exc
