"""A real webhook receiver on 127.0.0.1: records every request and answers as scripted."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.storage.embedded import free_loopback_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers the next status of ``script`` (200 once it runs out)."""

    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    async def wait_for(self, count: int, seconds: float = 20.0) -> list[Received]:
        """The requests received once there are ``count`` (the app's worker runs on the
        caller's event loop, so this waits without blocking it)."""
        deadline = time.monotonic() + seconds
        # Filled by the receiver's own thread: polled, not awaited as an event.
        while len(self.received) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        assert len(self.received) >= count, f"{len(self.received)} of {count} received"
        return self.received


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    async def hook(request: Request) -> Response:
        state.received.append(Received(dict(request.headers), await request.body()))
        return Response(status_code=state.script.pop(0) if state.script else 200)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    port = free_loopback_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    state.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
