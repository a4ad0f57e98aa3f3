"""File loaders: turn .txt/.md/.html/.json/.jsonl/.csv/RSS/Atom files into :class:`RawArticle` records.

Design:
- :func:`iter_files` expands the user's paths (folders recursively, sorted, hidden names skipped) and reports
  missing paths instead of raising, so one bad argument does not stop an ingest.
- :func:`iter_articles` dispatches on the (lower-cased) extension and is a generator: whole-file problems raise
  :class:`LoadError` *while iterating*; a bad item inside a good file is yielded as :class:`ItemError` and loading
  goes on. A file that produces no article at all ends with ``LoadError("no articles found")``, after any item
  errors have been yielded.
- Text is stored as the format gives it: .txt/.md files verbatim (decoded by :mod:`ingest.decode`, line endings
  kept), JSON/CSV fields unchanged, HTML and feed content converted to plain text with one paragraph per line.
- Field precedence: ``source`` = the user's value, else the item's own, else the file name stem (for feeds, the
  feed title before the stem); ``lang`` = the user's value, else the item's own (normalized to a 2-letter code),
  else ``None``. ``published`` is normalized to ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` (UTC when the input has
  a zone) when parseable, else kept as given.
- Locators: ``path`` for one-article files; ``path#N`` with N the 0-based position for JSON arrays and feed
  entries, ``path#A.P`` for SQuAD article A / paragraph P, and the 1-based line (JSONL) or data row (CSV,
  header excluded) number.

Limits: .json, .txt, .md, .html and feeds are read whole into memory (JSONL and CSV stream); HTML main-content
detection is a simple rule (largest <article>, else <main>, else <body>), not a learned boilerplate remover;
an HTML ``<meta charset>`` is not consulted (see :mod:`ingest.decode` for the encodings tried).
"""
from __future__ import annotations

import csv
import email.utils
import io
import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from ingest.decode import decode_bytes, detect_encoding
from ingest.models import ItemError, LoadError, RawArticle

SUPPORTED_EXTENSIONS = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".csv", ".xml", ".rss", ".atom"})

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
_TITLE_MAX = 200
_WS = re.compile(r"\s+")


