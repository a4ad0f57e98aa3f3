"""Answers from several sources: grouping by source with dates, and the note where sources disagree
(:mod:`assistant.answer.sources`)."""

from __future__ import annotations

import re

import pytest

from assistant.answer.records import Citation
from assistant.answer.sources import (
    asks_for_sources,
    compose,
    corroborated,
    find_conflicts,
    format_date,
    group_by_source,
    one_per_source,
)


def _citation(i: int, source: str | None, published: str | None, quote: str = "…") -> Citation:
    return Citation(
        id=i, doc_id=f"d{i}", title=None, source=source, start=0, end=len(quote), quote=quote, published=published
    )


@pytest.mark.parametrize(
    ("published", "lang", "expected"),
    [
        ("2019-09-10", "en", "10 Sep 2019"),
        ("2015-07-21", "ar", "21 يوليو 2015"),
        ("2015-08-01T10:00:00", "en", "1 Aug 2015"),
        (None, "en", "undated"),
        (None, "ar", "بلا تاريخ"),
    ],
)
def test_dates_are_written_in_the_question_language(published, lang, expected):
    assert format_date(published, lang) == expected


def test_sentences_from_two_sources_are_grouped_with_their_dates_in_first_seen_order():
    cites = [
        _citation(1, "SANA", "2019-09-10"),
        _citation(2, "Reuters", "2019-09-11"),
        _citation(3, "SANA", "2019-09-10"),
    ]
    parts = [("The talks ended.", [1]), ("Talks were held in Nur-Sultan.", [2]), ("A statement was issued.", [3])]
    composed = compose("How did SANA and Reuters report the talks?", "en", parts, cites, [])
    assert composed.text == (
        "SANA, 10 Sep 2019: The talks ended [1]. A statement was issued [3]. — "
        "Reuters, 11 Sep 2019: Talks were held in Nur-Sultan [2]."
    )
    assert [g.to_dict() for g in composed.groups] == [
        {"source": "SANA", "published": ["2019-09-10"], "citations": [1, 3], "also": []},
        {"source": "Reuters", "published": ["2019-09-11"], "citations": [2], "also": []},
    ]


def test_an_arabic_question_gets_arabic_headings_and_undated_said():
    cites = [_citation(1, "sabq", "2015-07-22"), _citation(2, "okaz", None)]
    parts = [("يقول المقال: «…»", [1]), ("ويقول أيضا: «…»", [2])]
    text = compose("ماذا قالت الصحف؟", "ar", parts, cites, []).text
    assert text.startswith("sabq، 22 يوليو 2015: ")
    assert "okaz، بلا تاريخ: " in text


@pytest.mark.parametrize("sources", [("SANA", "SANA"), ("SANA", None), (None, None)])
def test_one_source_or_an_unnamed_one_leaves_the_answer_as_it_is(sources):
    cites = [_citation(1, sources[0], "2019-09-10"), _citation(2, sources[1], "2019-09-11")]
    parts = [("First.", [1]), ("Second.", [2])]
    assert group_by_source(parts, cites) == []
    assert compose("What happened?", "en", parts, cites, []).text == "First [1]. Second [2]."


def test_two_sources_giving_different_numbers_are_both_cited_and_no_single_fact_leads():
    cites = [_citation(1, "SANA", "2019-09-10"), _citation(2, "Reuters", "2019-09-10")]
    units = [("قتل ١٢ شخصا في الهجوم", 1), ("At least 15 people were killed in the attack", 2)]
    parts = [("The Arabic article says: «…»", [1]), ("The article says: «…»", [2])]
    composed = compose("How many people were killed in the attack?", "en", parts, cites, units, lead=("12.", [1]))
    assert not composed.lead_kept
    assert composed.text.endswith("The sources differ: SANA gives 12 [1]; Reuters gives 15 [2].")
    assert not composed.text.startswith("12.")
    assert set(re.findall(r"\[(\d+)\]", composed.text)) == {"1", "2"}
    assert composed.conflicts[0].to_dict()["values"][1] == {"source": "Reuters", "value": "15", "citations": [2]}


