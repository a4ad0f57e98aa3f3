"""Numbers and names of a text, and whether they are found in another text, across Arabic and Latin script.

- Numbers: Arabic-Indic, Persian or ASCII digits, with ``,``/``٬`` thousands separators and ``.``/``٫`` decimals,
  compared as values after digit folding; Roman numerals are numbers (``XXXIII`` = 33), not names; a number a
  text spells out ("four", "أربعة") is found by :func:`spelled_numbers`.
- Names: in Latin-script text, capitalized words are taken as names (a sentence's first word only when it is
  not a common sentence opener: "The", "Two", "According"...). A name matches a word of another text directly
  (case-folded, common English suffixes tolerated) when that text is in Latin script, or through a consonant
  skeleton (both scripts mapped to the same sound classes, vowels and the Arabic article dropped) when it is in
  Arabic: ``Lavrentiev`` ~ ``لافرينتييف``, ``Idlib`` ~ ``إدلب``.
- :func:`cross_script_keys`: the same skeletons and numbers as keys, for retrieval to match a name or a number
  across scripts.

Limits: names in Arabic-script text are not found (Arabic has no capitals to find them by); the
transliteration skeleton is approximate (exact for skeletons of 2-3 classes, similarity >= 0.8 with the same
first class above) and can accept a different name of similar sound or miss an unusual spelling; spelled-out
numbers are read one word at a time ("twenty-one" is 20).

Why one module of about 610 lines: about half of it is tables (number words, title words, letter classes for
transliteration) that the rules beside them read.
"""

from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher

from assistant.text.arabic import ARABIC_BASE_LETTERS, fold_digits, normalize_for_search

NUMBER = re.compile(r"\d+(?:[.,٫٬]\d+)*")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
ARABIC_WORD = re.compile(f"[{ARABIC_BASE_LETTERS}]+")
_SENTENCE_START_SKIP = {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "It",
    "He",
    "She",
    "They",
    "We",
    "This",
    "That",
    "These",
    "Those",
    "According",
    "However",
    "Also",
    "And",
    "But",
    "Both",
    "After",
    "Before",
    "His",
    "Her",
    "Its",
    "Their",
    "There",
    "During",
    "Several",
    "Many",
    "Most",
    "Some",
    "All",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Only",
    "No",
    "Yes",
    "When",
    "Where",
    "Who",
    "What",
    "Which",
    "While",
    "As",
    "For",
    "From",
    "By",
}
# Capitalized words that are translated, not transliterated ("Supreme Court" is المحكمة العليا): against
# evidence with no Latin-script words they can be neither found nor ruled out by sound, so they are not checked
# there (in English evidence they are checked like any name).
TRANSLATED_TITLE_WORDS = {
    "supreme",
    "court",
    "high",
    "university",
    "college",
    "school",
    "institute",
    "academy",
    "museum",
    "gallery",
    "library",
    "parliament",
    "assembly",
    "senate",
    "congress",
    "house",
    "lords",
    "commons",
    "representatives",
    "union",
    "church",
    "party",
    "government",
    "prime",
    "vice",
    "executive",
    "chief",
    "officer",
    "director",
    "manager",
    "chairman",
    "secretary",
    "governor",
    "mayor",
    "king",
    "queen",
    "prince",
    "emperor",
    "empire",
    "kingdom",
    "royal",
    "federal",
    "national",
    "international",
    "democratic",
    "people",
    "central",
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "world",
    "war",
    "revolution",
    "cup",
    "league",
    "championship",
    "game",
    "games",
    "award",
    "awards",
    "prize",
    "bank",
    "company",
    "agency",
    "organization",
    "organisation",
    "office",
    "department",
    "commission",
    "council",
    "city",
    "province",
    "county",
    "region",
    "river",
    "sea",
    "ocean",
    "lake",
    "island",
    "islands",
    "mountain",
    "mountains",
    "bay",
    "airport",
    "station",
    "street",
    "square",
    "bridge",
    "hospital",
    "center",
    "centre",
    "association",
    "society",
    "foundation",
    "festival",
    "conference",
    "treaty",
    "agreement",
    "act",
    "law",
    "constitution",
    "operations",
    "new",
    "old",
    "great",
    "grand",
    "holy",
    "saint",
    "affairs",
    "foreign",
    "interior",
    "defence",
    "defense",
    "ministry",
    "minister",
    "dialogue",
    "forces",
    "army",
    "committee",
    "constitutional",
    "security",
    "nations",
    "united",
    "republic",
    "state",
    "states",
    "special",
    "envoy",
    "general",
    "deputy",
    "statement",
    "presidency",
}
_NOT_NAMES = {
    "I",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "President",
    "Minister",
    "Council",
    "Security",
    "General",
    "Deputy",
    "Foreign",
    "Defence",
    "Defense",
    "Ministry",
    "Special",
    "Envoy",
    "Army",
    "Republic",
    "State",
    "States",
    "United",
    "Nations",
    "Resolution",
    "Committee",
    "Constitutional",
    "Friday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Saturday",
    "Sunday",
}
# Sound classes shared by both scripts (vowels and weak letters dropped).
_LATIN_CLASS = {
    "b": "b",
    "p": "b",
    "t": "t",
    "d": "t",
    "k": "k",
    "q": "k",
    "c": "k",
    "g": "k",
    "j": "j",
    "f": "f",
    "v": "f",
    "s": "s",
    "z": "s",
    "x": "ks",
    "l": "l",
    "r": "r",
    "m": "m",
    "n": "n",
    "h": "",
    "w": "",
    "y": "",
}
_ARABIC_CLASS = {
    "ب": "b",
    "ت": "t",
    "ث": "s",
    "ج": "j",
    "ح": "",
    "خ": "k",
    "د": "t",
    "ذ": "s",
    "ر": "r",
    "ز": "s",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ض": "t",
    "ط": "t",
    "ظ": "s",
    "ع": "",
    "غ": "k",
    "ف": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "",
    "و": "",
    "ي": "",
    "ا": "",
    "ء": "",
    "ة": "",
}


