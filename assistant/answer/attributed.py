"""Attribute-first answering: each selected unit is stated in the question's language, and checked against itself.

Design (after "Attribute First, then Generate", Slobodkin et al. 2024): the pipeline has already chosen the
evidence (:mod:`assistant.answer.selection`); what the reader sees is, for each unit, one sentence that says what the
unit says, in the question's language, citing that unit by construction (no citation numbers to invent).

- A unit in the question's language is shown as a verbatim quote, introduced in the question's language ("The
  article says: «…»", ``prompts/quote.*.j2``): no model call, nothing that can be misstated.
- A unit in the other language is restated by the model: one short call that translates that unit alone
  (``prompts/restate.*.j2``). Translation is a task a small model does far better than answering: the bundled
  1.5B model, asked instead to answer the question from the gold sentence, mostly wrote NONE and never the gold
  answer, while writing fluent answers from its own knowledge for sentences that do not hold the answer (see
  docs/benchmarks.md, 'Attributed answers').
- Each restatement is checked, deterministically, against its own unit (:func:`check_sentence`): form
  (:func:`assistant.verify.form.form_problems`: the question's script, no word mixing Arabic and Latin letters, no
  prompt words, one sentence); every number and name found in the unit (or the question), across scripts
  (:func:`assistant.verify.facts.unsupported_facts`); a length in proportion to the unit's (a loop, a truncation or a
  summary that drops half the unit fails); similarity to the unit of at least ``min_support_cross``.
- A restatement that fails is not shown; its unit is quoted instead, introduced in the question's language
  ("The article says, in Arabic: «…»"), when it is close enough to the question (``min_quote_relevance_cross``).
- A name the unit spells in the other script is kept beside the translated one: "Lavrentiev (لافرينتييف)"; a name
  the model copied in the source's script is marked as that spelling, "فريق (Panthers)".
- A unit's own bracket numbers ("[2]", "[٢]") are shown to the model, and inside a quote, in parentheses
  (:func:`assistant.answer.citations.neutralize_markers`), so they never read as the answer's citation markers; the
  citation's quote keeps the stored span verbatim.

Limits: a translation is checked for names, numbers, length and similarity, not word by word, so a changed
relation between names the unit holds ("A backs B" for "B backs A") can pass; a unit that is on the question's
topic but does not answer it is stated faithfully all the same (selection decides what is relevant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

import prompts
from assistant.answer.citations import neutralize_markers
from assistant.answer.selection import Unit
from assistant.backends.base import Message
from assistant.text.arabic import ARABIC_BASE_LETTERS, ARABIC_INDIC_DIGITS
from assistant.text.names import candidate_names, source_spelling
from assistant.verify.facts import unsupported_facts
from assistant.verify.form import form_problems
from prompts import NO_ANSWER, NOT_FOUND

LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}
_LEAD_IN = re.compile(
    r"^\s*(?:answer|response|translation|الجواب|الإجابة|الاجابة|الترجمة)[^:\n]{0,25}[:：]\s*", re.IGNORECASE
)
_WRAPPING_QUOTES = "\"'«»“”"
_LENGTH_RATIO = {("ar", "en"): (0.6, 2.0), ("en", "ar"): (0.5, 1.65)}
"""Plausible character-length ratios of a translation to its unit, set around the ratios of the XQuAD dev parallel
paragraphs (English runs a little longer than Arabic; see docs/benchmarks.md, 'Attributed answers'); single
sentences vary more, so the bounds are wider. Outside them a restatement is a loop, a truncation or a summary."""


GATE_ENTAILMENT = 0.95
"""The gate policy's entailment bar (the model's P(yes) that the unit states the restatement) when
``min_entailment`` is not set. The target is at most 1 in 20 shown restatements unsupported; with the bundled 1.5B
model no bar reaches it on the calibration labels (its P(yes) does not separate supported from unsupported
restatements across languages), so this bar shows none of its restatements and the quotes carry those answers; a
stronger model behind the OpenAI-compatible backend is measured with ``scripts/bench_gate.py`` (docs/eval.md,
"The translation gate")."""


@dataclass
class AttributedOptions:
    gate: bool = False
    """A restatement that fails is quoted with the restatement beside it as an unverified ``translation``."""
    min_answer_probability: float | None = None
    """When set (and the model offers ``yes_probability``), a unit is answered from only when the model's
    one-token judgement that it answers the question reaches this probability (:func:`relevance_messages`)."""
    min_entailment: float | None = None
    """When set (and the model offers ``yes_probability``), a restatement that passed the deterministic checks
    must also be judged entailed by its unit with this probability (:func:`entailment_messages`)."""
    max_tokens: int = 160
    min_support_cross: float = 0.78
    min_quote_relevance_cross: float = 0.80


def messages(lang: str, unit: Unit) -> list[Message]:
    """The prompt that restates ``unit`` in ``lang``: the fixed system prompt first (a backend with a prompt cache
    reads it once), then the unit."""
    system = prompts.render("restate.system.j2")
    user = prompts.render(
        "restate.user.j2",
        unit=neutralize_markers(unit.text),
        lang=lang,
        source_language=LANGUAGE_NAMES.get(unit.lang or "", "Arabic"),
    )
    return [Message("system", system), Message("user", user)]


def relevance_messages(question: str, unit: Unit) -> list[Message]:
    """The one-token yes/no prompt: does ``unit`` answer ``question``? (``prompts/relevance.*.j2``)."""
    return [
        Message("system", prompts.render("relevance.system.j2")),
        Message("user", prompts.render("relevance.user.j2", question=question, unit=neutralize_markers(unit.text))),
    ]


def entailment_messages(sentence: str, unit: Unit) -> list[Message]:
    """The one-token yes/no prompt: does ``unit`` state everything ``sentence`` says? (the calibrated judge's
    ``prompts/judge.entail.*.j2``, so the answerer asks what the eval measures)."""
    return [
        Message("system", prompts.render("judge.entail.system.j2")),
        Message(
            "user", prompts.render("judge.entail.user.j2", source=neutralize_markers(unit.text), sentence=sentence)
        ),
    ]


def clean_reply(reply: str) -> str:
    """The reply's first non-empty line, without a lead-in ("Translation:") and without quotes wrapping all of it,
    ending in a full stop when it ends in none."""
    line = next((ln.strip() for ln in reply.strip().splitlines() if ln.strip()), "")
    line = _LEAD_IN.sub("", line).strip()
    if len(line) > 2 and line[0] in _WRAPPING_QUOTES:
        body, tail = (line[1:-2], line[-1]) if line[-1] == "." and line[-2] in _WRAPPING_QUOTES else (line[1:-1], "")
        if line.rstrip(".")[-1] in _WRAPPING_QUOTES and not any(q in body for q in _WRAPPING_QUOTES):
            line = body.strip() + tail
    line = line.rstrip(" ,،;؛:")
    if line and line[-1] not in ".!?؟…":
        line += "."
    return line


def said_nothing(reply: str) -> bool:
    text = reply.strip().strip(".").strip()
    return not text or text.upper().startswith(NO_ANSWER) or NOT_FOUND in reply


def check_sentence(
    sentence: str, unit: Unit, question: str, lang: str, *, support: float | None, opts: AttributedOptions
) -> str | None:
    """Why ``sentence`` may not be shown as what ``unit`` says (see the module docstring), or None when it may.
    ``support`` is the sentence's similarity to the unit."""
    problems = form_problems(sentence, lang)
    if problems:
        return "malformed: " + "; ".join(problems)
    missing = unsupported_facts(sentence, unit.text, given=question)
    if missing:
        return "not in its unit: " + ", ".join(missing)
    low, high = _LENGTH_RATIO.get((unit.lang or "", lang), (0.4, 2.6))
    ratio = len(sentence) / max(1, len(unit.text))
    if not low <= ratio <= high:
        return f"length {ratio:.2f} times its unit's (expected {low}-{high})"
    if support is None or support < opts.min_support_cross:
        return f"not supported by its unit (similarity {support or 0:.2f} < {opts.min_support_cross:.2f})"
    return None


