"""Bidirectional layout of answers in a real headless Chromium (system package, /usr/bin/chromium): an Arabic
quote inside an English answer (and an English quote inside an Arabic one) keeps its guillemets at its own two
ends, beside its first and last words, however the line wraps. Read from the rendered page: the on-screen boxes of
the guillemets and of the quote's first and last words (``Range.getClientRects``)."""

from __future__ import annotations

import pytest

from assistant.ui import render
from tests.helpers import CHROMIUM, LAUNCH_ARGS

pytestmark = pytest.mark.integration


AR_QUOTE = "«أكد الجانب الروسي ضرورة إعادة الاستقرار إلى إدلب مع مواصلة محاربة الإرهابيين»"
EN_QUOTE = "«Russia stressed the need to restore stability in Idlib while fighting the terrorists»"

BOXES = """([open, first, last, close]) => {
  const root = document.querySelector('.nqa-answer');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const text = [];
  while (walker.nextNode()) text.push(walker.currentNode);
  function box(needle, fromEnd) {
    for (const node of text) {
      const i = fromEnd ? node.data.lastIndexOf(needle) : node.data.indexOf(needle);
      if (i < 0) continue;
      const r = document.createRange();
      r.setStart(node, i); r.setEnd(node, i + needle.length);
      const rects = [...r.getClientRects()];
      const b = rects[0];
      return {left: b.left, right: b.right, top: Math.round(b.top), bottom: Math.round(b.bottom)};
    }
    return null;
  }
  return {open: box(open, false), first: box(first, false), last: box(last, true), close: box(close, true),
          lines: new Set([...root.querySelectorAll('*'), root].flatMap(e => [...e.getClientRects()]
                 .map(r => Math.round(r.top)))).size};
}"""


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser.new_page(viewport={"width": 420, "height": 800})
        browser.close()


def layout(page, text: str, words: tuple[str, str]) -> dict:
    html = (
        f'<div class="nqa-answer" dir="auto" style="width:300px;font:16px/1.6 sans-serif">'
        f"{render.answer_text_html(text, 0, [1])}</div>"
    )
    page.set_content(f"<!doctype html><html><body>{html}</body></html>")
    return page.evaluate(BOXES, ["«", words[0], words[1], "»"])


def same_line(a: dict, b: dict) -> bool:
    return abs(a["top"] - b["top"]) <= 4


@pytest.mark.parametrize(
    "text,words,rtl_quote",
    [
        (f"The Arabic article says [1] — the part that answers: {AR_QUOTE}.", ("أكد", "الإرهابيين"), True),
        (f"{AR_QUOTE} — so the Russian side put it [1].", ("أكد", "الإرهابيين"), True),
        (f"يقول المقال الإنجليزي [1]: {EN_QUOTE}.", ("Russia", "terrorists"), False),
    ],
)
def test_guillemets_stay_beside_the_quote_they_open_and_close(page, text, words, rtl_quote):
    b = layout(page, text, words)
    assert b["lines"] >= 3, b  # the quote wraps: the case where its guillemets used to tear away
    assert same_line(b["open"], b["first"]) and same_line(b["close"], b["last"]), b
    if rtl_quote:  # an Arabic quote reads right to left: « right of its first word, » left of its last
        assert b["open"]["left"] >= b["first"]["right"] - 1 and b["open"]["left"] - b["first"]["right"] < 12, b
        assert b["close"]["right"] <= b["last"]["left"] + 1 and b["last"]["left"] - b["close"]["right"] < 12, b
    else:
        assert b["open"]["right"] <= b["first"]["left"] + 1 and b["first"]["left"] - b["open"]["right"] < 12, b
        assert b["close"]["left"] >= b["last"]["right"] - 1 and b["close"]["left"] - b["last"]["right"] < 12, b


def test_each_quote_is_its_own_isolate():
    html = render.answer_text_html(f"Says [1]: {AR_QUOTE} and “<b>x</b>”.", 0, [1])
    assert html.count('<bdi class="nqa-q" dir="auto">') == 2
    assert "<b>" not in html and "&lt;b&gt;" in html  # still escaped


def test_an_unverified_translation_is_folded_under_its_quote_until_asked_for(page):
    from assistant.answer.answerer import Answer, Citation

    quote = AR_QUOTE.strip("«»")
    sentence = {
        "sentence": f"The article says, in Arabic: {AR_QUOTE}",
        "kind": "quoted",
        "verified": True,
        "citations": [1],
        "marked": [{"start": 0, "end": 3}],
        "translation": {"text": "The Russian side stressed stability in Idlib.", "verified": False},
    }
    cite = Citation(id=1, doc_id="d", title="t", source=None, start=0, end=len(quote), quote=quote)
    answer = Answer(
        "What did Russia say?",
        "en",
        sentence["sentence"] + " [1]",
        False,
        [cite],
        [],
        {},
        sentences=[sentence],
        short_answer={"text": "Idlib", "citation": 1},
    )
    page.set_content(
        f"<!doctype html><html><head>{render.style_tag()}</head><body>{render.render_answer(answer, 0)}</body></html>"
    )
    translation = page.locator(".nqa-translation div")
    assert page.locator(".nqa-translation summary").inner_text() == "Machine translation (not verified)"
    assert not translation.is_visible()  # folded: the reader sees the quote, not the unchecked translation
    assert page.locator("mark.nqa-answering").inner_text() == "أكد"
    page.locator(".nqa-translation summary").click()
    assert translation.is_visible() and translation.inner_text() == "The Russian side stressed stability in Idlib."
