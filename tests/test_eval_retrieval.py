"""Retrieval-mode eval: metric definitions on hand-computed rankings, dataset loading (SQuAD, JSONL + corpus,
errors, held-out paragraphs), the report files, the CLI function, and one end-to-end run with the real embedder."""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import AssistantError, ConfigError
from assistant.settings import Settings
from eval.cli import eval_command
from eval.datasets.load import load_dataset
from eval.datasets.records import DatasetError
from eval.metrics.ranking import distinct, first_rank, ndcg_at_k, percentile, recall_at_k, reciprocal_rank
from eval.reports.write import DEFINITIONS, render_html, write_json_atomic, write_reports

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
REPO = Path(__file__).resolve().parents[1]

EN_CTX = "The ministers met in Geneva on Tuesday.  Talks on the constitutional committee went on for six hours."
AR_CTX = "استقبل الرئيس الأسد المبعوث الروسي ألكسندر لافرينتييف في دمشق، وبحث معه الوضع في إدلب."
DISTRACTOR = "The football season opened with a record crowd of 80,000 fans at the new stadium."


def squad(articles: list[tuple[str, list[tuple[str, list[tuple[str, str, str]]]]]]) -> dict:
    """Build SQuAD JSON from [(title, [(context, [(qid, question, answer)])])]; answer_start found in context."""
    return {
        "version": "1.1",
        "data": [
            {
                "title": title,
                "paragraphs": [
                    {
                        "context": ctx,
                        "qas": [
                            {"id": qid, "question": q, "answers": [{"text": a, "answer_start": ctx.index(a)}]}
                            for qid, q, a in qas
                        ],
                    }
                    for ctx, qas in paras
                ],
            }
            for title, paras in articles
        ],
    }


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def tiny_squad(tmp_path) -> Path:
    return write_json(
        tmp_path / "tiny.json",
        squad(
            [
                (
                    "Syria_talks",
                    [
                        (
                            EN_CTX,
                            [
                                ("q-en-1", "Where did the ministers meet?", "Geneva"),
                                ("q-en-2", "How long did the talks go on?", "six hours"),
                            ],
                        ),
                        (AR_CTX, [("q-ar-1", "من استقبل الرئيس الأسد في دمشق؟", "ألكسندر لافرينتييف")]),
                    ],
                ),
                ("Sport", [(DISTRACTOR, [])]),
            ]
        ),
    )


# ---------------------------------------------------------------------------------------------------- metrics
def test_metrics_count_distinct_documents_at_their_best_rank():
    ranked = ["d3", "d1", "d1", "d2"]
    assert distinct(ranked) == ["d3", "d1", "d2"]
    assert first_rank(ranked, {"d1"}) == 2
    assert recall_at_k(ranked, {"d1"}, 1) == 0.0
    assert recall_at_k(ranked, {"d1"}, 2) == 1.0
    assert recall_at_k(ranked, {"d2"}, 2) == 0.0  # d2 is the 3rd distinct document, though the 4th chunk
    assert recall_at_k(ranked, {"d2"}, 3) == 1.0
    assert reciprocal_rank(ranked, {"d1"}) == 0.5
    assert reciprocal_rank(ranked, {"d2"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, {"d2"}, k=2) == 0.0
    assert reciprocal_rank(ranked, {"d9"}) == 0.0
    assert ndcg_at_k(ranked, {"d1"}, 10) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k(ranked, {"d3"}, 10) == 1.0
    assert ndcg_at_k(ranked, {"d1", "d2"}, 10) == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    )
    assert ndcg_at_k(ranked, {"d2"}, 2) == 0.0
    assert ndcg_at_k(ranked, set(), 10) == 0.0
    with pytest.raises(ValueError):
        recall_at_k(ranked, {"d1"}, 0)


