"""Short answers (:mod:`assistant.answer.short`) and the answer's structure around them: the checked fact that
leads the answer, carried across languages by rule only; the quote as the backbone with its answering words
marked; a restatement across languages shown as the answer's own sentence only past the gate, else riding along as
an unverified translation. Fake backends: the model's replies are scripted."""

from __future__ import annotations

import pytest

from assistant.answer.answerer import Answerer
from assistant.answer.selection import Unit
from assistant.answer.short import candidates_in_context, carry_over, find_short_answer, question_type
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.store.library import Library
from assistant.ui import render
from ingest.models import RawArticle
from ingest.pipeline import Ingestor
from prompts import UNIT_LINE
from tests.helpers import open_attributed


def unit(text: str, lang: str = "ar", start: int = 100) -> Unit:
    return Unit("d", "c", start, start + len(text), text, 0.9, lang, start)


# --- the question's type --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question,lang,kind",
    [
        ("How many points did the Panthers defense surrender?", "en", "number"),
        ("How much time remained on the clock?", "en", "number"),
        ("When did France take control of Algeria?", "en", "date"),
        ("In what year was the university founded?", "en", "date"),
        ("Who led the Panthers in sacks?", "en", "name"),
        ("Where was the meeting held?", "en", "place"),
        ("What did Russia say about Idlib?", "en", "phrase"),
        ("كم عدد النقاط التي تخلى عنها الدفاع؟", "ar", "number"),
        ("متى سيطرت فرنسا على الجزائر؟", "ar", "date"),
        ("في أي عام تأسست الجامعة؟", "ar", "date"),
        ("من ترأس الوفد الروسي؟", "ar", "name"),
        ("ماذا قالت روسيا عن إدلب؟", "ar", "phrase"),
    ],
)
def test_question_type(question, lang, kind):
    assert question_type(question, lang) == kind


# --- carried across languages by rule --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "copy,unit_lang,question,q_lang,expected",
    [
        ("٣٠٨ نقطة", "ar", "How many points did the Panthers defense surrender?", "en", ("308 points", "number")),
        ("308 نقطة", "ar", "How many points?", "en", ("308 points", "number")),
        ("أربعة", "ar", "How many balls did Josh Norman intercept?", "en", ("four", "number")),
        ("17 ثانية", "ar", "How much time remained?", "en", ("17 seconds", "number")),
        ("٥٦٫٢٪", "ar", "What percentage voted?", "en", ("56.2%", "number")),
        ("56,2٪", "ar", "What percentage voted?", "en", ("56.2%", "number")),
        ("3 ملايين", "ar", "How many sold?", "en", ("3 million", "number")),
        ("1,500", "ar", "How many sold?", "en", ("1,500", "number")),
        ("عام 1830", "ar", "When did France take control of Algeria?", "en", ("1830", "date")),
        ("10 أيلول 2019", "ar", "When was the meeting?", "en", ("10 September 2019", "date")),
        ("في ١٠ سبتمبر ٢٠١٩", "ar", "When was the meeting?", "en", ("10 September 2019", "date")),
        ("308 points", "en", "كم نقطة تخلى عنها الدفاع؟", "ar", ("308 نقطة", "number")),
        ("May 2020", "en", "متى عقد الاجتماع؟", "ar", ("مايو 2020", "date")),
        ("308 points", "en", "How many points did the Panthers surrender?", "en", ("308 points", "verbatim")),
        ("نقطة", "ar", "What did they surrender?", "en", None),  # a phrase question: no short answer
        ("بشار الأسد", "ar", "Who received the envoy?", "en", None),  # names are not carried
        ("بشار الأسد", "ar", "من استقبل المبعوث؟", "ar", None),  # nor copied
    ],
)
def test_carry_over(copy, unit_lang, question, q_lang, expected):
    assert carry_over(copy, unit_lang, q_lang, question_type(question, q_lang)) == expected


E = FakeEmbedder()


def short(question: str, units: list[Unit], numbers: bool = True):
    """The short answer for ``question`` from ``units`` (number questions included unless ``numbers`` is off)."""
    lang = "ar" if any("\u0600" <= ch <= "\u06ff" for ch in question) else "en"
    return find_short_answer(question, lang, units, embedder=E, q_vector=E.embed_query(question), numbers=numbers)


