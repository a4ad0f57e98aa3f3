"""Full-mode metrics on hand-computed examples: answer normalization (English and Arabic), EM/F1/contains-gold,
judges and their output parsing, calibration agreement, per-question scoring (validity, precision, recall, gold
evidence) and report aggregation (populations, nulls, abstention, latency by stage)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.answerer import Answer, Citation
from assistant.backends.fake import FakeEmbedder, FakeLLM
from eval.calibration import LABELS, agreement, cohen_kappa, load_labels
from eval.datasets.records import EvalQuestion
from eval.judges import DeterministicJudge, JudgeResult, LLMJudge, make_judge, parse_verdicts
from eval.metrics.answers import contains_gold, exact_match, normalize_answer, strip_markers, token_f1
from eval.metrics.scoring import score_question
from eval.reports.blocks import build_full_report


# ---------------------------------------------------------------------------------------------- answer text
def test_english_normalization_follows_squad():
    assert normalize_answer("The  Geneva talks!") == "geneva talks"
    assert exact_match("the Geneva.", ["Geneva"]) == 1.0
    assert exact_match("Geneva, Switzerland", ["Geneva"]) == 0.0
    # pred [met, in, geneva, on, tuesday] vs gold [geneva, tuesday]: P 2/5, R 1 -> F1 = 2*0.4/1.4
    assert token_f1("met in Geneva on Tuesday", ["Geneva Tuesday", "Paris"]) == pytest.approx(2 * 0.4 / 1.4)
    assert token_f1("", ["Geneva"]) == 0.0 and token_f1("Geneva", []) == 0.0


def test_arabic_normalization_folds_article_diacritics_and_letter_variants():
    assert exact_match("الأسد", ["أسد"]) == 1.0  # article ال stripped, hamza-alef folded
    assert exact_match("الرَّئِيسُ", ["الرئيس"]) == 1.0  # diacritics
    assert exact_match("إدلب", ["ادلب"]) == 1.0 and exact_match("مدرسة", ["مدرسه"]) == 1.0
    assert exact_match("«لافرينتييف»،", ["لافرينتييف"]) == 1.0  # Arabic punctuation
    assert exact_match("٢٢٥٤", ["2254"]) == 1.0  # Arabic-Indic digits
    assert normalize_answer("الى") == "الي"  # too short to be article + word: kept
    # pred [استقبل, رييس, بشار, اسد] vs gold [بشار, اسد]: P 2/4, R 1 -> F1 2/3
    assert token_f1("استقبل الرئيس بشار الأسد", ["بشار الأسد"]) == pytest.approx(2 / 3)


def test_contains_gold_strips_markers_and_matches_whole_tokens():
    assert strip_markers("They met in Geneva [1][2]. Then left [١، ٢].") == "They met in Geneva. Then left."
    assert contains_gold(strip_markers("They met in Geneva [1]."), ["geneva"]) == 1.0
    assert contains_gold("The Genevan delegation", ["Geneva"]) == 0.0
    assert contains_gold("أكد دعمه للجيش العربي السوري", ["الجيش العربي السوري"]) == 0.0  # لل+جيش is not ال+جيش
    assert contains_gold("استقبل الأسد المبعوث ألكسندر لافرينتييف", ["ألكسندر لافرينتييف"]) == 1.0
    assert contains_gold("anything", []) == 0.0


# --------------------------------------------------------------------------------------------------- judges
class TableEmbedder:
    """Vectors from a lookup table (unit vectors), so similarities are exact and hand-computable."""

    name = "table"

    def __init__(self, table: dict[str, list[float]]):
        self.table = {k: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for k, v in table.items()}

    def embed_query(self, text):
        return self.table[text]

    def embed_passages(self, texts):
        return np.stack([self.table[t] for t in texts])


def test_deterministic_judge_needs_similarity_and_every_fact():
    s1, s2, s3 = "Talks lasted six hours.", "Resolution 2255 was cited.", "Talks lasted six hours in Geneva."
    ev, other = "The talks went on for six hours.", "Resolution 2254 was cited."
    emb = TableEmbedder({s1: [1, 0], s2: [0, 1], s3: [1, 0], ev: [1, 0.1], other: [0, 1]})
    judge = DeterministicJudge(emb, threshold=0.8)
    ok = judge.judge(s1, [ev])
    assert ok.supported and ok.score == 1.0 and "similarity 0.995" in ok.reason
    wrong_number = judge.judge(s2, [other])  # gist fine, number 2255 not in the cited text: 1 of 2 claims
    assert not wrong_number.supported and wrong_number.score == 0.5 and "number 2255" in wrong_number.reason
    # claims: gist, "Talks" (a capitalized word, found in the text) and "Geneva" (missing): 2 of 3
    missing_name = judge.judge(s3, [ev])
    assert not missing_name.supported and missing_name.score == pytest.approx(2 / 3)
    off_topic = judge.judge(s1, [other])
    assert not off_topic.supported and off_topic.score == 0.0
    assert judge.judge(s1, []) == JudgeResult(False, 0.0, "no cited text")
    assert judge.judge(s1, [other, ev]).supported  # best cited text counts
    assert "sim>=0.80" in judge.name


@pytest.mark.parametrize(
    "reply, verdicts",
    [
        (
            '{"claims": [{"claim": "a", "verdict": "SUPPORTED"}, {"claim": "b", "verdict": "NOT_SUPPORTED"}]}',
            [True, False],
        ),
        ('Sure! ```json\n{"claims": [{"claim": "a", "supported": true}]}\n```', [True]),
        ('{"verdict": "not supported"}', [False]),
        ('[{"claim": "x", "verdict": "SUPPORTED"}]', [True]),
        ("Claim 1: SUPPORTED\nClaim 2: NOT SUPPORTED", [True, False]),
        ("UNSUPPORTED", [False]),
        ("I cannot tell.", None),
        ("", None),
    ],
)
def test_llm_judge_output_is_parsed_robustly(reply, verdicts):
    assert parse_verdicts(reply) == verdicts


def test_llm_judge_renders_its_prompts_and_scores_claims():
    llm = FakeLLM().enqueue(
        '{"claims": [{"claim": "met", "verdict": "SUPPORTED"}, {"claim": "in Paris", "verdict": "NOT_SUPPORTED"}]}',
        "no idea",
        "SUPPORTED",
    )
    judge = LLMJudge(llm)
    r = judge.judge("They met in Paris.", ["اجتمعوا في جنيف."])
    assert (r.supported, r.score, r.reason) == (False, 0.5, "1/2 claims supported")
    system, user = llm.history[0]
    assert "SUPPORTED" in system.content and "NOT_SUPPORTED" in system.content
    assert "SENTENCE: They met in Paris." in user.content and "[1] اجتمعوا في جنيف." in user.content
    bad = judge.judge("x", ["y"])
    assert not bad.supported and bad.reason.startswith("unreadable judge reply: no idea")
    assert judge.judge("x", ["y"]).supported and judge.name == "llm:fake"
    assert not judge.judge("x", ["  "]).supported and len(llm.history) == 3  # no call without cited text
    with pytest.raises(ValueError, match="unknown judge"):
        make_judge("oracle")
    with pytest.raises(ValueError, match="needs a model"):
        make_judge("llm", llm=None)


# ---------------------------------------------------------------------------------------------- calibration
def test_cohen_kappa_on_hand_computed_tables():
    truth = [True] * 6 + [False] * 4
    pred = [True] * 5 + [False] + [True] + [False] * 3  # agree 8/10; p_e = .6*.6 + .4*.4 = .52
    assert cohen_kappa(truth, pred) == pytest.approx((0.8 - 0.52) / 0.48)
    assert cohen_kappa([True, False], [True, False]) == 1.0
    assert cohen_kappa([True, True], [True, True]) == 1.0
    assert cohen_kappa([True, False], [True, True]) == 0.0
    with pytest.raises(ValueError):
        cohen_kappa([], [])


def test_agreement_counts_a_judge_against_labels():
    labels = [
        {"sentence": s, "cited_text": "t", "label": lab, "lang": lang}
        for s, lab, lang in [
            ("yes", "supported", "en"),
            ("yes", "not_supported", "ar"),
            ("no", "not_supported", "en"),
            ("no", "supported", "ar"),
        ]
    ]

    class Says:
        name = "says"

        def judge(self, sentence, cited):
            return JudgeResult(sentence == "yes", 1.0)

    a = agreement(Says(), labels, split=None)
    assert a["n"] == 4 and a["accuracy"] == 0.5 and a["kappa"] == 0.0 and a["unsupported_recall"] == 0.5
    assert a["confusion"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 1}
    assert a["by_lang"]["ar"]["accuracy"] == 0.0 and a["by_lang"]["en"]["accuracy"] == 1.0
    assert a["by_lang"]["en"]["n"] == 2 and a["by_lang"]["ar"]["unsupported_recall"] == 0.0
    with pytest.raises(ValueError, match="no calibration labels"):
        agreement(Says(), labels)  # none of these is in the test part


def test_the_hand_labelled_set_is_well_formed():
    rows = load_labels(LABELS)
    assert len(rows) >= 40
    assert {r["label"] for r in rows} == {"supported", "not_supported"}
    assert {r["lang"] for r in rows} >= {"en", "ar"}
    assert all(r["origin"] and r["cited_text"].strip() for r in rows)
    assert len(rows) >= 190 and {r["split"] for r in rows} == {"fit", "test"}
    assert all(r["why"] == "ok" if r["label"] == "supported" else r["why"] != "ok" for r in rows)
    assert {r["mode"] for r in rows} == {"synthesized", "attributed"}
    test = [r for r in rows if r["split"] == "test"]
    assert 0.25 < len(test) / len(rows) < 0.42


# --------------------------------------------------------------------------------------------------- scoring
DOC = "The ministers met in Geneva on Tuesday. Oil prices rose by 3 percent on Monday."


def _answer(sentences, citations, abstained=False, text=None):
    return Answer(
        "q",
        "en",
        text if text is not None else " ".join(s["sentence"] for s in sentences),
        abstained,
        citations,
        [],
        {"retrieve": 5.0, "generate": 100.0, "total": 120.0},
        sentences=sentences,
    )


def _cite(i, start, end, quote=None):
    return Citation(i, "d1", "T", "s", start, end, DOC[start:end] if quote is None else quote)


def test_a_valid_citation_that_does_not_support_its_sentence_lowers_precision():
    s = "The ministers met in Geneva on Tuesday."
    judge = DeterministicJudge(FakeEmbedder(), threshold=0.8)
    q = EvalQuestion("q1", "Where did they meet?", "en", True, ["Geneva"], ["d1"], [("d1", 21, 27)])
    cites = [_cite(1, 0, 39), _cite(2, 40, 80)]  # both verbatim; the second is about oil prices
    rec = score_question(
        q,
        _answer([{"sentence": s, "citations": [1, 2], "support": 0.9}], cites),
        ["d1"],
        texts={"d1": DOC},
        gold_lang="en",
        judge=judge,
    )
    assert [c["valid"] for c in rec["citations"]] == [True, True]
    assert [c["gold"] for c in rec["citations"]] == [True, False]
    sent = rec["sentences"][0]
    assert sent["judge"]["supported"] and sent["citation_support"] == {"1": True, "2": False}
    assert rec["citations"][0]["before"] == "" and rec["citations"][0]["after"].startswith(" Oil prices")
    report = build_full_report("d", [rec], config={"judge": judge.name})
    assert report["citations"]["valid_rate"] == 1.0
    assert report["citations"]["recall"] == 1.0 and report["citations"]["precision"] == 0.5
    assert report["citations"]["gold_evidence_hit"] == 1.0
    # answer tokens [ministers, met, in, geneva, on, tuesday] vs [geneva]: P 1/6, R 1 -> F1 2/7
    assert report["answer"] == {
        "exact_match": 0.0,
        "f1": round(2 / 7, 4),
        "contains_gold": 1.0,
        "contains_gold_question_lang": 1.0,
        "correct": 1.0,
        "language_ok": 1.0,
        "well_formed": 1.0,
        "good_rate": 1.0,
        "short_answer_rate": 0.0,
        "short_answer_correct": None,
        "short_answers": {"place": {"questions": 1, "given": 0, "correct": 0, "by_how": {}}},
    }


def test_a_quote_that_differs_from_the_store_is_invalid():
    q = EvalQuestion("q1", "Oil?", "en", True, ["3 percent"], ["d1"], [])
    bad = _cite(1, 40, 80, quote="Oil prices fell by 9 percent on Monday.")
    rec = score_question(
        q,
        _answer([{"sentence": "Oil prices fell.", "citations": [1], "support": 0.9}], [bad]),
        None,
        texts={"d1": DOC},
        gold_lang="en",
        judge=DeterministicJudge(FakeEmbedder()),
    )
    assert rec["citations"][0]["valid"] is False and rec["rank"] is None
    assert rec["citations"][0]["gold"] is True  # doc-level gold: no spans, cites the gold document
    assert build_full_report("d", [rec], config={})["citations"]["valid_rate"] == 0.0


def test_report_populations_abstention_and_latency_by_stage():
    judge = DeterministicJudge(FakeEmbedder())
    en = EvalQuestion("a", "Where?", "en", True, ["Geneva"], ["d1"], [("d1", 21, 27)])
    cross = EvalQuestion("b", "متى؟", "ar", True, ["Tuesday"], ["d1"], [("d1", 31, 38)])
    unans = EvalQuestion("c", "Capital of France?", "en", False)
    unans2 = EvalQuestion("d", "Capital of Peru?", "en", False)
    s = {"sentence": "The ministers met in Geneva on Tuesday.", "citations": [1], "support": 0.9}
    recs = [
        score_question(
            en,
            _answer([], [], abstained=True, text="I cannot answer."),
            ["d1"],
            texts={"d1": DOC},
            gold_lang="en",
            judge=judge,
        ),
        score_question(
            cross, _answer([dict(s)], [_cite(1, 0, 39)]), ["d2", "d1"], texts={"d1": DOC}, gold_lang="en", judge=judge
        ),
        score_question(unans, _answer([], [], abstained=True, text="x"), None, texts={}, gold_lang=None, judge=judge),
        score_question(
            unans2, _answer([dict(s)], [_cite(1, 0, 39)]), None, texts={"d1": DOC}, gold_lang=None, judge=judge
        ),
    ]
    r = build_full_report("d", recs, config={"judge": "j"}, calibration={"n": 3, "accuracy": 1.0, "kappa": 1.0})
    assert r["answer"]["exact_match"] == 0.0 and r["answer"]["f1"] == 0.0  # only "a" is same-language: abstained
    assert r["answer"]["contains_gold"] == 0.5  # a: abstained (0), b: contains Tuesday (1)
    assert r["abstention"] == {"accuracy_unanswerable": 0.5, "false_abstention_rate": 0.5}
    assert r["retrieval"]["recall@1"] == 0.5 and r["retrieval"]["mrr"] == 0.75  # a: rank 1, b: rank 2
    assert r["citations"]["gold_evidence_hit"] == 1.0  # over answered answerable questions: b only
    assert r["counts"]["sentences"] == 2 and r["counts"]["same_language"] == 1
    assert r["faithfulness"]["calibration"]["n"] == 3 and r["faithfulness"]["judge"] == "j"
    assert r["latency_ms"] == {
        "p50": 120.0,
        "p95": 120.0,
        "first_sentence_p50": 120.0,
        "first_sentence_p95": 120.0,
    }  # no first_sentence timing: the total
    assert r["latency_by_stage"] == {"generate": {"p50": 100.0, "p95": 100.0}, "retrieve": {"p50": 5.0, "p95": 5.0}}
    empty = build_full_report("d", recs[2:3], config={})
    assert empty["answer"]["exact_match"] is None and empty["citations"]["precision"] is None
    assert empty["faithfulness"]["score"] is None and empty["abstention"]["false_abstention_rate"] is None
    assert empty["retrieval"] is None
    json.dumps(r, ensure_ascii=False)  # JSON-ready


def test_reader_metrics_question_language_form_and_evidence_recall():
    """The issue-18 figures: gold in the question's language, language_ok, well_formed, evidence.recall over
    selected units, time to the first sentence, and good_rate needing all of them."""
    judge = DeterministicJudge(FakeEmbedder(), threshold=0.0)
    q = EvalQuestion(
        "x",
        "Where did the ministers meet?",
        "en",
        True,
        ["جنيف"],
        ["d1"],
        [("d1", 21, 27)],
        question_lang_answers=["Geneva"],
    )
    good_units = [
        {"doc_id": "d1", "start": 0, "end": 39, "text": DOC[:39], "score": 0.9, "lang": "en", "selected": True},
        {"doc_id": "d1", "start": 40, "end": 80, "text": DOC[40:80], "score": 0.5, "lang": "en", "selected": False},
    ]
    ok = _answer(
        [{"sentence": "The ministers met in Geneva.", "citations": [1], "support": 0.9}],
        [_cite(1, 0, 39)],
        text="The ministers met in Geneva [1].",
    )
    ok.evidence = good_units
    ok.timings_ms["first_sentence"] = 40.0
    rec = score_question(q, ok, ["d1"], texts={"d1": DOC}, gold_lang="ar", judge=judge)
    sc = rec["scores"]
    assert sc["contains_gold"] == 0.0 and sc["contains_gold_question_lang"] == 1.0  # "جنيف" vs "Geneva"
    assert sc["language_ok"] == 1.0 and rec["sentences"][0]["form"] == []
    assert sc["evidence_recall"] == 1.0 and sc["correct"] == 1.0 and sc["good"] == 1.0
    # only the unselected unit holds the gold: not recalled
    miss = _answer([{"sentence": "Oil prices rose.", "citations": [1], "support": 0.9}], [_cite(1, 40, 80)])
    miss.evidence = [dict(good_units[0], selected=False), dict(good_units[1], selected=True)]
    rec2 = score_question(q, miss, ["d1"], texts={"d1": DOC}, gold_lang="ar", judge=judge)
    assert rec2["scores"]["evidence_recall"] == 0.0 and rec2["scores"]["correct"] == 0.0
    assert rec2["scores"]["good"] == 0.0
    # an Arabic quote as the whole answer to an English question, and a mixed-script word
    wrong_lang = _answer([{"sentence": "اجتمع الوزراء في جنيف.", "citations": [1], "support": 0.9}], [_cite(1, 0, 39)])
    rec3 = score_question(q, wrong_lang, ["d1"], texts={"d1": DOC}, gold_lang="ar", judge=judge)
    assert rec3["scores"]["language_ok"] == 0.0 and rec3["sentences"][0]["form"]
    assert rec3["scores"]["correct"] == 0.0 and rec3["scores"]["good"] == 0.0  # no "Geneva" for the reader
    assert rec3["scores"]["evidence_recall"] is None  # no evidence units on this answer
    # the Arabic quote introduced in English is in the reader's language (labelled), but gives no English answer
    framed = _answer(
        [
            {
                "sentence": "The article says, in Arabic: «اجتمع الوزراء في جنيف يوم الثلاثاء».",
                "citations": [1],
                "support": None,
            }
        ],
        [_cite(1, 0, 39)],
    )
    rec5 = score_question(q, framed, ["d1"], texts={"d1": DOC}, gold_lang="ar", judge=judge)
    assert rec5["scores"]["contains_gold"] == 1.0 and rec5["sentences"][0]["form"] == []
    assert rec5["scores"]["language_ok"] == 1.0 and rec5["scores"]["correct"] == 0.0
    both = _answer(
        [
            {"sentence": "The ministers met in Geneva.", "citations": [1], "support": 0.9},
            {"sentence": "It also says, in Arabic: «اجتمع الوزراء».", "citations": [1], "support": None},
        ],
        [_cite(1, 0, 39)],
        text="The ministers met in Geneva [1]. It also says, in Arabic: «اجتمع الوزراء» [1].",
    )
    rec6 = score_question(q, both, ["d1"], texts={"d1": DOC}, gold_lang="ar", judge=judge)
    assert rec6["scores"]["language_ok"] == 1.0 and rec6["scores"]["correct"] == 1.0
    mixed = _answer([{"sentence": "They met in جacksonville.", "citations": [1], "support": 0.9}], [_cite(1, 0, 39)])
    rec4 = score_question(q, mixed, ["d1"], texts={"d1": DOC}, gold_lang="ar", judge=judge)
    assert any("mixing" in p for p in rec4["sentences"][0]["form"])
    r = build_full_report("d", [rec, rec2, rec3, rec4], config={"judge": "j"})
    assert r["answer"]["well_formed"] == 0.5 and r["answer"]["language_ok"] == 0.75
    assert r["answer"]["good_rate"] == 0.25 and r["evidence"]["recall"] == 0.5
    assert r["latency_ms"]["first_sentence_p50"] == 120.0 and r["latency_ms"]["first_sentence_p95"] > 100


def test_extractive_answers_are_reparsed_into_sentences():
    q = EvalQuestion("a", "Where?", "en", True, ["Geneva"], ["d1"], [("d1", 21, 27)])
    ans = _answer([], [_cite(1, 0, 39)], text="The ministers met in Geneva on Tuesday [1].")
    rec = score_question(q, ans, ["d1"], texts={"d1": DOC}, gold_lang="en", judge=DeterministicJudge(FakeEmbedder()))
    assert [(s["sentence"], s["citations"]) for s in rec["sentences"]] == [
        ("The ministers met in Geneva on Tuesday.", [1])
    ]
    assert rec["sentences"][0]["judge"]["supported"] and rec["scores"]["contains_gold"] == 1.0


def test_worst_examples_lead_with_wrong_answers_the_judge_passed_and_weak_judges_are_unreliable():
    from eval.reports.html import worst_questions
    from eval.reports.write import render_html

    def rec(qid, supported, correct):
        return {
            "id": qid,
            "question": "Q?",
            "lang": "en",
            "answerable": True,
            "abstained": False,
            "answer": "A.",
            "answers": ["x"],
            "citations": [],
            "removed": [],
            "sentences": [
                {
                    "sentence": "A.",
                    "citations": [1],
                    "judge": {"supported": supported, "score": 1.0 if supported else 0.0},
                }
            ],
            "scores": {"contains_gold": 0.0, "correct": correct},
        }

    report = {
        "mode": "full",
        "per_question": [rec("ok", True, 1.0), rec("blind", True, 0.0), rec("caught", False, 0.0)],
        "faithfulness": {
            "score": 0.66,
            "calibration": {"n": 60, "accuracy": 0.6, "kappa": 0.3, "unsupported_recall": 0.5},
        },
        "answer": {"good_rate": 0.33},
    }
    kinds = worst_questions(report)
    assert kinds[0][0].startswith("wrong answer that the judge passed") and [q["id"] for q in kinds[0][1]] == ["blind"]
    page = render_html(report)
    assert "UNRELIABLE" in page and "kappa 0.300" in page
    report["faithfulness"]["calibration"]["kappa"] = 0.7
    assert "UNRELIABLE" not in render_html(report)
