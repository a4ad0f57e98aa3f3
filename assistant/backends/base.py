"""The two backend interfaces.

An :class:`Embedder` encodes questions and passages separately (e5-style models need different prefixes) into
L2-normalized float32 vectors. An :class:`LLM` turns chat messages into text, whole or streamed. ``json_schema``
asks the backend to constrain its output to a JSON schema when it can (llama.cpp grammars, OpenAI structured
output); backends that cannot ignore it, and callers must still validate what comes back. ``grammar`` (a GBNF
grammar) does the same for a free-text reply where the backend takes one (llama.cpp); others ignore it.
A backend with a prompt cache may also offer ``warm(messages)``: read a prompt's fixed start ahead of time
(optional; callers check for it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_query(self, text: str) -> np.ndarray:
        """One question → a (dim,) L2-normalized float32 vector."""

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passages → an (n, dim) L2-normalized float32 matrix."""

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage (an estimate where the backend can't tell)."""


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@runtime_checkable
class LLM(Protocol):
    name: str

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        json_schema: dict | None = None,
        grammar: str | None = None,
    ) -> str: ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        json_schema: dict | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]: ...


def l2_normalize(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms
