"""``/v1/documents`` uploads over the fake backends: an edited upload replaces its earlier version under the
upload's own name (never the temporary path), an upload that would take a quadratic regex stays fast, and upload
folders left by a crash are removed when the app starts."""

from __future__ import annotations

import threading

import pytest

from tests.helpers import api_client

pytestmark = pytest.mark.usefixtures("fake_backends")


def test_an_edited_upload_replaces_its_earlier_version_and_the_temp_path_is_not_stored(tmp_path):
    c = api_client(tmp_path / "home")
    r1 = c.post("/v1/documents", files={"files": ("report.txt", b"The dam holds 10 million cubic metres. Fine.")})
    assert r1.status_code == 200 and r1.json()["results"][0]["added"] == 1
    r2 = c.post("/v1/documents", files={"files": ("report.txt", b"The dam holds 12 million cubic metres. Fine.")})
    assert r2.json()["results"][0]["updated"] == 1, r2.json()
    docs = c.get("/v1/documents").json()["documents"]
    assert len(docs) == 1
    assert docs[0]["locator"] == "report.txt"
    assert "12 million" in c.get(f"/v1/documents/{docs[0]['id']}").json()["text"]


def test_a_quadratic_markdown_upload_does_not_stall_the_api(tmp_path):
    c = api_client(tmp_path / "home")
    body = ("# a" + " " * 100_000 + "b\nSome text here. More text.").encode()
    got = []
    t = threading.Thread(
        target=lambda: got.append(c.post("/v1/documents", files={"files": ("t.md", body)})), daemon=True
    )  # not forked: the embedded Chroma's threads do not survive a fork
    t.start()
    t.join(20)
    assert not t.is_alive(), "the upload took longer than 20 s"
    assert got[0].status_code == 200 and got[0].json()["results"][0]["added"] == 1


def test_upload_folders_left_by_a_crash_are_removed_at_start(tmp_path):
    home = tmp_path / "home"
    left = home / "upload-tmp" / "upload-abc"
    left.mkdir(parents=True)
    (left / "a.txt").write_text("x", encoding="utf-8")
    c = api_client(home)
    assert not left.exists()
    r = c.post("/v1/documents", files={"files": ("b.txt", b"Some text here. More text.")})
    assert r.status_code == 200 and list((home / "upload-tmp").iterdir()) == []


@pytest.mark.parametrize("error,kind", [("read_only", "store_read_only"), ("damaged", "store_damaged")])
def test_a_store_the_server_cannot_write_is_503_not_the_callers_fault(tmp_path, monkeypatch, error, kind):
    from assistant.store.library import StoreDamaged, StoreReadOnly

    c = api_client(tmp_path / "home")
    exc = StoreReadOnly("/x/articles.db is read-only") if error == "read_only" else StoreDamaged("chroma is damaged")

    def refuse(doc_id):
        raise exc

    monkeypatch.setattr(c.app.state.services.library, "delete", refuse)
    r = c.delete("/v1/documents/some-id")
    assert r.status_code == 503 and r.json()["error"]["type"] == kind and str(exc) in r.json()["error"]["message"]
