"""Cited-answer parsing and rendering: markers in every form, invented numbers, Arabic answers."""

from __future__ import annotations

import pytest

from assistant.answer.citations import ParsedSentence, parse_cited_answer, render_with_markers

OFFERED = {1, 2, 3}


def parsed(reply: str, offered: set[int] = OFFERED) -> list[tuple[str, list[int], list[int]]]:
    return [(p.text, p.cited, p.invented) for p in parse_cited_answer(reply, offered)]


MARKER_CASES = [
    ("Russia backed the talks [1].", [("Russia backed the talks.", [1], [])]),
    ("Russia backed the talks [1][3].", [("Russia backed the talks.", [1, 3], [])]),
    ("Russia backed the talks [1, 3].", [("Russia backed the talks.", [1, 3], [])]),
    ("Russia backed the talks [ 1 ,3 ].", [("Russia backed the talks.", [1, 3], [])]),
    ("Russia backed the talks [3][1][3].", [("Russia backed the talks.", [3, 1], [])]),  # order kept, no dups
    ("Russia backed the talks [1]", [("Russia backed the talks", [1], [])]),
    ("دعمت روسيا المحادثات [٢].", [("دعمت روسيا المحادثات.", [2], [])]),
    ("دعمت روسيا المحادثات [١][٣].", [("دعمت روسيا المحادثات.", [1, 3], [])]),
    ("دعمت روسيا المحادثات [١، ٣].", [("دعمت روسيا المحادثات.", [1, 3], [])]),
    ("دعمت روسيا المحادثات [۲].", [("دعمت روسيا المحادثات.", [2], [])]),  # Persian digit
    # Marker-only fragment after the period joins the previous sentence.
    ("Text. [2]", [("Text.", [2], [])]),
    ("First claim. [1] Second claim. [2][3]", [("First claim.", [1], []), ("Second claim.", [2, 3], [])]),
    ("Text. [1, 2].", [("Text.", [1, 2], [])]),
    ("هل انتهت الحرب؟ [٣]", [("هل انتهت الحرب؟", [3], [])]),
    # Several sentences.
    (
        "Assad met the delegation [1]. They discussed Idlib [2][3].",
        [("Assad met the delegation.", [1], []), ("They discussed Idlib.", [2, 3], [])],
    ),
]


@pytest.mark.parametrize("reply, expected", MARKER_CASES)
def test_parse_markers(reply, expected):
    assert parsed(reply) == expected


def test_parse_returns_parsed_sentences():
    out = parse_cited_answer("A claim [1].", {1})
    assert out == [ParsedSentence("A claim.", [1], [])]


def test_invented_numbers_never_cited():
    out = parsed("Real claim [1][7]. Made up claim [9]. Mixed [2, 8, 2].", {1, 2})
    assert out == [
        ("Real claim.", [1], [7]),
        ("Made up claim.", [], [9]),
        ("Mixed.", [2], [8]),
    ]
    for _, cited, invented in out:
        assert not set(cited) & {7, 8, 9}
        assert set(cited) <= {1, 2}
        assert not set(invented) & {1, 2}


def test_nothing_offered_means_everything_invented():
    assert parsed("Claim [1]. Other [٢].", set()) == [("Claim.", [], [1]), ("Other.", [], [2])]


def test_sentence_without_markers_has_empty_cited():
    out = parsed("Assad met the delegation [1]. This has no source. وهذه جملة بلا مصدر.")
    assert out == [
        ("Assad met the delegation.", [1], []),
        ("This has no source.", [], []),
        ("وهذه جملة بلا مصدر.", [], []),
    ]


def test_arabic_answer_with_question_mark_and_comma():
    reply = "أكد الأسد، خلال اللقاء، ضرورة الاستقرار في إدلب [١]. هل ستستمر المحادثات؟ [٢] نعم، في الشهر المقبل [١، ٣]."
    assert parsed(reply) == [
        ("أكد الأسد، خلال اللقاء، ضرورة الاستقرار في إدلب.", [1], []),
        ("هل ستستمر المحادثات؟", [2], []),
        ("نعم، في الشهر المقبل.", [1, 3], []),
    ]


def test_answer_text_keeps_its_own_digits():
    # Arabic-Indic digits are read inside markers, but the answer text is not rewritten.
    assert parsed("صدر القرار ٢٢٥٤ عام ٢٠١٥ [٢].") == [("صدر القرار ٢٢٥٤ عام ٢٠١٥.", [2], [])]
    assert parsed("Growth was 2.5 percent [1].") == [("Growth was 2.5 percent.", [1], [])]


def test_abbreviations_and_decimals_do_not_split_cited_sentence():
    assert parsed("Mr. Putin met the U.S. envoy for 2.5 hours [1][2].") == [
        ("Mr. Putin met the U.S. envoy for 2.5 hours.", [1, 2], []),
    ]


@pytest.mark.parametrize("reply", ["", "   ", "[1]", "[1][2].", " [٣] "])
def test_marker_only_or_empty_reply_has_no_sentences(reply):
    assert parse_cited_answer(reply, OFFERED) == []


RENDER_CASES = [
    ([("Text.", [1, 2])], "Text [1][2]."),
    ([("نص.", [1])], "نص [1]."),
    ([("هل انتهت الحرب؟", [3])], "هل انتهت الحرب [3]؟"),
    ([("Really?!", [2])], "Really [2]?!"),
    ([("انتظر…", [1])], "انتظر [1]…"),
    ([("No final punctuation", [1])], "No final punctuation [1]"),
    ([("Unsourced.", [])], "Unsourced."),
    ([("A.", [1]), ("ب.", [2, 3])], "A [1]. ب [2][3]."),
    ([("He said “yes”.", [1])], "He said “yes” [1]."),
]


@pytest.mark.parametrize("sentences, expected", RENDER_CASES)
def test_render_with_markers(sentences, expected):
    assert render_with_markers(sentences) == expected


@pytest.mark.parametrize(
    "reply",
    [
        "Assad met the delegation [1]. They discussed Idlib [2][3].",
        "أكد الأسد ضرورة الاستقرار [1]. هل ستستمر المحادثات [2]؟ نعم، في الشهر المقبل [1][3].",
    ],
)
def test_parse_render_round_trip(reply):
    out = parse_cited_answer(reply, OFFERED)
    assert render_with_markers([(p.text, p.cited) for p in out]) == reply
