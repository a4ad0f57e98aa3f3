"""Attribute-first answers with fakes: clause units, selection, one model call per other-language unit, each
sentence checked against its own unit, quotes introduced in the question's language, streaming order, fallback."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from assistant.answer import attributed
from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.answer.selection import SelectionOptions, Unit, select
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.errors import BackendError, ConfigError
from assistant.retrieval.retriever import Filters
from assistant.store.library import Library
from assistant.text.sentences import split_clauses, split_sentences
from assistant.verify.form import form_problems, in_language
from ingest.models import RawArticle
from ingest.pipeline import Ingestor

AR_TEXT = (
    "أكد الرئيس السوري ضرورة إرساء الاستقرار في إدلب.\n"
    "وتمحورت المحادثات بين الجانبين، حسبما نقلته وزارة الخارجية الروسية، حول “مسائل إنهاء عملية تشكيل اللجنة "
    "الدستورية في أسرع وقت ممكن، وفقا للمنصوص عليه في القرار رقم 2254 لمجلس الأمن التابع للأمم المتحدة”.\n"
    "وقال المبعوث لافرينتييف إن موسكو تدعم الجيش السوري."
)
EN_TEXT = "The museum opened in 1852. Its first director was Henry Cole. It holds 2.3 million objects."


# --- clause splitting --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        AR_TEXT,
        "The minister said the talks, which lasted three days and were held in Geneva under UN auspices, had ended; "
        "both sides agreed to meet again “as soon as possible, in the same city, with the same mediators”.",
        "قال الوزير: «سنعود إلى طاولة المفاوضات قريبا جدا في جنيف»، وأضاف أن الوفد الروسي سيحضر بكامل أعضائه؛ "
        "ولم يذكر موعدا محددا للجولة المقبلة من المحادثات بين الطرفين.",
        "ارتفع عدد السكان إلى ١٢٣٤٥ نسمة عام ٢٠١٩، مع زيادة كبيرة في عدد المهاجرين القادمين من المناطق الريفية "
        "المجاورة، وفق تقرير الإحصاء الوطني الصادر حديثا.",
    ],
)
def test_clauses_are_verbatim_spans_inside_their_sentence(text):
    for s, e in split_sentences(text):
        clauses = split_clauses(text, s, e)
        assert clauses
        for a, b in clauses:
            assert s <= a < b <= e
            piece = text[a:b]
            assert piece == piece.strip() and piece[0] not in "،,؛;“”«»" and piece[-1] not in "،,؛;“”«»"
        assert all(b1 <= a2 for (_, b1), (a2, _) in pairwise(clauses))  # in order, never overlapping


def test_long_sentence_splits_at_quote_and_commas_short_pieces_merge():
    s, e = split_sentences(AR_TEXT)[1]
    clauses = [AR_TEXT[a:b] for a, b in split_clauses(AR_TEXT, s, e)]
    assert len(clauses) >= 2
    assert any("2254" in c for c in clauses) and not all("2254" in c for c in clauses)
    assert all(len(c) >= 50 for c in clauses[:-1])  # "حسبما نقلته ..." alone would be a bare fragment


def test_short_sentence_is_one_unit():
    text = "The museum opened in 1852, two years after the fair."
    assert split_clauses(text, 0, len(text)) == [(0, len(text))]


# --- selection ---------------------------------------------------------------------------------------------
def _unit(start, score, lang, doc="d"):
    return Unit(doc, "c", start, start + 10, "x" * 10, score, lang, start)


def test_each_unit_is_judged_against_its_own_bar():
    # An English sentence of another article scores higher but misses the same-language bar; the Arabic unit
    # clears the cross-language bar and is selected (the "resolution 2254" case).
    ranked = [_unit(0, 0.79, "en", doc="other"), _unit(0, 0.78, "ar")]
    chosen = select(ranked, "en", SelectionOptions(min_relevance=0.81, min_relevance_cross=0.77))
    assert [u.lang for u in chosen] == ["ar"]


def test_selection_skips_overlapping_units_and_stops_at_the_margin():
    ranked = [_unit(0, 0.90, "en"), _unit(5, 0.89, "en"), _unit(20, 0.88, "en"), _unit(40, 0.70, "en")]
    chosen = select(ranked, "en", SelectionOptions(min_relevance=0.6, margin=0.05, max_units=3))
    assert [u.start for u in chosen] == [0, 20]  # 5 overlaps 0; 40 is past the margin


def test_nothing_clears_the_bar_selects_nothing():
    assert select([_unit(0, 0.5, "en")], "en", SelectionOptions(min_relevance=0.8)) == []


# --- form checks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sentence,lang,problem",
    [
        ("Russia backs the Syrian army.", "en", None),
        ("Lavrentiev (لافرينتييف) headed the delegation.", "en", None),
        ("The article says, in Arabic: «أكد الجانب الروسي دعمه».", "en", None),
        ("الوفد برئاسة لافرينتييف.", "ar", None),
        ("جacksonville is a city.", "en", "mixing"),
        ("روسيا تدعم 中国 الجيش.", "ar", "script"),
        ("الجواب في العربية: روسيا تدعم الجيش.", "ar", "prompt words"),
        ("Answer: Russia backs the army.", "en", "prompt words"),
        ("Russia backs the army. It also said more.", "en", "more than one sentence"),
        ("Russia backs the army NOT_IN_ARTICLES.", "en", "prompt words"),
        ("روسيا تدعم الجيش السوري.", "en", "script"),
        ("تدير ال药师ة الكبرى الشركات.", "ar", "mixing"),  # another script inside an Arabic word
        ("تقع المدينة على نهر الراين قرب بingen.", "ar", "mixing"),  # a Latin fragment glued to an Arabic prefix
        ("تأسست الجامعة عام تأسيس تأسيس تأسيس تأسيس.", "ar", "repeated words"),
        ("The league was founded founded founded in 1920.", "en", "repeated words"),
        ("قال إن الجيش الجيش السوري يتقدم نحو الجيش السوري الجيش السوري الجيش السوري.", "ar", "repeated words"),
        ("اللغة العربية هي العربية، وترجمة النص إلى العربية هي:", "ar", "prompt words"),
        ("The translation of the text into English is:", "en", "prompt words"),
        ("He said it had had a very good year.", "en", None),  # two in a row is language, three is a loop
        ("قال إن إن الاتفاق صامد.", "ar", None),
        ("The article says, in Arabic: «أكد الجانب الروسي دعمه»", "en", None),  # a colon before its quote
        ("يقول المقال بالإنجليزية: «Russia backs the army.»", "ar", None),
    ],
)
def test_form_problems(sentence, lang, problem):
    found = form_problems(sentence, lang)
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


def test_a_quote_introduced_in_the_question_language_is_in_that_language():
    assert in_language("The article says, in Arabic: «أكد الجانب الروسي دعمه».", "en")
    assert not in_language("«أكد الجانب الروسي دعمه».", "en")


# --- checks of one restated sentence against its unit -------------------------------------------------------
AR_UNIT = Unit(
    "d", "c", 0, 60, "وقال المبعوث لافرينتييف إن موسكو تدعم الجيش السوري في إدلب منذ عام 2015.", 0.9, "ar", 0
)
OPTS = attributed.AttributedOptions(min_support_cross=0.5)


@pytest.mark.parametrize(
    "sentence,reason",
    [
        ("The envoy Lavrentiev said Moscow has backed the Syrian army in Idlib since 2015.", None),
        ("The envoy Lavrentiev said Moscow has backed the Syrian army in Idlib since 2016.", "number 2016"),
        ("The envoy Erdogan said Moscow has backed the Syrian army in Idlib since 2015.", "name Erdogan"),
        ("The envoy جavrentiev said Moscow backs the army in Idlib since 2015.", "malformed"),
        ("Lavrentiev said so.", "length"),
        ("The envoy Lavrentiev said Moscow has backed the Syrian army in Idlib since 2015, " * 3, "length"),  # a loop
    ],
)
def test_check_sentence_reasons(sentence, reason):
    why = attributed.check_sentence(sentence, AR_UNIT, "What did the envoy say?", "en", support=0.9, opts=OPTS)
    if reason is None:
        assert why is None
    else:
        assert why is not None and reason in why, why


def test_low_similarity_is_rejected_across_languages():
    s = "The envoy Lavrentiev said Moscow has backed the Syrian army in Idlib since 2015."
    why = attributed.check_sentence(s, AR_UNIT, "q?", "en", support=0.3, opts=OPTS)
    assert why and "similarity" in why


def test_source_spelling_is_kept_beside_a_transliterated_name():
    out = attributed.with_source_spellings("The envoy Lavrentiev spoke.", AR_UNIT, "en")
    assert out == "The envoy Lavrentiev (لافرينتييف) spoke."
    en_unit = Unit("d", "c", 0, 40, "The envoy Lavrentiev spoke in Damascus.", 0.9, "en", 0)
    assert (
        attributed.with_source_spellings("تحدث المبعوث لافرينتييف.", en_unit, "ar")
        == "تحدث المبعوث لافرينتييف (Lavrentiev)."
    )


def test_names_copied_in_the_source_script_are_marked_as_source_spellings():
    en_unit = Unit("d", "c", 0, 60, "Pro Bowl cornerback Josh Norman had four interceptions.", 0.9, "en", 0)
    out = attributed.mark_copied_names("سجل Josh Norman أربع اعتراضات.", en_unit, "ar")
    assert out == "سجل (Josh Norman) أربع اعتراضات." and form_problems(out, "ar") == []
    kept = attributed.mark_copied_names("سجل Josh Norman أربع interceptions.", en_unit, "ar")
    assert "interceptions" in kept and form_problems(kept, "ar")  # a plain English word stays wrong
    assert attributed.mark_copied_names("سجل John Smith هدفا.", en_unit, "ar") == "سجل John Smith هدفا."
    out = attributed.mark_copied_names("The envoy لافرينتييف spoke.", AR_UNIT, "en")
    assert out == "The envoy (لافرينتييف) spoke." and form_problems(out, "en") == []


@pytest.mark.parametrize(
    "reply,clean",
    [
        ("Translation: Moscow backs the army", "Moscow backs the army."),
        ("\n«Moscow backs the army.»\nMore text", "Moscow backs the army."),
        ("الترجمة: موسكو تدعم الجيش", "موسكو تدعم الجيش."),
    ],
)
def test_clean_reply(reply, clean):
    assert attributed.clean_reply(reply) == clean


# --- the answerer in attributed mode -----------------------------------------------------------------------
@pytest.fixture
def lib(tmp_path):
    lib = Library(tmp_path / "h")
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [
            RawArticle(text=AR_TEXT, locator="ar", id="ar-1", title="إدلب", source="test", lang="ar"),
            RawArticle(text=EN_TEXT, locator="en", id="en-1", title="Museum", source="test", lang="en"),
        ]
    )
    return lib


def answerer(lib, llm, **opts) -> Answerer:
    """The attributed answerer over ``lib``; unless a test says otherwise, restatements that pass the deterministic
    checks are shown (``translate``) and no short answer is looked for, so the model's calls are the restatements'."""
    opts.setdefault("cross_language", "translate")
    opts.setdefault("short_answers", False)
    bar = opts.pop("bar", 0.0)
    o = AnswerOptions(
        answer_mode="attributed",
        unit_min_relevance=bar,
        unit_min_relevance_cross=bar,
        min_support=-1.0,
        min_quote_relevance_cross=opts.pop("quote_bar", 2.0),
        **opts,
    )
    return Answerer(library=lib, embedder=FakeEmbedder(), llm=llm, options=o)


def test_same_language_units_are_quoted_without_a_model_call(lib):
    llm = FakeLLM()
    ans = answerer(lib, llm, max_units=2).ask("Who was the first director of the museum?")
    assert not ans.abstained and llm.history == []
    assert all(s["kind"] == "quoted" for s in ans.sentences)
    assert ans.answer.startswith("The article says: «")
    for c in ans.citations:
        assert lib.get(c.doc_id).text[c.start : c.end] == c.quote and c.quote in ans.answer
    assert ans.config["answer_mode"] == "attributed"
    assert any(e["selected"] for e in ans.evidence)


def test_one_call_per_other_language_unit_and_its_own_citation(lib):
    def translate(messages):
        unit = messages[-1].content
        return (
            "The envoy Lavrentiev said Moscow backs the Syrian army."
            if "لافرينتييف" in unit
            else "Syria's president stressed the need for stability in Idlib."
        )

    llm = FakeLLM([translate] * 3)
    ans = answerer(lib, llm, max_units=3).ask("ماذا قال المبعوث لافرينتييف عن الجيش؟")
    assert llm.history == [] and not ans.abstained  # an Arabic question over Arabic units: quoted, no call
    ans = answerer(lib, llm, max_units=3, bar=-1.0).ask(
        "What did the envoy Lavrentiev say about the Syrian army?", filters=Filters(lang="ar")
    )
    restated = [s for s in ans.sentences if s["kind"] == "restated"]
    assert restated, ans.removed
    assert len(llm.history) == sum(1 for e in ans.evidence if e["selected"] and e["lang"] == "ar")
    for s in restated:
        (cid,) = s["citations"]
        cite = ans.citations[cid - 1]
        assert cite.doc_id == "ar-1" and lib.get("ar-1").text[cite.start : cite.end] == cite.quote
    assert "Lavrentiev (لافرينتييف)" in ans.answer


def test_a_failed_restatement_is_dropped_or_quoted_in_the_question_language(lib):
    bad = "The envoy Erdogan said Moscow backs the Syrian army."  # a name its unit does not have
    only_ar = Filters(lang="ar")
    ans = answerer(lib, FakeLLM([bad] * 3), max_units=3, bar=-1.0).ask(
        "What did the envoy say about the Syrian army?", filters=only_ar
    )
    assert all(bad != s["sentence"] for s in ans.sentences)
    assert any("name Erdogan" in r["reason"] for r in ans.removed)
    ar_shown = [s for s in ans.sentences if ans.citations[s["citations"][0] - 1].doc_id == "ar-1"]
    assert ar_shown == []  # quote bar 2.0: nothing from the Arabic article is quoted instead
    ans = answerer(lib, FakeLLM([bad] * 3), max_units=3, quote_bar=-1.0, bar=-1.0).ask(
        "What did the envoy say about the Syrian army?", filters=only_ar
    )
    quotes = [s["sentence"] for s in ans.sentences if s["kind"] == "quoted"]
    assert any(
        q.startswith(
            ("The article says, in Arabic: «", "It also says, in Arabic: «", "The envoy (المبعوث لافرينتييف) said")
        )
        and ", in Arabic: «" in q
        for q in quotes
    )


def test_sentences_stream_one_by_one_before_the_final_answer(lib):
    llm = FakeLLM(["The envoy Lavrentiev said Moscow backs the Syrian army."] * 3)
    events = list(answerer(lib, llm, max_units=3).stream("What did the envoy Lavrentiev say about the museum?"))
    kinds = [e.type for e in events]
    assert kinds[0] == "retrieved" and kinds[-1] == "final"
    sentences = [e for e in events if e.type == "sentence"]
    final = events[-1].answer
    assert len(sentences) == len(final.sentences) >= 1
    assert [e.citations[0].id for e in sentences] == list(range(1, len(sentences) + 1))
    assert [e.sentence["sentence"] for e in sentences] == [s["sentence"] for s in final.sentences]
    assert "first_sentence" in final.timings_ms and final.timings_ms["first_sentence"] <= final.timings_ms["total"]


def test_no_unit_clears_the_bar_abstains_in_the_question_language(lib):
    ans = answerer(lib, FakeLLM(), bar=0.99).ask("ما هي عاصمة فرنسا؟")
    assert ans.abstained and ans.citations == [] and in_language(ans.answer, "ar")


def test_no_model_quotes_the_units(lib):
    ans = answerer(lib, None, max_units=2, bar=-1.0).ask(
        "What did the envoy Lavrentiev say about the Syrian army?", filters=Filters(lang="ar")
    )
    assert not ans.abstained and all(s["kind"] == "quoted" for s in ans.sentences)
    assert all(in_language(s["sentence"], "en") for s in ans.sentences)


@pytest.mark.parametrize("policy", ["translate", "quote"])
def test_cross_language_quote_policy_shows_the_articles_words_without_a_model_call(lib, policy):
    llm = FakeLLM(["The envoy Lavrentiev said Moscow backs the Syrian army."] * 3)
    ans = answerer(lib, llm, max_units=3, bar=-1.0, cross_language=policy).ask(
        "What did the envoy Lavrentiev say about the Syrian army?", filters=Filters(lang="ar")
    )
    assert not ans.abstained
    kinds = {s["kind"] for s in ans.sentences}
    if policy == "quote":
        assert llm.history == [] and kinds == {"quoted"}
        for s in ans.sentences:
            cite = ans.citations[s["citations"][0] - 1]
            assert lib.get(cite.doc_id).text[cite.start : cite.end] == cite.quote and f"«{cite.quote}»" in s["sentence"]
            assert s["sentence"].startswith(("The article says, in Arabic: «", "It also says, in Arabic: «")) or (
                s["sentence"].startswith("The envoy Lavrentiev (المبعوث لافرينتييف) said, in Arabic: «")  # who said it
            )
    else:
        assert llm.history and "restated" in kinds


def test_cross_language_policy_comes_from_settings_and_is_checked(lib):
    from assistant.settings import Settings

    assert AnswerOptions.from_settings(Settings(llm="local")).cross_language == "gate"
    assert AnswerOptions.from_settings(Settings(llm="local", cross_language="quote")).cross_language == "quote"
    with pytest.raises(ConfigError, match="cross-language policy 'paraphrase'"):
        answerer(lib, FakeLLM(), cross_language="paraphrase")


class FailingLLM(FakeLLM):
    def complete(self, messages, **kw):
        raise BackendError("local model x failed: boom")


def test_model_failure_falls_back_to_introduced_quotes(lib):
    ans = answerer(lib, FailingLLM(), max_units=2, bar=-1.0).ask(
        "What did the envoy Lavrentiev say about the army?", filters=Filters(lang="ar")
    )
    assert not ans.abstained and ans.fallback and "boom" in ans.fallback
    assert all(s["kind"] == "quoted" for s in ans.sentences)


def test_answer_mode_auto_is_attributed_for_the_local_model():
    from assistant.settings import Settings

    assert AnswerOptions.from_settings(Settings(llm="local")).answer_mode == "attributed"
    assert AnswerOptions.from_settings(Settings(llm="openai")).answer_mode == "synthesized"
    assert AnswerOptions.from_settings(Settings(llm="fake", answer_mode="attributed")).answer_mode == "attributed"


def test_unit_vectors_are_kept_for_the_support_check(lib):
    from assistant.answer.selection import rank_units

    answer = answerer(lib, FakeLLM())
    hits = answer.retriever.retrieve("envoy army", top_k=5)
    ranked = rank_units(lib, answer.embedder, hits, FakeEmbedder().embed_query("envoy army"), SelectionOptions())
    assert ranked and all(isinstance(u.vector, np.ndarray) for u in ranked)
    assert [u.score for u in ranked] == sorted((u.score for u in ranked), reverse=True)


class JudgingLLM(FakeLLM):
    """A fake with a yes/no judgement: yes only for units that name the envoy."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.judged: list[str] = []

    def yes_probability(self, messages):
        unit = messages[-1].content.split("Sentence: «", 1)[1].split("»")[0]
        self.judged.append(unit)
        return 0.9 if "لافرينتييف" in unit or "director" in unit else 0.1