def test_arabic_note_and_agreeing_sources():
    cites = [_citation(1, "sabq", "2015-07-22"), _citation(2, "okaz", "2015-07-22")]
    differ = [("أعلنت الوزارة تسجيل 5 إصابات جديدة", 1), ("سجلت الوزارة سبع إصابات جديدة", 2)]
    note = compose("كم عدد الإصابات الجديدة؟", "ar", [("«…»", [1]), ("«…»", [2])], cites, differ).text
    assert note.endswith("تختلف المصادر: sabq يذكر 5 [1]؛ okaz يذكر 7 [2].")
    agree = [("أعلنت الوزارة تسجيل 5 إصابات جديدة", 1), ("سجلت الوزارة خمس إصابات جديدة", 2)]
    assert find_conflicts("كم عدد الإصابات الجديدة؟", "ar", agree, cites) == []


@pytest.mark.parametrize(
    ("question", "units"),
    [
        # not a number or date question: values are not compared
        ("What did the ministry say?", [("5 cases", 1), ("7 cases", 2)]),
        # a source that gives two values cannot be compared
        ("How many cases?", [("5 cases in Riyadh and 3 in Jeddah", 1), ("7 cases", 2)]),
        # the number the question holds is not an answer
        ("How many of the 20 patients died?", [("20 patients, 4 died", 1), ("of 20 patients 4 died", 2)]),
    ],
)
def test_no_conflict_note_where_the_values_cannot_be_told_apart(question, units):
    cites = [_citation(1, "A", "2015-07-22"), _citation(2, "B", "2015-07-23")]
    assert find_conflicts(question, "en", units, cites) == []


def test_dates_differing_between_sources_are_a_conflict_for_a_date_question():
    cites = [_citation(1, "A", "2015-07-22"), _citation(2, "B", "2015-07-23")]
    units = [("The plant opened in 2009.", 1), ("The plant, opened in 2010, ...", 2)]
    [conflict] = find_conflicts("When did the plant open?", "en", units, cites)
    assert conflict.kind == "date"
    assert [v for _, v, _ in conflict.values] == ["2009", "2010"]


# --- end to end, attributed answers with fakes -------------------------------------------------------------------
def _two_source_answerer(tmp_path, texts):
    from assistant.answer.answerer import Answerer, AnswerOptions
    from assistant.answer.selection import SelectionOptions
    from assistant.backends.fake import FakeEmbedder, FakeLLM
    from assistant.store.library import Library
    from ingest.models import RawArticle
    from ingest.pipeline import Ingestor

    lib = Library(tmp_path / "h")
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [
            RawArticle(text=t, locator=f"{s}-{i}", id=f"{s}-{i}", title=s, source=s, lang="en", published=p)
            for i, (s, p, t) in enumerate(texts)
        ]
    )
    opts = AnswerOptions(
        answer_mode="attributed",
        unit_min_relevance=0.0,
        unit_min_relevance_cross=0.0,
        short_answers=False,
        max_units=2,
        min_support=-1.0,
    )
    answerer = Answerer(library=lib, embedder=FakeEmbedder(), llm=FakeLLM(), options=opts)
    # the fake embedder's scores are not the real one's: every unit clears the bar and the margin
    answerer._selection_options = lambda: SelectionOptions(  # type: ignore[method-assign]
        max_units=2, min_relevance=0.0, min_relevance_cross=0.0, margin=2.0
    )
    return lib, answerer


def test_an_answer_over_two_sources_is_grouped_and_their_disagreement_said(tmp_path):
    lib, ans = _two_source_answerer(
        tmp_path,
        [
            ("SANA", "2019-09-10", "At least 12 people were killed in the attack on the village."),
            ("Reuters", "2019-09-11", "The attack on the village killed 15 people, officials said."),
        ],
    )
    answer = ans.ask("How many people were killed in the attack on the village?")
    assert not answer.abstained and len(answer.citations) == 2
    assert {g["source"] for g in answer.source_groups} == {"SANA", "Reuters"}
    for c in answer.citations:  # each group heading sits right before its own quote
        heading = f"{c.source}, {format_date('2019-09-10' if c.source == 'SANA' else '2019-09-11', 'en')}: "
        assert heading + "The article says" in answer.answer or heading + "It also says" in answer.answer
    [conflict] = answer.conflicts
    values = {v["source"]: (v["value"], v["citations"]) for v in conflict["values"]}
    ids = {c.source: c.id for c in answer.citations}
    assert values == {"SANA": ("12", [ids["SANA"]]), "Reuters": ("15", [ids["Reuters"]])}
    assert "The sources differ:" in answer.answer and answer.short_answer is None
    assert set(re.findall(r"\[(\d+)\]", answer.answer)) == {str(c.id) for c in answer.citations}


