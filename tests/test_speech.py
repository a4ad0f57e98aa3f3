"""Who said it: reported speech in Arabic and English with exact offsets (assistant.text.speech), the party a
question asks about and its aliases (assistant.text.parties), and the attributed answer that prefers the party's
statements and names the speaker (assistant.answer.speakers, selection, attributed mode), with fakes."""

from __future__ import annotations

import pytest

from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.answer.selection import SelectionOptions
from assistant.answer.speakers import ArticleSpeech, mentions
from assistant.backends.fake import FakeEmbedder
from assistant.store.library import Library
from assistant.text.parties import (
    antecedent,
    article_affiliations,
    article_titles,
    asked_party,
    asks_what_party_said,
    conjuncts,
    english_phrase,
    make_party,
    speaks_for,
)
from assistant.text.sentences import split_sentences
from assistant.text.speech import find_statements, reporter_of
from assistant.verify.form import form_problems
from ingest.models import RawArticle
from ingest.pipeline import Ingestor
from tests.conftest import REFERENCE_ARTICLE

IDLIB = REFERENCE_ARTICLE.read_text(encoding="utf-8")


# --- detection, both languages, exact offsets -----------------------------------------------------------------
@pytest.mark.parametrize(
    "text,verb,speaker,statement",
    [
        (
            "قال وزير الخارجية عادل الجبير إن المملكة تدعم الحل السياسي.",
            "قال",
            "وزير الخارجية عادل الجبير",
            "المملكة تدعم الحل السياسي",
        ),
        ("وأكد الجانب الروسي على ضرورة وقف إطلاق النار.", "وأكد", "الجانب الروسي", "على ضرورة وقف إطلاق النار"),
        ("وشددت الوزارة على أهمية الحوار.", "وشددت", "الوزارة", "على أهمية الحوار"),
        ("وأكدوا أن الاجتماع كان مثمرا.", "وأكدوا", None, "الاجتماع كان مثمرا"),
        ("وقال المتحدث باسم الوزارة، في بيان، إن الوضع مستقر.", "وقال", "المتحدث باسم الوزارة", "الوضع مستقر"),
        ("وفقا لوزارة الصحة، ارتفع عدد الإصابات إلى 20.", "وفقا", "وزارة الصحة", "ارتفع عدد الإصابات إلى 20"),
        ("ونقلا عن مصادر مطلعة، فإن المفاوضات تعثرت.", "ونقلا", "مصادر مطلعة", "فإن المفاوضات تعثرت"),
        ("قالَ الوزيرُ إنّ الحوارَ مستمر.", "قالَ", "الوزيرُ", "الحوارَ مستمر"),  # diacritics kept in the spans
        ("وأعربت الحكومة السعودية عن قلقها.", "وأعربت", "الحكومة السعودية", "عن قلقها"),
        (
            "Foreign Minister Sergei Lavrov said on Friday that Moscow backs the Syrian army.",
            "said",
            "Foreign Minister Sergei Lavrov",
            "Moscow backs the Syrian army",
        ),
        ("“We will not back down,” the minister said.", "said", "the minister", "We will not back down"),
        ("“We will win,” said President Putin.", "said", "President Putin", "We will win"),
        (
            "The talks were productive, according to the Russian side.",
            "according to",
            "the Russian side",
            "The talks were productive",
        ),
        ("According to Reuters, the talks ended.", "According to", "Reuters", "the talks ended"),
        ("The ministry called for calm in Idlib.", "called for", "The ministry", "calm in Idlib"),
        ("The Saudi health ministry announced 20 new cases.", "announced", "The Saudi health ministry", "20 new cases"),
        ("He added that the talks would resume.", "added", "He", "the talks would resume"),
    ],
)
def test_statements_with_exact_offsets(text, verb, speaker, statement):
    (st,) = find_statements(text)
    assert text[st.verb_start : st.verb_end] == st.verb == verb
    if speaker is None:
        assert st.speaker is None and st.speaker_start is None
    else:
        assert text[st.speaker_start : st.speaker_end] == st.speaker == speaker
    assert text[st.start : st.end] == statement


