"""Store check and repair on stores a backup can produce: a read-only store, and copies torn by a write that ran
while they were taken.

Read-only: root writes every file whatever its mode, so the commands run in a child process that has dropped to
``nobody`` for good (the pattern of tests/test_ingest_unreadable.py: the interpreter lives under /root, which
``nobody`` cannot enter, so the child first runs every command as root on a scratch store to load its modules).
The child reports its uids and that it really cannot write the part made read-only; never skipped.

Torn copies are built deterministically, not by timing: one store is ingested in two steps with the library
left open (so the SQLite ``-wal`` files are part of each copy), copied after each step (moments 1 and 2, the
second with a persisted HNSW segment), and a copy of moment 2 is then damaged the ways a copy taken during a
write can be: a ``-wal`` file missing or from moment 1, ``chroma.sqlite3`` or the HNSW segment folders from
moment 1, a truncated ``data_level0.bin``, a missing segment folder, a truncated ``chroma.sqlite3``,
``lexical.db`` or ``articles.db``. Each is checked (drift reported, exit 1, no traceback), repaired (exit 0),
checked again (exit 0), and every article is either kept (present, found by its own text in the chunk and
sentence vectors and by hybrid retrieval) or named by the repair as not kept.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from assistant.backends.fake import FakeEmbedder
from assistant.retrieval.retriever import Retriever
from assistant.store.library import Library, StoreReadOnly
from ingest.pipeline import Ingestor
from tests.helpers import NOBODY, give_to_nobody, runner

pytestmark = [
    pytest.mark.usefixtures("fake_backends"),
    pytest.mark.slow,  # real Chroma folders copied and torn, many seconds in all: the full suite runs them
]

N1, N2 = 100, 400
"""Articles after moments 1 and 2 (3 sentences each: 1,200 sentence vectors in moment 2, past Chroma's HNSW
sync threshold of 1,000, so moment 2 has a persisted segment that moment 1 lacks)."""


WORDS = (
    "river market council harbour railway school clinic bridge museum stadium bakery library airport "
    "factory garden tunnel festival election drought harvest vaccine orchestra satellite glacier volcano "
    "monsoon caravan lantern compass meadow quarry vineyard"
).split()


def text_of(i: int) -> str:
    """Article ``i``: three sentences of words picked by ``i`` (distinct articles, so none is collapsed as a
    near-duplicate of another by retrieval)."""
    pick = [WORDS[(i * 7 + k * 13 + i // len(WORDS)) % len(WORDS)] for k in range(9)]
    return (
        f"Report {i} on the {pick[0]} and the {pick[1]} of {pick[2]}. The {pick[3]} met the {pick[4]} on "
        f"day {i}. Officials said {pick[5]} {pick[6]} {pick[7]} {pick[8]} {i * 7} times."
    )


def corpus(folder: Path, lo: int, hi: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(lo, hi):
        (folder / f"a{i:04d}.txt").write_text(text_of(i), encoding="utf-8")
    return folder


def run(*args: str):
    from assistant.cli import app

    r = runner.invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), (args, r.exception, r.output)
    assert "Traceback" not in r.output, r.output
    return r


def segments(home: Path) -> list[Path]:
    return sorted(p for p in (home / "chroma").iterdir() if p.is_dir())


def big_segment(home: Path) -> Path:
    return max(segments(home), key=lambda p: (p / "data_level0.bin").stat().st_size)


def checkpoint(db: Path) -> None:
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


@pytest.fixture(scope="module")
def moments(tmp_path_factory):
    base = tmp_path_factory.mktemp("moments")
    home = base / "home"
    lib = Library(home)
    ingestor = Ingestor(lib, FakeEmbedder(), batch_chunks=64)
    assert ingestor.ingest_paths([corpus(base / "c1", 0, N1)]).ok
    shutil.copytree(home, base / "m1")  # the library is open: its -wal files are copied too
    for c in (lib.articles._conn(), lib.lexical._conn()):  # moment 2's commits stay in the -wal files
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA wal_autocheckpoint=0")
    assert ingestor.ingest_paths([corpus(base / "c2", N1, N2)]).ok
    shutil.copytree(home, base / "m2")
    m1, m2 = base / "m1", base / "m2"
    assert (m1 / "articles.db-wal").exists() and (m2 / "lexical.db-wal").exists()
    assert (big_segment(m2) / "index_metadata.pickle").exists()  # persisted in moment 2 only
    assert not (m1 / "chroma" / big_segment(m2).name / "index_metadata.pickle").exists()
    return m1, m2, set(lib.articles.summary())


def _wal_missing(d: Path, m1: Path) -> None:
    (d / "articles.db-wal").unlink()
    (d / "articles.db-shm").unlink()


def _wal_from_moment_1(d: Path, m1: Path) -> None:
    shutil.copy(m1 / "articles.db-wal", d / "articles.db-wal")
    (d / "articles.db-shm").unlink()


def _chroma_sqlite_from_moment_1(d: Path, m1: Path) -> None:
    shutil.copy(m1 / "chroma" / "chroma.sqlite3", d / "chroma" / "chroma.sqlite3")


def _segments_from_moment_1(d: Path, m1: Path) -> None:
    for seg in segments(d):
        shutil.rmtree(seg)
        shutil.copytree(m1 / "chroma" / seg.name, seg)


def _level0_truncated(d: Path, m1: Path) -> None:
    f = big_segment(d) / "data_level0.bin"
    os.truncate(f, f.stat().st_size // 2)


def _segment_missing(d: Path, m1: Path) -> None:
    shutil.rmtree(big_segment(d))


def _chroma_sqlite_truncated(d: Path, m1: Path) -> None:
    os.truncate(d / "chroma" / "chroma.sqlite3", 100_000)


def _lexical_truncated(d: Path, m1: Path) -> None:
    checkpoint(d / "lexical.db")
    os.truncate(d / "lexical.db", (d / "lexical.db").stat().st_size // 8192 * 4096)


def _articles_truncated(d: Path, m1: Path) -> None:
    checkpoint(d / "articles.db")
    os.truncate(d / "articles.db", (d / "articles.db").stat().st_size // 8192 * 4096)  # half, whole pages


TORN = {  # variant: (how it is made, what `docs check` must say)
    "articles-wal-missing": (_wal_missing, "orphan chunks"),
    "articles-wal-from-moment-1": (_wal_from_moment_1, "orphan chunks"),
    "chroma-sqlite-from-moment-1": (_chroma_sqlite_from_moment_1, "missing chunks"),
    "hnsw-segments-from-moment-1": (_segments_from_moment_1, "sentence vectors: unreadable (Error finding id)"),
    "hnsw-level0-truncated": (_level0_truncated, "sentence vectors: unreadable (data_level0.bin of segment "),
    "hnsw-segment-missing": (_segment_missing, "sentence vectors: unreadable (Error finding id)"),
    "chroma-sqlite-truncated": (
        _chroma_sqlite_truncated,
        "chunk vectors: unreadable (database disk image is malformed)",
    ),
    "lexical-truncated": (_lexical_truncated, "lexical index: unreadable (database disk image is malformed)"),
    "articles-truncated": (_articles_truncated, "articles: unreadable ("),
}


def torn_copy(moments, variant: str, home: Path) -> set[str] | None:
    """A damaged copy of moment 2 in ``home``; returns the article ids its ``articles.db`` still reads, or None
    when SQLite cannot read them all."""
    m1, m2, _ = moments
    shutil.copytree(m2, home)
    TORN[variant][0](home, m1)
    scratch = Path(tempfile.mkdtemp(prefix="nqa-torn-"))
    try:
        for f in home.glob("articles.db*"):
            shutil.copy(f, scratch / f.name)
        with sqlite3.connect(scratch / "articles.db") as c:
            return {r[0] for r in c.execute("SELECT id FROM articles")}
    except sqlite3.DatabaseError:
        return None
    finally:
        shutil.rmtree(scratch)


def not_found_by_its_text(lib: Library, doc_id: str) -> str | None:
    """None when the article is among the nearest chunks (and its first sentence among the nearest sentences) to
    its own text, and hybrid retrieval finds it; else what was found instead. (HNSW search is approximate and the
    test articles are much alike, so "among the nearest 5", not "the nearest".)"""
    rec = lib.articles.get(doc_id)
    embed = FakeEmbedder().embed_passages
    chunk = [h.chunk.doc_id for h in lib.index.query(embed([rec.text])[0], 5)]
    sentence = [h.chunk.doc_id for h in lib.sentences.query(embed([rec.text[: rec.text.index(".") + 1]])[0], 5)]
    hybrid = [h.chunk.doc_id for h in Retriever(lib, FakeEmbedder()).retrieve(rec.text, top_k=3)]
    ok = doc_id in chunk and doc_id in sentence and doc_id in hybrid
    return None if ok else f"{doc_id}: chunk {chunk}, sentence {sentence}, hybrid {hybrid}"


@pytest.mark.parametrize("variant", sorted(TORN))
def test_a_torn_copy_is_reported_then_repaired_keeping_or_naming_every_article(moments, variant, tmp_path, monkeypatch):
    home = tmp_path / "copy"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    survivors = torn_copy(moments, variant, home)
    everyone = moments[2]

    r = run("docs", "check")
    assert r.exit_code == 1 and "DRIFT" in r.stdout and TORN[variant][1] in r.stdout, r.output

    r = run("docs", "check", "--repair", "--json")
    assert r.exit_code == 0, r.output
    repaired = json.loads(r.stdout)["repaired"]
    assert repaired["consistent_after"], repaired
    assert run("docs", "check").exit_code == 0

    lib = Library(home)
    kept = set(lib.articles.summary())
    not_kept = {name.split(" ", 1)[0] for name in repaired["not_kept"]}
    if survivors is not None:
        assert survivors <= kept, sorted(survivors - kept)[:5]  # every row that survived is kept
    assert kept and kept | not_kept == everyone, sorted(everyone - kept - not_kept)[:5]  # the rest is named
    assert not kept & not_kept
    sample = sorted(kept)[:: max(1, len(kept) // 15)]
    missed = [m for m in (not_found_by_its_text(lib, d) for d in sample) if m]
    assert not missed, missed


def test_a_chroma_folder_that_cannot_be_opened_fails_other_commands_in_one_line(moments, tmp_path, monkeypatch):
    home = tmp_path / "copy"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    torn_copy(moments, "chroma-sqlite-truncated", home)
    assert run("docs", "list").exit_code == 0  # the articles alone are intact
    for args in (["ask", "--no-stream", text_of(3)], ["ingest", "-q", str(tmp_path)]):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert r.stderr.strip().count("\n") == 0 and "assistant docs check --repair" in r.stderr, r.stderr
        assert str(home / "chroma") in r.stderr and "malformed" in r.stderr
    r = run("docs", "check", "--repair")
    assert r.exit_code == 0 and "chroma.broken-" in r.stdout, r.output
    assert any(p.name.startswith("chroma.broken-") for p in home.iterdir())


def test_an_article_table_that_cannot_be_read_at_all_says_to_restore_it(moments, tmp_path, monkeypatch):
    home = tmp_path / "copy"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    torn_copy(moments, "articles-wal-missing", home)
    (home / "articles.db").write_bytes(b"\0garbage" * 1000)
    r = run("docs", "list")
    assert r.exit_code == 2 and "articles.db" in r.stderr and r.stderr.strip().count("\n") == 0, r.output
    r = run("docs", "check")
    assert r.exit_code == 1 and "articles: unreadable (file is not a database)" in r.stdout, r.output
    r = run("docs", "check", "--repair")
    assert r.exit_code == 2 and "restore articles.db from a backup" in r.stdout, r.output
    assert (home / "chroma").is_dir() and not any(p.name.startswith("chroma.broken") for p in home.iterdir())


def test_a_chroma_write_that_fails_during_the_repair_rebuilds_the_vectors_and_ends_consistent(
    moments, tmp_path, monkeypatch
):
    from chromadb.errors import InternalError

    from assistant.store.chunks import ChunkIndex

    home = tmp_path / "copy"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    torn_copy(moments, "articles-wal-missing", home)  # orphan chunks to delete
    real, calls = ChunkIndex.delete_ids, []

    def fails_once(self, ids):
        calls.append(len(ids))
        if len(calls) == 1:
            raise InternalError("Error executing plan: Internal error: Error finding id")
        return real(self, ids)

    monkeypatch.setattr(ChunkIndex, "delete_ids", fails_once)
    r = run("docs", "check", "--repair")
    assert r.exit_code == 0, r.output
    assert "a repair write failed: Error finding id" in r.stdout and "collection dropped" in r.stdout, r.stdout
    monkeypatch.setattr(ChunkIndex, "delete_ids", real)
    assert run("docs", "check").exit_code == 0
    assert len(Library(home).articles.summary()) == N1  # the rows of moment 1 (main file without its -wal)


def test_an_embedder_that_fails_during_the_repair_leaves_the_vectors_alone(moments, tmp_path, monkeypatch):
    from assistant.errors import BackendError

    home = tmp_path / "copy"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    torn_copy(moments, "lexical-truncated", home)

    def down(self, texts):
        raise BackendError("the embedder is down")

    monkeypatch.setattr(FakeEmbedder, "embed_passages", down)
    r = run("docs", "check", "--repair")
    assert r.exit_code == 2 and r.stderr.strip() == "error: the embedder is down", r.output
    lib = Library(home)
    assert lib.index.count() == N2 and lib.sentences.count() == 3 * N2  # not dropped for the embedder's fault


# ------------------------------------------------------------------------------------------------ read-only
CHILD = """
import json, os, sys
from typer.testing import CliRunner
from assistant.cli import app

