"""Test isolation: no ASSISTANT_* setting leaks in from the environment, every test gets its own
ASSISTANT_HOME, and real model calls fail unless a test asks for them (the ``allow_model_requests`` fixture)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample_corpus"
REFERENCE_ARTICLE = SAMPLE / "idlib-talks.ar.txt"


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("ASSISTANT_") or key == "OPENAI_API_KEY":
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ASSISTANT_ALLOW_MODEL_REQUESTS", "0")


@pytest.fixture
def fake_backends(monkeypatch):
    """ASSISTANT_EMBEDDER and ASSISTANT_LLM set to the fakes, for tests that build ``Settings()`` from the
    environment (the CLI, ``Library.from_settings``)."""
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_LLM", "fake")


@pytest.fixture
def allow_model_requests(monkeypatch):
    monkeypatch.setenv("ASSISTANT_ALLOW_MODEL_REQUESTS", "1")


@pytest.fixture(scope="session")
def local_embedder():
    from assistant.backends.local import LocalE5Embedder

    return LocalE5Embedder()


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory, local_embedder):
    """The bundled sample corpus ingested once with the real embedder into a real embedded Chroma."""
    from assistant.store.library import Library
    from ingest.pipeline import Ingestor

    lib = Library(tmp_path_factory.mktemp("sample-home"))
    report = Ingestor(lib, local_embedder).ingest_paths([SAMPLE])
    assert report.ok, report.to_dict()
    return lib
