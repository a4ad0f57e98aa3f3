"""Answer-text metrics: SQuAD exact match and token F1 (English and Arabic normalization), contains-gold.

Design:
- :func:`normalize_answer` follows the official SQuAD v1.1 script for English (lowercase, punctuation removed,
  the articles a/an/the removed, whitespace collapsed) and extends it for Arabic: first
  :func:`assistant.text.arabic.normalize_for_search` (NFKC, diacritics and tatweel removed, alef/yaa/taa-marbuta/hamza
  variants folded, Arabic-Indic digits to ASCII), then punctuation of both scripts (``،؛؟«»`` too) is removed and
  the article ``ال`` is stripped from the start of every token that keeps at least two letters after it
  (``الأسد`` and ``أسد`` both become ``اسد``). The same function serves both languages, so mixed text works.
- :func:`strip_markers` removes ``[n]`` citation markers from an answer before it is scored.
- :func:`exact_match` / :func:`token_f1` / :func:`contains_gold` score one prediction against a list of gold
  answers and keep the best gold (SQuAD's max over ground truths). An empty gold list scores 0.

Limits: Arabic clitics other than the article (و، ب، ل، ك، ف) are not split off, so ``وبالأمس`` and ``الأمس``
differ; a long generated answer rarely *equals* a short gold span, so exact match is low by construction for a
generative assistant and contains-gold is the more telling number.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

from assistant.text.arabic import fold_digits, normalize_for_search

_MARKER = re.compile(r"\[\s*\d+(?:\s*[,،]\s*\d+)*\s*\]")
_EN_ARTICLES = {"a", "an", "the"}
_AR_ARTICLE = "ال"
_EXTRA_PUNCT = set("،؛؟«»“”‘’…–—٪")


def strip_markers(text: str) -> str:
    """``text`` without ``[1]``, ``[1, 2]`` or ``[١]`` citation markers."""
    text = fold_digits(text)
    text = re.sub(r"\s+([.،,؛;!?؟])", r"\1", _MARKER.sub("", text))
    return re.sub(r"\s{2,}", " ", text).strip()


def _is_punct(ch: str) -> bool:
    return ch in string.punctuation or ch in _EXTRA_PUNCT or unicodedata.category(ch).startswith("P")


def _strip_article(token: str) -> str:
    if token.startswith(_AR_ARTICLE) and len(token) - len(_AR_ARTICLE) >= 2:
        return token[len(_AR_ARTICLE) :]
    return token


def normalize_answer(text: str) -> str:
    """The comparison form of an answer (see the module docstring)."""
    text = normalize_for_search(text)
    text = "".join(" " if _is_punct(ch) else ch for ch in text)
    tokens = [_strip_article(t) for t in text.split() if t not in _EN_ARTICLES]
    return " ".join(t for t in tokens if t)


def answer_tokens(text: str) -> list[str]:
    return normalize_answer(text).split()


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalized prediction equals one normalized gold answer, else 0.0."""
    pred = normalize_answer(prediction)
    return 1.0 if any(pred == normalize_answer(g) for g in golds) else 0.0


def _f1(pred: list[str], gold: list[str]) -> float:
    common = Counter(pred) & Counter(gold)
    same = sum(common.values())
    if not pred or not gold:
        return float(pred == gold)
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1 (bag of normalized tokens) against the best-matching gold answer; 0.0 with no gold."""
    pred = answer_tokens(prediction)
    return max((_f1(pred, answer_tokens(g)) for g in golds), default=0.0)


def contains_gold(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when a normalized gold answer occurs in the normalized prediction as a whole-token sequence."""
    pred = f" {normalize_answer(prediction)} "
    for g in golds:
        gold = normalize_answer(g)
        if gold and f" {gold} " in pred:
            return 1.0
    return 0.0