# ----------------------------------------------------------------------------------------------- file listing
def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield ``(path, error)``: files as given (any extension), folders walked for supported files."""
    for path, _name, err in iter_named_files(paths):
        yield path, err


def iter_named_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str, str | None]]:
    """Like :func:`iter_files`, with each file's *name*: the file name for a file given as such, the path
    inside the folder (``/``-separated) for a file found by walking a folder. The name, not the path string,
    is what identifies an article (:func:`assistant.store.library.identity_key`), so ``a.txt``, ``$PWD/a.txt``
    and ``x/../a.txt`` name one article.

    Names are taken after following links (:func:`resolved`): a link to a file is named by the file it points
    to (``link.txt -> news/story.txt`` is ``story.txt``, as the file given itself or its own folder walked
    would be), a file found in a walked folder by its real path inside the real folder, and a file reached
    through a linked folder outside it by its path inside that folder's target. So one file has one name
    however it is reached. Limit: a file's name still depends on the folder walked (``x.txt`` when ``news`` is
    ingested, ``news/x.txt`` when its parent is), links or not."""
    for raw in paths:
        path = Path(raw)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except (OSError, ValueError) as exc:  # e.g. a name too long, a NUL byte
            yield path, str(raw), f"cannot read: {getattr(exc, 'strerror', None) or exc}"
            continue
        if is_dir:
            for file, err, bases in _walk(path, set(), (resolved(path),)):
                yield file, _name_in(file, bases), err
        elif exists:
            yield path, resolved(path).name or path.name, None
        else:
            yield path, path.name, "no such file or directory"


def resolved(path: Path) -> Path:
    """The real path of ``path`` (links followed, ``..`` folded; what identifies a file), or its absolute path when
    it cannot be resolved (a link loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _name_in(file: Path, bases: tuple[Path, ...]) -> str:
    """``file``'s real path inside the outermost of ``bases`` (real folders) that holds it, else its real name."""
    real = resolved(file)
    for base in bases:
        try:
            name = real.relative_to(base).as_posix()
        except ValueError:
            continue
        if name and name != ".":
            return name
    return real.name or file.name


def _walk(folder: Path, seen: set[Path], bases: tuple[Path, ...]
          ) -> Iterator[tuple[Path, str | None, tuple[Path, ...]]]:
    real = resolved(folder)
    if real in seen:  # symlink loop
        return
    seen.add(real)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield folder, f"cannot read directory: {exc.strerror or exc}", bases
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
            linked = is_dir and entry.is_symlink()
        except OSError as exc:  # e.g. permission denied on stat: reported like any other bad file
            yield entry, f"cannot read: {exc.strerror or exc}", bases
            continue
        if is_dir:
            yield from _walk(entry, seen, bases + (resolved(entry),) if linked else bases)
        elif entry.suffix.lower() in SUPPORTED_EXTENSIONS and is_file:
            yield entry, None, bases


# ------------------------------------------------------------------------------------------- field helpers
def normalize_published(value: object) -> str | None:
    """ISO date/datetime when parseable (ISO 8601, YYYY/MM/DD, RFC 2822, epoch seconds/ms), else the string."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            dt = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=timezone.utc)
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
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
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


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:_TITLE_MAX]
    return None


MAX_CHARS_SETTING = "ASSISTANT_INGEST_MAX_ARTICLE_CHARS"


@dataclass
class _Ctx:
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
                    raise LoadError(self.path, f"file is {size} bytes, too large for one article: the limit is "
                                               f"{self.max_chars} characters ({MAX_CHARS_SETTING})")
            return self.path.read_bytes()
        except OSError as exc:
            raise LoadError(self.path, f"cannot read file: {exc.strerror or exc}") from exc

    def check_length(self, text: str) -> str:
        if self.max_chars and len(text) > self.max_chars:
            raise LoadError(self.path, f"article is {len(text)} characters; the limit is {self.max_chars} "
                                       f"({MAX_CHARS_SETTING})")
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

    def article(self, text: object, locator: str, *, title=None, source=None, url=None, published=None,
                lang=None, id=None, extra=None) -> RawArticle | ItemError:
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
        extra = {k: v for k, v in fields.items()
                 if k not in _KNOWN_KEYS and v not in (None, "") and isinstance(v, (str, int, float, bool))}
        return self.article(
            text, locator, title=_first(fields, TITLE_KEYS), source=source, url=_first(fields, URL_KEYS),
            published=_first(fields, PUBLISHED_KEYS), lang=_first(fields, LANG_KEYS), id=_first(fields, ID_KEYS),
            extra=extra,
        )


# ------------------------------------------------------------------------------------------------ dispatch
def iter_articles(path: Path, *, lang: str | None = None, source: str | None = None, max_chars: int | None = None
                  ) -> Iterator[RawArticle | ItemError]:
    """Yield the articles (and per-item errors) of one file; raise :class:`LoadError` for whole-file problems.
    ``max_chars``: a .txt/.md/.html file whose text is longer fails as a whole, before it is chunked (multi-article
    formats leave the check to the pipeline, per item)."""
    path = Path(path)
    ext = path.suffix.lower()
    loader = _LOADERS.get(ext)
    if loader is None:
        raise LoadError(path, f"unsupported file type {ext or '(no extension)'!r} "
                              f"(supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})")
    if not path.exists():
        raise LoadError(path, "no such file or directory")
    if not path.is_file():
        raise LoadError(path, "not a regular file")
    ctx = _Ctx(path, lang or None, source or None, max_chars)
    found = failed = 0
    for item in loader(ctx):
        if isinstance(item, RawArticle):
            found += 1
        else:
            failed += 1
        yield item
    if not found:
        raise LoadError(path, "no articles found" + (f" ({failed} item(s) had errors)" if failed else ""))


def _load_txt(ctx: _Ctx) -> Iterator[RawArticle | ItemError]:
    text = ctx.check_length(decode_bytes(ctx.read_bytes(one_article=True), str(ctx.path)))
    yield ctx.article(text, str(ctx.path), title=_first_line(text))


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
    inner = text[start.end():end.start()]
    stop = end.end()
    stop += 2 if text.startswith("\r\n", stop) else 1 if text.startswith("\n", stop) else 0
    return inner, stop


def _markdown_title(text: str) -> str | None:
    """Front-matter ``title:``, else the first ATX heading (``# Title #``), else the first line. Line by line
    with plain string operations: the former one-regex form backtracked quadratically on a heading followed by a
    long run of spaces (``# a`` + 100,000 spaces + ``b`` took over a minute)."""
    front = _front_matter(text)
    if front:
        for line in front[0].splitlines():
            if line.startswith("title:"):
                value = line[6:].strip(" \t")
                if value:
                    return value.strip("'\"")[:_TITLE_MAX] or None
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            title = line[m.end():].strip(" \t")
            closed = title.rstrip("#")
            if closed != title and (not closed or closed[-1] in " \t"):
                title = closed.rstrip(" \t")  # an optional closing sequence of #s
            if title:
                return title.strip()[:_TITLE_MAX]
    body = text[front[1]:] if front else text
    return _first_line(body)


def _load_md(ctx: _Ctx) -> Iterator[RawArticle | ItemError]:
    text = ctx.check_length(decode_bytes(ctx.read_bytes(one_article=True), str(ctx.path)))
    yield ctx.article(text, str(ctx.path), title=_markdown_title(text))


# ---------------------------------------------------------------------------------------------------- HTML
_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
              "template"]
_BLOCK_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "div", "section", "article",
    "main", "body", "ul", "ol", "dl", "dt", "dd", "table", "tr", "figure", "figcaption", "address", "hr", "br",
    "caption", "details", "summary",
})


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
        "published": _meta(tree, 'meta[property="article:published_time"]', 'meta[name="article:published_time"]',
                           'meta[itemprop="datePublished"]', "time[datetime]"),
        "lang": lang or normalize_lang(_meta(tree, 'meta[property="og:locale"]')),
    }
    tree.strip_tags(_DROP_TAGS)
    root = _main_node(tree)
    meta["text"] = _block_text(root) if root is not None else ""
    return meta


