"""ASGI middleware that authenticates every API request once.

It reads ``Authorization: Bearer <token>``, resolves a ``Principal`` and puts
it in ``scope["state"]["principal"]``. A request to a protected path without
a valid token is refused here, before GraphQL runs, with the one error shape
every authentication failure shares. Tokens that fail to verify are counted
per client address; an address past its allowance gets 429 before its token
is looked at, so guessing keys or replaying expired tokens is slow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from service.auth.authenticator import Authenticator
from service.auth.responses import send_json_error
from service.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from service.auth.limits import RateLimiter

TOO_MANY_FAILURES = "too many failed authentications from this address; retry later"

PROTECTED_PREFIXES = ("/graphql", "/reports")


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            header: str = value.decode("latin-1")
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


def client_address(scope: Scope) -> str:
    """The peer address uvicorn reports: the proxy's, unless uvicorn is told to trust
    its forwarded headers (``--proxy-headers`` with ``FORWARDED_ALLOW_IPS``)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class AuthenticationMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        authenticator: Authenticator,
        allow_ide: bool,
        limiter: RateLimiter | None = None,
        failures: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.allow_ide = allow_ide
        self.limiter = limiter
        self.failures = failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        if self.failures is not None and (wait := self.failures.wait(address)) > 0:
            await send_json_error(
                send,
                429,
                "RATE_LIMITED",
                TOO_MANY_FAILURES,
                [(b"retry-after", self.failures.retry_after(wait).encode())],
            )
            return
        token = bearer_token(scope)
        principal = None
        if token is not None:
            try:
                principal = await self.authenticator.authenticate(token)
            except DatabaseUnavailable:
                await send_json_error(
                    send, 503, "SERVICE_UNAVAILABLE", "the database is unavailable; retry shortly"
                )
                return
            if principal is None and self.failures is not None:
                self.failures.take(address)
        if principal is None and not self._is_ide_page(scope):
            await send_json_error(
                send,
                401,
                "UNAUTHENTICATED",
                "authentication required",
                [(b"www-authenticate", b'Bearer realm="readiness"')],
            )
            return
        if principal is not None and self.limiter is not None:
            wait = self.limiter.take(principal.subject)
            if wait > 0:
                await send_json_error(
                    send,
                    429,
                    "RATE_LIMITED",
                    "too many requests; retry later",
                    [(b"retry-after", self.limiter.retry_after(wait).encode())],
                )
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    def _is_ide_page(self, scope: Scope) -> bool:
        """GraphiQL's HTML page (a GET without a query) is served without a token."""
        return (
            self.allow_ide
            and scope["method"] == "GET"
            and scope["path"].rstrip("/") == "/graphql"
            and b"query=" not in scope.get("query_string", b"")
        )