@pytest.mark.parametrize(
    "text",
    [
        "وفقا للمنصوص عليه في القرار، تجري الانتخابات.",  # a text, not a party
        "The price rose sharply in 2020.",
        "Russia was mentioned by the minister, who warned of war.",
        "واستقبل الأسد، اليوم الجمعة، في دمشق، وفدا برئاسة لافرينتييف.",
    ],
)
def test_no_statement(text):
    assert find_statements(text) == []


def test_offsets_count_into_the_article_when_given_a_sentence_and_its_start():
    s, e = split_sentences(IDLIB)[7]  # "كما تناول اللقاء، حسب البيان، “… حيث أكد الجانب الروسي دعمه …”"
    sts = find_statements(IDLIB, s, e)
    by_verb = {st.verb: st for st in sts}
    said = by_verb["أكد"]
    assert IDLIB[said.speaker_start : said.speaker_end] == "الجانب الروسي"
    assert IDLIB[said.start : said.end].startswith("دعمه للجيش العربي السوري")
    source = by_verb["حسب"]
    assert source.source and IDLIB[source.speaker_start : source.speaker_end] == "البيان"
    assert reporter_of(said, sts) is source  # who reported it: the statement


def test_nested_statement_in_an_an_clause_and_its_reporter():
    s, e = split_sentences(IDLIB)[8]  # "وأضافت الرئاسة السورية أن الجانب الروسي “جدد …”"
    sts = find_statements(IDLIB, s, e)
    assert [st.speaker for st in sts] == ["الرئاسة السورية", "الجانب الروسي"]
    inner = sts[1]
    assert inner.verb == "جدد" and reporter_of(inner, sts) is sts[0]


def test_every_flagship_speaker_is_a_verbatim_span():
    sts = find_statements(IDLIB)
    assert len(sts) >= 9
    for st in sts:
        assert st.speaker is None or IDLIB[st.speaker_start : st.speaker_end] == st.speaker
        assert IDLIB[st.verb_start : st.verb_end] == st.verb and st.start < st.end
    first = sts[0]
    assert first.speaker == "الرئيس السوري، بشار الأسد، والمبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر لافرينتييف"


# --- the asked party and its aliases ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question,text,countries,roles,names",
    [
        ("What did Russia say about Idlib?", "Russia", {"russia"}, set(), ()),
        ("what did the Russian side say", "the Russian side", {"russia"}, set(), ()),
        ("What did Lavrentiev say", "Lavrentiev", set(), set(), ("Lavrentiev",)),
        ("ماذا قال الجانب الروسي", "الجانب الروسي", {"russia"}, set(), ()),
        ("ماذا قالت روسيا عن إدلب", "روسيا", {"russia"}, set(), ()),
        (
            "What did the Saudi health ministry announce?",
            "the Saudi health ministry",
            {"saudi"},
            {"health", "ministry"},
            (),
        ),
        ("What was Russia's position on Idlib?", "Russia", {"russia"}, set(), ()),
        ("ما الذي أعلنته وزارة الصحة السعودية؟", "وزارة الصحة السعودية", {"saudi"}, {"health", "ministry"}, ()),
        (  # a hyphen inside a name does not end the party (it did: no party at all)
            "What did Saudi Foreign Minister Adel al-Jubeir say Iran should do?",
            "Saudi Foreign Minister Adel al-Jubeir",
            {"saudi"},
            {"foreign", "minister", "ministry"},
            ("Adel", "Jubeir"),
        ),
    ],
)
def test_asked_party(question, text, countries, roles, names):
    p = asked_party(question)
    assert p is not None and p.text == text
    assert set(p.countries) == countries and set(p.roles) == roles and p.names == names


@pytest.mark.parametrize("question", ["What is the capital of France?", "Who said the talks ended?", "كم عدد السكان؟"])
def test_no_party_without_a_speech_question(question):
    assert asked_party(question) is None


