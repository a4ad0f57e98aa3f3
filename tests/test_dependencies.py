"""Every third-party module that the package code imports comes from a distribution that pyproject.toml
declares (a dependency, or an optional extra for the modules behind one), so a fresh install never relies on a
package that arrived by luck through another one."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest", "eval", "prompts")


def _requirement_name(req: str) -> str:
    return re.split(r"[\s\[<>=!~;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {_requirement_name(r) for r in reqs}


def imported_modules() -> dict[str, str]:
    """Top-level module name -> a file importing it, over the package code (absolute imports only)."""
    out: dict[str, str] = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    out.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return out


def test_every_third_party_import_is_declared():
    dists = packages_distributions()
    ours = set(PACKAGES)
    names = declared()
    missing = []
    for module, where in sorted(imported_modules().items()):
        if module in ours or module in sys.stdlib_module_names or module == "__future__":
            continue
        providers = {d.lower().replace("_", "-") for d in dists.get(module, [])}
        if not providers & names:
            missing.append(f"{module} (imported by {where}; provided by {sorted(providers) or 'nothing installed'})")
    assert not missing, "imports without a declared dependency: " + "; ".join(missing)
