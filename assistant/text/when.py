"""Time expressions in a question, in English and Arabic, read as an inclusive range of dates.

:func:`read_time_range` finds the first time expression of a question and returns a :class:`TimeRange` (``start``
and ``end`` inclusive, the ``reference`` "today" it was read against, the question's own words in ``expression``);
the answerer applies it as a filter over the articles' ``published`` dates.

Design: the expressions are *found* by rules (regular expressions over the question, Arabic-Indic digits folded),
so only words that are a time expression can become a range; dates are *read* with ``dateparser`` where it helps
(a day and month in either language, ordinals such as "25th", "3 days ago" / "قبل 3 أيام", a day without a year
taken as its latest occurrence not after the reference), and a range comes from small rules of our own:

- ``today`` / ``اليوم``: the reference; ``yesterday`` / ``أمس`` / ``البارحة``: the day before; ``the day before
  yesterday`` / ``أول أمس``: two days before.
- ``last week`` / ``past week`` / ``الأسبوع الماضي``: the seven days before the reference (reference 2015-08-08 →
  2015-08-01..2015-08-07, as in the contract); ``this week`` / ``هذا الأسبوع``: the seven days ending on the
  reference; ``the last N days`` / ``past N days`` / ``آخر N أيام``: the N days before the reference.
- ``last month`` / ``الشهر الماضي``: the previous calendar month; ``this month`` / ``هذا الشهر``: its first day to
  the reference; ``last year`` / ``العام الماضي`` and ``this year`` / ``هذا العام`` likewise by calendar year.
- ``N days / weeks / months ago`` / ``قبل N أيام / أسابيع / أشهر``: that day; that week (seven days from the day
  ``dateparser`` gives); that calendar month.
- a day (``on 25 July 2015``, ``July 25th``, ``يوم 25 يوليو``): that day; without a year, its latest occurrence not
  after the reference. A month with a year (``in May 2020``, ``في أيار 2020``, ``في مايو 2020``): the whole month.
  A month alone after a preposition (``in May``, ``في مايو``, ``خلال تموز``): the whole month, of the reference's
  year if it has begun by the reference, else of the year before. A year after a preposition or the word year
  (``in 2015``, ``during 2015``, ``عام 2015``, ``في 2015``): the whole year.
- ``since X`` / ``منذ X``: from the start of X to the reference.

Month names: English (full and three-letter), Arabic in both series, the Egyptian-Gulf one (``مايو``) and the
Levantine one (``أيار``; ``dateparser`` 1.5 does not read it, so it is mapped to the first series before
parsing), with hamza and taa-marbuta variants and a clitic ``ب``/``و`` on Arabic words.

Limits: only the first expression counts (``between 1 and 5 May`` or ``from May to June`` are read as their first
date; ``before`` / ``after`` are not read); a bare number is never a date (``2254``, ``308 points``), a bare year
needs a preposition or the word year and must be 1900-2099; an English month alone needs a preposition (``May``
is also a verb); Hijri dates, weekdays (``on Monday``) and times of day are not read; ``اليوم`` followed by a
definite word (``اليوم الوطني``, ``اليوم الأول``) is not "today". A range may end after the reference (``in
August`` read on 8 August covers the whole month).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.text.arabic import fold_digits


@dataclass(frozen=True)
class TimeRange:
    start: dt.date
    end: dt.date
    reference: dt.date
    expression: str
    """The words of the question the range was read from."""

    def to_dict(self) -> dict:
        """The contract's shape: ``{"from", "to", "reference", "expression"}``, dates as ``YYYY-MM-DD``."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "reference": self.reference.isoformat(),
            "expression": self.expression,
        }


# -- month names --------------------------------------------------------------------------------------------------
_EN_MONTHS = [calendar.month_name[i].lower() for i in range(1, 13)]
_EN_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10}
_EN_ABBR |= {"nov": 11, "dec": 12}
_AR_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر"]
_AR_MONTHS += ["ديسمبر"]
_AR_LEVANT = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول"]
_AR_LEVANT += ["تشرين الثاني", "كانون الأول"]
_AR_VARIANTS = {"ابريل": 4, "إبريل": 4, "يونية": 6, "يولية": 7, "اغسطس": 8, "اكتوبر": 10, "اذار": 3, "ايار": 5}
_AR_VARIANTS |= {"ايلول": 9, "تشرين اول": 10, "تشرين ثاني": 11, "كانون اول": 12, "كانون ثاني": 1}


