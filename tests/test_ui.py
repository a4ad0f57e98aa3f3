"""The chat UI's rendering (pure functions) and its handlers, without a browser: exact highlights, escaping,
dir="auto" on every text block, abstention and removed-sentence rendering, one chip per marker; the chat handler
streaming into a fake library; uploads with per-file results and the size limit."""

from __future__ import annotations

import re
from html import escape, unescape
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from assistant.answer.answerer import Answer, Citation
from assistant.ui import render

ARTICLE = 'قال الوزير: "الاستقرار في إدلب ضروري" <b>bold</b> & more.\nسطر ثانٍ.'
QUOTE = '"الاستقرار في إدلب ضروري" <b>bold</b>'
START = ARTICLE.index(QUOTE)
END = START + len(QUOTE)
TEXT_BLOCKS = {"nqa-answer", "nqa-quote", "nqa-article-text", "nqa-title", "nqa-question", "nqa-draft"}


def cite(n: int, quote: str = QUOTE, title: str = "Idlib talks", doc_id: str = "doc-1") -> Citation:
    return Citation(n, doc_id, title, "agency", START, START + len(quote), quote, None, "ar")


def answer(text: str, citations, **kw) -> Answer:
    return Answer("q?", "en", text, kw.pop("abstained", False), citations, [], {}, **kw)


