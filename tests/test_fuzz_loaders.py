"""Property-style fuzz of every loader: random and adversarial text/JSON/CSV/HTML/XML/Markdown bytes, each file
loaded under a time bound in a forked child (a hang fails fast instead of stalling the suite), then ingested
beside a good file: every bad file gets a result or a clear per-file error, never a traceback, and the good
file is always stored.

Then whole folder trees: good articles in every format and encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
Windows-1256, Latin-1) beside random bytes and adversarial text, in folders nested a few levels and in one deep
archive-like chain, under odd names (spaces, Arabic, control characters and escape sequences, bidi overrides,
bytes that are not UTF-8, leading dashes, names of 255 bytes). Checked: every file gets exactly one result, every
error names its file and is a reason (never an exception's type and message), the JSON report encodes, every
good article is in the store afterwards, and the store stays consistent. Bounded: 20 trees of at most 12
files, one library shared by all, a few seconds in all."""

from __future__ import annotations

import itertools
import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.backends.fake import FakeEmbedder
from assistant.store.consistency import check
from assistant.store.library import Library
from ingest.loaders import iter_articles
from ingest.models import ItemError, LoadError, RawArticle
from ingest.pipeline import Ingestor
from tests.helpers import within

pytestmark = pytest.mark.slow  # fuzzing: hypothesis examples, each load in a forked child

EXTENSIONS = [".txt", ".md", ".html", ".json", ".jsonl", ".csv", ".xml"]
PIECES = [
    "<",
    ">",
    "<a",
    "</p>",
    "&amp;",
    "&#x",
    "<!--",
    "<![CDATA[",
    "<!DOCTYPE x [<!ENTITY e 'x'>]>",
    "&e;",
    '"',
    ",",
    ";",
    "\t",
    "\n",
    "\r\n",
    "\ufeff",
    "\x00",
    "\xff",
    "#",
    "# ",
    "---\n",
    "title:",
    " " * 50,
    "{",
    "}",
    "[",
    "]",
    ":",
    '{"text":',
    '"text"',
    "text,title\n",
    "<rss><channel><item><description>",
    "</description></item></channel></rss>",
    "إدلب",
    "\u202e",
    "\ud800",
    ".",
    "؟",
    "a. b. c.",
]
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


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    text=text_strategy,
    ext=st.sampled_from(EXTENSIONS),
    how=st.integers(0, 6),
    wrap=st.sampled_from(["raw", "json", "jsonl", "csv", "html"]),
)
def test_every_loader_returns_or_fails_clearly_within_a_time_bound(tmp_path_factory, text, ext, how, wrap):
    body = {
        "raw": text,
        "json": json.dumps({"text": text, "title": text[:20]}),
        "jsonl": json.dumps({"text": text}) + "\n" + text + "\n",
        "csv": 'title,text\n"' + text.replace('"', '""') + '",' + text + "\n",
        "html": f"<html><body><article><p>{text}</p></article></body></html>",
    }[wrap]
    path = tmp_path_factory.mktemp("fuzz") / f"f{ext}"
    path.write_bytes(to_bytes(body, how))
    kind, value = within(5, load_all, path)
    assert kind == "ok", value  # an exception other than LoadError is a traceback a user would see


def test_bad_files_beside_a_good_one_never_stop_the_ingest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = {
        "a.json": b"{" * 5000,
        "b.csv": b'text\n"unclosed' + b"x" * 1000,
        "c.xml": b"<rss><channel><item>" * 500,
        "d.html": b"<" * 20000,
        "e.md": b"# a" + b" " * 50000 + b"b",
        "f.txt": b"\x00\x01\x02" * 100,
        "g.jsonl": b'\xff\xfe\x00garbage\n{"text": 5}\n',
        "h.txt": b"",
    }
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


