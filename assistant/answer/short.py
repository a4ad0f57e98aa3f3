"""Short answers: the fact that answers a question (a number, a date, a name, a short phrase), found inside a selected
unit and checked there, carried into the question's language by rule, never by free translation.

Design:

- **Find** (:func:`find_span`): the model copies, from one unit, the shortest words that answer the question
  (``prompts/short.*.j2``: a copying task, in the unit's own language, which a small model does far better than
  translating). The copy is accepted only where it *is* in the unit (:func:`locate`: exactly, or up to diacritics,
  tatweel and digit forms, mapped back to offsets into the article). A copy longer than :data:`MAX_WORDS` words is
  not a short answer. Without a model, or when its copy is not in the unit, a number or date question takes the
  unit's one number or year that the question does not already hold (:func:`rule_span`).
- **Carry over** (:func:`carry_over`): in the unit's language the copy is the answer (``how="verbatim"``). Across
  languages only what can be rebuilt by rule is stated: a number, with its unit word and scale from
  :data:`UNIT_WORDS` (Arabic-Indic digits and number words read as values: ``how="number"``); a year, or a day,
  month and year with month names from :data:`MONTHS` (``how="date"``); a name that the question itself spells,
  found in the copy by transliteration (:func:`assistant.text.names.name_in_evidence`), in the question's spelling
  (``how="name"``). Anything else has no short answer across languages: the reader gets the quote with the
  answering words marked instead (:func:`marked_in`).
- **The question's type** (:func:`question_type`) says what a copy must hold: a number question's copy must hold a
  number, a date question's a year or a month; other types take any short copy.

Limits: names the question does not spell are not carried across scripts (transliteration without the question's
spelling cannot be checked here); a number's unit word outside :data:`UNIT_WORDS` is dropped (the number alone is
stated); Hijri months are not read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import prompts
from assistant.answer.citations import neutralize_markers
from assistant.answer.selection import Unit
from assistant.backends.base import Message
from assistant.text.arabic import fold_digits, normalize_for_search
from assistant.text.names import ARABIC_WORD, arabic_forms, candidate_names, name_in_evidence

MAX_WORDS = 8
"""A copy of more words is not a short answer."""

_EN_TYPES = [
    ("number", re.compile(r"(?i)^\s*(how (many|much|long|old|far|tall|big|large|often)|what (percentage|percent|"
                          r"number|amount|proportion|fraction|share)|what was the (score|population|number))\b")),
    ("date", re.compile(r"(?i)^\s*(when\b|(in )?(what|which) (year|month|day|date|decade|century)\b|"
                        r"what (year|date|day)\b)")),
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
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
           "ديسمبر"],
    "ar_levant": ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
                  "تشرين الثاني", "كانون الأول"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
"""Gregorian month names: Arabic (both the Egyptian-Gulf and the Levantine series, read; the first is written) and
English. One table, read both ways."""

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

SCALES = [(("ألف", "آلاف"), "thousand"), (("مليون", "ملايين"), "million"), (("مليار", "مليارات"), "billion")]

_EN_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                    "eleven", "twelve"]
_AR_NUMBER_VALUES = {normalize_for_search(w): v for w, v in {
    "واحد": 1, "واحدة": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "ثلاث": 3, "ثلاثة": 3, "أربع": 4,
    "أربعة": 4, "خمس": 5, "خمسة": 5, "ست": 6, "ستة": 6, "سبع": 7, "سبعة": 7, "ثماني": 8, "ثمانية": 8, "تسع": 9,
    "تسعة": 9, "عشر": 10, "عشرة": 10, "إحدى عشرة": 11, "أحد عشر": 11, "اثنا عشر": 12, "اثني عشر": 12,
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "أربعون": 40, "أربعين": 40, "خمسون": 50, "خمسين": 50,
    "مئة": 100, "مائة": 100, "ألف": 1000, "فريقين": 2, "مرتين": 2, "عامين": 2, "يومين": 2}.items()}
"""Arabic number words, normalized (one word each; duals of common nouns count two)."""

_DIGITS = re.compile(r"\d+(?:[.,٫٬]\d+)*")
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")


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
        return {"text": self.text, "citation": citation, "start": self.start, "end": self.end, "verified": True,
                "how": self.how, "source": self.source}


def question_type(question: str, lang: str) -> str:
    """``number``, ``date``, ``name``, ``place`` or ``phrase`` (anything else)."""
    for kind, pattern in (_AR_TYPES if lang == "ar" else _EN_TYPES):
        if pattern.search(question):
            return kind
    return "phrase"


def messages(question: str, unit: Unit) -> list[Message]:
    """The copying prompt: the fixed system prompt first (cached by a backend that caches prompt starts)."""
    return [Message("system", prompts.render("short.system.j2")),
            Message("user", prompts.render("short.user.j2", question=question, unit=neutralize_markers(unit.text)))]


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` normalized for matching (:func:`normalize_for_search`, character by character) and, for each
    character of the result, its offset in ``text`` (characters the normalization drops are skipped)."""
    out, where = [], []
    for i, ch in enumerate(text):
        n = normalize_for_search(ch)
        for c in n:
            out.append(c)
            where.append(i)
    return "".join(out), where


