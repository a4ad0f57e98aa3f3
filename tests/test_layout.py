"""The house layout: no import circle between the package's modules (function-level imports included, so a lazy
import cannot hide one), and every stage folder says what it holds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest", "prompts", "eval")


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _imports(tree: ast.AST):
    """Every import statement anywhere in ``tree`` (functions included), except under ``if TYPE_CHECKING:``,
    which never runs (its ``else`` does)."""
    for node in ast.iter_child_nodes(tree):
        skip = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in node.orelse if skip else [node]:
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            yield from _imports(child)


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere in its body (``from a.b import c`` counts as ``a.b.c``
    when that is a module, else ``a.b``)."""

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                target = resolve(name)
                if target and target != mod:
                    graph.setdefault(mod, set()).add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_circle_hidden_by_a_lazy_import(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from b import thing\n", encoding="utf-8")
    b.write_text("def f():\n    from a import other\n", encoding="utf-8")
    assert cycles(import_graph({"a": a, "b": b})) == [["a", "b"]]
    b.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a import other\n", encoding="utf-8")
    assert cycles(import_graph({"a": a, "b": b})) == []  # never imported at run time


def test_no_import_circle_between_package_modules():
    found = cycles(import_graph(modules()))
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


STAGES = [
    "assistant/text",
    "assistant/store",
    "assistant/retrieval",
    "assistant/answer",
    "assistant/verify",
    "assistant/backends",
    "assistant/api",
    "assistant/ui",
    "ingest",
    "prompts",
    "eval/datasets",
    "eval/runs",
    "eval/metrics",
    "eval/reports",
    "eval/calibration",
    "eval/judges",
]


@pytest.mark.parametrize("folder", STAGES)
def test_each_stage_folder_states_what_it_holds(folder):
    init = ROOT / folder / "__init__.py"
    assert init.is_file(), f"{folder} is not a package"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc) > 40, f"{folder}/__init__.py has no docstring saying what the stage holds"


def test_lower_stages_do_not_import_higher_ones():
    """text <- store <- retrieval <- answer/verify <- api/ui: a stage imports only stages before it (and backends,
    errors, settings, prompts)."""
    order = [
        "assistant.text",
        "assistant.store",
        "assistant.retrieval",
        "assistant.verify",
        "assistant.answer",
        "assistant.api",
        "assistant.ui",
    ]
    graph = import_graph(modules())
    wrong = []
    for mod, targets in graph.items():
        stage = next((s for s in order if mod == s or mod.startswith(s + ".")), None)
        if stage is None:
            continue
        for t in targets:
            other = next((s for s in order if t == s or t.startswith(s + ".")), None)
            if other is not None and order.index(other) > order.index(stage):
                wrong.append(f"{mod} -> {t}")
    assert not wrong, "a stage imports a later one: " + ", ".join(sorted(wrong))


def test_the_script_and_digit_table_is_written_once():
    """Arabic code-point ranges and the Arabic-Indic digit table live in assistant/text/arabic.py only; every
    other module imports them (ARABIC_LETTERS, ARABIC_SCRIPT, DIGITS, ...)."""
    import re

    written = re.compile(r"\\u0[678][0-9a-fA-F]{2}-\\u|0x0660|0x06[fF]0|[\u0660-\u0669]{10}")
    home = ROOT / "assistant" / "text" / "arabic.py"
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in modules().values()
        if p != home
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if written.search(line)
    ]
    assert not found, "script ranges or digit tables written outside assistant/text/arabic.py: " + ", ".join(found)
    assert written.search(home.read_text(encoding="utf-8"))  # the check would see them there


LONG_MODULE = 400
"""A module longer than this many lines says why at the top (the house rule: read in one sitting)."""


def long_modules_without_a_reason(root: Path) -> list[str]:
    found = []
    for top in ("assistant", "ingest", "eval", "prompts"):
        for path in sorted((root / top).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if text.count("\n") <= LONG_MODULE:
                continue
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Why one module of" not in doc:
                found.append(f"{path.relative_to(root)} ({text.count(chr(10))} lines)")
    return found


def test_a_long_module_says_why_at_its_top():
    assert long_modules_without_a_reason(ROOT) == []


def test_the_long_module_check_finds_one_without_a_reason(tmp_path):
    pkg = tmp_path / "assistant"
    pkg.mkdir()
    (pkg / "short.py").write_text('"""Short."""\n', encoding="utf-8")
    (pkg / "long.py").write_text('"""Long, no reason."""\n' + "x = 1\n" * 401, encoding="utf-8")
    (pkg / "kept.py").write_text(
        '"""Long.\n\nWhy one module of 400 lines: tables."""\n' + "x = 1\n" * 401, encoding="utf-8"
    )
    assert long_modules_without_a_reason(tmp_path) == ["assistant/long.py (402 lines)"]
