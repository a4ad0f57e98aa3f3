"""Ingest into the real embedded Chroma with the real embedder: idempotence, updates, duplicates, bad files,
and the docs commands, through the CLI as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings
from assistant.store.library import Library

pytestmark = pytest.mark.integration
runner = CliRunner()


def run(*args, ok_codes=(0,)):
    r = runner.invoke(app, list(args))
    assert r.exit_code in ok_codes, (r.exit_code, r.output, r.exception)
    return r


def library() -> Library:
    return Library.from_settings(Settings())


def test_ingest_is_idempotent_and_updates_replace_chunks(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    f = d / "story.txt"
    f.write_text(
        "Headline about Idlib.\nRussia backed the Syrian army in Idlib. Talks went on in Damascus.\n", encoding="utf-8"
    )
    out = json.loads(run("ingest", str(d), "--json").stdout)
    assert out["totals"]["added"] == 1
    lib = library()
    (doc_id,) = [r.id for r in lib.articles.list()]
    first_chunks = set(lib.index.chunk_ids(doc_id))
    assert first_chunks

    out = json.loads(run("ingest", str(d), "--json").stdout)
    assert out["totals"] == {"added": 0, "updated": 0, "unchanged": 1, "duplicates": 0, "chunks": 0, "failed_files": 0}
    assert set(lib.index.chunk_ids(doc_id)) == first_chunks

    f.write_text("Headline about Idlib.\nTurkey said nothing new.\n", encoding="utf-8")
    out = json.loads(run("ingest", str(d), "--json").stdout)
    assert out["totals"]["updated"] == 1
    new_chunks = set(lib.index.chunk_ids(doc_id))
    assert new_chunks and not (new_chunks & first_chunks)  # no stale chunk survives
    assert lib.index.count() == len(new_chunks)
    assert lib.get(doc_id).text == f.read_text(encoding="utf-8")


def test_same_text_is_stored_once(tmp_path):
    text = "وأكد الجانب الروسي دعمه للجيش العربي السوري في إدلب.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    out = json.loads(run("ingest", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--json").stdout)
    assert out["totals"]["added"] == 1 and out["totals"]["duplicates"] == 1
    assert library().articles.count() == 1


def test_broken_files_are_reported_and_the_rest_is_ingested(tmp_path):
    d = tmp_path / "mixed"
    d.mkdir()
    (d / "good.txt").write_text("The envoy met the president in Damascus.", encoding="utf-8")
    (d / "bad.json").write_text('{"title": "x", "text": ', encoding="utf-8")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    r = run("ingest", str(d), "--json", ok_codes=(1,))
    out = json.loads(r.stdout)
    status = {f["path"].rsplit("/", 1)[-1]: f for f in out["files"]}
    assert status["good.txt"]["status"] == "ok"
    assert status["bad.json"]["status"] == "failed" and "invalid JSON" in status["bad.json"]["errors"][0]
    assert status["empty.txt"]["status"] == "failed" and "empty" in status["empty.txt"]["errors"][0]
    assert "binary" in status["binary.txt"]["errors"][0]
    assert all(str(d) in f["errors"][0] for f in out["files"] if f["errors"])  # errors name the file
    assert library().articles.count() == 1


def test_missing_path_fails_with_its_name(tmp_path):
    r = run("ingest", str(tmp_path / "nope.txt"), ok_codes=(1,))
    assert "nope.txt" in r.output and "no such file" in r.output


def test_docs_list_show_delete(tmp_path):
    from tests.conftest import REFERENCE_ARTICLE

    run("ingest", str(REFERENCE_ARTICLE), "-q")
    listing = json.loads(run("docs", "list", "--json").stdout)
    assert len(listing) == 1 and listing[0]["lang"] == "ar"
    doc_id = listing[0]["id"]
    shown = json.loads(run("docs", "show", doc_id, "--json").stdout)
    assert shown["text"] == REFERENCE_ARTICLE.read_text(encoding="utf-8")
    assert shown["content_hash"] and shown["n_chunks"] >= 2
    run("docs", "delete", doc_id)
    assert json.loads(run("docs", "list", "--json").stdout) == []
    assert library().index.count() == 0
    r = run("docs", "show", doc_id, ok_codes=(1,))
    assert doc_id in r.output


def test_separate_homes_never_see_each_other(tmp_path, monkeypatch):
    from tests.conftest import REFERENCE_ARTICLE

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "one"))
    run("ingest", str(REFERENCE_ARTICLE), "-q")
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "two"))
    assert json.loads(run("docs", "list", "--json").stdout) == []