def test_one_source_answer_keeps_its_plain_form(tmp_path):
    lib, ans = _two_source_answerer(
        tmp_path,
        [
            ("SANA", "2019-09-10", "At least 12 people were killed in the attack on the village."),
            ("SANA", "2019-09-11", "The attack on the village killed 15 people, officials said."),
        ],
    )
    answer = ans.ask("How many people were killed in the attack on the village?")
    assert answer.source_groups == [] and answer.conflicts == []
    assert answer.answer.startswith("The article says: «")


# --- questions about sources ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "lang", "asks"),
    [
        ("Which newspapers reported the arrest of 431 people?", "en", True),
        ("How did SANA and Reuters report the talks?", "en", True),
        ("How did the different newspapers report the announcement?", "en", True),
        ("What sources said the talks ended?", "en", True),
        ("كيف نقلت الصحف إعلان وزارة الصحة؟", "ar", True),
        ("ما الصحف التي نشرت الخبر؟", "ar", True),
        ("ماذا قالت وسائل الإعلام الروسية عن إدلب؟", "ar", True),
        ("What did Russia say about Idlib?", "en", False),
        ("How did the ministry report the new cases?", "en", False),
        ("ماذا أعلنت وزارة الصحة أمس؟", "ar", False),
    ],
)
def test_questions_about_sources_are_recognized(question, lang, asks):
    assert asks_for_sources(question, lang) is asks


def test_one_unit_per_source_in_ranking_order():
    from assistant.answer.selection import Unit

    units = [Unit(d, "c", i, i + 5, "x", 1.0 - i / 10, "ar", i) for i, d in enumerate(["a1", "a2", "b1", "x", "c1"])]
    source = {"a1": "A", "a2": "A", "b1": "B", "c1": "C"}.get
    assert [u.doc_id for u in one_per_source(units, source)] == ["a1", "b1", "x", "c1"]
    assert [u.doc_id for u in one_per_source(units, source, limit=2)] == ["a1", "b1"]


def test_a_question_about_sources_is_answered_from_each_source(tmp_path):
    texts = [
        ("SANA", "2019-09-10", "The talks in Nur-Sultan ended with a joint statement on Idlib."),
        ("SANA", "2019-09-10", "The talks in Nur-Sultan ended; the joint statement covered Idlib."),
        ("SANA", "2019-09-11", "The joint statement on Idlib closed the talks in Nur-Sultan."),
        ("Reuters", "2019-09-11", "Talks in Nur-Sultan on Idlib ended without a breakthrough."),
        ("TASS", "2019-09-11", "Moscow welcomed the Nur-Sultan talks on Idlib."),
    ]
    lib, ans = _two_source_answerer(tmp_path, texts)
    plain = ans.ask("What happened at the talks in Nur-Sultan on Idlib?")
    asked = ans.ask("Which newspapers reported the talks in Nur-Sultan on Idlib?")
    assert len(plain.citations) == 2  # max_units of the plain question
    assert len({c.doc_id for c in asked.citations}) == len(asked.citations) > 2
    assert len({c.source for c in asked.citations}) == len(asked.citations)  # one unit per source


