"""One store, several processes (real CLI and server processes, real embedded Chroma, fake backends):

- two ``assistant ingest`` runs started at once on one home keep every article of both, and ``docs check`` is
  clean; a writer that finds the store taken says who holds it (pid, command);
- a writer that waits past ``ASSISTANT_LOCK_TIMEOUT_S`` exits 3 naming the holder and the ways out;
- ``assistant ingest`` beside ``assistant serve`` taking uploads and answering questions: every article of both is
  stored, ``docs check`` is clean, the server never fails a request with a 5xx other than "store busy", and after
  the CLI ingest it retrieves the articles that process wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.api.server import free_port
from assistant.store.writelock import WriteLock

pytestmark = pytest.mark.slow  # each test runs CLI ingests in child processes (8-37 s)

ASSISTANT = [sys.executable, "-m", "assistant.cli"]
PER_RUN = 300


def env_for(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_HOME=str(home),
        ASSISTANT_LLM="fake",
        ASSISTANT_EMBEDDER="fake",
        ASSISTANT_ALLOW_MODEL_REQUESTS="0",
        **extra,
    )
    return env


def articles(folder: Path, prefix: str, n: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{prefix}-{i:03d}.txt").write_text(
            f"Report {prefix} {i}\nThe {prefix}{i} harbour council met on day {i}. It voted on plan {prefix}{i}.\n",
            encoding="utf-8",
        )
    return folder


def docs_count(home: Path) -> int:
    from assistant.store.articles import ArticleTable

    return ArticleTable(home / "articles.db").count()


READ_ALL = """
import sys
from pathlib import Path
from assistant.store.library import Library
lib = Library(Path(sys.argv[1]))
for index in (lib.index, lib.sentences):
    n = index.count()
    got = index.collection.get(include=["embeddings"])
    assert len(got["ids"]) == n and len(got["embeddings"]) == n, (len(got["ids"]), n)
print("readable", lib.index.count(), lib.sentences.count())
"""


def fresh_reader(home: Path) -> subprocess.CompletedProcess:
    """A new process reads every vector of both collections (a store written by two stale writers fails here
    with chromadb's "Error finding id")."""
    return subprocess.run(
        [sys.executable, "-c", READ_ALL, str(home)], env=env_for(home), capture_output=True, text=True, timeout=300
    )


def docs_check(home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*ASSISTANT, "docs", "check"], env=env_for(home), capture_output=True, text=True, timeout=300)


class Reader(threading.Thread):
    """Collects a process's stderr lines as they come (to see "waiting for the store" while it waits)."""

    def __init__(self, proc: subprocess.Popen):
        super().__init__(daemon=True)
        self.proc, self.lines = proc, []

    def run(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)


