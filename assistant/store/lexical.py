"""A persisted, transactional, incremental lexical (BM25) index over chunks, in SQLite FTS5.

Design: FTS5 does the inverted index and BM25 ranking; the language work is ours: terms come from
:func:`assistant.text.terms.analyze` (normalized, stopwords dropped, stemmed by each token's script).
The index stores the space-joined terms in an FTS5 table (``tokenize='unicode61 remove_diacritics 0'``, which
splits them back on spaces untouched) next to UNINDEXED ``chunk_id, doc_id, lang, source, date`` columns, so the
``lang``/``source``/date filters are applied in the same SQL statement as MATCH and BM25 ranking, and top-k is
taken among matching rows. Queries are analyzed the same way, each term double-quoted (user text can never
reach the MATCH grammar: no operators, prefixes, columns or NEAR) and OR-ed. ``replace_doc`` (``replace_docs``)
deletes and re-adds a document's (a batch's) rows in one transaction, so readers (WAL, one connection per thread)
see either the old or the new chunks, never both and never none. The analyzer's name is stored in a ``meta``
table; opening a file built by a different analyzer empties it (its terms would never match new queries), so a
caller that syncs by ``all_doc_ids()`` re-adds everything (``was_reset`` tells it so). A ``latent`` table holds
each chunk's packed latent terms (:mod:`assistant.store.latent`), written and deleted in the same transactions as the
chunk's BM25 row.

A read-only store is opened with ``read_only=True`` (:func:`assistant.store.articles.open_sqlite`: no schema or
analyzer-reset writes; a file built by another analyzer is then searched as it is). :meth:`LexicalIndex.problem`
is ``PRAGMA quick_check`` for the consistency check.

Limits: the stemmer is light and rule-based (no broken plurals, no roots; infixes untouched), stopword lists
are short, and BM25 sees only term overlap — no synonyms, transliteration or cross-language matching. UNINDEXED
filters are checked per matching row; with ``MAX_TERM_DF`` the rows a query touches stay bounded as the
archive grows.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from assistant.store.articles import open_sqlite, sqlite_problem
from assistant.store.keys import date_key
from assistant.text.terms import DEFAULT_ANALYZER, Analyzer

MAX_TERM_DF = 1000
"""A query term found in more rows than this is left out of the BM25 query: ranking costs time per matching row
(docs/benchmarks.md, 'BM25 ranking cost'), so very common terms would make a query's cost grow with the archive
while adding little (their IDF is low). Corpora under this many chunks are never
affected; when every term is that common the lexical channel returns nothing and the vectors carry the query."""

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5(
    terms, chunk_id UNINDEXED, doc_id UNINDEXED, lang UNINDEXED, source UNINDEXED, date UNINDEXED,
    tokenize='unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS latent (chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, terms BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS latent_doc ON latent (doc_id);
"""

Row = tuple[str, str, str, dict]


def _date(meta: dict) -> int | None:
    d = meta.get("date")
    if isinstance(d, int):
        return d
    if isinstance(d, str) and d.isdigit():
        return int(d)
    return date_key(d if isinstance(d, str) else meta.get("published"))


def _as_key(d: int | str | None) -> int | None:
    """A date filter bound as YYYYMMDD int (accepts the int or a YYYY-MM-DD string)."""
    if d is None or isinstance(d, int):
        return d
    key = int(d) if str(d).isdigit() else date_key(str(d))
    if key is None:
        raise ValueError(f"date filter must be YYYYMMDD or YYYY-MM-DD, got {d!r}")
    return key


