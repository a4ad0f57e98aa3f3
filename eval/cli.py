"""The body of ``assistant eval`` (the command itself is registered in :mod:`assistant.cli`).

Design: :func:`eval_command` validates the options first (an unknown mode, judge or a bad dataset fails before any
model is loaded), builds the embedder (and, in full mode, the LLM and the judge) from the settings, runs the eval
on a fresh temporary store with tqdm progress bars on stderr (indexing, then questions), writes DIR/report.json and
DIR/report.html atomically, and prints one summary line to stdout. Full mode also writes DIR/progress.jsonl as it
goes; Ctrl-C writes a partial report (``"partial": true``) and returns 130; ``resume`` skips the questions
already in DIR/progress.jsonl. :func:`compare_command` is ``assistant eval --compare A B`` (:mod:`eval.reports.compare`);
:func:`rejudge_command` is ``assistant eval --rejudge DIR --judge J`` (:mod:`eval.runs.rejudge`).
Problems are raised as :class:`assistant.errors.AssistantError` subclasses (:class:`eval.datasets.records.DatasetError`
for the dataset, :class:`ConfigError` for options) for the CLI to show.

``reference_date`` (``--reference-date YYYY-MM-DD``) is the "today" of the questions that carry no
``reference_date`` of their own (JSONL news questions do); the answerer reads time words against it.

Limits: ``--limit`` counts answerable questions in retrieval mode and all questions (file order) in full mode;
the judge's calibration agreement is computed at the end of a full run (with an LLM judge that is one model call
per labelled sentence; ``calibration=False`` skips it).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import asdict
from pathlib import Path

from assistant.errors import ConfigError
from eval.datasets.load import load_dataset
from eval.datasets.records import DatasetError

MODES = ("retrieval", "full")
JUDGES = ("deterministic", "llm", "entail", "auto")


def parse_reference_date(value: str | dt.date | None) -> dt.date | None:
    """``--reference-date`` as a date; :class:`ConfigError` naming the option for anything but ``YYYY-MM-DD``."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--reference-date must be a date YYYY-MM-DD, got {value!r}") from None


def _bars(n_chunks: int, n_questions: int):
    from tqdm import tqdm

    bars = {"indexing": tqdm(total=n_chunks, desc="indexing", unit="chunk", file=sys.stderr)}

    def progress(kind: str, n: int) -> None:
        if kind == "question" and "questions" not in bars:
            bars["indexing"].close()
            bars["questions"] = tqdm(total=n_questions, desc="questions", unit="q", file=sys.stderr)
        bars["questions" if kind == "question" else "indexing"].update(n)

    return bars, progress


def eval_command(
    dataset: Path,
    corpus: Path | None,
    mode: str,
    limit: int | None,
    out: Path,
    settings,
    *,
    judge: str = "deterministic",
    unanswerable_fraction: float = 0.0,
    resume: bool = False,
    calibration: bool = True,
    reference_date: str | dt.date | None = None,
    embedder=None,
    llm=None,
) -> int:
    """Run the eval suite on ``dataset`` and write ``out``/report.json and report.html; return the exit code.
    ``reference_date`` is the default "today" of questions without their own; ``embedder`` / ``llm`` override the
    configured backends (tests)."""
    from assistant.backends import make_embedder
    from assistant.text.chunking import chunk_text
    from eval.reports.write import write_reports

    if mode not in MODES:
        raise ConfigError(f"unknown eval mode {mode!r}; use one of: {', '.join(MODES)}")
    if judge not in JUDGES:
        raise ConfigError(f"unknown judge {judge!r}; use one of: {', '.join(JUDGES)}")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    if not 0.0 <= unanswerable_fraction < 1.0:
        raise ConfigError(f"--unanswerable-fraction must be in [0, 1), got {unanswerable_fraction}")
    ref = parse_reference_date(reference_date)
    data = load_dataset(dataset, corpus=corpus, unanswerable_fraction=unanswerable_fraction)
    if ref is not None:
        for q in data.questions:
            if q.reference_date is None:
                q.reference_date = ref
    pool = data.answerable() if mode == "retrieval" else data.questions
    n_questions = len(pool) if limit is None else min(limit, len(pool))
    if n_questions == 0:
        raise DatasetError(
            f"{data.name}: no answerable questions with gold documents; retrieval mode has nothing to score"
        )
    n_chunks = sum(len(chunk_text(d.text, settings.chunk_chars)) for d in data.documents)
    embedder = embedder or make_embedder(settings)
    if mode == "full":
        return _full(
            data,
            settings,
            embedder,
            llm,
            judge,
            limit,
            out,
            n_chunks,
            n_questions,
            resume,
            calibration,
            unanswerable_fraction,
        )
    from eval.runs.retrieval import run_retrieval_eval

    bars, progress = _bars(n_chunks, n_questions)
    try:
        report = run_retrieval_eval(
            data,
            embedder=embedder,
            mode=settings.retrieval_mode,
            limit=limit,
            progress=progress,
            chunk_chars=settings.chunk_chars,
        )
    finally:
        for bar in bars.values():
            bar.close()
    _, html_path = write_reports(report, out)
    r = report["retrieval"]
    print(
        f"{report['dataset']}: {report['n_questions']} questions, R@1 {r['recall@1']:.3f} "
        f"R@5 {r['recall@5']:.3f} R@10 {r['recall@10']:.3f} MRR {r['mrr']:.3f} nDCG@10 {r['ndcg@10']:.3f}, "
        f"p50 {report['latency_ms']['p50']:.1f} ms; report: {html_path}"
    )
    return 0


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _full(
    data, settings, embedder, llm, judge_kind, limit, out, n_chunks, n_questions, resume, calibration, fraction
) -> int:
    from assistant.answer.answerer import AnswerOptions
    from assistant.backends import make_llm
    from eval.calibration import judge_agreement, labels_file
    from eval.judges import make_judge
    from eval.reports.write import write_reports
    from eval.runs.full import run_full_eval

    llm = llm if llm is not None else make_llm(settings)
    try:
        judge = make_judge(judge_kind, embedder=embedder, llm=llm)
    except ValueError as e:
        raise ConfigError(str(e)) from e
    options = AnswerOptions.from_settings(settings)
    calibrate = judge_agreement if calibration and labels_file() else None  # missing labels: MissingDataFile
    meta = {"mode": "full", "limit": limit, "unanswerable_fraction": fraction, "options": asdict(options)}
    bars, progress = _bars(n_chunks, n_questions)
    try:
        report = run_full_eval(
            data,
            embedder=embedder,
            llm=llm,
            judge=judge,
            options=options,
            limit=limit,
            progress=progress,
            out_dir=out,
            resume=resume,
            chunk_chars=settings.chunk_chars,
            calibrate=calibrate,
            meta=meta,
        )
    finally:
        for bar in bars.values():
            bar.close()
    _, html_path = write_reports(report, out)
    a, c, f, ab = report["answer"], report["citations"], report["faithfulness"], report["abstention"]
    cal = f.get("calibration")
    print(
        f"{report['dataset']}: {report['n_questions']} questions"
        + (" (PARTIAL: interrupted)" if report.get("interrupted") else "")
        + f", contains_gold {_fmt(a['contains_gold'])} EM {_fmt(a['exact_match'])} F1 {_fmt(a['f1'])}, "
        f"citations valid {_fmt(c['valid_rate'])} precision {_fmt(c['precision'])} recall {_fmt(c['recall'])}, "
        f"faithfulness {_fmt(f['score'])}, abstention unanswerable {_fmt(ab['accuracy_unanswerable'])} "
        f"false {_fmt(ab['false_abstention_rate'])}, p50 {_fmt(report['latency_ms']['p50'])} ms"
        + (f", judge agreement acc {cal['accuracy']:.3f} kappa {cal['kappa']:.3f} (n={cal['n']})" if cal else "")
        + f"; report: {html_path}"
    )
    return 130 if report.get("interrupted") else 0


