"""Bracket numbers inside article text ("[2]" footnotes, "[1] first point" lists, "[٢]") are never taken for the
answer's own citation markers, in both answer modes and in every output (answer text, sentences, the UI's
chips), while each citation's quote stays the verbatim stored span."""

from __future__ import annotations

import json
import re

import pytest

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.answer.citations import neutralize_markers, parse_cited_answer
from assistant.answer.structured import JsonAnswerStream, to_text
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.store.library import Library
from assistant.ui.render import answer_text_html
from ingest.models import RawArticle
from ingest.pipeline import Ingestor
from prompts import UNIT_LINE
from tests.helpers import open_attributed

EN_MARKED = (
    "The museum opened in 1852 [2] and was enlarged in 1899 [99].\n"
    "Its first director was Henry Cole.\n"
    "[1] The collection holds 2.3 million objects."
)
AR_MARKED = "افتتح المتحف عام ١٨٥٢ [٢] ووسع لاحقا.\nوكان أول مدير للمتحف هنري كول."
# Anything a reader, the citation parser or the UI could take for a marker: [n], [n, m], any digits.
ANY_MARKER = re.compile(r"\[\s*\d+(?:\s*[,،]\s*\d+)*\s*\]")


def library(tmp_path, *articles: tuple[str, str]) -> Library:
    lib = Library(tmp_path / "h")
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [
            RawArticle(text=text, locator=lang, id=f"{lang}-1", title="t", source="test", lang=lang)
            for text, lang in articles
        ]
    )
    return lib


def synthesized(lib, llm, **opts) -> Answerer:
    o = AnswerOptions(answer_mode="synthesized", min_relevance=0.0, min_relevance_cross=0.0, min_support=-1.0, **opts)
    return Answerer(library=lib, embedder=FakeEmbedder(), llm=llm, options=o)


def attributed(lib, llm, **opts) -> Answerer:
    # Every unit clears the bars (tests.helpers.open_attributed). Restatements that pass the deterministic checks are shown; the scripted replies are the restatements'.
    opts.setdefault("cross_language", "translate")
    opts.setdefault("short_answers", False)
    return open_attributed(lib, llm, **opts)


def assert_only_own_markers(ans, lib) -> None:
    """Every marker in the shown answer is one the answer placed for one of its citations, once per sentence
    citation (and once for the short answer that leads it); the sentences carry none; every quote is the verbatim stored span."""
    assert not ans.abstained and ans.citations
    ids = [c.id for c in ans.citations]
    data = ans.to_dict()  # what --json and the API return
    per_sentence = [n for s in data["sentences"] for n in s["citations"]]
    lead = [data["short_answer"]["citation"]] if data.get("short_answer") else []  # the checked fact's own marker
    assert sorted(int(m.strip("[]")) for m in ANY_MARKER.findall(data["answer"])) == sorted(per_sentence + lead)
    assert set(per_sentence) == set(ids)
    for s in data["sentences"]:
        assert not ANY_MARKER.search(s["sentence"]), s["sentence"]
    assert answer_text_html(data["answer"], 0, ids).count('class="nqa-chip"') == len(per_sentence + lead)
    parsed = parse_cited_answer(data["answer"], set(ids))
    assert [p.cited for p in parsed] == [[n] for n in lead] + [s["citations"] for s in data["sentences"]]
    assert all(not p.invented for p in parsed)
    for c in ans.citations:
        assert lib.get(c.doc_id).text[c.start : c.end] == c.quote


# --- the primitive -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, shown",
    [
        ("opened in 1852 [2] and 1899 [99].", "opened in 1852 (2) and 1899 (99)."),
        ("[1] first point", "(1) first point"),
        ("see [1, 3] and [ 4 ]", "see (1, 3) and ( 4 )"),
        ("افتتح عام ١٨٥٢ [٢] و[١، ٣].", "افتتح عام ١٨٥٢ (٢) و(١، ٣)."),
        ("a list [a] and a range [1-3] stay", "a list [a] and a range [1-3] stay"),
    ],
)
def test_neutralized_text_has_no_marker_and_keeps_its_length(text, shown):
    out = neutralize_markers(text)
    assert out == shown and len(out) == len(text)
    assert not ANY_MARKER.search(out)
    assert all(not p.cited and not p.invented for p in parse_cited_answer(out + " [1]", {1, 2, 3, 99})[:-1])


def test_json_text_field_numbers_are_never_citations():
    raw = json.dumps(
        {
            "sentences": [
                {"text": "It opened in 1852 [2] and grew in 1899 [99].", "citations": [1]},
                {"text": "افتتح عام ١٨٥٢ [٢].", "citations": [2]},
            ]
        },
        ensure_ascii=False,
    )
    text = to_text(raw)
    assert [(p.cited, p.invented) for p in parse_cited_answer(text, {1, 2})] == [([1], []), ([2], [])]
    for size in (1, 7):  # a bracket number arriving piece by piece never stalls the draft
        stream = JsonAnswerStream()
        draft = "".join(stream.feed(raw[i : i + size]) for i in range(0, len(raw), size))
        assert draft == "It opened in 1852 (2) and grew in 1899 (99). [1] افتتح عام ١٨٥٢ (٢). [2]"


