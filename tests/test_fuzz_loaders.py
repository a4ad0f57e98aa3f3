"""Property-style fuzz of every loader: random and adversarial text/JSON/CSV/HTML/XML/Markdown bytes, each file
loaded under a time bound in a forked child (a hang fails fast instead of stalling the suite), then ingested
beside a good file: every bad file gets a result or a clear per-file error, never a traceback, and the good
file is always stored."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.backends.fake import FakeEmbedder
from assistant.store.library import Library
from ingest.loaders import iter_articles
from ingest.models import ItemError, LoadError, RawArticle
from ingest.pipeline import Ingestor
from tests.test_hardening import within

EXTENSIONS = [".txt", ".md", ".html", ".json", ".jsonl", ".csv", ".xml"]
PIECES = ["<", ">", "<a", "</p>", "&amp;", "&#x", "<!--", "<![CDATA[", "<!DOCTYPE x [<!ENTITY e 'x'>]>", "&e;",
          '"', ",", ";", "\t", "\n", "\r\n", "\ufeff", "\x00", "\xff", "#", "# ", "---\n", "title:", " " * 50,
          "{", "}", "[", "]", ":", '{"text":', '"text"', "text,title\n", "<rss><channel><item><description>",
          "</description></item></channel></rss>", "إدلب", "\u202e", "\ud800", ".", "؟", "a. b. c."]
text_strategy = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=40).map("".join),
)


def to_bytes(text: str, how: int) -> bytes:
    if how == 0:
        return text.encode("utf-8", "surrogatepass")
    if how == 1:
        return text.encode("utf-16", "surrogatepass")
    return text.encode("utf-8", "replace") + bytes(range(256))[how % 7 * 30 : how % 7 * 30 + 40]


def load_all(path) -> tuple[int, int]:
    """Articles and item errors of one file; a LoadError is a clear per-file error (counted as -1 articles)."""
    arts = errs = 0
    try:
        for item in iter_articles(path, max_chars=1_000_000):
            if isinstance(item, RawArticle):
                assert isinstance(item.text, str) and item.text.strip()
                arts += 1
            else:
                assert isinstance(item, ItemError) and item.reason
                errs += 1
    except LoadError as e:
        assert str(path) in str(e) and e.reason
        return -1, errs
    return arts, errs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(text=text_strategy, ext=st.sampled_from(EXTENSIONS), how=st.integers(0, 6),
       wrap=st.sampled_from(["raw", "json", "jsonl", "csv", "html"]))
def test_every_loader_returns_or_fails_clearly_within_a_time_bound(tmp_path_factory, text, ext, how, wrap):
    body = {"raw": text, "json": json.dumps({"text": text, "title": text[:20]}),
            "jsonl": json.dumps({"text": text}) + "\n" + text + "\n",
            "csv": 'title,text\n"' + text.replace('"', '""') + '",' + text + "\n",
            "html": f"<html><body><article><p>{text}</p></article></body></html>"}[wrap]
    path = tmp_path_factory.mktemp("fuzz") / f"f{ext}"
    path.write_bytes(to_bytes(body, how))
    kind, value = within(5, load_all, path)
    assert kind == "ok", value  # an exception other than LoadError is a traceback a user would see


def test_bad_files_beside_a_good_one_never_stop_the_ingest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = {"a.json": b"{" * 5000, "b.csv": b"text\n\"unclosed" + b"x" * 1000, "c.xml": b"<rss><channel><item>" * 500,
           "d.html": b"<" * 20000, "e.md": b"# a" + b" " * 50000 + b"b", "f.txt": b"\x00\x01\x02" * 100,
           "g.jsonl": b"\xff\xfe\x00garbage\n{\"text\": 5}\n", "h.txt": b""}
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    (folder / "zz-good.txt").write_text("The good article is stored. It has two sentences.", encoding="utf-8")
    lib = Library(tmp_path / "home")
    report = Ingestor(lib, FakeEmbedder()).ingest_paths([folder])
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert by_name["zz-good.txt"].status == "ok"
    for name in bad:
        f = by_name[name]
        assert f.status in ("ok", "partial", "failed", "unchanged")
        if f.status in ("partial", "failed"):
            assert f.errors and all(isinstance(e, str) and e for e in f.errors)
    assert any(r.title and "good" in r.text for r in lib.articles.list())
