"""Writing an eval report: DIR/report.json (its fields: docs/eval.md, 'The report') and DIR/report.html (for people).

Design: both files are written atomically (a temporary file in the same folder, then ``os.replace``), so a reader
never sees half a report and an interrupted run leaves the previous one intact. The HTML page is self-contained:
inline CSS, an inline SVG bar chart, no scripts and no external resources, so it can be mailed or archived as one
file. Every metric shown carries a one-line definition; every dataset string (questions, ids) goes through
``html.escape``, and questions are shown with ``dir="auto"`` so Arabic renders right-to-left.

In full mode the page adds per-block SVG bar charts, latency by stage and the worst examples with highlighted
citations (:mod:`eval.reports.html`).

Limits: the page lists at most ``MAX_WORST`` questions; blocks that are ``null`` (answer quality in retrieval
mode) are shown as not measured.
"""

from __future__ import annotations

import json
import os
import tempfile
from html import escape
from pathlib import Path

from eval.reports.html import bar_chart

MAX_WORST = 100

DEFINITIONS = {
    "retrieval.recall@1": "Share of questions whose gold document is the first distinct document retrieved.",
    "retrieval.recall@5": "Share of questions whose gold document appears among the first 5 distinct documents "
    "retrieved.",
    "retrieval.recall@10": "Share of questions whose gold document appears among the first 10 distinct documents "
    "retrieved.",
    "retrieval.mrr": "Mean reciprocal rank: the average of 1/rank of the first gold document among the first 10 "
    "distinct documents (0 when it is not there).",
    "retrieval.ndcg@10": "Normalized discounted cumulative gain at 10, binary relevance: each gold document in the "
    "top 10 earns 1/log2(rank+1), divided by the best possible total.",
    "answer.exact_match": "Share of same-language answerable questions (question language = gold document language) "
    "whose answer, [n] markers removed and normalized (SQuAD: lowercase, punctuation and "
    "a/an/the removed; Arabic: diacritics/letter variants folded, the article al- stripped), "
    "equals a gold answer; an abstention scores 0. null when no question is same-language.",
    "answer.f1": "Mean SQuAD token F1 (bag of normalized tokens) between the answer and its best gold answer, over the "
    "same questions as exact_match; an abstention scores 0.",
    "answer.contains_gold": "Share of answerable questions whose normalized answer contains a normalized gold answer "
    "as a token sequence (all languages; an abstention scores 0).",
    "answer.contains_gold_question_lang": "Share of answerable questions whose normalized answer contains a "
    "normalized gold answer in the question's language (XQuAD cross-lingual: "
    "question_lang_answers from the parallel file; otherwise the answers).",
    "answer.correct": "Share of answerable questions whose answer gives a gold answer in the question's language, "
    "read without its quotes in the other language (a reader of the question's language cannot "
    "read them): it contains one, or the judge decides it states it (JUDGED).",
    "answer.language_ok": "Share of answered (not abstained) questions answered in the question's language: own "
    "words (quotes and source spellings aside) in that language; a quote in the other language "
    "introduced in the question's language counts (eval.metrics.scoring.answered_in_language).",
    "answer.well_formed": "Share of shown answer sentences with no form problem (assistant.verify.form.form_problems, the "
    "answerer's own definition): own words in the question's script, no word mixing Arabic and "
    "Latin letters, no prompt words, one sentence.",
    "answer.good_rate": "Headline: share of answerable questions whose answer is correct, in the question's "
    "language, with every shown sentence well formed and judged fully supported (JUDGED).",
    "answer.short_answer_rate": "Share of answerable questions whose answer leads with a short answer (the checked "
    "fact: assistant.answer.short; an abstention scores 0).",
    "answer.short_answer_correct": "Of the answerable questions that got a short answer, the share whose short answer "
    "contains a gold answer in the question's language.",
    "answer.short_answers": "Per question type (number, date, name, place, phrase): answerable questions, short "
    "answers given and correct, by the path that carried them (how: verbatim, number, date, "
    "name).",
    "evidence.quote_shown": "Share of answerable questions with a shown citation that covers a gold evidence span "
    "(or quotes a gold answer): the answering quote is in front of the reader.",
    "evidence.recall": "Share of answerable questions whose gold answer lies inside a selected unit of evidence "
    "(same document, span covering the gold span, or the unit text containing a gold answer); "
    "null when the answers carry no evidence units.",
    "citations.valid_rate": "Share of shown citations whose quote is exactly the cited article's text at "
    "[start, end), re-read from the eval's store.",
    "citations.precision": "Share of the citations of shown sentences that, alone, support their sentence according "
    "to the judge (a verbatim citation that does not support its sentence lowers it).",
    "citations.recall": "Share of shown answer sentences fully supported by their citations taken together, "
    "according to the judge.",
    "citations.gold_evidence_hit": "Share of answered answerable questions with at least one citation overlapping a "
    "gold evidence span (or citing a gold document when no span is given).",
    "faithfulness.score": "Mean claim support over shown answer sentences: the judge's share of a sentence's claims "
    "that its cited text supports.",
    "faithfulness.unsupported_rate": "Share of shown answer sentences the judge finds not fully supported by the "
    "evidence they cite.",
    "faithfulness.judge": "The method that rated support: deterministic (embedding similarity + numbers/names found "
    "in the cited text) or an LLM checking each claim.",
    "faithfulness.calibration.n": "Hand-labelled answer sentences the judge was checked against "
    "(eval/calibration/labels.jsonl).",
    "faithfulness.calibration.accuracy": "Share of the hand-labelled sentences on which the judge agrees with the "
    "label (supported / not supported).",
    "faithfulness.calibration.kappa": "Cohen's kappa between judge and hand labels: agreement corrected for chance "
    "(1 perfect, 0 chance). Below 0.4 the judged figures are shown as unreliable.",
    "faithfulness.calibration.unsupported_recall": "Share of the hand-labelled NOT supported sentences that the "
    "judge also finds not supported (the judge's catch rate).",
    "faithfulness.calibration.split": "Which labels the agreement is measured on: the held-apart test part, on "
    "which no threshold was fitted.",
    "faithfulness.judge_note": "What kind of judge this is, e.g. a small local model: read its figures with "
    "its agreement beside them.",
    "abstention.accuracy_unanswerable": "Share of unanswerable questions on which the assistant abstained.",
    "abstention.false_abstention_rate": "Share of answerable questions on which the assistant wrongly abstained.",
    "latency_ms.p50": "Median wall time of one query (retrieval mode: question embedding + search; full mode: the "
    "whole answer, timings_ms.total), ms.",
    "latency_ms.p95": "95th-percentile wall time of one query, in milliseconds (linear interpolation).",
    "latency_ms.first_sentence_p50": "Median time to the first verified sentence of answers that show one "
    "(timings_ms.first_sentence, else the whole answer), ms.",
    "latency_ms.first_sentence_p95": "95th-percentile time to the first verified sentence, ms.",
    "attribution.speaker_accuracy": "Of the answered, answerable questions with a gold speaker, the share where a "
    "shown sentence carries a speaker that is the gold speaker or one of its aliases (normalized; a shorter or "
    "longer mention of the gold span counts). null when no question has a gold speaker.",
    "attribution.wrong_party": "Number of shown sentences, in answered questions with a gold speaker, that cite a "
    "gold evidence span (the gold speaker's statement) and are credited to another speaker: statements attributed "
    "to a party that did not make them (target 0).",
    "attribution.wrong_party_rate": "wrong_party divided by the shown sentences that cite a gold span and carry a "
    "speaker.",
    "attribution.other_party_rate": "Of the shown sentences with a speaker in questions with a gold speaker, the "
    "share whose speaker is not the asked party: another party's statement shown (lower is better).",
    "time.filter_accuracy": "Of the questions with a gold time range, the share whose answer applied exactly that "
    "date range (time_range from and to equal the gold); no time range applied scores 0.",
    "time.spurious_filter_rate": "Of the questions without a time expression in the gold, the share whose answer "
    "applied a date filter anyway (lower is better).",
    "sources.recall": "Of the answerable questions with gold sources (events reported by several sources), the mean "
    "share of gold sources among the sources of the answer's citations; an abstention scores 0.",
}
BLOCKS = (
    "retrieval",
    "answer",
    "evidence",
    "citations",
    "faithfulness",
    "abstention",
    "attribution",
    "time",
    "sources",
    "latency_ms",
)
JUDGED = {
    "answer.correct",
    "answer.good_rate",
    "citations.precision",
    "citations.recall",
    "faithfulness.score",
    "faithfulness.unsupported_rate",
}
"""Figures that depend on the judge: shown as unreliable when the judge's kappa is below :data:`MIN_KAPPA`."""
MIN_KAPPA = 0.4
CHART = (("recall@1", "R@1"), ("recall@5", "R@5"), ("recall@10", "R@10"), ("mrr", "MRR"), ("ndcg@10", "nDCG@10"))

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Naskh Arabic",sans-serif;margin:2rem auto;
max-width:70rem;padding:0 1rem;color:#1f2328;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:start;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:end;font-variant-numeric:tabular-nums;white-space:nowrap}
td.txt{overflow-wrap:anywhere;font-size:.85em}
.help{color:#57606a;font-size:.9em}.muted{color:#8c959f}code{font-size:.9em}
"""


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | Path, data: dict) -> Path:
    """``data`` as UTF-8 JSON (``ensure_ascii=False``, indent 2) at ``path``, replaced atomically."""
    path = Path(path)
    _atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return path


def write_reports(report: dict, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``out_dir/report.json`` and ``out_dir/report.html``; return their paths."""
    out = Path(out_dir)
    json_path = write_json_atomic(out / "report.json", report)
    html_path = out / "report.html"
    _atomic_write(html_path, render_html(report))
    return json_path, html_path


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) <= 1 else f"{value:,.1f}"
    return escape(str(value))


