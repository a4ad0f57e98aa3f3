"""Near-duplicate detection for syndicated copies (the same wire story with a new dateline, a changed word or an
added sentence): MinHash over normalized word shingles, LSH band keys stored in SQLite, exact Jaccard to confirm.

Design: the text is normalized for search (:func:`assistant.text.arabic.normalize_for_search`: Arabic letter folding,
diacritics, case), split into word tokens, and turned into the set of ``SHINGLE``-word shingles. Each shingle is
hashed to 32 bits; ``NUM_PERM`` universal hashes ``(a·x + b) mod (2^61 − 1)`` with fixed seeded ``a, b`` give the
MinHash signature, cut into ``BANDS`` bands of ``ROWS`` values, each band hashed to a signed 64-bit key. The
keys of every stored article live in ``articles.db`` (``minhash_bands``, written in the article's commit
transaction); a new article's candidates are the stored (or same-batch) articles sharing a band key, confirmed
by the exact Jaccard similarity of their shingle sets (≥ ``THRESHOLD``), best match wins (ties: smallest id),
so the decision does not depend on batch boundaries. With 32 × 4 bands a pair at Jaccard 0.6 becomes a
candidate with probability 0.99, one at 0.3 with 0.23 (then rejected by the exact check).

Limits: texts with fewer than ``MIN_SHINGLES`` shingles (about a dozen words) are never checked (too short
to tell a copy from a common phrase); heavy rewrites, translations and reordered paragraphs fall below the
threshold; the link points at the best match at ingest time and is not updated if that article changes or is
deleted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from assistant.text.arabic import normalize_for_search

NUM_PERM, BANDS, ROWS = 128, 32, 4
SHINGLE = 3
MIN_SHINGLES = 10
THRESHOLD = 0.6
MAX_CANDIDATES = 20
MODES = ("link", "skip", "off")

_WORD = re.compile(r"[^\W_]+")
_P = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(0x5EED_D0C)  # fixed forever: band keys are persisted
_A = _rng.integers(1, 1 << 32, NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 1 << 32, NUM_PERM, dtype=np.uint64)


def shingles(text: str) -> frozenset[str]:
    words = _WORD.findall(normalize_for_search(text or ""))
    return frozenset(" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def signature(sh: Iterable[str]) -> np.ndarray:
    """MinHash signature (``NUM_PERM`` uint64 values) of a non-empty shingle set."""
    x = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=4).digest(), "little") for s in sh),
        dtype=np.uint64,
    )
    return ((x[:, None] * _A[None, :] + _B[None, :]) % _P).min(axis=0)  # < 2^64: no overflow


def band_keys(sig: np.ndarray) -> list[int]:
    out = []
    for b in range(BANDS):
        digest = hashlib.blake2b(bytes([b]) + sig[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass
class Fingerprint:
    shingles: frozenset[str]
    keys: list[int]


def fingerprint(text: str) -> Fingerprint | None:
    """Shingles and band keys of ``text``; None when it is too short to check."""
    sh = shingles(text)
    if len(sh) < MIN_SHINGLES:
        return None
    return Fingerprint(sh, band_keys(signature(sh)))


def best_match(
    fp: Fingerprint,
    candidates: list[tuple[str, int]],
    text_of: Callable[[list[str]], dict[str, str]],
    *,
    exclude: str | None = None,
) -> tuple[str, float] | None:
    """The candidate (``(doc_id, shared_band_count)`` pairs) with the highest exact Jaccard ≥ ``THRESHOLD``."""
    best: dict[str, int] = {}
    for doc_id, n in candidates:
        if doc_id != exclude:
            best[doc_id] = max(n, best.get(doc_id, 0))
    ranked = sorted(best, key=lambda d: (-best[d], d))[:MAX_CANDIDATES]
    texts = text_of(ranked) if ranked else {}
    scored = [(jaccard(fp.shingles, shingles(texts[d])), d) for d in ranked if d in texts]
    scored = [(j, d) for j, d in scored if j >= THRESHOLD]
    if not scored:
        return None
    j, d = min(scored, key=lambda t: (-t[0], t[1]))
    return d, j
