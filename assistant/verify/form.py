"""Form checks of a shown answer sentence: written in the question's script, no mixed-script words, no prompt words.

A reader must never see "جacksonville" or "بingen" (Latin and Arabic letters in one word), "ال药师ة" (another
script inside an Arabic word), a Chinese word inside an Arabic answer, a word or phrase repeated until the token
limit ("تأسيس تأسيس تأسيس"), the prompt's own words ("Answer:", "الجواب في العربية:", "وترجمة النص إلى العربية
هي:"), a sentence that ends in a colon (a label waiting for its content), the not-found token, or two sentences
where one was asked for. :func:`form_problems` lists what is wrong with one sentence (empty when nothing is);
the answerer rejects a sentence with any problem and the eval counts the share without (``answer.well_formed``).

*Own words* are what the sentence says in its own voice: a verbatim quote inside «…» or “…” is the source's
words, and a short parenthesized name in the other script right after its transliteration, "Lavrentiev
(لافرينتييف)", is the source spelling kept for the reader; neither counts against the script. :func:`own_words`
returns the rest, and :func:`in_language` tells whether those words are in the question's language.
:func:`other_language_quotes` takes out what a reader of the question's language cannot read: quotes in the other
language (the eval's ``answer.language_ok`` and ``answer.correct`` are read without them).

Limits: script is told by letters (Arabic vs Latin); Latin acronyms inside an Arabic sentence ("UN") count as
the wrong script, which is strict but rare in generated Arabic; prompt words are a fixed list of the phrasings
the project's prompts and small models produce, not a general detector.
"""

from __future__ import annotations

import re

from assistant.text.arabic import ARABIC_SCRIPT, LATIN_LETTERS, detect_language
from assistant.text.sentences import split_sentences
from prompts import NO_ANSWER, NOT_FOUND

_ARABIC_LETTER = re.compile(f"[{ARABIC_SCRIPT}]")
_LATIN_LETTER = re.compile(f"[{LATIN_LETTERS}]")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*", re.UNICODE)
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")
_SOURCE_NAME = re.compile(r"\(([^()]{1,60})\)")
_PROMPT_WORDS = re.compile(
    r"(?i)(\b(answer|question|evidence|sentence|response|context|unit|translation)\b[^.:\n]{0,25}:"
    r"|(الجواب|الإجابة|الاجابة|السؤال|الدليل|الجملة|ترجمة|الترجمة)[^.:\n]{0,25}[:：]"
    r"|<\s*/?\s*evidence|(?-i:" + NOT_FOUND + r"|\b" + NO_ANSWER + r"\b)|\[\s*\d+\s*\])"
)


_OTHER_LETTER = re.compile(f"[^\\W\\d_{ARABIC_SCRIPT}{LATIN_LETTERS}]")
"""A letter of neither script (CJK, Cyrillic, Greek ...)."""
_REPEAT = re.compile(r"(?<!\w)(\w{2,}(?:\W+\w+){0,3}?)(?:\W+\1(?!\w)){2,}", re.UNICODE)
"""A word, or a phrase of up to four words, said three times or more in a row."""


def _script(word: str) -> str | None:
    if _ARABIC_LETTER.search(word):
        return "mixed" if _LATIN_LETTER.search(word) or _OTHER_LETTER.search(word) else "ar"
    if _LATIN_LETTER.search(word):
        return "en"
    return "other" if any(ch.isalpha() for ch in word) else None


SOURCE_SPELLING_MAX_WORDS = 4
"""A parenthesized name in the other script beside its rendering ("the Russian side (الجانب الروسي)") is the
source's spelling, not the sentence's own words, up to this many words."""


def own_words(sentence: str, lang: str) -> list[str]:
    """The sentence's words in its own voice: quotes removed, and short parenthesized names in the other
    script (source spellings) removed."""
    text = _QUOTED.sub(" ", sentence)

    def source_spelling(m: re.Match) -> str:
        words = _WORD.findall(m.group(1))
        other = (
            words
            and len(words) <= SOURCE_SPELLING_MAX_WORDS
            and all(_script(w) not in (lang, "mixed", "other") for w in words)
        )
        return " " if other else m.group(0)

    text = _SOURCE_NAME.sub(source_spelling, text)
    return _WORD.findall(text)


def other_language_quotes(text: str, lang: str) -> tuple[str, list[str]]:
    """``text`` with each quote in another language than ``lang`` replaced by «…», and those quotes: what a reader
    of ``lang`` alone can read of it, and what they cannot. A quote without letters (a score, a number) is kept."""
    removed: list[str] = []

    def drop(m: re.Match) -> str:
        if detect_language(m.group(0), default=lang) == lang:
            return m.group(0)
        removed.append(m.group(0)[1:-1])
        return "«…»"

    return _QUOTED.sub(drop, text), removed


def form_problems(sentence: str, lang: str) -> list[str]:
    """What is wrong with the form of ``sentence`` for an answer in ``lang`` (``ar``/``en``); empty when nothing."""
    problems = []
    if not sentence.strip():
        return ["empty"]
    words = own_words(sentence, lang)
    if not words:
        problems.append("no words of its own")
    mixed = [w for w in words if _script(w) == "mixed"]
    if mixed:
        problems.append("word mixing Arabic and other letters: " + ", ".join(mixed[:3]))
    foreign = [w for w in words if _script(w) not in (lang, "mixed", None)]
    if foreign:
        problems.append(f"words not in the question's script ({lang}): " + ", ".join(foreign[:3]))
    own = _QUOTED.sub(" ", sentence)
    m = _PROMPT_WORDS.search(own)
    if m:
        problems.append(f"prompt words: {m.group(0).strip()!r}")
    elif sentence.rstrip().endswith((":", "：")):  # a label with nothing after it (a quote after a colon is fine)
        problems.append("prompt words: ends with a colon")
    r = _REPEAT.search(own)
    if r:
        problems.append(f"repeated words: {r.group(1)!r}")
    if len(split_sentences(_QUOTED.sub("«»", sentence.strip()))) > 1:
        problems.append("more than one sentence")
    if "\n" in sentence.strip():
        problems.append("line break inside the sentence")
    return problems


def in_language(text: str, lang: str) -> bool:
    """Whether the own words of ``text`` (quotes and source spellings aside) are in ``lang``."""
    words = own_words(text, lang)
    return bool(words) and detect_language(" ".join(words), default="") == lang
