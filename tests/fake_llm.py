"""A real OpenAI-compatible chat-completions server on 127.0.0.1 for the drafting tests.

It speaks the streaming (SSE) and non-streaming chat completions protocol,
answers structured output built from the request's own data, and can be told
to answer 429, 500, slowly, with a draft that ignores the criteria ("uncovered") or one that
drops the placeholders of the commitments no answer set ("unconfirmed").
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from service.storage.embedded import free_loopback_port


@dataclass
class Behaviour:
    """What the next answers should be, in order; "ok" once the script runs out."""

    script: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    # The (prompt, completion) tokens each answer reports using; None: measured like a real
    # server would, about 4 bytes a token, the completion cut at the request's max_tokens.
    usage: tuple[int, int] | None = (1000, 500)

    def next(self) -> str:
        return self.script.pop(0) if self.script else "ok"


def _data(body: dict[str, Any]) -> dict[str, Any]:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    payload = user.split("<data>", 1)[1].split("</data>", 1)[0]
    return json.loads(payload)


def _document(data: dict[str, Any], cover: bool, confirm: bool = True) -> dict[str, Any]:
    """A draft built from the request's data, as a model following the prompt would write it:
    every control cited, every commitment in its wording or its placeholder."""
    refs = [c["ref"] for c in data["criteria"]] if cover else ["CC9.9"]
    commitments = [
        {
            "text": f"The company commits to {c['what']}: {c['text'] or c['placeholder']}.",
            "criteria": refs[:1],
            "controls": [],
        }
        for c in data.get("commitments", [])
        if confirm
    ]
    return {
        "title": data["family_title"],
        "purpose": f"Sets how {data['organization']} runs {data['family_title'].lower()}.",
        "scope": "All staff and production systems.",
        "roles": [
            {
                "role": "Policy owner",
                "responsibilities": ["[TO CONFIRM: owner] keeps this current."],
            }
        ],
        "statements": [
            {
                "text": f"The company operates {c['name']}.",
                "criteria": [r for r in c["criteria"] if r in refs] or refs[:1],
                "controls": [c["key"]],
            }
            for c in data["controls"]
        ]
        + commitments
        + [{"text": "The company meets every listed criterion.", "criteria": refs, "controls": []}],
        "review_cadence": "Yearly.",
        "exceptions": "Approved by [TO CONFIRM: approver].",
        "enforcement": "Disciplinary process.",
    }


def _measured(body: dict[str, Any], text: str) -> tuple[int, int]:
    prompt = json.dumps([body["messages"], body.get("response_format")], ensure_ascii=False)
    completion = -(-len(text.encode()) // 4)
    return -(-len(prompt.encode()) // 4), min(completion, body.get("max_tokens") or completion)


def make_app(behaviour: Behaviour) -> Starlette:
    async def completions(request: Request) -> Response:
        body = await request.json()
        behaviour.requests.append({"body": body, "headers": dict(request.headers)})
        mode = behaviour.next()
        if mode == "429":
            return JSONResponse(
                {"error": {"message": "slow down", "type": "rate_limit"}},
                status_code=429,
                headers={"retry-after": "0"},
            )
        if mode == "500":
            return JSONResponse(
                {"error": {"message": "boom", "type": "server_error"}}, status_code=500
            )
        if mode == "slow":
            await asyncio.sleep(5)
        document = _document(_data(body), cover=mode != "uncovered", confirm=mode != "unconfirmed")
        text = json.dumps(document)
        prompt_tokens, completion_tokens = behaviour.usage or _measured(body, text)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "c1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )

        async def events() -> Any:
            pieces = [text[i : i + 200] for i in range(0, len(text), 200)]
            for piece in pieces:
                chunk = {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                yield f"data: {json.dumps(chunk)}\n\n"
                await asyncio.sleep(behaviour.delay)
                if mode == "broken-stream":
                    # An error event after some text, as servers send when they fail mid-way.
                    error = {"error": {"message": "upstream overloaded", "type": "server_error"}}
                    yield f"data: {json.dumps(error)}\n\n"
                    return
            final = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [],
                "usage": usage,
            }
            yield f"data: {json.dumps(final)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def serve(behaviour: Behaviour) -> Iterator[str]:
    port = free_loopback_port()
    server = uvicorn.Server(
        uvicorn.Config(
            make_app(behaviour), host="127.0.0.1", port=port, log_level="error", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
