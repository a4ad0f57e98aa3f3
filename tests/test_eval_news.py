"""News eval: the attribution / time / sources metrics on hand-built answers, the JSONL loader's news fields, a fast
``assistant eval`` over the made-up fixture in tests/fixtures/news/, and (``integration``) the SaudiNewsNet labelled
set: every gold span reads back from the articles as scripts/saudinewsnet.py writes them from ../shared."""

from __future__ import annotations

import datetime as dt
import fnmatch
import importlib.util
import json
import tomllib
from pathlib import Path

import pytest

from eval.datasets.load import load_dataset
from eval.datasets.records import DatasetError, EvalQuestion
from eval.metrics.news import news_blocks, news_record, speaker_matches
from eval.reports.compare import compare
from eval.runs.full import ask_kwargs
from tests.conftest import SHARED
from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "news"
NEWS_SET = ROOT / "eval" / "datasets" / "news" / "saudinewsnet-news.jsonl"
SNN = SHARED / "datasets" / "saudinewsnet"

RUSSIA = {"text": "الجانب الروسي", "aliases": ["روسيا", "الوفد الروسي", "Russia", "the Russian side"]}


def _q(**kw) -> EvalQuestion:
    base = {"id": "q", "question": "?", "lang": "en", "answerable": True}
    return EvalQuestion(**(base | kw))


def _answer(*speakers, time_range=None, sources=(), abstained=False, spans=None) -> dict:
    """An ``Answer.to_dict()``-shaped answer: one sentence per speaker (None: a sentence without one); with
    ``spans`` each sentence cites its own span ``(doc_id, start, end)``."""
    sentences = []
    for i, sp in enumerate(speakers):
        s = {"sentence": f"Sentence {i} [{i + 1}].", "citations": [i + 1 if spans else 1]}
        if sp is not None:
            s["speaker"] = {"text": sp, "doc_id": "d", "start": 0, "end": len(sp)}
        sentences.append(s)
    citations = [{"id": i + 1, "source": s, "published": "2015-07-24"} for i, s in enumerate(sources)]
    if spans:
        citations = [{"id": i + 1, "doc_id": d, "start": a, "end": b} for i, (d, a, b) in enumerate(spans)]
    out = {"abstained": abstained, "sentences": sentences, "citations": citations}
    if time_range is not None:
        out["time_range"] = time_range
    return out


GOLD_SPAN = ("d", 100, 200)
"""The gold speaker's statement; a span elsewhere in the article is another statement."""
ON, OFF = GOLD_SPAN, ("d", 300, 400)


@pytest.mark.parametrize(
    "said,matches",
    [
        ("الجانب الروسي", True),
        ("Russia", True),
        ("الجانبُ الروسيّ", True),  # diacritics folded
        ("الرئاسة السورية", False),
        ("المتحدث الأمني لوزارة الداخلية اللواء منصور التركي", False),
    ],
)
def test_speaker_matching(said, matches):
    assert speaker_matches(said, RUSSIA) is matches


def test_a_mention_reordered_or_shortened_matches_but_not_one_with_other_words():
    gold = {"text": "المتحدث الأمني لوزارة الداخلية اللواء منصور التركي", "aliases": ["منصور التركي"]}
    assert speaker_matches("اللواء منصور التركي، المتحدث الأمني", gold)
    assert speaker_matches("اللواء منصور التركي المتحدّث الأمني لوزارة الداخلية", gold)
    assert not speaker_matches("التركي إلى", gold)  # a mention with a word the gold does not have
    assert not speaker_matches("وزارة الصحة العامة والرعاية الاجتماعية", {"text": "وزارة الصحة", "aliases": []})