def judge_reliability(report: dict) -> tuple[bool, str]:
    """``(reliable, note)``: the judge's agreement with readers on held-apart labels, as a short text; not
    reliable when kappa is below :data:`MIN_KAPPA` or no agreement was measured."""
    faith = report.get("faithfulness") or {}
    cal = faith.get("calibration") if isinstance(faith, dict) else None
    if not isinstance(cal, dict) or cal.get("kappa") is None:
        return False, "judge agreement with readers not measured"
    note = (
        f"judge agreement on {cal.get('n')} held-apart labels: accuracy {_fmt(cal.get('accuracy'))}, "
        f"kappa {_fmt(cal.get('kappa'))}, unsupported recall {_fmt(cal.get('unsupported_recall'))}"
    )
    return float(cal["kappa"]) >= MIN_KAPPA, note


def _summary_rows(report: dict) -> str:
    rows = []
    reliable, judge_note = judge_reliability(report)
    for block in BLOCKS:
        values = report.get(block)
        if not isinstance(values, dict):
            rows.append(
                f'<tr><th scope="row">{escape(block)}</th><td class="num muted">—</td>'
                f'<td class="help">Not measured in {escape(str(report.get("mode")))} mode.</td></tr>'
            )
            continue
        flat = {}
        for key, value in values.items():
            if isinstance(value, dict):
                flat.update({f"{key}.{k}": v for k, v in value.items() if not isinstance(v, dict)})
            else:
                flat[key] = value
        for key, value in flat.items():
            name = f"{block}.{key}"
            help_text = DEFINITIONS.get(name, "(no definition recorded)")
            shown = f"{value:,.1f}" if block == "latency_ms" and isinstance(value, (int, float)) else _fmt(value)
            cls = "txt" if isinstance(value, str) else "num"
            if name in JUDGED and report.get("mode") == "full":
                if reliable:
                    help_text += f" [{judge_note}]"
                elif value is not None:
                    shown = f'<span class="why">unreliable</span><br><span class="muted">({_fmt(value)})</span>'
                    help_text += (
                        f" UNRELIABLE: the judge does not agree with careful readers well enough to be "
                        f"read as a score ({judge_note}; needs kappa >= {MIN_KAPPA})."
                    )
            rows.append(
                f'<tr><th scope="row"><code>{escape(name)}</code></th><td class="{cls}">{shown}</td>'
                f'<td class="help">{escape(help_text)}</td></tr>'
            )
    return "\n".join(rows)


