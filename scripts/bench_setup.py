"""The README's setup command on a fresh copy of the committed tree, timed, beside the plain install it replaced.

Usage:
  python scripts/bench_setup.py [--rounds 1] [--only lean|plain]

``lean`` is the README's quick-start setup command as written (it builds llama-cpp-python without its multimodal
library and without llama.cpp's "common" library: ``scripts/lean-llama.cmake``); ``plain`` is the same
command without its ``CMAKE_ARGS=...`` (the full llama-cpp-python build, the setup before). Each run copies the
committed tree (``git archive HEAD``) into a temporary folder, runs the command there with ``pip install
--no-cache-dir`` (a fresh machine has no pip cache), and prints its wall time; with ``--rounds N`` the two
alternate (lean, plain, plain, lean, ...) so that machine noise hits both alike. After a ``lean`` run the script
checks that the installed ``llama_cpp`` loads its libraries (``llama_cpp.llama_print_system_info``).

Limits: installs download from the package index, so the times move with the network and the index's cache;
pip's own configuration on the machine applies to both alike. Figures: docs/benchmarks.md, "Set-up time".
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_setup() -> str:
    """The first command of the README's quick start (tests/test_docs.py keeps it equal to .ci/run's)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Quick start (fresh machine)")
    block = re.search(r"```bash\n(.+?)\n```", text[start:], re.S)
    if block is None:
        raise SystemExit("README.md: no setup command under 'Quick start (fresh machine)'")
    return block.group(1).strip()


def command(kind: str) -> str:
    setup = readme_setup().replace("pip install ", "pip install --no-cache-dir ", 1)
    if kind == "plain":
        setup = re.sub(r'CMAKE_ARGS="[^"]*"\s+', "", setup)
    return setup


def run_once(kind: str) -> float:
    with tempfile.TemporaryDirectory(prefix=f"bench-setup-{kind}-") as tree:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        cmd = command(kind)
        t0 = time.perf_counter()
        done = subprocess.run(["bash", "-c", cmd], cwd=tree, capture_output=True, text=True)
        took = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"{kind}: the setup failed ({done.returncode}):\n{done.stderr[-3000:]}")
        check = subprocess.run(
            [f"{tree}/.venv/bin/python", "-c", "import llama_cpp; llama_cpp.llama_print_system_info()"],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise SystemExit(f"{kind}: llama_cpp does not load:\n{check.stderr[-2000:]}")
        return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--only", choices=("lean", "plain"))
    args = ap.parse_args()
    order = [args.only] if args.only else ["lean", "plain"]
    print(f"lean:  {command('lean')}\nplain: {command('plain')}", flush=True)
    times: dict[str, list[float]] = {k: [] for k in order}
    for r in range(args.rounds):
        for kind in order if r % 2 == 0 else order[::-1]:
            took = run_once(kind)
            times[kind].append(took)
            print(f"round {r + 1} {kind}: {took:.0f} s ({int(took // 60)} min {took % 60:.0f} s)", flush=True)
    for kind, ts in times.items():
        print(f"{kind}: " + ", ".join(f"{t:.0f} s" for t in ts))
    if len(times) == 2:
        ratios = [a / b for a, b in zip(times["lean"], times["plain"], strict=True)]
        print("lean / plain: " + ", ".join(f"{r:.2f}" for r in ratios))


if __name__ == "__main__":
    sys.exit(main())
