"""The one settings object: environment variables with the ``ASSISTANT_`` prefix, an optional ``.env`` style
config file named by ``ASSISTANT_CONFIG``, and explicit keyword arguments, in that order of precedence (keyword
arguments win). Built once at an entry point (CLI, server, test) and passed down; nothing reads the environment
behind its back.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "news-qa-assistant"


def default_model_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "news-qa-assistant" / "models"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_file=os.environ.get("ASSISTANT_CONFIG"),
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    home: Path = Field(default_factory=default_home, description="Folder holding the article store and index.")

    # Backends
    llm: Literal["local", "openai", "fake", "none"] = "local"
    embedder: Literal["local", "openai", "fake"] = "local"

    # Local llama.cpp model
    model_path: Path | None = Field(None, description="A GGUF file to use instead of the bundled model.")
    model_dir: Path = Field(default_factory=default_model_dir, description="Where the bundled GGUF is assembled.")
    llm_threads: int = Field(default_factory=lambda: os.cpu_count() or 2)
    llm_context: int = 4096

    # OpenAI-compatible endpoints
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_timeout_s: float = 120.0
    embed_base_url: str | None = None
    embed_model: str = "text-embedding-3-small"
    embed_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_EMBED_API_KEY", "OPENAI_API_KEY", "embed_api_key")
    )

    # Store
    chroma_host: str | None = Field(None, description="Use a Chroma server instead of the embedded store.")
    chroma_port: int = 8000
    chroma_ssl: bool = Field(False, description="Reach the Chroma server over HTTPS.")
    chroma_token: SecretStr | None = Field(
        None, description="Bearer token for a Chroma server started with token authentication."
    )
    collection: str = "articles"

    # Ingest
    ingest_batch: int = Field(256, ge=1, le=100_000, description="Chunks embedded and written per ingest batch.")
    ingest_max_article_chars: int = Field(
        1_000_000, ge=1000, description="Longest article ingested, in characters; a longer one (or a .txt/.md file "
        "surely longer) is reported by name with this limit, the rest of the ingest goes on."
    )
    near_duplicates: Literal["link", "skip", "off"] = Field(
        "link", description="Syndicated near-copies: store and record duplicate_of (link), don't store (skip), off."
    )

    # Retrieval and answering
    chunk_chars: int = Field(1000, ge=100, le=8000)
    top_k: int = Field(5, ge=1, le=50)
    retrieval_mode: Literal["hybrid", "dense"] = "hybrid"
    max_evidence: int = Field(5, ge=1, le=30)
    evidence_context: int = Field(
        0, ge=0, le=30, description="How many evidence sentences (best first) are shown to the model with the "
        "sentence before them in the article as context (who 'he' is, who 'said'); 0 shows none."
    )
    min_relevance: float = Field(
        0.81, description="Abstain when the best evidence sentence's cosine similarity to the question is below "
        "this (question and article in the same language)."
    )
    min_relevance_cross: float = Field(
        0.77, description="The same bar when the question and the article are in different languages."
    )
    min_quote_relevance: float = Field(
        0.86, description="When verification removes the model's whole answer (or the model finds no answer), quote "
        "the best evidence sentence instead of abstaining if its similarity to the question reaches this (same "
        "language); above 1 turns quoting off."
    )
    min_quote_relevance_cross: float = Field(
        0.80, description="The same bar when the question and the article are in different languages."
    )
    min_support: float = Field(
        0.78, description="An answer sentence is dropped when its similarity to the evidence it cites is below this."
    )
    max_answer_tokens: int = Field(300, ge=16, le=4096)
    temperature: float = 0.0
    answer_format: Literal["text", "json"] = Field(
        "text", description="How the model writes its answer: 'text' (sentences ending in [n]) or 'json' (sentences "
        "with citation lists, constrained by a JSON schema: a llama.cpp grammar or OpenAI structured output)."
    )
    unit_min_relevance: float = Field(
        0.84, description="Attributed mode: a unit of evidence is answered from only when its similarity to the "
        "question reaches this (same language). Chosen with scripts/bench_selection.py on XQuAD dev (200 questions "
        "per setting, 20% of paragraphs held out): AR->AR 18% of answerable questions gated out, 11% of "
        "unanswerable let through; EN->EN 8% / 9% (at 0.81: 3% / 46% and 1% / 44%)."
    )
    unit_min_relevance_cross: float = Field(
        0.77, description="The same bar across languages (higher bars gate out answerable questions faster than "
        "unanswerable ones there)."
    )
    min_entailment: float | None = Field(
        None, description="Attributed mode: a translated sentence must also be judged entailed by its unit by the "
        "model (one token, the eval's entailment prompt) with at least this P(yes) (unset: not asked)."
    )
    min_answer_probability: float | None = Field(
        None, description="Attributed mode: ask the model, one token per unit, whether the unit answers the "
        "question, and answer from it only when P(yes) reaches this (unset: not asked)."
    )
    answer_mode: Literal["auto", "attributed", "synthesized"] = Field(
        "auto", description="How an answer is written: 'attributed' (the evidence units are chosen first, the model "
        "states what each one says in one sentence, each sentence is checked against its own unit), 'synthesized' "
        "(the model writes the whole answer over numbered evidence and cites it), or 'auto': attributed for the "
        "local model and for extractive answers (llm=none), synthesized for the others."
    )
    unsupported: Literal["remove", "mark"] = Field(
        "remove", description="What happens to an answer sentence its citations do not support: 'remove' it, or "
        "'mark' it (kept, flagged as unverified)."
    )

    # HTTP API (assistant serve / chat): auth and request limits
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer keys for the HTTP API (env: comma-separated or a JSON list). "
        "When set, writes need one; reads too when api_read_auth is on."
    )
    api_read_auth: bool = Field(False, description="Also require an API key for questions and document reads.")
    api_max_body_bytes: int = Field(2_000_000, ge=1024, description="Largest JSON request body.")
    api_max_upload_bytes: int = Field(20_000_000, ge=1024, description="Largest uploaded file.")
    api_max_upload_total_bytes: int = Field(100_000_000, ge=1024, description="Largest multipart request body.")
    api_max_upload_files: int = Field(20, ge=1, le=1000, description="Files per upload request.")
    api_max_question_chars: int = Field(2000, ge=10, description="Longest question.")
    api_max_history_turns: int = Field(20, ge=0, description="Most chat history turns per request.")
    api_max_history_chars: int = Field(8000, ge=10, description="Longest single history turn.")
    api_max_documents: int = Field(100, ge=1, description="Documents per JSON ingest request.")

    ui_eval_dir: Path | None = Field(
        None, description="The only folder the UI's Eval tab reads datasets and corpora from (default: "
        "HOME/datasets)."
    )

    @property
    def eval_datasets_dir(self) -> Path:
        """The folder the UI's Eval tab may read (``ui_eval_dir``, else ``home/datasets``)."""
        return (self.ui_eval_dir or self.home / "datasets").expanduser()

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, v):
        if isinstance(v, str):
            text = v.strip()
            if text.startswith("["):
                import json

                v = json.loads(text)
            else:
                v = text.split(",")
        if isinstance(v, (list, tuple)):
            v = [k.strip() if isinstance(k, str) else k for k in v]
            return [k for k in v if k != ""]
        return v

    @field_validator("home", "model_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()
