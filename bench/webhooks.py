"""Webhooks: what a save costs with three webhooks registered, against a save without.

Both organisations hold the same answered SOC 2 assessment; each save flips one answer so
the report changes and REPORT_CHANGED is written. Deliveries are asynchronous: the save
writes one outbox row in its own write, and the pod's worker (on the same event loop, as
in production) fans it out to the three webhooks of a receiver on 127.0.0.1 and sends them.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.api import ORG, answered_assessment
from bench.floor import saver
from bench.support import embedded_database, in_process_app, paired_medians
from service.storage.embedded import free_loopback_port

HOOK = """mutation($o: ID!, $u: String!) { createWebhook(input: {organizationId: $o, url: $u,
  events: [REPORT_CHANGED]}) { webhook { id } errors { code message } } }"""


def receiver() -> tuple[str, list[int], uvicorn.Server]:
    received: list[int] = []

    async def hook(request: Request) -> Response:
        await request.body()
        received.append(1)
        return Response(status_code=204)

    port = free_loopback_port()
    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}/hook", received, server


async def run(repeat: int = 40) -> dict[str, float]:
    rng = random.Random(5)
    url, received, server = receiver()
    try:
        async with embedded_database() as uri, in_process_app(uri, "bench_hooks") as (_, client):
            hooked = (await client(ORG, {"n": "Hooked"}))["createOrganization"]["organization"]
            plain = (await client(ORG, {"n": "Plain"}))["createOrganization"]["organization"]
            for _ in range(3):
                await client(HOOK, {"o": hooked["id"], "u": url})
            with_hooks = await saver(client, await answered_assessment(client, hooked["id"], rng))
            without = await saver(client, await answered_assessment(client, plain["id"], rng))
            hooks_s, plain_s = await paired_medians(with_hooks, without, repeat)
            deadline = time.monotonic() + 30
            expected = 3 * (repeat + 1)
            # Counted by the receiver's own thread: polled, not awaited as an event.
            while len(received) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    finally:
        server.should_exit = True
    return {
        "save_with_3_webhooks_ms": round(hooks_s * 1000, 2),
        "save_without_webhooks_ms": round(plain_s * 1000, 2),
        "save_with_3_webhooks_vs_without_ratio": round(hooks_s / plain_s, 2),
        "deliveries_received": len(received),
        "deliveries_expected": expected,
    }
