"""Schemathesis over the app's own OpenAPI schema: generated valid and invalid requests for every operation must
never get a 5xx. Fake LLM and fake embedder so it is fast; a bounded number of examples per operation. The
summary (operations, examples, statuses seen) is written to the terminal at the end of the module."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from assistant.api import create_app
from assistant.services import Services

MAX_EXAMPLES = 25
SEEN: dict[str, Counter] = defaultdict(Counter)


def _settings(home):
    from assistant.settings import Settings

    return Settings(home=home, llm="fake", embedder="fake", min_relevance=0.0, min_relevance_cross=0.0,
                    min_support=0.0, llm_timeout_s=30, api_keys=[], api_read_auth=False)


# The schema is read from an app built at import (routes need no services); the services (a store in a temporary
# home) are attached by the module fixture before the first request.
APP = create_app(Services(_settings(Path("/nonexistent")), library=None, embedder=None, llm=None))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _services(tmp_path_factory):
    from assistant.backends.fake import FakeEmbedder, FakeLLM

    services = Services.from_settings(_settings(tmp_path_factory.mktemp("fuzz-home")), embedder=FakeEmbedder(),
                                      llm=FakeLLM())
    services.ingestor().ingest_articles([_article()])
    APP.state.services = services
    yield services


def _article():
    from ingest.models import RawArticle

    return RawArticle(text="Russia stressed the need to stabilise Idlib. The talks were held in Sochi.",
                      locator="fuzz", id="fuzz-1", title="Idlib", source="wire", lang="en", published="2019-09-10")


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    if not SEEN:
        return
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    total = sum(sum(c.values()) for c in SEEN.values())
    errors = sum(n for c in SEEN.values() for status, n in c.items() if status >= 500)
    lines = [f"schemathesis: {len(SEEN)} operations, {total} examples, {errors} responses with a 5xx status"]
    for op, statuses in sorted(SEEN.items()):
        lines.append(f"  {op}: {sum(statuses.values())} examples, statuses {dict(sorted(statuses.items()))}")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            tr.write_line("")
            for line in lines:
                tr.write_line(line)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    SEEN[case.operation.label][response.status_code] += 1
    case.validate_response(response, checks=[not_a_server_error])