def test_the_value_whose_clause_is_like_the_question_is_taken():
    u = unit("سجل اللاعب ١٢ هدفا في الدوري، وقد تخلى دفاع بانثرز عن ٣٠٨ نقطة فقط")
    s = short("كم نقطة تخلى عنها دفاع بانثرز؟", [u])
    assert s.text == "٣٠٨ نقطة" and s.how == "verbatim"  # Arabic-Indic digits kept as the article writes them
    assert u.text[s.start - u.start : s.end - u.start] == "٣٠٨ نقطة"
    en = unit("The Panthers scored 12 goals in the league, and the Panthers defense surrendered 308 points", "en")
    s = short("How many points did the Panthers defense surrender?", [en])
    assert s.text == "308 points" and s.how == "verbatim"


def test_a_close_rival_value_means_no_answer():
    two = unit("سجل 12 هدفا و 14 هدفا")
    assert short("How many goals?", [two]) is None  # two values in one clause, neither ahead: no guess
    assert short("How many goals?", [unit("سجل 12 هدفا في الموسم")]).text == "12"  # no rival
    years = unit("The company opened in 1901, the company closed in 1903", lang="en")  # clauses 0.60 and 0.57
    assert short("When did the company close?", [years]) is None
    assert short("When did the company close?", [unit("the company closed in 1903", lang="en")]).text == "1903"


def test_a_question_that_names_a_unit_takes_only_numbers_in_that_unit():
    u = unit("سجل الفريق ١٢ هدفا و ٣٠٨ نقطة")
    qv = E.embed_query("x")
    assert [c.value for c in candidates_in_context("كم نقطة سجل الفريق؟", [u], "number", E, qv)] == ["308"]
    assert [c.value for c in candidates_in_context("How many points?", [u], "number", E, qv)] == ["308"]
    assert {c.value for c in candidates_in_context("كم عدد أهداف الفريق؟", [u], "number", E, qv)} == {"12", "308"}
    assert candidates_in_context("How many years?", [u], "number", E, qv) == []  # no number in years


def test_number_questions_only_when_switched_on():
    u = unit("سجل اللاعب ١٢ هدفا في الدوري، وقد تخلى دفاع بانثرز عن ٣٠٨ نقطة فقط")
    assert short("كم نقطة تخلى عنها دفاع بانثرز؟", [u], numbers=False) is None
    assert short("متى تأسس النادي؟", [unit("تأسس النادي سنة ١٩٠١")], numbers=False).text == "سنة ١٩٠١"


def test_what_the_question_holds_a_year_after_in_and_non_percentages_are_not_candidates():
    u = unit("كان عدد سكان وارسو في 1901 نحو 711.988 نسمة، منهم 2.8% بروتستانت و 15 كنيسة")
    qv = E.embed_query("x")
    values = {c.value for c in candidates_in_context("كم كان عدد سكان وارسو في 1901؟", [u], "number", E, qv)}
    assert "1901" not in values and {"711.988", "2.8", "15"} <= values
    pct = candidates_in_context("ما نسبة البروتستانت في وارسو؟", [u], "number", E, qv)
    assert [c.value for c in pct] == ["2.8"]
    years = candidates_in_context("ماذا حدث بين 1901 و 1903؟", [unit("في 1901 ثم في 1903 و 1910")], "date", E, qv)
    assert [c.value for c in years] == ["1910"]


@pytest.mark.parametrize(
    "text,question,expected",
    [
        ("وتضم المجموعة أكثر من ٧٠٬٠٠٠ عمل فني", "How many works are in the collection?", "more than 70,000"),
        ("وقد تم تعريف 100-150 نوعا منها", "How many species have been described?", "100–150"),
        ("there are more than 5,100 people who signed", "كم عدد الموقعين؟", "أكثر من 5,100 شخص"),
        ("وبلغت الكلفة 30 مليون جنيه سنويا", "How much did it cost each year?", "30 million pounds"),
        ("توقف عند الدقيقة ٣:٠٨ من الربع الأخير", "How much time was left?", "3:08"),
        ("وفي صيف سنة ١٥٢١ وسع لوثر هجومه", "When did Luther broaden his attacks?", "1521"),
        ("وفي صيف سنة ١٥٢١ وسع لوثر هجومه", "متى وسع لوثر هجومه؟", "صيف سنة ١٥٢١"),
        ("أعيد افتتاح البورصة في أبريل 1991", "When was the exchange reopened?", "April 1991"),
        ("أعيد افتتاح البورصة في ١٢ إبريل من عام ١٩٩١", "When was the exchange reopened?", "12 April 1991"),
        ("the colony was founded in 1788", "متى تأسست المستعمرة؟", "سنة 1788"),
        ("the plant closed on 3 May 2013", "متى أغلق المصنع؟", "3 مايو 2013"),
        ("شنتا هجوما في 6 تشرين الأول/أكتوبر 1973", "متى شنتا الهجوم؟", "6 تشرين الأول/أكتوبر 1973"),
        ("شنتا هجوما في 6 تشرين الأول/أكتوبر 1973", "When did they attack?", "6 October 1973"),
        ("The attack came on October 6, 1973, at noon", "متى وقع الهجوم؟", "6 أكتوبر 1973"),
    ],
)
def test_the_value_is_taken_whole_and_carried_by_rule(text, question, expected):
    lang = "en" if text.isascii() else "ar"
    s = short(question, [unit(text, lang=lang)])
    assert s is not None and s.text == expected