# --- the chat UI ---------------------------------------------------------------------------------------------------
def test_the_chat_shows_each_sources_heading_and_the_disagreement(tmp_path):
    from assistant.ui.render import render_answer

    _, ans = _two_source_answerer(
        tmp_path,
        [
            ("SANA", "2019-09-10", "At least 12 people were killed in the attack on the village."),
            ("<b>Wire</b>", "2019-09-11", "The attack on the village killed 15 people, officials said."),
        ],
    )
    answer = ans.ask("How many people were killed in the attack on the village?")
    html = render_answer(answer, turn=3)
    assert html.count('class="nqa-source-heading"') == 2
    assert "SANA, 10 Sep 2019" in html and "&lt;b&gt;Wire&lt;/b&gt;, 11 Sep 2019" in html and "<b>Wire" not in html
    note = html[html.index("nqa-conflict") :]
    assert "The sources differ: SANA gives 12" in note
    assert 'data-citation="1" data-turn="3"' in note and 'data-citation="2" data-turn="3"' in note
    # each quote sits under its own source's heading
    sana = html.index("SANA, 10 Sep 2019")
    wire = html.index("Wire&lt;/b&gt;, 11 Sep 2019")
    assert sana < html.index("At least 12 people") < wire < html.index("killed 15 people") < html.index("nqa-conflict")


def test_a_one_source_answer_has_no_heading_in_the_chat(tmp_path):
    from assistant.ui.render import render_answer

    _, ans = _two_source_answerer(
        tmp_path,
        [
            ("SANA", "2019-09-10", "At least 12 people were killed in the attack on the village."),
            ("SANA", "2019-09-11", "The attack on the village killed 15 people, officials said."),
        ],
    )
    html = render_answer(ans.ask("How many people were killed in the attack on the village?"), turn=1)
    assert "nqa-source-heading" not in html and "nqa-conflict" not in html


def test_a_question_about_sources_retrieves_a_wider_pool(tmp_path):
    texts = [(f"S{i}", "2019-09-10", f"Talks in Nur-Sultan on Idlib ended, paper {i} reported.") for i in range(8)]
    _, ans = _two_source_answerer(tmp_path, texts)
    plain = ans.ask("What happened at the talks in Nur-Sultan on Idlib?", top_k=2)
    asked = ans.ask("Which newspapers reported the talks in Nur-Sultan on Idlib?", top_k=2)
    assert len(plain.retrieved) == 2 and len(asked.retrieved) == 2 * 3
    assert len({c.source for c in asked.citations}) == len(asked.citations) >= 3


def test_a_unit_under_the_bar_is_kept_when_another_source_says_the_same():
    import numpy as np

    from assistant.answer.selection import Unit

    def unit(doc: str, lead: float, vector) -> Unit:
        v = np.asarray(vector, dtype=np.float32)
        return Unit(doc, "c", 0, 5, doc, lead, "ar", 0, vector=v / np.linalg.norm(v))

    story, other = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]
    top = unit("a1", 0.05, story)  # clears the bar
    copy_b = unit("b1", -0.02, [1.0, 0.05, 0.0])  # another source, the same words: under the bar, corroborated
    copy_a = unit("a2", -0.01, [1.0, 0.0, 0.05])  # the same source again: corroborates nothing by itself
    alone = unit("c1", -0.01, other)  # under the bar, no other source repeats it
    far = unit("d1", -0.30, story)  # a copy, but far under the bar
    source = {"a1": "A", "a2": "A", "b1": "B", "c1": "C", "d1": "D"}.get
    kept = corroborated([top, copy_a, alone, copy_b, far], [top], lambda u: u.score, source, slack=0.04)
    assert [u.doc_id for u in kept] == ["a1", "a2", "b1"]  # best lead first; a2 is kept because b1 repeats it
    kept = corroborated([top, alone, far], [top], lambda u: u.score, source, slack=0.04)
    assert [u.doc_id for u in kept] == ["a1"]


