"""Ingest throughput against the raw embedder, measured side by side in one run.

Usage: python scripts/bench_ingest.py [FILE] [--repeat N]
Ingests FILE (default: ../shared/datasets/xquad/xquad.ar.dev.json) into a fresh temporary store with the bundled
embedder, then embeds the very same chunk and sentence texts with the raw engine (``passage``, and ``sparse`` for
the sentences' latent terms), and prints tokens/s for both and their ratio. Rounds alternate (raw, ingest, raw,
ingest, ...) so machine noise hits both sides alike.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from assistant.backends.local import LocalE5Embedder
from assistant.store.latent import DOC_TERMS
from assistant.store.library import Library
from assistant.text.chunking import chunk_text
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
    chunks = [c for a in arts for c in chunk_text(a.text)]
    texts = [c.text for c in chunks]
    sentences = [c.text[s - c.start : e - c.start] for c in chunks for s, e in c.sentences]
    tokens = sum(emb.count_tokens(t) for t in texts)
    sent_tokens = sum(emb.count_tokens(t) for t in sentences)
    print(
        f"{path.name}: {len(arts)} articles, {len(chunks)} chunks ({tokens} tokens), "
        f"{len(sentences)} sentences ({sent_tokens} tokens)"
    )
    raw_s, ing_s = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        for i in range(0, len(texts), 64):  # the same work the pipeline does: chunk and sentence vectors
            emb.embed_passages(texts[i : i + 64])
        emb.embed_passages(sentences)
        emb.embed_latent(sentences, top_k=DOC_TERMS)
        raw_s.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as home:
            t = time.perf_counter()
            report = Ingestor(Library(Path(home)), emb).ingest_paths([path])
            ing_s.append(time.perf_counter() - t)
            assert report.ok and report.chunks == len(chunks), report.to_dict()["totals"]
    raw, ing = min(raw_s), min(ing_s)
    embedded = tokens + 2 * sent_tokens  # sentences are read twice: vectors and latent terms
    print(f"raw embedder : {embedded / raw:8.0f} embedded tokens/s  ({raw:.1f} s, best of {args.repeat})")
    print(
        f"full ingest  : {embedded / ing:8.0f} embedded tokens/s  ({ing:.1f} s: load, chunk, embed chunks and "
        "sentences, latent terms, Chroma + FTS5 + SQLite writes)"
    )
    print(f"ingest / raw : {raw / ing:8.2f}")
    print(
        f"article text : {tokens / ing:8.0f} tokens/s of article text ingested (each token is read three times: "
        "in its chunk, in its sentence and for its sentence's latent terms)"
    )


if __name__ == "__main__":
    main()
