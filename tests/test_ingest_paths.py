"""One article however its file is reached: by a relative or an absolute path, from another working folder, as an
upload of the same name; and two files of one name in different folders are two articles. Through the CLI and
the HTTP API with the fake embedder (links are in tests/test_ingest_identity.py)."""

from __future__ import annotations

import json

import pytest

from assistant.backends.fake import FakeEmbedder
from assistant.settings import Settings
from assistant.store.consistency import check
from assistant.store.library import Library
from ingest.pipeline import Ingestor
from tests.helpers import api_client, cli

pytestmark = pytest.mark.usefixtures("fake_backends")


def test_the_same_file_by_another_path_is_one_article(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(
        "The minister said the bridge opens in May. Work began last year.", encoding="utf-8"
    )
    cli("ingest", "a.txt")
    (tmp_path / "a.txt").write_text(
        "The minister said the bridge opens in June. Work began last year.", encoding="utf-8"
    )
    r = cli("ingest", tmp_path / "a.txt", "--json")
    assert json.loads(r.stdout)["totals"]["updated"] == 1
    lib = Library.from_settings(Settings())
    recs = lib.articles.list()
    assert len(recs) == 1 and "June" in recs[0].text
    assert check(lib).consistent


def test_a_folder_ingested_from_another_working_folder_is_the_same_articles(tmp_path, monkeypatch):
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "x.txt").write_text("First version of the story. It is short.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cli("ingest", "news")
    (folder / "sub" / "x.txt").write_text("Second version of the story. It is short.", encoding="utf-8")
    monkeypatch.chdir(folder)
    cli("ingest", ".")
    recs = Library.from_settings(Settings()).articles.list()
    assert [r.text.split()[0] for r in recs] == ["Second"]


def test_two_files_with_one_name_in_one_run_are_both_kept(tmp_path):
    for d, word in (("a", "Alpha"), ("b", "Beta")):
        (tmp_path / d).mkdir()
        (tmp_path / d / "index.txt").write_text(f"{word} story text. It is different.", encoding="utf-8")
    lib = Library(tmp_path / "home")
    report = Ingestor(lib, FakeEmbedder()).ingest_paths([tmp_path / "a" / "index.txt", tmp_path / "b" / "index.txt"])
    assert report.total("added") == 2 and lib.articles.count() == 2


def test_an_upload_and_a_cli_ingest_of_the_same_file_are_one_article(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    (tmp_path / "note.txt").write_text("Old text of the note. Second sentence.", encoding="utf-8")
    cli("ingest", tmp_path / "note.txt")
    c = api_client(home)
    r = c.post("/v1/documents", files={"files": ("note.txt", b"New text of the note. Second sentence.")})
    assert r.json()["results"][0]["updated"] == 1, r.json()