def _chart(retrieval: dict | None) -> str:
    if not isinstance(retrieval, dict):
        return '<p class="muted">No retrieval metrics.</p>'
    return bar_chart("Retrieval metrics", [(label, float(retrieval.get(key) or 0.0)) for key, label in CHART])


def _worst(report: dict) -> str:
    per = [q for q in report.get("per_question") or [] if q.get("gold")]
    misses = [q for q in per if q.get("rank") != 1]
    misses.sort(key=lambda q: (q.get("rank") is not None, -(q.get("rank") or 0)))
    if not per:
        return '<p class="muted">No per-question results.</p>'
    head = (
        f"<p>{len(misses)} of {len(per)} questions did not get their gold document first "
        f"(rank = position of the first gold document among distinct documents; — = not in the top 10)."
        + (f" The {MAX_WORST} worst are shown." if len(misses) > MAX_WORST else "")
        + "</p>"
    )
    if not misses:
        return head
    rows = []
    for q in misses[:MAX_WORST]:
        rank = q.get("rank")
        top3 = ", ".join(escape(str(d)) for d in (q.get("ranked") or [])[:3])
        rows.append(
            f"<tr><td><code>{escape(str(q.get('id')))}</code></td>"
            f'<td dir="auto">{escape(str(q.get("question", "")))}</td><td>{escape(str(q.get("lang", "")))}'
            f"</td><td><code>{', '.join(escape(str(g)) for g in q.get('gold') or [])}</code></td>"
            f'<td class="num">{rank if rank is not None else "—"}</td><td><code>{top3}</code></td></tr>'
        )
    return (
        head + "<table><thead><tr><th>id</th><th>question</th><th>lang</th><th>gold</th><th>rank</th>"
        "<th>top 3 retrieved</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def _ingest(report: dict) -> str:
    stats = report.get("ingest")
    if not isinstance(stats, dict):
        return ""
    keys = ("documents", "chunks", "seconds", "tokens_per_s")
    cells = "".join(
        f'<tr><th scope="row">{escape(k)}</th><td class="num">{_fmt(stats.get(k))}</td></tr>'
        for k in keys
        if k in stats
    )
    return (
        '<h2>Indexing</h2><p class="help">Documents and chunks indexed into the eval\'s fresh store, wall '
        "seconds, and embedded tokens per second (chunk tokens counted by the embedder).</p>"
        f"<table>{cells}</table>"
    )


def _partial(report: dict) -> str:
    if not report.get("partial"):
        return ""
    return (
        '<p class="why">Partial report: the run was interrupted after '
        f"{escape(str(report.get('n_questions')))} questions; metrics cover those only.</p>"
    )


def render_html(report: dict) -> str:
    """The self-contained HTML page for ``report``."""
    from eval.reports.html import FULL_CSS, charts, examples, stage_table

    full = report.get("mode") == "full"
    cfg = report.get("config") or {}
    cfg_text = ", ".join(
        f"{escape(k)}: <code>{escape(str(v) if v is not None else '—')}</code>" for k, v in cfg.items()
    )
    title = f"Eval report: {report.get('dataset', '?')}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}{FULL_CSS if full else ""}</style></head>
<body>
<h1>{escape(title)}</h1>
{_partial(report)}<p>Mode <b>{escape(str(report.get("mode")))}</b>, {escape(str(report.get("n_questions")))} questions
scored ({
        "all questions asked; each metric's population is in its definition"
        if full
        else "answerable questions with a gold document"
    }).
{cfg_text}</p>
<h2>Summary</h2>
<table><thead><tr><th>metric</th><th>value</th><th>definition</th></tr></thead><tbody>
{_summary_rows(report)}
</tbody></table>
<h2>Retrieval at a glance</h2>
<p class="help">Recall@k, MRR and nDCG@10 on a 0–1 scale; documents are counted once each, at their best rank.</p>
{_chart(report.get("retrieval"))}
{
        (
            "<h2>Answers, citations, faithfulness, abstention</h2>"
            + charts(report)
            + "<h2>Latency by stage</h2>"
            + stage_table(report)
        )
        if full
        else ""
    }
{_ingest(report)}
{
        (
            "<h2>Worst examples</h2><p class='help'>First the judge's blind spots (wrong answers it passed), then answers "
            "the judge did not fully support, wrong abstentions, answers without a gold answer; each citation's quote is "
            "highlighted inside its source text. " + escape(judge_reliability(report)[1]) + ".</p>" + examples(report)
        )
        if full
        else ""
    }
<h2>Questions whose gold document was not ranked first</h2>
{_worst(report)}
</body>
</html>
"""
