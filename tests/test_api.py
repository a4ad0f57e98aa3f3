"""The HTTP API through FastAPI's TestClient: every endpoint, SSE order, the OpenAI shape, auth, every limit.

Fake LLM and fake embedder (relevance bars at 0 so the fake embedder's low scores still answer), one store per
module; the last test uses the real embedder over the bundled sample corpus.
"""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.errors import BackendError
from assistant.services import Services
from assistant.settings import Settings
from assistant.store.library import Library

IDLIB = (
    "Russia stressed the need to stabilise Idlib while fighting terrorist groups. "
    "The delegation met the president in Damascus on Tuesday."
)
OIL = "The oil crisis started in 1973 when producers cut exports. Prices quadrupled within months."
ARABIC = "أكدت روسيا ضرورة إرساء الاستقرار في إدلب. والتقى الوفد الرئيس في دمشق."
QUESTION = "What did Russia stress about Idlib?"


def make_settings(home, **over) -> Settings:
    base = dict(
        home=home,
        llm="fake",
        embedder="fake",
        min_relevance=0.0,
        min_relevance_cross=0.0,
        min_support=0.0,
        unit_min_relevance=0.0,
        unit_min_relevance_cross=0.0,
    )
    return Settings(**(base | over))


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return Library(tmp_path_factory.mktemp("api-home"))


def client_for(library, *, llm=None, embedder=None, raise_server_exceptions=True, **over) -> TestClient:
    services = Services(make_settings(library.home, **over), library, embedder or FakeEmbedder(), llm or FakeLLM())
    return TestClient(create_app(services), raise_server_exceptions=raise_server_exceptions)