def test_speaker_accuracy_wrong_party_and_other_party_on_hand_built_answers():
    q = _q(speaker=RUSSIA, kind="speaker", evidence=[GOLD_SPAN])
    right = news_record(q, _answer("الجانب الروسي", None, spans=[ON, OFF]))
    alias = news_record(q, _answer("Russia", spans=[ON]))
    # the gold statement credited to another party: wrong; another party's own statement shown: other, not wrong
    wrong = news_record(q, _answer("الرئاسة السورية", "روسيا", spans=[ON, OFF]))
    other = news_record(q, _answer("الرئاسة السورية", spans=[OFF]))
    missing = news_record(q, _answer(None, None, spans=[ON, OFF]))  # an answerer without speakers yet
    abstained = news_record(q, _answer(abstained=True))
    assert right["scores"]["speaker_correct"] == 1.0 and right["scores"]["wrong_party"] == 0
    assert alias["scores"]["speaker_correct"] == 1.0
    assert wrong["scores"]["speaker_correct"] == 1.0 and wrong["scores"]["wrong_party"] == 1
    assert wrong["scores"]["other_party"] == 1
    assert other["scores"]["speaker_correct"] == 0.0 and other["scores"]["wrong_party"] == 0
    assert other["scores"]["other_party"] == 1
    assert missing["scores"]["speaker_correct"] == 0.0 and missing["fields"]["speaker"] is False
    assert abstained["scores"]["speaker_correct"] is None and abstained["scores"]["wrong_party"] is None
    unanswerable = news_record(
        _q(answerable=False, speaker=RUSSIA, evidence=[GOLD_SPAN]), _answer("الرئاسة السورية", spans=[ON])
    )
    assert unanswerable["scores"]["speaker_correct"] is None and unanswerable["scores"]["wrong_party"] == 1

    records = (right, alias, wrong, other, missing, abstained, unanswerable)
    blocks = news_blocks([{"news": r} for r in records])
    att = blocks["attribution"]
    assert att["speaker_accuracy"] == round(3 / 5, 4)  # right, alias, wrong (one right) of the five answered
    assert att["wrong_party"] == 2  # wrong, unanswerable
    assert att["wrong_party_rate"] == round(2 / 4, 4)  # of the four speaker sentences citing the gold span
    assert att["other_party_rate"] == round(3 / 6, 4)  # of the six sentences that carry a speaker
    assert blocks["counts"]["speaker_questions"] == 5 and blocks["counts"]["speaker_sentences"] == 6


def test_time_filter_equal_unequal_missing_and_spurious():
    gold = {"from": "2015-07-24", "to": "2015-07-24"}
    q = _q(time_range=gold, reference_date=dt.date(2015, 7, 25))
    same = news_record(q, _answer(time_range={"from": "2015-07-24", "to": "2015-07-24", "reference": "2015-07-25"}))
    other = news_record(q, _answer(time_range={"from": "2015-07-18", "to": "2015-07-24"}))
    none = news_record(q, _answer())
    abstained = news_record(q, _answer(abstained=True, time_range=dict(gold)))  # a filter that found nothing
    spurious = news_record(_q(), _answer(time_range=dict(gold)))
    clean = news_record(_q(), _answer())
    assert [r["scores"]["time_filter"] for r in (same, other, none, abstained)] == [1.0, 0.0, 0.0, 1.0]
    assert same["reference_date"] == "2015-07-25" and same["gold_time_range"] == gold
    blocks = news_blocks([{"news": r} for r in (same, other, none, abstained, spurious, clean)])
    assert blocks["time"] == {"filter_accuracy": 0.5, "spurious_filter_rate": 0.5}
    assert blocks["counts"]["time_questions"] == 4


def test_sources_recall_over_the_answers_citations():
    q = _q(sources=["almadina", "sabq", "alriyadh", "alweeam"])
    assert news_record(q, _answer(sources=["sabq", "almadina", "sabq"]))["scores"]["sources_recall"] == 0.5
    assert news_record(q, _answer(sources=["SABQ ", "okaz"]))["scores"]["sources_recall"] == 0.25
    assert news_record(q, _answer(sources=[None]))["scores"]["sources_recall"] == 0.0  # no source on the citation
    assert news_record(q, _answer(abstained=True, sources=["sabq"]))["scores"]["sources_recall"] == 0.0
    assert news_record(_q(), _answer(sources=["sabq"]))["scores"]["sources_recall"] is None
    blocks = news_blocks([{"news": news_record(q, _answer(sources=["sabq", "almadina", "alriyadh", "alweeam"]))}])
    assert blocks["sources"]["recall"] == 1.0


def test_blocks_are_null_without_news_gold_and_wrong_party_rising_is_a_regression():
    plain = news_blocks([{"news": news_record(_q(), _answer("x"))}, {"no": "news"}])
    assert plain["attribution"] == {
        "speaker_accuracy": None,
        "wrong_party": None,
        "wrong_party_rate": None,
        "other_party_rate": None,
    }
    assert plain["sources"]["recall"] is None and plain["time"]["filter_accuracy"] is None
    a = {"attribution": {"wrong_party": 0, "speaker_accuracy": 0.9}, "time": {"filter_accuracy": 1.0}}
    b = {"attribution": {"wrong_party": 2, "speaker_accuracy": 0.9}, "time": {"filter_accuracy": 0.9}}
    status = {r.metric: r.status for r in compare(a, b)}
    assert status["attribution.wrong_party"] == "regression" and status["time.filter_accuracy"] == "regression"
    assert status["attribution.speaker_accuracy"] == "ok"


