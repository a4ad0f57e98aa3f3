"""Short answers: the date (and, when switched on, the number) that answers a question, found inside a shown unit
and checked there, carried into the question's language by rule, never by free translation.

Design:

- **Candidates** (:func:`candidates_in_context`): every year of the shown units (a date question), or every number
  (digits of any script, a range, a clock time, a number word; only percentages for a question about a
  percentage; not a year after "in"/"في"), leaving out the values the question itself holds. Each is scored by how
  like the question its clause is (:func:`_context`: between punctuation marks, widened to
  :data:`CONTEXT_WORDS`): the bundled multilingual embedder, so an English question scores Arabic clauses.
- **Pick** (:func:`find_short_answer`): the best candidate, only when every other *value* trails it by
  :data:`RULE_MARGIN`. No model call: the model's copy as a second opinion lowered precision (docs/eval.md,
  'Short answers').
- **Whole value**: a date with its day, month or season and the Arabic word for year ("صيف سنة ١٥٢١", "3 May
  2013"); a number with the words that are part of it: a qualifier before it (:data:`QUALIFIERS`: "أكثر من"),
  its scale and unit word after it (:data:`SCALES`, :data:`UNIT_WORDS`).
- **Carry over** (:func:`carry_over`): in the unit's language the words are the answer (``how="verbatim"``, as the
  article writes them). Across languages only what can be rebuilt by rule: a number with its qualifier, scale and
  unit word (Arabic-Indic digits and number words read as values: ``how="number"``), a date with month names from
  :data:`MONTHS` (``how="date"``; a year alone in Arabic as "سنة 1788").

Which question types get one is :data:`KINDS` (dates) plus numbers when ``numbers=True``: on the held-apart XQuAD dev
questions dates were right 0.83 of the times one was given, numbers 0.42 (docs/eval.md, 'Short answers').

Why one module of 420 lines: finding a value and carrying it across languages read the same tables (unit words,
scales, qualifiers, months), each written once here.

Limits: a number's unit word outside :data:`UNIT_WORDS` is dropped (the number alone is stated); decades ("the
1990s", "التسعينيات") and Hijri months are not read; the clause scores say which value is most like the question,
not that it answers it: a year of the right clause of the wrong unit is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import prompts
from assistant.answer.citations import neutralize_markers
from assistant.answer.selection import Unit
from assistant.backends.base import Embedder
from assistant.text.arabic import ARABIC_BASE_LETTERS, ARABIC_MARKS, fold_digits, normalize_for_search
from assistant.text.names import AR_CARDINALS, EN_NUMBER_VALUES, arabic_forms
from assistant.text.questions import (
    DIGITS,
    EN_NUMBER_NAMES,
    MONTHS,
    YEAR,
    month_of,
    number_words,
    question_type,
)

UNIT_WORDS = [
    # (Arabic forms, English singular, English plural)
    (("ثانية", "ثوان", "ثواني", "ثوانٍ"), "second", "seconds"),
    (("دقيقة", "دقائق"), "minute", "minutes"),
    (("ساعة", "ساعات"), "hour", "hours"),
    (("يوم", "أيام", "يوما", "يوماً"), "day", "days"),
    (("أسبوع", "أسابيع"), "week", "weeks"),
    (("شهر", "أشهر", "شهور"), "month", "months"),
    (("عام", "أعوام", "سنة", "سنوات", "عاما", "عاماً", "سنين"), "year", "years"),
    (("نقطة", "نقاط"), "point", "points"),
    (("كيلومتر", "كيلومترات", "كم"), "kilometre", "kilometres"),
    (("متر", "أمتار", "مترا", "متراً"), "metre", "metres"),
    (("ميل", "أميال"), "mile", "miles"),
    (("دولار", "دولارات", "دولارا", "دولاراً"), "dollar", "dollars"),
    (("ريال", "ريالات", "ريالا", "ريالاً"), "riyal", "riyals"),
    (("جنيه",), "pound", "pounds"),
    (("شخص", "أشخاص", "شخصا", "شخصاً"), "person", "people"),
    (("بالمئة", "بالمائة", "في المئة", "في المائة", "٪", "%"), "percent", "percent"),
]
"""Unit words after a number, Arabic forms and their English singular and plural. One table, read both ways."""

QUALIFIERS = [
    # (Arabic forms, English forms): the first of each is written
    (("أكثر من", "اكثر من", "ما يزيد عن", "ما يزيد على"), ("more than", "over")),
    (("أقل من", "اقل من"), ("less than", "fewer than", "under")),
    (("نحو", "حوالي", "حوالى", "قرابة", "ما يقارب", "زهاء"), ("about", "around", "nearly", "almost", "some")),
]
"""Words before a number that are part of its value ("أكثر من 70,000" is not 70,000). One table, read both ways."""

AR_YEAR_WORD = "سنة"
"""A year alone, carried into Arabic, is written "سنة 1788" ("the year 1788"): a bare number reads as a count."""

SCALES = [(("ألف", "آلاف"), "thousand"), (("مليون", "ملايين"), "million"), (("مليار", "مليارات"), "billion")]


@dataclass
class ShortAnswer:
    """The checked fact: ``text`` in the question's language, ``start``/``end`` of the copy in its article,
    ``how`` it was carried over; ``unit`` is the unit it was found in (cited by the answer)."""

    text: str
    start: int
    end: int
    how: str
    unit: Unit
    source: str
    """The copy as the article writes it."""

    def to_dict(self, citation: int) -> dict:
        return {
            "text": self.text,
            "citation": citation,
            "start": self.start,
            "end": self.end,
            "verified": True,
            "how": self.how,
            "source": self.source,
        }


def _words(text: str) -> int:
    return len(text.split())


def _asked_values(question: str) -> set[str]:
    """The values the question itself holds (digits in any script, number words): never its answer."""
    return set(DIGITS.findall(fold_digits(question))) | {str(v) for v in number_words(question)}


def _plain(number: str) -> str:
    """A number without its thousands separators ("162,584" is 162584)."""
    return re.sub(r"[,٬](\d{3})", r"\1", number)


def candidates(question: str, text: str, kind: str) -> set[str]:
    """The distinct values ``text`` holds for a number question (numbers in digits of any script, number words) or
    a date question (years), leaving out those the question itself holds (the values that sources can disagree
    on: :func:`assistant.answer.sources.find_conflicts`)."""
    asked = _asked_values(question)
    if kind == "date":
        return {y for y in YEAR.findall(fold_digits(text)) if y not in asked}
    found = {_plain(n) for n in DIGITS.findall(fold_digits(text))}
    found |= {str(v) for v in number_words(text)}
    return {n for n in found if n not in asked}


def _unit_after(rest: str) -> tuple[int, int] | None:
    """(index in :data:`UNIT_WORDS`, characters to take) of a unit word right after a number, in either language."""
    m = re.match(r"\s*(\S+(?:\s+\S+)?)", rest)
    if not m:
        return None
    for two in (True, False):
        words = m.group(1) if two else m.group(1).split()[0]
        bare = words.strip(".,،؛;:")
        for k, (forms, one, many) in enumerate(UNIT_WORDS):
            if bare in forms or bare.lower() in (one, many):
                return k, rest.index(bare) + len(bare)
    return None


_COUNTED = re.compile(r"(?i)\bhow (?:many|much)\s+(\w+)|(?<!\w)كم\s+(?:عدد\s+)?(\S+)")


def unit_asked(question: str) -> int | None:
    """The :data:`UNIT_WORDS` entry a number question counts in, the word right after "how many" or "كم (عدد)"
    ("How many points", "كم عاما"), or None."""
    m = _COUNTED.search(question)
    if not m:
        return None
    word = m.group(1) or m.group(2)
    forms_of_word = {normalize_for_search(f) for f in arabic_forms(normalize_for_search(word))} | {word.lower()}
    for k, (forms, one, many) in enumerate(UNIT_WORDS):
        if (
            one in forms_of_word
            or many in forms_of_word
            or any(normalize_for_search(f) in forms_of_word for f in forms)
        ):
            return k
    return None


def _after_number(rest: str) -> tuple[int, int | None]:
    """What follows a number and is part of it: (characters its scale word and unit word take, the
    :data:`UNIT_WORDS` entry of the unit word or None). "30 مليون جنيه": the scale, then the unit."""
    scale = _SCALE_AFTER.match(rest)
    taken = scale.end() if scale else 0
    unit = _unit_after(rest[taken:])
    return (taken + unit[1], unit[0]) if unit else (taken, None)


def _number_text(copy: str, lang: str) -> str | None:
    """The number in ``copy`` (with its scale and unit word) written for a reader of ``lang``."""
    folded = fold_digits(copy).replace("٫", ".").replace("٬", ",")
    clock = _TIME.search(folded)
    if clock:
        return clock.group(0)
    m = _RANGE.search(folded) or DIGITS.search(folded)
    qualifier = _qualifier(folded[: m.start()], lang) if m else None
    if m:
        value = re.sub(r",(\d{1,2})(?=$|-)", r".\1", m.group(0))  # 56,2 is a decimal comma; 1,500 a thousands one
        value = re.sub(r"\s*[-–—]\s*", "–", value)
        rest = copy[m.end() :]
    else:
        words = number_words(copy)
        if len(words) != 1:
            return None
        n = words[0]
        value = (EN_NUMBER_NAMES[n] if n < len(EN_NUMBER_NAMES) else str(n)) if lang == "en" else str(n)
        rest = ""
    parts = [value]
    scale = _scale(copy)
    if scale:
        parts.append(scale if lang == "en" else _arabic_of_scale(scale))
    unit = _after_number(rest)[1] if rest else None
    if unit is not None:
        forms, one, many = UNIT_WORDS[unit]
        if lang == "en":
            parts.append(many if value not in ("1", "one") else one)
        else:
            parts.append(forms[0])
    if m and ("%" in copy or "٪" in copy):
        parts = [value + "%"]
    return " ".join(([qualifier] if qualifier else []) + parts)


def _qualifier(before: str, lang: str) -> str | None:
    """The :data:`QUALIFIERS` entry that ends ``before``, written for a reader of ``lang``."""
    tail = before.strip().lower()
    for ar, en in QUALIFIERS:
        if any(tail.endswith(f.lower()) for f in (*ar, *en)):
            return en[0] if lang == "en" else ar[0]
    return None


_SCALE_AFTER = re.compile(
    r"\s*(?:" + "|".join(f for forms, name in SCALES for f in (*forms, name)) + r")(?!\w)", re.IGNORECASE
)


def _scale(copy: str) -> str | None:
    for forms, name in SCALES:
        if any(re.search(rf"(?<!\w){f}(?!\w)", copy) for f in forms) or re.search(rf"(?i)\b{name}\b", copy):
            return name
    return None


def _arabic_of_scale(name: str) -> str:
    return next(forms[0] for forms, n in SCALES if n == name)


def _date_text(copy: str, lang: str) -> str | None:
    """A year, or a (day,) month and year, of ``copy`` written for a reader of ``lang``."""
    folded = fold_digits(copy)
    year = YEAR.search(folded)
    month = month_of(copy)
    if month is None:
        if year is None:
            return None
        return year.group(0) if lang == "en" else f"{AR_YEAR_WORD} {year.group(0)}"
    name = MONTHS["en" if lang == "en" else "ar"][month[0] - 1]
    day = re.search(r"(?<!\d)([1-9]|[12]\d|3[01])(?!\d)", YEAR.sub(" ", folded))
    parts = ([day.group(1)] if day else []) + [name] + ([year.group(0)] if year else [])
    return " ".join(parts)


def carry_over(copy: str, unit_lang: str | None, q_lang: str, kind: str) -> tuple[str, str] | None:
    """``(text in the question's language, how)`` for the words of a number or date ``kind`` of answer, or None
    when they cannot be carried over by rule (see the module docstring)."""
    if kind not in ("number", "date"):
        return None
    if unit_lang in (None, q_lang):
        return copy, "verbatim"
    text = _date_text(copy, q_lang) if kind == "date" else _number_text(copy, q_lang)
    return (text, kind) if text else None


_CONTEXT_CUT = re.compile(r"[.!?؟;؛،,:«»“”\"()\n]")
CONTEXT_WORDS = 5
"""A candidate's context is its clause (between punctuation), widened past the next mark while shorter than this."""


def _context(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause of ``text`` around ``text[start:end]``: from the punctuation before it to the one after it,
    widened one mark at a time on each side while it has fewer than :data:`CONTEXT_WORDS` words."""
    a, b = start, end
    for _ in range(3):
        left = [m.end() for m in _CONTEXT_CUT.finditer(text, 0, max(0, a - 1))]
        right = _CONTEXT_CUT.search(text, b + 1)
        a = left[-1] if left else 0
        b = right.start() if right else len(text)
        if _words(text[a:b]) >= CONTEXT_WORDS:
            break
    return a, b


@dataclass
class Candidate:
    """A value of a selected unit that could answer a number or date question, with its clause's similarity to the
    question (``score``)."""

    unit: Unit
    start: int
    end: int
    value: str
    score: float


_WORD = re.compile(f"[{ARABIC_BASE_LETTERS}{ARABIC_MARKS}\u0640]+|[A-Za-z]+")  # a word with its marks
_RANGE = re.compile(r"(?<![\d.,])(\d+(?:[.,٫٬]\d+)*)\s*[-–—]\s*(\d+(?:[.,٫٬]\d+)*)(?![\d])")
_QUALIFIER_BEFORE = re.compile(
    r"(?:(?<!\w)" + r"|(?<!\w)".join(f for ar, en in QUALIFIERS for f in (*ar, *en)) + r")\s+$", re.IGNORECASE
)
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")
_PERCENT_ASKED = re.compile(r"(?i)\bper ?cent|percentage|proportion|نسبة|بالمئة|بالمائة|المئوية")
_PERCENT_AFTER = re.compile(r"\s*(%|٪|per ?cent|بالمئة|بالمائة|في المئة|في المائة)", re.IGNORECASE)
_YEAR_BEFORE = re.compile(r"(?i)(\b(in|since|until|by|of)|(?<!\w)(في|عام|سنة|منذ|حتى))\s*$")


def _number_word_spans(text: str) -> list[tuple[int, int, str]]:
    """Cardinal number words of ``text`` (Arabic or English, two to 99: "one"/"واحد" mostly means "a", and
    "مليون" alone is the scale of a number) as ``(start, end, value)``."""
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        if w.isascii():
            v = EN_NUMBER_VALUES.get(w.lower())
            if v is not None and not w.lower().endswith(("st", "nd", "rd", "th")) and 2 <= v <= 20:
                out.append((m.start(), m.end(), str(v)))
            continue
        for form in arabic_forms(normalize_for_search(w)):
            if form in AR_CARDINALS and 2 <= AR_CARDINALS[form] < 100:  # a scale word alone is no count
                out.append((m.start(), m.end(), str(AR_CARDINALS[form])))
                break
    return out


def _alef_free(name: str) -> str:
    return re.sub("[اأإآ]", "[اأإآ]", re.escape(name))


_MONTH_NAMES = "|".join([_alef_free(m) for m in MONTHS["ar"] + MONTHS["ar_levant"]] + [m for m in MONTHS["en"]])
_DATE_BEFORE = re.compile(
    rf"(?:(?:\d{{1,2}}\s+)?(?:(?:{_MONTH_NAMES})\s*/\s*)?(?:{_MONTH_NAMES})\s+(?:\d{{1,2}},?\s+)?"
    r"(?:(?:من\s+)?(?:عام|سنة)\s+)?"
    r"|(?:(?i:spring|summer|autumn|fall|winter)\s+(?:of\s+)?)"
    r"|(?:(?:ربيع|صيف|خريف|شتاء)\s+)?(?:عام|سنة)\s+)$"
)


def _date_start(text: str, year_start: int) -> int:
    """Where the date phrase that ends with the year at ``year_start`` starts: its day, month or season and the
    Arabic word for year ("صيف سنة 1521", "October 2016", "3 May 2013") are part of the answer."""
    m = _DATE_BEFORE.search(text[:year_start])
    return m.start() if m else year_start


def _values(question: str, text: str, kind: str) -> list[tuple[int, int, str]]:
    """The candidate values of ``text`` for a ``kind`` question: ``(start, end, value)`` (see
    :func:`candidates_in_context`)."""
    folded = fold_digits(text)
    if kind == "date":
        return [(_date_start(folded, m.start()), m.end(), m.group(0)) for m in YEAR.finditer(folded)]
    taken = [(m.start(), m.end(), m.group(0)) for m in _TIME.finditer(folded)]
    taken += [(m.start(), m.end(), f"{m.group(1)}-{m.group(2)}") for m in _RANGE.finditer(folded)]
    found = list(taken)
    for m in DIGITS.finditer(folded):
        if any(a <= m.start() < b for a, b, _ in taken):
            continue
        value = _plain(m.group(0))
        if YEAR.fullmatch(m.group(0)) and _YEAR_BEFORE.search(folded[: m.start()]) and not _unit_after(text[m.end() :]):
            continue  # "in 1901": a year, not a count
        found.append((m.start(), m.end(), value))
    found += _number_word_spans(text)
    if _PERCENT_ASKED.search(question):
        found = [f for f in found if _PERCENT_AFTER.match(folded[f[1] :])]
    return found


def candidates_in_context(question: str, units: Sequence[Unit], kind: str, embedder, q_vector) -> list[Candidate]:
    """Every number (a number question: digits, a clock time, a number word; only percentages for a question
    about a percentage; not a year after "in"/"في") or year (a date question) of ``units`` that the question does
    not hold, best first by the similarity of its clause (:func:`_context`) to the question vector."""
    asked = _asked_values(question)
    counted = unit_asked(question) if kind == "number" else None
    found: list[tuple[Unit, int, int, str, str]] = []
    for unit in units:
        for start, end, value in _values(question, unit.text, kind):
            if value in asked or unit.text[start:end] in asked:
                continue
            if counted is not None and _after_number(unit.text[end:])[1] != counted:
                continue  # "how many points": a number of points only
            a, b = _context(unit.text, start, end)
            found.append((unit, start, end, value, unit.text[a:b]))
    if not found:
        return []
    clauses = list(dict.fromkeys(f[4] for f in found))  # a clause holding several values is embedded once
    score_of = dict(zip(clauses, (embedder.embed_passages(clauses) @ q_vector).tolist(), strict=True))
    out = [Candidate(u, s, e, v, float(score_of[c])) for u, s, e, v, c in found]
    return sorted(out, key=lambda c: -c.score)


KINDS = ("date",)
"""The question types a short answer is given for by default; ``numbers=True`` adds number questions. A copied name or
phrase has no check that it answers, so other questions get the quote alone."""

RULE_MARGIN = 0.05
"""The best candidate is given only when no other value's clause is within this of its score."""


def find_short_answer(
    question: str,
    q_lang: str,
    units: Sequence[Unit],
    *,
    embedder: Embedder,
    q_vector: np.ndarray,
    numbers: bool = False,
) -> ShortAnswer | None:
    """The checked fact for a date question (and a number question with ``numbers``), or None: the candidate of
    ``units`` whose clause is most like the question (:func:`candidates_in_context`), when it leads every other
    value by :data:`RULE_MARGIN`."""
    kind = question_type(question, q_lang)
    if kind not in KINDS and not (numbers and kind == "number"):
        return None
    ranked = candidates_in_context(question, units, kind, embedder, q_vector)
    if not ranked:
        return None
    rival = next((c for c in ranked[1:] if c.value != ranked[0].value), None)
    if rival is not None and ranked[0].score - rival.score < RULE_MARGIN:
        return None
    return _short_of(q_lang, kind, ranked[0])


def _short_of(q_lang: str, kind: str, c: Candidate) -> ShortAnswer | None:
    """The short answer of candidate ``c``: a number with its scale and unit word after it, a date as its phrase
    holds it, carried into the question's language (:func:`carry_over`)."""
    text = c.unit.text
    start, end = c.start, c.end
    if kind == "number":
        qualifier = _QUALIFIER_BEFORE.search(text[:start])
        if qualifier:
            start = qualifier.start()
        end += _after_number(text[end:])[0]
    copy = text[start:end]
    carried = carry_over(copy, c.unit.lang, q_lang, kind)
    if carried is None:
        return None
    return ShortAnswer(carried[0], c.unit.start + start, c.unit.start + end, carried[1], c.unit, copy)


def marked_in(sentence: str, unit: Unit, short: ShortAnswer | None) -> list[dict]:
    """The answering words inside the quote «…» of a shown sentence of ``unit``, as offsets into the quote's text
    (empty when the short answer is from another unit or the quote does not hold it verbatim)."""
    m = prompts.QUOTED.search(sentence)
    if short is None or short.unit is not unit or m is None:
        return []
    i = m.group(1).find(neutralize_markers(short.source))
    return [{"start": i, "end": i + len(short.source)}] if i >= 0 else []
