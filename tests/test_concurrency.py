"""Readers during a write: questions are answered while an ingest adds and updates articles in the same home, and
no result or citation ever points at a half-written article or at text that is not the article's.

Supported modes (see :mod:`assistant.store.library`): a Chroma server shared by the ingesting process and the answering
one (both open ``articles.db`` and ``lexical.db`` in SQLite WAL mode), or one process that both serves and
ingests (the HTTP API: ``POST /v1/documents`` runs the ingest in a worker thread of the serving process). Two
processes on one *embedded* Chroma (``PersistentClient``) are not supported: with chromadb 1.5.9 the reading
process gets ``Error finding id`` / ``Nothing found on disk`` errors while the other writes.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_crash_safety import ASSISTANT, env_for, make_corpus  # tests/ is on sys.path (rootdir, no package)

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.retrieval.retriever import Retriever
from assistant.store.keys import content_hash
from assistant.store.library import Library, chunk_hash
from ingest.loaders import iter_articles, iter_files
from ingest.models import RawArticle
from ingest.pipeline import Ingestor

pytestmark = pytest.mark.slow  # answers while another thread or process ingests (6-8 s each)

CHROMA = str(Path(sys.executable).with_name("chroma"))
QUESTIONS = [
    "What did the minister announce about the ceasefire plan?",
    "ماذا قال المبعوث الأممي عن المحادثات في جنيف؟",
    "fuel prices in Beirut",
    "صفقة استيراد القمح في بغداد",
    "Who questioned the wheat import deal?",
]


def known_versions(*folders: Path) -> dict[str, str]:
    """content hash → text of every article version in the corpora."""
    out = {}
    for path, _ in iter_files(folders):
        for art in iter_articles(path):
            if isinstance(art, RawArticle):
                out[content_hash(art.text)] = art.text
    return out


class Checker:
    """Runs questions in a loop and records every violation of the read invariants."""

    def __init__(self, lib: Library, versions: dict[str, str]):
        self.lib, self.versions = lib, versions
        emb = FakeEmbedder()
        self.retriever = Retriever(lib, emb)
        self.answerer = Answerer(
            library=lib,
            embedder=emb,
            llm=FakeLLM(),
            options=AnswerOptions(min_relevance=0.0, min_relevance_cross=0.0, min_support=0.0),
        )
        self.queries = self.citations = self.hits = 0
        self.violations: list[str] = []

    def ready(self) -> dict[str, str]:
        """``{doc_id: content_hash}`` of every ready article, in one statement (one consistent snapshot)."""
        return dict(
            self.lib.articles._conn()
            .execute(
                "SELECT a.id, a.content_hash FROM articles a LEFT JOIN intents i ON i.doc_id = a.id "
                "WHERE i.doc_id IS NULL"
            )
            .fetchall()
        )

    def once(self, q: str) -> None:
        before = self.ready()
        hits = self.retriever.retrieve(q, top_k=5)
        after = self.ready()
        for h in hits:
            self.hits += 1
            # Each article goes v1 → pending → v2 at most once, so a chunk that was ready neither just before nor
            # just after the retrieval was not ready at any moment of it.
            hh = chunk_hash(h.chunk)
            if hh not in (before.get(h.chunk.doc_id), after.get(h.chunk.doc_id)):
                self.violations.append(f"chunk {h.chunk.chunk_id} of an article that was not ready with its hash")
            text = self.versions.get(chunk_hash(h.chunk) or "")
            if text is None or text[h.chunk.start : h.chunk.end] != h.chunk.text:
                self.violations.append(f"chunk {h.chunk.chunk_id} is no known version's text")
            if self.lib.articles.get(h.chunk.doc_id) is None:  # rows are never removed in these tests
                self.violations.append(f"chunk {h.chunk.chunk_id} of an article with no row")
        ans = self.answerer.ask(q)
        for c in ans.citations:
            self.citations += 1
            rec = self.lib.articles.get(c.doc_id)
            if rec is None:
                self.violations.append(f"citation of {c.doc_id}: no row")
            elif c.quote not in {t[c.start : c.end] for t in self.versions.values()} | {rec.text[c.start : c.end]}:
                self.violations.append(f"citation of {c.doc_id}: quote is not the article's text")
        self.queries += 1


def corpora(tmp_path: Path) -> tuple[Path, Path]:
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    make_corpus(v1, seed=1)
    make_corpus(v2, seed=2)  # same jsonl ids with new texts (updates) and new .txt files (adds)
    return v1, v2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [CHROMA, "run", "--path", str(tmp_path / "chroma-server"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            with socket.create_connection(("localhost", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the Chroma server did not start")
            time.sleep(0.2)
    yield port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_answers_while_another_process_ingests_through_a_chroma_server(tmp_path, chroma_server):
    v1, v2 = corpora(tmp_path)
    home = tmp_path / "home"
    lib = Library(home, chroma_host="localhost", chroma_port=chroma_server)
    Ingestor(lib, FakeEmbedder(), batch_chunks=3).ingest_paths([v1])
    checker = Checker(lib, known_versions(v1, v2))
    env = env_for(home, ASSISTANT_CHROMA_HOST="localhost", ASSISTANT_CHROMA_PORT=str(chroma_server))
    proc = subprocess.Popen(
        [ASSISTANT, "ingest", str(v2), "-q"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    during = 0
    i = 0
    while proc.poll() is None:
        checker.once(QUESTIONS[i % len(QUESTIONS)])
        i += 1
        during += proc.poll() is None
    out, err = proc.communicate()
    assert proc.returncode == 0, (out, err)
    assert during >= 3, "the ingest finished before the reader got going"
    assert not checker.violations, checker.violations[:5]
    assert checker.citations > 0 and checker.hits > 0
    assert not lib.articles.intents()
    print(
        f"\n{checker.queries} questions ({during} during the ingest), {checker.hits} hits, "
        f"{checker.citations} citations, 0 violations"
    )


def test_answers_while_the_same_process_ingests(tmp_path):
    """The API's mode: the serving process ingests in a worker thread while other threads answer."""
    v1, v2 = corpora(tmp_path)
    lib = Library(tmp_path / "home")
    Ingestor(lib, FakeEmbedder(), batch_chunks=3).ingest_paths([v1])
    checker = Checker(lib, known_versions(v1, v2))
    errors: list[BaseException] = []
    replace_doc = lib.lexical.replace_doc

    def slow_replace_doc(*a, **k):  # a slow disk: widen the window between the vector writes and the commit
        time.sleep(0.05)
        return replace_doc(*a, **k)

    lib.lexical.replace_doc = slow_replace_doc

    def ingest() -> None:
        try:
            Ingestor(lib, FakeEmbedder(), batch_chunks=2).ingest_paths([v2])
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    t = threading.Thread(target=ingest)
    t.start()
    i = during = 0
    while t.is_alive():
        checker.once(QUESTIONS[i % len(QUESTIONS)])
        i += 1
        during += t.is_alive()
    t.join()
    assert not errors, errors
    assert during >= 3 and not checker.violations, checker.violations[:5]
    assert checker.citations > 0
    assert not lib.articles.intents()