@pytest.mark.parametrize(
    "party,speaker,ok",
    [
        ("Russia", "الجانب الروسي", True),
        ("Russia", "وزارة الخارجية الروسية", True),
        ("the Russian side", "الوفد الروسي", True),
        ("روسيا", "the Russian delegation", True),
        ("Russia", "موسكو", True),
        ("Russia", "الرئاسة السورية", False),
        ("Lavrentiev", "المبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر لافرينتييف", True),
        ("Russia", "المبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر لافرينتييف", True),
        ("the Saudi health ministry", "وزارة الصحة السعودية", True),
        ("the Saudi health ministry", "وزارة الخارجية السعودية", False),  # a role the question names narrows
        ("the Saudi health ministry", "Saudi Health Minister Tawfiq al-Rabiah", True),  # its minister speaks for it
        ("the Saudi health ministry", "Saudi Foreign Minister Adel al-Jubeir", False),
        ("the president", "الرئيس السوري", True),
        # a prime minister is one role of two words: not a president, not another minister
        ("the British prime minister", "رئيس الوزراء البريطاني ديفيد كاميرون", True),
        ("the British prime minister", "وزير الدفاع البريطاني مايكل فالون", False),
        ("رئيس الوزراء التركي", "الرئيس التركي رجب طيب اردوغان", False),
        ("رئيس الوزراء التركي", "رئيس الحكومة التركية", True),
        ("the Turkish president", "رئيس الوزراء التركي أحمد داود أوغلو", False),
        # a country's media or reports do not speak for the country
        ("روسيا", "أجهزة إعلام روسية", False),
        ("Turkey", "تقارير إخبارية تركية", False),
    ],
)
def test_alias_resolution(party, speaker, ok):
    p = make_party(party)
    assert p is not None and speaks_for(p, speaker) is ok


def test_title_and_name_apposition_elsewhere_in_the_article_ties_a_name_to_its_country():
    assert "russia" in article_affiliations(IDLIB, "لافرينتييف")
    assert speaks_for(make_party("Russia"), "لافرينتييف", affiliations=article_affiliations(IDLIB, "لافرينتييف"))
    assert "russia" not in article_affiliations(IDLIB, "الأسد")


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("ماذا أعلنت وزارة الصحة أمس بشأن فيروس كورونا؟", "وزارة الصحة"),  # "أمس" was read as a name of the party
        ("ماذا أعلنت وزارة الصحة الأسبوع الماضي؟", "وزارة الصحة"),
        ("ماذا قال وزير الخارجية يوم 25 يوليو؟", "وزير الخارجية"),
        ("ماذا قالت وزارة الصحة أول أمس؟", "وزارة الصحة"),
        ("What did the Health Ministry yesterday say about MERS?", "the Health Ministry"),
    ],
)
def test_the_asked_party_ends_before_the_questions_time_words(question, text):
    p = asked_party(question)
    assert p is not None and p.text == text and p.names == ()


ARTICLE_PM = (
    "دشن رئيس الوزراء البريطاني ديفيد كاميرون امس حملة ضد الآراء المتطرفة. "
    "وقال وزير الدفاع مايكل فالون إن الحملة ستطول. "
    "وقال كاميرون إنه يجب على بريطانيا أن تواجه حقيقة مؤلمة."
)


def test_a_question_about_how_someone_described_statements_asks_for_the_describer():
    p = asked_party("كيف وصف جون كيري تصريحات خامنئي الأخيرة؟")  # the statements are Khamenei's, asked is Kerry
    assert p is not None and p.text == "جون كيري" and p.names == ("جون", "كيري")


def test_played_down_is_reported_speech():
    [st] = find_statements("وقلّل المتحدث باسم التحالف من أهمية المناوشات على الحدود.")
    assert st.speaker == "المتحدث باسم التحالف"


def test_a_title_before_one_mention_of_a_name_gives_its_role_to_a_bare_mention():
    pm = make_party("the British prime minister")
    assert pm is not None
    titles = article_titles(ARTICLE_PM, "كاميرون")
    assert titles == {"prime_minister"}
    assert speaks_for(pm, "كاميرون", affiliations=article_affiliations(ARTICLE_PM, "كاميرون"), titles=titles)
    assert not speaks_for(pm, "كاميرون")  # the bare name alone carries no role
    assert article_titles("واستقبل الأسد وفدا برئاسة ألكسندر لافرينتييف.", "لافرينتييف") == set()  # headed by
    assert article_titles("ذكرت الرئاسة السورية أن الأسد استقبل لافرينتييف.", "لافرينتييف") == set()
    assert article_titles("Prime Minister David Cameron spoke. Cameron said so.", "Cameron") == {"prime_minister"}
    other = article_titles(ARTICLE_PM, "فالون")  # another person's title stays his
    assert "prime_minister" not in other
    assert not speaks_for(pm, "فالون", affiliations=article_affiliations(ARTICLE_PM, "فالون"), titles=other)


