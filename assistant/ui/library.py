"""Library tab handlers: upload and ingest files, list and search articles, show one, delete one.

Design: uploads are checked against :data:`MAX_UPLOAD_BYTES` (a file over it is rejected with its own message, the
rest go on), copied under ``ASSISTANT_HOME/uploads/`` by their original names and ingested with the normal
:class:`ingest.pipeline.Ingestor` (so every format the CLI takes is taken here, and re-uploading a file with the
same name updates its article instead of adding a copy, exactly as re-ingesting the same path does), then the
copies are removed. Ingests hold the store's writer lock (``services.writing()``, across processes); a second upload,
or an upload while a CLI ingest writes the same store, waits, and the progress bar says for whom.
Progress goes to a :class:`gradio.Progress` bar (files done / files total). The per-file result table says
``ok``, ``unchanged``, ``partial`` or ``failed`` with the reason, naming files by their uploaded names.

Only files that Gradio itself received are read: a request to the upload event names files by server path
(``FileData.path``), and a mounted Blocks never runs Gradio's own check that such a path is an upload (it checks
only after ``launch()``). :func:`gradio_uploads` accepts a path only when it lies, symlinks resolved, inside
Gradio's upload folder and Gradio's upload route recorded it for this app; any other path (a config file, another
store's article) gets its own ``failed`` row, "not an uploaded file", and is never opened.

Limits: the size limit is a constant, not a setting; the article list shows at most :data:`MAX_ROWS` rows (search
narrows it); titles in tables are plain text cells (the table component does not render HTML).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from assistant.errors import AssistantError
from assistant.ui import render
from ingest.loaders import SUPPORTED_EXTENSIONS

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 500
RESULT_HEADERS = ["file", "status", "added", "updated", "unchanged", "duplicates", "detail"]
LIST_HEADERS = ["title", "id", "lang", "source", "chunks"]
UPLOAD_TYPES = sorted(SUPPORTED_EXTENSIONS)


NOT_UPLOADED = "not an uploaded file: only files sent through the upload button are ingested"


def gradio_uploads(blocks) -> Callable[[Path], bool]:
    """Whether a path is a file that Gradio's upload route received for ``blocks``: inside its upload folder
    (``GRADIO_TEMP_DIR``, symlinks resolved) and listed in ``blocks.upload_file_set``."""
    from gradio.utils import get_upload_folder

    def received(path: Path) -> bool:
        folder = Path(get_upload_folder()).resolve()
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        if not real.is_relative_to(folder) or path.is_symlink():
            return False
        listed = blocks.upload_file_set
        return str(path) in listed or str(real) in listed

    return received


def _short(text: str | None, n: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def result_row(name: str, status: str, detail: str = "", counts: dict | None = None) -> list:
    c = counts or {}
    return [name, status, c.get("added", 0), c.get("updated", 0), c.get("unchanged", 0), c.get("duplicates", 0), detail]


class LibraryHandlers:
    """``received(path)`` says whether a path handed to :meth:`upload` is a file the client uploaded
    (:func:`gradio_uploads` in the app); any other path is refused unread."""

    def __init__(self, services, *, received: Callable[[Path], bool]):
        self.services = services
        self.received = received

    @property
    def staging(self) -> Path:
        return Path(self.services.settings.home) / "uploads"

    # -- listing ------------------------------------------------------------------------------------------
    def list_rows(self, query: str | None = None) -> list[list]:
        q = (query or "").strip().casefold()
        rows = []
        for rec in self.services.library.articles.list():
            if q and q not in (rec.title or "").casefold() and q != rec.id.casefold():
                continue
            rows.append([_short(rec.title) or "(untitled)", rec.id, rec.lang or "", rec.source or "", rec.n_chunks])
            if len(rows) >= MAX_ROWS:
                break
        return rows

    def show(self, doc_id: str | None) -> str:
        doc_id = (doc_id or "").strip()
        if not doc_id:
            return render.render_placeholder("Enter an article id (see the list above).")
        rec = self.services.library.articles.get(doc_id)
        if rec is None:
            return render.render_error(f"No article with id {doc_id!r}.")
        return render.render_article(rec.text, title=rec.title, meta=rec.meta())

    def delete(self, doc_id: str | None, query: str | None):
        """Delete one article; returns (status html, refreshed list)."""
        doc_id = (doc_id or "").strip()
        if not doc_id:
            return render.render_error("Enter the id of the article to delete."), self.list_rows(query)
        try:
            with self.services.writing():
                self.services.library.delete(doc_id)
        except AssistantError as e:
            return render.render_error(str(e)), self.list_rows(query)
        return render.render_status(f"Deleted {doc_id}."), self.list_rows(query)

    # -- upload -------------------------------------------------------------------------------------------
    def _stage(self, files) -> tuple[list[tuple[str, Path]], list[list]]:
        """Copy acceptable uploads into the staging folder; return (name, staged path) pairs and rejections."""
        staged, rejected, used = [], [], set()
        self.staging.mkdir(parents=True, exist_ok=True)
        for f in files or []:
            src = Path(getattr(f, "name", f))
            name = src.name
            if not self.received(src):
                rejected.append(result_row(name, "failed", NOT_UPLOADED))
                continue
            try:
                size = src.stat().st_size
            except OSError as e:
                rejected.append(result_row(name, "failed", f"could not read the upload: {e.strerror or e}"))
                continue
            if size > MAX_UPLOAD_BYTES:
                rejected.append(
                    result_row(
                        name,
                        "failed",
                        f"{size / 1048576:.1f} MB is over the {MAX_UPLOAD_BYTES // 1048576} MB limit per file",
                    )
                )
                continue
            target, k = name, 1
            while target in used:  # two uploads with one name in one batch: keep both
                k += 1
                target = f"{src.stem}-{k}{src.suffix}"
            used.add(target)
            dest = self.staging / target
            shutil.copyfile(src, dest)
            staged.append((target, dest))
        return staged, rejected

    def upload(self, files, lang: str | None, source: str | None, query: str | None, progress=None):
        """Ingest the uploaded files; returns (per-file result rows, status html, refreshed list)."""
        if not files:
            return [], render.render_placeholder("Choose one or more files first."), self.list_rows(query)
        staged, rows = self._stage(files)
        total = len(staged)
        done = 0

        def tick(kind: str, n: int) -> None:
            nonlocal done
            if kind == "file":
                done += n
            if progress is not None:
                progress((done, total), desc=f"ingesting: {done}/{total} files", unit="files")

        lang = None if lang in (None, "", "auto") else lang
        try:
            if staged:

                def waiting(message: str) -> None:
                    if progress is not None:
                        progress(0, desc=message)

                tick("start", 0)
                with self.services.writing(on_wait=waiting):
                    report = self.services.ingestor(progress=tick).ingest_paths(
                        [p for _, p in staged],
                        lang=lang,
                        source=(source or "").strip() or None,
                        names={str(p): name for name, p in staged},
                    )
                names = {str(p): name for name, p in staged}
                for fr in report.files:
                    name = names.get(fr.path, Path(fr.path).name)
                    notes = [e.replace(fr.path, name) for e in fr.errors]
                    near = getattr(fr, "near_duplicates", 0)
                    if near:
                        notes.append(f"{near} near-duplicate(s) of stored articles (syndicated copies)")
                    detail = "; ".join(notes)
                    rows.append(result_row(name, fr.status, detail, fr.to_dict()))
        except AssistantError as e:
            rows.append(result_row("(all)", "failed", str(e)))
        finally:
            for _, p in staged:
                p.unlink(missing_ok=True)
        ok = sum(1 for r in rows if r[1] in ("ok", "unchanged"))
        summary = f"{ok} of {len(rows)} file(s) ingested or already present."
        return rows, render.render_status(summary), self.list_rows(query)
