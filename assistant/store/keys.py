"""Ids and keys of stored articles: the content hash, the stable document id, the identity of a file's article,
and the date key that range filters use. Pure functions; every writer and index uses these and no other."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


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
