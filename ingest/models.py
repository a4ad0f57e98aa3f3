"""Plain records passed between the loaders and the ingest pipeline.

A loader turns one file into :class:`RawArticle` records. It never normalizes or trims the article text beyond
what the format requires (HTML to text, CSV cell, JSON field): the text it returns is what gets stored and what
citation offsets point into. Whole-file failures raise :class:`LoadError`; a bad item inside an otherwise good
file (one broken JSONL line, one CSV row without text) is yielded as an :class:`ItemError` so the rest continues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike


@dataclass
class RawArticle:
    text: str
    locator: str
    """Where the article came from, unique within one ingest: ``path`` or ``path#N`` for multi-item files.
    Used to derive a stable id when the article has none of its own."""
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    """ISO-8601 date or datetime string, as given (normalized to YYYY-MM-DD[Thh:mm:ss] when parseable)."""
    lang: str | None = None
    id: str | None = None
    """An explicit id given by the input (a JSON ``id`` field, a feed item's guid, a SQuAD paragraph id)."""
    extra: dict = field(default_factory=dict)


@dataclass
class ItemError:
    locator: str
    reason: str


class LoadError(Exception):
    """A whole file could not be read or parsed; the message names the file and the reason."""

    def __init__(self, path: str | PathLike[str], reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
