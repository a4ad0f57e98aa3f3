"""Deterministic stand-ins that need no model: for tests and for trying the app without one.

``FakeEmbedder`` hashes normalized character trigrams and words into a fixed-size vector: texts that share
words score high, unrelated texts score low, the same text always gives the same vector; its latent terms
(:mod:`assistant.store.latent`) are hashed words. It is not cross-lingual. ``FakeLLM`` replays scripted replies
(``enqueue``) and records every call in ``history``; with an empty script it answers from the evidence it was
given: it restates the first numbered evidence line of the prompt (``[n] text``) with its citation, or says it
cannot answer when the prompt offers no evidence; shown one unit of evidence (the attributed prompt) it replies
with that unit's text; asked for a JSON answer (a ``json_schema`` with
``sentences``) it writes the same as ``{"sentences": [...]}``. The schema and the grammar of every call are
recorded in ``schemas`` and ``grammars`` (it follows neither), prompt starts it was asked to read ahead in
``warmed``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

import numpy as np

from assistant.backends.base import Message, l2_normalize
from assistant.backends.registry import register_embedder, register_llm
from assistant.text.arabic import normalize_for_search
from prompts import EVIDENCE_LINE, NOT_FOUND, UNIT_LINE

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1 << 17)
def _hash(feature: str) -> int:
    """A stable 64-bit hash of a word or trigram (cached: the same words recur in every text)."""
    return int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")


class FakeEmbedder:
    name = "fake"

    def __init__(self, dim: int = 256):
        self.dim = dim

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        norm = normalize_for_search(text)
        feats = _WORD.findall(norm)
        for w in list(feats):
            padded = f"#{w}#"
            feats.extend(padded[i : i + 3] for i in range(len(padded) - 2))
        if feats:
            h = np.fromiter((_hash(f) for f in feats), dtype=np.uint64, count=len(feats))
            signs = np.where((h >> np.uint64(32)) & np.uint64(1), 1.0, -1.0).astype(np.float32)
            np.add.at(v, (h % np.uint64(self.dim)).astype(np.int64), signs)
        return v

    def embed_query(self, text: str) -> np.ndarray:
        return l2_normalize(self._vec(text))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(np.stack([self._vec(t) for t in texts]))

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text)) + 2

    latent_dim = 4096

    def embed_latent(self, texts: Sequence[str], *, top_k: int) -> list:
        """Latent terms for tests: each normalized word hashed to one of ``latent_dim`` terms, weight = count."""
        out = []
        for text in texts:
            counts: dict[int, float] = {}
            for w in _WORD.findall(normalize_for_search(text)):
                h = _hash(w)
                counts[h % self.latent_dim] = counts.get(h % self.latent_dim, 0.0) + 1.0
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
            out.append((np.array([k for k, _ in top], dtype=np.int32), np.array([v for _, v in top], dtype=np.float32)))
        return out


Reply = str | Callable[[Sequence[Message]], str]


class FakeLLM:
    """Scripted LLM: ``enqueue("reply")`` (or a function of the messages); every call lands in ``history``."""

    name = "fake"

    def __init__(self, replies: Sequence[Reply] = ()):
        self._script: deque[Reply] = deque(replies)
        self.history: list[list[Message]] = []
        self.warmed: list[list[Message]] = []
        self.schemas: list[dict | None] = []
        self.grammars: list[str | None] = []

    def enqueue(self, *replies: Reply) -> FakeLLM:
        self._script.extend(replies)
        return self

    def _reply(self, messages: Sequence[Message], json_schema: dict | None = None) -> str:
        self.history.append(list(messages))
        self.schemas.append(json_schema)
        if self._script:
            r = self._script.popleft()
            return r(messages) if callable(r) else r
        if json_schema and "sentences" in json_schema.get("properties", {}):
            return default_json_reply(messages)
        return default_reply(messages)

    def warm(self, messages: Sequence[Message]) -> None:
        """Records the prompt start it was asked to read ahead (``warmed``); answers nothing."""
        self.warmed.append(list(messages))

    def complete(self, messages, *, max_tokens, temperature=0.0, json_schema=None, grammar=None) -> str:
        self.grammars.append(grammar)
        return self._reply(messages, json_schema)

    def stream(self, messages, *, max_tokens, temperature=0.0, json_schema=None, grammar=None) -> Iterator[str]:
        self.grammars.append(grammar)
        text = self._reply(messages, json_schema)
        yield from re.findall(r"\S+\s*|\s+", text)


def default_reply(messages: Sequence[Message]) -> str:
    """Restate the first evidence line with its citation; for a follow-up rewrite, the model-free condensing."""
    prompt = messages[-1].content if messages else ""
    if prompt.startswith("<conversation>"):
        from assistant.answer.followup import fallback_condense

        history = [{"role": r, "content": c} for r, c in re.findall(r"^(user|assistant): (.*)$", prompt, re.M)]
        question = prompt.rsplit("Follow-up question:", 1)[-1].strip()
        return fallback_condense(question, history)
    unit = UNIT_LINE.search(prompt)
    if unit:  # an attributed prompt: the one unit it shows, restated verbatim
        return unit.group(1)
    m = EVIDENCE_LINE.search(prompt)
    if not m:
        return NOT_FOUND
    return f"{m.group(2)} [{m.group(1)}]"


def default_json_reply(messages: Sequence[Message]) -> str:
    """:func:`default_reply` in the JSON answer format of :mod:`assistant.answer.structured`."""
    m = EVIDENCE_LINE.search(messages[-1].content if messages else "")
    sentences = [{"text": m.group(2), "citations": [int(m.group(1))]}] if m else []
    return json.dumps({"sentences": sentences}, ensure_ascii=False)


@register_embedder("fake")
def _fake_embedder(settings) -> FakeEmbedder:
    return FakeEmbedder()


@register_llm("fake")
def _fake_llm(settings) -> FakeLLM:
    return FakeLLM()
