"""The deterministic judge (offline, always available): embedding similarity plus numbers and names.

A sentence's claims are its gist plus each number and name in it. The gist is supported when the multilingual
embedding similarity of the sentence (embedded as a query) to its best cited text (embedded as a passage) reaches
``threshold``; each number/name is supported when :func:`assistant.verify.facts.unsupported_facts` finds it in the
joined cited texts (across scripts). So ``score = supported claims / claims``. Like the answerer, it has a lower
bar across languages. The defaults (0.86 same-language, 0.79 cross-lingual) were chosen by
``python -m eval.calibration --sweep`` on ``eval/calibration/labels.jsonl``: no threshold pair agreed well with
the labels, and this one is among the best and keeps correct cross-lingual sentences supported (the figures:
docs/benchmarks.md, 'Judges'). Similarity cannot tell a topical but wrong sentence from a right one, so treat
this judge as a smoke alarm and use the LLM or entailment judge to measure.

Limits: it cannot see a changed relation between correct entities ("A beat B" vs "B beat A") and inherits
:mod:`assistant.verify.facts`'s limits (no name checks in Arabic sentences); passage vectors are cached (at most
about 4096 texts kept between calls).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.text.arabic import detect_language
from assistant.text.names import candidate_names, numbers
from assistant.verify.facts import unsupported_facts
from eval.judges.base import JudgeResult

DEFAULT_THRESHOLD = 0.86
"""Same-language similarity bar, chosen on eval/calibration/labels.jsonl (see the module docstring)."""
DEFAULT_CROSS_THRESHOLD = 0.79
"""Bar when sentence and cited text differ in language (multilingual-e5 scores run lower across languages)."""


class DeterministicJudge:
    """Embedding similarity to the best cited text >= ``threshold`` (``cross_threshold`` when the sentence and
    the cited text are in different languages) and every number/name found (see the module docstring)."""

    def __init__(self, embedder, threshold: float = DEFAULT_THRESHOLD, cross_threshold: float | None = None):
        self.embedder = embedder
        self.threshold = threshold
        self.cross_threshold = DEFAULT_CROSS_THRESHOLD if cross_threshold is None else cross_threshold
        self.name = (
            f"deterministic:{getattr(embedder, 'name', '?')}:sim>={threshold:.2f}"
            f"(cross-lingual {self.cross_threshold:.2f})+facts"
        )
        self._cache: dict[str, np.ndarray] = {}

    def _passage_vecs(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed_passages(missing), strict=True):
                self._cache[t] = v
        if len(self._cache) > 4096:  # bounded memory on long runs
            self._cache = {t: self._cache[t] for t in texts}
        return np.stack([self._cache[t] for t in texts])

    def similarity(self, sentence: str, cited_texts: Sequence[str]) -> float:
        if not cited_texts:
            return 0.0
        sv = self.embedder.embed_query(sentence)
        return float(np.max(self._passage_vecs(cited_texts) @ sv))

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        texts = [t for t in cited_texts if t and t.strip()]
        if not texts:
            return JudgeResult(False, 0.0, "no cited text")
        sim = self.similarity(sentence, texts)
        joined = " ".join(texts)
        missing = unsupported_facts(sentence, joined)
        n_facts = len(numbers(sentence)) + len(candidate_names(sentence))
        cross = detect_language(sentence) != detect_language(joined)
        bar = self.cross_threshold if cross else self.threshold
        gist = sim >= bar
        claims = 1 + n_facts
        good = int(gist) + n_facts - len(missing)
        reason = f"similarity {sim:.3f} {'>=' if gist else '<'} {bar:.2f}" + (" (cross-lingual)" if cross else "")
        if missing:
            reason += "; not in cited text: " + ", ".join(missing)
        return JudgeResult(gist and not missing, max(0, good) / claims, reason)
