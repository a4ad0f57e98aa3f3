"""Time in news questions, with fakes: time expressions in English and Arabic read as date ranges against a fixed
reference, no dates read from plain numbers, the range applied as the date filter over ``published`` and stated
in the answer, undated articles counted and said, the abstention with its range, citations carrying ``published``
and ``source``, and ``--reference-date`` / ``reference_date`` on the CLI and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.retrieval.retriever import Filters
from assistant.store.library import Library
from assistant.text.when import read_time_range
from ingest.models import RawArticle
from ingest.pipeline import Ingestor
from tests.helpers import api_client, cli, open_attributed

REF = dt.date(2015, 8, 8)


@pytest.mark.parametrize(
    "question, lang, start, end, expression",
    [
        ("What did the ministry announce last week?", "en", "2015-08-01", "2015-08-07", "last week"),
        ("What happened yesterday?", "en", "2015-08-07", "2015-08-07", "yesterday"),
        ("What did the king say today?", "en", "2015-08-08", "2015-08-08", "today"),
        ("What did Russia say this week?", "en", "2015-08-02", "2015-08-08", "this week"),
        ("What was reported last month?", "en", "2015-07-01", "2015-07-31", "last month"),
        ("What was decided in May 2020?", "en", "2020-05-01", "2020-05-31", "in May 2020"),
        ("What happened on 25 July 2015?", "en", "2015-07-25", "2015-07-25", "on 25 July 2015"),
        ("What was said on July 25th, 2015?", "en", "2015-07-25", "2015-07-25", "on July 25th, 2015"),
        ("What has happened since 20 July?", "en", "2015-07-20", "2015-08-08", "since 20 July"),
        ("What happened in the past 3 days?", "en", "2015-08-05", "2015-08-07", "the past 3 days"),
        ("What happened two weeks ago?", "en", "2015-07-25", "2015-07-31", "two weeks ago"),
        ("What happened during 2014?", "en", "2014-01-01", "2014-12-31", "during 2014"),
        ("What happened in August?", "en", "2015-08-01", "2015-08-31", "in August"),
        ("ماذا قالت الوزارة أمس؟", "ar", "2015-08-07", "2015-08-07", "أمس"),
        ("ماذا حدث اليوم؟", "ar", "2015-08-08", "2015-08-08", "اليوم"),
        ("ماذا أعلنت الوزارة الأسبوع الماضي؟", "ar", "2015-08-01", "2015-08-07", "الأسبوع الماضي"),
        ("ماذا نشر الشهر الماضي؟", "ar", "2015-07-01", "2015-07-31", "الشهر الماضي"),
        ("ماذا حدث في أيار 2020؟", "ar", "2020-05-01", "2020-05-31", "في أيار 2020"),
        ("ماذا حدث في مايو 2020؟", "ar", "2020-05-01", "2020-05-31", "في مايو 2020"),
        ("ماذا حدث يوم 25 يوليو؟", "ar", "2015-07-25", "2015-07-25", "يوم 25 يوليو"),
        ("ماذا حدث يوم ٢٥ يوليو ٢٠١٥؟", "ar", "2015-07-25", "2015-07-25", "يوم ٢٥ يوليو ٢٠١٥"),
        ("ماذا حدث في عام ٢٠١٥؟", "ar", "2015-01-01", "2015-12-31", "في عام ٢٠١٥"),
        ("ماذا حدث منذ 20 تموز؟", "ar", "2015-07-20", "2015-08-08", "منذ 20 تموز"),
        ("ماذا حدث في تشرين الأول 2014؟", "ar", "2014-10-01", "2014-10-31", "في تشرين الأول 2014"),
        ("ماذا حدث قبل يومين؟", "ar", "2015-08-06", "2015-08-06", "قبل يومين"),
        ("ماذا حدث أول أمس؟", "ar", "2015-08-06", "2015-08-06", "أول أمس"),
    ],
)
def test_time_expressions_become_ranges(question, lang, start, end, expression):
    r = read_time_range(question, lang, REF)
    assert r is not None
    assert r.to_dict() == {"from": start, "to": end, "reference": "2015-08-08", "expression": expression}


@pytest.mark.parametrize(
    "question, lang",
    [
        ("How many points did the Panthers give up? 308 points", "en"),
        ("What is resolution 2254 about?", "en"),
        ("Who may win the vote?", "en"),
        ("What did the 2015 budget fund?", "en"),
        ("ما هو القرار ٢٢٥٤؟", "ar"),
        ("ماذا قيل في اليوم الوطني؟", "ar"),
        ("كم عدد النقاط؟ 308 نقطة", "ar"),
    ],
)
def test_plain_numbers_and_words_are_not_dates(question, lang):
    assert read_time_range(question, lang, REF) is None


ARTICLES = [
    ("wire-aug", "en", "2015-08-05", "SPA", "The ministry announced a new water plan for Riyadh."),
    ("wire-jul", "en", "2015-07-20", "Reuters", "The ministry announced a new road plan for Jeddah."),
    ("wire-undated", "en", None, "Blog", "The ministry announced a new housing plan for Dammam."),
    ("ar-aug", "ar", "2015-08-06T09:30:00", "واس", "أعلنت الوزارة خطة جديدة للمياه في الرياض."),
    ("ar-undated", "ar", None, "مدونة", "أعلنت الوزارة خطة جديدة للإسكان في الدمام."),
]


def _ingest(home, articles=ARTICLES) -> Library:
    lib = Library(home)
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [
            RawArticle(text=t, locator=i, id=i, title=i, source=s, published=p, lang=lang)
            for i, lang, p, s, t in articles
        ]
    )
    return lib


@pytest.fixture
def news(tmp_path):
    return _ingest(tmp_path / "h")


def _answerer(lib, mode="synthesized") -> Answerer:
    if mode == "attributed":
        return open_attributed(lib, None)  # extractive: quotes
    o = AnswerOptions(min_relevance=0.0, min_relevance_cross=0.0, min_support=-1.0, answer_mode=mode)
    return Answerer(library=lib, embedder=FakeEmbedder(), llm=FakeLLM(), options=o)


@pytest.mark.parametrize("mode", ["synthesized", "attributed"])
def test_the_range_filters_states_and_counts_undated(news, mode):
    ans = _answerer(news, mode).ask("What did the ministry announce last week?", reference_date=REF)
    assert ans.time_range == {
        "from": "2015-08-01",
        "to": "2015-08-07",
        "reference": "2015-08-08",
        "expression": "last week",
    }
    assert not ans.abstained and ans.citations
    assert {r["doc_id"] for r in ans.retrieved} <= {"wire-aug", "ar-aug"}  # July and undated articles filtered out
    assert all(c.doc_id != "wire-jul" for c in ans.citations)
    assert ans.undated_excluded == 2
    assert ans.answer.startswith("Articles published between 1 and 7 August 2015:\n")
    assert ans.answer.endswith("\n2 undated articles were not searched.")
    d = ans.to_dict()
    assert d["time_range"]["from"] == "2015-08-01" and d["undated_excluded"] == 2


def test_the_arabic_answer_states_the_range_in_arabic(news):
    ans = _answerer(news).ask("ماذا أعلنت الوزارة الأسبوع الماضي؟", reference_date=REF)
    assert ans.time_range is not None and ans.time_range["expression"] == "الأسبوع الماضي"
    assert ans.answer.startswith("المقالات المنشورة بين 1 و7 أغسطس 2015:")
    assert "غير المؤرخة (عددها 2)" in ans.answer
    assert {c.doc_id for c in ans.citations} <= {"wire-aug", "ar-aug"}


def test_no_article_in_the_range_abstains_saying_the_range(news):
    ans = _answerer(news).ask("What did the ministry announce in May 2020?", reference_date=REF)
    assert ans.abstained and ans.citations == []
    assert ans.answer.splitlines() == [
        "No article was published between 1 and 31 May 2020.",
        "2 undated articles were not searched.",
    ]
    one_day = _answerer(news).ask("What did the ministry announce on 1 January 2015?", reference_date=REF)
    assert one_day.abstained and one_day.answer.startswith("No article was published on 1 January 2015.")


def test_citations_carry_published_and_source(news):
    ans = _answerer(news).ask("What did the ministry announce about the water plan for Riyadh?")
    assert ans.time_range is None and ans.undated_excluded == 0  # no time expression: no filter
    by_doc = {c.doc_id: c for c in ans.citations}
    assert by_doc, ans.answer
    for doc_id, c in by_doc.items():
        _, _, published, source, _ = next(a for a in ARTICLES if a[0] == doc_id)
        assert c.source == source
        assert c.published == (published[:10] if published else None)
    assert all("published" in c and "source" in c for c in ans.to_dict()["citations"])


def test_a_callers_date_filter_wins_and_still_counts_undated(news):
    ans = _answerer(news).ask(
        "What did the ministry announce last week?",
        reference_date=REF,
        filters=Filters(date_from="2015-07-01", date_to="2015-07-31"),
    )
    assert ans.time_range is None
    assert {r["doc_id"] for r in ans.retrieved} == {"wire-jul"}
    assert ans.undated_excluded == 2 and ans.answer.endswith("2 undated articles were not searched.")


def test_a_store_without_dated_articles_is_not_filtered_by_the_questions_time(tmp_path):
    lib = _ingest(tmp_path / "u", [a[:2] + (None,) + a[3:] for a in ARTICLES])
    ans = _answerer(lib).ask("What did the ministry announce last week?", reference_date=REF)
    assert ans.time_range is None and ans.undated_excluded == 0 and not ans.abstained


def test_the_ui_shows_the_range_and_each_cited_articles_date_and_source(news):
    from assistant.ui import render

    ans = _answerer(news, "attributed").ask("What did the ministry announce last week?", reference_date=REF)
    html = render.render_answer(ans, 0)
    assert "Articles published between 1 and 7 August 2015:" in html and "2 undated articles" in html
    sources = render.render_sources(ans, {}, 0)
    assert "2015-08-05" in sources and "SPA" in sources
    undated = _answerer(news, "attributed").ask("What did the ministry announce about the housing plan for Dammam?")
    assert "undated" in render.render_sources(undated, {}, 0)


def _write_corpus(path):
    rows = [
        {"id": i, "lang": lang, "published": p, "source": s, "title": i, "text": t} for i, lang, p, s, t in ARTICLES
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_cli_reference_date(tmp_path, fake_backends):
    cli("ingest", "-q", _write_corpus(tmp_path / "news.jsonl"))
    out = json.loads(
        cli("ask", "--json", "--reference-date", "2015-08-08", "What did the ministry announce last week?").output
    )
    assert out["time_range"] == {
        "from": "2015-08-01",
        "to": "2015-08-07",
        "reference": "2015-08-08",
        "expression": "last week",
    }
    assert out["undated_excluded"] == 2
    assert {c["doc_id"] for c in out["citations"]} <= {"wire-aug", "ar-aug"}
    assert all(c["published"] in ("2015-08-05", "2015-08-06") and c["source"] for c in out["citations"])
    text = cli(
        "ask", "--no-stream", "--reference-date", "2015-08-08", "What did the ministry announce last week?"
    ).output
    assert "(dates 2015-08-01 to 2015-08-07" in text and "published between 1 and 7 August 2015" in text
    bad = cli("ask", "--reference-date", "2015-13-01", "What happened last week?", codes=(2,))
    assert "--reference-date" in bad.output


def test_api_reference_date(tmp_path):
    home = tmp_path / "home"
    _ingest(home)
    client = api_client(home, min_relevance=0.0, min_relevance_cross=0.0, min_support=0.0)
    r = client.post(
        "/v1/ask", json={"question": "What did the ministry announce last week?", "reference_date": "2015-08-08"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["time_range"]["from"] == "2015-08-01" and body["time_range"]["reference"] == "2015-08-08"
    assert body["undated_excluded"] == 2
    assert body["citations"] and all(c["published"] and c["source"] for c in body["citations"])
    for bad in ("2015-02-30", "08/08/2015", 20150808):
        r = client.post("/v1/ask", json={"question": "What happened last week?", "reference_date": bad})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == "reference_date"


def test_html_publication_date_falls_back_to_htmldate():
    from ingest.loaders.html_pages import html_article

    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2015-07-25T10:00:00Z"}</script>'
    page = f"<html><head><title>t</title>{ld}</head><body><p>The ministry announced a plan.</p></body></html>"
    assert html_article(page)["published"] == "2015-07-25"
    meta = '<meta property="article:published_time" content="2015-07-26T08:00:00Z">'
    assert html_article(f"<html><head>{meta}{ld}</head><body><p>x</p></body></html>")["published"].startswith(
        "2015-07-26"
    )
    assert html_article("<html><body><p>No date here.</p></body></html>")["published"] is None
