"""The ``assistant`` command's own behaviour, in-process through typer's runner with the fake backends: the
warning when serving beyond loopback without keys, one line naming an unusable home, control characters escaped
in ``docs list``, ``docs check --repair`` exit codes, and an unreadable path reported while the rest is ingested.
(Writer-lock exit codes are in tests/test_store_processes.py, control characters in tests/test_control_chars.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import app
from assistant.settings import Settings
from assistant.store.library import Library
from tests.helpers import cli, runner

pytestmark = pytest.mark.usefixtures("fake_backends")


def test_listening_beyond_loopback_without_keys_warns(monkeypatch):
    import assistant.api.server as server

    monkeypatch.setattr(server, "run", lambda *a, **k: None)
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--no-ui"])
    assert r.exit_code == 0 and "WARNING" in r.stderr and "ASSISTANT_API_KEYS" in r.stderr
    r = runner.invoke(app, ["serve", "--no-ui"])
    assert "WARNING" not in r.stderr
    monkeypatch.setenv("ASSISTANT_API_KEYS", "k")
    assert "WARNING" not in runner.invoke(app, ["chat", "--host", "0.0.0.0"]).stderr


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
    (tmp_path / "x.json").write_text(
        json.dumps({"text": "Some text here. More.", "title": evil, "source": "s\u2066rc"}), encoding="utf-8"
    )
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


def test_an_unreadable_path_on_the_command_line_is_reported_and_the_rest_ingested(tmp_path, monkeypatch):
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


def test_ask_shows_unverified_translations_apart_and_labelled(tmp_path, monkeypatch):
    from assistant.answer.answerer import Answer, Citation, StreamEvent

    quote = "أكد الجانب الروسي دعمه للجيش."
    sentence = {
        "sentence": f"The article says, in Arabic: «{quote}»",
        "citations": [1],
        "kind": "quoted",
        "verified": True,
        "translation": {"text": "The Russian side\x1b[31m stressed its support.", "verified": False},
    }
    answer = Answer(
        "What did Russia say?",
        "en",
        sentence["sentence"] + " [1]",
        False,
        [Citation(1, "d", "t", "s", 0, len(quote), quote)],
        [],
        {},
        sentences=[sentence],
    )

    class Stub:
        def stream(self, *a, **kw):
            yield StreamEvent("final", answer=answer)

    monkeypatch.setattr("assistant.services.make_answerer", lambda settings: Stub())
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    out = cli("ask", "What did Russia say?", "--no-stream").output
    assert "stressed" not in out and "1 unverified machine translation(s) of the quotes hidden" in out  # folded
    out = cli("ask", "What did Russia say?", "--no-stream", "--translations").output
    head, _, rest = out.partition("Machine translations of the quotes (not verified")
    assert "«" in head and "stressed" not in head  # the answer itself is the quote
    assert "[1] The Russian side stressed its support." in rest and "\x1b" not in rest
