"""Documents: add (JSON items or uploaded files), list, show, delete.

``POST /v1/documents`` takes either ``application/json`` ``{"documents": [...]}`` (at most
``api_max_documents``) → ``{"results": [{"index", "id", "status", "error", "duplicate_of"?,
"near_duplicate"?}]}`` with status ``added|updated|unchanged|duplicate|failed`` (``near_duplicate``: a
syndicated near-copy, stored or skipped as ``duplicate`` per the ``near_duplicates`` setting), or
``multipart/form-data`` with one or more ``files`` (optional form fields ``source`` and ``lang``) →
``{"results": [FileResult.to_dict() per file]}``, ``path`` being the uploaded name. Uploads are written to a
temporary folder under their sanitized original names (loaders dispatch on the extension) and removed afterwards. A JSON item without ``id`` or ``url`` gets an id derived from
its text, so re-posting it is ``unchanged``. Writes hold ``services.writing()`` and run in a worker thread.
Limits: each file at most ``api_max_upload_bytes`` (413 naming it), at most ``api_max_upload_files`` files;
an item's failure does not stop the others.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assistant.api.ask import ERRORS, services_of
from assistant.api.auth import require_read, require_write
from assistant.api.errors import ApiError, validation_response
from assistant.api.limits import safe_filename
from assistant.api.schemas import DocumentIn, DocumentsRequest
from assistant.api.sse import JSON
from assistant.errors import AssistantError
from assistant.store.keys import content_hash, make_doc_id
from ingest.loaders import normalize_published
from ingest.models import RawArticle

router = APIRouter(tags=["documents"])

_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/DocumentsRequest"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "source": {"type": "string", "maxLength": 500},
                    "lang": {"type": "string", "enum": ["ar", "en"]},
                },
            }
        },
    },
}
EXTRA_SCHEMAS = {"DocumentsRequest": DocumentsRequest}
"""Models referenced only from hand-written OpenAPI parts; :func:`assistant.api.app.create_app` publishes them."""


@router.post(
    "/v1/documents",
    dependencies=[Depends(require_write)],
    responses=ERRORS | {415: {"description": "neither JSON nor multipart"}},
    openapi_extra={"requestBody": _BODY},
    summary="Add documents",
)
async def add_documents(request: Request):
    services = services_of(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        return JSON({"results": await _upload(request, services)})
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise ApiError(
            415,
            'send application/json ({"documents": [...]}) or multipart/form-data files',
            field="Content-Type",
            type="unsupported_media_type",
        )
    try:
        body = DocumentsRequest.model_validate_json(await request.body())
    except ValidationError as e:
        return validation_response(e.errors())
    limit = services.settings.api_max_documents
    if len(body.documents) > limit:
        raise ApiError(422, f"{len(body.documents)} documents in one request; the limit is {limit}", field="documents")
    return JSON({"results": await run_in_threadpool(_ingest_items, services, body.documents)})


def _ingest_items(services, docs: list[DocumentIn]) -> list[dict]:
    out = []
    with services.writing():
        ingestor = services.ingestor()
        for i, d in enumerate(docs):
            locator = f"api:{content_hash(d.text)[:16]}"
            art = RawArticle(
                text=d.text,
                locator=locator,
                title=d.title,
                source=d.source,
                url=d.url,
                published=normalize_published(d.published),
                lang=d.lang,
                id=d.id,
            )
            item = {
                "index": i,
                "id": make_doc_id(explicit=d.id, url=d.url, locator=locator),
                "status": "failed",
                "error": None,
            }
            out.append(item)
            try:
                r = ingestor.ingest_articles([art], name=f"documents[{i}]")
            except AssistantError as e:  # e.g. the embedder's backend failed: report it, go on with the next
                item["error"] = str(e)
                ingestor = services.ingestor()  # the failed one may hold half a batch
                continue
            if r.errors:
                item["error"] = "; ".join(e.removeprefix(f"{locator}: ") for e in r.errors)
            elif r.added or r.updated:
                item["status"] = "added" if r.added else "updated"
            elif r.duplicates or getattr(r, "near_duplicates", 0):
                item["status"] = "duplicate"
                item["duplicate_of"] = r.doc_ids[0] if r.doc_ids else None
            else:
                item["status"] = "unchanged"
            if getattr(r, "near_duplicates", 0):
                item["near_duplicate"] = True
    return out


async def _upload(request: Request, services) -> list[dict]:
    s = services.settings
    form = await request.form(max_files=s.api_max_upload_files, max_fields=20, max_part_size=64 * 1024)
    try:
        sent = [v for k, v in form.multi_items() if k == "files"]
        files = [v for v in sent if isinstance(v, UploadFile)]
        if len(files) < len(sent) or not files:
            raise ApiError(422, "send one or more files in the 'files' field", field="files")
        lang = form.get("lang") or None
        if lang not in (None, "ar", "en"):
            raise ApiError(422, f"lang must be 'ar' or 'en', got {lang!r}", field="lang")
        source = form.get("source") or None
        if source is not None and (not isinstance(source, str) or len(source) > 500):
            raise ApiError(422, "source must be a short text", field="source")
        for i, f in enumerate(files):
            if (f.size or 0) > s.api_max_upload_bytes:
                raise ApiError(
                    413,
                    f"file {f.filename!r} is {f.size} bytes; the limit is {s.api_max_upload_bytes}",
                    field=f"files[{i}]",
                    type="too_large",
                )
        staging = upload_staging(s.home)
        staging.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="upload-", dir=staging) as tmp:
            names: dict[str, str] = {}
            for i, f in enumerate(files):
                name = safe_filename(f.filename, i)
                if name in {Path(p).name for p in names}:
                    name = f"{i}-{name}"
                path = Path(tmp) / name
                with open(path, "wb") as out:
                    while block := await f.read(1 << 20):
                        out.write(block)
                names[str(path)] = f.filename or name
            return await run_in_threadpool(_ingest_files, services, tmp, names, lang, source)
    finally:
        await form.close()


def upload_staging(home) -> Path:
    """Where uploads wait to be ingested: inside the home (not the system's /tmp), so what a crash leaves behind
    is found and removed by :func:`clean_stale_uploads` at the next start."""
    return Path(home) / "upload-tmp"


def clean_stale_uploads(home) -> int:
    """Remove upload folders left by a killed server (called once when the app is created); returns how many."""
    import shutil

    folder = upload_staging(home)
    n = 0
    if folder.is_dir():
        for entry in folder.iterdir():
            shutil.rmtree(entry, ignore_errors=True)
            n += 1
    return n


def _ingest_files(services, tmp: str, names: dict[str, str], lang, source) -> list[dict]:
    """Ingest the saved uploads; each article is identified (and located) by its upload's sanitized name, never
    by the temporary folder, so uploading an edited file again replaces its earlier version."""
    stored_as = {p: Path(p).name for p in names}
    with services.writing():
        report = services.ingestor().ingest_paths(list(names), lang=lang, source=source, names=stored_as)
    results = []
    for f in report.files:
        d = f.to_dict()
        d["path"] = names.get(f.path, Path(f.path).name)
        d["errors"] = [e.replace(f.path, d["path"]).replace(tmp + "/", "") for e in d["errors"]]
        results.append(d)
    return results


@router.get("/v1/documents", dependencies=[Depends(require_read)], responses=ERRORS, summary="List documents")
def list_documents(request: Request, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9)):
    articles = services_of(request).library.articles
    return JSON(
        {
            "documents": [r.meta() for r in articles.list(limit=limit, offset=offset)],
            "total": articles.count(),
            "limit": limit,
            "offset": offset,
        }
    )


@router.get(
    "/v1/documents/{doc_id}",
    dependencies=[Depends(require_read)],
    responses=ERRORS | {404: {"description": "no such document"}},
    summary="One document with its text",
)
def get_document(doc_id: str, request: Request):
    rec = services_of(request).library.get(doc_id)
    return JSON(rec.meta() | {"text": rec.text})


@router.delete(
    "/v1/documents/{doc_id}",
    dependencies=[Depends(require_write)],
    responses=ERRORS | {404: {"description": "no such document"}},
    summary="Delete a document",
)
def delete_document(doc_id: str, request: Request):
    services = services_of(request)
    with services.writing():
        services.library.delete(doc_id)
    return JSON({"deleted": doc_id})
