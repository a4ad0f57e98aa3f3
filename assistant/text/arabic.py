"""Arabic-aware text helpers: script detection, search normalization, digit folding.

Design: the stored article text is never changed; everything here produces *derived* strings for matching
(search keys, lexical tokens, fact checks). ``normalize_for_search`` folds the spelling variation that Arabic
news text shows for the same word — alef forms (أ إ آ ٱ → ا), alef maqsura (ى → ي), taa marbuta (ة → ه), hamza
carriers (ؤ → و, ئ → ي), diacritics (tashkeel, superscript alef) and tatweel — plus Arabic-Indic and Persian
digits to ASCII and case folding for Latin text.

Limits: normalization is character-level and may change the length of the string (removed diacritics), so it
must not be used to compute offsets into stored text. Language detection is script counting (Arabic vs Latin
letters), good for ``ar``/``en`` news text and nothing finer.
"""

from __future__ import annotations

import re
import unicodedata

DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
"""Arabic-Indic and Extended (Persian) digits to ASCII, as a ``str.translate`` table (the one table of them)."""
ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
"""Harakat, tanween, shadda, sukun, superscript alef, Quranic marks (a character-class body)."""
_DIACRITICS = re.compile(f"[{ARABIC_MARKS}]")
_TATWEEL = "\u0640"
_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        _TATWEEL: None,
        **{chr(k): v for k, v in DIGITS.items()},
        "٫": ".",  # Arabic decimal separator
        "٬": ",",  # Arabic thousands separator
    }
)
# The script table: character-class bodies (for ``[...]``), written once and used by every stage.
ARABIC_BASE_LETTERS = "\u0621-\u064a"
"""Hamza to yeh: the letters of Arabic proper (the ones with sound classes in :mod:`assistant.text.names`)."""
ARABIC_LETTERS = ARABIC_BASE_LETTERS + "\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f"
"""Arabic-script letters, Persian and Urdu ones included (no digits, marks or punctuation)."""
ARABIC_SCRIPT = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
"""Every Arabic block, presentation forms included: anything written in Arabic script."""
ARABIC_INDIC_DIGITS = "\u0660-\u0669"
LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
"""Latin letters with their accented forms (not × U+00D7 or ÷ U+00F7)."""

_ARABIC_LETTER = re.compile(f"[{ARABIC_LETTERS}]")
_LATIN_LETTER = re.compile(f"[{LATIN_LETTERS}]")


def strip_diacritics(text: str) -> str:
    return _DIACRITICS.sub("", text)


def strip_marks(text: str) -> str:
    """Diacritics and tatweel removed, letters untouched: optional marks that the same word carries in one text and
    not in another (the input the bundled embedder reads, :mod:`assistant.backends.local`)."""
    return strip_diacritics(text).replace(_TATWEEL, "")


def fold_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII; nothing else changes length."""
    return text.translate(DIGITS)


def normalize_for_search(text: str) -> str:
    """A search key for ``text``: NFKC, diacritics and tatweel removed, letter variants folded, lowercased."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_diacritics(text)
    return text.translate(_CHAR_MAP).casefold()


def arabic_ratio(text: str) -> float:
    """Share of letters in ``text`` that are Arabic script (0.0 when there are no letters)."""
    ar = len(_ARABIC_LETTER.findall(text))
    lat = len(_LATIN_LETTER.findall(text))
    total = ar + lat
    return ar / total if total else 0.0


def detect_language(text: str, default: str = "en") -> str:
    """``ar`` when Arabic letters dominate, ``en`` when Latin letters do, ``default`` when there are none."""
    sample = text[:5000]
    ar = len(_ARABIC_LETTER.findall(sample))
    lat = len(_LATIN_LETTER.findall(sample))
    if ar == 0 and lat == 0:
        return default
    return "ar" if ar >= lat else "en"


def is_rtl(text: str) -> bool:
    return detect_language(text, default="en") == "ar"