# ----------------------------------------------------------------------------------------------- whole trees
NAME_PARTS = [
    "a",
    "news",
    "sub dir",
    " lead",
    "trail ",
    "أخبار",
    "تقرير إدلب",
    "-dash",
    "--help",
    "-",
    "é",
    "x\x1b[31my",
    "new\nline",
    "tab\there",
    "bell\x07",
    "\u202eevil",
    "caf\udce9",
    "\udcff\udcfe",
    "#hash",
    "a;b",
    "$(x)",
    "*",
    "?",
    "'q'",
    '"dq"',
    "\\back",
]
GOOD_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1256", "latin-1"]
GOOD_FORMATS = [".txt", ".md", ".html", ".json", ".jsonl", ".csv"]
_marker = itertools.count()
name_part = st.one_of(
    st.sampled_from(NAME_PARTS),
    st.lists(st.sampled_from(NAME_PARTS), min_size=2, max_size=3).map("".join),
    st.sampled_from(["L", "ل", "é", "-"]).map(lambda c: c * 300),
)


def fit(name: str, ext: str = "") -> str:
    """``name + ext`` cut to the 255 bytes a file name may have (a cut inside a UTF-8 letter leaves bytes that
    are not UTF-8: one more odd name)."""
    raw = os.fsencode(name)[: 255 - len(ext.encode())]
    base = os.fsdecode(raw)
    return base + ext if base and base not in (".", "..") and not base.startswith(".") else "n" + base[:200] + ext


def good_article(ext: str, encoding: str) -> tuple[bytes, str]:
    """A one-article file in ``ext`` and ``encoding`` and the unique marker its stored text must hold."""
    marker = f"zq{next(_marker)}k"
    text = {
        "cp1256": f"{marker} قال الوزير إن الميناء مغلق. وانتظرت السفن في البحر.",
        "latin-1": f"Le café {marker} a rouvert à Tartus. Les navires ont attendu.",
    }.get(encoding, f"Story {marker} about the port of Tartus. Ships waited; إدلب هادئة.")
    body = {
        ".txt": text,
        ".md": f"# Title\n\n{text}\n",
        ".html": f"<html><body><article><p>{text}</p></article></body></html>",
        ".json": json.dumps({"text": text}, ensure_ascii=False),
        ".jsonl": json.dumps({"text": text}, ensure_ascii=False) + "\n",
        ".csv": f'title,text\nT,"{text}"\n',
    }[ext]
    return body.encode(encoding), marker


entry = st.tuples(
    st.lists(name_part, max_size=3),
    name_part,
    st.booleans(),
    st.sampled_from(GOOD_FORMATS),
    st.sampled_from(GOOD_ENCODINGS),
    st.one_of(text_strategy.map(lambda t: ("text", t)), st.binary(max_size=300).map(lambda b: ("bytes", b))),
    st.integers(0, 6),
    st.sampled_from(EXTENSIONS + [".htm", ".rss", ".atom"]),
)
REASON_NOT_EXCEPTION = re.compile(r": [A-Z][A-Za-z]*(Error|Exception): ")


@pytest.fixture(scope="module")
def tree_library(tmp_path_factory):
    return Library(tmp_path_factory.mktemp("tree-home"))


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(entry, min_size=1, max_size=11), deep=st.integers(0, 60))
def test_a_tree_of_odd_names_encodings_and_bad_files_loses_no_article(tmp_path_factory, tree_library, entries, deep):
    root = tmp_path_factory.mktemp("tree")
    good: dict[str, str] = {}
    files: set[str] = set()
    if deep:  # an archive-like chain: d/d/d/.../story.txt
        data, marker = good_article(".txt", "utf-8")
        path = root.joinpath(*["d"] * deep, "story.txt")
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        good[str(path)] = marker
        files.add(str(path))
    for dirs, name, is_good, fmt, encoding, bad, how, bad_ext in entries:
        folder = root.joinpath(*(fit(d) for d in dirs))
        if is_good:
            data, marker = good_article(fmt, encoding)
            path = folder / fit(name, fmt)
        else:
            kind, value = bad
            data, marker = (to_bytes(value, how) if kind == "text" else value), None
            path = folder / fit(name, bad_ext)
        if str(path) in files:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue  # a file where a folder was asked for, or the reverse
        files.add(str(path))
        if marker:
            good[str(path)] = marker

    report = Ingestor(tree_library, FakeEmbedder()).ingest_paths([root])

    assert sorted(f.path for f in report.files) == sorted(files)  # one result per file, none lost or invented
    shown = report.to_dict()
    json.dumps(shown, ensure_ascii=False).encode("utf-8")  # the JSON report prints, whatever the names
    for f, d in zip(report.files, shown["files"], strict=True):
        assert f.status in ("ok", "partial", "failed", "unchanged"), f
        for e in d["errors"]:
            assert e.startswith(d["path"]) and len(e) > len(d["path"]) + 2, (d["path"], e)
            assert not REASON_NOT_EXCEPTION.search(e[len(d["path"]) :]), e
    stored = [r.text for r in tree_library.articles.list()]
    for path, marker in good.items():
        result = next(f for f in report.files if f.path == path)
        assert result.status in ("ok", "unchanged") and not result.errors, (path, result.to_dict())
        assert any(marker in t for t in stored), f"{path!r}: article {marker} is not in the store"
    assert check(tree_library).consistent