def _load_html(ctx: _Ctx) -> Iterator[RawArticle | ItemError]:
    page = html_article(decode_bytes(ctx.read_bytes(), str(ctx.path)))
    if not page["text"].strip():
        raise LoadError(ctx.path, "no text found in the HTML main content")
    ctx.check_length(page["text"])
    yield ctx.article(page.pop("text"), str(ctx.path), **page)


# ---------------------------------------------------------------------------------------------------- JSON
def _load_json(ctx: _Ctx) -> Iterator[RawArticle | ItemError]:
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
        items = next((doc[k] for k in ("articles", "items", "documents", "data") if isinstance(doc.get(k), list)),
                     None)
        if items is None:
            yield ctx.from_fields(doc, str(ctx.path))
            return
    if items is None:
        raise LoadError(ctx.path, "unsupported JSON structure: expected an article object, a list of them, "
                                  "or SQuAD-format data")
    for i, obj in enumerate(items):
        yield ctx.from_fields(obj, f"{ctx.path}#{i}")


def _is_squad(doc: dict) -> bool:
    data = doc.get("data")
    return isinstance(data, list) and any(isinstance(a, dict) and "paragraphs" in a for a in data)


def _squad(ctx: _Ctx, data: list) -> Iterator[RawArticle | ItemError]:
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
            qas = para.get("qas") if isinstance(para.get("qas"), list) else []
            qids = [str(qa["id"]) for qa in qas if isinstance(qa, dict) and qa.get("id") is not None]
            yield ctx.article(para["context"], locator, title=title,
                              extra={"squad_title": raw_title, "question_ids": qids})