def _month_table() -> dict[str, int]:
    table = {name: i + 1 for i, name in enumerate(_EN_MONTHS)} | dict(_EN_ABBR)
    for series in (_AR_MONTHS, _AR_LEVANT):
        table |= {name: i + 1 for i, name in enumerate(series)}
    return table | _AR_VARIANTS


_MONTHS = _month_table()
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_B = r"(?<![\w])"  # word start (Arabic letters are \w too)
_E = r"(?![\w])"  # word end
_MONTH = rf"(?:[بو](?=[^\W\d]{{2}}))?(?P<month>{_MONTH_ALT})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"


def _month_number(name: str) -> int:
    return _MONTHS[name.lower()]


# -- relative words -------------------------------------------------------------------------------------------------
A = "[اأإآ]"  # alef with or without hamza
H = "[ةه]"  # taa marbuta, often written as haa
Y = "[يى]"
Rule = Callable[[dt.date], tuple[dt.date, dt.date]]


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _previous_month(ref: dt.date) -> tuple[dt.date, dt.date]:
    first = ref.replace(day=1) - _days(1)
    return _month_range(first.year, first.month)


_PAST = rf"(?:{A}لماضي{H}?|{A}لفائت{H}?|{A}لمنصرم{H}?|{A}لسابق{H}?)"
_WEEK_AR = rf"{A}ل{A}سبوع"
_RELATIVE: list[tuple[re.Pattern, Rule]] = [
    (
        re.compile(rf"{_B}(?:the )?day before yesterday{_E}|{_B}{A}ول {A}مس{_E}|{_B}{A}ول {A}لبارح{H}{_E}", re.I),
        lambda r: (r - _days(2), r - _days(2)),
    ),
    (
        re.compile(rf"{_B}yesterday{_E}|{_B}(?:[بو])?(?:ال)?{A}مس{_E}|{_B}(?:[بو])?{A}لبارح{H}{_E}", re.I),
        lambda r: (r - _days(1), r - _days(1)),
    ),
    (
        re.compile(rf"{_B}today{_E}|{_B}(?:[بو])?{A}ليوم(?!\s+{A}ل|\w)|{_B}هذا {A}ليوم{_E}", re.I),
        lambda r: (r, r),
    ),
    (
        re.compile(rf"{_B}(?:last|past|previous) week{_E}|{_B}{_WEEK_AR} {_PAST}{_E}", re.I),
        lambda r: (r - _days(7), r - _days(1)),
    ),
    (
        re.compile(rf"{_B}this week{_E}|{_B}هذا {_WEEK_AR}{_E}", re.I),
        lambda r: (r - _days(6), r),
    ),
    (
        re.compile(rf"{_B}(?:last|past|previous) month{_E}|{_B}{A}لشهر {_PAST}{_E}", re.I),
        _previous_month,
    ),
    (
        re.compile(rf"{_B}this month{_E}|{_B}هذا {A}لشهر{_E}", re.I),
        lambda r: (r.replace(day=1), r),
    ),
    (
        re.compile(rf"{_B}(?:last|past|previous) year{_E}|{_B}{A}لعام {_PAST}{_E}|{_B}{A}لسن{H} {_PAST}{_E}", re.I),
        lambda r: (dt.date(r.year - 1, 1, 1), dt.date(r.year - 1, 12, 31)),
    ),
    (
        re.compile(rf"{_B}this year{_E}|{_B}هذا {A}لعام{_E}|{_B}هذه {A}لسن{H}{_E}", re.I),
        lambda r: (dt.date(r.year, 1, 1), r),
    ),
]
_LAST_N_DAYS = re.compile(
    rf"{_B}(?:the )?(?:last|past|previous) (?P<n>\d{{1,3}}) days{_E}"
    rf"|{_B}(?:{A}خر\s+(?P<n_ar>\d{{1,3}})\s+{A}يام|(?:خلال\s+|في\s+)?{A}ل\s?(?P<n_ar2>\d{{1,3}})\s+{A}يام\s+"
    rf"(?:{A}لماضي{H}|{A}ل{A}خير{H})){_E}",
    re.I,
)
_EN_COUNT = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_AGO = re.compile(
    rf"{_B}(?P<n>\d{{1,3}}|a|one|two|three|four|five|six|seven|eight) (?P<unit>day|week|month)s? ago{_E}"
    rf"|{_B}قبل (?:(?P<n_ar>\d{{1,3}}) )?(?P<unit_ar>يوم|يومين|{A}يام|{A}سبوع|{A}سبوعين|{A}سابيع|شهر|شهرين|{A}شهر)"
    rf"{_E}(?!\s+{A}ل)",
    re.I,
)