_ROMAN = re.compile(r"\b(?=[MDCLXVI]{2,}\b)(?=[MDCL]*[XVI])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\b")
_ROMAN_VALUE = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}


def roman_value(word: str) -> int | None:
    """The value of an upper-case Roman numeral of two letters or more with an X, V or I (``XXXIII`` = 33;
    ``DC`` or ``CM`` are taken as abbreviations), else None."""
    if not _ROMAN.fullmatch(word):
        return None
    vals = [_ROMAN_VALUE[c] for c in word]
    return sum(-v if i + 1 < len(vals) and v < vals[i + 1] else v for i, v in enumerate(vals))


def numbers(text: str) -> set[str]:
    """Numeric values in ``text`` as canonical strings ("2254", "2.5"); thousands separators removed; Roman
    numerals (``Super Bowl XXXIII``) by value."""
    out = {str(v) for w in LATIN_WORD.findall(text) if (v := roman_value(w)) is not None}
    for raw in NUMBER.findall(fold_digits(text)):
        raw = raw.replace("٬", ",").replace("٫", ".")
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
            raw = raw.replace(",", "")
        for part in raw.split(","):
            out.add(part.lstrip("0") or "0")
    return out


EN_NUMBER_VALUES = (
    {
        w: i
        for i, w in enumerate(
            "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
            "seventeen eighteen nineteen twenty".split()
        )
        if w != "_"
    }
    | {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "thousand": 1000,
        "million": 1000000,
    }
    | {w: i + 1 for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split())}
)
# Arabic cardinals (masculine and feminine forms, both forms of two, the -un/-in endings of the tens), compared
# after normalize_for_search.
AR_CARDINALS = {
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
        "مليون": 1000000,
    }.items()
}
AR_ORDINALS = {
    normalize_for_search(w): v
    for w, v in {
        # ordinals (القرن الثاني = the 2nd century), masculine and feminine
        "أول": 1,
        "أولى": 1,
        "ثاني": 2,
        "ثانية": 2,
        "ثالث": 3,
        "ثالثة": 3,
        "رابع": 4,
        "رابعة": 4,
        "خامس": 5,
        "خامسة": 5,
        "سادس": 6,
        "سادسة": 6,
        "سابع": 7,
        "سابعة": 7,
        "ثامن": 8,
        "ثامنة": 8,
        "تاسع": 9,
        "تاسعة": 9,
        "عاشر": 10,
        "عاشرة": 10,
    }.items()
}
AR_NUMBER_WORDS = AR_CARDINALS | AR_ORDINALS


