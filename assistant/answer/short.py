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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import prompts
from assistant.answer.citations import neutralize_markers
from assistant.answer.selection import Unit
from assistant.backends.base import Message
from assistant.text.arabic import fold_digits, normalize_for_search
from assistant.text.names import candidate_names, name_in_evidence
from assistant.text.questions import (
    DIGITS,
    EN_NUMBER_NAMES,
    MONTHS,
    YEAR,
    can_hold,
    has_date,
    has_number,
    month_of,
    number_words,
    question_type,
)

MAX_WORDS = 8
"""A copy of more words is not a short answer."""

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


def messages(question: str, unit: Unit) -> list[Message]:
    """The copying prompt: the fixed system prompt first (cached by a backend that caches prompt starts)."""
    return [
        Message("system", prompts.render("short.system.j2")),
        Message("user", prompts.render("short.user.j2", question=question, unit=neutralize_markers(unit.text))),
    ]


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


def find_span(
    question: str,
    unit: Unit,
    kind: str,
    complete: Callable[[list[Message]], str] | None,
) -> tuple[int, int] | None:
    """Offsets in the article of the unit's words that answer ``question``: the model's copy when it is in the unit
    and fits the question's type, else :func:`rule_span`. A number or date question is answered only from a unit
    with one candidate the question does not already hold (:func:`candidates`): among several numbers the
    model picks the wrong one too often (read on XQuAD dev: "5" copied from "chosen 5 times" for a count of 136)."""
    if kind in ("number", "date") and len(candidates(question, unit.text, kind)) != 1:
        return None
    if complete is not None:
        reply = complete(messages(question, unit))
        line = next((ln.strip() for ln in reply.strip().splitlines() if ln.strip()), "")
        if line and not line.upper().startswith(prompts.NO_ANSWER) and prompts.NOT_FOUND not in line:
            where = locate(line, unit.text)
            if (
                where
                and _words(unit.text[where[0] : where[1]]) <= MAX_WORDS
                and can_hold(unit.text[where[0] : where[1]], kind)
            ):
                return unit.start + where[0], unit.start + where[1]
    where = rule_span(question, unit.text, kind)
    return (unit.start + where[0], unit.start + where[1]) if where else None


def candidates(question: str, text: str, kind: str) -> set[str]:
    """The distinct values ``text`` holds for a number question (numbers in digits of any script, number words) or
    a date question (years), leaving out those the question itself holds."""
    folded = fold_digits(question)
    asked = set(DIGITS.findall(folded)) | {str(v) for v in number_words(question)}
    if kind == "date":
        return {y for y in YEAR.findall(fold_digits(text)) if y not in asked}
    found = {re.sub(r"[,٬](\d{3})", r"\1", n) for n in DIGITS.findall(fold_digits(text))}
    found |= {str(v) for v in number_words(text)}
    return {n for n in found if n not in asked}


def rule_span(question: str, text: str, kind: str) -> tuple[int, int] | None:
    """For a number or date question: the one number (with the unit word after it) or the one year of ``text``
    that the question does not hold; None when there is none or more than one."""
    asked = set(DIGITS.findall(fold_digits(question)))
    pattern = YEAR if kind == "date" else DIGITS if kind == "number" else None
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


def _number_text(copy: str, lang: str) -> str | None:
    """The number in ``copy`` (with its scale and unit word) written for a reader of ``lang``."""
    folded = fold_digits(copy).replace("٫", ".").replace("٬", ",")
    m = DIGITS.search(folded)
    if m:
        value = re.sub(r",(\d{1,2})$", r".\1", m.group(0))  # 56,2 is a decimal comma; 1,500 a thousands one
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
    year = YEAR.search(folded)
    month = month_of(copy)
    if month is None:
        return year.group(0) if year else None
    name = MONTHS["en" if lang == "en" else "ar"][month[0] - 1]
    day = re.search(r"(?<!\d)([1-9]|[12]\d|3[01])(?!\d)", YEAR.sub(" ", folded))
    parts = ([day.group(1)] if day else []) + [name] + ([year.group(0)] if year else [])
    return " ".join(parts)


def carry_over(copy: str, unit_lang: str | None, question: str, q_lang: str, kind: str) -> tuple[str, str] | None:
    """``(text in the question's language, how)`` for a checked copy, or None when it cannot be carried over by
    rule (see the module docstring)."""
    if _asked(copy, question):  # the question's own words are not its answer
        return None
    if unit_lang in (None, q_lang):
        return copy, "verbatim"
    if kind == "date" or (kind != "number" and has_date(copy) and not has_number(YEAR.sub("", fold_digits(copy)))):
        text = _date_text(copy, q_lang)
        if text:
            return text, "date"
    if kind in ("number", "date") or _words(copy) <= 3 and has_number(copy):
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
    runs = [
        m.group(0)
        for m in _NAME_RUN.finditer(question)
        if m.group(0) in " ".join(candidate_names(question)) or m.start() > 0
    ]
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


def find_short_answer(
    question: str,
    q_lang: str,
    units: Sequence[Unit],
    complete: Callable[[list[Message]], str] | None,
    *,
    tries: int = 2,
) -> ShortAnswer | None:
    """The first short answer found in the first ``tries`` units (one model call each), or None."""
    kind = question_type(question, q_lang)
    for unit in list(units)[:tries]:
        where = find_span(question, unit, kind, complete)
        if where is None:
            continue
        copy = unit.text[where[0] - unit.start : where[1] - unit.start]
        carried = carry_over(copy, unit.lang, question, q_lang, kind)
        if carried is not None:
            return ShortAnswer(carried[0], where[0], where[1], carried[1], unit, copy)
    return None


def marked_in(sentence: str, unit: Unit, short: ShortAnswer | None) -> list[dict]:
    """The answering words inside the quote «…» of a shown sentence of ``unit``, as offsets into the quote's text
    (empty when the short answer is from another unit or the quote does not hold it verbatim)."""
    m = prompts.QUOTED.search(sentence)
    if short is None or short.unit is not unit or m is None:
        return []
    i = m.group(1).find(neutralize_markers(short.source))
    return [{"start": i, "end": i + len(short.source)}] if i >= 0 else []
