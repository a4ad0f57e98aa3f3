"""A user measures their own model in one command: ``assistant eval --llm openai --base-url URL --model NAME``
against an OpenAI-compatible server. Here the server is a stub on loopback (chat completions, streamed or not,
with top log-probabilities) whose replies are the fake model's (:func:`assistant.backends.fake.default_reply`), so
the run is offline and deterministic; the CLI runs in a real subprocess with the fake embedder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.api.server import BackgroundServer
from assistant.backends.base import Message
from assistant.backends.fake import default_reply
from tests.test_eval_full import _squad


def stub_server() -> tuple[FastAPI, list[dict]]:
    """An OpenAI-compatible chat endpoint answering like the fake model; every request body lands in the list."""
    app = FastAPI()
    seen: list[dict] = []

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        seen.append(body)
        text = default_reply([Message(m["role"], m["content"]) for m in body["messages"]])
        if body.get("logprobs"):  # a yes/no judgement: "yes" is likely
            top = [{"token": "yes", "logprob": -0.05, "bytes": None}, {"token": "no", "logprob": -3.0, "bytes": None}]
            content = [{"token": "yes", "logprob": -0.05, "bytes": None, "top_logprobs": top}]
            text, logprobs = "yes", {"content": content}
        else:
            logprobs = None
        base = {"id": "stub-1", "created": int(time.time()), "model": body["model"]}
        if body.get("stream"):

            def events():
                for piece in text.split(" "):
                    chunk = base | {
                        "object": "chat.completion.chunk",
                        "choices": [
                            {"index": 0, "delta": {"role": "assistant", "content": piece + " "}, "finish_reason": None}
                        ],
                    }
                    yield f"data: {json.dumps(chunk)}\n\n"
                done = base | {
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
                yield f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        return JSONResponse(
            base
            | {
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                        "logprobs": logprobs,
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )

    return app, seen


@pytest.mark.slow  # a served OpenAI-compatible fake and a whole eval run: about 10 s
def test_eval_measures_an_openai_compatible_model_in_one_command(tmp_path):
    app, seen = stub_server()
    dataset = _squad(tmp_path / "tiny.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_HOME=str(tmp_path / "home"),
        ASSISTANT_EMBEDDER="fake",
        ASSISTANT_MIN_RELEVANCE="0.3",
        ASSISTANT_MIN_RELEVANCE_CROSS="0.3",
        ASSISTANT_MIN_SUPPORT="0.3",
        OPENAI_API_KEY="stub-key",
        ASSISTANT_ALLOW_MODEL_REQUESTS="1",
    )
    out = tmp_path / "out"
    with BackgroundServer(app) as url:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "eval",
                "--dataset",
                str(dataset),
                "--mode",
                "full",
                "--out",
                str(out),
                "--llm",
                "openai",
                "--base-url",
                f"{url}/v1",
                "--model",
                "my-model",
                "--no-calibration",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["config"]["llm"] == "openai:my-model" and report["config"]["answer_mode"] == "synthesized"
    assert seen and all(b["model"] == "my-model" for b in seen)  # every call went to the user's server
    assert any(b.get("stream") for b in seen)  # answers stream from it
    answered = [q for q in report["per_question"] if not q["abstained"]]
    assert answered and all(c["valid"] for q in answered for c in q["citations"])
    assert report["answer"]["contains_gold"] > 0  # the stub restates the best evidence: "Geneva" is in it
