"""The two llama.cpp runtimes for the bundled model, side by side: install time, generation speed, `ask` time.

Usage:
  python scripts/bench_runtime.py speed [--rounds 6] [--threads N] [--max-tokens 128] [--ctx 4096]
  python scripts/bench_runtime.py ask [--rounds 3] [--mode attributed|synthesized|auto]
  python scripts/bench_runtime.py install [--rounds 3] [--slow-rounds 1] [--python python3]
  python scripts/bench_runtime.py setup [--runtime llama-cpp-python|xllamacpp] [--python python3]

The runtimes: llama-cpp-python (what the ``local`` extra installs; PyPI has only its source, so pip compiles
llama.cpp for the machine, -march=native) and xllamacpp (prebuilt wheels on PyPI, llama.cpp's own server in
process; its Linux CPU wheel is built for AVX2, without the newer instruction sets). Both must be importable by
this interpreter for ``speed`` and ``ask`` (``pip install xllamacpp==2026.10.11549`` next to the ``local`` extra).

``speed`` loads the bundled GGUF with each runtime in its own fresh interpreter, in alternating order (A B, B A,
...) so machine noise hits both alike, and times two chat completions of the same prompt (a sample-corpus article
and "summarize it"), temperature 0, top-k 1, seed 0, the backend's thread count and context: one token (the cold
prompt read) and then ``--max-tokens`` (the prompt is cached by then, so this is generation). Rates are given per
second of wall time and per CPU-second of the process (all threads), which a busy shared machine disturbs less.

``ask`` times ``Answerer.ask`` end to end over one store of the sample corpus, alternating runtimes, each in a
fresh interpreter: the first question (model load and warm-up included) and then the questions of
``scripts/bench_ask.py`` twice each. llama-cpp-python runs the backend in ``assistant/backends/local.py``;
xllamacpp runs :class:`XLlamaCppLLM` below, the same interface over xllamacpp (the backend a switch would take).

``install`` times ``pip install --no-cache-dir`` of each runtime alone into a fresh virtual environment,
xllamacpp ``--rounds`` times and llama-cpp-python (a source build: minutes) ``--slow-rounds`` times, interleaved.
``setup`` times the README's setup line (a fresh venv, then ``pip install --no-cache-dir -e ".[local,dev]"``)
once, on a copy of the committed tree (``git archive HEAD``) whose ``local`` extra names ``--runtime``.

Limits: installs download from the package index, so they vary with the network; pip's configuration on the
machine applies to every run alike. Token counts are the runtimes' own ``usage``. The two builds compute with
different CPU kernels, so greedy text and P(yes) can differ slightly between them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import queue
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.backends.registry import check_model_requests  # noqa: E402
from assistant.errors import BackendError, ConfigError  # noqa: E402

XLLAMACPP = "xllamacpp==2026.10.11549"
LLAMA_CPP_PYTHON = "llama-cpp-python[server]==0.3.36"
RUNTIMES = ("llama_cpp", "xllamacpp")


# ------------------------------------------------------------------------------------------------ the adapter
class XLlamaCppLLM:
    """The local LLM backend's interface (``complete``, ``stream``, ``warm``, ``yes_probability``) over xllamacpp.

    xllamacpp runs llama.cpp's server in process and takes its OpenAI-style chat requests as dicts: ``n_ctx`` and
    the thread count go to the server's parameters (one slot); a JSON schema goes as ``response_format``, a GBNF
    grammar as ``grammar``; streaming hands each chunk to a callback inside one blocking call (run here in a worker
    thread feeding a queue; a callback that returns True stops llama.cpp); ``yes_probability`` reads the top
    log-probabilities of one generated token (llama.cpp's softmax over the whole vocabulary, before sampling);
    the slot keeps the last prompt's tokens and, with ``cache_ram_mib``, earlier prompt states in host memory.
    Errors come back as ``{"error": ...}`` replies. xllamacpp always opens an HTTP listener too (loopback, a free
    port): a random API key closes it."""

    def __init__(self, model_path, *, n_ctx: int, n_threads: int):
        self.model_path = str(model_path)
        self.name = f"local:{self.model_path.rsplit('/', 1)[-1]}"
        self._n_ctx, self._n_threads = n_ctx, n_threads
        self._llm = None
        self._lock = threading.Lock()

    def _load(self):
        if self._llm is None:
            os.environ.setdefault("OMP_WAIT_POLICY", "passive")
            try:
                import xllamacpp
            except ImportError as e:
                raise ConfigError("xllamacpp is not installed: pip install xllamacpp==2026.10.11549") from e
            if not os.path.isfile(self.model_path):
                raise ValueError("no such file")
            p = xllamacpp.CommonParams()
            p.model.path = self.model_path
            p.n_ctx, p.n_parallel, p.verbosity, p.cache_ram_mib = self._n_ctx, 1, -1, 256
            p.cpuparams.n_threads = p.cpuparams_batch.n_threads = self._n_threads
            p.reasoning_format = xllamacpp.common_reasoning_format.COMMON_REASONING_FORMAT_NONE
            p.hostnames, p.port, p.n_threads_http = ["127.0.0.1"], 0, 1
            p.api_keys = [secrets.token_urlsafe(32)]
            try:
                self._llm = xllamacpp.Server(p)
            except RuntimeError as e:
                raise RuntimeError(f"llama.cpp could not load it ({e}); is it a GGUF file?") from e
        return self._llm

    def _kwargs(self, messages, max_tokens, temperature, json_schema, grammar=None) -> dict:
        kw = dict(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens,
            temperature=temperature,
            top_k=1 if temperature == 0 else 40,
            seed=0,
        )
        if json_schema is not None:
            kw["response_format"] = {"type": "json_object", "schema": json_schema}
        elif grammar is not None:
            kw["grammar"] = grammar
        return kw

    def _failed(self, reply) -> BackendError | None:
        if not isinstance(reply, dict) or "error" not in reply:
            return None
        err = reply["error"]
        if isinstance(err, dict) and err.get("type") == "exceed_context_size_error":
            return BackendError(
                f"local model {self.model_path}: a prompt of {err.get('n_prompt_tokens')} tokens "
                f"exceeds the context of {self._n_ctx} (raise ASSISTANT_LLM_CONTEXT)"
            )
        return BackendError(
            f"local model {self.model_path} refused the request: "
            f"{err.get('message', err) if isinstance(err, dict) else err}"
        )

    def _request(self, llm, kw: dict) -> dict:
        out = llm.handle_chat_completions(kw)
        if (err := self._failed(out)) is not None:
            raise err
        return out

    @contextlib.contextmanager
    def _calling(self):
        check_model_requests("the local llama.cpp model")
        with self._lock:
            try:
                yield self._load()
            except (ValueError, RuntimeError) as e:
                raise BackendError(f"local model {self.model_path} failed: {e}") from e

    def yes_probability(self, messages, *, yes=("yes", "Yes", " yes", " Yes"), no=("no", "No", " no", " No")):
        with self._calling() as llm:
            out = self._request(llm, {**self._kwargs(messages, 1, 0.0, None), "logprobs": True, "top_logprobs": 40})
        top = out["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        p_yes = sum(math.exp(t["logprob"]) for t in top if t["token"] in yes)
        p_no = sum(math.exp(t["logprob"]) for t in top if t["token"] in no)
        return p_yes / (p_yes + p_no) if p_yes + p_no > 0 else 0.0

    def warm(self, messages) -> None:
        with self._calling() as llm:
            self._request(llm, self._kwargs(messages, 1, 0.0, None))

    def complete(self, messages, *, max_tokens, temperature=0.0, json_schema=None, grammar=None) -> str:
        with self._calling() as llm:
            out = self._request(llm, self._kwargs(messages, max_tokens, temperature, json_schema, grammar))
        return out["choices"][0]["message"]["content"] or ""

    def stream(self, messages, *, max_tokens, temperature=0.0, json_schema=None, grammar=None):
        kw = {**self._kwargs(messages, max_tokens, temperature, json_schema, grammar), "stream": True}
        with self._calling() as llm:
            chunks: queue.Queue = queue.Queue()
            stop, done = threading.Event(), object()

            def work() -> None:
                try:
                    llm.handle_chat_completions(kw, lambda chunk: chunks.put(chunk) or stop.is_set())
                except BaseException as e:  # noqa: BLE001 - raised in the reader
                    chunks.put(e)
                finally:
                    chunks.put(done)

            worker = threading.Thread(target=work, name="llama-stream", daemon=True)
            worker.start()
            try:
                while (chunk := chunks.get()) is not done:
                    if isinstance(chunk, BaseException):
                        raise chunk
                    if (err := self._failed(chunk)) is not None:
                        raise err
                    for choice in chunk.get("choices") or []:
                        if piece := (choice.get("delta") or {}).get("content"):
                            yield piece
            finally:
                stop.set()
                worker.join()


def _prompt() -> list[dict]:
    first = (ROOT / "assistant" / "sample_corpus" / "xquad-sample.en.jsonl").read_text(encoding="utf-8").splitlines()[0]
    text = json.loads(first)["text"]
    return [
        {"role": "system", "content": "You are a careful news editor."},
        {"role": "user", "content": f"{text}\n\nSummarize this article in about 200 words."},
    ]


# ------------------------------------------------------------------------------------------------ speed worker
def _cpu() -> float:
    """CPU seconds this process has used (all threads, user and system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _worker(runtime: str, model: str, threads: int, ctx: int, max_tokens: int) -> dict:
    messages = _prompt()
    req = dict(messages=messages, temperature=0.0, top_k=1, seed=0)
    t0 = time.perf_counter()
    if runtime == "llama_cpp":
        from llama_cpp import Llama

        llm = Llama(model_path=model, n_ctx=ctx, n_threads=threads, verbose=False, seed=0)
        run = lambda n: llm.create_chat_completion(max_tokens=n, **req)  # noqa: E731
    else:
        import xllamacpp as xlc

        p = xlc.CommonParams()
        p.model.path = model
        p.n_ctx, p.n_parallel, p.verbosity = ctx, 1, -1
        p.cpuparams.n_threads = p.cpuparams_batch.n_threads = threads
        server = xlc.Server(p)
        run = lambda n: server.handle_chat_completions(dict(max_tokens=n, **req))  # noqa: E731
    load_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), _cpu()
    first = run(1)
    prompt_s, prompt_cpu = time.perf_counter() - t0, _cpu() - c0
    t0, c0 = time.perf_counter(), _cpu()
    out = run(max_tokens)
    gen_s, gen_cpu = time.perf_counter() - t0, _cpu() - c0
    if "error" in out or "error" in first:
        raise SystemExit(f"{runtime}: the completion failed: {out.get('error') or first.get('error')}")
    return {
        "runtime": runtime,
        "load_s": load_s,
        "prompt_tokens": first["usage"]["prompt_tokens"],
        "prompt_s": prompt_s,
        "prompt_cpu": prompt_cpu,
        "gen_tokens": out["usage"]["completion_tokens"],
        "gen_s": gen_s,
        "gen_cpu": gen_cpu,
        "head": (out["choices"][0]["message"]["content"] or "")[:60],
    }


def _available(runtime: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(runtime) is not None


def speed(args) -> None:
    from assistant.backends.gguf import bundled_model_path
    from assistant.settings import Settings

    settings = Settings()
    model = str(bundled_model_path(settings.model_dir))
    threads = args.threads or settings.llm_threads
    runtimes = [r for r in RUNTIMES if _available(r)]
    for r in set(RUNTIMES) - set(runtimes):
        print(f"{r} is not importable by {sys.executable}: skipped")
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    print(
        f"model {model}, threads {threads}, n_ctx {args.ctx}, max_tokens {args.max_tokens}, "
        f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
    )
    results: dict[str, list[dict]] = {r: [] for r in runtimes}
    ratios: dict[str, list[float]] = {k: [] for k in METRICS}
    for i in range(args.rounds):
        order = runtimes if i % 2 == 0 else runtimes[::-1]
        this_round = {}
        for r in order:
            cmd = [sys.executable, __file__, "_worker", r, model, str(threads), str(args.ctx), str(args.max_tokens)]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8")
            if proc.returncode != 0:
                raise SystemExit(f"{r} worker failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            results[r].append(res)
            this_round[r] = res
            m = _metrics(res)
            print(
                f"round {i + 1} {r:10s} load {res['load_s']:4.1f} s | prompt {res['prompt_tokens']} tok "
                f"{m['prompt']:5.1f} tok/s ({m['prompt_cpu']:5.1f} per CPU-s) | gen {res['gen_tokens']} tok "
                f"{m['gen']:5.1f} tok/s ({m['gen_cpu']:5.1f} per CPU-s) | load avg {os.getloadavg()[0]:.2f} | "
                f"{res['head']!r}",
                flush=True,
            )
        if len(this_round) == 2:
            xl, lc = _metrics(this_round["xllamacpp"]), _metrics(this_round["llama_cpp"])
            for k in METRICS:
                ratios[k].append(xl[k] / lc[k])
    for r, rs in results.items():
        med = {k: statistics.median(_metrics(x)[k] for x in rs) for k in METRICS}
        print(
            f"median {r:10s} "
            + ", ".join(f"{METRICS[k]} {med[k]:.1f}" for k in METRICS)
            + f", load {statistics.median(x['load_s'] for x in rs):.1f} s over {len(rs)} runs"
        )
    if ratios["gen"]:
        print("xllamacpp / llama-cpp-python, per round (median):")
        for k, label in METRICS.items():
            print(
                f"  {label:28s} " + " ".join(f"{v:.2f}" for v in ratios[k]) + f"  ({statistics.median(ratios[k]):.2f})"
            )


METRICS = {
    "gen": "generation tok/s",
    "gen_cpu": "generation tok per CPU-s",
    "prompt": "prompt tok/s",
    "prompt_cpu": "prompt tok per CPU-s",
}


def _metrics(res: dict) -> dict[str, float]:
    return {
        "gen": res["gen_tokens"] / res["gen_s"],
        "gen_cpu": res["gen_tokens"] / res["gen_cpu"],
        "prompt": res["prompt_tokens"] / res["prompt_s"],
        "prompt_cpu": res["prompt_tokens"] / res["prompt_cpu"],
    }


# ------------------------------------------------------------------------------------------------ install times
def _timed_install(python: str, pip_args: list[str], label: str, cwd: Path = ROOT) -> float:
    venv = Path(tempfile.mkdtemp(prefix="bench-runtime-venv-"))
    try:
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--no-cache-dir", "-q", *pip_args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
        )
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"{label}: pip failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        print(
            f"{label}: {dt:6.1f} s ({int(dt // 60)} min {dt % 60:.0f} s), load avg {os.getloadavg()[0]:.2f}", flush=True
        )
        return dt
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def install(args) -> None:
    fast, slow = [], []
    plan = ["x"] * args.rounds
    for k in range(args.slow_rounds):  # interleave the slow source builds among the prebuilt installs
        plan.insert(min(1 + 2 * k, len(plan)), "l")
    print(f"plan: {' '.join(plan)} (x = {XLLAMACPP}, l = {LLAMA_CPP_PYTHON}), cpus {os.cpu_count()}")
    for step in plan:
        if step == "x":
            fast.append(_timed_install(args.python, [XLLAMACPP], XLLAMACPP))
        else:
            slow.append(_timed_install(args.python, [LLAMA_CPP_PYTHON], LLAMA_CPP_PYTHON))
    if fast and slow:
        print(
            f"median {XLLAMACPP} {statistics.median(fast):.1f} s, {LLAMA_CPP_PYTHON} "
            f"{statistics.median(slow):.1f} s: ratio {statistics.median(slow) / statistics.median(fast):.0f}x"
        )


def setup(args) -> None:
    """The README's setup line on a copy of the committed tree whose ``local`` extra names ``--runtime``."""
    with tempfile.TemporaryDirectory(prefix="bench-runtime-tree-") as tree:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        pyproject = Path(tree) / "pyproject.toml"
        wanted = LLAMA_CPP_PYTHON if args.runtime == "llama-cpp-python" else XLLAMACPP
        text = pyproject.read_text(encoding="utf-8")
        for pin in (LLAMA_CPP_PYTHON, XLLAMACPP):
            text = text.replace(f'"{pin}"', f'"{wanted}"')
        pyproject.write_text(text, encoding="utf-8")
        if f'"{wanted}"' not in text:
            raise SystemExit(
                f"{pyproject}: the local extra names neither {LLAMA_CPP_PYTHON} nor {XLLAMACPP}; "
                "update this script's pins"
            )
        _timed_install(
            args.python, ["-e", ".[local,dev]"], f'pip install -e ".[local,dev]" with {wanted}', cwd=Path(tree)
        )


# ------------------------------------------------------------------------------------------------ end to end
QUESTIONS = [
    "What did Russia say about Idlib?",
    "من ترأس الوفد الروسي الذي استقبله الأسد؟",
    "Which UN Security Council resolution is mentioned?",
    "What is the capital of France?",
]


def _ask_worker(runtime: str, home: str, mode: str) -> dict:
    import assistant.backends.local as local
    from assistant.services import make_answerer
    from assistant.settings import Settings

    if runtime == "xllamacpp":  # the same factory builds the adapter instead
        local.LlamaCppLLM = XLlamaCppLLM
    settings = Settings(home=Path(home), llm="local", answer_mode=mode)
    t0 = time.perf_counter()
    answerer = make_answerer(settings)
    first = answerer.ask(QUESTIONS[0])
    cold = (time.perf_counter() - t0) * 1000
    totals, sentences, answers = [], [], [first.answer[:80]]
    for _ in range(2):
        for q in QUESTIONS:
            a = answerer.ask(q)
            totals.append(a.timings_ms["total"])
            if "first_sentence" in a.timings_ms:
                sentences.append(a.timings_ms["first_sentence"])
            answers.append(a.answer)
    return {"runtime": runtime, "cold_ms": cold, "warm_ms": totals, "first_sentence_ms": sentences, "answers": answers}


def ask(args) -> None:
    from assistant.services import make_ingestor
    from assistant.settings import Settings

    env = dict(os.environ, OMP_WAIT_POLICY="passive", ASSISTANT_ALLOW_MODEL_REQUESTS="1")
    with tempfile.TemporaryDirectory(prefix="bench-runtime-home-") as home:
        make_ingestor(Settings(home=Path(home), llm="none")).ingest_paths([ROOT / "assistant" / "sample_corpus"])
        print(f"mode {args.mode}, cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
        results: dict[str, list[dict]] = {r: [] for r in RUNTIMES}
        for i in range(args.rounds):
            for r in RUNTIMES if i % 2 == 0 else RUNTIMES[::-1]:
                cmd = [sys.executable, __file__, "_ask_worker", r, home, args.mode]
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8")
                if proc.returncode != 0:
                    raise SystemExit(f"{r} ask worker failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
                res = json.loads(proc.stdout.strip().splitlines()[-1])
                results[r].append(res)
                fs = res["first_sentence_ms"]
                print(
                    f"round {i + 1} {r:10s} cold {res['cold_ms']:6.0f} ms | warm p50 "
                    f"{statistics.median(res['warm_ms']):6.0f} ms | first sentence p50 "
                    f"{statistics.median(fs) if fs else float('nan'):6.0f} ms | load avg {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
        for r, rs in results.items():
            warm = [w for x in rs for w in x["warm_ms"]]
            print(
                f"median {r:10s} cold {statistics.median(x['cold_ms'] for x in rs):6.0f} ms, warm "
                f"{statistics.median(warm):6.0f} ms over {len(warm)} questions"
            )
        print("last round, question by question (ms, answer):")
        for k, q in enumerate(QUESTIONS * 2):
            b, a = results["llama_cpp"][-1], results["xllamacpp"][-1]
            print(f"  {q[:36]:36s} llama-cpp-python {b['warm_ms'][k]:6.0f} {b['answers'][k + 1][:50]!r}")
            print(f"  {'':36s} xllamacpp        {a['warm_ms'][k]:6.0f} {a['answers'][k + 1][:50]!r}")
        xl, lc = results["xllamacpp"], results["llama_cpp"]
        print(
            "xllamacpp / llama-cpp-python per round: cold "
            + " ".join(f"{a['cold_ms'] / b['cold_ms']:.2f}" for a, b in zip(xl, lc, strict=True))
            + "; warm p50 "
            + " ".join(
                f"{statistics.median(a['warm_ms']) / statistics.median(b['warm_ms']):.2f}"
                for a, b in zip(xl, lc, strict=True)
            )
        )
        # Both runtimes did the same work only where they gave the same answer (a different one can mean other calls).
        for i, (a, b) in enumerate(zip(xl, lc, strict=True)):
            same = [k for k, (p, q) in enumerate(zip(a["answers"][1:], b["answers"][1:], strict=True)) if p == q]
            ratio = sum(a["warm_ms"][k] for k in same) / sum(b["warm_ms"][k] for k in same) if same else float("nan")
            print(
                f"round {i + 1}: {len(same)} of {len(a['warm_ms'])} later answers identical; on those, "
                f"xllamacpp / llama-cpp-python total time {ratio:.2f}"
            )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        runtime, model, threads, ctx, max_tokens = sys.argv[2:7]
        print(json.dumps(_worker(runtime, model, int(threads), int(ctx), int(max_tokens))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_ask_worker":
        print(json.dumps(_ask_worker(*sys.argv[2:5]), ensure_ascii=False))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("speed")
    sp.add_argument("--rounds", type=int, default=4)
    sp.add_argument("--threads", type=int, default=0, help="default: the backend's (ASSISTANT_LLM_THREADS)")
    sp.add_argument("--max-tokens", type=int, default=128)
    sp.add_argument("--ctx", type=int, default=4096)
    ip = sub.add_parser("install")
    ip.add_argument("--rounds", type=int, default=3, help="xllamacpp installs")
    ip.add_argument("--slow-rounds", type=int, default=1, help="llama-cpp-python source builds (minutes each)")
    ip.add_argument("--python", default="python3")
    su = sub.add_parser("setup")
    su.add_argument("--python", default="python3")
    su.add_argument("--runtime", default="xllamacpp", choices=["xllamacpp", "llama-cpp-python"])
    ak = sub.add_parser("ask")
    ak.add_argument("--rounds", type=int, default=3)
    ak.add_argument("--mode", default="auto", choices=["auto", "attributed", "synthesized"])
    args = ap.parse_args()
    {"speed": speed, "install": install, "setup": setup, "ask": ask}[args.cmd](args)


if __name__ == "__main__":
    main()