def test_only_number_and_date_questions_get_a_short_answer():
    u = unit("وسجل كاوان شورت 11 استحواذا هذا الموسم في 2015", lang="ar")
    assert short("من سجل أعلى عدد من الاستحواذات؟", [u]) is None
    assert short("What did Kawann Short do?", [u]) is None


# --- in the answer -----------------------------------------------------------------------------------------------
AR_TEXT = "لم يتخلى فريق بانثرز سوى عن ٣٠٨ نقطة، واحتل المركز السادس في الدوري، وسجل كاوان شورت أكثر الإسقاطات."
"""One sentence: the one unit the answerer can select (the fake embedder does not match across languages)."""


class JudgingLLM(FakeLLM):
    """A fake with a yes/no judgement: P(yes) for the entailment prompt is ``p``."""

    def __init__(self, replies, p: float):
        super().__init__(replies)
        self.p = p

    def yes_probability(self, messages) -> float:
        self.history.append(list(messages))
        return self.p


@pytest.fixture
def lib(tmp_path):
    lib = Library(tmp_path / "h")
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [RawArticle(text=AR_TEXT, locator="ar", id="ar-1", title="بانثرز", source="test", lang="ar")]
    )
    return lib


def answerer(lib, llm, **opts) -> Answerer:
    opts.setdefault("short_answers", True)
    opts.setdefault("short_answer_numbers", True)  # off by default; the tests ask number questions
    return open_attributed(lib, llm, max_units=1, **opts)


def short_then(copy: str, restatement: str):
    """Scripted replies: the copy for the short-answer prompt, the restatement for the restate prompt."""

    def reply(messages):
        return restatement if UNIT_LINE.search(messages[-1].content) else copy

    return [reply, reply]


def test_the_checked_fact_leads_and_its_words_are_marked_in_the_quote(lib):
    llm = FakeLLM(short_then("٣٠٨ نقطة", "The Panthers conceded only 308 points, sixth in the league."))
    ans = answerer(lib, llm).ask("How many points did the Panthers defense surrender?")
    text = lib.get("ar-1").text
    sa = ans.short_answer
    assert sa["text"] == "308 points" and sa["how"] == "number" and sa["verified"] and sa["citation"] == 1
    assert text[sa["start"] : sa["end"]] == "٣٠٨ نقطة"
    assert ans.answer.startswith("308 points [1]. ")
    [s] = ans.sentences
    assert s["kind"] == "quoted" and s["verified"]  # no judge: the gate cannot pass the restatement
    quote = s["sentence"][s["sentence"].index("«") + 1 : s["sentence"].index("»")]
    assert [quote[m["start"] : m["end"]] for m in s["marked"]] == ["٣٠٨ نقطة"]
    assert s["translation"]["text"] == "The Panthers (بانثرز) conceded only 308 points, sixth in the league."
    assert s["translation"]["verified"] is False and "gate" in s["translation"]["why"]
    assert ans.to_dict()["short_answer"]["text"] == "308 points"  # what --json and the API carry


@pytest.mark.parametrize("p,kind", [(0.99, "restated"), (0.6, "quoted")])
def test_the_gate_shows_a_restatement_only_past_its_bar(lib, p, kind):
    llm = JudgingLLM(short_then("NONE", "The Panthers conceded only 308 points, sixth in the league."), p)
    ans = answerer(lib, llm).ask("What did the Panthers concede this season?")
    [s] = ans.sentences
    assert s["kind"] == kind and s["verified"]
    assert ("translation" in s) == (kind == "quoted")
    assert ans.short_answer is None


