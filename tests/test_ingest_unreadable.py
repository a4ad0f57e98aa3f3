"""An unreadable file (and folder) among good ones, ingested by a user who is not root: the good files are stored,
the unreadable ones are reported as failed by name with the reason, and ``assistant ingest`` exits 1.

Root reads every file whatever its mode, so the ingest runs in a child process that has dropped to ``nobody``
(uid 65534) for good (real, effective and saved uid) and reports its uids. The interpreter lives under /root
(mode 700), which ``nobody`` cannot enter, so ``python`` cannot be started as that user (``runuser`` fails):
the child starts as root, runs one ingest into a scratch home so every module the ingest imports is loaded,
then drops its privileges and runs the real one. A fresh interpreter, not a fork: a fork of the test process,
which holds Chroma's threads, can hang on a lock one of them held. When the suite itself runs as another user,
the child runs as that user (not root either). Never skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.settings import Settings
from assistant.store.library import Library
from tests.helpers import NOBODY, give_to_nobody

pytestmark = pytest.mark.slow  # runs the CLI in a fresh interpreter as another user

CHILD = """
import json, os, sys
from typer.testing import CliRunner
from assistant.cli import app

folder, home, warm_folder, warm_home = sys.argv[1:5]
runner = CliRunner()
if os.geteuid() == 0:
    os.environ["ASSISTANT_HOME"] = warm_home  # load every module the ingest needs while still root
    runner.invoke(app, ["ingest", "-q", warm_folder])
    os.setgroups([])
    os.setgid(NOBODY_ID)
    os.setuid(NOBODY_ID)
os.environ["ASSISTANT_HOME"] = home
r = runner.invoke(app, ["ingest", "-q", folder])
print(json.dumps({"euid": os.geteuid(), "uid": os.getuid(), "code": r.exit_code, "stdout": r.stdout,
                  "stderr": r.stderr, "exception": repr(r.exception)}))
""".replace("NOBODY_ID", str(NOBODY))


def test_an_unreadable_file_among_good_ones_fails_by_name_as_a_non_root_user(shared_tmp, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_LLM", "fake")
    folder = shared_tmp / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "closed").mkdir()
    (folder / "a-good.txt").write_text("The first good article. It is stored.", encoding="utf-8")
    (folder / "locked.txt").write_text("A locked article. Nobody may read it.", encoding="utf-8")
    (folder / "sub" / "z-good.md").write_text("# Second\nThe second good article. Stored too.", encoding="utf-8")
    (folder / "closed" / "inside.txt").write_text("Behind a closed folder. Not read.", encoding="utf-8")
    warm = shared_tmp / "warm"
    warm.mkdir()
    (warm / "w.txt").write_text("Warm-up article. Loads the modules.", encoding="utf-8")
    give_to_nobody(shared_tmp)
    os.chmod(folder / "locked.txt", 0o000)
    os.chmod(folder / "closed", 0o000)
    home = shared_tmp / "home"

    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(home), str(warm), str(shared_tmp / "warm-home")],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["euid"] != 0 and out["uid"] != 0, out  # really not root
    assert out["code"] == 1, out
    failed = [line for line in out["stderr"].splitlines() if "failed:" in line]
    assert len(failed) == 2, out["stderr"]
    assert any(f"{folder / 'locked.txt'}: cannot read file: Permission denied" in line for line in failed), failed
    assert any(str(folder / "closed") in line and "Permission denied" in line for line in failed), failed
    assert "Traceback" not in out["stdout"] + out["stderr"]
    assert "2 added" in out["stdout"], out["stdout"]

    texts = sorted(r.text for r in Library.from_settings(Settings(home=home)).articles.list())
    assert [t.split()[1] for t in texts] == ["Second", "first"]
