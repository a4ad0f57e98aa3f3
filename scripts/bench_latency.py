"""Query latency at scale: p50/p95 of query embedding + hybrid retrieval (+ a metadata filter) with N chunks.

Usage: python scripts/bench_latency.py [--chunks 100000] [--queries 200] [--checkpoints 10000,100000]
Builds a synthetic corpus in a temporary store: short two-sentence Arabic/English articles made of words drawn
from the bundled sample corpus, each with random unit vectors for its chunk and sentences and random latent
terms for its sentences (embedding 100k chunks for real would take hours on 2 cores; latency depends on the
index sizes, not on what the vectors mean).
Queries are real questions embedded by the real embedder. At each checkpoint it prints p50/p95 for: the query
embedding alone, dense retrieval, hybrid retrieval, and hybrid retrieval with a lang + date filter, with and
without the latent-term rescoring (:mod:`assistant.store.latent`).
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.backends.local import LocalE5Embedder
from assistant.retrieval.retriever import Filters, FusionWeights, Retriever
from assistant.store.keys import content_hash, make_chunk_id
from assistant.store.latent import DOC_TERMS, pack
from assistant.store.library import ArticleRecord, ChunkRecord, Library, now_iso, sentence_records

SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample_corpus"
QUESTIONS = [
    "What did Russia say about Idlib?",
    "ماذا قالت روسيا عن إدلب؟",
    "When did the oil crisis start?",
    "كم عدد ضحايا الطاعون الأسود؟",
    "Who led the Russian delegation?",
    "ما هو القرار 2254؟",
]


def vocab() -> tuple[list[str], list[str]]:
    text = " ".join(p.read_text(encoding="utf-8") for p in SAMPLE.glob("*.*"))
    words = set(re.findall(r"\w{3,}", text))
    ar = sorted(w for w in words if re.match("[\u0600-\u06ff]", w))
    en = sorted(w for w in words if re.match("[A-Za-z]", w))
    return ar, en


def unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    m = rng.standard_normal((n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def add_batch(lib: Library, start: int, n: int, words, rng, pyrng) -> None:
    recs, chunks = [], []
    for i in range(start, start + n):
        lang = "ar" if i % 2 else "en"
        pool = words[0] if lang == "ar" else words[1]
        s1 = " ".join(pyrng.choices(pool, k=12)) + "."
        s2 = " ".join(pyrng.choices(pool, k=12)) + "."
        text = f"{s1} {s2}"
        doc_id = f"syn{i}"
        day = f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        meta = {
            "lang": lang,
            "source": f"src{i % 7}",
            "published": day,
            "date": int(day.replace("-", "")),
            "title": s1[:40],
        }
        chunks.append(
            ChunkRecord(
                make_chunk_id(doc_id, content_hash(text), 0),
                doc_id,
                0,
                0,
                len(text),
                text,
                [(0, len(s1)), (len(s1) + 1, len(text))],
                meta,
            )
        )
        recs.append(
            ArticleRecord(
                doc_id,
                content_hash(text),
                s1[:40],
                meta["source"],
                None,
                day,
                lang,
                doc_id,
                text,
                1,
                "synthetic",
                now_iso(),
                now_iso(),
            )
        )
    lib.index.add(chunks, unit(rng, len(chunks), 384))
    sents = sentence_records(chunks)
    lib.sentences.add(sents, unit(rng, len(sents), 384))
    latent = {
        c.chunk_id: pack(
            [
                (
                    np.sort(rng.choice(16384, DOC_TERMS, replace=False)).astype(np.int32),
                    rng.random(DOC_TERMS, dtype=np.float32),
                )
                for _ in c.sentences
            ]
        )
        for c in chunks
    }
    lib.lexical.add([(c.chunk_id, c.doc_id, c.text, c.metadata) for c in chunks], latent=latent)
    for r in recs:
        lib.articles.put(r)


def pct(xs, p):
    return float(np.percentile(xs, p))


def measure(lib, emb, n_queries):
    rows = {}
    dense, hybrid = Retriever(lib, emb, mode="dense"), Retriever(lib, emb, mode="hybrid")
    no_latent = Retriever(lib, emb, mode="hybrid", weights=FusionWeights(latent=0.0))
    flt = Filters(lang="ar", date_from="2015-01-01")
    for name, fn in [
        ("embed query", lambda q: emb.embed_query(q)),
        ("dense", lambda q: dense.retrieve(q, top_k=10)),
        ("hybrid", lambda q: hybrid.retrieve(q, top_k=10)),
        ("hybrid + filter", lambda q: hybrid.retrieve(q, top_k=10, filters=flt)),
        ("  without latent", lambda q: no_latent.retrieve(q, top_k=10, filters=flt)),
    ]:
        times = []
        for k in range(n_queries):
            q = QUESTIONS[k % len(QUESTIONS)] + ("" if k < len(QUESTIONS) else f" {k}")
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
        rows[name] = (pct(times, 50), pct(times, 95))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--checkpoints", default="10000,100000")
    args = ap.parse_args()
    checkpoints = sorted(int(c) for c in args.checkpoints.split(","))
    emb = LocalE5Embedder()
    words = vocab()
    rng, pyrng = np.random.default_rng(0), random.Random(0)
    with tempfile.TemporaryDirectory() as home:
        lib = Library(Path(home))
        done = 0
        t0 = time.perf_counter()
        for cp in checkpoints:
            while done < min(cp, args.chunks):
                n = min(2000, cp - done)
                add_batch(lib, done, n, words, rng, pyrng)
                done += n
            build = time.perf_counter() - t0
            rows = measure(lib, emb, args.queries)
            print(f"\n{done} chunks ({2 * done} sentence vectors), built in {build:.0f} s")
            print(f"{'stage':18s} {'p50 ms':>8s} {'p95 ms':>8s}")
            for name, (p50, p95) in rows.items():
                print(f"{name:18s} {p50:8.1f} {p95:8.1f}")
            if done >= args.chunks:
                break


if __name__ == "__main__":
    main()
