"""Store writes split to what the Chroma client accepts per call: 7,000 sentence vectors of one article, a client
limit lowered to 50, and the limit asked of the client. Fake embedder; the first test goes through the CLI."""

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


@pytest.mark.slow  # 7,000 sentence vectors (about 8 s)
def test_write_batches_are_split_to_what_the_store_accepts(tmp_path):
    """7,000 sentences in one .txt are 7,000 sentence vectors in one write; Chroma refuses more than 5,461
    per call. The file after it must be ingested too and the store must end consistent."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-big.txt").write_text(short_sentences(7000), encoding="utf-8")
    (folder / "b-good.txt").write_text("A good article follows the big one. It has two sentences.", encoding="utf-8")
    r = cli("ingest", folder, "--json")
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(r.stdout)["files"]}
    assert files["a-big.txt"]["status"] == "ok" and files["b-good.txt"]["status"] == "ok"
    lib = Library.from_settings(Settings())
    assert lib.articles.count() == 2
    assert check(lib).consistent
    assert lib.sentences.count() >= 7000


@pytest.mark.slow  # 2,100 sentences in writes of 50 (about 4 s)
def test_write_split_follows_the_client_limit(tmp_path):
    """The limit is the client's: with a store that accepts 50 records per call, 300 ordinary articles of
    short sentences still go in (one ingest batch holds thousands of sentences)."""
    lib = Library(tmp_path / "home")
    lib.index._max_batch = lib.sentences._max_batch = 50
    calls = []
    add = lib.sentences.collection.add

    def counting_add(**kw):
        calls.append(len(kw["ids"]))
        return add(**kw)

    object.__setattr__(lib.sentences.collection, "add", counting_add)
    from ingest.models import RawArticle

    arts = [RawArticle(text=short_sentences(70, f"{j}-"), locator=f"x#{j}", id=f"a{j}") for j in range(30)]
    res = Ingestor(lib, FakeEmbedder()).ingest_articles(arts)
    assert res.added == 30 and not res.errors
    assert calls and max(calls) <= 50
    assert check(lib).consistent


def test_the_client_is_asked_for_its_batch_limit(tmp_path):
    lib = Library(tmp_path / "home")
    assert lib.index.max_batch == min(lib.index._client.get_max_batch_size(), 5000)
