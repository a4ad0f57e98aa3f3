"""The article size limit (ASSISTANT_INGEST_MAX_ARTICLE_CHARS): an article over it is refused by name and the
rest of the run is stored; a file far over it is refused before it is read. Fake embedder."""

from __future__ import annotations

import json

import pytest

from assistant.backends.fake import FakeEmbedder
from assistant.settings import Settings
from assistant.store.consistency import check
from assistant.store.library import Library
from ingest.pipeline import Ingestor
from tests.helpers import cli, short_sentences

pytestmark = pytest.mark.usefixtures("fake_backends")


def test_an_oversized_article_is_refused_by_name_and_the_others_are_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_INGEST_MAX_ARTICLE_CHARS", "5000")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "huge.txt").write_text(short_sentences(3000), encoding="utf-8")  # ~36k chars
    (folder / "rows.csv").write_text(
        "title,text\nsmall,A small row. Fine.\nbig," + "x " * 20000 + "\nlast,The last row is kept. Yes.\n",
        encoding="utf-8",
    )
    (folder / "z.txt").write_text("After the huge one. Still stored.", encoding="utf-8")
    r = cli("ingest", folder, "--json", codes=(1,))
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(r.stdout)["files"]}
    assert files["huge.txt"]["status"] == "failed"
    assert (
        "5000" in files["huge.txt"]["errors"][0]
        and "ASSISTANT_INGEST_MAX_ARTICLE_CHARS" in files["huge.txt"]["errors"][0]
    )
    assert files["rows.csv"]["added"] == 2 and "rows.csv#2" in files["rows.csv"]["errors"][0]
    assert files["z.txt"]["status"] == "ok"
    assert check(Library.from_settings(Settings())).consistent


def test_a_file_far_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.md"
    path.write_text("# t\n" + "word " * 2000, encoding="utf-8")
    lib = Library(tmp_path / "home")
    ing = Ingestor(lib, FakeEmbedder(), max_article_chars=1000)
    report = ing.ingest_paths([path])
    assert report.files[0].failed and "too large" in report.files[0].errors[0]
