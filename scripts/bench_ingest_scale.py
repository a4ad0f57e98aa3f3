"""Scale check: one CLI ingest of N short-sentence articles into a fresh home, then ``docs check``.

Builds a JSONL file of ``--n`` articles (each ``--sentences`` short sentences, distinct words so none is a
near-duplicate), runs ``assistant ingest FILE --json -q`` and ``assistant docs check --json`` as child processes
with the chosen embedder (``fake`` by default: this measures the store and the pipeline, not the model), and prints
wall time, articles/s, the ingest's peak RSS, chunk and sentence counts and both exit codes. Exit status 0 when the
ingest stored every article and the check is consistent.

    python scripts/bench_ingest_scale.py --n 50000                # fake embedder, embedded Chroma
    python scripts/bench_ingest_scale.py --n 2000 --sentences 90  # ~900-character articles of short sentences

Limits: peak RSS is the child's ``ru_maxrss`` (Linux, KiB); with an embedded Chroma it includes the vector index,
which grows with the store (see the README's memory note).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_corpus(path: Path, n: int, sentences: int) -> int:
    """``n`` JSONL articles of ``sentences`` short sentences each; returns the bytes written."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            text = " ".join(f"Item w{i}x{j} is noted{j % 7}." for j in range(sentences))
            f.write(json.dumps({"id": f"art-{i}", "title": f"Article {i}", "text": text, "lang": "en"}) + "\n")
    return path.stat().st_size


def run(args: list[str], env: dict) -> tuple[int, str, float]:
    t = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    return p.returncode, p.stdout, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--sentences", type=int, default=4)
    ap.add_argument("--embedder", default="fake")
    ap.add_argument("--keep", action="store_true", help="keep the temporary home")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-scale-"))
    corpus = tmp / "corpus.jsonl"
    size = write_corpus(corpus, a.n, a.sentences)
    env = dict(os.environ, ASSISTANT_HOME=str(tmp / "home"), ASSISTANT_EMBEDDER=a.embedder, ASSISTANT_LLM="fake")
    code, out, wall = run(["ingest", str(corpus), "--json", "-q"], env)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    totals = json.loads(out)["totals"] if out.strip().startswith("{") else {}
    check_code, check_out, check_wall = run(["docs", "check", "--json"], env)
    report = json.loads(check_out) if check_out.strip().startswith("{") else {}
    print(f"articles: {a.n} x {a.sentences} sentences ({size / 1e6:.1f} MB JSONL), embedder {a.embedder}")
    print(
        f"ingest: exit {code}, {wall:.1f} s, {a.n / wall:.0f} articles/s, peak RSS {peak_mb:.0f} MB, "
        f"added {totals.get('added')}, chunks {totals.get('chunks')}"
    )
    print(
        f"docs check: exit {check_code}, {check_wall:.1f} s, consistent {report.get('consistent')}, "
        f"{report.get('articles')} articles, {report.get('chunks')} chunks, {report.get('sentences')} sentences"
    )
    if not a.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if code == 0 and check_code == 0 and totals.get("added") == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