def test_the_loader_keeps_the_news_fields():
    data = load_dataset(FIXTURE / "questions.jsonl", corpus=FIXTURE / "articles.jsonl")
    by_id = {q.id: q for q in data.questions}
    q = by_id["fx-time-ar"]
    assert q.reference_date == dt.date(2015, 7, 25) and q.time_range == {"from": "2015-07-24", "to": "2015-07-24"}
    assert q.speaker == {"text": "وزارة الصحة", "aliases": ["الوزارة", "Ministry of Health"]} and q.kind == "mixed"
    assert by_id["fx-sources-ar"].sources == ["daily-a", "daily-b"] and len(by_id["fx-sources-ar"].gold_docs) == 2
    assert by_id["fx-time-en"].reference_date is None and by_id["fx-time-en"].kind == "time"
    assert by_id["fx-speaker-en"].question_lang_answers == by_id["fx-speaker-en"].answers
    texts = {d.id: d.text for d in data.documents}
    assert all(texts[d][s:e] for q in data.questions for d, s, e in q.evidence)
    sources = {d.source for d in data.documents}
    assert {"daily-a", "daily-b", "wire-c"} <= sources


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reference_date", "25/07/2015", "'reference_date' must be a date YYYY-MM-DD"),
        ("reference_date", "20150725", "'reference_date' must be a date YYYY-MM-DD"),
        ("reference_date", 20150725, "'reference_date' must be a date string"),
        ("time_range", {"from": "2015-07-25", "to": "2015-07-24"}, "starts after it ends"),
        ("time_range", {"from": "2015-07-25"}, "'time_range' must be an object"),
        ("speaker", {"aliases": ["x"]}, "'speaker' must be an object with a non-empty 'text'"),
        ("sources", "sabq", "'sources' must be a non-empty list"),
        ("kind", "who", "'kind' must be one of"),
        ("question_lang_answers", "x", "'question_lang_answers' must be a list"),
    ],
)
def test_the_loader_rejects_a_bad_news_field_naming_the_line(tmp_path, field, value, message):
    lines = (FIXTURE / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[2]) | {field: value}
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join([*lines[:2], json.dumps(bad, ensure_ascii=False), *lines[3:]]) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"news\.jsonl, line 3: ") as err:
        load_dataset(path, corpus=FIXTURE / "articles.jsonl")
    assert message in str(err.value)


def test_the_reference_date_reaches_an_answerer_that_takes_it():
    class New:
        def ask(self, question, *, top_k=None, filters=None, history=None, reference_date=None): ...

    class Old:
        def ask(self, question, *, top_k=None, filters=None, history=None): ...

    q = _q(reference_date=dt.date(2015, 7, 25))
    assert ask_kwargs(New(), q) == {"reference_date": dt.date(2015, 7, 25)}  # type: ignore[arg-type]
    assert ask_kwargs(Old(), q) == {}  # type: ignore[arg-type]
    assert ask_kwargs(New(), _q()) == {}  # type: ignore[arg-type]


def test_assistant_eval_over_the_fixture_reports_the_news_blocks(tmp_path, fake_backends, monkeypatch):
    for name in ("MIN_RELEVANCE", "MIN_RELEVANCE_CROSS", "MIN_SUPPORT"):  # the fake embedder's lower similarities
        monkeypatch.setenv(f"ASSISTANT_{name}", "0.3")
    out = tmp_path / "out"
    args = ["eval", "--dataset", FIXTURE / "questions.jsonl", "--corpus", FIXTURE / "articles.jsonl"]
    cli(*args, "--mode", "full", "--out", out, "--no-calibration", "--reference-date", "2015-07-24")
    r = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(r["attribution"]) == {"speaker_accuracy", "wrong_party", "wrong_party_rate", "other_party_rate"}
    assert set(r["time"]) == {"filter_accuracy", "spurious_filter_rate"}
    assert set(r["sources"]) == {"recall"}
    counts = r["counts"]
    assert counts["time_questions"] == 2  # time ranges are scored whether or not the question was answered
    per = {q["id"]: q for q in r["per_question"]}
    assert per["fx-time-ar"]["news"]["reference_date"] == "2015-07-25"  # the question's own
    assert per["fx-time-en"]["news"]["reference_date"] == "2015-07-24"  # --reference-date as the default
    assert per["fx-sources-ar"]["news"]["gold_sources"] == ["daily-a", "daily-b"]
    assert not [i for i, q in per.items() if q["abstained"]]  # all answered, the unanswerable one too
    assert counts["speaker_questions"] == 2 and counts["source_questions"] == 1
    cited = {c["source"] for c in per["fx-sources-ar"]["citations"]}
    assert cited and cited <= {"daily-a", "daily-b", "wire-c"}
    assert r["sources"]["recall"] == round(len(cited & {"daily-a", "daily-b"}) / 2, 4)
    assert [c["source"] for c in per["fx-sources-ar"]["citations"]] == [
        c["source"] for c in per["fx-sources-ar"]["news"]["cited"]
    ]
    # the other fields follow the answerer: whatever it showed, the rates are the per-question values' means
    flags = [per[i]["news"]["scores"]["time_filter"] for i in ("fx-time-ar", "fx-time-en")]
    assert r["time"]["filter_accuracy"] == sum(flags) / 2
    speaker_ids = ("fx-speaker-en", "fx-time-ar", "fx-unanswerable")
    assert r["attribution"]["wrong_party"] == sum(per[i]["news"]["scores"]["wrong_party"] for i in speaker_ids)
    speakers = [s for i in speaker_ids for s in per[i]["news"]["speakers"] if s]
    assert r["attribution"]["speaker_accuracy"] is not None and counts["speaker_sentences"] == len(speakers)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "attribution.wrong_party" in page and "time.filter_accuracy" in page and "sources.recall" in page


