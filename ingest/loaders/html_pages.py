"""HTML pages (.html, .htm): the page's main text as one article, and HTML-to-text for feed entries.

Design: metadata (title, canonical URL, publication time, language) is read before boilerplate removal (the
publication time from the ``article:published_time`` / ``datePublished`` meta tags or a ``<time datetime>``, else
from ``htmldate``'s cheap pass: other meta names, JSON-LD, dated links, ISO-like timestamps in the markup; not its
extensive search of the text); then scripts, navigation, headers, footers, forms and the like are dropped and the
main content is turned into plain text with one block element (paragraph, heading, list item, ...) per line and
whitespace collapsed inside a line. selectolax (lexbor) and htmldate are imported on first use.

Limits: main-content detection is a simple rule (largest <article>, else <main>, else <body>), not a learned
boilerplate remover; an HTML ``<meta charset>`` is not consulted (see :mod:`ingest.decode` for the encodings
tried); the whole file is read into memory; htmldate may take an ISO-like date written in the page for its
publication date (and, by its default, no date after today or before 1995).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.decode import decode_bytes
from ingest.loaders.fields import FileContext, normalize_lang
from ingest.models import ItemError, LoadError, RawArticle

_WS = re.compile(r"\s+")

_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "template"]
_BLOCK_TAGS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "pre",
        "td",
        "th",
        "div",
        "section",
        "article",
        "main",
        "body",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "figure",
        "figcaption",
        "address",
        "hr",
        "br",
        "caption",
        "details",
        "summary",
    }
)


def _parse_html(markup: str):
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser(markup)


def _collapse(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _block_text(root) -> str:
    """Text of ``root`` with one line per block element; whitespace inside a line collapsed."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = _collapse("".join(buf))
        if line:
            lines.append(line)
        buf.clear()

    stack = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            flush()
            continue
        tag = node.tag
        if tag == "-text":
            buf.append(node.text(deep=False) or "")
            continue
        if not tag or tag.startswith("-") or tag in _DROP_TAGS:
            continue
        if tag == "pre":
            flush()
            lines.extend(line for line in map(_collapse, (node.text() or "").splitlines()) if line)
            continue
        if tag in _BLOCK_TAGS:
            flush()
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
    flush()
    return "\n".join(lines)


def _main_node(tree):
    articles = tree.css("article")
    if articles:
        return max(articles, key=lambda n: len(n.text() or ""))
    return tree.css_first("main") or tree.body or tree.root


def html_to_text(markup: str) -> str:
    """Plain main text of an HTML page or fragment: boilerplate and scripts dropped, one paragraph per line."""
    tree = _parse_html(markup)
    tree.strip_tags(_DROP_TAGS)
    root = _main_node(tree)
    return _block_text(root) if root is not None else ""


def _meta(tree, *selectors: str) -> str | None:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            attr = "datetime" if node.tag == "time" else "href" if node.tag == "link" else "content"
            value = _collapse(node.attributes.get(attr))
            if value:
                return value
    return None


def _htmldate(markup: str) -> str | None:
    """The page's original publication date by ``htmldate`` (its cheap pass: markup, meta tags, JSON-LD, no
    extensive text search), ``YYYY-MM-DD`` or None. Given bytes, never a string: htmldate downloads a string that
    looks like a URL."""
    from htmldate import find_date

    try:
        return find_date(markup.encode("utf-8"), extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except (ValueError, TypeError):  # markup lxml cannot read: no date rather than no article
        return None


def html_article(markup: str) -> dict:
    """``{"text", "title", "url", "published", "lang"}`` of an HTML page (metadata read before boilerplate removal)."""
    tree = _parse_html(markup)
    title_node = tree.css_first("title")
    title = _collapse(title_node.text()) if title_node is not None else ""
    if not title:
        title = _meta(tree, 'meta[property="og:title"]', 'meta[name="og:title"]') or ""
    if not title:
        h1 = tree.css_first("h1")
        title = _collapse(h1.text()) if h1 is not None else ""
    html_node = tree.css_first("html")
    lang = normalize_lang(html_node.attributes.get("lang")) if html_node is not None else None
    meta = {
        "title": title or None,
        "url": _meta(tree, 'link[rel~="canonical"]', 'meta[property="og:url"]'),
        "published": _meta(
            tree,
            'meta[property="article:published_time"]',
            'meta[name="article:published_time"]',
            'meta[itemprop="datePublished"]',
            "time[datetime]",
        )
        or _htmldate(markup),
        "lang": lang or normalize_lang(_meta(tree, 'meta[property="og:locale"]')),
    }
    tree.strip_tags(_DROP_TAGS)
    root = _main_node(tree)
    meta["text"] = _block_text(root) if root is not None else ""
    return meta


def load_html(ctx: FileContext) -> Iterator[RawArticle | ItemError]:
    page = html_article(decode_bytes(ctx.read_bytes(), str(ctx.path)))
    if not page["text"].strip():
        raise LoadError(ctx.path, "no text found in the HTML main content")
    ctx.check_length(page["text"])
    yield ctx.article(page.pop("text"), str(ctx.path), **page)