def test_model_relevance_judgement_gates_units(lib):
    llm = JudgingLLM()
    ans = answerer(lib, llm, max_units=3, min_answer_probability=0.5).ask("Who was the first director of the museum?")
    assert llm.judged and not ans.abstained
    assert all("director" in c.quote or "لافرينتييف" in c.quote for c in ans.citations)  # judged yes
    rejected = [r for r in ans.removed if "does not answer (p=0.10)" in r["reason"]]
    assert len(rejected) + len(ans.citations) == len(llm.judged)
    ans = answerer(lib, JudgingLLM(), max_units=3, min_answer_probability=0.95).ask("Who was the first director?")
    assert ans.abstained and all("does not answer" in r["reason"] for r in ans.removed)


def test_no_judgement_without_the_setting(lib):
    llm = JudgingLLM()
    answerer(lib, llm, max_units=2).ask("Who was the first director of the museum?")
    assert llm.judged == []


def test_chunk_weight_compares_a_unit_with_the_best_chunk_of_its_own_language(lib):
    from assistant.answer.selection import rank_units

    answer = answerer(lib, FakeLLM())
    qv = FakeEmbedder().embed_query("museum director envoy army")
    hits = answer.retriever.retrieve("museum director envoy army", top_k=5)
    assert {h.chunk.metadata.get("lang") for h in hits} == {"ar", "en"}
    ranked = rank_units(lib, answer.embedder, hits, qv, SelectionOptions(chunk_weight=0.5), q_lang="en")
    for lang in ("ar", "en"):
        best = max((h for h in hits if h.chunk.metadata.get("lang") == lang), key=lambda h: h.score)
        own = [u for u in ranked if u.chunk_id == best.chunk.chunk_id]
        assert own and all(abs(u.score - float(u.vector @ qv)) < 1e-6 for u in own)  # not lowered