store, warm, doc_id, parts = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
runner = CliRunner()
READERS = [["docs", "list"], ["docs", "show", doc_id], ["ask", "--json", "Report 7 on the"],
           ["docs", "check"]]
WRITERS = [["ingest", "-q", os.path.join(warm, "in")], ["docs", "delete", doc_id], ["docs", "check", "--repair"]]
if os.geteuid() == 0:  # load every module the commands need while still root, then drop to nobody for good
    os.environ["ASSISTANT_HOME"] = os.path.join(warm, "home")
    for args in READERS + WRITERS:
        runner.invoke(app, args)
    os.setgroups([])
    os.setgid(NOBODY_ID)
    os.setuid(NOBODY_ID)
out = {"euid": os.geteuid(), "uid": os.getuid(), "runs": {}}
for part in parts:
    home = os.path.join(store, part.replace("/", "-"))
    os.environ["ASSISTANT_HOME"] = home
    target = os.path.join(home, part) if part != "home" else home
    try:  # really without write access to that part
        if os.path.isdir(target):
            open(os.path.join(target, "probe"), "w", encoding="utf-8").close()
        else:
            open(target, "a", encoding="utf-8").close()
        writable = True
    except PermissionError:
        writable = False
    runs = []
    for args in READERS + WRITERS:
        r = runner.invoke(app, args)
        runs.append({"args": args, "code": r.exit_code, "stdout": r.stdout, "stderr": r.stderr,
                     "exception": None if r.exception is None or isinstance(r.exception, SystemExit)
                     else repr(r.exception)})
    out["runs"][part] = {"writable": writable, "runs": runs}
