"""The chat UI in a real headless Chromium: the app is served in-process on loopback (the HTTP API app with the
Blocks mounted by ``assistant.api.server.mount_ui``, as ``assistant chat`` does) with the fake LLM and the real
embedder over a copy of the sample corpus. Chromium comes from the system packages (/usr/bin/chromium); playwright
never downloads a browser. Screenshots land in tests/artifacts/ (chat-en.png, chat-ar.png, source-highlight.png)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, LAUNCH_ARGS

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
EN_QUESTION = "What did Russia say about Idlib?"
AR_QUESTION = "من ترأس الوفد الروسي الذي استقبله الأسد؟"
ANSWER_DONE = "#nqa-chat .nqa-answer, #nqa-chat .nqa-abstain, #nqa-chat .nqa-error"
XSS_TITLE = "<script>window.__pwned=1</script>Port deal"
XSS_TEXT = (
    "The ministry announced a new port deal in Tartus on Monday. <script>window.__pwned=1</script> "
    'Officials said the deal <img src=x onerror="window.__pwned=1"> covers grain shipments.\n'
    "Template text stays text: ${window.__pwned=1} {{value}} "
    "{{constructor.constructor('window.__pwned=1')()}}."
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui(sample_library, local_embedder, tmp_path_factory):
    """(base url, services) of the UI served on loopback over a copy of the sample library."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium chromium-driver)")
    pytest.importorskip("playwright.sync_api")
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    from assistant.backends.fake import FakeLLM
    from assistant.services import Services
    from assistant.settings import Settings
    from assistant.store.library import Library
    from assistant.ui import build_ui

    home = tmp_path_factory.mktemp("ui-home") / "home"
    shutil.copytree(sample_library.home, home)  # the session library stays untouched by uploads here
    settings = Settings(home=home, llm="fake", embedder="local")
    services = Services(settings, Library.from_settings(settings), local_embedder, FakeLLM())
    try:  # the way `assistant chat` serves it: the HTTP API with the UI mounted at /
        from assistant.api.app import create_app
        from assistant.api.server import mount_ui
    except ImportError:
        app = gr.mount_gradio_app(FastAPI(), build_ui(services), path="/")
    else:
        app = mount_ui(create_app(services, ui=True), services)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the UI server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/", services
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def page(ui):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(60_000)
        pg.goto(ui[0])
        pg.wait_for_selector("#nqa-question textarea")
        yield pg
        browser.close()


def _ask(page, question: str, n_answers: int) -> None:
    page.fill("#nqa-question textarea", question)
    page.click("#nqa-ask")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[ANSWER_DONE, n_answers])


def _direction(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).direction")


def _open_chip(page, chip_selector: str, cite_id: int) -> str:
    """Click a chip; return the textContent of the highlighted span once the viewer shows it."""
    page.click(chip_selector)
    mark = page.wait_for_selector(f"#nqa-viewer mark#cite-{cite_id}")
    page.wait_for_timeout(300)  # let scrollIntoView settle before screenshots
    return mark.text_content()


def test_english_question_streams_cites_and_highlights_the_span(page, ui):
    _, services = ui
    expected = services.answerer().ask(EN_QUESTION)  # deterministic: fake LLM, real embedder, same store
    assert not expected.abstained and expected.citations
    _ask(page, EN_QUESTION, 1)
    chips = page.locator("#nqa-chat .nqa-answer [data-citation]")
    assert chips.count() == len(re.findall(r"\[\d+\]", expected.answer))
    assert _direction(page, "#nqa-chat .nqa-question") == "ltr"
    assert _direction(page, "#nqa-chat .nqa-answer") == "rtl"  # the fake LLM restates the Arabic evidence
    # one card per cited article, holding each of its citations
    assert page.locator("#nqa-sources .nqa-source").count() == len({c.doc_id for c in expected.citations})
    assert page.locator("#nqa-sources .nqa-cited").count() == len(expected.citations)
    page.screenshot(path=str(ARTIFACTS / "chat-en.png"), full_page=True)

    first = expected.citations[0]
    assert _open_chip(page, "#nqa-chat .nqa-answer [data-citation='1']", 1) == first.quote
    article = services.library.get(first.doc_id).text
    assert page.text_content("#nqa-viewer .nqa-article-text") == article  # the text around the mark is intact
    assert _direction(page, "#nqa-viewer .nqa-article-text") == "rtl"
    assert _direction(page, "#nqa-sources .nqa-quote") == "rtl"
    in_view = page.eval_on_selector(
        "#nqa-viewer mark",
        """m => { const r = m.getBoundingClientRect();
        const box = m.closest('.nqa-article-text').getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom && r.top >= 0 && r.top < window.innerHeight; }""",
    )
    assert in_view, "the highlighted span was not scrolled into view"
    page.screenshot(path=str(ARTIFACTS / "source-highlight.png"), full_page=True)