# -- absolute dates -------------------------------------------------------------------------------------------------
_SINCE = r"(?P<since>since|منذ)\s+"
_PREP_EN = r"(?:in|on|during|throughout|of|for|since)\s+(?:early |late |mid-?)?"
_PREP_AR = r"(?:في|خلال|منذ|يوم|بتاريخ|شهر|في شهر|خلال شهر|منذ شهر)\s+"
_DAY_MONTH = re.compile(
    rf"{_B}(?:{_SINCE})?(?:{_PREP_EN}|{_PREP_AR})?(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?{_E}", re.I
)
_MONTH_DAY = re.compile(rf"{_B}(?:{_SINCE})?(?:{_PREP_EN}|{_PREP_AR})?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?{_E}", re.I)
_MONTH_YEAR = re.compile(
    rf"{_B}(?:{_SINCE})?(?:{_PREP_EN}|{_PREP_AR})?(?:{A}لشهر\s+)?{_MONTH}(?:\s+(?:من\s+)?(?:عام|سن{H})?)?,?\s+{_YEAR}{_E}",
    re.I,
)
_MONTH_ALONE = re.compile(rf"{_B}(?P<prep>in|during|throughout|since|في|خلال|منذ|شهر)\s+{_MONTH}{_E}", re.I)
_YEAR_ALONE = re.compile(
    rf"{_B}(?P<prep>(?:in|during|throughout|since)(?: the year)?|the year"
    rf"|(?:(?:في|خلال|منذ)\s+)?(?:{A}ل)?(?:عام|سن{H})|في|خلال|منذ)\s+{_YEAR}{_E}",
    re.I,
)


@dataclass
class _Found:
    start: int
    end: int
    first: dt.date
    last: dt.date
    since: bool = False


def _parse_day(day: int, month: int, year: int | None, lang: str, reference: dt.date) -> dt.date | None:
    """A day of ``month`` read by ``dateparser`` (the month written in the series it reads: Egyptian-Gulf Arabic or
    English), a missing year taken as the latest occurrence not after ``reference``."""
    import dateparser

    name = _AR_MONTHS[month - 1] if lang == "ar" else calendar.month_name[month]
    text = f"{day} {name}" + (f" {year}" if year else "")
    settings = {
        "RELATIVE_BASE": dt.datetime(reference.year, reference.month, reference.day),
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month"],
    }
    parsed = dateparser.parse(text, languages=[lang if lang in ("ar", "en") else "en"], settings=settings)
    return parsed.date() if parsed else None