def _load_jsonl(ctx: _Ctx) -> Iterator[RawArticle | ItemError]:
    codec, f = ctx.open_detected()
    with f:
        if codec.startswith("utf-16"):  # newline bytes are two wide: let a text wrapper split the lines
            lines = io.TextIOWrapper(f, encoding=codec, newline="\n")
        else:
            lines = f
        lineno = 0
        try:
            for lineno, raw in enumerate(lines, 1):
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


# ----------------------------------------------------------------------------------------------------- CSV
_UNDECODED = re.compile("[\udc80-\udcff]")
"""What ``surrogateescape`` makes of a byte the codec could not decode."""


def _sniff_delimiter(header_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])  # ties keep the first: , ; \t |
    return best if counts[best] else ","


def _load_csv(ctx: _Ctx) -> Iterator[RawArticle | ItemError]:
    codec, binary = ctx.open_detected()
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    # surrogateescape: a byte that is not valid in the codec (detected from the first 64 KB only) becomes a lone
    # surrogate instead of an exception that would end the file; the row holding it is reported by number and
    # every other row is kept, as JSONL does per line.
    with io.TextIOWrapper(binary, encoding=codec, newline="", errors="surrogateescape") as f:
        try:
            delimiter = _sniff_delimiter(f.readline())
            f.seek(0)
            reader = csv.reader(f, delimiter=delimiter)
            header = [h.strip().lstrip("\ufeff").lower() for h in next(reader, [])]
            text_col = next((i for i, h in enumerate(header) if h in TEXT_KEYS), None)
            if text_col is None:
                raise LoadError(ctx.path, f"no text column (expected one of: {', '.join(TEXT_KEYS)}); "
                                          f"header is: {', '.join(header) or '(empty)'}")
            for rownum, row in enumerate(reader, 1):
                if not any(cell.strip() for cell in row):
                    continue
                if any(_UNDECODED.search(cell) for cell in row):
                    yield ItemError(f"{ctx.path}#{rownum}", f"data row {rownum} is not valid {codec} text")
                    continue
                fields = {h: cell for h, cell in zip(header, row) if h}
                fields.setdefault(header[text_col], "")
                yield ctx.from_fields(fields, f"{ctx.path}#{rownum}", text_key=header[text_col])
        except csv.Error as exc:
            raise LoadError(ctx.path, f"malformed CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise LoadError(ctx.path, f"invalid {codec} text in CSV: {exc.reason}") from exc


# --------------------------------------------------------------------------------------------------- feeds
_MARKUP = re.compile(r"<[A-Za-z!/][^<>]*>|&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
"""Does a feed entry hold markup? ``[^<>]``, not ``[^>]``: a run of ``<a`` without ``>`` must not rescan the
rest of the text from every ``<`` (quadratic)."""


def _feed_time(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        st = entry.get(key)
        if st:
            return time.strftime("%Y-%m-%dT%H:%M:%S", st)
    return entry.get("published") or entry.get("updated")


def _load_feed(ctx: _Ctx) -> Iterator[RawArticle | ItemError]:
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
            value, f"{ctx.path}#{i}", title=entry.get("title"), source=feed.get("title"), url=entry.get("link"),
            published=_feed_time(entry), id=entry.get("id"),
            lang=detail.get("language") or entry.get("language") or feed.get("language"),
        )


_LOADERS = {
    ".txt": _load_txt, ".md": _load_md, ".html": _load_html, ".htm": _load_html, ".json": _load_json,
    ".jsonl": _load_jsonl, ".csv": _load_csv, ".xml": _load_feed, ".rss": _load_feed, ".atom": _load_feed,
}
