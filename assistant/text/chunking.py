"""Chunking: groups of whole sentences with character offsets into the stored article text.

Design: sentences come from :func:`assistant.text.sentences.split_sentences`; consecutive sentences are packed into a
chunk until adding the next one would pass ``max_chars``. A chunk's ``text`` is always exactly
``article_text[start:end]`` (the gaps between its sentences included), so a chunk, and every sentence span it
lists, can be cited verbatim. A single sentence longer than ``max_chars`` is cut at the last whitespace before
the limit (a hard cut when there is none) and each piece is treated as a sentence.

Limits: sizes are in characters, not model tokens (Arabic runs at roughly 3-4 characters per e5 token, so the
default 1,000 characters stays well inside the embedder's 512-token window); there is no overlap between chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.text.sentences import split_sentences

DEFAULT_MAX_CHARS = 1000


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]
    """Absolute (start, end) offsets of the chunk's sentences in the article text."""


def _cut_long(text: str, s: int, e: int, max_chars: int) -> list[tuple[int, int]]:
    pieces = []
    while e - s > max_chars:
        cut = text.rfind(" ", s + 1, s + max_chars)
        if cut <= s:
            cut = s + max_chars
        piece_end = cut
        while piece_end > s and text[piece_end - 1].isspace():
            piece_end -= 1  # no trailing whitespace in a piece (e.g. a double space before the cut)
        pieces.append((s, piece_end))
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        pieces.append((s, e))
    return pieces


def chunk_text(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    if max_chars < 50:
        raise ValueError(f"max_chars must be at least 50, got {max_chars}")
    sentences: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        sentences.extend(_cut_long(text, s, e, max_chars))
    chunks: list[Chunk] = []
    group: list[tuple[int, int]] = []

    def flush() -> None:
        if group:
            s, e = group[0][0], group[-1][1]
            chunks.append(Chunk(len(chunks), s, e, text[s:e], tuple(group)))
            group.clear()

    for span in sentences:
        if group and span[1] - group[0][0] > max_chars:
            flush()
        group.append(span)
    flush()
    return chunks
