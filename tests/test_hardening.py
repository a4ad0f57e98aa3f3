"""Hardening: inputs that used to lose data (batches over Chroma's limit, path-dependent identity, ...), each
built by the test, through the CLI and the HTTP API with the fake embedder and the fake LLM."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.cli import app
from assistant.store.consistency import check
from assistant.services import Services
from assistant.settings import Settings
from assistant.store.library import Library
from ingest.pipeline import Ingestor

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fake_backends(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_LLM", "fake")


def cli(*args, codes=(0,)):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code in codes, (r.exit_code, r.output, r.exception)
    return r


def within(seconds: float, fn, *args):
    """``fn(*args)`` in a forked child, killed after ``seconds``; returns its result (picklable) or fails the
    test naming the time bound, so a regression fails fast instead of hanging the suite."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target():
        try:
            child.send(("ok", fn(*args)))
        except BaseException as e:  # noqa: BLE001 - reported to the parent as a value
            child.send(("error", f"{type(e).__name__}: {e}"))

    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    ready = parent.poll(seconds)
    if not ready:
        proc.kill()
        proc.join()
        pytest.fail(f"{getattr(fn, '__name__', fn)} took longer than {seconds} s")
    kind, value = parent.recv()
    proc.join()
    return kind, value


def short_sentences(n: int, tag: str = "") -> str:
    return " ".join(f"Item {tag}{i} ok." for i in range(n))


def client(home, **over) -> TestClient:
    settings = Settings(home=home, llm="fake", embedder="fake", **over)
    return TestClient(create_app(Services(settings, Library(home), FakeEmbedder(), FakeLLM())))


# ------------------------------------------------------------------------------ 1. batches over Chroma's limit
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


def test_an_oversized_article_is_refused_by_name_and_the_others_are_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_INGEST_MAX_ARTICLE_CHARS", "5000")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "huge.txt").write_text(short_sentences(3000), encoding="utf-8")  # ~36k chars
    (folder / "rows.csv").write_text("title,text\nsmall,A small row. Fine.\nbig," + "x " * 20000
                                     + "\nlast,The last row is kept. Yes.\n", encoding="utf-8")
    (folder / "z.txt").write_text("After the huge one. Still stored.", encoding="utf-8")
    r = cli("ingest", folder, "--json", codes=(1,))
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(r.stdout)["files"]}
    assert files["huge.txt"]["status"] == "failed"
    assert "5000" in files["huge.txt"]["errors"][0] and "ASSISTANT_INGEST_MAX_ARTICLE_CHARS" in \
        files["huge.txt"]["errors"][0]
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


# ------------------------------------------------------------------------------------ 4. one doc per article
def test_the_same_file_by_another_path_is_one_article(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The minister said the bridge opens in May. Work began last year.",
                                    encoding="utf-8")
    cli("ingest", "a.txt")
    (tmp_path / "a.txt").write_text("The minister said the bridge opens in June. Work began last year.",
                                    encoding="utf-8")
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


def test_an_edited_upload_replaces_its_earlier_version_and_the_temp_path_is_not_stored(tmp_path):
    c = client(tmp_path / "home")
    r1 = c.post("/v1/documents", files={"files": ("report.txt", b"The dam holds 10 million cubic metres. Fine.")})
    assert r1.status_code == 200 and r1.json()["results"][0]["added"] == 1
    r2 = c.post("/v1/documents", files={"files": ("report.txt", b"The dam holds 12 million cubic metres. Fine.")})
    assert r2.json()["results"][0]["updated"] == 1, r2.json()
    docs = c.get("/v1/documents").json()["documents"]
    assert len(docs) == 1
    assert docs[0]["locator"] == "report.txt"
    assert "12 million" in c.get(f"/v1/documents/{docs[0]['id']}").json()["text"]