print(json.dumps(out))
""".replace("NOBODY_ID", str(NOBODY))

READ_ONLY_PARTS = ["home", "articles.db", "lexical.db", "write.lock", "chroma", "chroma/chroma.sqlite3"]


def test_a_read_only_store_is_read_and_each_writer_fails_in_one_line_naming_the_part(shared_tmp, monkeypatch):
    source = shared_tmp / "source"
    lib = Library(source)
    assert Ingestor(lib, FakeEmbedder()).ingest_paths([corpus(shared_tmp / "c", 0, 12)]).ok
    doc_id = sorted(lib.articles.summary())[0]
    del lib
    warm = shared_tmp / "warm"
    shutil.copytree(source, warm / "home")
    corpus(warm / "in", 100, 101)
    store = shared_tmp / "store"
    for part in READ_ONLY_PARTS:
        shutil.copytree(source, store / part.replace("/", "-"))
    give_to_nobody(shared_tmp)
    for part in READ_ONLY_PARTS:
        home = store / part.replace("/", "-")
        targets = [home, *home.rglob("*")] if part == "home" else [home / part]
        if part == "chroma":
            targets = [home / "chroma", *(home / "chroma").rglob("*")]
        for p in targets:
            p.chmod(p.stat().st_mode & ~0o222)

    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(store), str(warm), doc_id, json.dumps(READ_ONLY_PARTS)],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["euid"] != 0 and out["uid"] != 0, out
    for part, got in out["runs"].items():
        assert got["writable"] is False, part  # the test really runs without write access to that part
        readers, writers = got["runs"][:4], got["runs"][4:]
        for r in got["runs"]:
            assert r["exception"] is None and "Traceback" not in r["stdout"] + r["stderr"], (part, r)
        for r in readers:
            assert r["code"] == 0, (part, r)
        assert "12 articles" in readers[0]["stderr"], (part, readers[0])
        assert "Report " in readers[1]["stdout"]
        answer = json.loads(readers[2]["stdout"])
        assert answer["citations"] or answer["closest_sources"], (part, answer)  # the vectors were read
        assert "consistent" in readers[3]["stdout"]
        home = store / part.replace("/", "-")
        named = str(home if part == "home" else home / part)
        for r in writers:
            errors = [line for line in r["stderr"].splitlines() if line.startswith("error:")]
            assert r["code"] == 2 and len(errors) == 1, (part, r)
            assert f"{named} is read-only" in errors[0] and "writable folder" in errors[0], (part, errors)
    assert (store / "home" / "articles.db").stat().st_mode & 0o222 == 0  # nothing was made writable


def test_a_writer_on_a_store_made_read_only_after_it_opened_refuses_before_writing(tmp_path, monkeypatch):
    """As root (``os.access`` is what the writer asks): a part that turns read-only is named before any write."""
    lib = Library(tmp_path / "home")
    monkeypatch.setattr(os, "access", lambda p, mode: not str(p).endswith("lexical.db"))
    with pytest.raises(StoreReadOnly, match=r"lexical\.db is read-only.*writable folder"):
        with lib.writing():
            pytest.fail("the write session must not start")
