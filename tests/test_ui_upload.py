"""The Library tab's upload event reads only files that Gradio's upload route received: a raw HTTP call to the
event that names a server path (a file outside the upload folder, or a link planted inside it) gets a
"not an uploaded file" row and nothing of that file reaches the store; a real upload through
``/gradio_api/upload`` is ingested. With API keys off and on, through a real server."""

from __future__ import annotations

import json
import os

import httpx
import pytest

from assistant.api.server import BackgroundServer, build
from assistant.settings import Settings
from assistant.store.library import Library

SECRET = "Server-only secret text that nobody uploaded. It must never be ingested."


def call_upload(client: httpx.Client, files: list[dict], headers: dict) -> list:
    """POST the upload event, then read its SSE stream to the ``complete`` event; returns the event's outputs."""
    r = client.post("/gradio_api/call/upload", json={"data": [files, "auto", "", ""]}, headers=headers)
    assert r.status_code == 200, r.text
    event_id = r.json()["event_id"]
    with client.stream("GET", f"/gradio_api/call/upload/{event_id}", headers=headers) as s:
        kind = None
        for line in s.iter_lines():
            if line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: ") and kind in ("complete", "error"):
                assert kind == "complete", line
                return json.loads(line[len("data: ") :])
    raise AssertionError("the event stream ended without a result")


def file_data(path: str, name: str | None = None) -> dict:
    return {"path": path, "orig_name": name or os.path.basename(path), "meta": {"_type": "gradio.FileData"}}


@pytest.fixture(params=["keys off", "keys on"])
def server(request, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio-uploads"))
    keyed = request.param == "keys on"
    home = tmp_path / "home"
    settings = Settings(home=home, llm="fake", embedder="fake", api_keys="k-1" if keyed else [])
    headers = {"Authorization": "Bearer k-1"} if keyed else {}
    with (
        BackgroundServer(build(settings, ui=True), lifespan="on") as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        yield client, headers, home, tmp_path


def stored_texts(home) -> list[str]:
    return [rec.text for rec in Library(home).articles.list()]


def test_a_server_path_is_refused_and_never_read(server):
    client, headers, home, tmp_path = server
    outside = tmp_path / "config.txt"
    outside.write_text(SECRET, encoding="utf-8")
    upload_dir = tmp_path / "gradio-uploads"
    upload_dir.mkdir(exist_ok=True)
    planted = upload_dir / "planted.txt"  # a link inside the upload folder that points outside it
    planted.symlink_to(outside)
    results, status, listing, _ = call_upload(
        client, [file_data(str(outside)), file_data(str(planted)), file_data(f"{upload_dir}/../config.txt")], headers
    )
    rows = results["data"]
    assert [r[1] for r in rows] == ["failed", "failed", "failed"], rows
    assert all("not an uploaded file" in r[6] for r in rows), rows
    assert stored_texts(home) == []
    assert SECRET not in json.dumps(listing)


def test_a_file_sent_through_the_upload_route_is_ingested(server):
    client, headers, home, tmp_path = server
    r = client.post(
        "/gradio_api/upload", files={"files": ("note.txt", b"A harbour note.\nShips came in today.\n")}, headers=headers
    )
    assert r.status_code == 200, r.text
    [path] = r.json()
    results, status, listing, _ = call_upload(client, [file_data(path, "note.txt")], headers)
    assert [r[:3] for r in results["data"]] == [["note.txt", "ok", 1]], results
    assert any("Ships came in today." in t for t in stored_texts(home))


def test_the_upload_event_needs_the_key_when_keys_are_set(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio-uploads"))
    settings = Settings(home=tmp_path / "home", llm="fake", embedder="fake", api_keys="k-1")
    with (
        BackgroundServer(build(settings, ui=True), lifespan="on") as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        r = client.post(
            "/gradio_api/call/upload", json={"data": [[file_data(str(tmp_path / "x.txt"))], "auto", "", ""]}
        )
        assert r.status_code == 401
        r = client.post("/gradio_api/upload", files={"files": ("n.txt", b"x")})
        assert r.status_code == 401
