"""Dense retrieval over the chunk index, with metadata filters applied inside Chroma.

``Filters`` maps the user's ``--filter key=value`` pairs (``lang``, ``source``, ``date_from``, ``date_to`` as
YYYY-MM-DD) to a Chroma ``where`` clause, so filtering happens in the index and top-k is taken among matching
chunks. Results are deduplicated: a chunk whose normalized text equals a better-ranked chunk's is dropped (the
same wire story stored under two ids). Limits: one vector per chunk, no lexical signal yet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from assistant.errors import ConfigError
from assistant.store import ChunkHit, Library, date_key
from ingest.arabic import normalize_for_search

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILTER_KEYS = ("lang", "source", "date_from", "date_to")


@dataclass(frozen=True)
class Filters:
    lang: str | None = None
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    @classmethod
    def from_mapping(cls, data: dict | None) -> "Filters":
        data = {k: v for k, v in (data or {}).items() if v not in (None, "")}
        unknown = sorted(set(data) - set(FILTER_KEYS))
        if unknown:
            raise ConfigError(f"unknown filter {unknown[0]!r}; use one of: {', '.join(FILTER_KEYS)}")
        for key in ("date_from", "date_to"):
            if key in data and not _DATE.match(str(data[key])):
                raise ConfigError(f"filter {key} must be a date as YYYY-MM-DD, got {data[key]!r}")
        if "lang" in data and data["lang"] not in ("ar", "en"):
            raise ConfigError(f"filter lang must be 'ar' or 'en', got {data['lang']!r}")
        return cls(**{k: str(v) for k, v in data.items()})

    @classmethod
    def from_pairs(cls, pairs: Sequence[str]) -> "Filters":
        data = {}
        for p in pairs:
            if "=" not in p:
                raise ConfigError(f"--filter expects key=value, got {p!r}")
            k, v = p.split("=", 1)
            data[k.strip()] = v.strip()
        return cls.from_mapping(data)

    def where(self) -> dict | None:
        clauses: list[dict] = []
        if self.lang:
            clauses.append({"lang": self.lang})
        if self.source:
            clauses.append({"source": self.source})
        if self.date_from:
            clauses.append({"date": {"$gte": date_key(self.date_from)}})
        if self.date_to:
            clauses.append({"date": {"$lte": date_key(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


RETRIEVAL_MODES = ("dense",)


class Retriever:
    def __init__(self, library: Library, embedder, *, mode: str = "dense"):
        if mode not in RETRIEVAL_MODES:
            raise ConfigError(f"unknown retrieval mode {mode!r}; use one of: {', '.join(RETRIEVAL_MODES)}")
        self.library = library
        self.embedder = embedder
        self.mode = mode
        self.name = f"{mode}:{getattr(embedder, 'name', '?')}"

    def retrieve(self, question: str, *, top_k: int, filters: Filters | None = None,
                 query_vector: np.ndarray | None = None) -> list[ChunkHit]:
        qv = self.embedder.embed_query(question) if query_vector is None else query_vector
        where = filters.where() if filters else None
        hits = self.library.index.query(qv, top_k * 2, where=where)
        seen: set[str] = set()
        out = []
        for h in hits:
            key = normalize_for_search(" ".join(h.chunk.text.split()))
            if key in seen:
                continue
            seen.add(key)
            out.append(h)
            if len(out) == top_k:
                break
        return out