def test_an_upload_and_a_cli_ingest_of_the_same_file_are_one_article(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    (tmp_path / "note.txt").write_text("Old text of the note. Second sentence.", encoding="utf-8")
    cli("ingest", tmp_path / "note.txt")
    c = client(home)
    r = c.post("/v1/documents", files={"files": ("note.txt", b"New text of the note. Second sentence.")})
    assert r.json()["results"][0]["updated"] == 1, r.json()


# ------------------------------------------------------------------------------------------ 5. UI and keys
def ui_client(home, **over) -> TestClient:
    from assistant.api.server import build

    return TestClient(build(Settings(home=home, llm="fake", embedder="fake", **over), ui=True))


def basic(key: str, user: str = "api") -> dict:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


@pytest.fixture(scope="module")
def keyed_ui(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-keys")
    lib = Library(home)
    from ingest.models import RawArticle

    Ingestor(lib, FakeEmbedder()).ingest_articles([RawArticle(text="Secret article text. Keep it.", locator="s",
                                                              id="secret-1")])
    return ui_client(home, api_keys="k-123", api_read_auth=True)


def test_ui_routes_need_the_api_key(keyed_ui):
    c = keyed_ui
    assert c.get("/v1/documents/secret-1").status_code == 401  # as before: the API's own check
    for method, path, body in (("post", "/gradio_api/call/show", {"data": ["secret-1"]}),
                               ("post", "/gradio_api/call/delete", {"data": ["secret-1", ""]}),
                               ("get", "/", None), ("get", "/config", None), ("get", "/gradio_api/info", None)):
        r = getattr(c, method)(path, **({"json": body} if body is not None else {}))
        assert r.status_code == 401, (path, r.status_code, r.text[:200])
        assert r.headers["www-authenticate"].startswith("Basic")
        assert r.json()["error"]["field"] == "Authorization"
    assert c.post("/gradio_api/call/show", json={"data": ["secret-1"]}, headers=basic("wrong")).status_code == 401
    assert c.get("/v1/documents/secret-1", headers={"Authorization": "Bearer k-123"}).status_code == 200
    assert c.get("/healthz").status_code == 200


def test_ui_accepts_the_key_by_basic_login_or_bearer(keyed_ui):
    c = keyed_ui
    assert c.get("/", headers=basic("k-123")).status_code == 200
    r = c.post("/gradio_api/call/show", json={"data": ["secret-1"]}, headers={"Authorization": "Bearer k-123"})
    assert r.status_code == 200 and r.json().get("event_id")  # queued (the result streams from the queue)


def test_ui_stays_open_without_keys(tmp_path):
    assert ui_client(tmp_path / "home").get("/").status_code == 200


def test_eval_tab_reads_only_the_datasets_folder(tmp_path):
    from types import SimpleNamespace

    from assistant.ui.evaluation import EvalHandlers

    allowed = tmp_path / "datasets"
    allowed.mkdir()
    (allowed / "bad.txt").write_text("x", encoding="utf-8")
    outside = tmp_path / "private.json"
    outside.write_text("{}", encoding="utf-8")
    ev = EvalHandlers(SimpleNamespace(settings=Settings(home=tmp_path / "home", ui_eval_dir=allowed)))
    exists, _ = ev.run(str(outside), "", 5)
    missing, _ = ev.run(str(tmp_path / "nope.json"), "", 5)
    escape_up, _ = ev.run("../private.json", "", 5)
    assert exists == missing == escape_up and "must be inside" in exists  # no oracle for files outside
    inside, _ = ev.run("bad.txt", "", 5)
    assert "must be inside" not in inside  # a file inside is read (and reported on) normally


def test_eval_run_can_be_cancelled(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import eval.datasets.load
    import eval.runs.retrieval
    from assistant.ui.evaluation import EvalHandlers

    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "d.json").write_text("{}", encoding="utf-8")
    ev = EvalHandlers(SimpleNamespace(settings=Settings(home=tmp_path / "home"), embedder=FakeEmbedder()))
    asked = []
    monkeypatch.setattr(eval.datasets.load, "load_dataset", lambda *a, **k: SimpleNamespace(
        answerable=lambda: [1] * 100, name="d"))

    def fake_run(data, progress, **kw):
        for i in range(100):
            asked.append(i)
            if i == 3:
                assert "Cancelling" in ev.cancel()
            progress("question", 1)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(eval.runs.retrieval, "run_retrieval_eval", fake_run)
    summary, report = ev.run("d.json", "", 100)
    assert "cancelled" in summary and report == "" and len(asked) == 4
    assert "No eval is running" in ev.cancel()


def test_listening_beyond_loopback_without_keys_warns(monkeypatch):
    import assistant.api.server as server

    monkeypatch.setattr(server, "run", lambda *a, **k: None)
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--no-ui"])
    assert r.exit_code == 0 and "WARNING" in r.stderr and "ASSISTANT_API_KEYS" in r.stderr
    r = runner.invoke(app, ["serve", "--no-ui"])
    assert "WARNING" not in r.stderr
    monkeypatch.setenv("ASSISTANT_API_KEYS", "k")
    assert "WARNING" not in runner.invoke(app, ["chat", "--host", "0.0.0.0"]).stderr


# ------------------------------------------------------------------------------ 2. regexes on untrusted text
ADVERSARIAL_MD = {
    "heading then spaces": "# a" + " " * 100_000 + "b",
    "heading then ' #' runs": "# a" + " #" * 50_000 + "x",
    "front matter title then spaces": "---\ntitle: a" + " " * 100_000 + "b\n---\nbody text.",
    "unclosed front matter": "---\n" + "---   x\n" * 20_000,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL_MD))
def test_markdown_titles_are_linear_on_adversarial_input(name):
    from ingest.loaders import _markdown_title

    kind, _ = within(3, _markdown_title, ADVERSARIAL_MD[name])
    assert kind == "ok"


def test_markdown_titles_keep_their_meaning():
    from ingest.loaders import _markdown_title

    assert _markdown_title("---\ntitle: 'Front'\n---\n# Heading\n") == "Front"
    assert _markdown_title("intro\n  # The title ##  \nbody") == "The title"
    assert _markdown_title("# C# tips\n") == "C# tips"
    assert _markdown_title("#nospace\nFirst line") == "#nospace"
    assert _markdown_title("---\nauthor: x\n---\n\nBody first line\n") == "Body first line"


def test_feed_markup_check_is_linear():
    from ingest.loaders import _MARKUP

    kind, found = within(3, lambda: bool(_MARKUP.search("<a" * 100_000)))
    assert kind == "ok" and found is False
    assert _MARKUP.search("x <b>bold</b>") and _MARKUP.search("a &amp; b")


def test_a_quadratic_markdown_upload_does_not_stall_the_api(tmp_path):
    c = client(tmp_path / "home")
    body = ("# a" + " " * 100_000 + "b\nSome text here. More text.").encode()
    import threading

    got = []
    t = threading.Thread(target=lambda: got.append(c.post("/v1/documents", files={"files": ("t.md", body)})),
                         daemon=True)  # not forked: the embedded Chroma's threads do not survive a fork
    t.start()
    t.join(20)
    assert not t.is_alive(), "the upload took longer than 20 s"
    assert got[0].status_code == 200 and got[0].json()["results"][0]["added"] == 1


# --------------------------------------------------------------------------- 3. a bad byte deep in a CSV
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


# ------------------------------------------------------------------------------------------ 6. smaller ones
def test_an_unusable_home_is_one_line_naming_it(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_HOME", str(blocker / "home"))
    for args in (["docs", "list"], ["ingest", "-q", str(blocker)], ["docs", "check"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and r.exception is None or isinstance(r.exception, SystemExit), (args, r.exception)
        assert str(blocker / "home") in r.stderr and "Traceback" not in r.output
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_docs_list_escapes_newlines_and_bidi_controls(tmp_path):
    evil = "a\nFAKE\tLINE\u202eevil.txt"
    (tmp_path / "x.json").write_text(json.dumps({"text": "Some text here. More.", "title": evil,
                                                 "source": "s\u2066rc"}), encoding="utf-8")
    cli("ingest", tmp_path / "x.json")
    out = cli("docs", "list").stdout
    assert out.count("\n") == 1 and "\u202e" not in out and "\u2066" not in out
    assert "\\u202e" in out and "\\u000a" in out


def test_docs_check_repair_exits_0_when_it_ends_consistent(tmp_path):
    (tmp_path / "a.txt").write_text("Some text here. More text.", encoding="utf-8")
    cli("ingest", tmp_path / "a.txt")
    lib = Library.from_settings(Settings())
    lib.lexical.delete_doc(lib.articles.list()[0].id)  # drift: the lexical rows are gone
    cli("docs", "check", codes=(1,))
    r = cli("docs", "check", "--repair", codes=(0,))
    assert "now consistent" in r.stdout
    cli("docs", "check")


def test_an_impossible_date_filter_is_422(tmp_path):
    c = client(tmp_path / "home")
    r = c.post("/v1/ask", json={"question": "what?", "filters": {"date_from": "2019-13-45"}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "filters.date_from"
    assert c.post("/v1/ask", json={"question": "what?", "filters": {"date_from": "2019-12-31"}}).status_code == 200


def test_json_responses_say_nosniff_and_javascript_urls_are_refused(tmp_path):
    c = client(tmp_path / "home")
    assert c.get("/healthz").headers["x-content-type-options"] == "nosniff"
    r = c.post("/v1/documents", json={"documents": [{"text": "Some text. More.", "url": "javascript:alert(1)"}]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "documents[0].url"
    assert r.headers["x-content-type-options"] == "nosniff"
    ok = c.post("/v1/documents", json={"documents": [{"text": "Some text. More.", "url": "https://e.org/a"}]})
    assert ok.json()["results"][0]["status"] == "added"


def test_loaders_drop_non_web_urls(tmp_path):
    from ingest.loaders import iter_articles

    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"text": "x y.", "url": "javascript:alert(1)"}) + "\n"
                    + json.dumps({"text": "z w.", "url": "http://e.org/b"}) + "\n", encoding="utf-8")
    assert [a.url for a in iter_articles(path)] == [None, "http://e.org/b"]


def test_upload_folders_left_by_a_crash_are_removed_at_start(tmp_path):
    home = tmp_path / "home"
    left = home / "upload-tmp" / "upload-abc"
    left.mkdir(parents=True)
    (left / "a.txt").write_text("x", encoding="utf-8")
    c = client(home)
    assert not left.exists()
    r = c.post("/v1/documents", files={"files": ("b.txt", b"Some text here. More text.")})
    assert r.status_code == 200 and list((home / "upload-tmp").iterdir()) == []


def test_an_unreadable_path_on_the_command_line_is_reported_and_the_rest_ingested(tmp_path, monkeypatch):
    from pathlib import Path

    bad = tmp_path / "locked.txt"
    bad.write_text("x y.", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("A good file. Stored.", encoding="utf-8")
    real_is_dir = Path.is_dir

    def is_dir(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    r = cli("ingest", "-q", bad, good, codes=(1,))
    assert "locked.txt" in r.stderr and "Permission denied" in r.stderr
    assert Library.from_settings(Settings()).articles.count() == 1