def _candidates(q: str, lang: str, ref: dt.date) -> list[_Found]:
    found: list[_Found] = []
    for pattern, rule in _RELATIVE:
        for m in pattern.finditer(q):
            first, last = rule(ref)
            found.append(_Found(m.start(), m.end(), first, last))
    for m in _LAST_N_DAYS.finditer(q):
        n = int(m.group("n") or m.group("n_ar") or m.group("n_ar2"))
        if n > 0:
            found.append(_Found(m.start(), m.end(), ref - _days(n), ref - _days(1)))
    for m in _AGO.finditer(q):
        unit = (m.group("unit") or m.group("unit_ar")).lower()
        n_text = m.group("n") or m.group("n_ar")
        count = int(n_text) if n_text and n_text.isdigit() else _EN_COUNT.get((n_text or "").lower(), 1)
        if unit in ("يومين", "أسبوعين", "اسبوعين", "شهرين"):
            count = 2
        if unit in ("day", "يوم", "يومين") or unit.endswith("يام"):
            day = ref - _days(count)
            found.append(_Found(m.start(), m.end(), day, day))
        elif unit == "week" or "سب" in unit:
            day = ref - _days(7 * count)
            found.append(_Found(m.start(), m.end(), day, day + _days(6)))
        else:
            y, mo = divmod(ref.year * 12 + ref.month - 1 - count, 12)
            found.append(_Found(m.start(), m.end(), *_month_range(y, mo + 1)))
    for m in (*_DAY_MONTH.finditer(q), *_MONTH_DAY.finditer(q)):
        g = m.groupdict()
        month_no, day_no, year_no = _month_number(g["month"]), int(g["day"]), int(g["year"]) if g["year"] else None
        try:
            dt.date(year_no or 2000, month_no, day_no)  # a calendar day (29 February: a leap year)
        except ValueError:
            continue
        parsed = _parse_day(day_no, month_no, year_no, lang, ref)
        if parsed is not None:
            found.append(_Found(m.start(), m.end(), parsed, parsed, bool(g["since"])))
    for m in _MONTH_YEAR.finditer(q):
        first, last = _month_range(int(m.group("year")), _month_number(m.group("month")))
        found.append(_Found(m.start(), m.end(), first, last, bool(m.group("since"))))
    for m in _MONTH_ALONE.finditer(q):
        month = _month_number(m.group("month"))
        year = ref.year if month <= ref.month else ref.year - 1
        found.append(
            _Found(m.start(), m.end(), *_month_range(year, month), m.group("prep").lower() in ("since", "منذ"))
        )
    for m in _YEAR_ALONE.finditer(q):
        year = int(m.group("year"))
        since = m.group("prep").lower().startswith(("since", "منذ"))
        found.append(_Found(m.start(), m.end(), dt.date(year, 1, 1), dt.date(year, 12, 31), since))
    return found


def expression_starts(question: str, lang: str) -> list[int]:
    """Where each time expression of ``question`` starts (offsets into it), whatever day it names: lets other
    readers of the question stop before its time words ("ماذا أعلنت وزارة الصحة أمس" → the party ends before
    "أمس")."""
    return sorted({f.start for f in _candidates(fold_digits(question), lang, dt.date.today())})


def read_time_range(question: str, lang: str, reference: dt.date) -> TimeRange | None:
    """The range of dates the first time expression of ``question`` (in ``lang``, ``ar`` or ``en``) names, read
    against ``reference``; None when it holds none. Of overlapping readings the longest wins (``25 July 2015``
    over ``July 2015``)."""
    q = fold_digits(question)  # same length: offsets stay those of the question
    found = _candidates(q, lang, reference)
    if not found:
        return None
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    best = found[0]
    for f in found[1:]:  # a longer reading that overlaps the first one
        if f.start < best.end and f.end - f.start > best.end - best.start:
            best = f
    first, last = best.first, best.last
    if best.since:
        last = max(reference, first)
    expression = question[best.start : best.end].strip()
    return TimeRange(first, last, reference, expression)


# -- stating a range ------------------------------------------------------------------------------------------------
def format_day(day: dt.date, lang: str, *, month: bool = True, year: bool = True) -> str:
    """``25 July 2015`` / ``25 يوليو 2015`` (the month and the year can be left out)."""
    name = _AR_MONTHS[day.month - 1] if lang == "ar" else calendar.month_name[day.month]
    parts = [str(day.day)] + ([name] if month else []) + ([str(day.year)] if year and month else [])
    return " ".join(parts)


def range_words(first: dt.date, last: dt.date, lang: str) -> tuple[str, str]:
    """The two ends of a range as the answer states them, the shared month and year said once: ``("1", "7
    August 2015")``, ``("25 July", "7 August 2015")``; equal ends give ``("25 July 2015", "25 July 2015")``."""
    if first == last:
        return format_day(first, lang), format_day(last, lang)
    if first.year != last.year:
        return format_day(first, lang), format_day(last, lang)
    if first.month != last.month:
        return format_day(first, lang, year=False), format_day(last, lang)
    return format_day(first, lang, month=False), format_day(last, lang)
