"""Request hardening in front of GraphQL: body size cap and per-principal rate limit.

The body cap is enforced on the declared length and again on the bytes
actually received (a chunked body cannot sneak past it). The rate limit is a
token bucket per principal, in process: each API pod limits on its own, so a
deployment's effective limit is the per-pod rate times the pod count.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.middleware import send_json_error

MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await send_json_error(send, 413, "PAYLOAD_TOO_LARGE", "request body over 1 MiB")
                return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await send_json_error(send, 413, "PAYLOAD_TOO_LARGE", "request body over 1 MiB")


class RateLimiter:
    """Token buckets keyed by principal subject; least recently used buckets are evicted."""

    MAX_BUCKETS = 50_000

    def __init__(self, rate_per_second: float, burst: int) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        moment = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), moment))
        tokens = min(float(self.burst), tokens + (moment - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, moment)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, moment)
            wait = (1.0 - tokens) / self.rate
        if len(self._buckets) > self.MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