def start_ingest(home: Path, folder: Path, **extra: str) -> tuple[subprocess.Popen, Reader]:
    """``assistant ingest`` in small batches (16 chunks), so that two runs interleave many writes."""
    proc = subprocess.Popen(
        [*ASSISTANT, "ingest", "--quiet", str(folder)],
        env=env_for(home, ASSISTANT_INGEST_BATCH="16", **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = Reader(proc)
    reader.start()
    return proc, reader


def wait_until(cond, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_cli_ingests_at_once_keep_every_article(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    a = articles(tmp_path / "a", "alpha", PER_RUN)
    b = articles(tmp_path / "b", "beta", PER_RUN)
    holder = WriteLock(home, command="test holder")
    with holder.hold():  # both start while the store is taken, so both must wait and then take turns
        runs = [start_ingest(home, a), start_ingest(home, b)]
        wait_until(lambda: all(r.saw("waiting for the store") for _, r in runs), 120, "both ingests to wait")
    outs = []
    for proc, reader in runs:
        out = proc.stdout.read()
        assert proc.wait(timeout=600) == 0, (out, reader.lines)
        reader.join(timeout=10)
        outs.append(out)
    assert all(f"{PER_RUN} added" in out for out in outs), outs
    waited = [line for _, r in runs for line in r.lines if "waiting for the store" in line]
    assert all(f"pid {os.getpid()} (test holder)" in line or "assistant" in line for line in waited), waited
    assert docs_count(home) == 2 * PER_RUN
    check = docs_check(home)
    assert check.returncode == 0, check.stdout + check.stderr
    read = fresh_reader(home)
    assert read.returncode == 0, read.stderr[-2000:]
    print(
        f"\ntwo ingests at once: {outs[0].strip()} | {outs[1].strip()} -> {docs_count(home)} articles; "
        f"docs check: {check.stdout.strip().splitlines()[0]}"
    )


def test_a_writer_past_the_timeout_exits_3_naming_the_holder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    folder = articles(tmp_path / "in", "gamma", 2)
    with WriteLock(home, command="assistant serve --port 8000").hold():
        r = subprocess.run(
            [*ASSISTANT, "ingest", "--quiet", str(folder)],
            env=env_for(home, ASSISTANT_LOCK_TIMEOUT_S="1"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert f"pid {os.getpid()} (assistant serve --port 8000)" in r.stderr
    assert "POST /v1/documents" in r.stderr and "Traceback" not in r.stderr
    assert docs_count(home) == 0
    r = subprocess.run(
        [*ASSISTANT, "ingest", "--quiet", str(folder)], env=env_for(home), capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and docs_count(home) == 2, r.stderr  # the lock died with its holder's hold


@pytest.fixture
def server(tmp_path):
    home = tmp_path / "home"
    port = free_port()
    proc = subprocess.Popen(
        [*ASSISTANT, "serve", "--no-ui", "--port", str(port)],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            assert proc.poll() is None, proc.stdout.read()
            try:
                return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 120, "the server to start")
        yield url, home, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_cli_ingest_beside_a_server_taking_uploads(server, tmp_path):
    url, home, proc = server
    folder = articles(tmp_path / "cli", "delta", PER_RUN)
    statuses: list[int] = []
    uploaded = 0
    with httpx.Client(base_url=url, timeout=120) as client:
        ingest, reader = start_ingest(home, folder)
        k = 0
        while ingest.poll() is None or k < 10:
            files = [
                (
                    "files",
                    (
                        f"upload-{k}-{j}.txt",
                        f"Upload {k} {j}\nThe epsilon{k}x{j} ferry left port. "
                        f"Its crew counted {k * 10 + j} boxes.\n".encode(),
                    ),
                )
                for j in range(5)
            ]
            r = client.post("/v1/documents", files=files)
            statuses.append(r.status_code)
            if r.status_code == 200:
                uploaded += sum(f["added"] for f in r.json()["results"])
            a = client.post("/v1/ask", json={"question": f"What did the delta{k} harbour council vote on?"})
            statuses.append(a.status_code)
            assert a.status_code < 500 or a.json()["error"]["type"] == "store_busy", a.text
            k += 1
        assert ingest.wait(timeout=600) == 0, reader.lines
        assert proc.poll() is None  # the server is alive
        assert all(s == 200 for s in statuses), statuses
        assert docs_count(home) == PER_RUN + uploaded and uploaded == 5 * k
        # the server retrieves what the CLI process wrote
        r = client.post("/v1/ask", json={"question": "What did the delta299 harbour council vote on?", "top_k": 3})
        assert r.status_code == 200, r.text
        listed = client.get("/v1/documents", params={"limit": 1000}).json()["documents"]
        title_of = {d["id"]: d["title"] for d in listed}
        titles = [title_of.get(c["doc_id"]) for c in r.json()["retrieved"]]
        assert "Report delta 299" in titles, (titles, r.json())
    check = docs_check(home)
    assert check.returncode == 0, check.stdout + check.stderr
    read = fresh_reader(home)
    assert read.returncode == 0, read.stderr[-2000:]
    print(
        f"\nCLI ingest beside a server: {PER_RUN} by the CLI + {uploaded} uploaded in {k} requests -> "
        f"{docs_count(home)} articles; docs check: {check.stdout.strip().splitlines()[0]}"
    )


WRITE_MORE = """
import sys
from pathlib import Path
from assistant.backends.fake import FakeEmbedder
from assistant.store.library import Library
from ingest.models import RawArticle
from ingest.pipeline import Ingestor
arts = [RawArticle(text=f"Ferry {i} left the harbour of Tartus on day {i}.", locator=f"m{i}", id=f"more-{i}")
        for i in range(300)]
Ingestor(Library(Path(sys.argv[1])), FakeEmbedder()).ingest_articles(arts)
"""


def test_a_read_that_fails_on_a_store_written_meanwhile_is_retried_on_a_fresh_client(tmp_path):
    """A reader loaded before another process wrote, with the generation not yet replaced (that writer still at
    work): Chroma's filtered search fails on the stale client, and Library.read retries it on a fresh one."""
    from chromadb.errors import ChromaError

    from assistant.backends.fake import FakeEmbedder
    from assistant.store.library import Library
    from ingest.models import RawArticle
    from ingest.pipeline import Ingestor

    home = tmp_path / "home"
    lib = Library(home)
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [RawArticle(text=f"A first article number {i}.", locator=f"a{i}", id=f"first-{i}") for i in range(3)]
    )
    generation = (home / "generation").read_text(encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-c", WRITE_MORE, str(home)], env=env_for(home), capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    (home / "generation").write_text(generation, encoding="utf-8")  # as if that write session had not ended
    vector = FakeEmbedder().embed_query("Ferry left the harbour of Tartus")

    def filtered():
        return lib.index.collection.query(
            query_embeddings=[vector], n_results=50, where={"doc_id": {"$ne": "nothing"}}, include=[]
        )

    with pytest.raises(ChromaError):
        filtered()  # the stale client: what the retry is for
    found = lib.read(filtered)["ids"][0]
    assert len(found) == 50 and any(i.startswith("more-") for i in found)