def test_a_bare_role_refers_back_to_its_fuller_phrase():
    at = IDLIB.index("وأضافت الخارجية") + len("وأضافت ")
    a, b = antecedent(IDLIB, at, "الخارجية")
    assert IDLIB[a:b] == "وزارة الخارجية الروسية"
    at = IDLIB.index("حسب البيان") + len("حسب ")
    a, b = antecedent(IDLIB, at, "البيان")
    assert IDLIB[a:b] == "الرئاسة السورية"  # "ذكرت الرئاسة السورية، في بيان أصدرته …"
    at = IDLIB.index("وفق البيان") + len("وفق ")  # later still: not the Russian side quoted "حسب البيان"
    a, b = antecedent(IDLIB, at, "البيان")
    assert IDLIB[a:b] == "الرئاسة السورية"


@pytest.mark.parametrize(
    "phrase,english",
    [
        ("الجانب الروسي", "the Russian side"),
        ("الوفد الروسي", "the Russian delegation"),
        ("المبعوث الروسي", "the Russian envoy"),
        ("الرئاسة السورية", "the Syrian presidency"),
        ("وزارة الخارجية الروسية", "the Russian foreign ministry"),
        ("وزارة الصحة السعودية", "the Saudi health ministry"),
        ("الخارجية", "the foreign ministry"),
        ("بشار الأسد", None),  # a name: kept in its source spelling
    ],
)
def test_speaker_phrase_carried_into_english_by_rule(phrase, english):
    assert english_phrase(phrase) == english


def test_coordinated_speakers_split_into_conjuncts():
    sp = "الرئيس السوري، بشار الأسد، والمبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر لافرينتييف"
    parts = [sp[a:b] for a, b in conjuncts(sp)]
    assert parts == ["الرئيس السوري، بشار الأسد", "المبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر لافرينتييف"]


@pytest.mark.parametrize(
    "speaker,parts",
    [
        ("بشار الأسد ووزير الخارجية الروسي", ["بشار الأسد", "وزير الخارجية الروسي"]),
        ("الرئيس الأمريكي ورئيس الوزراء البريطاني", ["الرئيس الأمريكي", "رئيس الوزراء البريطاني"]),
        # a و that is a word's own first letter, or joins two nouns of one title: one speaker
        (
            "وكيل وزارة الصحة للصحة العامة رئيس مركز القيادة والتحكم الدكتور عبدالعزيز بن سعيد",
            ["وكيل وزارة الصحة للصحة العامة رئيس مركز القيادة والتحكم الدكتور عبدالعزيز بن سعيد"],
        ),
        ("وزارة الصحة العامة والرعاية الاجتماعية", ["وزارة الصحة العامة والرعاية الاجتماعية"]),
    ],
)
def test_only_a_second_role_is_a_second_speaker(speaker, parts):
    assert [speaker[a:b] for a, b in conjuncts(speaker)] == parts


# --- units: speaker from the whole sentence, mentioned is not speaking -----------------------------------------
class _U:
    def __init__(self, text: str, piece: str, lang: str = "ar", doc_id: str = "d") -> None:
        self.doc_id, self.lang = doc_id, lang
        self.start = text.index(piece)
        self.end = self.start + len(piece)
        self.text = piece
        self.sentence_start = next(s for s, e in split_sentences(text) if s <= self.start < e)


def test_a_clause_takes_its_speaker_from_the_whole_sentence():
    art = ArticleSpeech("d", IDLIB)
    unit = _U(IDLIB, "دعمه للجيش العربي السوري في رده على الهجمات")
    speech = art.unit_speech(unit)
    assert speech is not None and speech.speaker.text == "الجانب الروسي"
    assert IDLIB[speech.speaker.start : speech.speaker.end] == "الجانب الروسي"
    assert speech.reporter is not None and speech.reporter.text == "البيان"
    assert speech.reporter_resolved is not None and speech.reporter_resolved.text == "الرئاسة السورية"


