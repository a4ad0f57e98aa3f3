"""What the answerer reads of the settings: :class:`AnswerOptions`, a frozen view of the answering fields of
:class:`assistant.settings.Settings`.

Design: every setting is declared once, in ``Settings`` (type bounds, default, description: docs/settings.md).
Each field here takes its default from there (``Settings.model_fields[name].default``) and the allowed values of
the choice fields from the ``Literal`` there, so the two cannot disagree; a test holds every field to a setting
of the same name. ``AnswerOptions(answer_mode="attributed", min_support=0.5)`` overrides some of them by keyword
(tests, benchmarks, the eval); :meth:`AnswerOptions.from_settings` takes them all from one ``Settings``. An
unknown choice is a :class:`assistant.errors.ConfigError` naming the allowed ones when the options are built.

``answer_mode="auto"`` (the default) is resolved by :func:`resolve_answer_mode`: attributed for the local model
and for extractive answers (no model), synthesized for the others. :meth:`AnswerOptions.from_settings` resolves
it with the settings' backend name; an :class:`assistant.answer.answerer.Answerer` given ``auto`` directly
resolves it with :func:`llm_backend_name` of its model.

Limits: the numeric bounds of ``Settings`` (``ge``/``le``) are checked only when options come from settings;
keyword overrides may go past them on purpose (tests set bars of -1 to let every unit through).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields, replace

from assistant.backends.registry import NO_LLM
from assistant.errors import ConfigError
from assistant.settings import Settings

LOCAL_LLM = "local"
"""The backend name of the bundled llama.cpp model (attributed under ``answer_mode="auto"``)."""


def _default(name: str):
    """The default of the setting ``name``, as ``Settings`` declares it."""
    return Settings.model_fields[name].default


def _choices(name: str) -> tuple[str, ...]:
    """The values the ``Literal`` setting ``name`` allows, in declared order."""
    return typing.get_args(Settings.model_fields[name].annotation)


ANSWER_MODES = _choices("answer_mode")
ANSWER_FORMATS = _choices("answer_format")
CROSS_LANGUAGE = _choices("cross_language")
UNSUPPORTED_POLICIES = _choices("unsupported")


@dataclass(frozen=True)
class AnswerOptions:
    """The settings of the same names (their descriptions: docs/settings.md)."""

    top_k: int = _default("top_k")
    retrieval_mode: str = _default("retrieval_mode")
    # synthesized mode
    max_evidence: int = _default("max_evidence")
    evidence_context: int = _default("evidence_context")
    min_relevance: float = _default("min_relevance")
    min_relevance_cross: float = _default("min_relevance_cross")
    min_support: float = _default("min_support")
    max_answer_tokens: int = _default("max_answer_tokens")
    temperature: float = _default("temperature")
    answer_format: str = _default("answer_format")
    unsupported: str = _default("unsupported")
    min_quote_relevance: float = _default("min_quote_relevance")
    min_quote_relevance_cross: float = _default("min_quote_relevance_cross")
    # which mode
    answer_mode: str = _default("answer_mode")
    # attributed mode
    max_units: int = _default("max_units")
    unit_min_relevance: float = _default("unit_min_relevance")
    unit_min_relevance_cross: float = _default("unit_min_relevance_cross")
    cross_language: str = _default("cross_language")
    short_answers: bool = _default("short_answers")
    short_answer_numbers: bool = _default("short_answer_numbers")
    min_entailment: float | None = _default("min_entailment")
    min_answer_probability: float | None = _default("min_answer_probability")
    rescue_margin: float | None = _default("rescue_margin")
    rescue_probability: float = _default("rescue_probability")

    def __post_init__(self) -> None:
        for value, allowed, what in (
            (self.answer_format, ANSWER_FORMATS, "answer format"),
            (self.answer_mode, ANSWER_MODES, "answer mode"),
            (self.cross_language, CROSS_LANGUAGE, "cross-language policy"),
            (self.unsupported, UNSUPPORTED_POLICIES, "unsupported-sentence policy"),
        ):
            if value not in allowed:
                raise ConfigError(f"unknown {what} {value!r}; use one of: " + ", ".join(allowed))

    @classmethod
    def from_settings(cls, s: Settings) -> AnswerOptions:
        """Every field from ``s``, with ``answer_mode="auto"`` resolved for the backend ``s.llm`` names."""
        options = cls(**{f.name: getattr(s, f.name) for f in fields(cls)})
        return options.resolved(s.llm)

    def resolved(self, llm_name: str) -> AnswerOptions:
        """These options with ``answer_mode`` resolved for the LLM backend ``llm_name`` (``none``: no model)."""
        return replace(self, answer_mode=resolve_answer_mode(self.answer_mode, llm_name))


def resolve_answer_mode(mode: str, llm_name: str) -> str:
    """``mode`` itself unless it is ``auto``: then attributed for the local model and for extractive answers
    (``llm_name`` ``none``), synthesized for the others."""
    if mode != "auto":
        return mode
    return "attributed" if llm_name in (LOCAL_LLM, NO_LLM) else "synthesized"


def llm_backend_name(llm) -> str:
    """The backend name of an LLM object: ``none`` for no model, else its ``name`` up to the first colon (the
    built-in backends name themselves ``local:<model>``, ``openai:<model>``, ``fake``)."""
    if llm is None:
        return NO_LLM
    return str(getattr(llm, "name", "")).partition(":")[0]
