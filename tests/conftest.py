"""Test isolation and the suite's rules.

- Isolation: no ASSISTANT_* setting leaks in from the environment, every test gets its own ASSISTANT_HOME, and real
  model calls fail unless a test asks for them (the ``allow_model_requests`` fixture).
- Tiers: a test marked ``model`` or ``integration`` is also marked ``slow``, so ``pytest -m "not slow"`` is the
  fast tier (fakes only); the full suite is plain ``pytest``.
- No skips: a test that skips or xfails is reported as failed, naming the reason. The setup (README.md, .ci/run)
  installs everything the suite needs (the model, llama-cpp-python[server], playwright, Chromium), so a skip could
  only hide a test that never ran; leave a test out with ``-m`` instead. Tests for this rule are in
  tests/test_suite_rules.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample_corpus"
REFERENCE_ARTICLE = SAMPLE / "idlib-talks.ar.txt"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("model") or item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.slow)


NO_SKIP = (
    "a skip hides a test that never ran: install what it needs (README.md quick start and .ci/run install "
    "the model, playwright and Chromium) or leave it out with -m"
)


def _skip_reason(longrepr) -> str:
    return longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped or xfailed test (any phase) is a failure that names the reason."""
    report = (yield).get_result()
    if report.skipped or hasattr(report, "wasxfail"):
        why = f"xfail: {report.wasxfail}" if hasattr(report, "wasxfail") else _skip_reason(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} did not run ({why}); {NO_SKIP}"
        if hasattr(report, "wasxfail"):
            del report.wasxfail


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module that skips itself at import (``pytest.skip(allow_module_level=True)``, ``importorskip``) fails."""
    report = (yield).get_result()
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{collector.nodeid} was not collected ({_skip_reason(report.longrepr)}); {NO_SKIP}"


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("ASSISTANT_") or key == "OPENAI_API_KEY":
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ASSISTANT_ALLOW_MODEL_REQUESTS", "0")


@pytest.fixture
def fake_backends(monkeypatch):
    """ASSISTANT_EMBEDDER and ASSISTANT_LLM set to the fakes, for tests that build ``Settings()`` from the
    environment (the CLI, ``Library.from_settings``)."""
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_LLM", "fake")


@pytest.fixture
def allow_model_requests(monkeypatch):
    monkeypatch.setenv("ASSISTANT_ALLOW_MODEL_REQUESTS", "1")


@pytest.fixture(scope="session")
def local_embedder():
    from assistant.backends.local import LocalE5Embedder

    return LocalE5Embedder()


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory, local_embedder):
    """The bundled sample corpus ingested once with the real embedder into a real embedded Chroma."""
    from assistant.store.library import Library
    from ingest.pipeline import Ingestor

    lib = Library(tmp_path_factory.mktemp("sample-home"))
    report = Ingestor(lib, local_embedder).ingest_paths([SAMPLE])
    assert report.ok, report.to_dict()
    return lib


@pytest.fixture
def shared_tmp():
    """A folder outside pytest's root-only temp tree that ``nobody`` can enter (for tests that drop to a user who
    is not root); made writable again and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="nqa-nobody-"))
    os.chmod(base, 0o755)
    yield base
    for p in (base, *base.rglob("*")):
        if not p.is_symlink():
            os.chmod(p, 0o700)
    shutil.rmtree(base)