def locate(copy: str, text: str) -> tuple[int, int] | None:
    """Where ``copy`` is in ``text`` (offsets into ``text``): exactly, else up to diacritics, tatweel, letter and
    digit forms; None when it is not there."""
    copy = copy.strip().strip("«»\"'“”.،,:؛;").strip()
    if not copy:
        return None
    i = text.find(copy)
    if i >= 0:
        return i, i + len(copy)
    hay, where = _folded(text)
    needle = normalize_for_search(copy)
    j = hay.find(needle) if needle else -1
    if j < 0:
        return None
    return where[j], where[j + len(needle) - 1] + 1


def _words(text: str) -> int:
    return len(text.split())


def _has_number(text: str) -> bool:
    return bool(_DIGITS.search(fold_digits(text))) or bool(_number_words(text))


def _number_words(text: str) -> list[int]:
    values = []
    for w in ARABIC_WORD.findall(normalize_for_search(text)):
        for form in arabic_forms(w):
            if form in _AR_NUMBER_VALUES:
                values.append(_AR_NUMBER_VALUES[form])
                break
    values += [i for i, w in enumerate(_EN_NUMBER_WORDS) for t in re.findall(r"[a-z]+", text.lower()) if t == w]
    return values


def _has_date(text: str) -> bool:
    return bool(_YEAR.search(fold_digits(text))) or _month(text) is not None


def fits(copy: str, kind: str) -> bool:
    """Whether a copy can answer a question of type ``kind`` (a number question wants a number, a date question
    a year or a month)."""
    if kind == "number":
        return _has_number(copy)
    if kind == "date":
        return _has_date(copy)
    return True


def find_span(question: str, unit: Unit, kind: str, complete: Callable[[list[Message]], str] | None,
              ) -> tuple[int, int] | None:
    """Offsets in the article of the unit's words that answer ``question``: the model's copy when it is in the unit
    and fits the question's type, else :func:`rule_span`."""
    if complete is not None:
        reply = complete(messages(question, unit))
        line = next((ln.strip() for ln in reply.strip().splitlines() if ln.strip()), "")
        if line and not line.upper().startswith(prompts.NO_ANSWER) and prompts.NOT_FOUND not in line:
            where = locate(line, unit.text)
            if where and _words(unit.text[where[0]:where[1]]) <= MAX_WORDS and fits(unit.text[where[0]:where[1]],
                                                                                    kind):
                return unit.start + where[0], unit.start + where[1]
    where = rule_span(question, unit.text, kind)
    return (unit.start + where[0], unit.start + where[1]) if where else None


def rule_span(question: str, text: str, kind: str) -> tuple[int, int] | None:
    """For a number or date question: the one number (with the unit word after it) or the one year of ``text``
    that the question does not hold; None when there is none or more than one."""
    asked = set(_DIGITS.findall(fold_digits(question)))
    pattern = _YEAR if kind == "date" else _DIGITS if kind == "number" else None
    if pattern is None:
        return None
    found = [m for m in pattern.finditer(fold_digits(text)) if m.group(0) not in asked]
    if len(found) != 1:
        return None
    start, end = found[0].span()
    if kind == "number":
        unit_word = _unit_after(text[end:])
        if unit_word:
            end += unit_word[1]
    return start, end


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


def _month(text: str) -> tuple[int, str] | None:
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


