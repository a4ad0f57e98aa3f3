"""Faithfulness judges: does a sentence follow from the text it cites?

Interface: ``judge.judge(sentence, cited_texts) -> JudgeResult(supported, score, reason)``, where ``score`` is the
share of the sentence's claims that the cited texts support (0..1) and ``supported`` means *all* of them are.
``judge.name`` goes into the report. Two implementations:

- :class:`DeterministicJudge` (offline, always available). A sentence's claims are its gist plus each number and
  name in it. The gist is supported when the multilingual embedding similarity of the sentence (embedded as a
  query) to its best cited text (embedded as a passage) reaches ``threshold``; each number/name is supported when
  :func:`assistant.verify.unsupported_facts` finds it in the joined cited texts (across scripts). So
  ``score = supported claims / claims``. Like the answerer, it has a lower bar across languages. The defaults
  (0.86 same-language, 0.79 cross-lingual) were chosen on ``eval/calibration/labels.jsonl`` (45 real sentences):
  every threshold pair reached at most 0.62 accuracy (kappa 0.2-0.27); this pair is among the best and keeps
  correct cross-lingual sentences (similarity ~0.79-0.83) supported. Similarity cannot tell a topical but wrong
  sentence from a right one, so treat this judge as a smoke alarm and use the LLM judge to measure.
- :class:`LLMJudge` (any configured model). Renders ``prompts/judge.system.j2`` / ``judge.user.j2``; the model
  splits the sentence into claims and rates each SUPPORTED or NOT_SUPPORTED, preferably as JSON (a JSON schema is
  passed to backends that can constrain output). :func:`parse_verdicts` reads the reply robustly: a JSON object
  (``claims`` with ``verdict`` strings or ``supported`` booleans, or a top-level ``verdict``/``supported``), else
  lines carrying the words, else a lone verdict word; an unreadable reply counts as not supported, with the reply
  quoted in ``reason``.

Limits: the deterministic judge cannot see a changed relation between correct entities ("A beat B" vs "B beat
A") and inherits :mod:`assistant.verify`'s limits (no name checks in Arabic sentences); the LLM judge is only as
good as its model (small local models are weak on Arabic), which is why both report calibration agreement.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Protocol, Sequence

import numpy as np

import prompts
from assistant.verify import candidate_names, numbers, unsupported_facts
from ingest.arabic import detect_language

DEFAULT_THRESHOLD = 0.86
"""Same-language similarity bar, chosen on eval/calibration/labels.jsonl (see the module docstring)."""
DEFAULT_CROSS_THRESHOLD = 0.79
"""Bar when sentence and cited text differ in language (multilingual-e5 scores run lower across languages)."""
JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"claims": {"type": "array", "items": {
        "type": "object",
        "properties": {"claim": {"type": "string"}, "evidence": {"type": "string"},
                       "verdict": {"type": "string", "enum": ["SUPPORTED", "NOT_SUPPORTED"]}},
        "required": ["claim", "evidence", "verdict"]}}},
    "required": ["claims"],
}


@dataclass
class JudgeResult:
    supported: bool
    score: float
    reason: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(float(d["score"]), 4)
        return d


class Judge(Protocol):
    name: str

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        ...


class DeterministicJudge:
    """Embedding similarity to the best cited text >= ``threshold`` (``cross_threshold`` when the sentence and
    the cited text are in different languages) and every number/name found (see the module docstring)."""

    def __init__(self, embedder, threshold: float = DEFAULT_THRESHOLD, cross_threshold: float | None = None):
        self.embedder = embedder
        self.threshold = threshold
        self.cross_threshold = DEFAULT_CROSS_THRESHOLD if cross_threshold is None else cross_threshold
        self.name = (f"deterministic:{getattr(embedder, 'name', '?')}:sim>={threshold:.2f}"
                     f"(cross-lingual {self.cross_threshold:.2f})+facts")
        self._cache: dict[str, np.ndarray] = {}

    def _passage_vecs(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed_passages(missing)):
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


_VERDICT = re.compile(r"\b(NOT[_ ]SUPPORTED|UNSUPPORTED|SUPPORTED)\b", re.IGNORECASE)


def _verdict_word(word: str) -> bool:
    return word.upper().replace(" ", "_") == "SUPPORTED"


def _from_json(obj) -> list[bool] | None:
    if isinstance(obj, dict):
        if isinstance(obj.get("claims"), list):
            out = [v for v in (_claim_value(c) for c in obj["claims"]) if v is not None]
            return out or None
        value = _claim_value(obj)
        return None if value is None else [value]
    if isinstance(obj, list):
        out = [v for v in (_claim_value(c) for c in obj) if v is not None]
        return out or None
    return None


def _claim_value(c) -> bool | None:
    if not isinstance(c, dict):
        return None
    if isinstance(c.get("supported"), bool):
        return c["supported"]
    v = c.get("verdict", c.get("label"))
    if isinstance(v, str):
        m = _VERDICT.search(v)
        return _verdict_word(m.group(1)) if m else None
    if isinstance(v, bool):
        return v
    return None


def parse_verdicts(reply: str) -> list[bool] | None:
    """Per-claim verdicts in ``reply`` (True = supported), or ``None`` when none can be read."""
    text = reply.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    candidates = [fence.group(1)] if fence else []
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    lstart, lend = text.find("["), text.rfind("]")
    if 0 <= lstart < lend:
        candidates.append(text[lstart:lend + 1])
    for cand in candidates:
        try:
            found = _from_json(json.loads(cand))
        except (json.JSONDecodeError, ValueError):
            continue
        if found:
            return found
    words = [_verdict_word(m.group(1)) for m in _VERDICT.finditer(text)]
    return words or None


class LLMJudge:
    """Claims checked by a language model (see the module docstring); ``llm`` is any backend."""

    def __init__(self, llm, *, max_tokens: int = 400):
        self.llm = llm
        self.max_tokens = max_tokens
        self.name = f"llm:{getattr(llm, 'name', '?')}"

    def messages(self, sentence: str, cited_texts: list[str]):
        from assistant.backends.base import Message

        return [Message("system", prompts.render("judge.system.j2")),
                Message("user", prompts.render("judge.user.j2", sentence=sentence, cited_texts=cited_texts))]

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        from assistant.errors import AssistantError

        if not any(t.strip() for t in cited_texts):
            return JudgeResult(False, 0.0, "no cited text")
        try:
            reply = self.llm.complete(self.messages(sentence, cited_texts), max_tokens=self.max_tokens,
                                      temperature=0.0, json_schema=JUDGE_SCHEMA)
        except AssistantError as e:
            return JudgeResult(False, 0.0, f"judge model failed: {e}")
        verdicts = parse_verdicts(reply)
        if not verdicts:
            return JudgeResult(False, 0.0, "unreadable judge reply: " + " ".join(reply.split())[:200])
        n_ok = sum(verdicts)
        return JudgeResult(all(verdicts), n_ok / len(verdicts), f"{n_ok}/{len(verdicts)} claims supported")


def make_judge(kind: str, *, embedder=None, llm=None, threshold: float = DEFAULT_THRESHOLD,
               cross_threshold: float | None = None) -> Judge:
    """``deterministic`` (needs ``embedder``) or ``llm`` (needs ``llm``); :class:`ValueError` otherwise."""
    if kind == "deterministic":
        if embedder is None:
            raise ValueError("the deterministic judge needs an embedder")
        return DeterministicJudge(embedder, threshold, cross_threshold)
    if kind == "llm":
        if llm is None:
            raise ValueError("the LLM judge needs a model (ASSISTANT_LLM is 'none')")
        return LLMJudge(llm)
    raise ValueError(f"unknown judge {kind!r}; use deterministic or llm")
