"""The LLM judge (any configured model): the model splits the sentence into claims and rates each one.

Renders ``prompts/judge.system.j2`` / ``judge.user.j2``; the model rates each claim SUPPORTED or NOT_SUPPORTED,
preferably as JSON (:data:`JUDGE_SCHEMA` is passed to backends that can constrain output). :func:`parse_verdicts`
reads the reply robustly: a JSON object (``claims`` with ``verdict`` strings or ``supported`` booleans, or a
top-level ``verdict``/``supported``), else lines carrying the words, else a lone verdict word; an unreadable reply
counts as not supported, with the reply quoted in ``reason``.

Limits: the judge is only as good as its model (small local models are weak on Arabic), which is why the report
gives its calibration agreement; a model error counts as not supported.
"""

from __future__ import annotations

import json
import re

import prompts
from assistant.backends.base import Message
from assistant.errors import AssistantError
from eval.judges.base import JudgeResult

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "claim": {"type": "string"},
                    "evidence": {"type": "string"},
                    "verdict": {"type": "string", "enum": ["SUPPORTED", "NOT_SUPPORTED"]},
                },
                "required": ["claim", "evidence", "verdict"],
            },
        }
    },
    "required": ["claims"],
}


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
        candidates.append(text[start : end + 1])
    lstart, lend = text.find("["), text.rfind("]")
    if 0 <= lstart < lend:
        candidates.append(text[lstart : lend + 1])
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
        return [
            Message("system", prompts.render("judge.system.j2")),
            Message("user", prompts.render("judge.user.j2", sentence=sentence, cited_texts=cited_texts)),
        ]

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        if not any(t.strip() for t in cited_texts):
            return JudgeResult(False, 0.0, "no cited text")
        try:
            reply = self.llm.complete(
                self.messages(sentence, cited_texts),
                max_tokens=self.max_tokens,
                temperature=0.0,
                json_schema=JUDGE_SCHEMA,
            )
        except AssistantError as e:
            return JudgeResult(False, 0.0, f"judge model failed: {e}")
        verdicts = parse_verdicts(reply)
        if not verdicts:
            return JudgeResult(False, 0.0, "unreadable judge reply: " + " ".join(reply.split())[:200])
        n_ok = sum(verdicts)
        return JudgeResult(all(verdicts), n_ok / len(verdicts), f"{n_ok}/{len(verdicts)} claims supported")
