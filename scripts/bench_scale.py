"""News-scale ingestion benchmark with the real (bundled) embedder: throughput, memory, store size, query latency.

Usage: python scripts/bench_scale.py [--n 100000] [--checkpoint 10000] [--queries 100] [--home DIR] [--keep]

Generates ``--n`` short synthetic mixed Arabic/English articles (3-6 sentences of random news vocabulary, a
source, a date) into a JSONL file, written line by line, then ingests it in streaming batches through the
normal pipeline (:class:`ingest.pipeline.Ingestor`, ``iter_articles`` reading the JSONL lazily) into a fresh
store. The JSONL is split in two files at ``--checkpoint`` articles so that measurements are taken at the
checkpoint and at N within one run:

- tokens/s: embedded tokens (chunks + sentences, the model's own token count) over the ingest's wall time,
  against the raw embedder's tokens/s on the *same texts in the same batches*, timed inside the embedder calls
  of that ingest (so the ratio is the pipeline's overhead: loading, chunking, near-duplicate check, Chroma,
  FTS5 and SQLite writes);
- peak RSS of the process (``resource.getrusage``), store size on disk (``du`` of the home);
- query latency p50/p95 of a full retrieval: query embedding + hybrid retrieval (chunk vectors, sentence
  vectors, BM25, visibility filter) with a metadata filter (language + date range), over ``--queries`` questions.

``--chroma-server`` keeps the vectors in a ``chroma run`` server process (the same setup as ingesting while
``assistant serve`` answers through that server): the ingest process then holds no vector index, and the
server's own peak RSS (``VmHWM``) is printed beside the ingest process's.

A progress bar of chunks written goes to stderr. Real embedding of 100k articles takes hours on 2 CPU
cores: pass a smaller ``--n``; the output says what ran.
``--embedder fake`` swaps in the hashing :class:`FakeEmbedder` (256 dims, no model) to measure the store and the
pipeline alone at full N (memory, size, latency); its tokens/s say nothing about the real model.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.backends.fake import FakeEmbedder
from assistant.backends.local import LocalE5Embedder
from assistant.retrieval.retriever import Filters, Retriever
from assistant.settings import Settings
from assistant.store.library import Library
from ingest.pipeline import Ingestor

EN_WORDS = (
    "minister government rebels army talks ceasefire budget parliament election protest refugees border "
    "fuel prices wheat imports electricity bank inflation currency port airport hospital school drought "
    "flood president envoy agreement sanctions embassy trade oil gas pipeline court verdict journalists "
    "strike workers union farmers harvest tourism hotel museum festival football league stadium"
).split()
AR_WORDS = (
    "الوزير الحكومة المعارضة الجيش المحادثات الهدنة الموازنة البرلمان الانتخابات الاحتجاجات اللاجئين "
    "الحدود الوقود الأسعار القمح الكهرباء البنك التضخم العملة الميناء المطار المستشفى المدرسة الجفاف "
    "الفيضانات الرئيس المبعوث الاتفاق العقوبات السفارة التجارة النفط الغاز المحكمة الصحفيين الإضراب "
    "العمال النقابة المزارعين الحصاد السياحة الفندق المتحف المهرجان الدوري الملعب"
).split()
EN_PLACES = "Damascus Cairo Idlib Amman Beirut Riyadh Tunis Baghdad Rabat Doha Khartoum Sanaa".split()
AR_PLACES = "دمشق القاهرة إدلب عمان بيروت الرياض تونس بغداد الرباط الدوحة الخرطوم صنعاء".split()


def sentence(rng: random.Random, lang: str) -> str:
    words, places = (EN_WORDS, EN_PLACES) if lang == "en" else (AR_WORDS, AR_PLACES)
    body = " ".join(rng.choices(words, k=rng.randint(8, 14)))
    if lang == "en":
        return f"In {rng.choice(places)}, {body} {rng.randint(2, 9999)}."
    return f"في {rng.choice(places)} {body} {rng.randint(2, 9999)}."


def write_articles(path: Path, start: int, stop: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(start, stop):
            lang = "ar" if i % 2 else "en"
            text = " ".join(sentence(rng, lang) for _ in range(rng.randint(3, 6)))
            day = f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            f.write(
                json.dumps(
                    {
                        "id": f"syn{i}",
                        "title": text[:60],
                        "text": text,
                        "lang": lang,
                        "source": f"src{i % 7}",
                        "published": day,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


class TimedEmbedder:
    """The real embedder, with the time spent inside its passage calls and the tokens they embedded."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name
        self.query_centering = getattr(inner, "query_centering", None)
        self.seconds, self.tokens = 0.0, 0

    def _timed(self, call, texts, **kw):
        self.tokens += sum(self.inner.count_tokens(t) for t in texts)
        t = time.perf_counter()
        out = call(texts, **kw)
        self.seconds += time.perf_counter() - t
        return out

    def embed_passages(self, texts):
        return self._timed(self.inner.embed_passages, texts)

    @property
    def latent_dim(self):
        return getattr(self.inner, "latent_dim", 0)

    def embed_latent(self, texts, *, top_k):
        return self._timed(self.inner.embed_latent, texts, top_k=top_k)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def count_tokens(self, text):
        return self.inner.count_tokens(text)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ChromaServer:
    """``chroma run`` in a child process on a free loopback port, storing under ``path``."""

    def __init__(self, path: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        chroma = Path(sys.executable).with_name("chroma")
        self.proc = subprocess.Popen(
            [str(chroma), "run", "--path", str(path), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("localhost", self.port), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("the Chroma server did not start") from None
                time.sleep(0.2)

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def du_mb(path: Path) -> float:
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0]) / 1024


def latency(lib: Library, emb, n: int, seed: int) -> dict:
    rng = random.Random(seed)
    retriever = Retriever(lib, emb)
    times, empty = [], 0
    for i in range(n):
        lang = "ar" if i % 2 else "en"
        q = " ".join(rng.choices(EN_WORDS if lang == "en" else AR_WORDS, k=6))
        flt = Filters(lang=lang, date_from="2015-01-01", date_to="2022-12-31")
        t = time.perf_counter()
        hits = retriever.retrieve(q, top_k=5, filters=flt)  # embeds the question (and its latent terms)
        times.append((time.perf_counter() - t) * 1000)
        empty += not hits
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "queries": n,
        "empty_results": empty,
    }


