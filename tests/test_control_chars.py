"""Control characters in articles and file names: a text with a stray escape sequence is ingested and stored
verbatim, and no control character or escape sequence reaches a terminal (``docs show``, ``failed:`` lines,
``ask``) or the page (:mod:`assistant.ui.render`). With the fake backends."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings
from assistant.store.library import Library
from assistant.text.safe import display_text
from assistant.ui import render

runner = CliRunner()
ANSI = "The envoy said \x1b[31mno\x1b[0m to the plan.\x07 Talks resume in Geneva on Monday.\n"
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(autouse=True)
def _fake_backends(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_LLM", "fake")


def cli(*args, codes=(0,)):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code in codes, (r.exit_code, r.output, r.exception)
    return r


# ------------------------------------------------------------------------------------------- display_text
def test_display_text_removes_sequences_and_controls_but_keeps_lines_tabs_and_arabic_marks():
    shown = display_text("a\x1b[1;31mred\x1b[0m b\x1b]0;title\x07 c\x07d\x00e\x9b2Jf\x7fg\th\r\ni\rj\u200fك\udcff")
    assert shown == "ared b cdefg\th\r\ni\nj\u200fك\ufffd"
    assert display_text("\x1b(B\x1b7x\x1bc\x1b") == "x"


def test_display_text_one_line_escapes_every_control_and_bidi_character():
    shown = display_text("a\nb\tc\x1b[31m\u202eexe.txt\u2066\u2028\x85\udcff", one_line=True)
    assert shown == "a\\u000ab\\u0009c\\u001b[31m\\u202eexe.txt\\u2066\\u2028\\u0085\\xff"
    assert display_text("إدلب report.txt", one_line=True) == "إدلب report.txt"


# ----------------------------------------------------------------------------------------- ingest and CLI
def test_a_txt_with_an_escape_sequence_is_stored_verbatim_and_docs_show_prints_no_control(tmp_path):
    (tmp_path / "ansi.txt").write_text(ANSI, encoding="utf-8")
    out = json.loads(cli("ingest", "--json", tmp_path / "ansi.txt").stdout)
    assert out["totals"]["added"] == 1, out
    [rec] = Library.from_settings(Settings()).articles.list()
    assert rec.text == ANSI  # stored verbatim: citation offsets count into it
    shown = cli("docs", "show", rec.id).stdout
    assert "\x1b" not in shown and "\x07" not in shown and not CONTROLS.search(shown)
    assert "The envoy said no to the plan. Talks resume in Geneva" in shown
    assert json.loads(cli("docs", "show", rec.id, "--json").stdout)["text"] == ANSI


def test_a_failed_file_with_an_escape_in_its_name_is_printed_without_it(tmp_path):
    bad = tmp_path / "bad\x1b[2J\x1b]0;owned\x07\u202egnp.txt"
    bad.write_bytes(b"")
    (tmp_path / "good.txt").write_text("A good article. It is stored.", encoding="utf-8")
    r = cli("ingest", "-q", tmp_path, codes=(1,))
    failed = [line for line in r.stderr.splitlines() if "failed:" in line]
    assert len(failed) == 1 and "empty file" in failed[0], r.stderr
    assert not CONTROLS.search(r.stderr) and "\u202e" not in r.stderr
    assert "bad\\u001b[2J\\u001b]0;owned\\u0007\\u202egnp.txt" in failed[0]


def test_ask_prints_the_quoted_article_without_its_controls(tmp_path):
    (tmp_path / "ansi.txt").write_text(ANSI, encoding="utf-8")
    cli("ingest", "-q", tmp_path / "ansi.txt")
    r = cli("ask", "--no-stream", "What did the envoy say to the plan?")
    assert "envoy" in r.stdout, r.stdout
    assert not CONTROLS.search(r.output), r.output


# --------------------------------------------------------------------------------------------------- page
def test_rendered_article_title_and_sources_carry_no_control_characters():
    text = "Intro \x1b[31mred\x1b[0m text.\x07 The cited part here. End\x1b]0;x\x07."
    start = text.index("The cited")
    end = start + len("The cited part here.")
    html = render.render_article(
        text,
        title="Title \x1b[1mbold\x1b[0m\x07",
        start=start,
        end=end,
        cite_id=1,
        meta={"source": "wire\u202etxt.exe", "lang": "en"},
    )
    assert not CONTROLS.search(html) and "\u202e" not in html
    assert '<mark id="cite-1">The cited part here.</mark>' in html
    assert "Intro red text." in html and "Title bold" in html and "wire\\u202etxt.exe" in html
    for part in (
        render.render_status("1 file: bad\x1b[2J.txt"),
        render.render_error("x\x07y"),
        render.render_user("q\x1b[5m?"),
        render.render_draft("d\x1b[0m"),
        render.render_trace(
            [{"chunk_id": "c", "doc_id": "d", "score": 1.0}], {"c": {"text": "chunk \x1b[31mtext", "title": "t\x1b"}}
        ),
    ):
        assert not CONTROLS.search(part), part