def test_arabic_follow_up_reads_right_to_left(page):
    _ask(page, AR_QUESTION, 2)
    assert _direction(page, "#nqa-chat .nqa-question >> nth=1") == "rtl"
    page.screenshot(path=str(ARTIFACTS / "chat-ar.png"), full_page=True)
    assert page.locator("#nqa-chat .nqa-answer").count() == 2  # the fake LLM cites the reference article
    assert _direction(page, "#nqa-chat .nqa-answer >> nth=1") == "rtl"
    # The chip of the second turn opens the second answer's own citation [1], not the first answer's [1].
    quote = page.text_content("#nqa-sources .nqa-source >> nth=0 >> .nqa-quote")
    assert "لافرينتييف" in quote
    assert _open_chip(page, "#nqa-chat .nqa-answer >> nth=1 >> [data-citation='1']", 1) == quote


def _upload(page, paths: list[Path]) -> list[list[str]]:
    """Upload files on the Library tab, ingest them; return the result table's rows."""
    page.get_by_role("tab", name="Library").click()
    page.set_input_files("#nqa-upload input[type=file]", [str(p) for p in paths])
    # The upload has reached the server when the file component lists every file (name and suffix in 2 spans).
    page.wait_for_function(
        "(stems) => stems.every(s => document.querySelector('#nqa-upload').innerText.includes(s))",
        arg=[p.stem for p in paths],
    )
    page.click("#nqa-ingest")
    page.wait_for_function(
        """(names) => { const t = document.querySelector('#nqa-upload-results');
        return names.every(n => t.innerText.includes(n)); }""",
        arg=[p.name for p in paths],
    )
    return page.eval_on_selector_all(
        "#nqa-upload-results .virtual-row",
        """rows => rows.map(
        r => [...r.querySelectorAll('[role=gridcell]')].map(c => c.innerText.trim()))""",
    )


