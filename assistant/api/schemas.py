"""Request bodies of the HTTP API (pydantic), published in ``/openapi.json``.

Static rules live here (types, ``top_k`` 1..50, roles, filter keys and date format, valid Unicode); limits
that come from settings (question length, history turns, documents per request) are checked by the handlers
with :mod:`assistant.api.limits`, so one schema serves every configuration. Unknown fields are rejected on our
own bodies (a typo in a filter must not silently widen a search) and ignored on the OpenAI-compatible one
(clients send many options we do not use). Every request model validates in pydantic's strict mode: a value
must already have its JSON type (``top_k: "5"``, ``top_k: true``, ``top_k: 5.0`` and ``stream: "yes"`` or
``1`` are 422 naming the field), while JSON-natural values stay valid (an integer for an int, ``true`` /
``false`` for a bool, an integer where a float is declared; dates are strings in ``YYYY-MM-DD``). Options of the
OpenAI-compatible body that we ignore are not validated at all. Responses are the library's dicts
(``Answer.to_dict()`` etc.).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _unicode(v: str) -> str:
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    if "\x00" in v:
        raise ValueError("must not contain NUL characters")
    return v


Text = Annotated[str, AfterValidator(_unicode)]
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _real_date(v: str | None) -> str | None:
    """``YYYY-MM-DD`` that names a day of the calendar (``2019-13-45`` matches the pattern and is refused)."""
    if v is not None:
        from datetime import date

        try:
            date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a calendar date (YYYY-MM-DD)") from None
    return v


def _web_url(v: str | None) -> str | None:
    """An article URL must be http(s): a ``javascript:`` or ``data:`` URL would run when a reader clicks it."""
    if v is not None:
        from urllib.parse import urlsplit

        if urlsplit(v.strip()).scheme.lower() not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
    return v


class Strict(BaseModel):
    """Our own bodies: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class FiltersIn(Strict):
    lang: Literal["ar", "en"] | None = None
    source: Text | None = Field(None, max_length=500)
    date_from: Annotated[str | None, AfterValidator(_real_date)] = Field(
        None, pattern=DATE_PATTERN, description="YYYY-MM-DD, inclusive"
    )
    date_to: Annotated[str | None, AfterValidator(_real_date)] = Field(
        None, pattern=DATE_PATTERN, description="YYYY-MM-DD, inclusive"
    )


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: Text


class AskRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"question": "What did Russia say about Idlib?", "top_k": 5, "filters": {"lang": "ar"}},
                {
                    "question": "and Turkey?",
                    "history": [
                        {"role": "user", "content": "What did Russia say about Idlib?"},
                        {"role": "assistant", "content": "Russia stressed … [1]."},
                    ],
                    "stream": True,
                },
            ]
        },
    )
    question: Text = Field(..., description="At most api_max_question_chars characters (default 2000).")
    top_k: int | None = Field(None, ge=1, le=50)
    filters: FiltersIn | None = None
    history: list[Turn] = Field(
        default_factory=list, description="Earlier turns, oldest first (at most api_max_history_turns, default 20)."
    )
    stream: bool = Field(False, description="Answer as Server-Sent Events: retrieved, token..., final, done.")
    reference_date: Annotated[str | None, AfterValidator(_real_date)] = Field(
        None,
        pattern=DATE_PATTERN,
        description="YYYY-MM-DD: the 'today' a time expression in the question ('last week', 'أمس') is read "
        "against (default: the current date).",
    )


class DocumentIn(Strict):
    text: Text = Field(..., min_length=1)
    title: Text | None = Field(None, max_length=2000)
    source: Text | None = Field(None, max_length=500)
    url: Annotated[Text | None, AfterValidator(_web_url)] = Field(None, max_length=4000, description="http(s) only")
    published: str | None = Field(None, max_length=40, description="ISO-8601 date or datetime")
    lang: Literal["ar", "en"] | None = None
    id: Text | None = Field(None, min_length=1, max_length=512)


class DocumentsRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "documents": [
                        {
                            "text": "Russia stressed the need to stabilise Idlib.",
                            "title": "Idlib talks",
                            "source": "wire",
                            "url": "https://example.org/idlib",
                            "published": "2019-09-10",
                            "lang": "en",
                            "id": "idlib-1",
                        }
                    ]
                }
            ]
        },
    )
    documents: list[DocumentIn] = Field(..., description="At most api_max_documents items (default 100).")


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    type: str
    text: Text | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Text | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text; content parts of type ``text`` are joined, others (images...) ignored."""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content or [] if p.type in ("text", "input_text") and p.text)


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "model": "news-qa-assistant",
                    "messages": [{"role": "user", "content": "What did Russia say about Idlib?"}],
                },
                {
                    "model": "news-qa-assistant",
                    "stream": True,
                    "messages": [
                        {"role": "system", "content": "Answer briefly."},
                        {"role": "user", "content": "What did Russia say about Idlib?"},
                    ],
                },
            ]
        },
    )
    model: Text | None = Field(None, max_length=200)
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool | None = False
    top_k: int | None = Field(None, ge=1, le=50, description="Extension: chunks to retrieve.")
    filters: FiltersIn | None = Field(None, description="Extension: retrieval filters, as in /v1/ask.")
