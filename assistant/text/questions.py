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
from assistant.text.names import ARABIC_WORD, arabic_forms

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

EN_NUMBER_WORDS = [
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
_AR_NUMBER_VALUES = {
    normalize_for_search(w): v
    for w, v in {
        "واحد": 1,
        "واحدة": 1,
        "اثنان": 2,
        "اثنين": 2,
        "اثنتان": 2,
        "اثنتين": 2,
        "ثلاث": 3,
        "ثلاثة": 3,
        "أربع": 4,
        "أربعة": 4,
        "خمس": 5,
        "خمسة": 5,
        "ست": 6,
        "ستة": 6,
        "سبع": 7,
        "سبعة": 7,
        "ثماني": 8,
        "ثمانية": 8,
        "تسع": 9,
        "تسعة": 9,
        "عشر": 10,
        "عشرة": 10,
        "إحدى عشرة": 11,
        "أحد عشر": 11,
        "اثنا عشر": 12,
        "اثني عشر": 12,
        "عشرون": 20,
        "عشرين": 20,
        "ثلاثون": 30,
        "ثلاثين": 30,
        "أربعون": 40,
        "أربعين": 40,
        "خمسون": 50,
        "خمسين": 50,
        "مئة": 100,
        "مائة": 100,
        "ألف": 1000,
        "فريقين": 2,
        "مرتين": 2,
        "عامين": 2,
        "يومين": 2,
    }.items()
}
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


def number_words(text: str) -> list[int]:
    """The values of the number words of ``text`` (Arabic, and English up to twelve), in order."""
    values = []
    for w in ARABIC_WORD.findall(normalize_for_search(text)):
        for form in arabic_forms(w):
            if form in _AR_NUMBER_VALUES:
                values.append(_AR_NUMBER_VALUES[form])
                break
    values += [i for i, w in enumerate(EN_NUMBER_WORDS) for t in re.findall(r"[a-z]+", text.lower()) if t == w]
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
