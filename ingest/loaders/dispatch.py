"""The format table: which loader reads which extension, and :func:`iter_articles`, which runs one.

Design: :func:`iter_articles` dispatches on the (lower-cased) extension and is a generator: whole-file problems
raise :class:`LoadError` *while iterating*; a bad item inside a good file is yielded as :class:`ItemError` and
loading goes on. A file that produces no article at all ends with ``LoadError("no articles found")``, after any
item errors have been yielded. A loader is a function of a :class:`~ingest.loaders.fields.FileContext` yielding
articles and item errors.

Limits: the format is told by the extension alone, not by the content.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.loaders.csv_rows import load_csv
from ingest.loaders.feeds import load_feed
from ingest.loaders.fields import FileContext
from ingest.loaders.html_pages import load_html
from ingest.loaders.json_docs import load_json, load_jsonl
from ingest.loaders.plain import load_md, load_txt
from ingest.models import ItemError, LoadError, RawArticle

SUPPORTED_EXTENSIONS = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".csv", ".xml", ".rss", ".atom"})


def iter_articles(
    path: Path, *, lang: str | None = None, source: str | None = None, max_chars: int | None = None
) -> Iterator[RawArticle | ItemError]:
    """Yield the articles (and per-item errors) of one file; raise :class:`LoadError` for whole-file problems.
    ``max_chars``: a .txt/.md/.html file whose text is longer fails as a whole, before it is chunked (multi-article
    formats leave the check to the pipeline, per item)."""
    path = Path(path)
    ext = path.suffix.lower()
    loader = _LOADERS.get(ext)
    if loader is None:
        raise LoadError(
            path,
            f"unsupported file type {ext or '(no extension)'!r} (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})",
        )
    if not path.exists():
        raise LoadError(path, "no such file or directory")
    if not path.is_file():
        raise LoadError(path, "not a regular file")
    ctx = FileContext(path, lang or None, source or None, max_chars)
    found = failed = 0
    for item in loader(ctx):
        if isinstance(item, RawArticle):
            found += 1
        else:
            failed += 1
        yield item
    if not found:
        raise LoadError(path, "no articles found" + (f" ({failed} item(s) had errors)" if failed else ""))


_LOADERS = {
    ".txt": load_txt,
    ".md": load_md,
    ".html": load_html,
    ".htm": load_html,
    ".json": load_json,
    ".jsonl": load_jsonl,
    ".csv": load_csv,
    ".xml": load_feed,
    ".rss": load_feed,
    ".atom": load_feed,
}
