"""Faithfulness judges: does a sentence follow from the text it cites?

This is the public entry: ``from eval.judges import EntailmentJudge, make_judge, ...`` as before; each judge lives
in its own module:

- :mod:`~eval.judges.base`: the interface, ``judge.judge(sentence, cited_texts) -> JudgeResult(supported, score,
  reason)``, where ``score`` is the share of the sentence's claims that the cited texts support (0..1) and
  ``supported`` means *all* of them are; ``judge.name`` goes into the report.
- :mod:`~eval.judges.deterministic`: :class:`DeterministicJudge` (offline, always available): embedding
  similarity of the sentence to its best cited text, plus every number and name found. A smoke alarm, not a
  measure.
- :mod:`~eval.judges.llm`: :class:`LLMJudge` (any configured model): the model splits the sentence into claims
  and rates each; :func:`parse_verdicts` reads its reply.
- :mod:`~eval.judges.entail`: :class:`EntailmentJudge` (the calibrated judge): the deterministic layer of
  :mod:`~eval.judges.checks` (numbers and names, form, verbatim quotes), then a one-token yes/no entailment
  decision by a model against the bar of :mod:`~eval.judges.bars` (fitted per model in
  ``eval/calibration/bars.json``, rising with the sentence's length relative to its span).
- :func:`make_judge` picks one by name (``deterministic``, ``llm``, ``entail``, ``auto``).

Limits: the deterministic judge cannot see a changed relation between correct entities ("A beat B" vs "B beat
A") and inherits :mod:`assistant.verify.facts`'s limits (no name checks in Arabic sentences); the LLM judge is only
as good as its model (small local models are weak on Arabic), which is why both report calibration agreement.
Names are re-exported here for importers; replacing one here (a test's monkeypatch) does not change what the
judge modules call.
"""

from __future__ import annotations

from eval.judges.bars import (
    DEFAULT_BAR,
    DEFAULT_LENGTH_SLOPE,
    fitted_bar,
    fitted_slope,
    length_bar,
    length_ratio,
    ratio_bar,
    stored_fit,
)
from eval.judges.base import Judge, JudgeResult
from eval.judges.checks import (
    fact_problems,
    form_faults,
    names_apart,
    other_number_readings,
    untranslated_words,
    verbatim,
)
from eval.judges.deterministic import DEFAULT_CROSS_THRESHOLD, DEFAULT_THRESHOLD, DeterministicJudge
from eval.judges.entail import ENTAIL_LAYERS, EntailmentJudge
from eval.judges.llm import JUDGE_SCHEMA, LLMJudge, parse_verdicts

__all__ = [
    "DEFAULT_BAR",
    "DEFAULT_CROSS_THRESHOLD",
    "DEFAULT_LENGTH_SLOPE",
    "DEFAULT_THRESHOLD",
    "DeterministicJudge",
    "ENTAIL_LAYERS",
    "EntailmentJudge",
    "JUDGE_SCHEMA",
    "Judge",
    "JudgeResult",
    "LLMJudge",
    "fact_problems",
    "fitted_bar",
    "fitted_slope",
    "form_faults",
    "length_bar",
    "length_ratio",
    "make_judge",
    "names_apart",
    "other_number_readings",
    "parse_verdicts",
    "ratio_bar",
    "stored_fit",
    "untranslated_words",
    "verbatim",
]


def make_judge(
    kind: str,
    *,
    embedder=None,
    llm=None,
    threshold: float = DEFAULT_THRESHOLD,
    cross_threshold: float | None = None,
    bar: float | None = None,
) -> Judge:
    """``deterministic`` (needs ``embedder``), ``llm`` (needs ``llm``), ``entail`` (needs an ``llm`` with
    ``yes_probability``) or ``auto`` (``entail`` when the model offers it, else ``deterministic``);
    :class:`ValueError` otherwise."""
    if kind == "auto":
        kind = "entail" if callable(getattr(llm, "yes_probability", None)) else "deterministic"
    if kind == "entail":
        if llm is None:
            raise ValueError("the entailment judge needs a model (ASSISTANT_LLM is 'none')")
        return EntailmentJudge(llm, bar=bar)
    if kind == "deterministic":
        if embedder is None:
            raise ValueError("the deterministic judge needs an embedder")
        return DeterministicJudge(embedder, threshold, cross_threshold)
    if kind == "llm":
        if llm is None:
            raise ValueError("the LLM judge needs a model (ASSISTANT_LLM is 'none')")
        return LLMJudge(llm)
    raise ValueError(f"unknown judge {kind!r}; use deterministic or llm")
