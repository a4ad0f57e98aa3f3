"""File loaders: turn .txt/.md/.html/.json/.jsonl/.csv/RSS/Atom files into :class:`RawArticle` records.

This is the public entry: ``from ingest.loaders import iter_articles, iter_files, ...`` as before; the work is done
in one module per concern:

- :mod:`~ingest.loaders.files`: :func:`iter_files` / :func:`iter_named_files` expand the user's paths (folders
  recursively, sorted, hidden names skipped) and report missing paths instead of raising, so one bad argument
  does not stop an ingest; :func:`resolved` is the real path that identifies a file.
- :mod:`~ingest.loaders.dispatch`: :data:`SUPPORTED_EXTENSIONS` and :func:`iter_articles`, a generator that picks
  the loader by extension: whole-file problems raise :class:`LoadError` *while iterating*; a bad item inside a
  good file is yielded as :class:`ItemError` and loading goes on; a file that produces no article at all ends with
  ``LoadError("no articles found")``, after any item errors have been yielded.
- :mod:`~ingest.loaders.fields`: field names, the precedence of the user's values over the item's own, date and
  language normalization (:func:`normalize_published`, :func:`normalize_lang`), the per-file context.
- One module per format family: :mod:`~ingest.loaders.plain` (.txt, .md), :mod:`~ingest.loaders.html_pages`
  (.html, .htm), :mod:`~ingest.loaders.json_docs` (.json incl. SQuAD, .jsonl), :mod:`~ingest.loaders.csv_rows`
  (.csv), :mod:`~ingest.loaders.feeds` (RSS/Atom: .xml, .rss, .atom).

Text is stored as the format gives it: .txt/.md files verbatim (decoded by :mod:`ingest.decode`, line endings
kept), JSON/CSV fields unchanged, HTML and feed content converted to plain text with one paragraph per line.
Locators: ``path`` for one-article files; ``path#N`` with N the 0-based position for JSON arrays and feed entries,
``path#A.P`` for SQuAD article A / paragraph P, and the 1-based line (JSONL) or data row (CSV, header excluded)
number.

Limits: .json, .txt, .md, .html and feeds are read whole into memory (JSONL and CSV stream); HTML main-content
detection is a simple rule (largest <article>, else <main>, else <body>), not a learned boilerplate remover; an
HTML ``<meta charset>`` is not consulted (see :mod:`ingest.decode` for the encodings tried). Each format module
states its own limits.
"""

from __future__ import annotations

from ingest.loaders.dispatch import SUPPORTED_EXTENSIONS, iter_articles
from ingest.loaders.feeds import _MARKUP
from ingest.loaders.fields import (
    ID_KEYS,
    LANG_KEYS,
    MAX_CHARS_SETTING,
    MISSING_TEXT,
    PUBLISHED_KEYS,
    SOURCE_KEYS,
    TEXT_KEYS,
    TITLE_KEYS,
    URL_KEYS,
    normalize_lang,
    normalize_published,
)
from ingest.loaders.files import iter_files, iter_named_files, resolved
from ingest.loaders.html_pages import html_article, html_to_text
from ingest.loaders.plain import _markdown_title

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "iter_articles",
    "iter_files",
    "iter_named_files",
    "resolved",
    "MAX_CHARS_SETTING",
    "normalize_published",
    "normalize_lang",
    "html_to_text",
    "html_article",
    "TEXT_KEYS",
    "TITLE_KEYS",
    "URL_KEYS",
    "SOURCE_KEYS",
    "PUBLISHED_KEYS",
    "LANG_KEYS",
    "ID_KEYS",
    "MISSING_TEXT",
    "_MARKUP",
    "_markdown_title",
]
