"""Prompt templates, one Jinja file per prompt (and per language where the wording differs), and the prompt
contract: the tokens and line formats that the answerer writes, the models reply with, and the fake model and
the eval read back.

Rendered with ``StrictUndefined``: a variable the caller forgets is an error, never an empty string.
"""
from __future__ import annotations

import re
from functools import lru_cache

NOT_FOUND = "NOT_IN_ARTICLES"
"""The synthesized answer's reply when the evidence does not answer the question."""
NO_ANSWER = "NONE"
"""A reply that says nothing (a model that finds nothing to say); never shown."""
EVIDENCE_LINE = re.compile(r"^\[(\d+)\]\s*(.+?)\s*$", re.MULTILINE)
"""A numbered evidence line of the synthesized answer prompt: ``[n] text``."""
UNIT_LINE = re.compile(r"^(?:Arabic|English) sentence: «(.+)»\s*$", re.MULTILINE)
"""The one unit of evidence in the attributed mode's prompt (``restate.user.j2``)."""

from jinja2 import Environment, PackageLoader, StrictUndefined


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("prompts", ""), undefined=StrictUndefined, autoescape=False,
                       keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)


def render(name: str, **variables) -> str:
    return environment().get_template(name).render(**variables).strip()
