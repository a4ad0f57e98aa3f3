"""The entailment judge (the calibrated judge, issue 19): the deterministic layer, then a one-token yes/no model.

*Deterministic layer* (:mod:`eval.judges.checks`): every number and name of the sentence must be in the cited
text (:func:`~eval.judges.checks.fact_problems`) and the sentence must be readable
(:func:`~eval.judges.checks.form_faults`). *Meaning layer*: an entailment decision on the (span, sentence) pair by
a model asked for one word, yes or no (``prompts/judge.entail.*.j2``): ``llm.yes_probability`` gives
P(yes) / (P(yes) + P(no)) of the next token (no sampling), and the pair is supported when it reaches its bar
(:func:`eval.judges.bars.length_bar`, with the bar and slope fitted in ``eval/calibration/bars.json``). Any backend
with ``yes_probability`` works: the embedded llama.cpp model (a small, cheap judge, which the report says) or an
OpenAI-compatible server (``top_logprobs``). ``correct(question, golds, text)`` asks the same model whether a
response gives the gold answer (``judge.correct.*.j2``). ``layers`` picks the layers (``facts``, ``form``,
``model``) so each one's contribution can be measured. A sentence that only repeats its span
(:func:`~eval.judges.checks.verbatim`) is supported without asking anything.

Designs compared on the fit part (``python -m eval.calibration --cv``, 5 folds x 10 shuffles): one bar rising with
length beat one flat bar and a flat bar per language pair. With a flat bar, other prompts tried by hand on the
same folds did no better than ``judge.entail.*.j2`` (the sentence before the span, the mean log-odds of both
orders, a "true according to the passage" wording, a translation-aware wording); adding the embedder's
similarity to P(yes) made it worse. The figures: docs/benchmarks.md, 'Judges'.

Limits: against an Arabic span the small model tells a supported English sentence from an unsupported one poorly
(on the fit part's pairs that pass the deterministic layer; docs/benchmarks.md, 'Judges'), which is where the
judge and the readers disagree most; the judge is only as good as its model, which is why the report gives its
calibration agreement. P(yes) is cached per pair (cleared past 8192 pairs).
"""

from __future__ import annotations

from collections.abc import Sequence

import prompts
from assistant.backends.base import Message
from assistant.errors import AssistantError
from assistant.text.names import candidate_names, numbers
from eval.judges.bars import DEFAULT_BAR, DEFAULT_LENGTH_SLOPE, fitted_bar, fitted_slope, length_bar
from eval.judges.base import JudgeResult
from eval.judges.checks import fact_problems, form_faults, verbatim

ENTAIL_LAYERS = ("facts", "form", "model")


class EntailmentJudge:
    """Deterministic layer + one-token yes/no entailment by ``llm`` (see the module docstring)."""

    def __init__(
        self,
        llm,
        *,
        bar: float | None = None,
        slope: float | None = None,
        layers: Sequence[str] = ENTAIL_LAYERS,
        correct_bar: float = 0.5,
        names: bool = True,
    ):
        unknown = set(layers) - set(ENTAIL_LAYERS)
        if unknown:
            raise ValueError(f"unknown judge layers {sorted(unknown)}; use {ENTAIL_LAYERS}")
        if "model" in layers and not callable(getattr(llm, "yes_probability", None)):
            raise ValueError(
                f"the entailment judge needs a model with yes_probability; {getattr(llm, 'name', llm)!r} "
                "has none (use ASSISTANT_LLM=local or an OpenAI-compatible server)"
            )
        self.llm = llm
        self.layers = tuple(layers)
        self.names = names
        model = getattr(llm, "name", "?")
        fitted = fitted_bar(model)
        self.bar = bar if bar is not None else (fitted if fitted is not None else DEFAULT_BAR)
        self.bar_source = "given" if bar is not None else ("fitted" if fitted is not None else "default")
        fitted_k = fitted_slope(model) if bar is None else None  # a given bar is flat unless a slope is given too
        self.slope = slope if slope is not None else (fitted_k if fitted_k is not None else DEFAULT_LENGTH_SLOPE)
        self.correct_bar = correct_bar
        self.cheap = model.startswith("local:") or model == "fake"
        bar_text = f"{self.bar:.2f}" + (f"*len^{self.slope:g}" if self.slope else "")
        parts = [
            f"p(yes)>={bar_text}" if "model" in self.layers else None,
            "facts" if "facts" in self.layers else None,
            "form" if "form" in self.layers else None,
        ]
        self.name = f"entail:{model}:" + "+".join(p for p in parts if p)
        self.note = (
            f"one-token yes/no entailment by {model}, "
            + ("a small local model (cheap judge): " if self.cheap else "")
            + f"bar {self.bar:.2f} ({self.bar_source})"
            + (f" rising with the sentence's length relative to its span (slope {self.slope:g})" if self.slope else "")
            + ", with number/name and form checks"
        )
        self._cache: dict[tuple[str, str], float] = {}

    def _messages(self, system: str, user: str, **kw):
        return [Message("system", prompts.render(system)), Message("user", prompts.render(user, **kw))]

    def probability(self, sentence: str, source: str) -> float:
        """P(yes) that ``source`` entails ``sentence`` (cached per pair)."""
        key = (sentence, source)
        if key not in self._cache:
            self._cache[key] = float(
                self.llm.yes_probability(
                    self._messages("judge.entail.system.j2", "judge.entail.user.j2", source=source, sentence=sentence)
                )
            )
            if len(self._cache) > 8192:
                self._cache.clear()
        return self._cache[key]

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        texts = [t for t in cited_texts if t and t.strip()]
        if not texts:
            return JudgeResult(False, 0.0, "no cited text")
        joined = " ".join(texts)
        if verbatim(sentence, joined):
            return JudgeResult(True, 1.0, "verbatim from the cited text")
        reasons, claims, good = [], 0, 0
        if "facts" in self.layers:
            n_facts = len(numbers(sentence)) + (len(candidate_names(sentence)) if self.names else 0)
            missing = fact_problems(sentence, joined, names=self.names)
            n_facts = max(n_facts, len(missing))
            claims, good = claims + n_facts, good + n_facts - len(missing)
            if missing:
                reasons.append("not in cited text: " + ", ".join(missing))
        if "form" in self.layers:
            faults = form_faults(sentence)
            claims, good = claims + 1, good + (0 if faults else 1)
            reasons.extend(faults)
        if "model" in self.layers:
            try:
                p = self.probability(sentence, joined)
            except AssistantError as e:
                return JudgeResult(False, 0.0, f"judge model failed: {e}")
            bar = length_bar(self.bar, self.slope, sentence, joined)
            ok = p >= bar
            claims, good = claims + 1, good + int(ok)
            reasons.insert(0, f"p(yes) {p:.3f} {'>=' if ok else '<'} {bar:.2f}")
        supported = good == claims  # no claim to check (facts layer alone, no numbers or names): nothing failed
        return JudgeResult(supported, max(0, good) / claims if claims else 1.0, "; ".join(reasons))

    def correct(self, question: str, golds: Sequence[str], text: str) -> bool:
        """Whether ``text`` gives one of ``golds`` as the answer to ``question`` (by the model)."""
        if "model" not in self.layers or not golds:
            return False
        try:
            p = self.llm.yes_probability(
                self._messages(
                    "judge.correct.system.j2",
                    "judge.correct.user.j2",
                    question=question,
                    golds=list(golds),
                    response=text,
                )
            )
        except AssistantError:
            return False
        return p >= self.correct_bar