def test_a_bad_reference_date_option_is_refused_naming_it(tmp_path, fake_backends):
    args = ["eval", "--dataset", FIXTURE / "questions.jsonl", "--corpus", FIXTURE / "articles.jsonl"]
    r = cli(*args, "--mode", "full", "--out", tmp_path / "o", "--reference-date", "yesterday", codes=(1, 2))
    assert "--reference-date must be a date YYYY-MM-DD" in r.output


def test_the_research_only_questions_are_not_package_data():
    """The SaudiNewsNet questions (CC BY-NC-SA, research use) sit in eval/datasets/news/, which is not a package
    and which no package-data pattern reaches, so the wheel leaves them out (tests/test_wheel.py checks the
    built wheel)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]
    files = [p.relative_to(ROOT / "eval").as_posix() for p in (ROOT / "eval" / "datasets" / "news").iterdir()]
    assert "saudinewsnet-news.jsonl" in [Path(f).name for f in files]
    assert not [f for f in files for pat in patterns.get("eval", []) if fnmatch.fnmatch(f, pat)]
    assert not (ROOT / "eval" / "datasets" / "news" / "__init__.py").exists()
    licence = (ROOT / "eval" / "datasets" / "news" / "LICENSE").read_text(encoding="utf-8")
    assert "SaudiNewsNet" in licence and "CC BY-NC-SA 4.0" in licence and "research" in licence


def _script():
    spec = importlib.util.spec_from_file_location("saudinewsnet", ROOT / "scripts" / "saudinewsnet.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.integration  # reads ../shared/datasets/saudinewsnet
def test_every_gold_span_of_the_labelled_set_reads_back_from_the_converted_articles(tmp_path):
    snn = _script()
    day = tmp_path / "day.jsonl"
    assert snn.main([str(day), "--data", str(SNN), "--days", "2015-07-21"]) == 0
    rows = [json.loads(line) for line in day.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 2000 and {r["lang"] for r in rows} == {"ar"} and {r["published"] for r in rows} == {"2015-07-21"}
    assert set(rows[0]) == {"id", "title", "text", "source", "published", "url", "lang"}
    assert rows[0]["id"] == snn.article_id(rows[0]["url"]) and len({r["id"] for r in rows}) == len(rows)

    questions = [json.loads(line) for line in NEWS_SET.read_text(encoding="utf-8").splitlines()]
    articles = {a["id"]: a for a in snn.articles(SNN, snn.days_between("2015-07-21", "2015-07-31"))}
    spans = 0
    for q in questions:
        for ev in q["evidence"]:
            text = articles[ev["doc"]]["text"]
            assert 0 <= ev["start"] < ev["end"] <= len(text), (q["id"], ev)
            assert text[ev["start"] : ev["end"]].strip(), (q["id"], ev)
            spans += 1
        golds = [a for a in q["answers"]]
        cited = " ".join(articles[ev["doc"]]["text"] for ev in q["evidence"])
        assert all(g in cited for g in golds), q["id"]
        if q.get("sources"):
            assert {articles[ev["doc"]]["source"] for ev in q["evidence"]} == set(q["sources"]), q["id"]
        if q.get("time_range") and q["answerable"]:
            for ev in q["evidence"]:
                assert q["time_range"]["from"] <= articles[ev["doc"]]["published"] <= q["time_range"]["to"], q["id"]
    assert spans >= 40 and len(questions) >= 40
    assert all(articles[ev["doc"]]["published"] <= "2015-07-31" for q in questions for ev in q["evidence"])
    assert sum(q["lang"] == "en" for q in questions) >= 15

    corpus = tmp_path / "corpus.jsonl"
    assert snn.main(["--corpus-for", str(NEWS_SET), str(corpus), "--data", str(SNN), "--distractors", "100"]) == 0
    data = load_dataset(NEWS_SET, corpus=corpus)  # the loader checks every offset against the corpus text
    assert len(data.questions) == len(questions) and len(data.documents) == 35 + 100
    again = tmp_path / "again.jsonl"
    snn.main(["--corpus-for", str(NEWS_SET), str(again), "--data", str(SNN), "--distractors", "100"])
    assert again.read_bytes() == corpus.read_bytes()  # deterministic
