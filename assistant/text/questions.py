"""What a question asks for, and whether a text can hold it: the question's type (a number, a date, a name, a place,
or any phrase) in English and Arabic, and the numbers (digits in any script, number words) and dates (years,
Gregorian month names in both Arabic series and English) a text holds.

Used by evidence selection (a unit that cannot hold what the question asks for is lowered) and by short answers
(:mod:`assistant.answer.short`: a copy must hold it, and dates and numbers are carried across languages by rule).

Limits: the type is read from the question's first words (a fixed list of phrasings per language); number words
are single words (and a few common duals); Hijri months are not read.
"""

from __future__ import annotations

import re

from assistant.text.arabic import fold_digits, normalize_for_search
from assistant.text.names import AR_CARDINALS, ARABIC_WORD, EN_NUMBER_VALUES, arabic_forms

_EN_TYPES = [
    (
        "number",
        re.compile(
            r"(?i)^\s*(how (many|much|long|old|far|tall|big|large|often)|what (percentage|percent|"
            r"number|amount|proportion|fraction|share)|what was the (score|population|number))\b"
        ),
    ),
    (
        "date",
        re.compile(
            r"(?i)^\s*(when\b|(in )?(what|which) (year|month|day|date|decade|century)\b|"
            r"what (year|date|day)\b)"
        ),
    ),
    ("name", re.compile(r"(?i)^\s*(who|whom|whose)\b")),
    ("place", re.compile(r"(?i)^\s*(where)\b")),
]
_AR_TYPES = [
    ("number", re.compile(r"^\s*(كم|ما عدد|ما هو عدد|ما هي نسبة|ما نسبة|ما مقدار|ما قيمة|ما حجم)")),
    ("date", re.compile(r"^\s*(متى|في أي (عام|سنة|شهر|يوم|تاريخ|قرن)|ما (تاريخ|هو تاريخ)|في أيّ (عام|سنة))")),
    ("name", re.compile(r"^\s*(من|مَن|مَنْ)\s")),
    ("place", re.compile(r"^\s*(أين|اين|في أي (مدينة|بلد|دولة|مكان))")),
]

MONTHS = {
    "ar": [
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "مايو",
        "يونيو",
        "يوليو",
        "أغسطس",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ],
    "ar_levant": [
        "كانون الثاني",
        "شباط",
        "آذار",
        "نيسان",
        "أيار",
        "حزيران",
        "تموز",
        "آب",
        "أيلول",
        "تشرين الأول",
        "تشرين الثاني",
        "كانون الأول",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
"""Gregorian month names: Arabic (both the Egyptian-Gulf and the Levantine series, read; the first is written) and
English. One table, read both ways."""

EN_NUMBER_NAMES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]
"""English names of the numbers 0-12, for writing a value as a word (numbers are read with
:data:`assistant.text.names.EN_NUMBER_VALUES` and :data:`~assistant.text.names.AR_NUMBER_WORDS`)."""

"""Arabic number words, normalized (one word each; duals of common nouns count two)."""

DIGITS = re.compile(r"\d+(?:[.,٫٬]\d+)*")
YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")


def question_type(question: str, lang: str) -> str:
    """``number``, ``date``, ``name``, ``place`` or ``phrase`` (anything else)."""
    for kind, pattern in _AR_TYPES if lang == "ar" else _EN_TYPES:
        if pattern.search(question):
            return kind
    return "phrase"


def has_number(text: str) -> bool:
    """Whether ``text`` holds a number: digits in any script, or a number word."""
    return bool(DIGITS.search(fold_digits(text))) or bool(number_words(text))


_EN_ORDINALS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}


def number_words(text: str) -> list[int]:
    """The values of the cardinal number words of ``text`` (Arabic and English), in order; ordinals ("sixth",
    "السادس") are ranks, not counts."""
    values = []
    for w in ARABIC_WORD.findall(normalize_for_search(text)):
        for form in arabic_forms(w):
            if form in AR_CARDINALS:
                values.append(AR_CARDINALS[form])
                break
    values += [
        EN_NUMBER_VALUES[t]
        for t in re.findall(r"[a-z]+", text.lower())
        if t in EN_NUMBER_VALUES and not t.endswith(("st", "nd", "rd", "th"))
    ]  # cardinals: "four", not "fourth"
    return values


def has_date(text: str) -> bool:
    """Whether ``text`` holds a year or a Gregorian month name."""
    return bool(YEAR.search(fold_digits(text))) or month_of(text) is not None


def month_of(text: str) -> tuple[int, str] | None:
    """(month number 1-12, the series it was written in) of the first month name in ``text``."""
    norm = normalize_for_search(text)
    low = text.lower()
    for series in ("ar_levant", "ar", "en"):
        for k, name in enumerate(MONTHS[series]):
            if series == "en":
                if re.search(rf"\b{name.lower()}\b", low):
                    return k + 1, series
            elif re.search(rf"(?<!\w)(ب|و|في )?{re.escape(normalize_for_search(name))}(?!\w)", norm):
                return k + 1, series
    return None


def can_hold(text: str, kind: str) -> bool:
    """Whether ``text`` can answer a question of type ``kind``: a number question needs a number, a date question a
    year or a month, a name or place question a word (a bare number is no name); a phrase question takes any text."""
    if kind == "number":
        return has_number(text)
    if kind == "date":
        return has_date(text)
    if kind in ("name", "place"):
        return any(ch.isalpha() for ch in text)
    return True