def test_every_format_in_every_encoding_is_stored_in_a_nested_folder(tmp_path):
    """The good files the tree fuzz draws from, every one of them at once (so none is left to chance)."""
    markers = {}
    for i, (fmt, encoding) in enumerate(itertools.product(GOOD_FORMATS, GOOD_ENCODINGS)):
        data, markers[f"{encoding}{fmt}"] = good_article(fmt, encoding)
        path = tmp_path / "in" / encoding / f"level {i % 3}" / f"{encoding}{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    lib = Library(tmp_path / "home")
    report = Ingestor(lib, FakeEmbedder()).ingest_paths([tmp_path / "in"])
    assert report.ok and report.total("added") == len(markers), report.to_dict()
    stored = [r.text for r in lib.articles.list()]
    assert not [k for k, m in markers.items() if not any(m in t for t in stored)]


def test_a_name_that_is_not_utf8_and_a_json_surrogate_are_stored_with_the_rest(tmp_path):
    """A file name with bytes that are not UTF-8 (the default source and the locator) and a ``\\ud800`` escape in
    JSON used to fail the whole write batch (Chroma and SQLite refuse lone surrogates): the good files beside
    them were lost too."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9 \xff.txt")).write_text("Latin-1 named file. It is stored.", encoding="utf-8")
    (folder / "lines.jsonl").write_text(
        '{"text": "Bad \\ud800 escape. Kept.", "title": "T\\udcff", "id": "x\\ud800"}\n'
        '{"text": "Second line. Also kept."}\n',
        encoding="utf-8",
    )
    (folder / "plain.txt").write_text("A plain good article. Stored.", encoding="utf-8")
    lib = Library(tmp_path / "home")
    report = Ingestor(lib, FakeEmbedder()).ingest_paths([folder])
    assert report.ok and report.total("added") == 4, report.to_dict()
    recs = {r.text: r for r in lib.articles.list()}
    assert "Bad \ufffd escape. Kept." in recs  # one character for one: offsets unchanged
    assert recs["Latin-1 named file. It is stored."].source == "caf\\xe9 \\xff"
    assert recs["Bad \ufffd escape. Kept."].title == "T\\xff"
    assert json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    assert Ingestor(lib, FakeEmbedder()).ingest_paths([folder]).total("unchanged") == 4  # same ids again
    assert check(lib).consistent


def test_odd_names_through_the_cli(tmp_path, monkeypatch):
    """Leading dashes (after ``--``), spaces, Arabic, escapes and bytes that are not UTF-8 in names, given
    directly and found in a folder: the CLI prints its report (JSON and text) without a traceback."""
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_LLM", "fake")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    names = [
        "-rf.txt",
        "--help.md",
        " lead space.txt",
        "تقرير إدلب.txt",
        "esc\x1b[31m.txt",
        os.fsdecode(b"\xff\xfe.txt"),
    ]
    for i, name in enumerate(names):
        (tmp_path / "dir" / name).write_text(f"Article number {i} here. It is short.", encoding="utf-8")
    (tmp_path / "-bad.json").write_text("{", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["ingest", "-q", "--json", "--", "dir", "-bad.json"])
    assert r.exit_code == 1 and (r.exception is None or isinstance(r.exception, SystemExit)), r.output
    out = json.loads(r.stdout)
    assert out["totals"]["added"] == len(names) and out["totals"]["failed_files"] == 1, out
    r = runner.invoke(app, ["ingest", "-q", "--", "dir", "-bad.json"])
    assert r.exit_code == 1 and "-bad.json: invalid JSON" in r.stderr and "Traceback" not in r.output
    assert f"{len(names)} unchanged" in r.stdout
