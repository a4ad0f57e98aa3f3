"""The entailment judge's deterministic layer: facts (numbers and names) and form, and verbatim quotes.

- :func:`fact_problems`: every number and name of the sentence must be in the cited text
  (:func:`assistant.verify.facts.unsupported_facts` across scripts, numbers also read with a decimal comma, a name
  of several words found together).
- :func:`form_faults`: the sentence must be readable: no word mixing Arabic and Latin letters, no prompt words, no
  letters of a third script, no word left untranslated, no label about the text such as "النص الإنجليزي:".
- :func:`verbatim`: a sentence that only repeats its span (the sentence, or its «quotes» with a short framing, is a
  piece of the cited text, tatweel and marks aside) is supported without asking anything: on the fit part the
  small model and the name check both rejected such quotes ("The article says, in Arabic: «…»": "Arabic" is no
  name of the span).

Limits: inherits :mod:`assistant.verify.facts`'s limits (no name checks in Arabic sentences); a name's parts are
matched by sound and skeleton, so a short name can still match a common Arabic word; the untranslated-word check
lets capitalised Latin words (names, acronyms) pass in an Arabic sentence.
"""

from __future__ import annotations

import re

from assistant.text.arabic import detect_language, fold_digits, strip_marks
from assistant.text.names import (
    ARABIC_WORD,
    LATIN_WORD,
    NUMBER,
    TRANSLATED_TITLE_WORDS,
    candidate_names,
    name_in_evidence,
    numbers,
)
from assistant.verify.facts import unsupported_facts
from assistant.verify.form import form_problems, own_words

_THIRD_SCRIPT = re.compile(r"[\u0400-\u04ff\u0590-\u05ff\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_HEADER = re.compile(
    r"(?i)\b(english|arabic|text|translation)\b[^.:\n]{0,25}:"
    r"|(النص|الترجمة|الإنجليزية|الانجليزية|الإنكليزية|العربية)[^.:\n]{0,25}:"
)
"""A label about the text itself ("النص الإنجليزي:", "English translation:"): the model talking about its task."""
_LATIN_ONLY = re.compile(r"[A-Za-z'’-]+")


def untranslated_words(sentence: str) -> list[str]:
    """Words left in the other language: a lower-case Latin word among the own words of an Arabic sentence
    ("totalling", "yards": a name or acronym is capitalised, a source spelling is in parentheses and a quote is
    the source's words, so neither counts), or an Arabic word among the own words of an English sentence (one in
    which at most a third of the words are Arabic: a short Arabic sentence with several Latin names can count as
    English by its letters)."""
    lang = detect_language(sentence)
    words = own_words(sentence, lang)
    if lang == "ar":
        return [w for w in words if _LATIN_ONLY.fullmatch(w) and w[0].islower()]
    arabic = [w for w in words if ARABIC_WORD.search(w)]
    return arabic if 3 * len(arabic) <= len(words) else []  # else mostly Arabic words around Latin names


def form_faults(sentence: str) -> list[str]:
    """Form problems that make a sentence unreadable whatever the question's language: words mixing Arabic and
    Latin letters, prompt words, letters of a third script (e.g. a Chinese word inside Arabic), words left
    untranslated (:func:`untranslated_words`), a label about the text itself ("النص الإنجليزي: …")."""
    lang = detect_language(sentence)
    faults = [p for p in form_problems(sentence, lang) if p.startswith(("word mixing", "prompt words"))]
    m = _THIRD_SCRIPT.search(sentence)
    if m:
        faults.append(f"letters of a third script: {m.group(0)!r}")
    left = untranslated_words(sentence)
    if left:
        faults.append("untranslated words: " + ", ".join(left[:3]))
    m = _HEADER.search(_QUOTE.sub(" ", sentence))
    if m:
        faults.append(f"a label about the text: {m.group(0).strip()!r}")
    return faults