class Elements(HTMLParser):
    """Every start tag as (tag, attrs dict)."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def blocks_without_dir_auto(html: str) -> list:
    return [
        (t, a)
        for t, a in Elements(html).found
        if TEXT_BLOCKS & set((a.get("class") or "").split()) and a.get("dir") != "auto"
    ]


def test_highlight_wraps_exactly_the_cited_span():
    html = render.render_article(
        ARTICLE, title="t", meta={"source": "agency", "lang": "ar"}, start=START, end=END, cite_id=3
    )
    body = re.search(r'<div class="nqa-article-text" dir="auto">(.*)</div></article>$', html, re.S).group(1)
    before, rest = body.split('<mark id="cite-3">')
    inside, after = rest.split("</mark>")
    assert inside == escape(QUOTE)
    assert before == escape(ARTICLE[:START]) and after == escape(ARTICLE[END:])
    assert unescape(before + inside + after) == ARTICLE  # nothing added, dropped or normalized
    assert html.count("<mark") == 1


def test_out_of_range_span_shows_the_article_without_highlight():
    html = render.render_article(ARTICLE, start=5, end=len(ARTICLE) + 10, cite_id=1)
    assert "<mark" not in html and escape(ARTICLE) in html


def test_script_in_titles_and_texts_is_escaped_everywhere():
    evil = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    c = Citation(1, "doc-1", evil, evil, 0, len(evil), evil, None, "en")
    pieces = [
        render.render_article(evil + " tail", title=evil, meta={"source": evil}, start=0, end=len(evil), cite_id=1),
        render.render_sources(answer(f"{evil} [1].", [c]), {"doc-1": {"source": evil, "published": evil}}, 0),
        render.render_answer(answer(f"{evil} [1].", [c]), 0),
        render.render_answer(
            answer(
                evil,
                [],
                abstained=True,
                removed=[{"sentence": evil, "reason": evil}],
                closest_sources=[{"doc_id": "d", "title": evil, "source": evil, "score": 0.5}],
            ),
            0,
        ),
        render.render_trace([{"doc_id": evil, "chunk_id": evil, "score": 0.5}], {evil: {"text": evil, "title": evil}}),
        render.render_user(evil),
        render.render_draft(evil),
        render.render_error(evil),
    ]
    for html in pieces:
        tags = {t for t, _ in Elements(html).found}
        assert not tags & {"script", "img"}, html
        assert "&lt;script&gt;" in html
        assert not any(k.startswith("on") for _, a in Elements(html).found for k in a)


def test_every_text_block_reads_in_its_own_direction():
    a = answer(
        "Russia stressed stability [1]. وأكد الجانب الروسي دعمه [2].",
        [cite(1), cite(2)],
        removed=[{"sentence": "جملة محذوفة", "reason": "no valid citation"}],
    )
    article = render.render_article(ARTICLE, title="عنوان", start=START, end=END, cite_id=1)
    pieces = [
        render.render_answer(a, 0),
        render.render_sources(a, {}, 0),
        render.render_user("سؤال؟"),
        render.render_draft("مسودة"),
        article,
    ]
    for html in pieces:
        assert 'dir="auto"' in html
        assert blocks_without_dir_auto(html) == []
    assert '<s dir="auto">جملة محذوفة</s>' in pieces[0]


def test_one_chip_per_marker_and_invented_markers_stay_text():
    a = answer("First point [1][2]. Second point [2]. Stray [7].", [cite(1), cite(2)])
    html = render.render_answer(a, 4)
    chips = [a for t, a in Elements(html).found if "nqa-chip" in (a.get("class") or "")]
    assert [c["data-citation"] for c in chips] == ["1", "2", "2"]
    assert {c["data-turn"] for c in chips} == {"4"} and all(c["type"] == "button" for c in chips)
    assert "[7]" in html and "[1]" not in html
    sources = render.render_sources(a, {"doc-1": {"published": "2019-05-10T08:00:00", "lang": "ar"}}, 4)
    assert [a["data-citation"] for t, a in Elements(sources).found if "data-citation" in a] == ["1", "2"]
    assert "2019-05-10" in sources and "Arabic" in sources and "agency" in sources
    assert sources.count(escape(QUOTE)) == 2


def test_abstention_looks_different_and_lists_closest_sources():
    a = answer(
        "The articles do not say.",
        [],
        abstained=True,
        closest_sources=[{"doc_id": "d1", "title": "Oil crisis", "source": "xquad", "score": 0.61}],
    )
    html = render.render_answer(a, 0)
    assert 'class="nqa-abstain"' in html and 'data-abstained="true"' in html
    assert "nqa-answer" not in html and "nqa-chip" not in html
    assert "Oil crisis" in html and "0.61" in html and "Not found in the articles" in html
    assert ".nqa-abstain{" in render.CSS and ".nqa-answer" in render.CSS


def test_removed_sentences_are_listed_struck_through_with_reason():
    removed = [
        {"sentence": "Moscow will send troops.", "reason": "not supported by the cited evidence"},
        {"sentence": "Uncited claim.", "reason": "no valid citation"},
    ]
    html = render.render_answer(answer("Kept [1].", [cite(1)], removed=removed), 0)
    assert 'data-removed="2"' in html and "2 sentences removed" in html
    for r in removed:
        assert f'<s dir="auto">{escape(r["sentence"])}</s>' in html and escape(r["reason"]) in html
    assert "nqa-removed" not in render.render_answer(answer("Kept [1].", [cite(1)]), 0)


# -- handlers (fake embedder and LLM, a real store in the test's own home) -----------------------------------
@pytest.fixture
def services(tmp_path):
    from assistant.backends.fake import FakeEmbedder, FakeLLM
    from assistant.services import Services
    from assistant.settings import Settings

    settings = Settings(
        home=tmp_path / "home", llm="fake", embedder="fake", min_relevance=0.2, min_relevance_cross=0.2, min_support=0.2
    )
    return Services.from_settings(settings, embedder=FakeEmbedder(), llm=FakeLLM())


def test_chat_handler_streams_then_shows_the_verified_answer_and_opens_citations(services, tmp_path):
    from assistant.ui.chat import ChatHandlers, new_state

    doc = tmp_path / "port.txt"
    doc.write_text("Port deal\nThe ministry signed a port deal in Tartus on Monday.\n", encoding="utf-8")
    assert services.ingestor().ingest_paths([doc]).ok
    chat = ChatHandlers(services)
    outs = list(chat.respond("What port deal did the ministry sign?", [], new_state(), 5, "any", "", "", "", True))
    shown = [o[0][-1]["content"] for o in outs if isinstance(o[0], list)]
    drafts = [h for h in shown if 'data-state="draft"' in h]
    assert len(drafts) >= 2  # the empty placeholder, then tokens as they arrive
    display, sources, trace, state, box = outs[-1]
    assert "nqa-answer" in display[-1]["content"] and 'data-citation="1"' in display[-1]["content"]
    assert "Tartus" in sources and "nqa-trace" in trace and box == ""
    assert [m["role"] for m in state["history"]] == ["user", "assistant"]
    viewer = chat.open_citation(state, SimpleNamespace(_data={"turn": 0, "citation": 1}))
    assert re.search(r'<mark id="cite-1">[^<]*Tartus[^<]*</mark>', viewer)

    # A follow-up passes the history to the answerer; a bad filter is an error message, not a crash.
    outs = list(chat.respond("And when?", display, state, 5, "any", "", "", "", False))
    assert len(outs[-1][3]["history"]) == 4 and len(outs[-1][0]) == 4
    outs = list(chat.respond("x?", display, state, 5, "any", "", "2019-13", "", False))
    assert "nqa-error" in outs[-1][0][-1]["content"] and "date_from" in outs[-1][0][-1]["content"]


def test_the_chat_reads_yesterday_against_the_reference_date_it_is_given(services):
    from assistant.ui.chat import ChatHandlers, new_state
    from ingest.models import RawArticle

    texts = {
        "2015-07-24": "The health ministry announced two new cases in Riyadh.",
        "2015-07-20": "The health ministry announced a new hospital in Jeddah.",
    }
    articles = [
        RawArticle(text=t, locator=d, id=f"m-{d}", title="Ministry", source="sabq", lang="en", published=d)
        for d, t in texts.items()
    ]
    assert services.ingestor().ingest_articles(articles).added == 2
    chat = ChatHandlers(services)
    question = "What did the health ministry announce yesterday?"
    outs = list(chat.respond(question, [], new_state(), 5, "any", "", "", "", False, "2015-07-25"))
    display, sources, _, state, _ = outs[-1]
    answer = display[-1]["content"]
    assert "24 July 2015" in unescape(answer) and "Riyadh" in answer and "Jeddah" not in answer
    assert [c["doc_id"] for c in state["turns"][-1]] == ["m-2015-07-24"]
    today = list(chat.respond(question, [], new_state(), 5, "any", "", "", "", False, ""))  # blank: today
    assert "Riyadh" not in today[-1][0][-1]["content"]  # nothing was published the day before today
    bad = list(chat.respond(question, [], new_state(), 5, "any", "", "", "", False, "25/07/2015"))
    assert "nqa-error" in bad[-1][0][-1]["content"] and "reference date" in bad[-1][0][-1]["content"]


def test_upload_reports_each_file_and_rejects_oversized_ones(services, tmp_path):
    from assistant.ui.library import MAX_UPLOAD_BYTES, LibraryHandlers

    good = tmp_path / "good.txt"
    good.write_text("A title\nSome news text about the harbour.\n", encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"text": ', encoding="utf-8")
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_UPLOAD_BYTES + 1)
    lib = LibraryHandlers(services, received=lambda path: True)  # the handler alone: every path is an upload
    rows, status, listing = lib.upload([str(good), str(broken), str(big)], "auto", "", "")
    by_name = {r[0]: r for r in rows}
    assert by_name["good.txt"][1] == "ok" and by_name["broken.json"][1] == "failed"
    assert by_name["broken.json"][6].startswith("broken.json: ")  # the uploaded name, not the staging path
    assert by_name["big.txt"][1] == "failed" and "20 MB limit" in by_name["big.txt"][6]
    assert [r[0] for r in listing] == ["A title"]
    assert not list(lib.staging.iterdir())  # staged copies are removed
    rows, _, _ = lib.upload([str(good)], "auto", "", "")
    assert rows[0][1] == "unchanged"
    assert lib.list_rows("nothing") == [] and lib.list_rows("TITLE")[0][0] == "A title"
    doc_id = listing[0][1]
    assert "Some news text" in lib.show(doc_id)
    status, listing = lib.delete(doc_id, "")
    assert listing == [] and "nqa-error" in lib.delete(doc_id, "")[0]


def test_eval_handler_reports_a_missing_dataset(services, tmp_path):
    from assistant.ui.evaluation import EvalHandlers, report_iframe

    summary, report = EvalHandlers(services).run("nope.json", "", 5)  # inside the datasets folder
    assert "nqa-error" in summary and "no such dataset file" in summary and report == ""
    frame = report_iframe('<p class="x">a & b</p><script>x()</script>')
    assert 'sandbox=""' in frame and "&lt;script&gt;" in frame and "<script" not in frame