_LATIN_NAME_RUN = re.compile(r"(?<![\w(])(?:[A-Z][\w'’.-]*)(?:\s+[A-Z][\w'’.-]*){0,3}(?![\w)])")
_ARABIC_RUN = re.compile(
    rf"(?<![\w(])[{ARABIC_BASE_LETTERS}{ARABIC_INDIC_DIGITS}]+(?:\s+[{ARABIC_BASE_LETTERS}]+){{0,3}}(?![\w)])"
)


def mark_copied_names(sentence: str, unit: Unit, lang: str) -> str:
    """Names the model copied from the unit in the source's script, put in parentheses as source spellings:
    "فريق Panthers" becomes "فريق (Panthers)" (capitalized Latin words, in Arabic), and Arabic words left as
    they are in an English sentence, when those exact words are in the unit. Other words in the wrong script
    are left alone (the form check rejects them)."""
    if unit.lang == lang or lang not in ("ar", "en"):
        return sentence
    pattern = _LATIN_NAME_RUN if lang == "ar" else _ARABIC_RUN
    return pattern.sub(lambda m: f"({m.group(0)})" if m.group(0) in unit.text else m.group(0), sentence)


def with_source_spellings(sentence: str, unit: Unit, lang: str) -> str:
    """``sentence`` with the unit's own spelling beside each name it transliterates: "Lavrentiev (لافرينتييف)" in
    English from Arabic, "لافرينتييف (Lavrentiev)" in Arabic from English; unchanged otherwise."""
    pairs: list[tuple[str | None, str | None]]
    if lang == "en" and unit.lang == "ar":
        pairs = [(name, source_spelling(name, unit.text)) for name in dict.fromkeys(candidate_names(sentence))]
    elif lang == "ar" and unit.lang == "en":
        pairs = [(source_spelling(name, sentence), name) for name in dict.fromkeys(candidate_names(unit.text))]
    else:
        return sentence
    out = sentence
    for written, original in pairs:
        if written and original:
            out = re.sub(rf"(?<!\w){re.escape(written)}(?!\w)(?!\s*\()", f"{written} ({original})", out, count=1)
    return out


