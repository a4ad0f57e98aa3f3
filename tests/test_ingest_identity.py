"""One article, one document, however its file is named: a link and its target, a relative, an absolute and a
``..`` path, a file reached through a linked folder. Through the CLI, with the fake embedder."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings
from assistant.store.library import Library

runner = CliRunner()
V1 = "The harbour reopened on Monday. Ships queued at dawn."
V2 = "The harbour stayed closed on Monday. Ships waited offshore."


@pytest.fixture(autouse=True)
def _fake_backends(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_LLM", "fake")


def ingest(*paths) -> dict:
    r = runner.invoke(app, ["ingest", "--json", *map(str, paths)])
    assert r.exit_code == 0, (r.exit_code, r.output, r.exception)
    return json.loads(r.stdout)


def texts() -> list[str]:
    return [r.text for r in Library.from_settings(Settings()).articles.list()]


def test_a_link_then_its_edited_target_folder_then_the_link_again_is_one_document(tmp_path):
    news = tmp_path / "news"
    news.mkdir()
    (news / "story.txt").write_text(V1, encoding="utf-8")
    link = tmp_path / "latest.txt"
    link.symlink_to(news / "story.txt")

    assert ingest(link)["totals"]["added"] == 1
    (news / "story.txt").write_text(V2, encoding="utf-8")
    out = ingest(news)
    assert out["totals"]["updated"] == 1 and out["totals"]["added"] == 0, out
    assert texts() == [V2]

    again = ingest(link)["totals"]
    assert again["unchanged"] == 1 and again["duplicates"] == 0 and again["added"] == 0, again
    assert texts() == [V2]


def test_a_link_ingested_after_its_edited_target_updates_the_one_document(tmp_path):
    news = tmp_path / "news"
    news.mkdir()
    (news / "story.txt").write_text(V1, encoding="utf-8")
    (tmp_path / "alias.txt").symlink_to("news/story.txt")  # a relative link
    ingest(news)
    (news / "story.txt").write_text(V2, encoding="utf-8")
    out = ingest(tmp_path / "alias.txt")["totals"]
    assert out["updated"] == 1 and out["duplicates"] == 0, out
    assert texts() == [V2]


def test_a_link_beside_its_target_in_one_folder_is_one_document_in_one_run(tmp_path):
    news = tmp_path / "news"
    news.mkdir()
    (news / "story.txt").write_text(V1, encoding="utf-8")
    (news / "a-link.txt").symlink_to(news / "story.txt")
    out = ingest(news)
    statuses = sorted(f["status"] for f in out["files"])
    assert statuses == ["ok", "unchanged"] and out["totals"]["duplicates"] == 0, out
    assert len({d for f in out["files"] for d in f["doc_ids"]}) == 1
    assert texts() == [V1]


def test_relative_absolute_and_dotdot_paths_are_one_document(tmp_path, monkeypatch):
    (tmp_path / "news" / "sub").mkdir(parents=True)
    story = tmp_path / "news" / "story.txt"
    story.write_text(V1, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert ingest("news/story.txt")["totals"]["added"] == 1
    story.write_text(V2, encoding="utf-8")
    assert ingest(story)["totals"]["updated"] == 1
    story.write_text(V1, encoding="utf-8")
    assert ingest("news/sub/../story.txt")["totals"]["updated"] == 1
    assert ingest("./news/../news/story.txt")["totals"]["unchanged"] == 1
    assert texts() == [V1]


def test_a_file_reached_through_a_linked_folder_is_the_file_of_that_folder(tmp_path):
    real = tmp_path / "archive" / "2019"
    real.mkdir(parents=True)
    (real / "story.txt").write_text(V1, encoding="utf-8")
    root = tmp_path / "inbox"
    root.mkdir()
    (root / "latest").symlink_to(real, target_is_directory=True)
    assert ingest(root)["totals"]["added"] == 1
    (real / "story.txt").write_text(V2, encoding="utf-8")
    out = ingest(real)["totals"]
    assert out["updated"] == 1 and out["added"] == 0, out
    assert texts() == [V2]
