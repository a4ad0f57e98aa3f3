"""Sentence splitting for Arabic and English news text, as character spans into the original string.

Design: the splitter never copies or rewrites text; it returns ``(start, end)`` spans in Unicode code points so
that ``text[start:end]`` is the sentence verbatim (leading/trailing whitespace excluded). A sentence ends at
``.``, ``!``, ``?``, the Arabic question mark ``؟``, the ellipsis ``…``, or a line break. The Arabic comma ``،``
and semicolon ``؛`` (and the Latin ``,`` ``;``) never end a sentence. Closing quotes and brackets that follow the
terminator stay with the sentence (``“...”.`` and ``...”``).

A period does not end a sentence when it is part of a number (``2.5``, ``٣٫٥``), when it follows a single Latin
letter (initials: ``J. Smith``) or a common English abbreviation (``Mr.``, ``U.S.``, ``e.g.``), or when the next
character is a lowercase Latin letter. Limits: no model, no language-specific abbreviation list beyond English;
very long unpunctuated runs are left whole (the chunker cuts them).
"""

from __future__ import annotations

import re
from itertools import pairwise

_TERMINATORS = ".!?؟…"
_CLOSERS = "\"'”’»)]}›"
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "gov",
    "sen",
    "rep",
    "vs",
    "etc",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "ltd",
    "co",
    "corp",
    "dept",
    "est",
    "fig",
    "vol",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word == "no":  # "No. 5" is an abbreviation; "the answer was no." ends a sentence
        return text[dot + 1 :].lstrip(" \t")[:1].isdigit()
    return len(word) == 1 or word in _ABBREVIATIONS


def _period_ends_sentence(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if prev.isdigit() and nxt.isdigit():
        return False
    if nxt and not nxt.isspace() and nxt not in _CLOSERS and nxt not in _TERMINATORS:
        return False  # "U.S.A", "example.com", "3.14"
    if _is_abbreviation(text, i):
        return False
    j = i + 1
    while j < len(text) and text[j] in " \t" + _CLOSERS:
        j += 1
    if j < len(text) and text[j].isalpha() and text[j].islower() and text[j].isascii():
        return False
    return True


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as absolute offsets into ``text``, whitespace trimmed, none empty."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    sent_start = start
    i = start
    while i < end:
        ch = text[i]
        cut = None
        if ch in "\n\r\u2028\u2029":
            cut = i
        elif ch in _TERMINATORS and (ch != "." or _period_ends_sentence(text, i)):
            j = i + 1
            while j < end and (text[j] in _TERMINATORS or text[j] in _CLOSERS):
                j += 1
            cut = j
        if cut is not None:
            _add_span(text, sent_start, cut, spans)
            sent_start = cut
            i = max(cut, i + 1)
            continue
        i += 1
    _add_span(text, sent_start, end, spans)
    return spans


def _add_span(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s and any(c.isalnum() for c in text[s:e]):
        spans.append((s, e))
    elif e > s and spans:
        # Punctuation-only fragment (e.g. a lone closing quote): attach it to the previous sentence
        # only when directly adjacent (never across a line break, which ends a sentence), otherwise drop it.
        ps, pe = spans[-1]
        gap = text[pe:s]
        if gap.strip() == "" and not any(c in "\n\r\u2028\u2029" for c in gap):
            spans[-1] = (ps, e)


_HARD_CUTS = "؛;"
_QUOTE_OPEN = '“«"'
_QUOTE_CLOSE = '”»"'
_SOFT_CUTS = "،,"
_EDGE = " \t\n،,؛;:“”«»\"'"
_TAIL = _EDGE + ".!?؟…"


def split_clauses(
    text: str, start: int, end: int, *, long_chars: int = 160, min_chars: int = 50
) -> list[tuple[int, int]]:
    """Clause spans of the sentence ``text[start:end]`` (absolute offsets), or ``[(start, end)]`` when it does
    not split.

    A sentence is cut after ``؛``/``;`` and at the edges of a quotation (“…”, «…»); a long one (over
    ``long_chars`` characters) also after ``،``/``,``. Pieces shorter than ``min_chars`` are merged into the piece
    after them (the last into the one before), so a clause is never a bare "حسب البيان،". Each clause is trimmed
    of spaces, quote marks and the punctuation at its edges; ``text[s:e]`` is the clause verbatim.
    Limits: a comma is taken as a clause boundary without parsing ("the president, Bashar al-Assad, said"
    splits only when the pieces are long enough); nested quotations are read as flat."""
    soft = end - start > long_chars
    cuts = [start]
    in_quote = False
    for i in range(start, end):
        ch = text[i]
        if ch in _QUOTE_OPEN and not in_quote:
            in_quote = True
            cuts.append(i)
        elif ch in _QUOTE_CLOSE and in_quote:
            in_quote = False
            cuts.append(i + 1)
        elif ch in _HARD_CUTS or (soft and ch in _SOFT_CUTS):
            cuts.append(i + 1)
    cuts.append(end)
    pieces = [(a, b) for a, b in pairwise(cuts) if b > a and _trim(text, a, b)[1] > _trim(text, a, b)[0]]
    merged: list[list[int]] = []
    carry = None
    for a, b in pieces:
        if carry is not None:
            a, carry = carry, None
        s, e = _trim(text, a, b)
        if e - s < min_chars:
            carry = a
            continue
        merged.append([a, b])
    if carry is not None:
        if merged:
            merged[-1][1] = end
        else:
            merged.append([carry, end])
    out = [_trim(text, a, b) for a, b in merged]
    out = [(s, e) for s, e in out if e > s]
    return out if len(out) > 1 else [(start, end)]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _EDGE:
        a += 1
    while b > a and text[b - 1] in _TAIL:
        b -= 1
    return a, b