def quote_sentence(
    unit: Unit,
    lang: str,
    *,
    first: bool = True,
    speaker: str | None = None,
    verb: str | None = None,
    reporter: str | None = None,
) -> str:
    """The unit quoted verbatim (its own bracket numbers in parentheses), introduced in the question's language;
    with ``speaker`` (and ``verb``, ``reporter``: :func:`assistant.answer.speakers.intro`) the introduction says who
    said it ("The Russian side (الجانب الروسي) stressed, in Arabic: «…»")."""
    return prompts.render(
        f"quote.{lang}.j2",
        quote=neutralize_markers(unit.text),
        unit_lang=unit.lang or lang,
        first=first,
        speaker=speaker,
        verb=verb,
        reporter=reporter,
    )


def quotable(unit: Unit, lang: str, opts: AttributedOptions) -> bool:
    """Whether a unit in the other language is quoted when its restatement failed under the ``translate`` policy:
    when it is close enough to the question (units in the question's language are always quoted; the ``gate``
    policy shows every selected unit's quote first)."""
    return unit.lang == lang or unit.score >= opts.min_quote_relevance_cross


def similarity(embedder, sentence: str, unit_vector: np.ndarray | None) -> float | None:
    if unit_vector is None:
        return None
    return float(embedder.embed_query(sentence) @ unit_vector)
