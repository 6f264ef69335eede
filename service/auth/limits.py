"""Request hardening in front of GraphQL: size caps and token-bucket rate limits.

The body cap is enforced on the declared length and again on the bytes
actually received (a chunked body cannot sneak past it); each WebSocket
message is held to the same cap. Rate limits are token buckets, in process:
one per principal for requests and socket operations, one per client address
for failed authentications. Each API pod limits on its own, so a
deployment's effective limit is the per-pod rate times the pod count.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.responses import send_json_error

MAX_BODY_BYTES = 1024 * 1024
# WebSocket close code for a message over the cap (RFC 6455: "message too big").
CLOSE_MESSAGE_TOO_BIG = 1009


class BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
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

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Close the socket on a message over the cap, and tell the app it disconnected.

        The server has already buffered the message (uvicorn's own cap is
        ``--ws-max-size``); this keeps it from being decoded or acted on."""
        closed = False

        async def limited_receive() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive" and _over(message, self.max_bytes):
                if not closed:
                    closed = True
                    await send(
                        {
                            "type": "websocket.close",
                            "code": CLOSE_MESSAGE_TOO_BIG,
                            "reason": "message over 1 MiB",
                        }
                    )
                return {"type": "websocket.disconnect", "code": CLOSE_MESSAGE_TOO_BIG}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal closed
            if closed:
                return  # operations still running may try to answer a socket closed here
            if message["type"] == "websocket.close":
                closed = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _over(message: Message, limit: int) -> bool:
    text = message.get("text")
    if text is not None:
        # A character is at most 4 bytes in UTF-8: encode only when the count is ambiguous.
        return len(text) > limit or (len(text) * 4 > limit and len(text.encode()) > limit)
    return len(message.get("bytes") or b"") > limit


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
        tokens = self._tokens(key, moment)
        self._buckets.pop(key, None)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, moment)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, moment)
            wait = (1.0 - tokens) / self.rate
        if len(self._buckets) > self.MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return wait

    def wait(self, key: str, now: float | None = None) -> float:
        """Like ``take``, without taking: 0 when a token is available, else the seconds
        until one is."""
        tokens = self._tokens(key, time.monotonic() if now is None else now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def _tokens(self, key: str, moment: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.burst), moment))
        return min(float(self.burst), tokens + (moment - last) * self.rate)

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