def test_percentile_interpolates_like_numpy():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([1, 2, 3, 4], 0) == 1 and percentile([1, 2, 3, 4], 100) == 4
    assert percentile([7.0], 95) == 7.0
    values = list(np.random.default_rng(0).exponential(20, 101))
    for p in (5, 50, 95, 99):
        assert percentile(values, p) == pytest.approx(float(np.percentile(values, p)))
    with pytest.raises(ValueError):
        percentile([], 50)


# ------------------------------------------------------------------------------------------------- datasets
def test_squad_paragraphs_become_documents_and_questions_point_at_them(tiny_squad):
    ds = load_dataset(tiny_squad)
    assert ds.name == "tiny.json"
    assert [d.id for d in ds.documents] == ["p0-0", "p0-1", "p1-0"]
    assert [d.text for d in ds.documents] == [EN_CTX, AR_CTX, DISTRACTOR]  # unchanged, double space kept
    assert ds.documents[0].title == "Syria talks"
    assert ds.documents[2].extra["question_ids"] == []  # the distractor
    by_id = {q.id: q for q in ds.questions}
    assert [q.id for q in ds.questions] == ["q-en-1", "q-en-2", "q-ar-1"]
    assert (by_id["q-en-1"].lang, by_id["q-ar-1"].lang) == ("en", "ar")
    assert by_id["q-ar-1"].gold_docs == ["p0-1"] and by_id["q-en-2"].gold_docs == ["p0-0"]
    assert by_id["q-ar-1"].answers == ["ألكسندر لافرينتييف"]
    texts = {d.id: d.text for d in ds.documents}
    for q in ds.questions:
        assert q.answerable
        ((doc, start, end),) = q.evidence
        assert texts[doc][start:end] == q.answers[0]
    assert len(ds.answerable()) == 3


