"""Helpers shared by test files (fixtures live in tests/conftest.py): the CLI runner, an HTTP client over the fake
backends, a time bound that fails fast instead of hanging the suite, and filler text.

Limits: ``within`` forks, so it is POSIX only and must not be used after the embedded Chroma started its threads
in the calling process (a forked child does not inherit them); ``api_client`` builds a fresh ``Library`` per
call, so two clients on one home are two readers of one store, as two processes would be.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

runner = CliRunner()


def cli(*args, codes=(0,)):
    """Run ``assistant ARGS...`` in-process; fails the test unless the exit code is one of ``codes``."""
    from assistant.cli import app

    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code in codes, (r.exit_code, r.output, r.exception)
    return r


def within(seconds: float, fn, *args):
    """``fn(*args)`` in a forked child, killed after ``seconds``; returns ``("ok", result)`` (picklable) or
    ``("error", "Type: message")``, or fails the test naming the time bound, so a regression fails fast instead
    of hanging the suite."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target():
        try:
            child.send(("ok", fn(*args)))
        except BaseException as e:  # noqa: BLE001 - reported to the parent as a value
            child.send(("error", f"{type(e).__name__}: {e}"))

    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    ready = parent.poll(seconds)
    if not ready:
        proc.kill()
        proc.join()
        pytest.fail(f"{getattr(fn, '__name__', fn)} took longer than {seconds} s")
    kind, value = parent.recv()
    proc.join()
    return kind, value


def short_sentences(n: int, tag: str = "") -> str:
    """``n`` short English sentences, each distinct ("Item 0 ok. Item 1 ok. ...")."""
    return " ".join(f"Item {tag}{i} ok." for i in range(n))


def api_client(home, **over) -> TestClient:
    """The HTTP API over a store in ``home`` with the fake embedder and the fake LLM (settings ``over``)."""
    from assistant.api import create_app
    from assistant.backends.fake import FakeEmbedder, FakeLLM
    from assistant.services import Services
    from assistant.settings import Settings
    from assistant.store.library import Library

    settings = Settings(home=home, llm="fake", embedder="fake", **over)
    return TestClient(create_app(Services(settings, Library(home), FakeEmbedder(), FakeLLM())))


NOBODY = 65534
"""The uid and gid tests drop to, to see what a user who is not root sees (root reads and writes everything)."""


def give_to_nobody(root: Path) -> None:
    """Make ``root`` and everything below it belong to :data:`NOBODY` (when the tests run as root)."""
    if os.geteuid() == 0:
        for p in (root, *root.rglob("*")):
            os.chown(p, NOBODY, NOBODY)


CHROMIUM = Path("/usr/bin/chromium")
"""The system Chromium (Debian package) the browser tests drive; playwright downloads no browser."""
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Headless flags: root in CI, no GPU, and no background connections (this machine's network refuses them)."""


def open_attributed(lib, llm, **opts):
    """An attributed answerer over ``lib`` where every unit clears every bar: the fake embedder is not
    cross-lingual and scores too closely for the real bars (``opts`` are further :class:`AnswerOptions`)."""
    from assistant.answer.answerer import Answerer, AnswerOptions
    from assistant.answer.selection import SelectionOptions
    from assistant.backends.fake import FakeEmbedder

    o = AnswerOptions(
        answer_mode="attributed",
        unit_min_relevance=-1.0,
        unit_min_relevance_cross=-1.0,
        min_support=-1.0,
        min_quote_relevance_cross=-1.0,
        **opts,
    )
    answerer = Answerer(library=lib, embedder=FakeEmbedder(), llm=llm, options=o)
    answerer._selection_options = lambda: SelectionOptions(
        max_units=o.max_units, min_relevance=-1.0, min_relevance_cross=-1.0, margin=2.0
    )
    return answerer