class EntailingLLM(FakeLLM):
    """Restates every unit with the same sentence; judges it entailed only by the unit about stability."""

    judged = 0

    def yes_probability(self, messages):
        self.judged += 1
        source = messages[-1].content.split("SENTENCE:")[0]
        return 0.9 if "الاستقرار" in source else 0.2


@pytest.mark.parametrize("bar,shown_any", [(0.7, True), (0.95, False)])
def test_entailment_judgement_rejects_a_restatement_its_unit_does_not_state(lib, bar, shown_any):
    line = "The president stressed the need for stability there."
    llm = EntailingLLM([line] * 3)
    ans = answerer(lib, llm, max_units=3, bar=-1.0, min_entailment=bar).ask(
        "What did the president stress about إرساء الاستقرار?", filters=Filters(lang="ar")
    )
    shown = [s for s in ans.sentences if s["kind"] == "restated"]
    assert llm.judged >= 1 and bool(shown) == shown_any, ans.removed
    assert all("الاستقرار" in ans.citations[s["citations"][0] - 1].quote for s in shown)
    assert all(
        "الاستقرار" not in AR_TEXT[r["unit"][0] : r["unit"][1]] or bar > 0.9
        for r in ans.removed
        if "does not state it" in r["reason"]
    )


def test_question_signals_lower_units_that_cannot_answer_and_raise_anchored_ones():
    from assistant.answer.selection import _question_signals

    def units():
        return [
            Unit("d", "c", 0, 30, "The council met in the harbour.", 0.80, "en", 0),
            Unit("d", "c", 31, 70, "It voted 12 times on the plan.", 0.80, "en", 31),
            Unit("d", "c", 71, 120, "وقال لافرينتييف إن الوفد وصل.", 0.80, "ar", 71),
        ]

    plain = units()
    _question_signals(plain, "How many times did the council vote?", "en", SelectionOptions(type_penalty=0.03))
    assert [round(u.score, 2) for u in plain] == [0.77, 0.80, 0.77]  # no number: cannot answer "how many"
    anchored = units()
    _question_signals(
        anchored, "What did Lavrentiev say?", "en", SelectionOptions(type_penalty=0.03, anchor_weight=0.03)
    )
    assert [round(u.score, 2) for u in anchored] == [0.80, 0.80, 0.83]  # the question's name, across scripts


