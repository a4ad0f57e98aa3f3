"""The article table (SQLite ``articles.db``): verbatim text, metadata, content hash, plus the bookkeeping that
makes a write to the four stores (article row, chunk vectors, sentence vectors, lexical rows) atomic as seen
from outside.

Tables: ``articles`` (one row per committed article), ``intents`` (``doc_id, content_hash, state, started_at``:
an article whose indexes are being rewritten, ``state`` ``pending`` for a replace, ``deleting`` for a delete)
and ``minhash_bands`` (LSH band keys of each article, for near-duplicate lookups; see :mod:`assistant.store.neardup`).

An article is *ready* when its row exists and no intent names it. :meth:`ArticleTable.begin` records the intents
of a batch before any index is touched; :meth:`ArticleTable.commit` writes the rows and their band keys and drops
the intents in one SQLite transaction, so a reader never sees a half-written article as ready, and a writer killed
in between
leaves a ``pending`` intent for :func:`assistant.store.consistency.recover` to clean up. ``put``/``delete`` remain as
plain row writes (no intent) for callers that build a store by hand. One connection per thread, WAL mode so
readers never block the writer, also across processes.

Read-only stores (:func:`open_sqlite`, shared with :mod:`assistant.store.lexical`): ``read_only=True`` opens the
file with ``mode=ro`` (no schema or journal-mode writes), and when SQLite cannot even read it that way (a WAL
database in a folder where its ``-shm`` file cannot be created) with ``immutable=1``, which reads the main file
alone: the transactions still only in a ``-wal`` file are then not seen.

Damage (a copy taken while a write ran, a truncated file): :func:`sqlite_problem` runs ``PRAGMA quick_check``;
:func:`salvage` copies every row that can still be read into a fresh file (``PRAGMA writable_schema`` lets
SQLite read a file shorter than its header says; rows are read in rowid order, restarting past a damaged page;
what sits on pages that cannot be read is lost, and the caller names it). The ``sqlite3`` shell's ``.recover``
is not used: the Debian 3.40 shell answered "SQL logic error" on such a file, and the shell may be missing.
"""

from __future__ import annotations

import builtins
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT, source TEXT, url TEXT, published TEXT, lang TEXT,
    locator TEXT, text TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    embedder TEXT NOT NULL, added_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_lang ON articles(lang);
