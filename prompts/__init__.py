"""Prompt templates, one Jinja file per prompt (and per language where the wording differs).

Rendered with ``StrictUndefined``: a variable the caller forgets is an error, never an empty string.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("prompts", ""), undefined=StrictUndefined, autoescape=False,
                       keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)


def render(name: str, **variables) -> str:
    return environment().get_template(name).render(**variables).strip()
