"""Schemathesis over the app's own OpenAPI schema: generated valid and invalid requests for every operation, sent
to the app as ``assistant serve`` builds it (the Gradio UI mounted at ``/``, so a wrong method or path meets
the mount as it would in production). Each case must get:

- no 5xx and no traceback text in its body;
- every error (status >= 400, and in-band ``event: error`` in a stream) in the project's shape
  ``{"error": {"status", "type", "field", "message"}}`` and nothing else;
- no lost article: every document a case added through ``POST /v1/documents`` (JSON items or uploaded files)
  and no case deleted is still listed by ``GET /v1/documents`` after that case, hence after the run.

Half the JSON additions get a distinct sentence appended to each text so that the store grows (generated texts
repeat, and a repeat is only a ``duplicate``); every fourth ``GET``/``DELETE /v1/documents/{doc_id}`` is pointed
at an added article so deletes really happen. Fake LLM and fake embedder, a bounded number of examples per
operation (about 20 s on 2 cores). :func:`test_fuzz_ran_every_selected_operation` fails when a selected
operation produced no example (the fuzz runs in the normal ``pytest`` run, never skipped). The summary
(operations, examples, statuses seen) is written to the terminal at the end of the module."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from assistant.api import create_app
from assistant.services import Services

pytestmark = pytest.mark.slow  # fuzzing: schemathesis examples for every operation

MAX_EXAMPLES = 40
SEEN: dict[str, Counter] = defaultdict(Counter)
STORED: set[str] = {"fuzz-1"}
"""Ids that must be listed: added (or found unchanged) by a successful POST and not deleted since."""
DELETED: list[str] = []
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"\n]*\", line \d+")
PICK = Counter()


def _settings(home):
    from assistant.settings import Settings

    return Settings(
        home=home,
        llm="fake",
        embedder="fake",
        min_relevance=0.0,
        min_relevance_cross=0.0,
        min_support=0.0,
        llm_timeout_s=30,
        api_keys=[],
        api_read_auth=False,
    )


# The schema is read from an app built at import (routes need no services); the cases go to the served app (the
# API with the UI mounted, over a store in a temporary home) that the module fixture builds.
APP = create_app(Services(_settings(Path("/nonexistent")), library=None, embedder=None, llm=None))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
SERVED: dict = {}


@pytest.fixture(scope="module", autouse=True)
def _served(tmp_path_factory):
    from assistant.api.server import build

    app = build(_settings(tmp_path_factory.mktemp("fuzz-home")), ui=True)
    app.state.services.ingestor().ingest_articles([_article()])
    SERVED.update(app=app, client=TestClient(app))
    yield app
    SERVED.clear()


def _article():
    from ingest.models import RawArticle

    return RawArticle(
        text="Russia stressed the need to stabilise Idlib. The talks were held in Sochi.",
        locator="fuzz",
        id="fuzz-1",
        title="Idlib",
        source="wire",
        lang="en",
        published="2019-09-10",
    )


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    if not SEEN:
        return
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    total = sum(sum(c.values()) for c in SEEN.values())
    errors = sum(n for c in SEEN.values() for status, n in c.items() if status >= 500)
    lines = [
        f"schemathesis: {len(SEEN)} operations, {total} examples, {errors} responses with a 5xx status, "
        f"{len(STORED)} articles kept, {len(DELETED)} deleted"
    ]
    for op, statuses in sorted(SEEN.items()):
        lines.append(f"  {op}: {sum(statuses.values())} examples, statuses {dict(sorted(statuses.items()))}")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            tr.write_line("")
            for line in lines:
                tr.write_line(line)


def listed_ids() -> set[str]:
    ids: set[str] = set()
    offset = 0
    while True:
        page = SERVED["client"].get("/v1/documents", params={"limit": 1000, "offset": offset}).json()
        ids.update(d["id"] for d in page["documents"])
        offset += len(page["documents"])
        if not page["documents"] or offset >= page["total"]:
            return ids


def _aim_at_a_stored_article(case) -> None:
    """Every fourth GET/DELETE of one document targets an article the fuzz added (a generated id almost never
    exists); the seed article is never deleted, so the store is not emptied."""
    if case.method in ("GET", "DELETE") and "doc_id" in (case.path_parameters or {}):
        PICK[case.method] += 1
        ids = sorted(STORED - {"fuzz-1"})
        if PICK[case.method] % 4 == 0 and ids:
            case.path_parameters["doc_id"] = ids[PICK[case.method] % len(ids)]


def _vary_texts(case) -> None:
    """Every other JSON ``POST /v1/documents`` gets a distinct sentence appended to each text it holds, so the
    store grows (generated texts repeat, and a repeated text is only a ``duplicate``); other bodies are left as
    generated."""
    if case.method != "POST" or case.path != "/v1/documents" or not isinstance(case.body, dict):
        return
    docs = case.body.get("documents")
    PICK["POST"] += 1
    if PICK["POST"] % 2 or not isinstance(docs, list):
        return
    for i, d in enumerate(docs):
        if isinstance(d, dict) and isinstance(d.get("text"), str) and d["text"].strip():
            words = hashlib.sha256(f"{PICK['POST']}-{i}".encode()).hexdigest()
            d["text"] += " Filed as " + " ".join(words[k : k + 6] for k in range(0, 48, 6)) + "."


def _track(case, response) -> None:
    if response.status_code != 200:
        return
    if case.method == "POST" and case.path == "/v1/documents":
        for r in response.json()["results"]:
            if "doc_ids" in r:  # an uploaded file: every article it holds (or the stored copy of a duplicate)
                STORED.update(r["doc_ids"])
            elif r["status"] in ("added", "updated", "unchanged"):
                STORED.add(r["id"])
    elif case.method == "DELETE" and case.path == "/v1/documents/{doc_id}":
        gone = response.json()["deleted"]
        STORED.discard(gone)
        DELETED.append(gone)


def error_shape_ok(body, status: int | None = None) -> bool:
    """``{"error": {"status", "type", "field", "message", ...}}`` and nothing else, with ``status`` when given."""
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return False
    err = body["error"]
    return (
        {"status", "type", "field", "message"} <= set(err)
        and isinstance(err["message"], str)
        and bool(err["message"])
        and status in (None, err["status"])
    )


def check_body(response) -> None:
    text = response.content.decode("utf-8", "replace")
    found = TRACEBACK.search(text)
    assert not found, f"traceback text in the body: {text[max(0, found.start() - 200) : found.end() + 200]!r}"
    ctype = response.headers.get("content-type", [""])
    ctype = (ctype[0] if isinstance(ctype, list) else ctype) or ""
    if response.status_code >= 400:
        assert ctype.startswith("application/json"), (response.status_code, ctype, text[:300])
        body = json.loads(text)
        assert error_shape_ok(body, response.status_code), body
    elif ctype.startswith("text/event-stream"):
        for block in text.split("\n\n"):
            lines = block.splitlines()
            data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
            if "event: error" in lines or data.startswith('{"error"'):
                assert error_shape_ok(json.loads(data)), block


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    _aim_at_a_stored_article(case)
    _vary_texts(case)
    response = case.call(app=SERVED["app"])
    SEEN[case.operation.label][response.status_code] += 1
    case.validate_response(response, checks=[not_a_server_error])
    check_body(response)
    _track(case, response)
    lost = STORED - listed_ids()
    assert not lost, f"articles added and never deleted are no longer listed: {sorted(lost)[:10]}"


def test_fuzz_ran_every_selected_operation(request):
    """Runs after the fuzz cases (file order): each selected operation produced examples, the store grew, and
    every kept article is listed."""
    selected = {
        getattr(item, "operation_label", None)
        for item in request.session.items
        if item.module is request.module and item.originalname == "test_no_server_errors"
    }
    selected.discard(None)
    assert all(sum(SEEN[op].values()) >= 5 for op in selected), {op: dict(SEEN[op]) for op in selected}
    if "POST /v1/documents" in selected:
        assert SEEN["POST /v1/documents"][200] > 0 and len(STORED) + len(DELETED) > 1, "the fuzz added no article"
    assert STORED <= listed_ids() and "fuzz-1" in STORED


def test_error_shape_check_rejects_other_bodies():
    """The per-case body check itself: a FastAPI-style error or a traceback fails it."""

    class Response:
        def __init__(self, status, body, ctype="application/json"):
            self.status_code, self.content, self.headers = status, body.encode(), {"content-type": [ctype]}

    check_body(
        Response(
            404,
            json.dumps({"error": {"status": 404, "type": "not_found", "field": None, "message": "no such article"}}),
        )
    )
    for bad in (
        Response(404, '{"detail": "Not Found"}'),
        Response(405, "Method Not Allowed", "text/plain"),
        Response(200, 'Traceback (most recent call last):\n  File "x.py", line 1', "text/plain"),
        Response(422, '[{"loc": ["body"], "msg": "bad"}]'),
        Response(200, 'event: error\ndata: {"error": "boom"}\n\n', "text/event-stream"),
    ):
        with pytest.raises(AssertionError):
            check_body(bad)