def test_squad_errors_name_the_file_and_the_place(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"data": [\n  {"title": "x",\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"broken\.json: invalid JSON at line 3"):
        load_dataset(bad)
    no_question = squad([("T", [(EN_CTX, [("a", "Where?", "Geneva")])] * 2)])
    no_question["data"][0]["paragraphs"][1]["qas"][0]["question"] = " "
    with pytest.raises(DatasetError, match=r"q\.json: article 0, paragraph 1, question 0: missing or empty"):
        load_dataset(write_json(tmp_path / "q.json", no_question))
    with pytest.raises(DatasetError, match=r"notes\.txt: unsupported dataset type"):
        load_dataset(write_json(tmp_path / "notes.txt", {}))
    with pytest.raises(DatasetError, match=r"missing\.json: no such dataset file"):
        load_dataset(tmp_path / "missing.json")
    err = DatasetError("x")
    assert isinstance(err, ValueError) and isinstance(err, AssistantError)


def _many_paragraphs(n: int, reverse: bool = False) -> dict:
    paras = [
        (
            f"Paragraph number {i} says that item {i} costs {i * 7} dollars.",
            [
                (f"q{i}a", f"What does item {i} cost?", f"{i * 7} dollars"),
                (f"q{i}b", f"Which item costs {i * 7} dollars?", f"item {i}"),
            ],
        )
        for i in range(n)
    ]
    return squad([("Prices", paras[::-1] if reverse else paras)])


def test_unanswerable_fraction_is_deterministic_and_follows_question_ids(tmp_path):
    path = write_json(tmp_path / "prices.json", _many_paragraphs(10))
    ds = load_dataset(path, unanswerable_fraction=0.3)
    dropped = {q.held_out_doc for q in ds.questions if not q.answerable}
    assert len(dropped) == 3 and len(ds.documents) == 7
    assert not dropped & {d.id for d in ds.documents}
    unanswerable = [q for q in ds.questions if not q.answerable]
    assert len(unanswerable) == 6 and all(not q.gold_docs and not q.answers and not q.evidence for q in unanswerable)
    again = load_dataset(path, unanswerable_fraction=0.3)
    assert [q.answerable for q in again.questions] == [q.answerable for q in ds.questions]
    # The same questions in another paragraph order lose the same paragraphs (chosen by question-id hash).
    reordered = load_dataset(
        write_json(tmp_path / "rev.json", _many_paragraphs(10, reverse=True)), unanswerable_fraction=0.3
    )
    assert {q.id for q in reordered.questions if not q.answerable} == {q.id for q in unanswerable}
    assert all(q.answerable for q in load_dataset(path).questions)
    with pytest.raises(ValueError):
        load_dataset(path, unanswerable_fraction=1.5)


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(EN_CTX + "\n", encoding="utf-8")
    (root / "sub" / "idlib.ar.txt").write_text(AR_CTX, encoding="utf-8")
    (root / "feed.jsonl").write_text(
        json.dumps({"id": "wire-1", "text": DISTRACTOR})
        + "\n"
        + json.dumps({"id": "wire-2", "text": "Oil prices rose by 3 percent on Monday."})
        + "\n",
        encoding="utf-8",
    )
    return root


def jsonl(path: Path, rows: list) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_jsonl_dataset_resolves_evidence_by_path_name_and_id(tmp_path, corpus):
    start = AR_CTX.index("لافرينتييف")
    rows = [
        {
            "id": "j1",
            "question": "Where did the ministers meet?",
            "lang": "en",
            "answerable": True,
            "answers": ["Geneva"],
            "evidence": [{"doc": "a.txt", "start": 21, "end": 27}],
        },
        {
            "id": "j2",
            "question": "من استقبل الأسد؟",
            "answers": ["لافرينتييف"],
            "evidence": [{"doc": "sub/idlib.ar.txt", "start": start, "end": start + 10}],
        },
        {"id": "j3", "question": "How much did oil rise?", "evidence": [{"doc": "wire-2"}, {"doc": "idlib.ar.txt"}]},
        {"id": "j4", "question": "What is the capital of France?", "answerable": False, "answers": [], "evidence": []},
    ]
    ds = load_dataset(jsonl(tmp_path / "qs.jsonl", rows), corpus=corpus)
    texts = {d.id: d.text for d in ds.documents}
    assert len(ds.documents) == 4 and all(len(i) <= 128 for i in texts)
    q1, q2, q3, q4 = ds.questions
    assert texts[q1.gold_docs[0]] == EN_CTX + "\n" and q1.evidence == [(q1.gold_docs[0], 21, 27)]
    assert texts[q1.gold_docs[0]][21:27] == "Geneva"
    doc, s, e = q2.evidence[0]
    assert texts[doc][s:e] == "لافرينتييف" and q2.lang == "ar" and q2.answerable
    assert texts[q3.gold_docs[0]].startswith("Oil prices") and q3.gold_docs[1] == q2.gold_docs[0]
    assert q3.evidence == []  # doc-level evidence: gold document, no span
    assert not q4.answerable and q4.gold_docs == [] and [q.id for q in ds.answerable()] == ["j1", "j2", "j3"]
    assert [d.id for d in load_dataset(tmp_path / "qs.jsonl", corpus=corpus).documents] == list(texts)


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "x", "question": "Where?" ', r"qs\.jsonl, line 2: invalid JSON"),
        (
            {"id": "x", "question": "Where?", "evidence": [{"doc": "nope.txt"}]},
            r"line 2: evidence doc 'nope\.txt' is not",
        ),
        (
            {"id": "x", "question": "Where?", "evidence": [{"doc": "a.txt", "start": 5, "end": 500}]},
            r"line 2: evidence\[0\] span 5-500 is outside 'a\.txt'",
        ),
        (
            {"id": "x", "question": "Where?", "evidence": [{"doc": "feed.jsonl"}]},
            r"line 2: .*matches 2 corpus articles",
        ),
        (
            {"id": "x", "question": "Where?", "answerable": False, "evidence": [{"doc": "a.txt"}]},
            r"line 2: 'answerable' is false but evidence is given",
        ),
        ({"id": "ok", "question": "Again?"}, r"line 2: duplicate question id 'ok'"),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path, corpus, line, message):
    path = jsonl(tmp_path / "qs.jsonl", [{"id": "ok", "question": "Fine?", "evidence": [{"doc": "a.txt"}]}, line])
    with pytest.raises(DatasetError, match=message):
        load_dataset(path, corpus=corpus)


def test_jsonl_needs_a_corpus(tmp_path):
    path = jsonl(tmp_path / "qs.jsonl", [{"id": "a", "question": "Where?"}])
    with pytest.raises(DatasetError, match=r"qs\.jsonl: a JSONL dataset needs its corpus"):
        load_dataset(path)
    with pytest.raises(DatasetError, match=r"corpus .*gone does not exist"):
        load_dataset(path, corpus=tmp_path / "gone")


# -------------------------------------------------------------------------------------------------- reports
def _report(per_question: list[dict]) -> dict:
    return {
        "dataset": "d.json",
        "mode": "retrieval",
        "n_questions": len(per_question),
        "retrieval": {"recall@1": 0.5, "recall@5": 1.0, "recall@10": 1.0, "mrr": 0.75, "ndcg@10": 0.8},
        "answer": None,
        "citations": None,
        "faithfulness": None,
        "abstention": None,
        "latency_ms": {"p50": 12.0, "p95": 30.5},
        "config": {"embedder": "e", "llm": None, "retriever": "dense"},
        "per_question": per_question,
    }


def test_html_report_is_self_contained_escaped_and_explains_every_metric():
    per = [
        {
            "id": "q1",
            "question": "<b>من</b> & who?",
            "lang": "ar",
            "gold": ["p0-0"],
            "ranked": ["p1-0", "p0-0"],
            "rank": 2,
        },
        {"id": "q2", "question": "fine", "lang": "en", "gold": ["p0-1"], "ranked": ["p0-1"], "rank": 1},
    ]
    page = render_html(_report(per))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert '<td dir="auto">&lt;b&gt;من&lt;/b&gt; &amp; who?</td>' in page
    assert "<b>من</b>" not in page and ">fine<" not in page  # only misses are listed
    assert "<svg" in page and page.count("<rect") == 5
    assert "<script" not in page and "<link" not in page and "src=" not in page and "@import" not in page
    for key in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"):
        assert f"retrieval.{key}" in page and DEFINITIONS[f"retrieval.{key}"] in page
    assert DEFINITIONS["latency_ms.p95"] in page
    assert "Not measured in retrieval mode" in page


def test_reports_are_written_atomically_as_utf8(tmp_path):
    out = tmp_path / "out"
    json_path, html_path = write_reports(_report([]), out)
    assert json.loads(json_path.read_text(encoding="utf-8"))["latency_ms"] == {"p50": 12.0, "p95": 30.5}
    assert html_path.read_text(encoding="utf-8").count("<html") == 1
    write_json_atomic(out / "report.json", {"q": "إدلب"})
    assert '"إدلب"' in (out / "report.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json"]  # no temp files left


# ---------------------------------------------------------------------------------------------- CLI function
def test_bad_options_are_clear_errors(tmp_path, tiny_squad):
    with pytest.raises(ConfigError, match="unknown judge 'oracle'"):
        eval_command(tiny_squad, None, "full", None, tmp_path / "out", Settings(embedder="fake"), judge="oracle")
    with pytest.raises(ConfigError, match="unknown eval mode 'fast'"):
        eval_command(tiny_squad, None, "fast", None, tmp_path / "out", Settings(embedder="fake"))
    with pytest.raises(DatasetError, match=r"nothing\.json: no such dataset file"):
        eval_command(tmp_path / "nothing.json", None, "retrieval", None, tmp_path / "out", Settings(embedder="fake"))
    assert not (tmp_path / "out").exists()


def test_eval_command_writes_both_reports_and_a_summary(tmp_path, tiny_squad, capsys):
    out = tmp_path / "out"
    assert eval_command(tiny_squad, None, "retrieval", 2, out, Settings(embedder="fake")) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["n_questions"] == 2 and report["config"]["embedder"] == "fake"
    assert report["ingest"]["documents"] == 3
    assert (out / "report.html").is_file()
    line = capsys.readouterr().out.strip()
    assert line.startswith("tiny.json: 2 questions, R@1 ") and str(out / "report.html") in line


def test_bench_script_rejects_unknown_settings(capsys):
    spec = importlib.util.spec_from_file_location("bench_retrieval", REPO / "scripts" / "bench_retrieval.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with pytest.raises(SystemExit) as exc:
        bench.main(["--settings", "xquad.ar,klingon"])
    assert exc.value.code == 2 and "klingon" in capsys.readouterr().err
    rows = [{k: 0.5 for k in bench.COLUMNS} | {"setting": "xquad.ar", "mode": "dense", "n": 3}]
    assert "| xquad.ar | dense |" in bench.format_table(rows)


# --------------------------------------------------------------------------------------------- end to end
@pytest.mark.integration
def test_retrieval_eval_end_to_end_with_the_real_embedder(tmp_path, local_embedder):
    from eval.runs.retrieval import run_retrieval_eval

    path = write_json(
        tmp_path / "four.json",
        squad(
            [
                (
                    "Syria",
                    [
                        (EN_CTX, [("e1", "In which city did the ministers meet on Tuesday?", "Geneva")]),
                        (AR_CTX, [("a1", "من هو المبعوث الروسي الذي استقبله الأسد؟", "ألكسندر لافرينتييف")]),
                    ],
                ),
                ("Sport", [(DISTRACTOR, [("e2", "How many fans came to the new stadium?", "80,000")])]),
                (
                    "Markets",
                    [
                        (
                            "ارتفعت أسعار النفط بنسبة ثلاثة في المئة يوم الاثنين بسبب نقص الإمدادات.",
                            [("a2", "كم ارتفعت أسعار النفط يوم الاثنين؟", "ثلاثة في المئة")],
                        )
                    ],
                ),
            ]
        ),
    )
    ticks: list[str] = []
    report = run_retrieval_eval(
        load_dataset(path), embedder=local_embedder, progress=lambda kind, n: ticks.append(kind)
    )
    assert set(report) == CONTRACT_KEYS | {"ingest", "per_question"}
    assert report["dataset"] == "four.json" and report["mode"] == "retrieval" and report["n_questions"] == 4
    assert report["retrieval"] == {"recall@1": 1.0, "recall@5": 1.0, "recall@10": 1.0, "mrr": 1.0, "ndcg@10": 1.0}
    assert all(report[b] is None for b in ("answer", "citations", "faithfulness", "abstention"))
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p95"]
    name = local_embedder.name
    assert report["config"] == {"embedder": name, "llm": None, "retriever": f"dense:{name}"}
    assert report["ingest"]["documents"] == 4 and report["ingest"]["chunks"] >= 4
    assert report["ingest"]["tokens_per_s"] > 0 and report["ingest"]["errors"] == []
    assert [q["rank"] for q in report["per_question"]] == [1, 1, 1, 1]
    assert report["per_question"][1]["ranked"][0] == "p0-1" and len(report["per_question"][0]["ranked"]) == 4
    assert ticks.count("question") == 4 and "chunks" in ticks
    assert not Path(os.environ["ASSISTANT_HOME"]).exists()  # the user's store was never opened

    json_path, html_path = write_reports(report, tmp_path / "out")
    saved = json.loads(json_path.read_text(encoding="utf-8"))
    assert CONTRACT_KEYS <= set(saved) and saved["retrieval"]["recall@1"] == 1.0
    assert "0 of 4 questions did not get their gold document first" in html_path.read_text(encoding="utf-8")