def spelled_numbers(text: str) -> set[str]:
    """Values of numbers written as words, cardinal or ordinal ("four", "أربعة", "وثلاثة", "third",
    "الثاني"), as :func:`numbers` writes them, so an answer's "4" or "2nd" counts as found in evidence that
    spells it. Single words only ("twenty-one" gives 20, not 21);
    "one" and "أحد" are left out (mostly pronouns). Only ever makes the number check more lenient."""
    out = {str(EN_NUMBER_VALUES[w]) for w in re.findall(r"[a-z]+", text.lower()) if w in EN_NUMBER_VALUES}
    for w in ARABIC_WORD.findall(normalize_for_search(text)):
        for form in arabic_forms(w):
            if form in AR_NUMBER_WORDS:
                out.add(str(AR_NUMBER_WORDS[form]))
                break
    return out


_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و")
_ONE_LETTER_CLITICS = ("ف", "ب", "ل", "ك")


def arabic_forms(word: str, *, clitics: bool = True) -> list[str]:
    """A normalized Arabic word as written, then without each article/conjunction prefix it starts with (ال, و
    and their combinations; with ``clitics`` also ف ب ل ك), as long as 3 letters remain: ``لدنفر`` gives
    ``دنفر``, ``والسوري`` gives ``السوري`` and ``سوري``. Every reading is kept (الكسندر is Alexander, not
    al + Kassander). Retrieval's cross-script keys leave out the one-letter clitics (فرنسا is not ف + رنسا), which
    would add a spurious key for many words; a name check only ever looks for a match, so it takes them all."""
    prefixes = _PREFIXES + _ONE_LETTER_CLITICS if clitics else _PREFIXES
    return [word] + [word[len(p) :] for p in prefixes if word.startswith(p) and len(word) - len(p) >= 3]


def candidate_names(sentence: str) -> list[str]:
    words = [(m.group(0), m.start()) for m in LATIN_WORD.finditer(sentence)]
    names = []
    for i, (w, pos) in enumerate(words):
        w = re.sub(r"['’]s$", "", w).strip("'’-")  # possessive: Tesla's is Tesla
        if not w or not w[0].isupper() or w in _NOT_NAMES or len(w) < 3 or roman_value(w) is not None:
            continue
        if i == 0 and (w in _SENTENCE_START_SKIP or pos == 0 and w.lower() in _SENTENCE_START_SKIP):
            continue
        names.append(w)
    return names


def _collapse(sk: str) -> str:
    return re.sub(r"(.)\1+", r"\1", sk)


def _latin_skeleton(word: str) -> str:
    w = word.lower()
    w = (
        w.replace("ph", "f")
        .replace("sh", "s")
        .replace("kh", "k")
        .replace("th", "t")
        .replace("ch", "ts")
        .replace("gh", "k")
    )
    return _collapse("".join(_LATIN_CLASS.get(ch, "" if ch in "aeiou" else ch) for ch in w))


@functools.lru_cache(maxsize=65536)
def _latin_skeletons(word: str) -> frozenset[str]:
    """The name's skeleton, and that of its stem without a demonym ending (Russian ~ روسيا, Syrian ~ سوريا);
    with ``th`` also read as ث (Luther ~ لوثر; ث is in the ``s`` class)."""
    stems = [word]
    m = re.match(r"^(.{3,}?)(ians?|ans?|ese)$", word.lower())
    if m:
        stems.append(m.group(1))
    stems += [w.lower().replace("th", "s") for w in stems if "th" in w.lower()]
    return frozenset(_latin_skeleton(w) for w in stems)


@functools.lru_cache(maxsize=65536)
def _arabic_skeletons(word: str, clitics: bool = True) -> frozenset[str]:
    """Skeletons of the word's :func:`arabic_forms` (``clitics`` passed on), and of each without a nisba ي
    (سوري ~ Syria). Cached: retrieval asks for the words of every candidate chunk."""
    forms = set(arabic_forms(normalize_for_search(word), clitics=clitics))
    for f in list(forms):
        if f.endswith("ي") and len(f) > 3:  # nisba adjective: سوري ~ Syria
            forms.add(f[:-1])
    return frozenset(_collapse("".join(_ARABIC_CLASS.get(ch, "") for ch in f)) for f in forms)


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return len(a) >= 2
    if min(len(a), len(b)) <= 3 or a[0] != b[0]:  # short skeletons collide too easily: exact match only
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.8


