"""Load on the HTTP API: N concurrent ``POST /v1/ask`` against uvicorn on loopback.

Usage: python scripts/bench_api_load.py [--requests 50] [--llm fake|none|local] [--timeout 180] [--stream]
Ingests the bundled sample corpus with the real embedder into a temporary home, serves the app with uvicorn in
a background thread, fires all requests at once (httpx.AsyncClient), each bounded by ``--timeout`` and the
whole run by ``--timeout`` too, then prints the error count and p50/p95/max latency, and how fast
``/healthz`` answered meanwhile (the event loop must not block). Exit status 1 on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from assistant.api import create_app
from assistant.api.server import BackgroundServer
from assistant.services import Services
from assistant.settings import Settings

QUESTIONS = [
    "What did Russia say about Idlib?",
    "من ترأس الوفد الروسي الذي استقبله الأسد؟",
    "Which UN Security Council resolution is mentioned?",
    "What is the capital of France?",
    "When did the oil crisis start?",
]
SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample_corpus"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


async def one(client: httpx.AsyncClient, i: int, stream: bool) -> tuple[int | str, float]:
    t = time.perf_counter()
    body = {"question": QUESTIONS[i % len(QUESTIONS)], "stream": stream}
    try:
        if stream:
            async with client.stream("POST", "/v1/ask", json=body) as r:
                text = (await r.aread()).decode("utf-8")
                status = r.status_code if "event: final" in text else "no final event"
        else:
            r = await client.post("/v1/ask", json=body)
            status = r.status_code if "answer" in r.json() else "no answer"
    except httpx.HTTPError as e:
        status = type(e).__name__
    return status, (time.perf_counter() - t) * 1000


async def fire(url: str, n: int, timeout: float, stream: bool) -> list[tuple[int | str, float]]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        await client.get("/healthz")
        tasks = [asyncio.create_task(one(client, i, stream)) for i in range(n)]
        probe = asyncio.create_task(probe_health(client, tasks))
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for p in pending:
            p.cancel()
        health = await probe
        if health:
            print(
                f"/healthz during the load: {len(health)} probes, p50 {statistics.median(health):.0f} ms, "
                f"max {max(health):.0f} ms (the event loop stays free while answers run in threads)"
            )
        return [d.result() for d in done] + [("run timeout", timeout * 1000)] * len(pending)


async def probe_health(client: httpx.AsyncClient, tasks: list[asyncio.Task]) -> list[float]:
    out = []
    while not all(t.done() for t in tasks):
        t = time.perf_counter()
        try:
            await client.get("/healthz", timeout=10)
            out.append((time.perf_counter() - t) * 1000)
        except httpx.HTTPError:
            out.append(float("inf"))
        await asyncio.sleep(0.25)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--llm", default="fake")
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--stream", action="store_true", help="ask for Server-Sent Events")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), llm=args.llm, embedder="local")
        t = time.perf_counter()
        services = Services.from_settings(settings)
        report = services.ingestor().ingest_paths([SAMPLE])
        print(
            f"setup: {report.total('added')} articles ingested in {time.perf_counter() - t:.1f} s "
            f"(llm={args.llm}, embedder={services.embedder.name})"
        )
        with BackgroundServer(create_app(services)) as url:
            t = time.perf_counter()
            results = asyncio.run(fire(url, args.requests, args.timeout, args.stream))
            wall = time.perf_counter() - t
    ok = [ms for status, ms in results if status == 200]
    errors = Counter(str(status) for status, _ in results if status != 200)
    print(
        f"{len(results)} concurrent POST /v1/ask{' (stream)' if args.stream else ''} in {wall:.1f} s: "
        f"{len(ok)} ok, {sum(errors.values())} errors {dict(errors) if errors else ''}"
    )
    if ok:
        print(
            f"latency ms: p50 {statistics.median(ok):.0f}, p95 {pct(ok, 0.95):.0f}, max {max(ok):.0f}; "
            f"throughput {len(ok) / wall:.1f} req/s"
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
