"""The lexical analyzer (normalization, stopwords, stemming) and the FTS5 BM25 index."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from assistant.store.lexical import LexicalIndex
from assistant.text.terms import Analyzer, analyze, light_stem_ar


def one(text: str) -> str:
    terms = analyze(text)
    assert len(terms) == 1, terms
    return terms[0]


# --- analysis ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("أحمد", "احمد"),
        ("إسرائيل", "اسرائيل"),
        ("آمال", "امال"),
        ("مدينة", "مدينه"),
        ("مَدْرَسَة", "مدرسة"),
        ("الـعـربـيـة", "العربية"),
        ("مسؤول", "مسوول"),
        ("مستشفى", "مستشفي"),
    ],
)
def test_spelling_variants_fold_to_one_term(a, b):
    assert one(a) == one(b)


@pytest.mark.parametrize("word", ["المدرسة", "والمدرسة", "بالمدرسة", "للمدرسة", "مدرستهم", "مدرسته"])
def test_clitics_and_pronouns_share_the_stem_of_the_bare_word(word):
    assert one(word) == one("مدرسة") == "مدرس"


def test_arabic_plural_and_nisba_endings():
    assert one("المعلمون") == one("معلمين") == one("المعلم")
    assert one("العربية") == one("عربي")


def test_arabic_indic_digits_fold_to_ascii():
    assert analyze("عام ٢٠٢٤") == ["عام", "2024"]
    assert analyze("۱۹۹۰") == ["1990"]


def test_english_stemming_and_case():
    assert one("talks") == one("talking") == one("Talked") == "talk"
    assert one("Negotiations") == one("negotiation")


def test_stopwords_are_dropped_in_both_languages():
    assert analyze("في من على إلى عن أن هذا الذي وفي") == []
    assert analyze("what is the talk of the town") == ["talk", "town"]


def test_mixed_text_each_token_by_its_script():
    assert analyze("محادثات talks في Geneva ٢٠٢٤", lang="ar") == [one("محادثات"), "talk", "geneva", "2024"]
    assert analyze("Talks المدرسة", lang="en") == ["talk", "مدرس"]


def test_light_stemmer_keeps_short_words_and_empty_text():
    assert light_stem_ar("بيت") == "بيت"
    assert light_stem_ar("الحق") == "حق"
    assert analyze("") == [] and analyze("... ، ؟ !") == []


def test_unknown_stemmer_choice_is_rejected():
    with pytest.raises(ValueError):
        Analyzer(arabic="root")


# --- index -----------------------------------------------------------------------------------------------------

AR = {"lang": "ar", "source": "aljazeera", "date": 20240105}
EN = {"lang": "en", "source": "reuters", "date": 20240310}


@pytest.fixture
def idx(tmp_path):
    ix = LexicalIndex(tmp_path / "lexical.db")
    ix.add(
        [
            ("a:1", "a", "افتتحت الوزارة المدرسة الجديدة في المدينة", AR),
            ("a:2", "a", "وقال الوزير إن المحادثات مستمرة", AR),
            ("b:1", "b", "Peace talks resumed in Geneva on Monday", EN),
            ("c:1", "c", "Talks on the school budget stalled", {"lang": "en", "source": "bbc"}),  # no date
        ]
    )
    return ix


def ids(hits):
    return [h[0] for h in hits]


def test_add_count_and_search_finds_the_chunk(idx):
    assert idx.count() == 4
    assert idx.all_doc_ids() == {"a", "b", "c"}
    assert idx.doc_chunk_ids("a") == ["a:1", "a:2"]
    hits = idx.search("بالمدرسة", 5)
    assert ids(hits) == ["a:1"]
    assert hits[0][1] == "a" and hits[0][2] > 0


def test_bm25_ranks_better_match_first_and_respects_k(idx):
    hits = idx.search("talks Geneva", 5)
    assert ids(hits)[0] == "b:1" and set(ids(hits)) == {"b:1", "c:1"}
    assert hits[0][2] > hits[1][2] > 0
    assert len(idx.search("talks Geneva", 1)) == 1
    assert idx.search("talks", 0) == []


def test_query_terms_are_ored(idx):
    assert set(ids(idx.search("المدرسة Geneva", 5))) == {"a:1", "b:1"}


def test_empty_or_stopword_query_returns_nothing(idx):
    assert idx.search("", 5) == []
    assert idx.search("في من the of", 5) == []
    assert idx.search("zzzunknown", 5) == []


def test_replace_doc_leaves_no_ghost_hits(idx):
    idx.replace_doc("a", [("a:9", "a", "انتخابات بلدية في المدينة", AR)])
    assert idx.count() == 3
    assert idx.doc_chunk_ids("a") == ["a:9"]
    assert idx.search("المدرسة", 5) == []
    assert idx.search("الوزير", 5) == []
    assert ids(idx.search("الانتخابات", 5)) == ["a:9"]
    idx.replace_doc("a", [("a:9", "a", "انتخابات بلدية", AR)])  # same chunk id again: still exactly one row
    assert idx.count() == 3 and idx.doc_chunk_ids("a") == ["a:9"]


def test_replace_doc_is_atomic_when_a_row_fails(idx):
    bad = [("a:7", "a", "نص جديد", AR), ("a:8", "a", "نص آخر", {"lang": {"not": "bindable"}})]
    with pytest.raises(sqlite3.Error):
        idx.replace_doc("a", bad)
    assert idx.doc_chunk_ids("a") == ["a:1", "a:2"]
    assert idx.count() == 4
    assert ids(idx.search("المدرسة", 5)) == ["a:1"]


def test_delete_doc_removes_all_its_chunks(idx):
    assert idx.delete_doc("a") == 2
    assert idx.count() == 2
    assert idx.doc_chunk_ids("a") == [] and "a" not in idx.all_doc_ids()
    assert idx.search("المدرسة الوزير", 5) == []
    assert idx.delete_doc("a") == 0


def test_filters_are_applied_in_the_query(idx):
    assert set(ids(idx.search("talks المحادثات", 5))) == {"a:2", "b:1", "c:1"}
    assert ids(idx.search("talks المحادثات", 5, lang="ar")) == ["a:2"]
    assert set(ids(idx.search("talks المحادثات", 5, lang="en"))) == {"b:1", "c:1"}
    assert ids(idx.search("talks", 5, source="bbc")) == ["c:1"]
    assert ids(idx.search("talks المحادثات", 5, date_from=20240201)) == ["b:1"]  # undated c:1 excluded
    assert ids(idx.search("talks المحادثات", 5, date_to="2024-01-31")) == ["a:2"]
    assert ids(idx.search("talks المحادثات", 5, date_from="2024-01-05", date_to=20240105)) == ["a:2"]
    assert idx.search("talks", 5, lang="en", source="aljazeera") == []
    with pytest.raises(ValueError):
        idx.search("talks", 5, date_from="last week")


def test_top_k_is_taken_among_filtered_rows(tmp_path):
    ix = LexicalIndex(tmp_path / "lex.db")
    rows = [(f"x:{i}", "x", "talks talks talks", {"lang": "en", "source": "wire"}) for i in range(20)]
    rows.append(("y:1", "y", "talks", {"lang": "en", "source": "local"}))
    ix.add(rows)
    assert ids(ix.search("talks", 1, source="local")) == ["y:1"]


def test_terms_in_too_many_rows_are_left_out_of_the_query(tmp_path):
    ix = LexicalIndex(tmp_path / "lex.db")
    ix.add(
        [(f"w:{i}", "w", "ministry statement", {"lang": "en"}) for i in range(12)]
        + [("r:1", "r", "ministry statement about Lavrentiev", {"lang": "en"})]
    )
    assert ix.selective_terms(["ministri", "lavrentiev"], max_df=5) == ["lavrentiev"]
    assert ids(ix.search("ministry Lavrentiev", 20, max_df=5)) == ["r:1"]  # "ministry" (13 rows) dropped
    assert len(ix.search("ministry Lavrentiev", 20, max_df=None)) == 13
    assert ix.search("ministry statement", 20, max_df=5) == []  # only common terms: the vectors carry it


def test_date_from_published_when_date_missing(tmp_path):
    ix = LexicalIndex(tmp_path / "lex.db")
    ix.add([("p:1", "p", "ceasefire", {"published": "2023-06-01T10:00:00Z"})])
    assert ids(ix.search("ceasefire", 5, date_from=20230601, date_to=20230601)) == ["p:1"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        'talks"',
        '"talks',
        "(",
        ")",
        "((talks",
        "AND",
        "OR",
        "NOT",
        "talks AND",
        "AND talks OR",
        "*",
        "talk*",
        "-",
        "-talks",
        "NEAR",
        "NEAR(talks Geneva)",
        "NEAR(talks Geneva, 2)",
        "terms:talks",
        "chunk_id:a",
        "{terms}: talks",
        "^talks",
        "talks + Geneva",
        "'; DROP TABLE chunks; --",
        "؟",
        "،",
        "«المدرسة»",
        "المدرسة؟!",
        '(المدرسة) OR "',
        "\x00",
        "\\",
        "%_%",
        "talks\ttalks\n",
    ],
)
def test_hostile_queries_never_break_match(idx, query):
    hits = idx.search(query, 5)
    assert isinstance(hits, list)
    assert idx.count() == 4


def test_match_expression_quotes_every_term(idx):
    assert idx.match_expression('NEAR(talks, "Geneva") AND -x*') == '"near" OR "talk" OR "geneva"'
    assert idx.match_expression("talks talking TALKS") == '"talk"'
    assert idx.match_expression("؟ ، *") is None


def test_hostile_query_still_matches_its_words(idx):
    assert ids(idx.search('NEAR("Geneva" *) AND -(', 5)) == ["b:1"]
    assert ids(idx.search("«المدرسة»؟", 5)) == ["a:1"]


def test_persists_across_reopening(tmp_path):
    path = tmp_path / "lexical.db"
    ix = LexicalIndex(path)
    ix.add([("d:1", "d", "محادثات السلام في جنيف", AR)])
    ix.close()
    again = LexicalIndex(path)
    assert again.was_reset is False
    assert again.count() == 1 and again.all_doc_ids() == {"d"}
    assert ids(again.search("المحادثات", 3)) == ["d:1"]


def test_reopening_with_another_analyzer_empties_the_index(tmp_path):
    path = tmp_path / "lexical.db"
    LexicalIndex(path).add([("d:1", "d", "المدرسة", AR)])
    other = LexicalIndex(path, analyzer=Analyzer(arabic="none"))
    assert other.was_reset is True and other.count() == 0
    other.add([("d:1", "d", "المدرسة", AR)])
    assert ids(other.search("المدرسة", 3)) == ["d:1"] and other.search("مدرسة", 3) == []


def test_concurrent_reader_sees_whole_versions_while_writer_replaces(tmp_path):
    ix = LexicalIndex(tmp_path / "lexical.db")
    ix.add([(f"d:0:{i}", "d", f"talks round zero part {i}", EN) for i in range(3)])
    errors: list[BaseException] = []
    seen: list[list[str]] = []
    done = threading.Event()

    def reader():
        try:
            while not done.is_set():
                chunk_ids = ix.doc_chunk_ids("d")
                seen.append(chunk_ids)
                assert len(chunk_ids) == 3 and len({c.split(":")[1] for c in chunk_ids}) == 1, chunk_ids
                hits = ix.search("talks round", 10)
                assert len(hits) == 3 and len({h[0].split(":")[1] for h in hits}) == 1, hits
        except BaseException as e:  # noqa: BLE001 - reported to the main thread
            errors.append(e)

    t = threading.Thread(target=reader)
    t.start()
    try:
        for v in range(1, 60):
            ix.replace_doc("d", [(f"d:{v}:{i}", "d", f"talks round {v} part {i}", EN) for i in range(3)])
    finally:
        done.set()
        t.join(timeout=30)
    assert not errors, errors[0]
    assert seen, "reader never ran"
    assert ix.doc_chunk_ids("d") == ["d:59:0", "d:59:1", "d:59:2"] and ix.count() == 3
