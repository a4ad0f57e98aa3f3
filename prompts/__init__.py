"""Prompt templates, one Jinja file per prompt (and per language where the wording differs), and the prompt
contract: the tokens and line formats that the answerer writes, the models reply with, and the fake model and
the eval read back.

Rendered with ``StrictUndefined``: a variable the caller forgets is an error, never an empty string. The
templates ship as package data and are found through :mod:`assistant.package_data`, like every other data file;
a template that is not there raises :class:`assistant.package_data.MissingDataFile` (an incomplete install, or a
wrong template name), never an empty prompt.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from assistant import package_data

NOT_FOUND = "NOT_IN_ARTICLES"
"""The synthesized answer's reply when the evidence does not answer the question."""
NO_ANSWER = "NONE"
"""A reply that says nothing (a model that finds nothing to say); never shown."""
EVIDENCE_LINE = re.compile(r"^\[(\d+)\]\s*(.+?)\s*$", re.MULTILINE)
"""A numbered evidence line of the synthesized answer prompt: ``[n] text``."""
UNIT_LINE = re.compile(r"^(?:Arabic|English) sentence: «(.+)»\s*$", re.MULTILINE)
"""The one unit of evidence in the attributed mode's prompt (``restate.user.j2``)."""
QUOTED = re.compile(r"«([^«»]*)»")
"""The article's words inside a quoted sentence (``quote.*.j2``); a sentence's ``marked`` offsets count from the
start of this group."""


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(package_data.package_dir("prompts")),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **variables) -> str:
    try:
        template = environment().get_template(name)
    except TemplateNotFound:
        package_data.data_file("prompts", name)  # raises MissingDataFile naming the file and where it was looked for
        raise
    return template.render(**variables).strip()