class LexicalIndex:
    """BM25 over chunk terms in its own SQLite file; one connection per thread, WAL so readers never block."""

    def __init__(self, path: Path, analyzer: Analyzer | None = None, *, read_only: bool = False):
        self.path = Path(path)
        self.analyzer = analyzer or DEFAULT_ANALYZER
        self.read_only = read_only
        self._local = threading.local()
        if read_only:
            self._conn().execute("SELECT value FROM meta WHERE key='analyzer'").fetchone()  # a lexical index
            self.was_reset = False
            return
        with self._conn() as c:
            c.executescript(_SCHEMA)
            row = c.execute("SELECT value FROM meta WHERE key='analyzer'").fetchone()
            self.was_reset = row is not None and row[0] != self.analyzer.name
            if row is None or row[0] != self.analyzer.name:
                c.execute("DELETE FROM chunks")  # terms from another analyzer would silently never match
                c.execute("DELETE FROM latent")
                c.execute("INSERT OR REPLACE INTO meta VALUES ('analyzer', ?)", (self.analyzer.name,))

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = open_sqlite(self.path, read_only=self.read_only, timeout=30)
            self._local.conn = c
        return c

    def problem(self) -> str | None:
        """What ``PRAGMA quick_check`` finds wrong with the file, or None."""
        return sqlite_problem(self._conn())

    def _params(self, rows: Sequence[Row]) -> list[tuple]:
        """Analyzed rows, computed before any transaction opens so the write lock is held only for the writes."""
        out = []
        for cid, did, text, meta in rows:
            meta = meta or {}
            out.append(
                (
                    " ".join(self.analyzer(text, meta.get("lang"))),
                    str(cid),
                    str(did),
                    meta.get("lang"),
                    meta.get("source"),
                    _date(meta),
                )
            )
        return out

    _INSERT = "INSERT INTO chunks (terms, chunk_id, doc_id, lang, source, date) VALUES (?,?,?,?,?,?)"

    def add(self, rows: Sequence[Row], *, latent: dict[str, bytes] | None = None) -> None:
        """Add ``(chunk_id, doc_id, text, metadata)`` rows (and their packed latent terms) in one transaction."""
        params = self._params(rows)
        with self._conn() as c:
            c.executemany(self._INSERT, params)
            self._put_latent(c, rows, latent)

    @staticmethod
    def _put_latent(c: sqlite3.Connection, rows: Sequence[Row], latent: dict[str, bytes] | None) -> None:
        doc_of = {str(cid): str(did) for cid, did, *_ in rows}
        c.executemany(
            "INSERT OR REPLACE INTO latent VALUES (?,?,?)",
            [(cid, doc_of[cid], blob) for cid, blob in (latent or {}).items() if cid in doc_of],
        )

    def replace_doc(self, doc_id: str, rows: Sequence[Row]) -> None:
        """Make ``rows`` exactly the chunks of ``doc_id`` (delete + add, one transaction)."""
        self.replace_docs({doc_id: rows})

    def replace_docs(self, docs: dict[str, Sequence[Row]], *, latent: dict[str, bytes] | None = None) -> None:
        """``replace_doc`` for several documents in one transaction; ``latent``: packed latent terms by chunk id
        (:mod:`assistant.store.latent`), replaced in the same transaction."""
        params = [p for rows in docs.values() for p in self._params(rows)]
        with self._conn() as c:
            for part, marks in _batches(docs):  # doc_id is UNINDEXED: one scan per statement, so one statement
                c.execute(f"DELETE FROM chunks WHERE doc_id IN ({marks})", part)
                c.execute(f"DELETE FROM latent WHERE doc_id IN ({marks})", part)
            c.executemany(self._INSERT, params)
            self._put_latent(c, [r for rows in docs.values() for r in rows], latent)

    def delete_doc(self, doc_id: str) -> int:
        with self._conn() as c:
            c.execute("DELETE FROM latent WHERE doc_id=?", (doc_id,))
            return c.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,)).rowcount

    def latent_ids(self) -> set[str]:
        return {r[0] for r in self._conn().execute("SELECT chunk_id FROM latent")}

    def latent(self, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        """The packed latent terms of these chunks (those that have them)."""
        out: dict[str, bytes] = {}
        c = self._conn()
        for part, marks in _batches(dict.fromkeys(chunk_ids)):
            out.update(c.execute(f"SELECT chunk_id, terms FROM latent WHERE chunk_id IN ({marks})", part).fetchall())
        return out

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def doc_chunk_ids(self, doc_id: str) -> list[str]:
        rows = self._conn().execute("SELECT chunk_id FROM chunks WHERE doc_id=? ORDER BY rowid", (doc_id,))
        return [r[0] for r in rows]

    def chunk_rows(self) -> list[tuple[str, str]]:
        """Every ``(chunk_id, doc_id)`` row (a chunk id twice means a duplicate row)."""
        return [(r[0], r[1]) for r in self._conn().execute("SELECT chunk_id, doc_id FROM chunks")]

    def delete_chunks(self, chunk_ids: Sequence[str]) -> int:
        n = 0
        with self._conn() as c:
            for part, marks in _batches(chunk_ids):
                n += c.execute(f"DELETE FROM chunks WHERE chunk_id IN ({marks})", part).rowcount
                c.execute(f"DELETE FROM latent WHERE chunk_id IN ({marks})", part)
        return n

    def all_doc_ids(self) -> set[str]:
        return {r[0] for r in self._conn().execute("SELECT DISTINCT doc_id FROM chunks")}

    def match_expression(self, query: str) -> str | None:
        """FTS5 MATCH string for ``query``: its distinct terms, each quoted, OR-ed; None when there are none."""
        return _or_terms(list(dict.fromkeys(self.analyzer(query))))

    def selective_terms(self, terms: Sequence[str], max_df: int) -> list[str]:
        """The terms found in at most ``max_df`` rows; each check reads at most ``max_df + 1`` postings."""
        c = self._conn()
        return [
            t
            for t in terms
            if c.execute(
                "SELECT count(*) FROM (SELECT 1 FROM chunks WHERE chunks MATCH ? LIMIT ?)", (_or_terms([t]), max_df + 1)
            ).fetchone()[0]
            <= max_df
        ]

    def search(
        self,
        query: str,
        k: int,
        *,
        lang: str | None = None,
        source: str | None = None,
        date_from: int | str | None = None,
        date_to: int | str | None = None,
        max_df: int | None = MAX_TERM_DF,
    ) -> list[tuple[str, str, float]]:
        """Top ``k`` ``(chunk_id, doc_id, score)`` by BM25 (positive, higher is better) among filtered rows.
        Terms found in more than ``max_df`` rows are left out of the query (see ``MAX_TERM_DF``)."""
        terms = list(dict.fromkeys(self.analyzer(query)))
        if max_df is not None:
            terms = self.selective_terms(terms, max_df)
        expr = _or_terms(terms)
        date_from, date_to = _as_key(date_from), _as_key(date_to)
        if expr is None or k <= 0:
            return []
        sql = "SELECT chunk_id, doc_id, bm25(chunks) AS s FROM chunks WHERE chunks MATCH ?"
        args: list = [expr]
        for clause, value in (
            ("lang = ?", lang),
            ("source = ?", source),
            ("date >= ?", date_from),
            ("date <= ?", date_to),
        ):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        sql += " ORDER BY s LIMIT ?"
        args.append(int(k))
        return [(cid, did, -s) for cid, did, s in self._conn().execute(sql, args)]


def _batches(ids: Iterable[str], size: int = 500) -> Iterator[tuple[list[str], str]]:
    """``(ids, "?,?,...")`` for each run of at most ``size`` ids: an ``IN`` list per statement, under SQLite's
    bound-parameter limit."""
    ids = list(ids)
    for i in range(0, len(ids), size):
        part = ids[i : i + size]
        yield part, ",".join("?" * len(part))


def _or_terms(terms: Sequence[str]) -> str | None:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms) if terms else None
