"""Page furniture in article text is never evidence (:mod:`assistant.text.boilerplate`)."""

from __future__ import annotations

import pytest

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.answer.selection import SelectionOptions
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.store.library import Library
from assistant.text.boilerplate import is_boilerplate
from ingest.models import RawArticle
from ingest.pipeline import Ingestor


@pytest.mark.parametrize(
    ("text", "furniture"),
    [
        ("رابط الخبر بصحيفة الوئام: كورونا يقتل 464 ..", True),  # SaudiNewsNet, alweeam
        ("...المزيد", True),
        ("Next Previous عين اليوم – واس", True),
        ("Read more: talks in Geneva", True),
        ("See https://example.com/news/2015/07/21/some-long-story-slug", True),
        ("", True),
        # the story after navigation words, a dateline before it, the phrase inside a sentence: content
        ("Next Previous عين اليوم – باكستان ارتفعت حصيلة ضحايا موجة الحر الشديدة إلى أكثر من 1100 شخص", False),
        ("ماجد الرفاعي- سبق- جدة: أعلنت وزارة الصحة اليوم عن تسجيل حالة وفاة", False),
        ("وأوضح أن رابط الخبر كان خاطئا", False),
        ("المزيد من الضحايا سقطوا في الهجوم", False),
        ("The ministry said the talks ended.", False),
    ],
)
def test_page_furniture(text, furniture):
    assert is_boilerplate(text) is furniture


def test_a_link_line_is_never_quoted_as_evidence(tmp_path):
    text = (
        "أعلنت وزارة الصحة اليوم تسجيل حالة وفاة بفيروس كورونا في الرياض.\n"
        "رابط الخبر بصحيفة الوئام: كورونا يقتل حالة وفاة في الرياض .."
    )
    lib = Library(tmp_path / "h")
    Ingestor(lib, FakeEmbedder()).ingest_articles([RawArticle(text=text, locator="a", id="a", lang="ar")])
    opts = AnswerOptions(answer_mode="attributed", short_answers=False, max_units=3, min_support=-1.0)
    answerer = Answerer(library=lib, embedder=FakeEmbedder(), llm=FakeLLM(), options=opts)
    answerer._selection_options = lambda: SelectionOptions(  # type: ignore[method-assign]
        max_units=3, min_relevance=0.0, min_relevance_cross=0.0, margin=2.0
    )
    ans = answerer.ask("كورونا يقتل حالة وفاة في الرياض")
    assert not ans.abstained and ans.citations
    assert all("رابط الخبر" not in c.quote for c in ans.citations)
    assert any(c.quote.startswith("أعلنت وزارة الصحة") for c in ans.citations)