def test_two_sources_with_the_same_words_are_one_sentence_citing_both(tmp_path):
    wire = "The talks in Nur-Sultan on Idlib ended with a joint statement."
    texts = [
        ("SANA", "2019-09-10", wire),
        ("Reuters", "2019-09-11", f"{wire} Reporting by a correspondent."),  # a copy: same sentence, other article
        ("TASS", "2019-09-11", "Moscow welcomed the talks in Nur-Sultan on Idlib."),
    ]
    _, ans = _two_source_answerer(tmp_path, texts)
    plain = ans.ask("What happened at the talks in Nur-Sultan on Idlib?", top_k=3)
    assert sum(wire[:-1] in s["sentence"] for s in plain.sentences) == 1
    assert len({c.source for c in plain.citations} & {"SANA", "Reuters"}) == 1  # a plain question: one copy
    asked = ans.ask("Which newspapers reported the talks in Nur-Sultan on Idlib?", top_k=3)
    assert {c.source for c in asked.citations} == {"SANA", "Reuters", "TASS"}
    [both] = [s for s in asked.sentences if wire[:-1] in s["sentence"]]
    by_id = {c.id: c for c in asked.citations}
    assert {by_id[i].source for i in both["citations"]} == {"SANA", "Reuters"}
    for i in both["citations"]:  # each citation is its own article's verbatim span
        assert by_id[i].quote == wire[: len(by_id[i].quote)]
    first, second = (by_id[i].source for i in both["citations"])
    date = {"SANA": "10 Sep 2019", "Reuters": "11 Sep 2019"}
    assert f"{first}, {date[first]} and {second}, {date[second]}: " in asked.answer
    [group] = [g for g in asked.source_groups if g["also"]]
    assert (group["source"], [a["source"] for a in group["also"]]) == (first, [second])
    assert set(re.findall(r"\[(\d+)\]", asked.answer)) == {str(c.id) for c in asked.citations}


def test_the_chat_heading_names_every_source_that_printed_the_words(tmp_path):
    from assistant.ui.render import render_answer

    wire = "The talks in Nur-Sultan on Idlib ended with a joint statement."
    _, ans = _two_source_answerer(
        tmp_path,
        [
            ("SANA", "2019-09-10", wire),
            ("Reuters", "2019-09-11", f"{wire} Reporting by a correspondent."),
            ("TASS", "2019-09-11", "Moscow welcomed it."),
        ],
    )
    html = render_answer(ans.ask("Which newspapers reported the talks in Nur-Sultan on Idlib?", top_k=3), turn=1)
    assert "SANA, 10 Sep 2019 and Reuters, 11 Sep 2019" in html or "Reuters, 11 Sep 2019 and SANA, 10 Sep 2019" in html


def test_arabic_headings_of_sources_with_the_same_words_are_joined_with_waw():
    from assistant.answer.sources import group_heading

    group = {"source": "سبق", "published": ["2015-07-22"], "also": [{"source": "الرياض", "published": []}]}
    assert group_heading(group, "ar") == "سبق، 22 يوليو 2015 والرياض، بلا تاريخ"
    group = {"source": "sabq", "published": ["2015-07-22"], "also": [{"source": "okaz", "published": ["2015-07-23"]}]}
    assert group_heading(group, "ar") == "sabq، 22 يوليو 2015 و okaz، 23 يوليو 2015"
    assert group_heading(group, "en") == "sabq, 22 Jul 2015 and okaz, 23 Jul 2015"


def test_a_sources_several_dates_are_listed_with_the_languages_comma():
    from assistant.answer.sources import heading

    assert heading("almadina", ["2015-07-26", "2015-07-25"], "ar") == "almadina، 25 يوليو 2015، 26 يوليو 2015"
    assert heading("SANA", ["2019-09-11", "2019-09-10"], "en") == "SANA, 10 Sep 2019, 11 Sep 2019"


def test_a_question_that_names_a_place_keeps_the_reports_from_that_place():
    from assistant.answer.selection import Unit
    from assistant.answer.sources import in_the_places_asked

    def unit(doc: str, text: str) -> Unit:
        return Unit(doc, "c", 0, len(text), text, 0.9, "ar", 0)

    korea = unit("a", "صرحت وزارة الصحة في كوريا الجنوبية بأنها لم تكتشف أي حالة إصابة جديدة بفيروس ميرس.")
    riyadh = unit("b", "أعلنت وزارة الصحة وفاة وافد بفيروس كورونا في الرياض.")
    saudi = unit("c", "سجلت المملكة حالة إصابة جديدة بالفيروس.")
    question = "How did the newspapers report the MERS death in Riyadh?"
    assert [u.doc_id for u in in_the_places_asked([korea, riyadh, saudi], question)] == ["b", "c"]
    assert [u.doc_id for u in in_the_places_asked([korea], question)] == ["a"]  # none names it: all kept
    unnamed = "How did the newspapers report the MERS death?"
    assert [u.doc_id for u in in_the_places_asked([korea, riyadh], unnamed)] == ["a", "b"]