def test_upload_reports_each_file(page, tmp_path):
    good = tmp_path / "harbour-news.txt"
    good.write_text(
        "Harbour authority opens new terminal\nThe harbour authority opened a new container "
        "terminal on Tuesday, doubling capacity.\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "unterminated", "text": ', encoding="utf-8")
    rows = _upload(page, [good, broken])
    by_name = {r[0]: r for r in rows}
    assert set(by_name) == {"harbour-news.txt", "broken.json"}, rows
    assert by_name["harbour-news.txt"][1] == "ok" and by_name["harbour-news.txt"][2] == "1"
    assert by_name["broken.json"][1] == "failed"
    assert "broken.json: invalid JSON" in by_name["broken.json"][6], rows  # the reason, by the uploaded name
    page.fill("#nqa-search textarea", "Harbour")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#nqa-library-list').textContent.includes('Harbour')")


def test_article_html_never_executes(page, ui, tmp_path):
    payload = tmp_path / "xss.json"
    payload.write_text(
        json.dumps({"id": "xss-article", "title": XSS_TITLE, "text": XSS_TEXT, "lang": "en"}), encoding="utf-8"
    )
    rows = _upload(page, [payload])
    assert [r[:2] for r in rows] == [["xss.json", "ok"]], rows
    page.fill("#nqa-doc-id textarea", "xss-article")
    page.click("#nqa-show")
    page.wait_for_selector("#nqa-library-viewer .nqa-article-text")
    assert page.text_content("#nqa-library-viewer .nqa-article-text") == XSS_TEXT
    assert XSS_TITLE in page.text_content("#nqa-library-viewer .nqa-title")
    assert page.locator("#nqa-library-viewer script, #nqa-library-viewer img").count() == 0

    page.get_by_role("tab", name="Chat").click()
    _ask(page, "What did officials say the deal covers?", 3)  # the fake LLM restates the sentence with the payload
    answer = page.locator("#nqa-chat .nqa-answer >> nth=2")
    assert "<script>window.__pwned=1</script>" in answer.text_content()
    assert '<img src=x onerror="window.__pwned=1">' in _open_chip(
        page, "#nqa-chat .nqa-answer >> nth=2 >> [data-citation='1']", 1
    )
    assert XSS_TITLE in page.text_content("#nqa-sources .nqa-title")
    assert page.locator("#nqa-chat img, #nqa-sources img, #nqa-viewer img").count() == 0
    assert page.locator("#nqa-chat script, #nqa-sources script, #nqa-viewer script").count() == 0
    assert page.evaluate("() => typeof window.__pwned") == "undefined"


SLOW_S = 1.5
PARAPHRASES = [
    "The statement reports what was discussed at the meeting between the two sides about the situation.",
    "The statement describes the position that one side took on the situation in the area at the talks.",
    "The statement lists further matters that the two delegations talked about at the same meeting.",
]
PARAPHRASE = PARAPHRASES[0]


@pytest.fixture(scope="module")
def attributed_page(page, sample_library, local_embedder, tmp_path_factory):
    """A second UI in attributed mode whose fake model takes SLOW_S seconds per unit, so that the verified
    sentences of one answer reach the page one by one."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium chromium-driver)")
    import uvicorn

    from assistant.api.app import create_app
    from assistant.api.server import mount_ui
    from assistant.backends.fake import FakeLLM
    from assistant.services import Services
    from assistant.settings import Settings
    from assistant.store.library import Library

    calls = []

    def slow(messages):
        time.sleep(SLOW_S)
        calls.append(1)
        return PARAPHRASES[(len(calls) - 1) % len(PARAPHRASES)]  # distinct, or they are merged as duplicates

    home = tmp_path_factory.mktemp("ui-attr-home") / "home"
    shutil.copytree(sample_library.home, home)
    # The canned paraphrase is not a translation: the similarity bar is off so that it passes its checks.
    settings = Settings(
        home=home,
        llm="fake",
        embedder="local",
        answer_mode="attributed",
        min_support=-1.0,
        unit_min_relevance_cross=0.7,
    )
    llm = FakeLLM([slow] * 100)
    services = Services(settings, Library.from_settings(settings), local_embedder, llm)
    app = mount_ui(create_app(services, ui=True), services)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.1)
    pg = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})  # one playwright per process
    pg.set_default_timeout(60_000)
    pg.goto(f"http://127.0.0.1:{port}/")
    pg.wait_for_selector("#nqa-question textarea")
    yield pg, services
    pg.close()
    server.should_exit = True
    thread.join(timeout=15)


def test_attributed_sentences_appear_one_by_one(attributed_page):
    page, services = attributed_page
    page.evaluate("""() => { window.__counts = []; const seen = () => {
        const n = document.querySelectorAll('#nqa-chat .nqa-answer [data-citation]').length;
        if (!window.__counts.length || window.__counts[window.__counts.length - 1] !== n) window.__counts.push(n); };
        new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true}); }""")
    page.fill("#nqa-question textarea", EN_QUESTION)
    page.click("#nqa-ask")
    page.wait_for_function("() => document.querySelectorAll('#nqa-sources .nqa-cited').length >= 2", timeout=90_000)
    page.wait_for_function("() => document.querySelector('#nqa-viewer mark') !== null", timeout=90_000)
    counts = page.evaluate("() => window.__counts")
    shown = [n for n in counts if n]
    assert shown[0] == 1 and len(set(shown)) >= 2, counts  # one sentence first, then more, not all at once
    assert PARAPHRASE.rstrip(".") in page.text_content("#nqa-chat .nqa-answer")
    # the article panel follows the latest answer: its first citation is highlighted
    first_quote = page.text_content("#nqa-sources .nqa-quote >> nth=0")
    assert page.text_content("#nqa-viewer mark") == first_quote
    page.screenshot(path=str(ARTIFACTS / "chat-attributed.png"), full_page=True)
