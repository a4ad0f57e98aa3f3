"""Loaders on untrusted input: Markdown title and feed markup patterns stay linear on adversarial text (each run in
a forked child under a time bound), an invalid byte deep in a CSV costs only its row, and URLs that are not
http(s) are dropped. Fake embedder where anything is stored."""

from __future__ import annotations

import json

import pytest

from assistant.backends.fake import FakeEmbedder
from assistant.store.library import Library
from ingest.loaders import _MARKUP, _markdown_title, iter_articles
from ingest.pipeline import Ingestor
from tests.helpers import within

pytestmark = pytest.mark.usefixtures("fake_backends")

ADVERSARIAL_MD = {
    "heading then spaces": "# a" + " " * 100_000 + "b",
    "heading then ' #' runs": "# a" + " #" * 50_000 + "x",
    "front matter title then spaces": "---\ntitle: a" + " " * 100_000 + "b\n---\nbody text.",
    "unclosed front matter": "---\n" + "---   x\n" * 20_000,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL_MD))
def test_markdown_titles_are_linear_on_adversarial_input(name):
    kind, _ = within(3, _markdown_title, ADVERSARIAL_MD[name])
    assert kind == "ok"


def test_markdown_titles_keep_their_meaning():
    assert _markdown_title("---\ntitle: 'Front'\n---\n# Heading\n") == "Front"
    assert _markdown_title("intro\n  # The title ##  \nbody") == "The title"
    assert _markdown_title("# C# tips\n") == "C# tips"
    assert _markdown_title("#nospace\nFirst line") == "#nospace"
    assert _markdown_title("---\nauthor: x\n---\n\nBody first line\n") == "Body first line"


def test_feed_markup_check_is_linear():
    kind, found = within(3, lambda: bool(_MARKUP.search("<a" * 100_000)))
    assert kind == "ok" and found is False
    assert _MARKUP.search("x <b>bold</b>") and _MARKUP.search("a &amp; b")


def test_a_csv_with_an_invalid_byte_past_64kb_keeps_every_good_row(tmp_path):
    filler = "padding " * 25
    rows = [f"t{i},Row number {i} says something {filler}. It ends here." for i in range(1, 331)]
    good = "title,text\n" + "\n".join(rows[:300]) + "\n"
    assert len(good.encode()) > 65536
    data = good.encode() + b"bad,This row has a bad byte \xff in it. Yes.\n" + ("\n".join(rows[300:]) + "\n").encode()
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    lib = Library(tmp_path / "home")
    fr = Ingestor(lib, FakeEmbedder(), batch_chunks=2000).ingest_paths([path]).files[0]
    assert fr.status == "partial" and fr.added == 330
    assert len(fr.errors) == 1 and "#301" in fr.errors[0] and "row 301" in fr.errors[0]
    assert lib.articles.count() == fr.added


def test_loaders_drop_non_web_urls(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"text": "x y.", "url": "javascript:alert(1)"})
        + "\n"
        + json.dumps({"text": "z w.", "url": "http://e.org/b"})
        + "\n",
        encoding="utf-8",
    )
    assert [a.url for a in iter_articles(path)] == [None, "http://e.org/b"]