def test_an_implicit_speaker_comes_from_the_sentence_before():
    text = "قال وزير الخارجية الروسي سيرغي لافروف إن المحادثات كانت مثمرة.\nوأضاف أن الجولة المقبلة ستعقد في جنيف."
    speech = ArticleSpeech("d", text).unit_speech(_U(text, "وأضاف أن الجولة المقبلة ستعقد في جنيف."))
    assert speech is not None and speech.speaker.text == "وزير الخارجية الروسي سيرغي لافروف"
    assert text[speech.speaker.start : speech.speaker.end] == speech.speaker.text


@pytest.mark.parametrize(
    "piece",
    [
        # the whole sentence: the statement that holds most of it is the ministry's
        "ماجد الرفاعي- سبق- جدة: أعلنت وزارة الصحة اليوم عن تسجيل حالة وفاة في الرياض، وأكدت عدم تماثل أي مرضى للشفاء.",
        # the clause of a second verb without a subject: the subject of the verb before it, in the same sentence
        "وأكدت عدم تماثل أي مرضى للشفاء.",
    ],
)
def test_a_later_verb_without_a_subject_takes_the_speaker_of_the_one_before_it(piece):
    text = (
        " ماجد الرفاعي- سبق- جدة: أعلنت وزارة الصحة اليوم عن تسجيل حالة وفاة في الرياض، وأكدت عدم تماثل أي مرضى "
        "للشفاء. وأوضحت الوزارة أن الحالة مستقرة."
    )
    speech = ArticleSpeech("d", text).unit_speech(_U(text, piece))
    assert speech is not None and speech.speaker.text == "وزارة الصحة"
    assert text[speech.speaker.start : speech.speaker.end] == "وزارة الصحة"


@pytest.mark.parametrize(
    "text,piece,speaker",
    [
        ("، أجاب كيري: «لا أستطيع التحدث نيابة عن إيران».", "لا أستطيع التحدث نيابة عن إيران", "كيري"),
        ("وأبانت الوزارة أنه تم فحص 644 عينة.", "تم فحص 644 عينة", "الوزارة"),
        ("ونفى المتحدث وجود أي إصابات جديدة.", "وجود أي إصابات جديدة", "المتحدث"),
        # a participle reports more of what the sentence's speaker said
        (
            'وقال عسيري إن الحدود آمنة، مضيفاً: "عمليات المناوشات نحن نعي دورها".',
            "عمليات المناوشات نحن نعي دورها",
            "عسيري",
        ),
    ],
)
def test_more_speech_verbs_and_participles(text, piece, speaker):
    speech = ArticleSpeech("d", text).unit_speech(_U(text, piece))
    assert speech is not None and speech.speaker.text == speaker
    assert text[speech.speaker.start : speech.speaker.end] == speaker


def test_mentioned_but_not_speaking_is_not_the_partys_statement():
    art = ArticleSpeech("d", IDLIB)
    russia = asked_party("What did Russia say about Idlib?")
    assert russia is not None
    from assistant.answer.speakers import party_signal

    received = _U(IDLIB, "واستقبل الأسد، اليوم الجمعة، في دمشق، وفدا برئاسة لافرينتييف")  # Russia named, not speaking
    assert mentions(russia, IDLIB) and party_signal(russia, art.unit_speech(received), received, art) == -1
    syrian = _U(IDLIB, "وأفادت الرئاسة السورية بأن الطرفين توصلا إلى")  # the Syrian presidency speaks
    assert party_signal(russia, art.unit_speech(syrian), syrian, art) == -1
    russian = _U(IDLIB, "جدد موقف موسكو المؤيد لحق سوريا في الدفاع عن مواطنيها")
    assert party_signal(russia, art.unit_speech(russian), russian, art) == 1
    ministry = _U(IDLIB, "وأضافت الخارجية أن اللقاء تم فيه أيضا")  # الخارجية = the Russian foreign ministry
    assert party_signal(russia, art.unit_speech(ministry), ministry, art) == 1


