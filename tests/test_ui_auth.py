"""The chat UI behind the API keys: with ASSISTANT_API_KEYS every UI route (page, config, Gradio calls) needs the
key, by Basic login or Bearer, and answers 401 naming the Authorization header; without keys the UI is open. The
UI and API are built by ``assistant.api.server.build`` over the fake backends."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from assistant.backends.fake import FakeEmbedder
from assistant.settings import Settings
from assistant.store.library import Library
from ingest.models import RawArticle
from ingest.pipeline import Ingestor

pytestmark = pytest.mark.usefixtures("fake_backends")


def ui_client(home, **over) -> TestClient:
    from assistant.api.server import build

    return TestClient(build(Settings(home=home, llm="fake", embedder="fake", **over), ui=True))


def basic(key: str, user: str = "api") -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


@pytest.fixture(scope="module")
def keyed_ui(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-keys")
    lib = Library(home)
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [RawArticle(text="Secret article text. Keep it.", locator="s", id="secret-1")]
    )
    return ui_client(home, api_keys="k-123", api_read_auth=True)


def test_ui_routes_need_the_api_key(keyed_ui):
    c = keyed_ui
    assert c.get("/v1/documents/secret-1").status_code == 401  # as before: the API's own check
    for method, path, body in (
        ("post", "/gradio_api/call/show", {"data": ["secret-1"]}),
        ("post", "/gradio_api/call/delete", {"data": ["secret-1", ""]}),
        ("get", "/", None),
        ("get", "/config", None),
        ("get", "/gradio_api/info", None),
    ):
        r = getattr(c, method)(path, **({"json": body} if body is not None else {}))
        assert r.status_code == 401, (path, r.status_code, r.text[:200])
        assert r.headers["www-authenticate"].startswith("Basic")
        assert r.json()["error"]["field"] == "Authorization"
    assert c.post("/gradio_api/call/show", json={"data": ["secret-1"]}, headers=basic("wrong")).status_code == 401
    assert c.get("/v1/documents/secret-1", headers={"Authorization": "Bearer k-123"}).status_code == 200
    assert c.get("/healthz").status_code == 200


def test_ui_accepts_the_key_by_basic_login_or_bearer(keyed_ui):
    c = keyed_ui
    assert c.get("/", headers=basic("k-123")).status_code == 200
    r = c.post("/gradio_api/call/show", json={"data": ["secret-1"]}, headers={"Authorization": "Bearer k-123"})
    assert r.status_code == 200 and r.json().get("event_id")  # queued (the result streams from the queue)


def test_ui_stays_open_without_keys(tmp_path):
    assert ui_client(tmp_path / "home").get("/").status_code == 200
