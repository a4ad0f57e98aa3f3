"""The ``assistant`` command line (see the contract): ingest, ask, docs.

A thin layer: it builds :class:`Settings` once, wires the pieces through :mod:`assistant.services`, and formats
results. Errors from the library (:class:`AssistantError`) are shown as one clear line and exit with status 2;
an ingest in which some files failed exits with status 1 after finishing the rest. A writer (ingest, docs delete,
docs check) that finds another process writing the same store says who, waits, and past ``lock_timeout_s`` exits
with status 3 (:class:`assistant.store.writelock.StoreBusy`).

Why one module of about 450 lines: one Typer app whose subcommands share options, help wording and exit codes; each
command only parses, calls its stage and prints, so the length is option declarations, not logic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import typer

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.text.safe import display_text

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Question answering over Arabic and English news articles, with cited spans.",
)
docs_app = typer.Typer(no_args_is_help=True, help="Inspect or remove indexed articles.")
app.add_typer(docs_app, name="docs")


def _settings(**overrides) -> Settings:
    """The settings, with the command's own options (those given) over the environment's."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except Exception as e:  # pydantic's ValidationError names the field
        _fail(f"invalid settings: {e}")


BUSY_EXIT = 3
"""Exit status of a writer that gave up waiting for another process writing the same store."""


