"""OpenAI and any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server) through the official SDK.

Just another registered backend: ``ASSISTANT_LLM=openai`` with ``ASSISTANT_LLM_BASE_URL`` (omit for OpenAI
itself), ``ASSISTANT_LLM_MODEL`` and a key in ``ASSISTANT_LLM_API_KEY`` or ``OPENAI_API_KEY``; the same for
embeddings with ``ASSISTANT_EMBED_*``. A local server that needs no key works without one. ``json_schema``
becomes ``response_format={"type": "json_schema", ...}`` (structured output).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from assistant.backends.base import Message, l2_normalize
from assistant.backends.registry import check_model_requests, register_embedder, register_llm
from assistant.errors import BackendError, ConfigError


def _client(base_url: str | None, key, timeout: float, what: str):
    import openai

    if key is None and base_url is None:
        raise ConfigError(
            f"ASSISTANT_{what}=openai needs an API key: set OPENAI_API_KEY (or ASSISTANT_{what}_API_KEY), "
            f"or point ASSISTANT_{what}_BASE_URL at an OpenAI-compatible server."
        )
    return openai.OpenAI(
        base_url=base_url, api_key=key.get_secret_value() if key else "not-needed", timeout=timeout, max_retries=1
    )


def _wrap(e: Exception, where: str) -> BackendError:
    return BackendError(f"OpenAI-compatible endpoint {where} failed: {type(e).__name__}: {e}")


class OpenAIChatLLM:
    def __init__(self, client, model: str, base_url: str | None):
        self._client = client
        self.model = model
        self.name = f"openai:{model}"
        self._where = base_url or "api.openai.com"

    def _kwargs(self, messages, max_tokens, temperature, json_schema):
        kw = dict(
            model=self.model,
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens,
            temperature=temperature,
        )
        if json_schema is not None:
            kw["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "schema": json_schema}}
        return kw

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        json_schema: dict | None = None,
        grammar: str | None = None,
    ) -> str:
        # ``grammar`` is ignored: the OpenAI API has no grammar parameter (servers differ on theirs).
        import openai

        check_model_requests("an OpenAI-compatible chat model")
        try:
            r = self._client.chat.completions.create(**self._kwargs(messages, max_tokens, temperature, json_schema))
        except openai.OpenAIError as e:
            raise _wrap(e, self._where) from e
        return r.choices[0].message.content or ""

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P(yes) / (P(yes) + P(no)) of the first reply token, from the server's ``top_logprobs`` (one token
        generated); a server without logprobs falls back to the reply word (1.0 for yes, 0.0 otherwise)."""
        import math

        import openai

        check_model_requests("an OpenAI-compatible chat model")
        try:
            r = self._client.chat.completions.create(
                **self._kwargs(messages, 1, 0.0, None), logprobs=True, top_logprobs=5
            )
        except openai.OpenAIError as e:
            raise _wrap(e, self._where) from e
        choice = r.choices[0]
        content = getattr(choice, "logprobs", None) and choice.logprobs.content
        if content:
            p_yes = p_no = 0.0
            for t in content[0].top_logprobs or []:
                word = (t.token or "").strip().lower()
                if word == "yes":
                    p_yes += math.exp(t.logprob)
                elif word == "no":
                    p_no += math.exp(t.logprob)
            if p_yes + p_no > 0:
                return p_yes / (p_yes + p_no)
        return 1.0 if (choice.message.content or "").strip().lower().startswith("yes") else 0.0

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        json_schema: dict | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        import openai

        check_model_requests("an OpenAI-compatible chat model")
        try:
            for ev in self._client.chat.completions.create(
                stream=True, **self._kwargs(messages, max_tokens, temperature, json_schema)
            ):
                if ev.choices and ev.choices[0].delta and ev.choices[0].delta.content:
                    yield ev.choices[0].delta.content
        except openai.OpenAIError as e:
            raise _wrap(e, self._where) from e


class OpenAIEmbedder:
    def __init__(self, client, model: str, base_url: str | None):
        self._client = client
        self.model = model
        self.name = f"openai:{model}"
        self._where = base_url or "api.openai.com"
        self.dim = 0  # known after the first call

    def _embed(self, texts: list[str]) -> np.ndarray:
        import openai

        check_model_requests("an OpenAI-compatible embedding model")
        try:
            r = self._client.embeddings.create(model=self.model, input=texts)
        except openai.OpenAIError as e:
            raise _wrap(e, self._where) from e
        m = l2_normalize(np.array([d.embedding for d in sorted(r.data, key=lambda d: d.index)], dtype=np.float32))
        self.dim = m.shape[1]
        return m

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]

    def embed_passages(self, texts) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate([self._embed(texts[i : i + 256]) for i in range(0, len(texts), 256)])

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)


@register_llm("openai")
def _openai_llm(settings) -> OpenAIChatLLM:
    check_model_requests("an OpenAI-compatible chat model")
    client = _client(settings.llm_base_url, settings.llm_api_key, settings.llm_timeout_s, "LLM")
    return OpenAIChatLLM(client, settings.llm_model, settings.llm_base_url)


@register_embedder("openai")
def _openai_embedder(settings) -> OpenAIEmbedder:
    check_model_requests("an OpenAI-compatible embedding model")
    client = _client(settings.embed_base_url, settings.embed_api_key, settings.llm_timeout_s, "EMBED")
    return OpenAIEmbedder(client, settings.embed_model, settings.embed_base_url)