@pytest.fixture(scope="module")
def corpus(library):
    """A client over a store holding three articles (English, English, Arabic)."""
    c = client_for(library)
    r = c.post(
        "/v1/documents",
        json={
            "documents": [
                {
                    "text": IDLIB,
                    "title": "Idlib talks",
                    "source": "wire",
                    "id": "idlib-en",
                    "lang": "en",
                    "published": "2019-09-10",
                },
                {"text": OIL, "title": "Oil", "source": "archive", "url": "https://example.org/oil"},
                {"text": ARABIC, "title": "إدلب", "source": "sana", "lang": "ar"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["added"] * 3
    return c


def sse_events(text: str) -> list[tuple[str | None, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        out.append((event, "\n".join(data)))
    return out


def assert_error(r, status: int, field: str | None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["status"] == status and err["message"]
    if field is not None:
        assert err["field"] == field, err


# --------------------------------------------------------------------------------------------------- health
def test_health_and_ready(corpus, library):
    assert corpus.get("/healthz").json() == {"status": "ok"}
    ready = corpus.get("/readyz")
    assert ready.status_code == 200 and ready.json()["articles"] == 3 and ready.json()["embedder"] == "fake"
    assert corpus.get("/openapi.json").json()["paths"]["/v1/documents"]["post"]["requestBody"]["content"]


def test_ready_is_503_when_the_store_fails(library, monkeypatch):
    c = client_for(library)
    monkeypatch.setattr(library.index, "count", lambda: (_ for _ in ()).throw(RuntimeError("chroma down")))
    assert_error(c.get("/readyz"), 503, None)


# ------------------------------------------------------------------------------------------------ documents
def test_documents_statuses_list_show_delete(corpus):
    r = corpus.post(
        "/v1/documents",
        json={
            "documents": [
                {"text": IDLIB, "id": "idlib-en"},  # same id, same text
                {"text": OIL, "id": "oil-copy"},  # same text under another id
                {"text": "A brand new article about rain in Cairo.", "id": "tmp-1"},
                {"text": "   "},
            ]
        },
    ).json()["results"]
    assert [x["status"] for x in r] == ["unchanged", "duplicate", "added", "failed"]
    assert r[1]["duplicate_of"] and r[3]["error"] == "empty text" and r[2]["id"] == "tmp-1"
    r = corpus.post("/v1/documents", json={"documents": [{"text": "Rain in Cairo, updated.", "id": "tmp-1"}]})
    assert r.json()["results"][0]["status"] == "updated"

    page = corpus.get("/v1/documents", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 4 and len(page["documents"]) == 2 and "text" not in page["documents"][0]
    doc = corpus.get("/v1/documents/tmp-1").json()
    assert doc["text"] == "Rain in Cairo, updated." and doc["n_chars"] == len(doc["text"])
    assert corpus.delete("/v1/documents/tmp-1").json() == {"deleted": "tmp-1"}
    assert_error(corpus.delete("/v1/documents/tmp-1"), 404, "doc_id")
    assert_error(corpus.get("/v1/documents/tmp-1"), 404, "doc_id")


def test_upload_good_and_broken_file(library):
    c = client_for(library)
    files = [
        (
            "files",
            ("../../etc/notes é.txt", b"Floods hit the delta region on Monday. Roads were closed.", "text/plain"),
        ),
        ("files", ("broken.json", b"{not json", "application/json")),
    ]
    r = c.post("/v1/documents", files=files, data={"source": "uploads", "lang": "en"})
    assert r.status_code == 200, r.text
    good, bad = r.json()["results"]
    assert good["path"] == "../../etc/notes é.txt" and good["status"] == "ok" and good["added"] == 1
    assert c.get(f"/v1/documents/{good['doc_ids'][0]}").json()["source"] == "uploads"
    assert bad["path"] == "broken.json" and bad["status"] == "failed" and "broken.json" in bad["errors"][0]
    assert "assistant-upload" not in json.dumps(r.json())


def test_documents_content_type_and_missing_files(corpus):
    assert_error(
        corpus.post("/v1/documents", content=b"text", headers={"content-type": "text/plain"}), 415, "Content-Type"
    )
    assert_error(corpus.post("/v1/documents", data={"source": "x"}, files={"other": ("a.txt", b"x")}), 422, "files")


# ------------------------------------------------------------------------------------------------------ ask
def test_ask_shape_and_verbatim_citations(corpus):
    r = corpus.post("/v1/ask", json={"question": QUESTION, "top_k": 3, "filters": {"lang": "en"}})
    assert r.status_code == 200, r.text
    out = r.json()
    for key in ("question", "language", "answer", "abstained", "citations", "retrieved", "timings_ms"):
        assert key in out
    assert not out["abstained"] and out["citations"]
    for c in out["citations"]:
        text = corpus.get(f"/v1/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"] : c["end"]] == c["quote"]
    assert {x["doc_id"] for x in out["retrieved"]} <= {
        d["id"] for d in corpus.get("/v1/documents").json()["documents"] if d["lang"] == "en"
    }


def test_ask_stream_event_order(corpus):
    with corpus.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r.read().decode("utf-8"))
    names = [e for e, _ in events]
    assert names[0] == "retrieved" and names[-2:] == ["final", "done"]
    assert set(names[1:-2]) == {"token"} and len(names) > 4
    draft = "".join(json.loads(d)["text"] for e, d in events if e == "token")
    final = json.loads(events[-2][1])
    assert draft.strip() and final["answer"] and final["citations"]
    assert json.loads(events[0][1])["retrieved"] == final["retrieved"]


def test_ask_stream_attributed_sends_each_verified_sentence_before_final(corpus):
    c = client_for(corpus.app.state.services.library, answer_mode="attributed")
    with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
        events = sse_events(r.read().decode("utf-8"))
    names = [e for e, _ in events]
    assert names[0] == "retrieved" and names[-2:] == ["final", "done"] and "sentence" in names
    assert "token" not in names
    sentences = [json.loads(d) for e, d in events if e == "sentence"]
    final = json.loads(events[-2][1])
    assert [s["sentence"]["sentence"] for s in sentences] == [s["sentence"] for s in final["sentences"]]
    assert [s["citations"][0]["id"] for s in sentences] == [c["id"] for c in final["citations"]]
    assert all(s["citations"][0]["quote"] in s["text"] for s in sentences)  # same-language units are quoted


def test_chat_completion_stream_attributed_deltas_are_the_verified_sentences(corpus):
    c = client_for(corpus.app.state.services.library, answer_mode="attributed")
    with c.stream(
        "POST", "/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    ) as r:
        events = sse_events(r.read().decode("utf-8"))
    chunks = [json.loads(d) for _, d in events[:-1]]
    content = "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks)
    assert content.strip() == chunks[-1]["final_answer"]


def test_ask_with_history_uses_follow_up(corpus):
    llm = FakeLLM()
    c = client_for(corpus.app.state.services.library, llm=llm)
    r = c.post(
        "/v1/ask",
        json={
            "question": "and the oil crisis?",
            "history": [
                {"role": "user", "content": "When did prices quadruple?"},
                {"role": "assistant", "content": "In 1973 [1]."},
            ],
        },
    )
    assert r.status_code == 200 and r.json()["standalone_question"]
    assert any("<conversation>" in m.content for call in llm.history for m in call)


# ------------------------------------------------------------------------------------------------------ chat
def test_chat_completion_shape(corpus):
    r = corpus.post(
        "/v1/chat/completions",
        json={
            "model": "my-model",
            "temperature": 0.3,
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": QUESTION}],
        },
    )
    out = r.json()
    assert r.status_code == 200 and out["object"] == "chat.completion" and out["model"] == "my-model"
    msg = out["choices"][0]["message"]
    assert msg["role"] == "assistant" and msg["content"] and out["choices"][0]["finish_reason"] == "stop"
    assert out["citations"] and out["abstained"] is False and out["usage"]["total_tokens"] > 0


def test_chat_completion_stream_chunks(corpus):
    with corpus.stream(
        "POST", "/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    ) as r:
        events = sse_events(r.read().decode("utf-8"))
    assert all(e is None for e, _ in events) and events[-1][1] == "[DONE]"
    chunks = [json.loads(d) for _, d in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "news-qa-assistant" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "stop" and last["final_answer"] and last["citations"]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks).strip()


def test_chat_last_message_must_be_user(corpus):
    r = corpus.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]},
    )
    assert_error(r, 422, "messages[1].role")
    assert_error(corpus.post("/v1/chat/completions", json={"messages": []}), 422, "messages")


# ------------------------------------------------------------------------------------------------------ auth
@pytest.mark.parametrize("read_auth", [False, True])
def test_auth_matrix(library, read_auth):
    c = client_for(library, api_keys=["k1", "k2"], api_read_auth=read_auth)
    calls = {
        "ask": ("post", "/v1/ask", {"json": {"question": QUESTION}}, False),
        "list": ("get", "/v1/documents", {}, False),
        "chat": ("post", "/v1/chat/completions", {"json": {"messages": [{"role": "user", "content": "x?"}]}}, False),
        "add": ("post", "/v1/documents", {"json": {"documents": [{"text": "Auth test article text."}]}}, True),
        "delete": ("delete", "/v1/documents/missing-doc", {}, True),
    }
    for name, (method, url, kw, write) in calls.items():
        protected = write or read_auth
        none = getattr(c, method)(url, **kw)
        wrong = getattr(c, method)(url, headers={"Authorization": "Bearer nope"}, **kw)
        basic = getattr(c, method)(url, headers={"Authorization": "Basic k1"}, **kw)
        right = getattr(c, method)(url, headers={"Authorization": "Bearer k2"}, **kw)
        if protected:
            assert_error(none, 401, "Authorization")
            assert none.headers["www-authenticate"].startswith("Bearer")
            assert_error(basic, 401, "Authorization")
            assert_error(wrong, 403, "Authorization")
        else:
            assert none.status_code == wrong.status_code == right.status_code, name
        assert right.status_code == (404 if name == "delete" else 200), (name, right.text)
    assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200


# ---------------------------------------------------------------------------------------------------- limits
@pytest.fixture(scope="module")
def tight(library):
    return client_for(
        library,
        api_max_body_bytes=4096,
        api_max_upload_bytes=2048,
        api_max_question_chars=50,
        api_max_history_turns=2,
        api_max_documents=2,
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"question": "x" * 51}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "ok?", "top_k": 0}, "top_k"),
        ({"question": "ok?", "top_k": 51}, "top_k"),
        ({"question": "ok?", "history": [{"role": "user", "content": "a"}] * 3}, "history"),
        ({"question": "ok?", "history": [{"role": "robot", "content": "a"}]}, "history[0].role"),
        ({"question": "ok?", "filters": {"colour": "red"}}, "filters.colour"),
        ({"question": "ok?", "filters": {"date_from": "2019/01/01"}}, "filters.date_from"),
        ({"question": "ok?", "filters": {"lang": "fr"}}, "filters.lang"),
        ({"question": "bad \ud800 text"}, "question"),
        ({"question": 7}, "question"),
        ({}, "question"),
        ({"question": "ok?", "extra": 1}, "extra"),
    ],
)
def test_ask_rejects_bad_input_naming_the_field(tight, body, field):
    data = json.dumps(body, ensure_ascii=True).encode()
    r = tight.post("/v1/ask", content=data, headers={"content-type": "application/json"})
    assert_error(r, 422, field)


CHAT_BODY = {"messages": [{"role": "user", "content": QUESTION}]}


@pytest.mark.parametrize("route, base", [("/v1/ask", {"question": QUESTION}), ("/v1/chat/completions", CHAT_BODY)])
@pytest.mark.parametrize(
    "field, value",
    [
        ("top_k", "5"),
        ("top_k", True),
        ("top_k", 5.0),
        ("top_k", [5]),
        ("stream", "yes"),
        ("stream", "true"),
        ("stream", 1),
        ("stream", 0),
    ],
)
def test_loose_types_are_refused_naming_the_field(tight, route, base, field, value):
    assert_error(tight.post(route, json=base | {field: value}), 422, field)


@pytest.mark.parametrize(
    "item, field",
    [
        ({"text": 5}, "documents[0].text"),
        ({"text": "Rain.", "lang": True}, "documents[0].lang"),
        ({"text": "Rain.", "published": 20190910}, "documents[0].published"),
        ({"text": "Rain.", "id": 7}, "documents[0].id"),
        ({"text": "Rain.", "title": ["t"]}, "documents[0].title"),
    ],
)
def test_documents_refuse_loose_types_naming_the_field(tight, item, field):
    assert_error(tight.post("/v1/documents", json={"documents": [item]}), 422, field)


def test_json_natural_values_stay_valid(corpus):
    filters = {"lang": "en", "date_from": "2019-01-01", "date_to": "2019-12-31"}
    r = corpus.post(
        "/v1/ask", json={"question": QUESTION, "top_k": 3, "stream": False, "filters": filters, "history": []}
    )
    assert r.status_code == 200, r.text
    r = corpus.post(
        "/v1/chat/completions",
        json=CHAT_BODY
        | {
            "top_k": 3,
            "stream": False,
            "filters": filters,
            "temperature": 0.3,
            "max_tokens": 50,
            "n": 1,
            "stream_options": None,
            "model": "m",
        },
    )
    assert r.status_code == 200, r.text
    r = corpus.post(
        "/v1/chat/completions",
        json={"stream": None, "messages": [{"role": "user", "content": [{"type": "text", "text": QUESTION}]}]},
    )
    assert r.status_code == 200, r.text


def test_body_size_limits(tight):
    big = json.dumps({"question": "x" * 5000}).encode()
    assert_error(tight.post("/v1/ask", content=big, headers={"content-type": "application/json"}), 413, "body")

    def chunked():  # no Content-Length: counted while read
        for _ in range(10):
            yield b" " * 1000
        yield b'{"question": "ok?"}'

    r = tight.post("/v1/ask", content=chunked(), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "body")
    assert_error(tight.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"}), 422, "body")


def test_upload_and_documents_limits(tight):
    r = tight.post(
        "/v1/documents",
        files=[("files", ("small.txt", b"Short text here.")), ("files", ("big.txt", b"Large text. " * 300))],
    )
    assert_error(r, 413, "files[1]")
    assert "big.txt" in r.json()["error"]["message"]
    r = tight.post("/v1/documents", json={"documents": [{"text": f"Doc {i}."} for i in range(3)]})
    assert_error(r, 422, "documents")
    assert_error(tight.post("/v1/documents", json={"documents": [{"text": ""}]}), 422, "documents[0].text")
    assert_error(tight.get("/v1/documents", params={"limit": 0}), 422, "limit")


# -------------------------------------------------------------------------------------------------- failures
def test_model_timeout_is_504(library):
    slow = FakeLLM([lambda m: time.sleep(0.6) or "Too late [1]."] * 2)
    c = client_for(library, llm=slow, llm_timeout_s=0.2)
    c.post("/v1/documents", json={"documents": [{"text": IDLIB, "id": "idlib-en"}]})
    assert_error(c.post("/v1/ask", json={"question": QUESTION}), 504, None)
    with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
        events = sse_events(r.read().decode("utf-8"))
    assert [e for e, _ in events] == ["retrieved", "error", "done"]
    assert json.loads(events[1][1])["error"]["status"] == 504


def test_stream_steps_time_out_and_close_releases_the_iterator():
    import threading

    import anyio

    from assistant.api.errors import ApiError
    from assistant.api.sse import ThreadedEvents

    released = threading.Event()

    def events():
        try:
            yield 1
            time.sleep(0.4)
            yield 2
        finally:
            released.set()  # e.g. the local model's lock

    async def consume():
        ev = ThreadedEvents(events(), timeout=0.15)
        assert await ev.__anext__() == 1
        with pytest.raises(ApiError) as e:
            await ev.__anext__()
        assert e.value.status == 504
        ev.close()  # a worker is still inside the step: it closes the iterator when the step ends
        assert not released.is_set()

    anyio.run(consume)
    assert released.wait(3)


def test_backend_failure_is_502_and_bugs_are_json_500(library):
    class BrokenEmbedder(FakeEmbedder):
        def embed_query(self, text):
            raise BackendError("OpenAI-compatible endpoint http://emb failed: ConnectError")

    assert_error(client_for(library, embedder=BrokenEmbedder()).post("/v1/ask", json={"question": QUESTION}), 502, None)

    class BuggyEmbedder(FakeEmbedder):
        def embed_query(self, text):
            raise ZeroDivisionError("bug")

    c = client_for(library, embedder=BuggyEmbedder(), raise_server_exceptions=False)
    r = c.post("/v1/ask", json={"question": QUESTION})
    assert_error(r, 500, None)
    assert "ZeroDivisionError" in r.json()["error"]["message"]


def test_ui_guard_names_the_way_out(monkeypatch):
    import sys
    import types

    from assistant.api.server import mount_ui
    from assistant.errors import ConfigError

    monkeypatch.setitem(sys.modules, "assistant.ui", None)
    with pytest.raises(ConfigError, match="--no-ui"):
        mount_ui(None, None)
    monkeypatch.setitem(sys.modules, "assistant.ui", types.ModuleType("assistant.ui"))
    with pytest.raises(ConfigError, match="build_ui"):
        mount_ui(None, None)


# ------------------------------------------------------------------------------------------ real embedder
@pytest.mark.integration
def test_real_embedder_cross_lingual_over_sample_corpus(sample_library, local_embedder, tmp_path):
    settings = Settings(home=tmp_path / "unused", llm="fake", embedder="local")
    c = TestClient(create_app(Services(settings, sample_library, local_embedder, FakeLLM())))
    out = c.post("/v1/ask", json={"question": QUESTION.replace(" stress", " say")}).json()
    assert not out["abstained"] and any("إدلب" in x["quote"] for x in out["citations"])
    for x in out["citations"]:
        assert sample_library.get(x["doc_id"]).text[x["start"] : x["end"]] == x["quote"]


def test_server_start_warms_the_model_in_the_background(library):
    from assistant.api.server import warm_in_background

    llm = FakeLLM()
    warm_in_background(Services(make_settings(library.home), library, FakeEmbedder(), llm)).join(timeout=30)
    assert len(llm.warmed) == 1 and llm.warmed[0][0].role == "system" and "evidence" in llm.warmed[0][0].content


def test_a_failed_warm_up_is_logged_not_raised(library, caplog):
    from assistant.api.server import warm_in_background

    class BrokenModel(FakeLLM):
        def warm(self, messages):
            raise BackendError("local model /models/x.gguf failed: bad magic")

    with caplog.at_level("WARNING", logger="assistant.api.server"):
        warm_in_background(Services(make_settings(library.home), library, FakeEmbedder(), BrokenModel())).join(
            timeout=30
        )
    assert "warm-up failed" in caplog.text and "x.gguf" in caplog.text


# ------------------------------------------------------------------------- every error in the project's shape
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app as `assistant serve` builds it: the API with the Gradio UI mounted at /, its lifespan running."""
    from assistant.api.server import build

    with TestClient(
        build(make_settings(tmp_path_factory.mktemp("serve-home")), ui=True), raise_server_exceptions=False
    ) as c:
        yield c


API_ERRORS = [  # (method, path, status, Allow) on the API's own paths: the body is {"error": {...}} alone
    ("GET", "/v1/ask", 405, "POST"),
    ("PUT", "/v1/ask", 405, "POST"),
    ("OPTIONS", "/v1/ask", 405, "POST"),
    ("HEAD", "/v1/ask", 405, "POST"),
    ("GET", "/v1/chat/completions", 405, "POST"),
    ("DELETE", "/v1/chat/completions", 405, "POST"),
    ("PUT", "/v1/documents", 405, "GET, POST"),
    ("DELETE", "/v1/documents", 405, "GET, POST"),
    ("POST", "/v1/documents/x", 405, "GET, DELETE"),
    ("PATCH", "/v1/documents/x", 405, "GET, DELETE"),
    ("POST", "/healthz", 405, "GET"),
    ("HEAD", "/healthz", 405, "GET"),
    ("DELETE", "/readyz", 405, "GET"),
    ("POST", "/docs", 405, "GET, HEAD"),
    ("POST", "/openapi.json", 405, "GET, HEAD"),
    ("PUT", "/redoc", 405, "GET, HEAD"),
    ("GET", "/v1", 404, None),
    ("GET", "/v1/nope", 404, None),
    ("GET", "/v1/models", 404, None),
    ("POST", "/v1/completions", 404, None),
    ("GET", "/v1/documents/x/y", 404, None),
    ("GET", "/v1/documents/missing", 404, None),
    ("DELETE", "/v1/documents/missing", 404, None),
]
SLASHED = [  # trailing slashes: with the UI mounted they reach it (without it FastAPI redirects)
    ("GET", "/v1/", 404, None),
    ("POST", "/v1/ask/", 404, None),
    ("POST", "/v1/chat/completions/", 404, None),
    ("GET", "/v1/documents/", 404, None),
    ("GET", "/healthz/", 404, None),
    ("GET", "/docs/", 404, None),
]
UI_ERRORS = [  # routes of the mounted UI and unknown paths: {"error": {...}} plus Gradio's own keys
    ("GET", "/nope", 404, None),
    ("DELETE", "/nope", 404, None),
    ("HEAD", "/nope", 404, None),
    ("GET", "/docs/x", 404, None),
    ("GET", "/%2e%2e/etc/passwd", 404, None),
    ("GET", "/static/x.js", 404, None),
    ("GET", "/assets/x.js", 404, None),
    ("GET", "/svelte/x.js", 404, None),
    ("GET", "/custom_component/abc/x/y", 404, None),
    ("GET", "/gradio_api/nope", 404, None),
    ("GET", "/gradio_api/static/x", 404, None),
    ("POST", "/", 405, "GET"),
    ("OPTIONS", "/", 405, "GET"),
    ("GET", "/login", 405, "POST"),
    ("PUT", "/gradio_api/info", 405, "GET"),
    ("GET", "/gradio_api/call/show", 405, "POST"),
    ("GET", "/gradio_api/file/x", 403, None),
    ("GET", "/monitoring", 403, None),
    ("GET", "/gradio_api/proxy=http://x", 400, None),
    ("POST", "/gradio_api/queue/join", 422, None),
    ("POST", "/gradio_api/run/predict", 422, None),
    ("POST", "/login", 422, None),
    ("GET", "/gradio_api/upload_progress", 422, None),
]


def assert_error_shape(r, method: str, status: int, allow: str | None, *, alone: bool):
    assert r.status_code == status, (method, r.request.url, r.text[:300])
    assert r.headers["content-type"] == "application/json"
    if allow is not None:
        assert r.headers["allow"] == allow
    if method == "HEAD":
        assert r.content == b"" and int(r.headers["content-length"]) > 0
        return
    body = r.json()
    err = body["error"]
    assert err["status"] == status and err["type"] and isinstance(err["message"], str) and err["message"]
    assert "field" in err and "Traceback" not in r.text
    if alone:
        assert set(body) == {"error"}, body


@pytest.mark.parametrize("method, path, status, allow", API_ERRORS + SLASHED)
def test_api_errors_have_the_project_shape_with_the_ui_mounted(served, method, path, status, allow):
    r = served.request(method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
    assert_error_shape(r, method, status, allow, alone=True)


@pytest.mark.parametrize("method, path, status, allow", API_ERRORS)
def test_api_errors_have_the_project_shape_without_the_ui(corpus, method, path, status, allow):
    r = corpus.request(method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
    assert_error_shape(r, method, status, allow, alone=True)


@pytest.mark.parametrize("method, path, status, allow", UI_ERRORS)
def test_ui_and_unknown_route_errors_have_the_project_shape(served, method, path, status, allow):
    r = served.request(method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
    assert_error_shape(r, method, status, allow, alone=False)
    if method != "HEAD":
        assert "detail" in r.json()  # kept for the Gradio client, which reads it


def test_rewritten_errors_read_compressed_bodies_and_keep_validation_details(served):
    r = served.post("/gradio_api/queue/join", json={"data": "x" * 2000}, headers={"accept-encoding": "br, gzip"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "data"
    assert r.json()["error"]["details"][0]["type"] and isinstance(r.json()["detail"], list)
    r = served.request("DELETE", "/v1/ask")
    assert r.json()["error"]["message"] == "DELETE is not allowed on this path; use POST"


def test_the_mounted_ui_still_works(served):
    page = served.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert served.get("/config").status_code == 200 and "named_endpoints" in served.get("/gradio_api/info").json()
    r = served.post(
        "/v1/documents",
        json={"documents": [{"text": "Rain fell on Cairo on Monday.", "id": "rain-1", "title": "Rain"}]},
    )
    assert r.json()["results"][0]["status"] == "added"
    event = served.post("/gradio_api/call/show", json={"data": ["rain-1"]}).json()["event_id"]
    with served.stream("GET", f"/gradio_api/call/show/{event}") as s:
        assert s.status_code == 200 and s.headers["content-type"].startswith("text/event-stream")
        text = s.read().decode("utf-8")
    assert "event: complete" in text and "Rain fell on Cairo on Monday." in text
