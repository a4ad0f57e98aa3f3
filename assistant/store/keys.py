"""Ids and keys of stored articles: the content hash, the stable document id, the identity of a file's article,
the ids of chunks and sentences, and the date key that range filters use. Pure functions; every writer and index
uses these and no other.

Chunk ids are ``{doc_id}:{hash[:8]}:{i}`` (:func:`make_chunk_id`) and sentence ids ``{chunk_id}:s{j}``
(:func:`make_sentence_id`): deterministic, so a re-run makes the same ids, and readable back
(:func:`doc_id_of`, :func:`chunk_id_of`, :func:`hash_prefix_of`) even when the document id holds colons (a URL),
since the parts after it never do. Only this module writes or parses that format.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_ENTRY_ID = re.compile(r"^(.*):([0-9a-f]+):(\d+)(?::s\d+)?$")
HASH_PREFIX = 8
"""Characters of the content hash a chunk id carries."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_doc_id(*, explicit: str | None, url: str | None, locator: str, key: str | None = None) -> str:
    """Stable id: the input's own id when it is a safe token, else a hash of its id, its URL, its identity
    ``key`` (:func:`identity_key`: source + file name, for files) or, last, its locator."""
    if explicit:
        return explicit if _SAFE_ID.match(explicit) else "id-" + hashlib.sha1(explicit.encode()).hexdigest()[:16]
    basis = f"url:{url}" if url else f"key:{key}" if key else f"loc:{locator}"
    return hashlib.sha1(basis.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def identity_key(source: str | None, name: str) -> str:
    """What makes a file's article "the same article" when it has no id or URL of its own: its source
    (case-folded, whitespace collapsed) and its name (the file name, or the path inside the folder that was
    ingested; ``#N`` for the N-th item of a multi-article file), never the folder it happens to sit in, so
    ``a.txt``, ``$PWD/a.txt`` and an upload named ``a.txt`` are one article. NFC-normalized."""
    src = " ".join((source or "").split()).casefold()
    return unicodedata.normalize("NFC", f"{src}/{name.replace(os.sep, '/')}")


def date_key(published: str | None) -> int | None:
    """YYYYMMDD as an int (for range filters inside Chroma), or None when the date is missing or unparseable."""
    if not published:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", published)
    return int(m.group(1) + m.group(2) + m.group(3)) if m else None


def make_chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """The id of chunk ``index`` of the article ``doc_id`` whose text hashes to ``content_hash``."""
    return f"{doc_id}:{content_hash[:HASH_PREFIX]}:{index}"


def make_sentence_id(chunk_id: str, j: int) -> str:
    """The id of sentence ``j`` of the chunk ``chunk_id`` (in the sentence-vector collection)."""
    return f"{chunk_id}:s{j}"


def doc_id_of(entry_id: str) -> str | None:
    """The article id inside a chunk id (``doc:hash:index``) or a sentence id (``doc:hash:index:sN``); None when
    ``entry_id`` is neither."""
    m = _ENTRY_ID.match(entry_id)
    return m.group(1) if m else None


def chunk_id_of(sentence_id: str) -> str:
    """The chunk id inside a sentence id (``chunk_id:sN``)."""
    return sentence_id.rsplit(":s", 1)[0]


def hash_prefix_of(chunk_id: str, doc_id: str) -> str | None:
    """The content-hash prefix inside ``chunk_id`` when it is a chunk id of ``doc_id``, else None."""
    parts = chunk_id.rsplit(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == doc_id else None