def other_number_readings(text: str) -> set[str]:
    """The numbers of ``text`` read with the other separator convention: Arabic and much of Europe write a decimal
    comma and a thousands dot ("56,2٪" is 56.2 %, "711.988" is 711988), which :func:`assistant.text.names.numbers`
    reads the English way."""
    out: set[str] = set()
    for raw in NUMBER.findall(fold_digits(text)):
        raw = raw.replace("٬", ",").replace("٫", ".")
        if "," in raw or "." in raw:
            out |= numbers(raw.translate(str.maketrans(",.", ".,")))
    return out


def _name_runs(sentence: str) -> list[list[str]]:
    """Runs of two or more consecutive names of ``sentence`` ("Thomas Davis", "Lady Gaga"), punctuation ending a
    run."""
    names = set(candidate_names(sentence))
    runs: list[list[str]] = [[]]
    for token in sentence.split():
        word = re.sub(r"['’]s$", "", token.strip(".,;:!?()«»“”\"'’")).strip("'’-")
        if word in names and _LATIN_ONLY.fullmatch(word):
            runs[-1].append(word)
            if not token.rstrip("'’s").endswith(word[-1]):  # "Davis," ends the name
                runs.append([])
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if len(r) >= 2]


_EVIDENCE_WORD = re.compile(f"{LATIN_WORD.pattern}|{ARABIC_WORD.pattern}")


def names_apart(sentence: str, evidence: str, gap: int = 2) -> list[str]:
    """Names of several words whose parts are each in ``evidence`` but not together (within ``gap`` words, in the
    sentence's order): "Tom Davis" against "تم اختيار ... توماس ديفيس" (Tom's two letters also spell تم), "Gary
    Allen" against "الأخير المخضرم جاريد ألان". A short name's skeleton matches many common words; the whole name
    in one place does not."""
    words = _EVIDENCE_WORD.findall(evidence)
    out = []
    for run in _name_runs(sentence):
        places = [{i for i, w in enumerate(words) if name_in_evidence(n, w)} for n in run]
        if not all(places):
            continue  # a part not found at all is the name check's own finding
        ends = places[0]
        for p in places[1:]:
            ends = {j for j in p if any(0 < j - i <= gap for i in ends)}
        if not ends:
            out.append("name " + " ".join(run) + " (its parts are not together in the cited text)")
    return out


def fact_problems(sentence: str, evidence: str, *, names: bool = True) -> list[str]:
    """The facts layer: :func:`assistant.verify.facts.unsupported_facts`, with numbers also read with a decimal comma
    (:func:`other_number_readings`), capitalised words that are translated rather than transliterated ("Awards",
    "Court") not looked for by sound in Arabic evidence even when it holds a Latin acronym, and names of several
    words found together (:func:`names_apart`). ``names=False``: numbers only."""

    alt = other_number_readings(evidence)
    arabic = detect_language(evidence) == "ar"
    out = []
    for m in unsupported_facts(sentence, evidence):
        kind, _, value = m.partition(" ")
        if kind == "number" and value in alt:
            continue
        if kind == "name" and (not names or arabic and value.lower() in TRANSLATED_TITLE_WORDS):
            continue
        out.append(m)
    return out + (names_apart(sentence, evidence) if names else [])


_QUOTE = re.compile(r"«([^»]*)»|“([^”]*)”|\"([^\"]*)\"")
_FRAME_WORDS = 8
"""At most this many own words around a verbatim quote make a framing ("The article says, in Arabic: «…»")."""


def _squash(text: str) -> str:
    return " ".join(strip_marks(text).split()).strip(" .،,:;")


def verbatim(sentence: str, source: str) -> bool:
    """Whether ``sentence`` only repeats ``source``: the sentence itself (spaces and end punctuation aside) is a
    piece of the source, or every quote in it is, with at most a short framing of its own around them."""
    src = _squash(source)
    whole = _squash(sentence)
    if whole and whole in src:
        return True
    quotes = [q for m in _QUOTE.finditer(sentence) for q in m.groups() if q is not None]
    if not quotes or not all(_squash(q) and _squash(q) in src for q in quotes):
        return False
    rest = _QUOTE.sub(" ", sentence)
    return len(re.findall(r"[^\W\d_]+", rest)) <= _FRAME_WORDS
