"""Settings and the backend registry: names checked against the registry (plugins included), the config file
read when settings are built, and the real-model guard checked on every call."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from assistant.backends import make_llm, register_llm, registry
from assistant.backends.base import Message
from assistant.backends.fake import FakeLLM
from assistant.backends.local import LlamaCppLLM
from assistant.backends.openai_compat import OpenAIChatLLM, OpenAIEmbedder
from assistant.errors import ConfigError, ModelRequestsBlocked
from assistant.settings import Settings


@pytest.fixture
def scratch_registry(monkeypatch):
    """The LLM registry, restored after the test (a test's plugin does not leak into the others)."""
    monkeypatch.setattr(registry, "_LLMS", dict(registry._LLMS))
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    return registry


def test_a_registered_backend_is_accepted_and_built(scratch_registry):
    @register_llm("scripted")
    def _scripted(settings):
        return FakeLLM(["Hello."])

    settings = Settings(llm="scripted")
    assert settings.llm == "scripted"
    assert make_llm(settings).complete([Message("user", "hi")], max_tokens=5) == "Hello."


def test_an_unknown_backend_is_refused_with_the_registered_names():
    with pytest.raises(ValidationError) as e:
        Settings(llm="gpt-five")
    assert "gpt-five" in str(e.value) and "local" in str(e.value) and "none" in str(e.value)
    with pytest.raises(ValidationError, match="unknown embedder 'nope'"):
        Settings(embedder="nope")


def test_an_entry_point_plugin_registers_before_names_are_checked(scratch_registry, monkeypatch):
    def load():
        register_llm("from-plugin")(lambda settings: FakeLLM(["ok"]))

    eps = [SimpleNamespace(name="mine", value="my_pkg.backend", load=load)]
    monkeypatch.setattr(
        registry.importlib.metadata, "entry_points", lambda group: eps if group == registry.PLUGIN_GROUP else []
    )
    assert Settings(llm="from-plugin").llm == "from-plugin"


def test_a_broken_plugin_is_named(scratch_registry, monkeypatch):
    def load():
        raise ImportError("No module named 'my_pkg'")

    eps = [SimpleNamespace(name="mine", value="my_pkg.backend", load=load)]
    monkeypatch.setattr(registry.importlib.metadata, "entry_points", lambda group: eps)
    with pytest.raises(ConfigError, match="'mine' .*my_pkg.backend.*No module named"):
        registry.llm_names()


def test_the_config_file_is_read_when_settings_are_built(tmp_path, monkeypatch):
    config = tmp_path / "assistant.env"
    config.write_text("ASSISTANT_TOP_K=7\nASSISTANT_LLM=none\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))  # after the module was imported
    s = Settings()
    assert (s.top_k, s.llm) == (7, "none")
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")  # the environment wins over the file, keywords over both
    assert Settings().top_k == 9 and Settings(top_k=3).top_k == 3


def test_a_named_config_file_that_is_missing_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "missing.env"))
    with pytest.raises(ConfigError, match="missing.env"):
        Settings()


def test_a_config_file_that_is_not_utf8_text_is_named(tmp_path, monkeypatch):
    config = tmp_path / "binary.env"
    config.write_bytes(b"\xff\xfe\x00ASSISTANT_TOP_K=7")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    with pytest.raises(ConfigError, match="binary.env.*not UTF-8"):
        Settings()


class _Client:
    """Records what would have gone to the server."""

    def __init__(self):
        self.calls = []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=lambda **kw: self.calls.append(kw)))
        self.embeddings = SimpleNamespace(create=lambda **kw: self.calls.append(kw))


def test_the_model_request_guard_is_checked_on_every_call(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_ALLOW_MODEL_REQUESTS", "1")
    client = _Client()
    chat, emb = OpenAIChatLLM(client, "m", None), OpenAIEmbedder(client, "e", None)
    local = LlamaCppLLM(tmp_path / "model.gguf", n_ctx=512, n_threads=1)  # built while allowed
    monkeypatch.setenv("ASSISTANT_ALLOW_MODEL_REQUESTS", "0")
    msgs = [Message("user", "hi")]
    for call in (
        lambda: chat.complete(msgs, max_tokens=5),
        lambda: list(chat.stream(msgs, max_tokens=5)),
        lambda: chat.yes_probability(msgs),
        lambda: emb.embed_query("x"),
        lambda: local.complete(msgs, max_tokens=5),
        lambda: local.yes_probability(msgs),
    ):
        with pytest.raises(ModelRequestsBlocked, match="ASSISTANT_ALLOW_MODEL_REQUESTS"):
            call()
    assert client.calls == [] and local._llm is None  # nothing reached a server, no model was loaded
