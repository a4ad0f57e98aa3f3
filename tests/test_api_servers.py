"""Against real servers on loopback: the official ``openai`` client against our uvicorn server, the store in a
Chroma server (``chroma run``), and the ``openai`` LLM backend against llama.cpp's OpenAI-compatible server."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.answer.answerer import UNVERIFIED_REPLY
from assistant.api import create_app
from assistant.api.server import BackgroundServer, free_port
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.services import Services
from assistant.settings import Settings
from tests.conftest import REFERENCE_ARTICLE

VENV_BIN = Path(sys.executable).parent
QUESTION_AR = "من ترأس الوفد الروسي الذي استقبله الأسد؟"


def start(args: list[str], log: Path) -> subprocess.Popen:
    """A server process whose output goes to a file (a pipe nobody reads would fill up and stall it)."""
    with open(log, "wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)


def wait_for(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {proc.returncode}: {tail}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_quotes(answer: dict, text: str) -> None:
    assert not answer["abstained"] and answer["citations"], answer
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])} == {c["id"] for c in answer["citations"]}
    for c in answer["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]


# ------------------------------------------------------------------------------------ openai client → our API
@pytest.mark.slow  # a uvicorn server on loopback
def test_openai_client_against_live_server(tmp_path):
    import openai

    settings = Settings(
        home=tmp_path / "home",
        llm="fake",
        embedder="fake",
        min_relevance=0.0,
        min_relevance_cross=0.0,
        min_support=0.0,
        api_keys=["secret"],
        api_read_auth=True,
    )
    services = Services.from_settings(settings, embedder=FakeEmbedder(), llm=FakeLLM())
    text = "Russia stressed the need to stabilise Idlib. The talks were held in Sochi on Monday."
    with BackgroundServer(create_app(services)) as url:
        r = httpx.post(
            f"{url}/v1/documents",
            json={"documents": [{"text": text, "id": "a1"}]},
            headers={"Authorization": "Bearer secret"},
        )
        assert r.json()["results"][0]["status"] == "added"
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="secret", max_retries=0)
        messages = [{"role": "user", "content": "What did Russia stress about Idlib?"}]
        done = client.chat.completions.create(model="news-qa", messages=messages)
        assert done.model == "news-qa" and "Idlib" in done.choices[0].message.content
        cites = done.model_extra["citations"]
        assert cites and all(text[c["start"] : c["end"]] == c["quote"] for c in cites)

        chunks = list(client.chat.completions.create(model="news-qa", messages=messages, stream=True))
        assert chunks[0].choices[0].delta.role == "assistant"
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert "Idlib" in streamed
        last = chunks[-1]
        assert last.choices[0].finish_reason == "stop"
        assert last.model_extra["final_answer"] == done.choices[0].message.content
        assert last.model_extra["citations"] == cites

        with pytest.raises(openai.PermissionDeniedError):
            openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).chat.completions.create(
                model="x", messages=messages
            )


# ---------------------------------------------------------------------------------------- Chroma server mode
@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    log = tmp_path / "chroma.log"
    proc = start(
        [
            str(VENV_BIN / "chroma"),
            "run",
            "--path",
            str(tmp_path / "chroma-server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        log,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, timeout=60, log=log)
        yield port
    finally:
        stop(proc)


@pytest.mark.integration
def test_ingest_and_ask_through_chroma_server(chroma_server, monkeypatch, tmp_path, local_embedder):
    from fastapi.testclient import TestClient

    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSISTANT_CHROMA_PORT", str(chroma_server))
    settings = Settings(llm="fake", embedder="local")
    services = Services.from_settings(settings, embedder=local_embedder, llm=FakeLLM())
    c = TestClient(create_app(services))
    text = REFERENCE_ARTICLE.read_text(encoding="utf-8")
    r = c.post("/v1/documents", files={"files": (REFERENCE_ARTICLE.name, text.encode("utf-8"), "text/plain")})
    assert r.json()["results"][0]["status"] == "ok", r.text
    assert c.get("/readyz").json()["store"] == f"chroma server 127.0.0.1:{chroma_server}"
    check_quotes(c.post("/v1/ask", json={"question": QUESTION_AR}).json(), text)
    assert not (settings.home / "chroma").exists()  # the vectors went to the server, not an embedded store
    import chromadb

    names = {col.name for col in chromadb.HttpClient(host="127.0.0.1", port=chroma_server).list_collections()}
    assert {"articles", "articles-sentences"} <= names


def test_chroma_ssl_and_token_reach_the_client(monkeypatch, tmp_path):
    import chromadb

    from assistant.store.library import Library

    seen = {}

    def fake_http_client(**kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(chromadb, "HttpClient", fake_http_client)
    settings = Settings(
        home=tmp_path, chroma_host="chroma.example", chroma_port=443, chroma_ssl=True, chroma_token="tok"
    )
    # The stand-in refuses to connect; whether the store raises that now or on first use is not what is tested.
    with contextlib.suppress(RuntimeError):
        Library.from_settings(settings)
    assert seen["host"] == "chroma.example" and seen["port"] == 443
    assert seen["ssl"] is True and seen["headers"] == {"Authorization": "Bearer tok"}

    seen.clear()  # without a token: plain HTTP and no Authorization header
    with contextlib.suppress(RuntimeError):
        Library.from_settings(Settings(home=tmp_path, chroma_host="chroma.example", chroma_port=8000))
    assert seen["ssl"] is False and not seen["headers"]


# --------------------------------------------------------------------------------- llama.cpp OpenAI server
def _llama_server_missing() -> list[str]:
    needed = {
        "sse_starlette": "sse-starlette",
        "starlette_context": "starlette-context",
        "pydantic_settings": "pydantic-settings",
        "llama_cpp": "llama-cpp-python",
    }
    return [pkg for mod, pkg in needed.items() if importlib.util.find_spec(mod) is None]


@pytest.mark.model
def test_openai_backend_against_llama_cpp_server(allow_model_requests, tmp_path, local_embedder):
    missing = _llama_server_missing()
    assert not missing, (
        f"python -m llama_cpp.server needs {', '.join(missing)}, which the setup installs: "
        "run .venv/bin/pip install -e '.[local,dev]' (llama-cpp-python[server])"
    )
    from assistant.backends import make_llm
    from assistant.backends.gguf import bundled_model_path

    model = bundled_model_path(Settings().model_dir)
    port = free_port()
    log = tmp_path / "llama-server.log"
    proc = start(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--n_threads",
            str(os.cpu_count() or 2),
        ],
        log,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", proc, timeout=180, log=log)
        settings = Settings(
            home=tmp_path / "home",
            llm="openai",
            llm_base_url=f"http://127.0.0.1:{port}/v1",
            llm_model="local",
            embedder="local",
            llm_timeout_s=600,
        )
        services = Services.from_settings(settings, embedder=local_embedder, llm=make_llm(settings))
        report = services.ingestor().ingest_paths([REFERENCE_ARTICLE])
        assert report.ok
        answer = services.answerer().ask(QUESTION_AR).to_dict()
        # The endpoint answered (no failure fallback); verification may still have replaced what it got wrong
        # with a quote of the best evidence.
        assert answer["config"]["llm"] == "openai:local" and answer.get("fallback") in (None, UNVERIFIED_REPLY), answer
        assert answer["timings_ms"]["generate"] > 0
        if answer["abstained"] or answer["fallback"]:
            assert all(r["reason"] for r in answer["removed"]), answer
        else:
            check_quotes(answer, REFERENCE_ARTICLE.read_text(encoding="utf-8"))
    finally:
        stop(proc)
