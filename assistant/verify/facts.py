"""Fact checks of an answer sentence against the evidence it cites: its numbers and names must be there.

Semantic similarity (multilingual embeddings) tells whether a sentence is *about* what its evidence says; it
does not catch a changed number or an invented name, which is how weak models usually go wrong. So, beyond the
similarity score, each sentence's facts are checked against the text of the evidence it cites, across scripts
(:mod:`assistant.text.names`):

- :func:`unsupported_facts`: every number and name of the sentence must be found in the cited evidence.
- :func:`borrowed_terms`: words the cited text lacks but another offered evidence sentence has (mis-citation).
- :func:`restates_question`: a sentence that only repeats the question answers nothing.
- The question's own numbers are not new facts; its names only where the evidence cannot be checked for them.

Limits: those of :mod:`assistant.text.names` (no name checks in Arabic-script sentences, approximate
transliteration), and a spelled-out number in the *answer* ("five") is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.names import (  # noqa: F401
    ARABIC_WORD,
    LATIN_WORD,
    TRANSLATED_TITLE_WORDS,
    candidate_names,
    checkable_across_scripts,
    name_in_evidence,
    numbers,
    spelled_numbers,
)
from assistant.text.terms import analyze


def unsupported_facts(sentence: str, evidence: str, *, given: str = "") -> list[str]:
    """What in ``sentence`` is not found in ``evidence``: ["number 2255", "name Erdogan"]; empty when all is.

    ``given`` is the user's question. Its numbers count as found (restating "in 2015" adds nothing the reader did
    not say). Its names count as found only where the evidence cannot be checked for them
    (:func:`checkable_across_scripts`): a name the check can look for must be in the cited text, because a
    question's entity missing from the evidence is how an answer about something else gets through."""
    found = numbers(evidence) | spelled_numbers(evidence) | numbers(given)
    problems = [f"number {n}" for n in sorted(numbers(sentence) - found)]
    only_arabic = not LATIN_WORD.search(evidence)
    for n in candidate_names(sentence):
        if name_in_evidence(n, evidence) or only_arabic and n.lower() in TRANSLATED_TITLE_WORDS:
            continue
        if given and name_in_evidence(n, given) and not checkable_across_scripts(n, evidence):
            continue
        problems.append(f"name {n}")
    return problems


_YES_NO = re.compile(
    r"(?i)(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must)\b"
    r"|(هل|أليس|أليست|أكان|أكانت)(\s|$)"
)

_PROPOSED = re.compile(r"[,،][^,،]+[?؟]\s*$")


def restates_question(sentence: str, question: str) -> bool:
    """True when ``sentence`` adds nothing to ``question``: every content term of it (normalized, stemmed,
    stopwords dropped: :func:`assistant.text.terms.analyze`) and every number is already in the question ("The
    French king issued this declaration" for "Which French king issued this declaration?"). Such a sentence is
    close to evidence about the question's topic by similarity alone, but answers nothing. A yes/no question
    ("Did Russia back the army?", "هل ...؟") or one that proposes its answer after a comma ("When did it open,
    in 1852?") is answered by restating it, so it never counts there."""
    if _YES_NO.match(question.strip()) or _PROPOSED.search(question):
        return False
    terms = set(analyze(sentence))
    return bool(terms) and terms <= set(analyze(question)) and numbers(sentence) <= numbers(question)


def borrowed_terms(sentence: str, cited: str, others: Sequence[str], *, given: str = "") -> list[str]:
    """Content terms of ``sentence`` (normalized, stemmed, stopwords dropped: :func:`assistant.text.terms.analyze`)
    that its cited text and the question lack but another offered evidence sentence has: a fact taken from
    evidence the sentence does not cite ("the delegation was headed by Bashar al-Assad [1]" where only [2] names
    Bashar). Terms shorter than 3 letters and digit runs (numbers are checked on their own) are ignored; terms in
    a script the cited text does not use are skipped (an English sentence citing Arabic evidence cannot be
    compared word by word, while English evidence beside it would match every word), so this only acts within
    a language."""
    own = set(analyze(cited)) | set(analyze(given))
    other = set().union(*(set(analyze(o)) for o in others)) if others else set()
    out = []
    scripts = {"ar": bool(ARABIC_WORD.search(cited)), "latin": bool(LATIN_WORD.search(cited))}
    for word in dict.fromkeys(re.findall(r"\w+", sentence)):  # reported as written, compared as terms
        script = "ar" if ARABIC_WORD.search(word) else "latin" if LATIN_WORD.search(word) else None
        if script is None or not scripts[script]:
            continue
        if any(len(t) >= 3 and not t.isdigit() and t not in own and t in other for t in analyze(word)):
            out.append(word)
    return out