def ingest(lib: Library, emb: TimedEmbedder, path: Path) -> dict:
    s0, tok0 = emb.seconds, emb.tokens
    t = time.perf_counter()
    bar = tqdm(desc=f"{path.stem} chunks", unit="chunk", file=sys.stderr, mininterval=10)  # as `assistant ingest`
    report = Ingestor(
        lib,
        emb,
        batch_chunks=Settings().ingest_batch,
        progress=lambda kind, n: bar.update(n) if kind == "chunks" else None,
    ).ingest_paths([path])
    bar.close()
    wall = time.perf_counter() - t
    assert report.ok, report.to_dict()["totals"]
    tokens, raw = emb.tokens - tok0, emb.seconds - s0
    return {
        "articles": report.total("added"),
        "chunks": report.chunks,
        "near_duplicates": report.total("near_duplicates"),
        "embedded_tokens": tokens,
        "wall_s": round(wall, 1),
        "ingest_tokens_per_s": round(tokens / wall),
        "raw_embedder_tokens_per_s": round(tokens / raw),
        "ingest_over_raw": round(raw / wall, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--checkpoint", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--home", type=Path, default=None, help="store folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the store and the JSONL files")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--embedder", choices=("local", "fake"), default="local")
    ap.add_argument(
        "--chroma-server",
        action="store_true",
        help="keep the vectors in a `chroma run` server process; its peak RSS is printed too",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    home = args.home or work / "home"
    cut = min(args.checkpoint, args.n)
    parts = [(work / "part1.jsonl", 0, cut)] + ([(work / "part2.jsonl", cut, args.n)] if args.n > cut else [])
    for path, a, b in parts:
        write_articles(path, a, b, args.seed + a)
    emb = TimedEmbedder(LocalE5Embedder() if args.embedder == "local" else FakeEmbedder())
    server = ChromaServer(work / "chroma-server") if args.chroma_server else None
    lib = Library(home, chroma_host="localhost", chroma_port=server.port) if server else Library(home)
    results = {
        "n": args.n,
        "checkpoint": cut,
        "embedder": emb.name,
        "chroma": "server" if server else "embedded",
        "rss_before_ingest_mb": round(peak_rss_mb()),
    }
    for (path, _a, _b), label in zip(parts, ("checkpoint", "final"), strict=False):
        stage = ingest(lib, emb, path)
        stage.update(
            total_articles=lib.articles.count(),
            peak_rss_mb=round(peak_rss_mb()),
            store_mb=round(du_mb(home) + (du_mb(work / "chroma-server") if server else 0.0), 1),
            latency=latency(lib, emb, args.queries, args.seed),
        )
        if server:
            stage["server_peak_rss_mb"] = round(server.peak_rss_mb())
        results[label] = stage
        print(json.dumps({label: stage}, ensure_ascii=False), flush=True)
    if len(parts) == 1:
        results["final"] = results["checkpoint"]
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if server:
        server.stop()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
