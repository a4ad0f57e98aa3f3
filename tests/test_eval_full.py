"""Full-mode eval end to end with the fake LLM: report shape, HTML, progress file, re-judging, Ctrl-C partial
report, resume, unanswerable paragraphs, and determinism (two runs identical except latency) with the real
embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.backends.fake import FakeLLM
from assistant.errors import ConfigError
from assistant.settings import Settings
from eval.cli import eval_command, rejudge_command
from eval.runs.progress import read_progress

EN_CTX = "The ministers met in Geneva on Tuesday.  Talks on the constitutional committee went on for six hours."
AR_CTX = "استقبل الرئيس الأسد المبعوث الروسي ألكسندر لافرينتييف في دمشق، وبحث معه الوضع في إدلب."
DISTRACTOR = "The football season opened with a record crowd of 80,000 fans at the new stadium."
OIL = "Oil prices rose by 3 percent on Monday because of short supplies."
CONTRACT_KEYS = {
    "dataset",
    "mode",
    "n_questions",
    "retrieval",
    "answer",
    "citations",
    "faithfulness",
    "abstention",
    "latency_ms",
    "config",
}
LATENCY_KEYS = ("latency_ms", "latency_by_stage")


def _squad(path: Path) -> Path:
    def para(ctx, qas):
        return {
            "context": ctx,
            "qas": [
                {"id": i, "question": q, "answers": [{"text": a, "answer_start": ctx.index(a)}]} for i, q, a in qas
            ],
        }

    data = {
        "version": "1.1",
        "data": [
            {
                "title": "Talks",
                "paragraphs": [
                    para(
                        EN_CTX,
                        [
                            ("e1", "Where did the ministers meet on <Tuesday>?", "Geneva"),
                            ("e2", "How long did the talks on the constitutional committee go on?", "six hours"),
                        ],
                    ),
                    para(AR_CTX, [("a1", "من هو المبعوث الروسي الذي استقبله الأسد في دمشق؟", "ألكسندر لافرينتييف")]),
                ],
            },
            {
                "title": "Markets",
                "paragraphs": [
                    para(OIL, [("o1", "How much did oil prices rise on Monday?", "3 percent")]),
                    para(DISTRACTOR, []),
                ],
            },
        ],
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path) -> Path:
    return _squad(tmp_path / "tiny.json")


def fake_settings(**kw) -> Settings:
    """Fake embedder (not cross-lingual, lower similarities) with thresholds to match."""
    return Settings(embedder="fake", llm="fake", min_relevance=0.3, min_relevance_cross=0.3, min_support=0.3, **kw)


def _load(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_full_mode_writes_the_contract_report_html_and_progress(tmp_path, dataset, capsys):
    out = tmp_path / "out"
    assert eval_command(dataset, None, "full", None, out, fake_settings()) == 0
    r = _load(out)
    assert CONTRACT_KEYS <= set(r) and r["mode"] == "full" and r["n_questions"] == 4 and r["partial"] is False
    assert set(r["answer"]) == {
        "exact_match",
        "f1",
        "contains_gold",
        "contains_gold_question_lang",
        "correct",
        "language_ok",
        "well_formed",
        "good_rate",
        "short_answer_rate",
        "short_answer_correct",
        "short_answers",
    }
    assert set(r["evidence"]) == {"recall", "quote_shown"}
    assert {"p50", "p95", "first_sentence_p50", "first_sentence_p95"} <= set(r["latency_ms"])
    assert set(r["citations"]) == {"valid_rate", "precision", "recall", "gold_evidence_hit"}
    assert {"score", "unsupported_rate", "judge", "calibration"} <= set(r["faithfulness"])
    assert set(r["faithfulness"]["calibration"]) >= {"n", "accuracy", "kappa"}
    assert set(r["abstention"]) == {"accuracy_unanswerable", "false_abstention_rate"}
    assert r["abstention"]["accuracy_unanswerable"] is None  # no unanswerable question here
    assert {k: v for k, v in r["config"].items() if k != "answer_mode"} == {
        "embedder": "fake",
        "llm": "fake",
        "retriever": "hybrid:fake",
        "judge": "deterministic:fake:sim>=0.86(cross-lingual 0.79)+facts",
    }
    assert r["config"].get("answer_mode") in ("synthesized", "attributed")
    assert r["citations"]["valid_rate"] == 1.0 and r["counts"]["errors"] == 0
    assert {"retrieve", "generate", "verify"} <= set(r["latency_by_stage"])
    assert r["tokens"]["in"] > r["tokens"]["out"] > 0 and r["tokens"]["method"].startswith("estimate")
    answered = [q for q in r["per_question"] if not q["abstained"]]
    assert answered and all(q["raw_reply"] and q["citations"][0]["quote"] for q in answered)
    meta, done = read_progress(out / "progress.jsonl")
    assert meta["dataset"] == "tiny.json" and list(done) == ["e1", "e2", "a1", "o1"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Worst examples" in page and "<script" not in page
    assert page.count("<svg") == 5 and "faithfulness.calibration.kappa" in page
    assert "tiny.json: 4 questions, contains_gold" in capsys.readouterr().out

    # Re-judging the same answers with an LLM judge that rejects every claim: no question is asked again.
    judge_llm = FakeLLM().enqueue(*['{"claims": [{"claim": "c", "verdict": "NOT_SUPPORTED"}]}'] * 50)
    assert (
        rejudge_command(out, tmp_path / "rejudged", fake_settings(), judge="llm", llm=judge_llm, calibration=False) == 0
    )
    again = _load(tmp_path / "rejudged")
    n_sentences = r["counts"]["sentences"]
    assert len(judge_llm.history) == n_sentences and again["config"]["judge"] == "llm:fake"
    assert again["faithfulness"]["unsupported_rate"] == 1.0 and again["citations"]["precision"] == 0.0
    judged = {"good_rate", "correct"}
    assert again["rejudged_from"] == r["config"]["judge"]
    assert {k: v for k, v in again["answer"].items() if k not in judged} == {
        k: v for k, v in r["answer"].items() if k not in judged
    }
    assert again["answer"]["good_rate"] == 0.0 < r["answer"]["good_rate"]  # no sentence is supported any more
    with pytest.raises(ConfigError, match="cannot read"):
        rejudge_command(tmp_path / "nowhere", tmp_path / "x", fake_settings())


def test_html_shows_wrong_abstentions_with_highlighted_citations(tmp_path, dataset):
    out = tmp_path / "out"
    # A model that answers the first question without the gold answer, and refuses the rest.
    llm = FakeLLM().enqueue(
        "The ministers met on Tuesday [1].", "NOT_IN_ARTICLES", "NOT_IN_ARTICLES", "NOT_IN_ARTICLES"
    )
    assert eval_command(dataset, None, "full", None, out, fake_settings(), llm=llm, calibration=False) == 0
    r = _load(out)
    assert r["abstention"]["false_abstention_rate"] == 0.75 and r["answer"]["contains_gold"] == 0.0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "abstained on an answerable question: 3<" in page and page.count("abstained on an answerable question") == 4
    assert '<div dir="auto">…' in page and "<mark>The ministers met in Geneva on Tuesday.</mark>" in page
    assert "The ministers met on Tuesday [1]." in page
    assert "&lt;Tuesday&gt;" in page and "<Tuesday>" not in page  # the question, escaped


class InterruptingLLM(FakeLLM):
    """Answers normally, then raises KeyboardInterrupt (a Ctrl-C) on call number ``at``."""

    def __init__(self, at: int):
        super().__init__()
        self.at = at

    def stream(self, messages, **kw):
        if len(self.history) + 1 == self.at:
            raise KeyboardInterrupt
        yield from super().stream(messages, **kw)


def test_ctrl_c_writes_a_partial_report_and_resume_finishes_it(tmp_path, dataset, capsys):
    out = tmp_path / "out"
    assert eval_command(dataset, None, "full", None, out, fake_settings(), llm=InterruptingLLM(at=3)) == 130
    r = _load(out)
    assert r["partial"] is True and r["interrupted"] is True and r["n_questions"] == 2
    assert r["counts"]["planned"] == 4 and "calibration" not in r["faithfulness"]
    assert "Partial report" in (out / "report.html").read_text(encoding="utf-8")
    assert "PARTIAL" in capsys.readouterr().out
    _, done = read_progress(out / "progress.jsonl")
    assert list(done) == ["e1", "e2"]

    with pytest.raises(ConfigError, match="different run"):
        eval_command(dataset, None, "full", None, out, fake_settings(top_k=3), resume=True)
    llm = FakeLLM()
    assert eval_command(dataset, None, "full", None, out, fake_settings(), resume=True, llm=llm) == 0
    assert len(llm.history) == 2  # only a1 and o1 were asked again
    r = _load(out)
    assert r["partial"] is False and [q["id"] for q in r["per_question"]] == ["e1", "e2", "a1", "o1"]
    lines = [json.loads(x) for x in (out / "progress.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "_meta" in lines[0] and [x["id"] for x in lines if "id" in x] == ["e1", "e2", "a1", "o1"]
    # Resuming a finished run asks nothing and indexes nothing; the indexing figures come from the file.
    llm = FakeLLM()
    assert eval_command(dataset, None, "full", None, out, fake_settings(), resume=True, llm=llm) == 0
    again = _load(out)
    assert llm.history == [] and again["ingest"] == r["ingest"] and again["answer"] == r["answer"]


def test_unanswerable_fraction_in_full_mode(tmp_path, dataset):
    out = tmp_path / "out"
    assert (
        eval_command(dataset, None, "full", None, out, fake_settings(), unanswerable_fraction=0.34, calibration=False)
        == 0
    )
    r = _load(out)
    assert r["n_questions"] == 4 and "calibration" not in r["faithfulness"]
    held = [q for q in r["per_question"] if not q["answerable"]]
    assert held and all(q["held_out_doc"] for q in held)
    assert r["abstention"]["accuracy_unanswerable"] == pytest.approx(
        sum(q["abstained"] for q in held) / len(held), abs=1e-4
    )
    with pytest.raises(ConfigError, match="unanswerable-fraction"):
        eval_command(dataset, None, "full", 3, out, fake_settings(), unanswerable_fraction=1.0)


def test_limit_takes_the_first_questions_in_file_order(dataset):
    from eval.datasets.load import load_dataset
    from eval.runs.full import select_questions

    data = load_dataset(dataset, unanswerable_fraction=0.34)
    assert [q.id for q in select_questions(data, 3)] == ["e1", "e2", "a1"]
    assert len(select_questions(data, None)) == 4 and len(select_questions(data, 99)) == 4
    with pytest.raises(ValueError):
        select_questions(data, 0)


def _without_latency(report: dict) -> dict:
    r = {k: v for k, v in report.items() if k not in LATENCY_KEYS}
    r["ingest"] = {k: v for k, v in r["ingest"].items() if k not in ("seconds", "tokens_per_s")}
    r["per_question"] = [{k: v for k, v in q.items() if k != "timings_ms"} for q in r["per_question"]]
    return r


@pytest.mark.integration
def test_two_runs_with_fakes_are_identical_except_latency(tmp_path, dataset, local_embedder):
    reports = []
    for name in ("one", "two"):
        out = tmp_path / name
        assert eval_command(dataset, None, "full", None, out, Settings(llm="fake"), embedder=local_embedder) == 0
        reports.append(_load(out))
    a, b = reports
    assert _without_latency(a) == _without_latency(b)
    assert a["config"]["llm"] == "fake" and a["config"]["embedder"] == local_embedder.name
    assert a["retrieval"]["recall@1"] == 1.0 and a["citations"]["valid_rate"] == 1.0
