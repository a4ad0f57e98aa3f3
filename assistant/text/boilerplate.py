"""Page furniture that a news article's text may carry: a link line to the story ("رابط الخبر بصحيفة الوئام: …"),
"Read more", "Next Previous" navigation, a bare URL. The stored text keeps it (citations are offsets into the
text as it was ingested); it is never evidence for an answer.

Design: :func:`is_boilerplate` reads one unit of text (a sentence or a clause): it is furniture when it opens
with a link phrase of :data:`LINK_OPENERS`, or is short and opens with a navigation phrase of
:data:`NAV_OPENERS` (Arabic compared after
:func:`assistant.text.arabic.normalize_for_search`, English case-folded), or when links make up most of it.

Limits: the phrases are a short list seen in Arabic and English news sites (SaudiNewsNet among them); a link
phrase in the middle of a sentence does not count; a dateline before the story ("ماجد الرفاعي- سبق- جدة: أعلنت …")
is content, since the story follows it in the same sentence.
"""

from __future__ import annotations

import re

from assistant.text.arabic import normalize_for_search

LINK_OPENERS = (
    "رابط الخبر",
    "رابط المقال",
    "رابط المصدر",
    "اقرأ أيضا",
    "اقرأ المزيد",
    "للمزيد من الأخبار",
    "read more",
    "read also",
    "related:",
    "click here",
    "share this",
    "follow us",
    "source link",
)
"""Phrases that open a line pointing elsewhere (its words are another story's headline): furniture at any length."""
NAV_OPENERS = ("...المزيد", "next previous", "previous next")
"""Navigation words that a page puts before its text: furniture when little else follows them (a unit of at most
:data:`NAV_MAX_CHARS`), since the story itself may follow in the same line."""
NAV_MAX_CHARS = 60

_LINK_NORM = tuple(normalize_for_search(p) for p in LINK_OPENERS)
_NAV_NORM = tuple(normalize_for_search(p) for p in NAV_OPENERS)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def is_boilerplate(text: str) -> bool:
    """Whether ``text`` (one unit) is page furniture rather than what the article says (module docstring)."""
    stripped = text.strip()
    if not stripped:
        return True
    head = normalize_for_search(stripped[:60]).strip()
    if head.startswith(_LINK_NORM) or (len(stripped) <= NAV_MAX_CHARS and head.startswith(_NAV_NORM)):
        return True
    links = sum(len(m.group(0)) for m in _URL.finditer(stripped))
    return links > len(stripped) / 2