# --- the attributed answer over the flagship article --------------------------------------------------------------
@pytest.fixture
def idlib_answerer(tmp_path):
    lib = Library(tmp_path / "h")
    Ingestor(lib, FakeEmbedder()).ingest_articles(
        [RawArticle(text=IDLIB, locator="idlib", id="idlib", title="إدلب", source="test", lang="ar")]
    )
    o = AnswerOptions(answer_mode="attributed", cross_language="quote", short_answers=False)
    ans = Answerer(library=lib, embedder=FakeEmbedder(), llm=None, options=o)
    # the fake embedder is not cross-lingual: every unit clears the bar, the speaker signals decide
    ans._selection_options = lambda: SelectionOptions(  # type: ignore[method-assign]
        max_units=4, margin=0.5, min_relevance=-1.0, min_relevance_cross=-1.0, chunk_weight=0.0
    )
    return lib, ans


RUSSIAN_SPEAKERS = {
    "الجانب الروسي",
    "وزارة الخارجية الروسية",
    "الخارجية",
    "المبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر لافرينتييف",
}


@pytest.mark.parametrize(
    ("question", "whole"),
    [
        ("What did Russia say about Idlib?", True),
        ("ماذا قالت روسيا عن إدلب؟", True),
        ("What has the ministry announced?", True),
        ("When did Toyota say it would close its plant?", False),  # asks for a date, which a narrative may hold
        ("What U.S. entity said that corporal punishment was constitutional?", False),
        ("ماذا كان يشير الوقت على الساعة؟", False),
        ("متى قالت شركة تويوتا بأنها ستغلق مصنعها؟", False),
        ("كيف وصف لوثر المجموعة؟", False),
    ],
)
def test_what_did_x_say_as_a_whole_question(question, whole):
    assert asks_what_party_said(question) is whole


@pytest.mark.parametrize("question", ["What did Turkey say about Idlib?", "ماذا قالت تركيا عن إدلب؟"])
def test_a_party_that_says_nothing_in_the_articles_gets_no_one_elses_words(idlib_answerer, question):
    _, answerer = idlib_answerer
    answerer._selection_options = lambda: SelectionOptions(  # a bar the lowered units fall under
        max_units=4, margin=0.5, min_relevance=0.0, min_relevance_cross=0.0, chunk_weight=0.0
    )
    ans = answerer.ask(question)  # the article reports Syria's and Russia's statements, none of Turkey's
    assert ans.abstained and not ans.citations
    assert not answerer.ask(question.replace("Turkey", "Russia").replace("تركيا", "روسيا")).abstained


def test_flagship_what_did_russia_say_selects_the_russian_sides_statements(idlib_answerer):
    lib, answerer = idlib_answerer
    ans = answerer.ask("What did Russia say about Idlib?")
    assert not ans.abstained and ans.sentences
    article = lib.get("idlib").text
    for s in ans.sentences:
        sp = s["speaker"]
        assert sp["doc_id"] == "idlib" and article[sp["start"] : sp["end"]] == sp["text"] in RUSSIAN_SPEAKERS
    quotes = [c.quote for c in ans.citations]
    assert not any(q.startswith(("وأفادت الرئاسة", "من جانبها", "واستقبل", "كما تبادل")) for q in quotes)
    side = [s for s in ans.sentences if s["speaker"]["text"] == "الجانب الروسي"]
    assert side and all("the Russian side (الجانب الروسي)" in s["sentence"] for s in side)
    # who reported it and who said it, both shown
    assert any(
        s["sentence"].startswith("According to the Syrian presidency (الرئاسة السورية), the Russian side") for s in side
    )
    # every introduction reads as English: a source spelling beside a rendering is a short name, never a title
    # of eight words ("Russia (المبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر لافرينتييف)" failed the form check)
    assert all(form_problems(s["sentence"], "en") == [] for s in ans.sentences), [s["sentence"] for s in ans.sentences]
    envoy = [s for s in ans.sentences if "لافرينتييف" in s["speaker"]["text"]]
    assert envoy and all("(ألكسندر لافرينتييف)" in s["sentence"] for s in envoy)


def test_flagship_arabic_question_names_the_speaker_in_arabic(idlib_answerer):
    _, answerer = idlib_answerer
    ans = answerer.ask("ماذا قال الجانب الروسي عن إدلب؟")
    assert ans.sentences and all(s["speaker"]["text"] in RUSSIAN_SPEAKERS for s in ans.sentences)
    assert any(s["sentence"].startswith("بحسب الرئاسة السورية، نقل المقال عن الجانب الروسي: «") for s in ans.sentences)


