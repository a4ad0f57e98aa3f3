"""The constrained answer format: JSON sentences with evidence numbers, and a reader that streams it as text.

Design: with ``ASSISTANT_ANSWER_FORMAT=json`` the answer prompt asks for
``{"sentences": [{"text": "...", "citations": [n, ...]}]}`` and the backend receives :func:`answer_schema`: the
offered evidence numbers as an ``enum`` and at least one citation per sentence. llama.cpp compiles the schema
into a grammar and OpenAI-compatible servers enforce it as structured output, so the model cannot write an
unparseable reply, an uncited sentence or a number that was never offered. An empty list means the evidence does
not answer. :class:`JsonAnswerStream` reads the reply while it streams and hands back the text form (``sentence
[1][2]``) piece by piece, so callers stream readable text whatever the format; :func:`to_text` converts a whole
reply. The text form then goes through the same parsing and verification as a free-text reply. A reply that is
not JSON at all (a backend that ignored the schema) is passed on unchanged and parsed as free text. A sentence's
``text`` is never read for markers (its citations are in ``citations``): bracket numbers copied into it from an
article ("[2]") are put in parentheses (:func:`assistant.answer.citations.neutralize_markers`) before the markers
are added.

Limits: the streamed draft shows a sentence's markers only once its ``citations`` array is complete; a ``text``
holding several sentences gives each of them the same citations; keys other than ``text`` and ``citations`` are
ignored.

With the default text format the reply is constrained too where the backend takes a grammar (llama.cpp):
:func:`answer_grammar` admits only the not-found reply or one to three sentences, each ending in markers of
offered evidence numbers (``text [2]``, ``text. [1][3]``). A sentence cannot end without its markers, so a weak
model that forgets them still produces a checkable answer. Limits: inside a sentence ``.`` is allowed only
before a digit (``2.3``), so an abbreviation like ``U.S.`` cannot be written; ``[1, 3]`` is written ``[1][3]``.
"""

from __future__ import annotations

import json
import re

from assistant.answer.citations import neutralize_markers, render_with_markers
from assistant.text.sentences import split_sentences

ANSWER_FORMATS = ("text", "json")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_TEXT_KEY = re.compile(r'"text"\s*:\s*"')
_CITATIONS = re.compile(r'"citations"\s*:\s*\[([^\]]*)\]')
_OPEN_MARKER = re.compile(r"\[\s*\d*(?:\s*[,،]\s*\d*)*$")
"""A bracket number not yet closed at the end of a streamed text: held back until it reads as one or not."""


def answer_schema(numbers: list[int]) -> dict:
    """The JSON schema of an answer citing only ``numbers`` (the offered evidence)."""
    return {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "citations": {
                            "type": "array",
                            "items": {"type": "integer", "enum": sorted(numbers)},
                            "minItems": 1,
                        },
                    },
                    "required": ["text", "citations"],
                },
            }
        },
        "required": ["sentences"],
    }


def answer_grammar(numbers: list[int], not_found: str) -> str:
    """A GBNF grammar (llama.cpp) of a text answer citing only ``numbers``, or exactly ``not_found``."""
    nums = " | ".join(f'"{n}"' for n in sorted(set(numbers), key=lambda n: (-len(str(n)), n)))
    return "\n".join(
        [
            f'root ::= "{not_found}" | sentence (" " sentence){{0,2}}',
            'sentence ::= body end? " "? cite+ end?',
            'body ::= char (char | "." [0-9])*',
            r"char ::= [^.!?\u061F\[\]\n]",
            r"end ::= [.!?\u061F]",
            'cite ::= "[" num "]"',
            f"num ::= {nums}",
        ]
    )


def _read_string(buf: str, i: int) -> tuple[str, bool, int]:
    """Decode the JSON string body starting at ``buf[i]``: ``(text so far, closed, index after it)``; stops
    before an escape that has not fully arrived."""
    out: list[str] = []
    while i < len(buf):
        ch = buf[i]
        if ch == '"':
            return "".join(out), True, i + 1
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(buf):
            break
        esc = buf[i + 1]
        if esc == "u":
            if i + 6 > len(buf):
                break
            try:
                out.append(chr(int(buf[i + 2 : i + 6], 16)))
            except ValueError:
                out.append(buf[i : i + 6])
            i += 6
        else:
            out.append(_ESCAPES.get(esc, esc))
            i += 2
    return "".join(out), False, i


def _partial_sentences(buf: str) -> list[tuple[str, list[int] | None]]:
    """``(text, citations or None while not complete)`` for every sentence object begun in ``buf``."""
    out: list[tuple[str, list[int] | None]] = []
    pos = 0
    while True:
        m = _TEXT_KEY.search(buf, pos)
        if not m:
            return out
        text, closed, end = _read_string(buf, m.end())
        if not closed:
            out.append((text, None))
            return out
        nxt = _TEXT_KEY.search(buf, end)
        cm = _CITATIONS.search(buf, end, nxt.start() if nxt else len(buf))
        cites = [int(n) for n in re.findall(r"\d+", cm.group(1))] if cm else None
        out.append((text, cites))
        pos = end


def _draft(sentences: list[tuple[str, list[int] | None]]) -> str:
    parts = []
    for text, cites in sentences:
        shown = neutralize_markers(text.strip())
        if cites is None:  # still streaming: "[2" shown now would be "(2)" once closed, and the draft only appends
            shown = _OPEN_MARKER.sub("", shown).rstrip()
        parts.append(shown + ((" " + "".join(f"[{n}]" for n in cites)) if cites else ""))
    return " ".join(p for p in parts if p)


class JsonAnswerStream:
    """Feed raw pieces of a JSON answer; get back the new part of its text form (possibly empty)."""

    def __init__(self) -> None:
        self.raw = ""
        self._shown = ""

    def feed(self, piece: str) -> str:
        self.raw += piece
        if not self.raw.lstrip().startswith("{"):  # not JSON: pass the text through as it comes
            new = self.raw[len(self._shown) :]
            self._shown = self.raw
            return new
        draft = _draft(_partial_sentences(self.raw))
        if not draft.startswith(self._shown):  # only ever append to what the reader has seen
            return ""
        new = draft[len(self._shown) :]
        self._shown = draft
        return new

    def text(self) -> str:
        return to_text(self.raw)


def to_text(raw: str) -> str:
    """The text form of a whole reply: each sentence followed by its markers (``Text [1][2].``); ``""`` for an
    empty sentence list; the reply itself when it is not a JSON answer."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, ValueError):
        if raw.lstrip().startswith("{"):  # cut off (max tokens) or malformed: keep what can be read
            return _draft([(t, c) for t, c in _partial_sentences(raw) if c])
        return raw
    if not isinstance(data, dict) or not isinstance(data.get("sentences"), list):
        return raw
    pieces: list[tuple[str, list[int]]] = []
    for item in data["sentences"]:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        cites = [n for n in item.get("citations") or [] if isinstance(n, int) and not isinstance(n, bool)]
        text = neutralize_markers(item["text"].strip())
        for s, e in split_sentences(text) or [(0, len(text))]:
            pieces.append((text[s:e].strip(), cites))
    return render_with_markers([(t, c) for t, c in pieces if t])
