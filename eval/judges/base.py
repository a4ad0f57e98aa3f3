"""What every judge shares: the result record and the interface.

Interface: ``judge.judge(sentence, cited_texts) -> JudgeResult(supported, score, reason)``, where ``score`` is the
share of the sentence's claims that the cited texts support (0..1) and ``supported`` means *all* of them are.
``judge.name`` goes into the report.

Limits: a protocol only; how a judge splits a sentence into claims is its own (see each judge's module).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol


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

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult: ...
