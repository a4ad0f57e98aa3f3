"""Text made safe to show: article text, titles and file names on a terminal or a web page.

Design: one pure function, :func:`display_text`, applied only where text is *shown* (the CLI's ``docs show`` and
``failed:`` lines, the UI's rendering). The stored article text is never changed by it: it stays verbatim,
because citations are character offsets into it. Two modes:

- text (the default; an article's body, a title): ANSI/VT escape sequences (CSI such as ``ESC [ 31 m``, OSC and
  DCS strings ended by BEL or ST, two-character ``ESC x`` sequences, the 8-bit CSI) are removed whole; every
  other C0 and C1 control character and DEL is removed, except tab, newline and the ``\\r`` of a ``\\r\\n``; a
  lone ``\\r`` becomes ``\\n`` (it would let the rest of the line overwrite its start on a terminal); a lone
  surrogate (from an undecodable file name) becomes U+FFFD. Bidi marks are kept: Arabic text uses them.
- ``one_line=True`` (file names, locators, error lines, metadata values): nothing is removed; every control
  character (newline and tab included), DEL, the Unicode line and paragraph separators and the bidi controls
  (LRM, RLM, ALM, the embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069) are shown as ``\\uXXXX``
  escapes, and a lone surrogate that stands for an undecodable byte as ``\\xNN``; so a name stays one line, cannot
  recolour or retitle the terminal, cannot reorder what follows it, and two names that differ only by an invisible
  character still look different.

HTML escaping is a separate step (:mod:`assistant.ui.render` does it after this); this function produces plain
text. Limits: other invisible format characters (zero-width space and joiners) are kept in both modes (they are
legitimate in Arabic and Persian names); an escape sequence longer than 512 characters, or an unterminated OSC/DCS
string, loses only its introducer in text mode, and its body stays visible as plain characters.
"""

from __future__ import annotations

import re

__all__ = ["display_text"]

_SEQUENCE = re.compile(
    r"\x1b\[[0-?]{0,512}[ -/]{0,16}[@-~]"  # CSI: ESC [ parameters intermediates final
    r"|\x9b[0-?]{0,512}[ -/]{0,16}[@-~]"  # 8-bit CSI
    r"|\x1b[\]PX^_][^\x07\x1b\n]{0,512}(?:\x07|\x1b\\)"  # OSC, DCS, SOS, PM, APC ended by BEL or ST
    r"|\x1b[ -/]{0,16}[0-~]"  # any other ESC sequence (ESC c, ESC ( B, ESC 7, an unterminated ESC ] ...)
)
_CONTROL = re.compile(r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ONE_LINE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff]"
)


def _escape(m: re.Match) -> str:
    o = ord(m.group())
    if 0xDC80 <= o <= 0xDCFF:  # what surrogateescape makes of an undecodable byte
        return f"\\x{o - 0xDC00:02x}"
    return f"\\u{o:04x}"


def _drop(m: re.Match) -> str:
    c = m.group()
    if c == "\r":
        return "\n"
    return "\ufffd" if "\ud800" <= c <= "\udfff" else ""


def display_text(text: str, *, one_line: bool = False) -> str:
    """``text`` safe to print on a terminal or to put (HTML-escaped) into a page; see the module docstring.

    ``one_line=False``: escape sequences and control characters removed (tab, newline and ``\\r\\n`` kept, a lone
    ``\\r`` made ``\\n``). ``one_line=True``: every control and bidi character shown as a ``\\uXXXX`` escape."""
    if one_line:
        return _ONE_LINE.sub(_escape, text)
    return _CONTROL.sub(_drop, _SEQUENCE.sub("", text))