def _best_score(lib, question: str, lang: str) -> float:
    """The best score of a ``lang`` unit for ``question`` (fake embedder), as selection ranks them."""
    from assistant.answer.selection import rank_units

    answer = answerer(lib, FakeLLM())
    hits = answer.retriever.retrieve(question, top_k=5)
    ranked = rank_units(lib, answer.embedder, hits, FakeEmbedder().embed_query(question), SelectionOptions())
    return max(u.score for u in ranked if u.lang == lang)


def test_a_near_miss_of_the_gate_is_answered_when_the_model_says_a_unit_answers(lib):
    question = "Who was the first director of the museum?"
    bar = _best_score(lib, question, "en") + 0.01  # every English unit just under its bar: the gate stays shut
    shut = answerer(lib, JudgingLLM(), bar=bar, rescue_margin=None).ask(question)
    assert shut.abstained
    llm = JudgingLLM()
    ans = answerer(lib, llm, bar=bar, rescue_margin=0.02, rescue_probability=0.5).ask(question)
    assert 1 <= len(llm.judged) <= 2 and not ans.abstained  # at most the two best units are put to the model
    assert any("director" in c.quote for c in ans.citations) and "rescue" in ans.timings_ms
    llm = JudgingLLM()
    no = answerer(lib, llm, bar=bar, rescue_margin=0.02, rescue_probability=0.95).ask(question)
    assert no.abstained and llm.judged  # asked, but the model's 0.9 is under the bar
    far = answerer(lib, JudgingLLM(), bar=bar + 0.05, rescue_margin=0.02, rescue_probability=0.5).ask(question)
    assert far.abstained  # further under the bar than the margin: not put to the model


def test_no_rescue_across_languages_nor_without_a_judging_model(lib):
    question = "What did the envoy لافرينتييف stress?"  # English, answered by Arabic units only
    bar = max(_best_score(lib, question, "ar"), _best_score(lib, question, "en")) + 0.01
    llm = JudgingLLM()
    ans = answerer(lib, llm, bar=bar, rescue_margin=0.02, rescue_probability=0.5).ask(
        question, filters=Filters(lang="ar")
    )
    assert ans.abstained and llm.judged == []  # the Arabic units keep their bar for an English question
    plain = FakeLLM()  # no yes_probability: nothing to ask
    assert answerer(lib, plain, bar=bar, rescue_margin=0.02).ask(question, filters=Filters(lang="ar")).abstained