def test_a_question_about_another_party_leaves_out_the_russian_statements(idlib_answerer):
    _, answerer = idlib_answerer
    ans = answerer.ask("What did the Syrian presidency say?")
    assert ans.sentences
    assert all(s["speaker"]["text"] not in RUSSIAN_SPEAKERS for s in ans.sentences)
    assert all("(الرئاسة السورية)" in s["sentence"] for s in ans.sentences)


def test_a_plain_question_keeps_the_speaker_field_without_a_party_bonus(idlib_answerer):
    _, answerer = idlib_answerer
    ans = answerer.ask("إرساء الاستقرار في منطقة إدلب")
    first = ans.sentences[0]
    assert first["speaker"]["text"].startswith("الرئيس السوري")  # reported speech: the speaker field is there
    assert first["sentence"].startswith("يقول المقال: «")  # same language, the quote names its speaker itself


@pytest.mark.parametrize(
    "text,speaker",
    [
        # the one spoken to is not the speaker (SaudiNewsNet sentences, shortened)
        ("وقال اردوغان للصحفيين في اسطنبول إن على الجماعات أن تلقي أسلحتها.", "اردوغان"),
        ("وقال كاميرون لتلاميذ مدرسة في مدينة برمنجهام: أريد المضي.", "كاميرون"),
        ('وقال كاميرون لشبكة "ان.بي.سي" الاميركية "أود أن تبذل بريطانيا".', "كاميرون"),
        (
            "كشف لـ«عكاظ» وكيل وزارة الصحة الدكتور عبدالعزيز بن سعيد أن الحالات تراجعت.",
            "وكيل وزارة الصحة الدكتور عبدالعزيز بن سعيد",
        ),
        ("صرح لـ «نيويورك تايمز» بأن «داعش» لا يقارن.", None),
        # the verb's object or its إلى complement is not the speaker
        (
            "أوضح ذلك المتحدث الرسمي لوزارة الصحة خالد المرغلاني، وقال: إن الوزارة تتابع.",
            "المتحدث الرسمي لوزارة الصحة خالد المرغلاني",
        ),
        ("كما أشار التركي إلى أن المجموعة الثالثة تمثل البنية.", "التركي"),
        ("وأشار أردوغان إلى لقائه بنظيره الأمريكي باراك أوباما.", "أردوغان"),
        ("وصل العدد إلى 36، حسبما أعلنت عنه الوزارة.", "الوزارة"),
        (
            "وقال رئيس الوزراء البريطاني ديفيد كاميرون أول أمس إن التطرف صراع جيلنا.",
            "رئيس الوزراء البريطاني ديفيد كاميرون",
        ),
        ("أعلن رئيس الوزراء البريطاني ديفيد كاميرون أول من أمس الإطار العام.", "رئيس الوزراء البريطاني ديفيد كاميرون"),
        ('وقال كيري ردا على سؤال في هذا الخصوص "دعوني أقول".', "كيري"),
        ('وشدد "عسيري" على أن الحدود السعودية آمنة ومستقرة.', "عسيري"),  # a name in quotation marks
        ('وقال "إن الحدود آمنة ومستقرة تماما وستبقى كذلك".', None),  # a quotation, not a name
        ("والتي أعلنت وزارة الداخلية السعودية القبض عليها أول من أمس.", "وزارة الداخلية السعودية"),
        # ... while ل after a definite word is "of", and إلى after other verbs belongs to the title
        (
            "وقال المتحدث الأمني لوزارة الداخلية اللواء منصور التركي إن العملية نجحت.",
            "المتحدث الأمني لوزارة الداخلية اللواء منصور التركي",
        ),
        ("وأكد المبعوث الخاص للرئيس الروسي إلى سوريا ضرورة الاستقرار.", "المبعوث الخاص للرئيس الروسي إلى سوريا"),
    ],
)
def test_the_speaker_span_ends_before_the_addressee_and_the_complement(text, speaker):
    first = find_statements(text, lang="ar")[0]
    assert first.speaker == speaker
    if speaker is not None:
        assert text[first.speaker_start : first.speaker_end] == speaker
