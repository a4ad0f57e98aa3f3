"""The UI's eval tab (``assistant.ui.evaluation.EvalHandlers``): it reads datasets only inside its folder and
answers alike for a file outside, a missing one and a ``..`` path (no oracle for files outside); a running eval
can be cancelled. Handlers are called directly, with the fake embedder and a stand-in eval run."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import eval.datasets.load
import eval.runs.retrieval
from assistant.backends.fake import FakeEmbedder
from assistant.settings import Settings
from assistant.ui.evaluation import EvalHandlers

pytestmark = pytest.mark.usefixtures("fake_backends")


def test_eval_tab_reads_only_the_datasets_folder(tmp_path):
    allowed = tmp_path / "datasets"
    allowed.mkdir()
    (allowed / "bad.txt").write_text("x", encoding="utf-8")
    outside = tmp_path / "private.json"
    outside.write_text("{}", encoding="utf-8")
    ev = EvalHandlers(SimpleNamespace(settings=Settings(home=tmp_path / "home", ui_eval_dir=allowed)))
    exists, _ = ev.run(str(outside), "", 5)
    missing, _ = ev.run(str(tmp_path / "nope.json"), "", 5)
    escape_up, _ = ev.run("../private.json", "", 5)
    assert exists == missing == escape_up and "must be inside" in exists  # no oracle for files outside
    inside, _ = ev.run("bad.txt", "", 5)
    assert "must be inside" not in inside  # a file inside is read (and reported on) normally


def test_eval_run_can_be_cancelled(tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "d.json").write_text("{}", encoding="utf-8")
    ev = EvalHandlers(SimpleNamespace(settings=Settings(home=tmp_path / "home"), embedder=FakeEmbedder()))
    asked = []
    monkeypatch.setattr(
        eval.datasets.load, "load_dataset", lambda *a, **k: SimpleNamespace(answerable=lambda: [1] * 100, name="d")
    )

    def fake_run(data, progress, **kw):
        for i in range(100):
            asked.append(i)
            if i == 3:
                assert "Cancelling" in ev.cancel()
            progress("question", 1)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(eval.runs.retrieval, "run_retrieval_eval", fake_run)
    summary, report = ev.run("d.json", "", 100)
    assert "cancelled" in summary and report == "" and len(asked) == 4
    assert "No eval is running" in ev.cancel()