def compare_command(
    a: Path,
    b: Path,
    *,
    tolerance: float = 0.02,
    latency_tolerance: float | None = None,
    fail_on_regression: bool = False,
) -> int:
    """Print every metric A → B with deltas, flag regressions; 1 when ``fail_on_regression`` and any."""
    from eval.reports.compare import compare, format_table, load_report, notes, regressions

    reports = []
    for path in (a, b):
        try:
            reports.append(load_report(path))
        except OSError as e:
            raise ConfigError(f"--compare: cannot read {path}: {e.strerror or e}") from e
        except ValueError as e:
            raise ConfigError(f"--compare: {path} is not a JSON report: {e}") from e
    rows = compare(*reports, tolerance=tolerance, latency_tolerance=latency_tolerance)
    print(f"A: {a}\nB: {b}")
    for note in notes(*reports):
        print(f"note: {note}")
    print(format_table(rows))
    bad = regressions(rows)
    lat = f", latency {latency_tolerance:.0%} relative" if latency_tolerance is not None else ", latency not gated"
    print(
        f"{len(bad)} regression(s) beyond tolerance ({tolerance} absolute for rates{lat})"
        + (": " + ", ".join(r.metric for r in bad) if bad else "")
    )
    return 1 if bad and fail_on_regression else 0


def rejudge_command(
    run_dir: Path,
    out: Path,
    settings,
    *,
    judge: str = "deterministic",
    calibration: bool = True,
    embedder=None,
    llm=None,
) -> int:
    """Re-judge ``run_dir``/report.json with ``judge``; write the new report.json and report.html to ``out``."""
    from assistant.backends import make_embedder, make_llm
    from eval.calibration import judge_agreement, labels_file
    from eval.judges import make_judge
    from eval.reports.compare import load_report
    from eval.reports.write import write_reports
    from eval.runs.rejudge import rejudge

    if judge not in JUDGES:
        raise ConfigError(f"unknown judge {judge!r}; use one of: {', '.join(JUDGES)}")
    path = Path(run_dir) / "report.json"
    try:
        report = load_report(path)
    except (OSError, ValueError) as e:
        raise ConfigError(f"--rejudge: cannot read {path}: {e}") from e
    embedder = embedder or make_embedder(settings)
    llm = llm if llm is not None or judge == "deterministic" else make_llm(settings)
    try:
        j = make_judge(judge, embedder=embedder, llm=llm)
        new = rejudge(report, j, calibrate=judge_agreement if calibration and labels_file() else None)
    except ValueError as e:
        raise ConfigError(str(e)) from e
    _, html_path = write_reports(new, out)
    f, c = new["faithfulness"], new["citations"]
    cal = f.get("calibration")
    print(
        f"{new['dataset']}: re-judged by {j.name}: faithfulness {_fmt(f['score'])} unsupported "
        f"{_fmt(f['unsupported_rate'])}, citations precision {_fmt(c['precision'])} recall {_fmt(c['recall'])}"
        + (f", judge agreement acc {cal['accuracy']:.3f} kappa {cal['kappa']:.3f} (n={cal['n']})" if cal else "")
        + f"; report: {html_path}"
    )
    return 0
