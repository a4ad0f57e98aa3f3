"""Eval tab handler: run the retrieval eval on a dataset file and show its report.

Design: the same steps as ``assistant eval --mode retrieval`` (:func:`eval.cli.eval_command`), with the process's
own embedder (no second model load) and a :class:`gradio.Progress` bar instead of tqdm: load the dataset, index
its corpus into a fresh temporary store (never the user's library), score retrieval, write ``report.json`` and
``report.html`` into a new temporary folder. The page shows one summary line and the report inside an
``<iframe srcdoc>`` (the report's HTML escaped into the attribute, ``sandbox`` with no permissions, so nothing in
it runs). The last report of this process is kept and shown again by "Show latest report".

Datasets and corpora are read only from one folder (``ASSISTANT_UI_EVAL_DIR``, default ``HOME/datasets``): a
name is taken inside it, and a path that resolves (symlinks followed) outside it is refused with the same message
whether or not it exists, so the tab cannot be used to probe the server's files. "Cancel" stops a run at the
next question (:meth:`EvalHandlers.cancel`).

Limits: retrieval mode only (as the command); one eval at a time; a cancel waits for the corpus indexing step
that is running to finish.
"""

from __future__ import annotations

import tempfile
import threading
from html import escape
from pathlib import Path

from assistant.errors import AssistantError
from assistant.ui import render


def report_iframe(html_text: str) -> str:
    """The report page inside a sandboxed iframe (its HTML escaped into ``srcdoc``)."""
    return (
        f'<iframe class="nqa-report" title="eval report" sandbox="" srcdoc="{escape(html_text, quote=True)}" '
        'style="width:100%;height:640px;border:1px solid #d0d7de;border-radius:6px"></iframe>'
    )


def summary_line(report: dict, html_path: Path | str) -> str:
    r = report["retrieval"]
    return (
        f"{report['dataset']}: {report['n_questions']} questions · R@1 {r['recall@1']:.3f} · "
        f"R@5 {r['recall@5']:.3f} · R@10 {r['recall@10']:.3f} · MRR {r['mrr']:.3f} · nDCG@10 {r['ndcg@10']:.3f}"
        f" · p50 {report['latency_ms']['p50']:.1f} ms · report: {html_path}"
    )


class Cancelled(Exception):
    """Raised from the progress callback when the user cancelled the run."""


class EvalHandlers:
    def __init__(self, services):
        self.services = services
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self.latest: Path | None = None

    @property
    def folder(self) -> Path:
        return self.services.settings.eval_datasets_dir

    def allowed(self, given: str, what: str) -> Path:
        """``given`` as a path inside :attr:`folder`; ``ValueError`` (one message for every refused path)."""
        root = self.folder.resolve()
        raw = Path(given.strip()).expanduser()
        path = (raw if raw.is_absolute() else root / raw).resolve()
        if path != root and root not in path.parents:
            raise ValueError(f"the {what} must be inside {root} (ASSISTANT_UI_EVAL_DIR); other paths are not read")
        return path

    def cancel(self) -> str:
        """Ask the running eval to stop at its next question."""
        if not self._lock.locked():
            return render.render_placeholder("No eval is running.")
        self._cancel.set()
        return render.render_status("Cancelling the eval…")

    def run(self, dataset: str | None, corpus: str | None, limit, progress=None) -> tuple[str, str]:
        """Returns (summary html, report html)."""
        from eval.datasets.load import load_dataset
        from eval.reports.write import write_reports
        from eval.runs.retrieval import run_retrieval_eval

        dataset = (dataset or "").strip()
        if not dataset:
            return render.render_error("Enter the path of a dataset file (SQuAD .json or .jsonl)."), ""
        if not self._lock.acquire(blocking=False):
            return render.render_error("An eval is already running; wait for it to finish."), ""
        self._cancel.clear()
        try:
            n = int(limit) if limit else None
            if n is not None and n < 1:
                return render.render_error(f"The limit must be at least 1, got {n}."), ""
            data = load_dataset(
                self.allowed(dataset, "dataset"),
                corpus=self.allowed(corpus, "corpus") if corpus and corpus.strip() else None,
            )
            total = len(data.answerable()) if n is None else min(n, len(data.answerable()))
            if total == 0:
                return render.render_error(f"{data.name}: no answerable questions with gold documents."), ""
            asked = 0

            def tick(kind: str, k: int) -> None:
                nonlocal asked
                if self._cancel.is_set():
                    raise Cancelled()
                if progress is None:
                    return
                if kind == "question":
                    asked += k
                    progress((asked, total), desc=f"questions {asked}/{total}", unit="questions")
                else:
                    progress(0, desc="indexing the dataset's corpus")

            settings = self.services.settings
            report = run_retrieval_eval(
                data,
                embedder=self.services.embedder,
                mode=settings.retrieval_mode,
                limit=n,
                progress=tick,
                chunk_chars=settings.chunk_chars,
            )
            out = Path(tempfile.mkdtemp(prefix="assistant-ui-eval-"))
            _, html_path = write_reports(report, out)
            self.latest = html_path
            return render.render_status(summary_line(report, html_path)), report_iframe(
                html_path.read_text(encoding="utf-8")
            )
        except Cancelled:
            return render.render_status("Eval cancelled."), ""
        except (AssistantError, OSError, ValueError) as e:
            return render.render_error(str(e)), ""
        finally:
            self._cancel.clear()
            self._lock.release()

    def show_latest(self) -> tuple[str, str]:
        if self.latest is None or not self.latest.is_file():
            return render.render_placeholder("No eval has been run from this server yet."), ""
        return render.render_status(f"Latest report: {self.latest}"), report_iframe(
            self.latest.read_text(encoding="utf-8")
        )