# --- synthesized mode ----------------------------------------------------------------------------------------
def test_synthesized_article_markers_are_not_citations(tmp_path):
    lib = library(tmp_path, (EN_MARKED, "en"))
    llm = FakeLLM()  # restates evidence [1] (the museum sentence) as shown to it, with its citation
    ans = synthesized(lib, llm).ask("When did the museum open and when was it enlarged?")
    evidence = re.findall(r"^\[(\d+)\] (.+)$", llm.history[-1][-1].content, re.M)
    assert len(evidence) >= 2 and evidence[0][1].startswith("The museum opened")
    assert all(not ANY_MARKER.search(text) for _, text in evidence)  # the model never sees an article's "[2]"
    assert "(2)" in ans.answer and "(99)" in ans.answer
    assert [c.id for c in ans.citations] == [1] and ans.dropped_citations == []
    assert "[2]" in ans.citations[0].quote  # the quote field stays verbatim
    assert_only_own_markers(ans, lib)


def test_synthesized_json_reply_copying_article_markers(tmp_path):
    lib = library(tmp_path, (EN_MARKED, "en"))
    reply = json.dumps(
        {"sentences": [{"text": "The museum opened in 1852 [2] and was enlarged in 1899 [99].", "citations": [1]}]}
    )
    ans = synthesized(lib, FakeLLM([reply]), answer_format="json").ask("When did the museum open?")
    assert [c.id for c in ans.citations] == [1] and ans.dropped_citations == []
    assert_only_own_markers(ans, lib)


def test_synthesized_extractive_quote_of_a_marked_sentence(tmp_path):
    lib = library(tmp_path, (EN_MARKED, "en"))
    ans = synthesized(lib, None).ask("When did the museum open and when was it enlarged?")
    assert "(2)" in ans.answer and "(99)" in ans.answer
    ids = [c.id for c in ans.citations]
    assert sorted(int(m.strip("[]")) for m in ANY_MARKER.findall(ans.answer)) == ids
    assert answer_text_html(ans.answer, 0, ids).count('class="nqa-chip"') == len(ids)


def test_synthesized_arabic_indic_marker_is_not_a_citation(tmp_path):
    lib = library(tmp_path, (AR_MARKED, "ar"))
    llm = FakeLLM()
    ans = synthesized(lib, llm).ask("متى افتتح المتحف ووسع؟")
    assert "[٢]" not in llm.history[-1][-1].content
    assert "(٢)" in ans.answer and [c.id for c in ans.citations] == [1]
    assert "[٢]" in ans.citations[0].quote
    assert_only_own_markers(ans, lib)


# --- attributed mode -----------------------------------------------------------------------------------------
def test_attributed_quotes_show_article_markers_as_text(tmp_path):
    lib = library(tmp_path, (EN_MARKED, "en"))
    ans = attributed(lib, FakeLLM(), max_units=3).ask("When did the museum open, how many objects?")
    assert len(ans.citations) >= 2  # real markers [1] and [2] exist next to the article's own "[2]" and "[1]"
    assert "(1)" in ans.answer and "(2)" in ans.answer and "(99)" in ans.answer
    assert_only_own_markers(ans, lib)
    events = [
        e
        for e in attributed(lib, FakeLLM(), max_units=3).stream("When did the museum open, how many objects?")
        if e.type == "sentence"
    ]  # what the API streams as each sentence passes
    assert [ANY_MARKER.findall(e.text) for e in events] == [[f"[{e.citations[0].id}]"] for e in events]


def test_attributed_arabic_quote_with_arabic_indic_marker(tmp_path):
    lib = library(tmp_path, (AR_MARKED, "ar"))
    ans = attributed(lib, FakeLLM(), max_units=2).ask("متى افتتح المتحف ووسع؟")
    assert "(٢)" in ans.answer and any("[٢]" in c.quote for c in ans.citations)
    assert_only_own_markers(ans, lib)


def test_attributed_translation_never_sees_or_shows_an_article_marker(tmp_path):
    lib = library(tmp_path, (AR_MARKED.split("\n")[0], "ar"))
    shown_units = []

    def translate(messages):  # a faithful translator: the footnote comes out as it was shown
        unit = UNIT_LINE.search(messages[-1].content).group(1)
        shown_units.append(unit)
        note = "[2]" if "[٢]" in unit else "(2)"
        return f"The museum opened in 1852 {note} and was enlarged later."

    ans = attributed(lib, FakeLLM([translate]), max_units=1).ask("When did the museum open?")
    assert shown_units and all("[٢]" not in u for u in shown_units)
    assert [s["kind"] for s in ans.sentences] == ["restated"]
    assert ans.answer == "The museum opened in 1852 (2) and was enlarged later [1]."
    assert_only_own_markers(ans, lib)
