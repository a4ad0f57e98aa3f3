"""RSS and Atom feeds (.xml, .rss, .atom): one article per entry.

Design: parsed by feedparser (imported on first use); an entry's content (else its summary) is the text, turned
into plain text by :func:`ingest.loaders.html_pages.html_to_text` when it holds markup; the feed's title is the
source when the user gives none; locators are ``path#N`` (0-based entry).

Limits: the whole file is read into memory; an entry's text is what the feed carries (often a summary, not the
full article).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from ingest.loaders.fields import FileContext
from ingest.loaders.html_pages import html_to_text
from ingest.models import ItemError, LoadError, RawArticle

_MARKUP = re.compile(r"<[A-Za-z!/][^<>]*>|&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
"""Does a feed entry hold markup? ``[^<>]``, not ``[^>]``: a run of ``<a`` without ``>`` must not rescan the
rest of the text from every ``<`` (quadratic)."""


def _feed_time(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        st = entry.get(key)
        if st:
            return time.strftime("%Y-%m-%dT%H:%M:%S", st)
    return entry.get("published") or entry.get("updated")


def load_feed(ctx: FileContext) -> Iterator[RawArticle | ItemError]:
    import feedparser

    data = ctx.read_bytes()
    if not data.strip():
        raise LoadError(ctx.path, "empty file")
    parsed = feedparser.parse(data)
    if not parsed.entries:
        if parsed.bozo:
            raise LoadError(ctx.path, f"not an RSS/Atom feed: {parsed.get('bozo_exception')}")
        if not parsed.get("version"):
            raise LoadError(ctx.path, "not an RSS/Atom feed: no RSS channel or Atom feed element")
        raise LoadError(ctx.path, "no articles found (the feed has no entries)")
    feed = parsed.get("feed", {})
    for i, entry in enumerate(parsed.entries):
        detail = (entry.get("content") or [None])[0] or entry.get("summary_detail") or {}
        value = detail.get("value") or entry.get("summary") or ""
        if detail.get("type") != "text/plain" and _MARKUP.search(value):
            value = html_to_text(value)
        yield ctx.article(
            value,
            f"{ctx.path}#{i}",
            title=entry.get("title"),
            source=feed.get("title"),
            url=entry.get("link"),
            published=_feed_time(entry),
            id=entry.get("id"),
            lang=detail.get("language") or entry.get("language") or feed.get("language"),
        )