def _fail(msg: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _fail_with(e: AssistantError, code: int = 2) -> NoReturn:
    from assistant.store.writelock import StoreBusy

    _fail(str(e), BUSY_EXIT if isinstance(e, StoreBusy) else code)


def _waiting(message: str) -> None:
    typer.echo(message, err=True)


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _printable(text: str) -> str:
    """Text for one terminal line: control characters (newlines, escapes) and bidi controls (which can reorder
    what follows them on the line) shown as ``\\uXXXX`` escapes; everything else as is."""
    return display_text(text, one_line=True)


def _echo_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders to ingest."),
    source: str | None = typer.Option(None, help="Source name for these articles."),
    lang: str | None = typer.Option(None, help="Language of these articles (ar|en); detected when omitted."),
    as_json: bool = typer.Option(False, "--json", help="Print the per-file report as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
):
    """Ingest files or folders (txt, md, html, json, jsonl, csv, RSS/Atom xml, SQuAD json)."""
    from tqdm import tqdm

    from assistant.services import make_ingestor
    from ingest.loaders import iter_files

    if lang not in (None, "ar", "en"):
        _fail(f"--lang must be 'ar' or 'en', got {lang!r}")
    settings = _settings()
    n_files = sum(1 for _ in iter_files(paths))
    disable = quiet or as_json
    files_bar = tqdm(total=n_files, desc="files", unit="file", file=sys.stderr, disable=disable, position=0)
    chunks_bar = tqdm(desc="chunks", unit="chunk", file=sys.stderr, disable=disable, position=1)

    def progress(kind: str, n: int) -> None:
        (files_bar if kind == "file" else chunks_bar).update(n)

    try:
        report = make_ingestor(settings, progress=progress, on_wait=_waiting).ingest_paths(
            paths, lang=lang, source=source
        )
    except AssistantError as e:
        _fail_with(e)
    finally:
        files_bar.close()
        chunks_bar.close()
    if as_json:
        _echo_json(report.to_dict())
    else:
        t = report.to_dict()["totals"]
        typer.echo(
            f"{len(report.files)} files: {t['added']} added, {t['updated']} updated, "
            f"{t['unchanged']} unchanged, {t['duplicates']} duplicates, {t['chunks']} chunks written"
        )
        for f in report.failed_files:
            for err in f.errors:
                typer.echo(f"  failed: {_printable(err)}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in Arabic or English."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON (the contract's shape)."),
    top_k: int | None = typer.Option(None, "--top-k", min=1, max=50, help="Chunks to retrieve."),
    filter_: list[str] = typer.Option([], "--filter", help="key=value: lang, source, date_from, date_to."),
    stream: bool = typer.Option(
        True, "--stream/--no-stream", help="Show the model's draft on stderr as it is generated (not with --json)."
    ),
    reference_date: str | None = typer.Option(
        None,
        "--reference-date",
        help="YYYY-MM-DD: the 'today' that a time expression in the question ('last week', 'أمس') is read against "
        "(default: the current date).",
    ),
    show_translations: bool = typer.Option(
        False,
        "--translations",
        help="Also print the model's machine translations of quotes in the other language (not verified: "
        "hidden by default, as the chat folds them).",
    ),
):
    """Answer one question from the indexed articles.

    The draft streams to stderr while the model writes; the verified answer (unsupported sentences removed,
    citations checked against the stored articles) is printed to stdout when it is complete."""
    from assistant.retrieval.retriever import Filters
    from assistant.services import make_answerer

    if not question.strip():
        _fail("the question is empty")
    reference = _reference_date(reference_date)
    settings = _settings()
    try:
        filters = Filters.from_pairs(filter_)
        answer = None
        drafting = False
        for event in make_answerer(settings).stream(question, top_k=top_k, filters=filters, reference_date=reference):
            if event.type == "token" and stream and not as_json:
                if not drafting:
                    typer.echo("draft: ", err=True, nl=False)
                    drafting = True
                typer.echo(display_text(event.text), err=True, nl=False)
            elif event.type == "final":
                answer = event.answer
        if drafting:
            typer.echo("", err=True)
    except AssistantError as e:
        _fail(str(e))
    assert answer is not None  # the stream always ends with its "final" event
    if as_json:
        _echo_json(answer.to_dict())
        return
    if answer.time_range:
        r = answer.time_range
        typer.echo(
            f"(dates {r['from']} to {r['to']}, read from “{_printable(r['expression'])}” against {r['reference']})",
            err=True,
        )
    typer.echo(display_text(answer.answer))
    translations = [
        (s["citations"][0], s["translation"]["text"])
        for s in answer.sentences or []
        if s.get("translation") and s.get("citations")
    ]
    if translations and show_translations:  # labelled and apart: an unchecked translation is never the answer
        typer.echo("\nMachine translations of the quotes (not verified; the quotes are what the articles say):")
        for n, text in translations:
            typer.echo(f"  [{n}] {display_text(text)}")
    elif translations:
        typer.echo(
            f"({len(translations)} unverified machine translation(s) of the quotes hidden; --translations shows them)"
        )
    if answer.citations:
        typer.echo("\nSources:")
        for c in answer.citations:
            typer.echo(
                f"[{c.id}] {_printable(_short(c.title or c.doc_id))} "
                f"({_printable(c.source or 'unknown source')}, {c.published or 'undated'}), chars {c.start}-{c.end}:"
            )
            typer.echo(f"    “{display_text(c.quote)}”")
    for r in answer.removed:
        typer.echo(f"(removed: “{_printable(_short(r['sentence']))}” — {r['reason']})", err=True)
    if answer.fallback:
        typer.echo(f"(the model failed, so the answer quotes the evidence: {answer.fallback})", err=True)
    if answer.abstained and answer.closest_sources:
        typer.echo("\nClosest articles:")
        for s in answer.closest_sources:
            typer.echo(
                f"  - {_printable(_short(s['title'] or s['doc_id']))} ({_printable(s['source'] or 'unknown source')})"
            )


def _reference_date(value: str | None):
    """``--reference-date`` as a date, or exit naming the option."""
    import datetime
    import re

    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        _fail(f"--reference-date must be a calendar date as YYYY-MM-DD, got {value!r}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    ui: bool = typer.Option(True, "--ui/--no-ui", help="Also serve the Gradio UI at /."),
):
    """Start the HTTP API (and the UI)."""
    _serve(host, port, ui)


def _serve(host: str, port: int, ui: bool) -> None:
    from assistant.api.server import exposure_warning, run

    settings = _settings()
    warning = exposure_warning(settings, host, ui=ui)
    if warning:
        typer.secho(warning, err=True, fg=typer.colors.RED, bold=True)
    try:
        run(settings, host=host, port=port, ui=ui)
    except AssistantError as e:
        _fail(str(e))


@app.command()
def chat(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(7860, help="Port to listen on."),
):
    """Start the Gradio chat UI (the HTTP API is served by the same process under /v1)."""
    _serve(host, port, True)


@app.command("eval")
def eval_(
    dataset: Path | None = typer.Option(None, "--dataset", help="SQuAD v1.1 json, or our JSONL (needs --corpus)."),
    corpus: Path | None = typer.Option(None, "--corpus", help="Corpus file or folder for a JSONL dataset."),
    mode: str = typer.Option("retrieval", "--mode", help="retrieval | full"),
    limit: int | None = typer.Option(
        None, "--limit", help="Evaluate the first N questions (retrieval: answerable ones)."
    ),
    out: Path = typer.Option(Path("eval-out"), "--out", help="Folder for report.json and report.html."),
    judge: str = typer.Option(
        "auto",
        "--judge",
        help="Faithfulness judge in full mode: auto (entail when the model "
        "offers a yes/no probability, else deterministic) | entail | deterministic | llm.",
    ),
    unanswerable_fraction: float = typer.Option(
        0.0,
        "--unanswerable-fraction",
        help="SQuAD: leave this share of paragraphs out of the corpus, so their questions must be abstained.",
    ),
    resume: bool = typer.Option(False, "--resume", help="Full mode: skip questions already in OUT/progress.jsonl."),
    calibration: bool = typer.Option(
        True,
        "--calibration/--no-calibration",
        help="Full mode: report the judge's agreement with the hand-labelled set.",
    ),
    compare: tuple[Path, Path] | None = typer.Option(
        None, "--compare", help="Compare two report.json files (A B) metric by metric instead of running an eval."
    ),
    tolerance: float = typer.Option(
        0.02, "--tolerance", help="--compare: absolute drop in a rate that counts as a regression."
    ),
    latency_tolerance: float | None = typer.Option(
        None,
        "--latency-tolerance",
        help="--compare: relative latency increase that counts as a regression "
        "(e.g. 0.5); latency is not gated when omitted.",
    ),
    fail_on_regression: bool = typer.Option(
        False, "--fail-on-regression", help="--compare: exit 1 when any metric regressed."
    ),
    rejudge: Path | None = typer.Option(
        None,
        "--rejudge",
        help="Re-judge the full-mode report in this folder with --judge (no question is asked "
        "again); the new report goes to --out.",
    ),
    llm: str | None = typer.Option(
        None,
        "--llm",
        help="The answering model's backend for this run (local, openai, "
        "fake, none, a plugin); overrides ASSISTANT_LLM.",
    ),
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="With --llm openai: the OpenAI-compatible "
        "server (Ollama, a llama.cpp server, vLLM, a hosted API), e.g. "
        "http://127.0.0.1:11434/v1; overrides ASSISTANT_LLM_BASE_URL.",
    ),
    model: str | None = typer.Option(
        None, "--model", help="With --llm openai: the model name sent to the server; overrides ASSISTANT_LLM_MODEL."
    ),
    reference_date: str | None = typer.Option(
        None,
        "--reference-date",
        help="YYYY-MM-DD: the 'today' that time words (yesterday, last week) are read against, for questions "
        "without their own reference_date; default: the current date.",
    ),
):
    """Run the eval suite on a dataset (in a fresh temporary store) and write report.json and report.html, or
    compare two reports with --compare A B."""
    from eval.cli import compare_command, eval_command, rejudge_command

    try:
        if rejudge is not None:
            code = rejudge_command(rejudge, out, _settings(), judge=judge, calibration=calibration)
        elif compare is not None:
            code = compare_command(
                compare[0],
                compare[1],
                tolerance=tolerance,
                latency_tolerance=latency_tolerance,
                fail_on_regression=fail_on_regression,
            )
        elif dataset is None:
            _fail("give --dataset FILE to run an eval, or --compare A.json B.json")
        else:
            settings = _settings(llm=llm, llm_base_url=base_url, llm_model=model)
            code = eval_command(
                dataset,
                corpus,
                mode,
                limit,
                out,
                settings,
                judge=judge,
                unanswerable_fraction=unanswerable_fraction,
                resume=resume,
                calibration=calibration,
                reference_date=reference_date,
            )
    except AssistantError as e:
        _fail(str(e))
    raise typer.Exit(code)


@docs_app.command("list")
def docs_list(as_json: bool = typer.Option(False, "--json")):
    """List indexed articles."""
    from assistant.services import open_library

    try:
        recs = open_library(_settings()).articles.list()
    except AssistantError as e:
        _fail(str(e))
    if as_json:
        _echo_json([r.meta() for r in recs])
        return
    for r in recs:
        title = _printable(r.title or "")[:70]
        typer.echo(f"{r.id}\t{r.lang or '?'}\t{r.n_chunks} chunks\t{_printable(r.source or '')}\t{title}")
    typer.echo(f"{len(recs)} articles", err=True)


@docs_app.command("show")
def docs_show(doc_id: str, as_json: bool = typer.Option(False, "--json")):
    """Show one article's metadata and stored text."""
    from assistant.services import open_library

    try:
        rec = open_library(_settings()).get(doc_id)
    except AssistantError as e:
        _fail(str(e), 1)
    if as_json:
        _echo_json(rec.meta() | {"text": rec.text})
        return
    for k, v in rec.meta().items():
        typer.echo(f"{k}: {_printable(str(v))}")
    typer.echo("")
    typer.echo(display_text(rec.text))


@docs_app.command("delete")
def docs_delete(doc_id: str, as_json: bool = typer.Option(False, "--json")):
    """Remove an article and all its chunks."""
    from assistant.services import open_library

    try:
        open_library(_settings(), on_wait=_waiting).delete(doc_id)
    except AssistantError as e:  # 1: no such article; 2: the store cannot be written (read-only, damaged)
        from assistant.errors import NotFound

        _fail_with(e, 1 if isinstance(e, NotFound) else 2)
    if as_json:
        _echo_json({"deleted": doc_id})
    else:
        typer.echo(f"deleted {doc_id}")


@docs_app.command("check")
def docs_check(
    repair: bool = typer.Option(
        False,
        "--repair",
        help="Finish or undo interrupted writes, delete orphan index entries, re-index articles with missing pieces.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
):
    """Compare articles, chunk vectors, sentence vectors and the lexical index; exit 1 on drift. With --repair:
    exit 0 when the store ends consistent, 2 when it could not be repaired."""
    from assistant.backends import make_embedder
    from assistant.services import open_library
    from assistant.store.consistency import check
    from assistant.store.consistency import repair as repair_store

    settings = _settings()
    try:
        lib = open_library(settings, on_wait=_waiting)
        report = (
            repair_store(lib, chunk_chars=settings.chunk_chars, embedder_factory=lambda: make_embedder(settings))
            if repair
            else check(lib)
        )
    except AssistantError as e:
        _fail_with(e)
    if as_json:
        _echo_json(report.to_dict())
    else:
        typer.echo("\n".join(report.lines()))
    if repair:  # 0 when the store ends consistent (repaired or already so), 2 when it could not be repaired
        assert report.repaired is not None  # repair always records what it did
        raise typer.Exit(0 if report.consistent or report.repaired.get("consistent_after") else 2)
    raise typer.Exit(0 if report.consistent else 1)


if __name__ == "__main__":
    app()