def _number_text(copy: str, lang: str) -> str | None:
    """The number in ``copy`` (with its scale and unit word) written for a reader of ``lang``."""
    folded = fold_digits(copy).replace("٫", ".").replace("٬", ",")
    m = _DIGITS.search(folded)
    if m:
        value = re.sub(r",(\d{1,2})$", r".\1", m.group(0))  # 56,2 is a decimal comma; 1,500 a thousands one
        rest = copy[m.end():]
    else:
        words = _number_words(copy)
        if len(words) != 1:
            return None
        n = words[0]
        value = (_EN_NUMBER_WORDS[n] if n < len(_EN_NUMBER_WORDS) else str(n)) if lang == "en" else str(n)
        rest = ""
    parts = [value]
    scale = _scale(copy)
    if scale:
        parts.append(scale if lang == "en" else _arabic_of_scale(scale))
    unit = _unit_after(rest) if rest else None
    if unit:
        forms, one, many = UNIT_WORDS[unit[0]]
        if lang == "en":
            parts.append(many if value not in ("1", "one") else one)
        else:
            parts.append(forms[0])
    if m and ("%" in copy or "٪" in copy):
        return value + "%"
    return " ".join(parts)


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
    year = _YEAR.search(folded)
    month = _month(copy)
    if month is None:
        return year.group(0) if year else None
    name = MONTHS["en" if lang == "en" else "ar"][month[0] - 1]
    day = re.search(r"(?<!\d)([1-9]|[12]\d|3[01])(?!\d)", _YEAR.sub(" ", folded))
    parts = ([day.group(1)] if day else []) + [name] + ([year.group(0)] if year else [])
    return " ".join(parts)


def carry_over(copy: str, unit_lang: str | None, question: str, q_lang: str, kind: str) -> tuple[str, str] | None:
    """``(text in the question's language, how)`` for a checked copy, or None when it cannot be carried over by
    rule (see the module docstring)."""
    if _asked(copy, question):  # the question's own words are not its answer
        return None
    if unit_lang in (None, q_lang):
        return copy, "verbatim"
    if kind == "date" or (kind != "number" and _has_date(copy) and not _has_number(_YEAR.sub("", fold_digits(copy)))):
        text = _date_text(copy, q_lang)
        if text:
            return text, "date"
    if kind in ("number", "date") or _words(copy) <= 3 and _has_number(copy):
        text = _number_text(copy, q_lang)
        if text:
            return text, "number"
    best = _spelled_name(question, copy) if q_lang == "en" else None
    if best and _words(copy) <= _words(best) + 1:  # the copy is that name, nothing more
        return best, "name"
    return None


_NAME_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")


def _spelled_name(question: str, copy: str) -> str | None:
    """The longest run of capitalized words of the question whose every word is found in ``copy`` by
    transliteration, in the question's spelling."""
    runs = [m.group(0) for m in _NAME_RUN.finditer(question)
            if m.group(0) in " ".join(candidate_names(question)) or m.start() > 0]
    found = [r for r in runs if all(name_in_evidence(w, copy) for w in r.split())]
    return max(found, key=len, default=None)


def _asked(copy: str, question: str) -> bool:
    """Whether ``copy`` only repeats what the question says (the same words, or a name the question spells),
    unless the question offers a choice ("X or Y", "أم")."""
    if re.search(r"(?i)\bor\b|(?<!\w)أم(?!\w)|(?<!\w)أو(?!\w)", question):
        return False
    norm = normalize_for_search(copy).strip()
    if norm and f" {norm} " in f" {normalize_for_search(question)} ":
        return True
    name = _spelled_name(question, copy)
    return name is not None and _words(copy) <= _words(name) + 1


def find_short_answer(question: str, q_lang: str, units: Sequence[Unit],
                      complete: Callable[[list[Message]], str] | None, *, tries: int = 2) -> ShortAnswer | None:
    """The first short answer found in the first ``tries`` units (one model call each), or None."""
    kind = question_type(question, q_lang)
    for unit in list(units)[:tries]:
        where = find_span(question, unit, kind, complete)
        if where is None:
            continue
        copy = unit.text[where[0] - unit.start:where[1] - unit.start]
        carried = carry_over(copy, unit.lang, question, q_lang, kind)
        if carried is not None:
            return ShortAnswer(carried[0], where[0], where[1], carried[1], unit, copy)
    return None


def marked_in(sentence: str, unit: Unit, short: ShortAnswer | None) -> list[dict]:
    """The answering words inside the quote «…» of a shown sentence of ``unit``, as offsets into the quote's text
    (empty when the short answer is from another unit or the quote does not hold it verbatim)."""
    m = re.search(r"«([^«»]*)»", sentence)
    if short is None or short.unit is not unit or m is None:
        return []
    i = m.group(1).find(neutralize_markers(short.source))
    return [{"start": i, "end": i + len(short.source)}] if i >= 0 else []