CREATE TABLE IF NOT EXISTS intents (
    doc_id TEXT PRIMARY KEY, content_hash TEXT, state TEXT NOT NULL, started_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS minhash_bands (key INTEGER NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (key, doc_id))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS minhash_bands_doc ON minhash_bands(doc_id);
"""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ArticleRecord:
    id: str
    content_hash: str
    title: str | None
    source: str | None
    url: str | None
    published: str | None
    lang: str | None
    locator: str | None
    text: str
    n_chunks: int
    embedder: str
    added_at: str
    updated_at: str
    duplicate_of: str | None = None
    """Near-duplicate of this stored article (syndicated copy), when detected at ingest."""

    def meta(self) -> dict:
        d = self.__dict__.copy()
        d.pop("text")
        d["n_chars"] = len(self.text)
        return d


_COLUMNS = [f.name for f in fields(ArticleRecord)]
_PUT = f"INSERT OR REPLACE INTO articles ({','.join(_COLUMNS)}) VALUES ({','.join(':' + c for c in _COLUMNS)})"


@dataclass
class Intent:
    doc_id: str
    content_hash: str | None
    state: str
    started_at: str


def open_sqlite(path: Path, *, read_only: bool = False, timeout: float = 60) -> sqlite3.Connection:
    """A connection to ``path``: read-write in WAL mode, or (``read_only``) ``mode=ro``, falling back to
    ``immutable=1`` when SQLite cannot read the file that way (see the module docstring)."""
    if not read_only:
        c = sqlite3.connect(path, timeout=timeout)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        return c
    uri = Path(path).absolute().as_uri()
    c = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout)
    try:
        c.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return c
    except sqlite3.OperationalError:
        c.close()
    c = sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout)
    c.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return c


def sqlite_problem(c: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA quick_check`` finds the file sound, else its first finding (or the error it raised)."""
    try:
        first = c.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.DatabaseError as e:
        return str(e)
    return None if first == "ok" else str(first)


class ArticleTable:
    """SQLite table of articles; one connection per thread, WAL mode so readers never block the writer.
    ``read_only``: the file is only read (see :func:`open_sqlite`)."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = path
        self.read_only = read_only
        self._local = threading.local()
        if read_only:
            self._conn().execute("SELECT 1 FROM articles LIMIT 1").fetchone()  # a store, not an empty file
            return
        with self._conn() as c:
            c.executescript(_SCHEMA)
            cols = {r["name"] for r in c.execute("PRAGMA table_info(articles)")}
            if "duplicate_of" not in cols:  # a store created before near-duplicate links
                c.execute("ALTER TABLE articles ADD COLUMN duplicate_of TEXT")

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = open_sqlite(self.path, read_only=self.read_only)
            c.row_factory = sqlite3.Row
            self._local.conn = c
        return c

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def problem(self) -> str | None:
        """What ``PRAGMA quick_check`` finds wrong with the file, or None (see :func:`sqlite_problem`)."""
        return sqlite_problem(self._conn())

    # -- rows -------------------------------------------------------------------------------------------------
    def get(self, doc_id: str) -> ArticleRecord | None:
        row = self._conn().execute("SELECT * FROM articles WHERE id=?", (doc_id,)).fetchone()
        return ArticleRecord(**dict(row)) if row else None

    def by_hash(self, h: str) -> str | None:
        row = self._conn().execute("SELECT id FROM articles WHERE content_hash=? LIMIT 1", (h,)).fetchone()
        return row["id"] if row else None

    def put(self, rec: ArticleRecord) -> None:
        with self._conn() as c:
            c.execute(_PUT, rec.__dict__)

    def delete(self, doc_id: str) -> bool:
        with self._conn() as c:
            c.execute("DELETE FROM minhash_bands WHERE doc_id=?", (doc_id,))
            return c.execute("DELETE FROM articles WHERE id=?", (doc_id,)).rowcount > 0

    def list(self, limit: int | None = None, offset: int = 0) -> list[ArticleRecord]:
        q = "SELECT * FROM articles ORDER BY added_at, id"
        args: tuple = ()
        if limit is not None:
            q += " LIMIT ? OFFSET ?"
            args = (limit, offset)
        return [ArticleRecord(**dict(r)) for r in self._conn().execute(q, args)]

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def texts(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn().execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", ids)
        return {r["id"]: r["text"] for r in rows}

    def summary(self) -> dict[str, tuple[str, int]]:
        """``{doc_id: (content_hash, n_chunks)}`` of every row (for the consistency check)."""
        rows = self._conn().execute("SELECT id, content_hash, n_chunks FROM articles")
        return {r[0]: (r[1], int(r[2])) for r in rows}

    # -- intents: atomic replace and delete -------------------------------------------------------------------
    def begin(self, items: Sequence[tuple[str, str | None]], state: str = "pending") -> None:
        """Record that these ``(doc_id, content_hash)`` are about to have their indexes rewritten (one
        transaction, before any index is touched)."""
        stamp = now_iso()
        with self._conn() as c:
            c.executemany("INSERT OR REPLACE INTO intents VALUES (?,?,?,?)", [(d, h, state, stamp) for d, h in items])

    def commit(self, items: Sequence[tuple[ArticleRecord, Sequence[int] | None]]) -> None:
        """Rows, band keys and the end of their intents in one transaction: the articles become ready."""
        with self._conn() as c:
            for rec, bands in items:
                c.execute(_PUT, rec.__dict__)
                c.execute("DELETE FROM minhash_bands WHERE doc_id=?", (rec.id,))
                if bands:
                    c.executemany("INSERT OR IGNORE INTO minhash_bands VALUES (?,?)", [(k, rec.id) for k in bands])
                c.execute("DELETE FROM intents WHERE doc_id=?", (rec.id,))

    def remove(self, doc_id: str) -> bool:
        """Start a delete: intent ``deleting`` and the row (and bands) gone, in one transaction."""
        with self._conn() as c:
            c.execute("INSERT OR REPLACE INTO intents VALUES (?,?,?,?)", (doc_id, None, "deleting", now_iso()))
            c.execute("DELETE FROM minhash_bands WHERE doc_id=?", (doc_id,))
            return c.execute("DELETE FROM articles WHERE id=?", (doc_id,)).rowcount > 0

    def finish(self, doc_id: str) -> None:
        with self._conn() as c:
            c.execute("DELETE FROM intents WHERE doc_id=?", (doc_id,))

    def intents(self) -> builtins.list[Intent]:
        return [
            Intent(*r)
            for r in self._conn().execute(
                "SELECT doc_id, content_hash, state, started_at FROM intents ORDER BY started_at, doc_id"
            )
        ]

    def ready_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """``{doc_id: content_hash}`` for those of ``ids`` that are ready (row present, no intent): one query."""
        rows = self._rows_in(
            "SELECT a.id, a.content_hash FROM articles a LEFT JOIN intents i ON i.doc_id = a.id "
            "WHERE a.id IN ({ids}) AND i.doc_id IS NULL",
            ids,
        )
        return {r[0]: r[1] for r in rows}

    def has_lang(self, lang: str, *, other: bool = False) -> bool:
        """Whether any article is in ``lang`` (or, with ``other``, in a language other than ``lang``)."""
        sql = (
            "SELECT 1 FROM articles WHERE lang < ? OR lang > ? LIMIT 1"
            if other
            else "SELECT 1 FROM articles WHERE lang = ? LIMIT 1"
        )
        return self._conn().execute(sql, (lang, lang) if other else (lang,)).fetchone() is not None

    def filter_fields(self, ids: Iterable[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
        """``{doc_id: (lang, source, published)}`` for those of ``ids`` that exist: what retrieval filters on."""
        rows = self._rows_in("SELECT id, lang, source, published FROM articles WHERE id IN ({ids})", ids)
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def dated_counts(self, *, lang: str | None = None, source: str | None = None) -> tuple[int, int]:
        """``(dated, undated)``: ready articles (of ``lang`` and ``source`` when given) whose ``published`` starts
        with a ``YYYY-MM-DD`` date, and those without one (missing or unreadable), which a date filter leaves out."""
        sql = (
            "SELECT COALESCE(SUM(d), 0), COUNT(*) - COALESCE(SUM(d), 0) FROM (SELECT "
            "(a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*') AS d FROM articles a "
            "LEFT JOIN intents i ON i.doc_id = a.id WHERE i.doc_id IS NULL"
        )
        params: builtins.list[str] = []
        for column, value in (("lang", lang), ("source", source)):
            if value is not None:
                sql += f" AND a.{column} = ?"
                params.append(value)
        dated, undated = self._conn().execute(sql + ")", params).fetchone()
        return int(dated), int(undated)

    def _rows_in(self, sql: str, ids: Iterable[str]) -> builtins.list[tuple]:
        """Rows of ``sql`` whose ``{ids}`` placeholder takes the distinct ``ids``, in parts of 900 (SQLite's
        bound-parameter limit)."""
        ids = list(set(ids))
        rows: builtins.list[tuple] = []
        for i in range(0, len(ids), 900):
            part = ids[i : i + 900]
            rows.extend(self._conn().execute(sql.format(ids=",".join("?" * len(part))), part))
        return rows

    # -- near-duplicate bands ---------------------------------------------------------------------------------
    def band_candidates(self, keys: Sequence[int]) -> builtins.list[tuple[str, int]]:
        """``(doc_id, shared keys)`` for the articles sharing at least one LSH band key with ``keys``."""
        if not keys:
            return []
        rows = self._conn().execute(
            f"SELECT doc_id, COUNT(*) AS n FROM minhash_bands WHERE key IN ({','.join('?' * len(keys))}) "
            "GROUP BY doc_id",
            list(keys),
        )
        return [(r[0], int(r[1])) for r in rows]

    def band_doc_ids(self) -> set[str]:
        return {r[0] for r in self._conn().execute("SELECT DISTINCT doc_id FROM minhash_bands")}

    def delete_bands(self, doc_ids: Iterable[str]) -> None:
        with self._conn() as c:
            c.executemany("DELETE FROM minhash_bands WHERE doc_id=?", [(d,) for d in doc_ids])


def salvage(src: Path, dst: Path, *, max_skips: int = 24) -> tuple[int, str | None]:
    """Copy every article row and intent of ``src`` that can still be read into a fresh table at ``dst`` (which
    must not exist); returns ``(rows copied, the first read error or None)``. Rows are read in rowid order; a read
    that fails restarts past the last good row, jumping further (1, 2, 4, ... rowids) while it keeps failing, at
    most ``max_skips`` times in a row (a damaged run of up to about 2**max_skips rowids is passed over; rows just
    past it may be skipped too). Band keys are not copied: a re-index makes them again."""
    out = ArticleTable(dst)
    first_error: str | None = None
    copied = 0
    with closing(sqlite3.connect(src, timeout=60)) as s:
        s.row_factory = sqlite3.Row
        s.execute("PRAGMA writable_schema=ON")  # reads a file shorter than its header says (a truncated copy)
        for table in ("articles", "intents"):
            last, skips, jump = -1, 0, 1
            while skips <= max_skips:
                try:
                    rows = s.execute(f"SELECT rowid AS _rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid", (last,))
                    for r in rows:
                        d = dict(r)
                        last = d.pop("_rowid")
                        if table == "articles":
                            out.put(ArticleRecord(**{k: d[k] for k in _COLUMNS if k in d}))
                            copied += 1
                        else:
                            with out._conn() as c:
                                c.execute(
                                    "INSERT OR REPLACE INTO intents VALUES (?,?,?,?)",
                                    (d["doc_id"], d["content_hash"], d["state"], d["started_at"]),
                                )
                        skips, jump = 0, 1
                    break
                except (sqlite3.DatabaseError, TypeError) as e:  # a damaged page, or a row missing a field
                    first_error = first_error or str(e)
                    last += jump
                    jump *= 2
                    skips += 1
    out.close()
    return copied, first_error
