"""Parsing a model's cited answer and mapping its markers to verbatim spans.

The model writes sentences ending in evidence numbers (``... [2]``, ``[1][3]``, ``[1, 3]``). Parsing splits the
reply into sentences (a marker-only fragment joins the sentence before it), reads each sentence's markers, and
drops any number that was not offered as evidence (an invented citation is never shown). A sentence left with
no valid marker is removed. Kept citations are renumbered 1..n in order of first use, so the shown answer's
``[n]`` always matches ``citations[n-1]``.

Article text is never read for markers: an article's own bracket numbers (a footnote "[2]", a list item "[1] first
point", "[٢]") are written in parentheses by :func:`neutralize_markers` wherever article text reaches the model or
the shown answer (the evidence in every prompt, quotes inside answers, the ``text`` of a JSON answer). So every
marker the parser sees was written by the answer itself, and it keeps only those of offered evidence. The
citation's ``quote`` field stays the verbatim stored span; only the copy shown inside the answer text changes.

Limits: a model that invents a bracket number of its own is taken at its word when the number was offered (its
support is then checked like any citation); only the ``[n]`` forms parsed here are neutralized (``[1-3]`` or
``[a]`` are plain text to every reader of markers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text.arabic import fold_digits
from assistant.text.sentences import split_sentences

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,،]\s*\d+)*)\s*\]")
# Markers at the start of a fragment ("Text. [2] Next." or "Text. [1, 2].") belong to the sentence before it.
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,،]\s*\d+)*\s*\]\s*[.،,؛;!?؟]?)+\s*")


def neutralize_markers(text: str) -> str:
    """``text`` with every bracketed number that reads as a citation marker (``[2]``, ``[٢]``, ``[1, 3]``) put in
    parentheses instead (``(2)``, ``(٢)``, ``(1, 3)``), so text from an article shown to the model or inside an
    answer can never be taken for the answer's own marker. The length is unchanged, so offsets still hold."""
    return _MARKER.sub(lambda m: "(" + m.group(0)[1:-1] + ")", text)


@dataclass
class ParsedSentence:
    text: str
    """The sentence with its markers removed, trimmed."""
    cited: list[int]
    """Offered evidence numbers it cites, in order, without duplicates."""
    invented: list[int] = field(default_factory=list)
    """Numbers it cites that were never offered."""


def parse_cited_answer(reply: str, offered: set[int]) -> list[ParsedSentence]:
    reply = reply.strip()  # digits are folded only inside markers: the answer text keeps its own digits
    pieces: list[str] = []
    for s, e in split_sentences(reply):
        frag = reply[s:e]
        lead = _LEADING_MARKERS.match(frag) if pieces else None
        if lead:
            # Move only the markers (not their trailing punctuation, which would double the previous one's).
            pieces[-1] += " " + "".join(m.group(0) for m in _MARKER.finditer(lead.group(0)))
            frag = frag[lead.end() :]
        if frag:
            pieces.append(frag)
    out = []
    for piece in pieces:
        nums = [int(fold_digits(n)) for group in _MARKER.findall(piece) for n in re.split(r"\s*[,،]\s*", group)]
        cited: list[int] = []
        invented: list[int] = []
        for n in nums:
            (cited if n in offered else invented).append(n)
        text = _MARKER.sub("", piece)
        text = re.sub(r"\s+([.،,؛;!?؟])", r"\1", text)
        text = re.sub(r"\s{2,}", " ", text).strip()
        if not re.search(r"\w", text):
            continue
        out.append(ParsedSentence(text, list(dict.fromkeys(cited)), list(dict.fromkeys(invented))))
    return out


def split_final_punctuation(text: str) -> tuple[str, str]:
    """``("Text", ".")`` for ``"Text."``: the sentence body and its closing punctuation (possibly empty)."""
    m = re.match(r"^(.*?)([.!?؟…]*)$", text, re.S)
    assert m is not None  # the pattern matches every string
    return m.group(1).rstrip(), m.group(2)


def render_with_markers(sentences: list[tuple[str, list[int]]]) -> str:
    """Join sentences, putting each one's markers before its final punctuation: ``Text [1][2].``"""
    parts = []
    for text, ids in sentences:
        marks = "".join(f"[{i}]" for i in ids)
        body, punct = split_final_punctuation(text)
        parts.append(f"{body} {marks}{punct}" if marks else text)
    return " ".join(parts)