def test_a_malformed_restatement_is_never_offered_even_as_a_translation(lib):
    llm = JudgingLLM(short_then("NONE", "The Panthers conceded conceded conceded 308 points."), 0.99)
    [s] = answerer(lib, llm).ask("What did the Panthers concede?").sentences
    assert s["kind"] == "quoted" and "translation" not in s


def test_no_short_answer_when_switched_off_or_not_checkable(lib):
    llm = FakeLLM(short_then("٣٠٨ نقطة", "x"))
    assert (
        answerer(lib, llm, short_answers=False, cross_language="quote")
        .ask("How many points did the Panthers defense surrender?")
        .short_answer
        is None
    )
    llm = FakeLLM(short_then("كاوان شورت", "x"))  # a name the question does not spell: not carried across
    ans = answerer(lib, llm, cross_language="quote").ask("Who registered the most sacks?")
    assert ans.short_answer is None and not ans.answer.startswith("Kawann")


def test_the_chat_shows_the_fact_the_marked_words_and_a_folded_unverified_translation(lib):
    llm = FakeLLM(short_then("٣٠٨ نقطة", "The Panthers conceded only 308 points, sixth in the league."))
    ans = answerer(lib, llm).ask("How many points did the Panthers defense surrender?")
    html = render.render_answer(ans, 0)
    assert '<div class="nqa-short" dir="auto"><strong dir="auto">308 points</strong>' in html
    assert '<mark class="nqa-answering">٣٠٨ نقطة</mark>' in html
    assert '<details class="nqa-translation" data-verified="false"><summary>Machine translation (not verified)' in html
    assert html.count('class="nqa-chip"') == 2  # the fact's and the quote's


# --- measured by the eval ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("short_text,correct", [("308 points", 1.0), ("309 points", 0.0)])
def test_the_eval_scores_the_short_answer_and_the_shown_quote(short_text, correct):
    from assistant.answer.answerer import Answer, Citation
    from eval.datasets.records import EvalQuestion
    from eval.judges import make_judge
    from eval.metrics.scoring import score_question
    from eval.reports.blocks import short_answer_table

    text = "لم يتخلى فريق بانثرز سوى عن ٣٠٨ نقطة."
    q = EvalQuestion(
        "q1",
        "How many points did the Panthers defense surrender?",
        "en",
        True,
        answers=["٣٠٨"],
        gold_docs=["d"],
        evidence=[("d", 28, 31)],
        question_lang_answers=["308"],
    )
    cite = Citation(1, "d", "t", None, 0, len(text), text)
    ans = Answer(
        q.question,
        "en",
        f"{short_text} [1]. The article says, in Arabic: «{text}» [1]",
        False,
        [cite],
        [],
        {},
        sentences=[
            {"sentence": f"The article says, in Arabic: «{text}»", "citations": [1], "kind": "quoted", "verified": True}
        ],
        short_answer={"text": short_text, "citation": 1, "start": 28, "end": 36, "how": "number"},
    )
    rec = score_question(
        q, ans, ["d"], texts={"d": text}, gold_lang="ar", judge=make_judge("deterministic", embedder=FakeEmbedder())
    )
    assert rec["question_type"] == "number" and rec["short_answer"]["how"] == "number"
    assert rec["scores"]["short_answer_given"] == 1.0 and rec["scores"]["short_answer_correct"] == correct
    assert rec["scores"]["answering_quote_shown"] == 1.0
    table = short_answer_table([rec])
    assert table == {
        "number": {
            "questions": 1,
            "given": 1,
            "correct": int(correct),
            "by_how": {"number": {"given": 1, "correct": int(correct)}},
        }
    }


def test_under_the_gate_the_quote_streams_before_any_model_call_and_a_passing_restatement_replaces_it(lib):
    llm = JudgingLLM(short_then("NONE", "The Panthers conceded only 308 points, sixth in the league."), 0.99)
    events = []
    for event in answerer(lib, llm).stream("What did the Panthers concede this season?"):
        events.append((event.type, len(llm.history)))
        if event.type == "sentence":
            assert event.sentence["kind"] == "quoted" and "«" in event.sentence["sentence"]
        if event.type == "final":
            assert [s["kind"] for s in event.answer.sentences] == ["restated"]
            assert event.answer.answer.startswith("The Panthers (بانثرز) conceded only 308 points")
    assert ("sentence", 0) in events  # shown before the model was asked anything
