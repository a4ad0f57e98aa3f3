"""What every loader shares: the field names an item may use, normalizing its fields, and the per-file context.

Design:
- Field precedence: ``source`` = the user's value, else the item's own, else the file name stem (for feeds, the
  feed title before the stem); ``lang`` = the user's value, else the item's own (normalized to a 2-letter code),
  else ``None``. ``published`` is normalized to ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` (UTC when the input has
  a zone) when parseable, else kept as given. A URL is kept only when it is http(s).
- JSON objects and CSV rows are matched by key, case-insensitively (:meth:`FileContext.from_fields`): the first
  present key of :data:`TEXT_KEYS`, :data:`TITLE_KEYS`, ... wins; other scalar fields go to ``extra``.
- :class:`FileContext` reads the file (refusing a one-article file surely over ``max_chars`` before reading it),
  detects the encoding of streamed formats from the first 64 KB and builds each :class:`RawArticle` or
  :class:`ItemError`.

Limits: dates are parsed by a few fixed rules (ISO 8601, YYYY/MM/DD, RFC 2822, epoch seconds/ms), not by a general
date parser; a language name other than Arabic or English must already be a 2-letter code to be kept.
"""

from __future__ import annotations

import email.utils
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.decode import detect_encoding
from ingest.models import ItemError, LoadError, RawArticle

TEXT_KEYS = ("text", "content", "body", "article")
TITLE_KEYS = ("title", "headline")
URL_KEYS = ("url", "link")
SOURCE_KEYS = ("source", "publisher", "site")
PUBLISHED_KEYS = ("published", "date", "published_at", "pubdate", "datetime")
LANG_KEYS = ("lang", "language")
ID_KEYS = ("id", "guid")
_KNOWN_KEYS = frozenset(TEXT_KEYS + TITLE_KEYS + URL_KEYS + SOURCE_KEYS + PUBLISHED_KEYS + LANG_KEYS + ID_KEYS)
MISSING_TEXT = f"missing text field (expected one of: {', '.join(TEXT_KEYS)})"

_PREFIX = 65536
TITLE_MAX = 200
"""Longest title taken from a text's first line or heading (characters)."""


def normalize_published(value: object) -> str | None:
    """ISO date/datetime when parseable (ISO 8601, YYYY/MM/DD, RFC 2822, epoch seconds/ms), else the string."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            dt = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
        return dt.strftime("%Y-%m-%dT%H:%M:%S")
    text = str(value).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", text)
    if m:
        try:
            return date(*map(int, m.groups())).isoformat()
        except ValueError:
            return text
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return text
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


_LANG_NAMES = {"ara": "ar", "arb": "ar", "arabic": "ar", "eng": "en", "english": "en"}


def normalize_lang(value: object) -> str | None:
    """'ar-SY' / 'AR' / 'arabic' -> 'ar'; anything that is not a 2-letter primary code -> None."""
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    primary = _LANG_NAMES.get(primary, primary)
    return primary if re.fullmatch(r"[a-z]{2}", primary) else None


def _clean(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _web_url(url: str | None) -> str | None:
    """The URL when it is http(s); anything else (``javascript:``, ``data:``, a bare word) is not kept as the
    article's link."""
    if url is None:
        return None
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    return url if scheme in ("http", "https") else None


def _first(fields: dict, keys: tuple[str, ...]) -> object:
    for key in keys:
        value = fields.get(key)
        if value is not None and value != "":
            return value
    return None


def first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:TITLE_MAX]
    return None


MAX_CHARS_SETTING = "ASSISTANT_INGEST_MAX_ARTICLE_CHARS"


@dataclass
class FileContext:
    path: Path
    lang: str | None
    source: str | None
    max_chars: int | None = None
    """Longest article accepted (characters); a one-article file surely longer (its bytes > 4 x this, the most
    bytes a character takes) is refused before it is read."""

    def read_bytes(self, *, one_article: bool = False) -> bytes:
        try:
            if one_article and self.max_chars:
                size = self.path.stat().st_size
                if size > 4 * self.max_chars:
                    raise LoadError(
                        self.path,
                        f"file is {size} bytes, too large for one article: the limit is "
                        f"{self.max_chars} characters ({MAX_CHARS_SETTING})",
                    )
            return self.path.read_bytes()
        except OSError as exc:
            raise LoadError(self.path, f"cannot read file: {exc.strerror or exc}") from exc

    def check_length(self, text: str) -> str:
        if self.max_chars and len(text) > self.max_chars:
            raise LoadError(
                self.path, f"article is {len(text)} characters; the limit is {self.max_chars} ({MAX_CHARS_SETTING})"
            )
        return text

    def open_detected(self) -> tuple[str, io.BufferedReader]:
        """Open in binary, detect the encoding from the first 64 KB, rewind; return (codec, file)."""
        try:
            f = self.path.open("rb")
        except OSError as exc:
            raise LoadError(self.path, f"cannot read file: {exc.strerror or exc}") from exc
        try:
            prefix = f.read(_PREFIX)
            codec = detect_encoding(prefix, str(self.path), complete=len(prefix) < _PREFIX)
            f.seek(0)
        except BaseException:
            f.close()
            raise
        return codec, f

    def article(
        self,
        text: object,
        locator: str,
        *,
        title=None,
        source=None,
        url=None,
        published=None,
        lang=None,
        id=None,
        extra=None,
    ) -> RawArticle | ItemError:
        if not isinstance(text, str) or not text.strip():
            return ItemError(locator, "empty text")
        return RawArticle(
            text=text,
            locator=locator,
            title=_clean(title),
            source=self.source or _clean(source) or self.path.stem,
            url=_web_url(_clean(url)),
            published=normalize_published(published),
            lang=self.lang or normalize_lang(lang),
            id=_clean(id),
            extra=extra or {},
        )

    def from_fields(self, obj: object, locator: str, text_key: str | None = None) -> RawArticle | ItemError:
        """An article from a JSON object / CSV row (keys matched case-insensitively)."""
        if not isinstance(obj, dict):
            return ItemError(locator, "not a JSON object")
        fields = {k.strip().lower(): v for k, v in obj.items() if isinstance(k, str)}
        if text_key is None:
            text_key = next((k for k in TEXT_KEYS if fields.get(k) is not None), None)
        if text_key is None:
            return ItemError(locator, MISSING_TEXT)
        text = fields.get(text_key)
        if text is not None and not isinstance(text, str):
            return ItemError(locator, f"field {text_key!r} is not a string")
        source = _first(fields, SOURCE_KEYS)
        if isinstance(source, dict):
            source = source.get("name")
        extra = {
            k: v
            for k, v in fields.items()
            if k not in _KNOWN_KEYS and v not in (None, "") and isinstance(v, (str, int, float, bool))
        }
        return self.article(
            text,
            locator,
            title=_first(fields, TITLE_KEYS),
            source=source,
            url=_first(fields, URL_KEYS),
            published=_first(fields, PUBLISHED_KEYS),
            lang=_first(fields, LANG_KEYS),
            id=_first(fields, ID_KEYS),
            extra=extra,
        )
