"""Follow-up questions: turn "and what about Turkey?" into a standalone question before retrieval.

With a model, the conversation (last few turns, quoted as data) and the follow-up go through the ``condense``
prompt; a reply that is empty, multi-line, or far longer than the inputs is not trusted and the fallback is used.
The fallback needs no model: a follow-up that looks elliptical (short, or opening with "and", "what about",
"و", "ماذا عن", ...) is joined to the previous user question, so retrieval sees both; anything else is already
standalone. Limits: the fallback does not resolve pronouns, it only gives retrieval the earlier context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import prompts
from assistant.backends.base import Message
from prompts import NOT_FOUND

MAX_TURNS = 6
_FOLLOWUP_START = re.compile(
    r"^\s*(and|also|what about|how about|and what about|what of|but|then|why|how so|same for|و|وماذا|ماذا عن|وما|وكيف|وهل|ولماذا|ومن|وماذا عن)\b",
    re.IGNORECASE,
)


def _turns(history: Sequence[dict]) -> list[dict]:
    out = []
    for t in history[-MAX_TURNS:]:
        role, content = t.get("role"), t.get("content")
        if role in ("user", "assistant") and isinstance(content, str) and content.strip():
            out.append({"role": role, "content": " ".join(content.split())[:1000]})
    return out


def looks_like_followup(question: str) -> bool:
    return bool(_FOLLOWUP_START.match(question)) or len(question.split()) <= 3


def fallback_condense(question: str, history: Sequence[dict]) -> str:
    previous = [t["content"] for t in _turns(history) if t["role"] == "user"]
    if not previous or not looks_like_followup(question):
        return question
    return f"{previous[-1]} {question.strip()}"


def condense(question: str, history: Sequence[dict] | None, llm=None, *, max_tokens: int = 80) -> str:
    turns = _turns(history or [])
    if not turns:
        return question
    if llm is None:
        return fallback_condense(question, turns)
    messages = [
        Message("system", prompts.render("condense.system.j2")),
        Message("user", prompts.render("condense.user.j2", history=turns, question=question)),
    ]
    try:
        reply = llm.complete(messages, max_tokens=max_tokens, temperature=0.0).strip().strip('"“”')
    except Exception:  # a failing model must not stop the answer; the fallback is always available
        return fallback_condense(question, turns)
    limit = 3 * (len(question) + len(turns[-1]["content"])) + 40
    if not reply or "\n" in reply or len(reply) > limit or NOT_FOUND in reply:
        return fallback_condense(question, turns)
    return reply
