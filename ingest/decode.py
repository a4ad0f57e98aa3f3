"""Bytes to text for the loaders, without ever altering valid UTF-8 text.

Design: the encoding is chosen by a fixed, explainable sequence instead of a statistical guesser, because the
stored text is what citation offsets count into and must be reproducible:

1. UTF-8 with BOM (the BOM is stripped, nothing else changes);
2. UTF-16, only with a UTF-16 BOM or when the bytes look like UTF-16 (NUL bytes at one parity, none at the other);
3. strict UTF-8 (the common case: the text is returned exactly as decoded, line endings included);
4. Windows-1256 (legacy Arabic), accepted only when the result is plausible text: mostly letters, at least 90%
   ordinary characters (control characters are not), and the non-ASCII characters mostly letters (cp1256 maps
   nearly every byte to something, so an unchecked fallback would accept any binary file).

Data with NUL bytes (outside UTF-16) is rejected as binary, and so is text made mostly of control characters:
more than a third of it, or more than :data:`FEW_CONTROLS` and over 1% of it. A text file with a few stray
control characters (an ANSI colour sequence pasted from a terminal, a bell, a form feed) is text and is kept
verbatim, controls included: the stored text is what citation offsets count into, and whoever shows it removes
the controls at display time (:func:`assistant.text.safe.display_text`).
Limits: other legacy encodings (Windows-1252, ISO-8859-6, MacArabic, UTF-32) are not recognised and are
reported as unknown; a declared charset (HTML ``<meta charset>``, XML prolog) is not consulted here.
"""

from __future__ import annotations

import codecs
from typing import cast

from ingest.models import LoadError

UNKNOWN_ENCODING = "unknown text encoding (tried UTF-8, UTF-8 with BOM, UTF-16, Windows-1256)"
BINARY = "binary file, not text"
EMPTY = "empty file"

_ALLOWED_CONTROLS = frozenset("\t\n\r\f")
_ARABIC_PUNCT = frozenset("،؛؟٪٫٬ـ")
FEW_CONTROLS = 16
"""Control characters a text may hold whatever its length (beyond this, at most 1% of it); an article is not lost
for one stray escape sequence."""


def _is_control(ch: str) -> bool:
    o = ord(ch)
    return (o < 0x20 and ch not in _ALLOWED_CONTROLS) or o == 0x7F or 0x80 <= o <= 0x9F


def _looks_binary(text: str) -> bool:
    """NUL anywhere, or control characters making up more than a third of the text (mostly non-text), or more
    than :data:`FEW_CONTROLS` of them and over 1% of the text."""
    if "\x00" in text:
        return True
    controls = sum(1 for ch in text if _is_control(ch))
    return controls * 3 > len(text) or controls > max(FEW_CONTROLS, len(text) * 0.01)


def _looks_utf16(data: bytes) -> str | None:
    """Return 'utf-16-le'/'utf-16-be' when NULs sit at one byte parity only (BOM-less UTF-16 with ASCII)."""
    sample = data[:65536]
    n = len(sample) // 2
    if n < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= n * 0.1 and even <= n * 0.01:
        return "utf-16-le"
    if even >= n * 0.1 and odd <= n * 0.01:
        return "utf-16-be"
    return None


def _plausible_cp1256(text: str) -> bool:
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return False
    letters = sum(1 for ch in visible if ch.isalpha())
    ordinary = sum(1 for ch in visible if ch.isalnum() or " " <= ch < "\x7f" or ch in _ARABIC_PUNCT or ch in "«»–—…")
    non_ascii = [ch for ch in visible if ord(ch) >= 0x80]
    non_ascii_letters = sum(1 for ch in non_ascii if ch.isalpha() or ch in _ARABIC_PUNCT)
    return (
        letters >= len(visible) * 0.5 and ordinary >= len(visible) * 0.9 and non_ascii_letters >= len(non_ascii) * 0.7
    )


def _decode(data: bytes, path: str, *, final: bool) -> tuple[str, str]:
    """Decode ``data`` (the whole file, or a prefix when ``final`` is false) and return (text, codec name).

    The codec name is one Python's ``open()`` accepts and that reproduces the same text for the whole file
    (``utf-8-sig`` and ``utf-16`` consume their BOM)."""

    def attempt(codec: str) -> str | None:
        try:
            return codecs.getincrementaldecoder(codec)("strict").decode(data, final)
        except UnicodeDecodeError:
            return None

    if data.startswith(codecs.BOM_UTF8):
        text = attempt("utf-8-sig")
        if text is None:
            raise LoadError(path, UNKNOWN_ENCODING + ": invalid UTF-8 after a UTF-8 byte-order mark")
        codec = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        codec = (
            "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else cast(str, _looks_utf16(data))
        )
        text = attempt(codec)
        if text is None:
            if b"\x00" in data:
                raise LoadError(path, BINARY)
            raise LoadError(path, UNKNOWN_ENCODING)
    else:
        if b"\x00" in data:
            raise LoadError(path, BINARY)
        text = attempt("utf-8")
        codec = "utf-8"
        if text is None:
            text = attempt("cp1256")
            codec = "cp1256"
            if text is None or _looks_binary(text):
                raise LoadError(path, BINARY if text is not None else UNKNOWN_ENCODING)
            if not _plausible_cp1256(text):
                raise LoadError(path, UNKNOWN_ENCODING)
    if _looks_binary(text):
        raise LoadError(path, BINARY)
    return text, codec


def decode_bytes(data: bytes, path: str) -> str:
    """Decode a whole file's bytes to text (see the module docstring); raise :class:`LoadError` naming ``path``."""
    path = str(path)
    if not data:
        raise LoadError(path, EMPTY)
    text, _ = _decode(data, path, final=True)
    if not text.strip():
        raise LoadError(path, EMPTY)
    return text


def detect_encoding(prefix: bytes, path: str, *, complete: bool = False) -> str:
    """Choose the codec for a file from its first bytes (e.g. 64 KB), for loaders that stream the rest.

    Returns a codec name for ``open()``/``bytes.decode`` (``utf-8-sig``, ``utf-16``, ``utf-16-le``, ``utf-16-be``,
    ``utf-8`` or ``cp1256``). Unless ``complete`` (the prefix is the whole file), a multi-byte sequence cut at
    the end of the prefix is tolerated. Raises :class:`LoadError` for empty, binary or undecodable data."""
    path = str(path)
    if not prefix:
        raise LoadError(path, EMPTY)
    text, codec = _decode(prefix, path, final=complete)
    if complete and not text.strip():
        raise LoadError(path, EMPTY)
    return codec
