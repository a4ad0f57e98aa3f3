"""The documentation follows the tree: a short README whose quick start is what CI runs, a layout section naming
every stage folder, links and paths that exist, commands the CLI takes, and a settings page generated from the
Settings class (so a new setting without a description, or without regenerating the page, fails here)."""

from __future__ import annotations

import importlib
import importlib.util
import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "scripts"))
import settings_doc  # noqa: E402

OUR_PACKAGES = ("assistant", "ingest", "eval", "prompts")
GENERATED = {"tests/artifacts/"}  # written by the browser tests, ignored by git
PATH_RE = re.compile(r"(?<![\w/.-])(?:assistant|ingest|eval|prompts|scripts|tests|docs|\.ci)/[\w./*-]*")
LINK_RE = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def section(md: str, title: str) -> str:
    """The body of the ``## title`` section (up to the next ``## `` heading)."""
    m = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", md, re.M | re.S)
    assert m, f"README has no '## {title}' section"
    return m.group(1)


def code_blocks(md: str) -> list[str]:
    return [b.strip() for b in re.findall(r"^```[a-z]*\n(.*?)^```", md, re.M | re.S)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    body = re.sub(r"^```.*?^```", "", text(path), flags=re.M | re.S)
    return {slug(h) for h in re.findall(r"^#+ (.+)$", body, re.M)}


# --- README -----------------------------------------------------------------------------------------------------


def test_readme_is_at_most_10_kb():
    size = len(README.read_bytes())
    assert size <= 10 * 1024, f"README.md is {size} bytes; move detail into docs/"


def ci_commands() -> list[str]:
    lines = [ln.strip() for ln in text(ROOT / ".ci" / "run").splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def test_readme_quick_start_is_what_ci_runs():
    blocks = code_blocks(section(text(README), "Quick start (fresh machine)"))
    assert len(blocks) == 3, "the quick start is three commands: setup, main job, tests"
    setup, main_job, tests = blocks
    ci = ci_commands()
    ci_setup = [c for c in ci if "pip install" in c]
    ci_tests = [c for c in ci if "pytest" in c]
    assert ci_setup == [setup], f".ci/run sets up with {ci_setup}, the README with {setup!r}"
    assert ci_tests == [tests], f".ci/run tests with {ci_tests}, the README with {tests!r}"
    assert setup == (
        'python3 -m venv .venv && CMAKE_ARGS="-DLLAVA_BUILD=OFF '
        '-DCMAKE_PROJECT_llama.cpp_INCLUDE=$PWD/scripts/lean-llama.cmake" .venv/bin/pip install -e ".[local,dev]"'
    )
    assert (ROOT / "scripts" / "lean-llama.cmake").is_file()
    assert tests == ".venv/bin/python -m pytest"
    assert "assistant ingest assistant/sample_corpus" in main_job and "assistant ask" in main_job
    assert (ROOT / "assistant" / "sample_corpus").is_dir()


def package_folders() -> list[str]:
    """Every package folder under assistant/ and eval/ (and the top-level ingest/ and prompts/), as 'a/b/'."""
    found = ["ingest/", "prompts/"]
    for top in ("assistant", "eval"):
        for init in sorted((ROOT / top).rglob("__init__.py")):
            folder = init.parent.relative_to(ROOT).as_posix()
            if folder != top:
                found.append(folder + "/")
    return found


def test_package_walk_finds_the_stage_folders():
    folders = package_folders()
    assert {"assistant/store/", "assistant/answer/", "eval/runs/", "eval/calibration/"} <= set(folders)


@pytest.mark.parametrize("folder", package_folders())
def test_readme_layout_names_every_stage_folder(folder):
    layout = section(text(README), "Layout")
    assert f"`{folder}`" in layout, f"README's Layout section does not name {folder}"


def test_readme_layout_names_the_modules_around_the_stages():
    layout = section(text(README), "Layout")
    for path in ("assistant/cli.py", "assistant/settings.py", "assistant/services.py", "assistant/errors.py"):
        assert f"`{path}`" in layout, path
        assert (ROOT / path).is_file(), path


def test_readme_links_every_docs_page():
    linked = {(README.parent / t.split("#")[0]).resolve() for t in LINK_RE.findall(text(README))}
    missing = [p.name for p in pages() if p.resolve() not in linked]
    assert pages(), "docs/ has no pages"
    assert not missing, f"docs pages the README's contents do not link: {missing}"
    for name in ("architecture", "settings", "api", "ui", "eval", "benchmarks"):
        assert DOCS / f"{name}.md" in pages(), name


# --- links, paths, commands in README and docs ------------------------------------------------------------------


def documents() -> list[Path]:
    return [README, *pages()]


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_exist(doc):
    bad = []
    for target in LINK_RE.findall(text(doc)):
        if re.match(r"[a-z]+://", target) or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        dest = (doc.parent / path).resolve() if path else doc
        if not dest.exists():
            bad.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(target)
    assert not bad, f"{doc.name}: broken links {bad}"


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_repository_paths_named_exist(doc):
    bad = []
    for raw in set(PATH_RE.findall(text(doc))):
        path = raw.rstrip(".,:;)").split("#")[0]
        if path in GENERATED:
            continue
        if "*" in path:
            ok = any(ROOT.glob(path))
        else:
            ok = (ROOT / path).exists()
        if not ok:
            bad.append(path)
    assert not bad, f"{doc.name} names paths that do not exist: {sorted(bad)}"


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_m_modules_run(doc):
    bad = []
    for name in set(re.findall(r"python -m ([\w.]+)", text(doc))):
        if name.split(".")[0] not in OUR_PACKAGES:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:  # a parent package that does not exist
            spec = None
        if spec is None:
            bad.append(name)
        elif spec.submodule_search_locations is not None:
            if not any((Path(p) / "__main__.py").is_file() for p in spec.submodule_search_locations):
                bad.append(name)
        elif "__main__" not in Path(spec.origin).read_text(encoding="utf-8"):
            bad.append(name)
    assert not bad, f"{doc.name}: `python -m` targets that do not run: {bad}"


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_dotted_names_resolve(doc):
    """`assistant.verify.form.form_problems` and the like name a module or an attribute that exists."""
    bad = []
    for name in set(re.findall(r"`((?:assistant|ingest|eval)(?:\.\w+)+)`", text(doc))):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            try:
                for attr in parts[i:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                bad.append(name)
            break
        else:
            bad.append(name)
    assert not bad, f"{doc.name}: names that do not resolve: {bad}"


def cli_commands():
    import typer.main

    from assistant.cli import app

    group = typer.main.get_command(app)

    def opts(cmd):
        return {o for p in cmd.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}

    table = {}
    for name, cmd in group.commands.items():
        table[name] = opts(cmd)
        for sub, subcmd in getattr(cmd, "commands", {}).items():
            table[f"{name} {sub}"] = opts(subcmd)
    return table


def assistant_invocations(md: str):
    """Each ``assistant ...`` command line in the bash blocks (continuations joined; ``&&`` and `` | `` split)."""
    for block in code_blocks(md):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0]
            for part in re.split(r"&&| \| |;", line):
                words = part.split()
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words = words[1:]
                if words and words[0] in ("assistant", ".venv/bin/assistant"):
                    yield part.strip(), words[1:]


def test_the_invocation_reader_sees_commands():
    found = list(assistant_invocations('```bash\nX=1 assistant ask "q" --json && .venv/bin/assistant docs check\n```'))
    assert [w[:2] for _, w in found] == [["ask", '"q"'], ["docs", "check"]]


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_documented_commands_exist(doc):
    table = cli_commands()
    bad = []
    for line, words in assistant_invocations(text(doc)):
        if not words:
            continue
        first = words[0]
        if first == "docs":  # "docs list|show ID|delete ID [--json]": every lower-case word before the options
            head = " ".join(words[1:]).split("[")[0].split(" -")[0]
            names = [f"docs {w}" for w in re.split(r"[|\s]+", head) if w.islower()]
        else:
            names = [first]
        if not names or any(n not in table for n in names):
            bad.append(line)
            continue
        allowed = set().union(*(table[n] for n in names))
        for opt in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", " ".join(shlex.split(line, posix=False)[1:])):
            if opt not in allowed:
                bad.append(f"{line}: {opt}")
    assert not bad, f"{doc.name}: commands or options the CLI does not take: {bad}"


# --- settings page ----------------------------------------------------------------------------------------------


def test_every_setting_has_a_description():
    from assistant.settings import Settings

    missing = [n for n, f in Settings.model_fields.items() if not (f.description or "").strip()]
    assert not missing, f"settings without a description: {missing}"


def test_settings_page_is_what_the_script_renders_now():
    assert text(DOCS / "settings.md") == settings_doc.render(), (
        "docs/settings.md is stale: run .venv/bin/python scripts/settings_doc.py"
    )


def test_settings_page_names_every_setting_and_no_machine_path():
    from assistant.settings import Settings

    page = text(DOCS / "settings.md")
    for name in Settings.model_fields:
        assert f"`ASSISTANT_{name.upper()}`" in page, name
    assert "ASSISTANT_CONFIG" in page and "ASSISTANT_ALLOW_MODEL_REQUESTS" in page
    assert str(Path.home()) not in page, "a default rendered as this machine's path"


def test_check_fails_on_a_stale_page(tmp_path, monkeypatch, capsys):
    out = tmp_path / "settings.md"
    monkeypatch.setattr(settings_doc, "OUT", out)
    monkeypatch.setattr(settings_doc, "ROOT", tmp_path)
    assert settings_doc.main(["--check"]) == 1  # missing
    assert settings_doc.main([]) == 0
    assert settings_doc.main(["--check"]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("ASSISTANT_TOP_K", "ASSISTANT_TOPK"), encoding="utf-8")
    assert settings_doc.main(["--check"]) == 1


def test_render_refuses_an_undescribed_setting(monkeypatch):
    from assistant.settings import Settings

    class Extended(Settings):
        brand_new: int = 3

    monkeypatch.setattr(settings_doc, "Settings", Extended)
    with pytest.raises(SystemExit, match="brand_new"):
        settings_doc.render()


def test_render_groups_by_section_comment_and_describes_computed_defaults():
    page = settings_doc.render()
    store = page.split("\n## Store\n")[1].split("\n## ")[0]
    assert "`ASSISTANT_CHROMA_HOST`" in store and "`ASSISTANT_TOP_K`" not in store
    row = next(ln for ln in page.splitlines() if ln.startswith("| `ASSISTANT_LLM_THREADS`"))
    assert "CPU count" in row
    row = next(ln for ln in page.splitlines() if ln.startswith("| `ASSISTANT_LLM_API_KEY`"))
    assert "`OPENAI_API_KEY`" in row
