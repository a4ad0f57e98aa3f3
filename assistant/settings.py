"""The one settings object: explicit keyword arguments, environment variables with the ``ASSISTANT_`` prefix, and
an optional ``.env`` style config file named by ``ASSISTANT_CONFIG``, in that order of precedence (keyword
arguments win). Built once at an entry point (CLI, server, test) and passed down; nothing reads the environment
behind its back. The config file is found when a :class:`Settings` is built (not when this module is imported),
and one that is named but missing is an error, not silently skipped. ``llm`` and ``embedder`` name backends of
the registry (:mod:`assistant.backends.registry`), plugins included: an unknown name fails here, listing the
names there are.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from assistant.backends.registry import embedder_names, llm_names
from assistant.errors import ConfigError


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "news-qa-assistant"


def config_file() -> Path | None:
    """The file ``ASSISTANT_CONFIG`` names (read now), or None when it is unset."""
    name = os.environ.get("ASSISTANT_CONFIG")
    if not name:
        return None
    path = Path(name).expanduser()
    if not path.is_file():
        raise ConfigError(f"ASSISTANT_CONFIG names {path}, which is not a file; create it or unset ASSISTANT_CONFIG")
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"ASSISTANT_CONFIG names {path}, which is not UTF-8 text ({e.reason} at byte {e.start}); "
            "write it as KEY=value lines in UTF-8"
        ) from None
    return path


def default_model_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "news-qa-assistant" / "models"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    home: Path = Field(default_factory=default_home, description="Folder holding the article store and index.")

    def __init__(self, **values: Any) -> None:
        if "_env_file" not in values:
            values["_env_file"] = config_file()
        super().__init__(**values)

    # Backends
    llm: str = Field(
        "local",
        description="The answer model: a registered LLM backend ('local' llama.cpp, "
        "'openai' or any OpenAI-compatible server, 'fake' for tests, a plugin's name) or 'none' "
        "(extractive answers, no model).",
    )
    embedder: str = Field(
        "local",
        description="The embedding backend: 'local' (the bundled multilingual-e5), "
        "'openai', 'fake', or a plugin's name.",
    )

    # Local llama.cpp model
    model_path: Path | None = Field(None, description="A GGUF file to use instead of the bundled model.")
    model_dir: Path = Field(default_factory=default_model_dir, description="Where the bundled GGUF is assembled.")
    llm_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 2, description="Threads the local llama.cpp model generates with."
    )
    llm_context: int = Field(
        4096,
        description="Context window of the local llama.cpp model, in tokens (prompt and "
        "reply together); a longer prompt fails with an error naming this limit.",
    )

    # OpenAI-compatible endpoints
    llm_base_url: str | None = Field(
        None,
        description="Base URL of the OpenAI-compatible chat endpoint used when "
        "llm is 'openai' (vLLM, Ollama, llama.cpp's server: e.g. "
        "http://127.0.0.1:8080/v1); unset: OpenAI itself, which needs an API key.",
    )
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible chat endpoint.")
    llm_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("ASSISTANT_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key"),
        description="API key of the chat endpoint (ASSISTANT_LLM_API_KEY, else OPENAI_API_KEY); a local server that "
        "needs no key works without one.",
    )
    llm_timeout_s: float = Field(
        120.0,
        description="Seconds one answer may take in the HTTP API (past it: 504, or "
        "an error event mid-stream); also the request timeout of the OpenAI-compatible "
        "chat and embedding clients.",
    )
    embed_base_url: str | None = Field(
        None,
        description="Base URL of the OpenAI-compatible embeddings endpoint used "
        "when embedder is 'openai'; unset: OpenAI itself.",
    )
    embed_model: str = Field(
        "text-embedding-3-small",
        description="Embedding model name sent to that endpoint. "
        "Articles indexed with one embedder must be queried with the same one: use one home "
        "per embedder.",
    )
    embed_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("ASSISTANT_EMBED_API_KEY", "OPENAI_API_KEY", "embed_api_key"),
        description="API key of the embeddings endpoint (ASSISTANT_EMBED_API_KEY, else OPENAI_API_KEY).",
    )

    # Store
    chroma_host: str | None = Field(
        None,
        description="Host of a Chroma server (chroma run) that keeps the vectors "
        "instead of the embedded store under home; set it in every process that uses "
        "the home (the embedded store is not safe across processes).",
    )
    chroma_port: int = Field(8000, description="Port of the Chroma server named by chroma_host.")
    chroma_ssl: bool = Field(False, description="Reach the Chroma server over HTTPS.")
    chroma_token: SecretStr | None = Field(
        None, description="Bearer token for a Chroma server started with token authentication."
    )
    collection: str = Field(
        "articles",
        description="Name of the Chroma collection of chunk vectors (sentence "
        "vectors: NAME-sentences). Homes sharing one Chroma server need names of their own: a "
        "home's repair deletes the vectors its article table does not know.",
    )

    # Ingest
    lock_timeout_s: float = Field(
        600.0,
        ge=0,
        description="Seconds a writer (an ingest, an upload, a delete, "
        "docs check --repair) waits for another process writing the same store before it "
        "gives up, naming that process (one writer per store; see docs/operations.md).",
    )
    ingest_batch: int = Field(256, ge=1, le=100_000, description="Chunks embedded and written per ingest batch.")
    ingest_max_article_chars: int = Field(
        1_000_000,
        ge=1000,
        description="Longest article ingested, in characters; a longer one (or a .txt/.md file "
        "surely longer) is reported by name with this limit, the rest of the ingest goes on.",
    )
    near_duplicates: Literal["link", "skip", "off"] = Field(
        "link", description="Syndicated near-copies: store and record duplicate_of (link), don't store (skip), off."
    )

    # Retrieval and answering
    chunk_chars: int = Field(
        1000,
        ge=100,
        le=8000,
        description="Largest chunk, in characters: whole sentences are "
        "packed up to this size (a longer sentence is cut at whitespace). Applies to what is "
        "ingested or repaired afterwards; stored chunks keep their size.",
    )
    top_k: int = Field(
        5, ge=1, le=50, description="Chunks retrieved per question (ask --top-k and the API's top_k override it)."
    )
    retrieval_mode: Literal["hybrid", "dense"] = Field(
        "hybrid",
        description="'hybrid': chunk and sentence vectors, BM25 over chunks in the question's language, "
        "names and numbers matched across scripts, then latent-term rescoring; 'dense': chunk vectors alone.",
    )
    max_evidence: int = Field(
        5, ge=1, le=30, description="Synthesized mode: evidence sentences offered to the model, numbered, best first."
    )
    evidence_context: int = Field(
        0,
        ge=0,
        le=30,
        description="Synthesized mode: how many evidence sentences (best first) are shown "
        "to the model with the "
        "sentence before them in the article as context (who 'he' is, who 'said'); 0 shows none.",
    )
    min_relevance: float = Field(
        0.81,
        description="Synthesized mode: abstain without calling the model when the best evidence "
        "sentence's cosine similarity to the question is below "
        "this (question and article in the same language).",
    )
    min_relevance_cross: float = Field(
        0.77, description="The same bar when the question and the article are in different languages."
    )
    min_quote_relevance: float = Field(
        0.86,
        description="Synthesized mode: when verification removes the model's whole answer (or the "
        "model finds no answer), quote "
        "the best evidence sentence instead of abstaining if its similarity to the question reaches this (same "
        "language); above 1 turns quoting off.",
    )
    min_quote_relevance_cross: float = Field(
        0.80,
        description="The same bar when the question and the article are in different languages; in "
        "attributed mode, the bar a unit in the other language must reach to be quoted when its translation fails.",
    )
    min_support: float = Field(
        0.78,
        description="An answer sentence is dropped when its similarity to the evidence it cites is below this "
        "(attributed mode: a translated sentence against its unit).",
    )
    max_answer_tokens: int = Field(
        300, ge=16, le=4096, description="Synthesized mode: the most tokens the model may write for one answer."
    )
    temperature: float = Field(
        0.0,
        description="Sampling temperature of the answer and translation calls; 0 always picks the most likely token.",
    )
    answer_format: Literal["text", "json"] = Field(
        "text",
        description="How the model writes its answer: 'text' (sentences ending in [n]) or 'json' (sentences "
        "with citation lists, constrained by a JSON schema: a llama.cpp grammar or OpenAI structured output); the "
        "draft still streams as text.",
    )
    max_units: int = Field(
        3,
        ge=1,
        le=10,
        description="Attributed mode: the most units of evidence an answer is "
        "made from (one sentence, and at most one model call, each).",
    )
    unit_min_relevance: float = Field(
        0.84,
        description="Attributed mode: a unit of evidence is answered from only when its similarity to the "
        "question reaches this (same language); chosen with scripts/bench_selection.py on XQuAD dev (figures in "
        "docs/architecture.md).",
    )
    unit_min_relevance_cross: float = Field(
        0.77,
        description="The same bar across languages (higher bars gate out answerable questions faster than "
        "unanswerable ones there).",
    )
    cross_language: Literal["gate", "translate", "quote"] = Field(
        "gate",
        description="Attributed mode: how a unit in the other language than the question's is shown. "
        "'gate' (default): the model restates it in the question's language, and the restatement is shown as the "
        "answer's own sentence only when it passes the deterministic checks and the model judges it entailed by "
        "its unit at the calibrated bar (min_entailment, else attributed.GATE_ENTAILMENT); otherwise the unit is "
        "quoted verbatim, introduced in the question's language, and a well-formed restatement rides along only "
        "as an unverified 'translation'. 'translate': shown when the deterministic checks pass (no entailment "
        "bar). 'quote': always quoted, no model call. With the bundled 1.5B model, 9 of 40 shown restatements "
        "across languages in the calibration labels were supported, against every quote (docs/eval.md).",
    )
    short_answers: bool = Field(
        True,
        description="Attributed mode: lead the answer to a date question with the date that answers it: the year "
        "(with its day and month) of a shown unit whose clause is most like the question and clearly ahead of any "
        "other year's, as the article writes it, or carried into the question's language by rule (digits, month "
        "names). No model call. On the held-apart XQuAD dev questions 45 of 52 given (0.87) held the gold "
        "(docs/eval.md, 'Short answers').",
    )
    short_answer_numbers: bool = Field(
        False,
        description="With short answers: number questions too (a number with its qualifier, scale and unit word). "
        "Off by default: on the held-apart XQuAD dev questions only 24 of 57 given (0.42) held the gold: the clause "
        "most like the question often holds another count of the same thing (docs/eval.md, 'Short answers').",
    )
    min_entailment: float | None = Field(
        None,
        description="Attributed mode: a translated sentence must also be judged entailed by its unit by the "
        "model (one token, the eval's entailment prompt) with at least this P(yes) (unset: not asked; the flat bar "
        "that fitted the calibration labels best was 0.708). Adds a model pass (~1-2 s) before each translated sentence.",
    )
    min_answer_probability: float | None = Field(
        None,
        description="Attributed mode: ask the model, one token per unit, whether the unit answers the "
        "question, and answer from it only when P(yes) reaches this (unset: not asked). Needs a backend with "
        "yes_probability; ~2-4 s more per unit with the bundled model.",
    )
    rescue_margin: float | None = Field(
        0.02,
        ge=0.0,
        le=0.2,
        description="Attributed mode: when no unit clears its bar, the model is asked (one token each) whether the "
        "two best units in the question's own language, if within this much of their bar, answer the question; "
        "a P(yes) of rescue_probability or more opens the answer with that bar lowered by this much (unset: "
        "never; needs a backend with yes_probability; one or two model passes, ~1-2 s, only for such near "
        "misses). Measured with scripts/bench_answerability.py (docs/benchmarks.md).",
    )
    rescue_probability: float = Field(
        0.5, ge=0.0, le=1.0, description="Attributed mode: the P(yes) that lets rescue_margin open an answer."
    )
    answer_mode: Literal["auto", "attributed", "synthesized"] = Field(
        "auto",
        description="How an answer is written: 'attributed' (the evidence units are chosen first, the model "
        "states what each one says in one sentence, each sentence is checked against its own unit), 'synthesized' "
        "(the model writes the whole answer over numbered evidence and cites it), or 'auto': attributed for the "
        "local model and for extractive answers (llm=none), synthesized for the others.",
    )
    unsupported: Literal["remove", "mark"] = Field(
        "remove",
        description="What happens to an answer sentence its citations do not support: 'remove' it, or "
        "'mark' it (kept, flagged '(unverified)' / '(غير مؤكد)', with supported: false in the answer's sentences).",
    )

    # HTTP API (assistant serve / chat): auth and request limits
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Bearer keys for the HTTP API (env: comma-separated or a JSON list). "
        "When set, writes need one; reads too when api_read_auth is on.",
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
        None, description="The only folder the UI's Eval tab reads datasets and corpora from (default: HOME/datasets)."
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

    @field_validator("llm", "embedder")
    @classmethod
    def _registered(cls, v: str, info: ValidationInfo) -> str:
        what, names = ("LLM backend", llm_names()) if info.field_name == "llm" else ("embedder", embedder_names())
        if v not in names:
            raise ValueError(f"unknown {what} {v!r}; registered: {', '.join(sorted(names))}")
        return v

    @field_validator("home", "model_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()