_ARABIC_VOWELS = set("اويى")


def _vowel_skeleton_latin(word: str) -> str:
    w = word.lower().replace("ph", "f").replace("sh", "s").replace("kh", "k").replace("th", "t").replace("gh", "k")
    return _collapse("".join("V" if ch in "aeiouwy" else _LATIN_CLASS.get(ch, ch) for ch in w))


def _vowel_skeletons_arabic(word: str, min_letters: int = 0) -> set[str]:
    forms = [f for f in arabic_forms(normalize_for_search(word)) if len(f) >= min_letters]
    return {_collapse("".join("V" if ch in _ARABIC_VOWELS else _ARABIC_CLASS.get(ch, "") for ch in f)) for f in forms}


def name_in_evidence(name: str, evidence: str) -> bool:
    """Whether ``name`` occurs in ``evidence``: as a Latin word, or as an Arabic spelling with the same consonant
    skeleton (``g`` may be written ج as well as غ/ق). A name of fewer than 2 sound classes is compared with its
    vowels, which Arabic writes as ا/و/ي (``Gaga`` ~ غاغا: ``kVkV``), when that form has 4 symbols or more, or
    3 against an Arabic word of 5 letters or more (``Elway`` ~ إلواي: ``VlV``; the short إلى and أولى also read
    ``VlV`` and are not taken)."""
    low = name.lower()
    for w in LATIN_WORD.findall(evidence):
        wl = w.lower()
        if wl == low or (len(low) >= 4 and (wl.startswith(low[:-1]) or low.startswith(wl[:-1]) and len(wl) >= 4)):
            return True
    sks = _latin_skeletons(name) | (_latin_skeletons(name.replace("g", "j")) if "g" in name else set())
    arabic = ARABIC_WORD.findall(evidence)
    if any(_similar(sk, ask) for w in arabic for ask in _arabic_skeletons(w) for sk in sks):
        return True
    if max(len(sk) for sk in _latin_skeletons(name)) >= 2:
        return False
    vs = _vowel_skeleton_latin(name)
    if len(vs) < 3:
        return False
    min_letters = 0 if len(vs) >= 4 else 5  # VlV: إلواي (5 letters) is Elway, إلى and أولى are not
    return any(vs in _vowel_skeletons_arabic(w, min_letters) for w in arabic)


def source_spelling(name: str, evidence: str) -> str | None:
    """The Arabic word of ``evidence`` that spells the Latin ``name`` (:func:`name_in_evidence`), as written there,
    without a one-letter clitic (و ب ل ف ك) when the rest still spells it: ``Vershinin`` in "وفيرشينين" gives
    ``فيرشينين``. None when no Arabic word does, and for names of fewer than 4 sound classes (``Russia`` ~ ``rs``
    also matches الرئيس; a short skeleton is good enough to accept a name, not to show a spelling)."""
    if min(len(sk) for sk in _latin_skeletons(name)) < 4:
        return None
    for word in ARABIC_WORD.findall(evidence):
        if not name_in_evidence(name, word):
            continue
        if word[0] in _ONE_LETTER_CLITICS + ("و",) and len(word) > 4 and name_in_evidence(name, word[1:]):
            return word[1:]
        return word
    return None


def checkable_across_scripts(name: str, evidence: str) -> bool:
    """False when ``evidence`` has no Latin word and the name's skeleton has fewer than 2 sound classes
    (``Elway`` ~ ``l``, ``Gaga`` ~ ``k``): an Arabic spelling can then be neither confirmed nor ruled out."""
    if LATIN_WORD.search(evidence):
        return True
    return max(len(sk) for sk in _latin_skeletons(name)) >= 2


def cross_script_keys(text: str) -> set[str]:
    """Keys that can match across Arabic and Latin script: numbers (``#2254``), consonant skeletons of
    capitalized Latin words and of Arabic words (3 sound classes or more). Used by retrieval to let a name or a
    number in an English question count for an Arabic passage, and the reverse."""
    keys = {f"#{n}" for n in numbers(text)}
    for w in LATIN_WORD.findall(text):
        if w[0].isupper() and len(w) >= 3:
            keys |= {s for s in _latin_skeletons(w) if len(s) >= 3}
    for w in ARABIC_WORD.findall(text):
        keys |= {s for s in _arabic_skeletons(w, False) if len(s) >= 3}
    return keys
