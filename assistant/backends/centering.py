"""Question centering for cross-language vector search.

Multilingual-e5 question vectors of one language share a direction (language plus "this is a question"). Taking
``alpha`` times that language's mean question vector off a question, before comparing it with passages in the
*other* language, ranks those passages better; within one language it does not help (it lowered ARCD R@1: see
docs/benchmarks.md, 'Question centering'), so the retriever uses the raw question there. Centred cosines run
lower than raw ones, so each language carries an ``offset`` (fitted on dev: mean raw minus centred cosine to the
gold paragraph) that puts centred scores back on the raw scale; a store holding both languages then ranks the two
groups as the raw vectors would.

The constants belong to one embedder and are fitted by ``scripts/fit_query_centering.py`` from dev splits only.
Limits: a language without a fitted mean is not centred; the offset is an average, so in a mixed-language store
the balance between languages is right on average, not per question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class QueryCentering:
    alpha: float
    means: dict[str, np.ndarray]
    offsets: dict[str, float]
    embedder: str = ""

    @classmethod
    def load(cls, path: Path) -> QueryCentering:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            langs = data["languages"]
            return cls(
                alpha=float(data["alpha"]),
                embedder=str(data.get("embedder", "")),
                means={k: np.asarray(v["mean"], dtype=np.float32) for k, v in langs.items()},
                offsets={k: float(v["offset"]) for k, v in langs.items()},
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}: not a question-centering file ({e})") from e

    def applies_to(self, lang: str) -> bool:
        return lang in self.means

    def center(self, vector: np.ndarray, lang: str) -> np.ndarray:
        """The question vector with ``alpha`` times its language's mean question taken off, L2-normalized."""
        v = np.asarray(vector, dtype=np.float32) - self.alpha * self.means[lang]
        return (v / np.linalg.norm(v)).astype(np.float32)
