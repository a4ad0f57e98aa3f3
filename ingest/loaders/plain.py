"""Plain text and Markdown files (.txt, .md): one article per file, stored verbatim.

Design: the bytes are decoded by :mod:`ingest.decode` (line endings kept) and the text is stored as it is. The
title of a .txt file is its first non-blank line; of a .md file, the front-matter ``title:``, else the first ATX
heading, else the first line after any front matter.

Limits: the whole file is read into memory (a file surely over the article limit is refused before it is read);
Markdown is not rendered (the stored text keeps its markup) and setext headings (underlined) are not titles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.decode import decode_bytes
from ingest.loaders.fields import TITLE_MAX, FileContext, first_line
from ingest.models import ItemError, RawArticle


def load_txt(ctx: FileContext) -> Iterator[RawArticle | ItemError]:
    text = ctx.check_length(decode_bytes(ctx.read_bytes(one_article=True), str(ctx.path)))
    yield ctx.article(text, str(ctx.path), title=first_line(text))


_FRONT = re.compile(r"---[ \t]*\r?\n")
_FRONT_END = re.compile(r"\r?\n---[ \t]*(?=\r?\n|\Z)")
_HEADING = re.compile(r" {0,3}#[ \t]")


def _front_matter(text: str) -> tuple[str, int] | None:
    """``(front matter, end offset)`` of a leading ``---`` block, else None."""
    start = _FRONT.match(text)
    if not start:
        return None
    end = _FRONT_END.search(text, start.end())
    if not end:
        return None
    inner = text[start.end() : end.start()]
    stop = end.end()
    stop += 2 if text.startswith("\r\n", stop) else 1 if text.startswith("\n", stop) else 0
    return inner, stop


def _markdown_title(text: str) -> str | None:
    """Front-matter ``title:``, else the first ATX heading (``# Title #``), else the first line. Line by line
    with plain string operations: the former one-regex form backtracked quadratically on a heading followed by a
    long run of spaces (``# a``, a long run of spaces, ``b``; see docs/benchmarks.md, 'Loaders on adversarial
    text')."""
    front = _front_matter(text)
    if front:
        for line in front[0].splitlines():
            if line.startswith("title:"):
                value = line[6:].strip(" \t")
                if value:
                    return value.strip("'\"")[:TITLE_MAX] or None
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            title = line[m.end() :].strip(" \t")
            closed = title.rstrip("#")
            if closed != title and (not closed or closed[-1] in " \t"):
                title = closed.rstrip(" \t")  # an optional closing sequence of #s
            if title:
                return title.strip()[:TITLE_MAX]
    body = text[front[1] :] if front else text
    return first_line(body)


def load_md(ctx: FileContext) -> Iterator[RawArticle | ItemError]:
    text = ctx.check_length(decode_bytes(ctx.read_bytes(one_article=True), str(ctx.path)))
    yield ctx.article(text, str(ctx.path), title=_markdown_title(text))
