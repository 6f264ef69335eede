"""graphql-transport-ws sessions held to the same rules as HTTP requests.

A socket authenticates in ``connection_init``, but its rights are not settled
there: every ``subscribe`` message (queries and mutations travel as
``subscribe`` too) re-verifies the socket's token through the same
``Authenticator`` and caches as an HTTP request, takes a token from the same
per-principal rate limit, and runs with a fresh ``Context``, so a revoked
key, an expired JWT or a removed membership applies to the next operation
exactly as it would over HTTP. A guard task re-checks the token every
``RECHECK_SECONDS`` and at the JWT's expiry, and closes the socket with
``CLOSE_UNAUTHORIZED`` once it no longer verifies, ending its subscriptions.

Sockets that have not yet authenticated are capped per pod
(``MAX_UNAUTHENTICATED_SOCKETS``); the view refuses the handshake past it.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import suppress
from contextvars import ContextVar
from typing import Any, Protocol

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    Message,
    NextMessage,
    SubscribeMessage,
)

from service.api import limits
from service.api.context import Context
from service.auth.authenticator import Session
from service.auth.responses import graphql_error
from service.errors import DatabaseUnavailable
from service.principal import Principal
from service.runtime import Services


class OperationView(Protocol):
    """What the handler needs of the view that accepted the socket (``view.GraphQLView``)."""

    services: Services

    async def reauthenticate(self, connection: Context) -> Session | None: ...

    def operation_context(self, connection: Context, principal: Principal) -> Context: ...


# How long a socket may stay open without sending connection_init (Strawberry closes it
# with 4408), how many such sockets a pod holds at once, and how often an open socket's
# token is verified again when no operation does it.
CONNECTION_INIT_SECONDS = 3.0
MAX_UNAUTHENTICATED_SOCKETS = 100
RECHECK_SECONDS = 15.0
# The token of an open socket expired or was revoked (4403 is a refused connection_init).
CLOSE_UNAUTHORIZED = 4401

# The context of the operation being started. asyncio copies context variables into a
# task when it is created, so the operation task Strawberry creates in handle_subscribe
# sees the context built for that one message, while the connection's own context
# (connection_params, the socket) stays what every other code path reads.
_operation_context: ContextVar[Context | None] = ContextVar("operation_context", default=None)


class PendingSockets:
    """Sockets accepted but not yet authenticated, in this pod."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_UNAUTHENTICATED_SOCKETS if limit is None else limit
        self.count = 0

    def admit(self) -> PendingSocket | None:
        if self.count >= self.limit:
            return None
        self.count += 1
        return PendingSocket(self)


class PendingSocket:
    """One socket's place among the pending ones; released once, on ack or on close."""

    def __init__(self, pending: PendingSockets) -> None:
        self._pending: PendingSockets | None = pending

    def release(self) -> None:
        if self._pending is not None:
            self._pending.count -= 1
            self._pending = None


def valid(session: Session | None) -> bool:
    return session is not None and (session.expires_at is None or time.time() < session.expires_at)


class AuthorisedTransportHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler, authorising each operation."""

    _connection_context: Context
    _guard: asyncio.Task[None] | None = None

    @property
    def context(self) -> Context:
        return _operation_context.get() or self._connection_context

    @context.setter
    def context(self, value: Context) -> None:
        self._connection_context = value

    @property
    def _view(self) -> OperationView:
        view: OperationView = self.view  # type: ignore[assignment]
        return view

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._guard is None:
            pending = self._connection_context.request.scope.get("state", {}).get("pending")
            if isinstance(pending, PendingSocket):
                pending.release()
            self._guard = asyncio.create_task(self._watch())
            self._guard.add_done_callback(self._task_done)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged:
            await super().handle_subscribe(message)  # closes the socket with 4401
            return
        context = await self._authorise(message["id"])
        if context is None:
            return
        token = _operation_context.set(context)
        try:
            await super().handle_subscribe(message)
        finally:
            _operation_context.reset(token)

    async def _authorise(self, operation_id: str) -> Context | None:
        """The context for one operation, as an HTTP request would get it; None when
        the operation was refused (answered with an error) or the socket closed."""
        try:
            session = await self._view.reauthenticate(self._connection_context)
        except DatabaseUnavailable:
            await self._refuse(
                operation_id, "SERVICE_UNAVAILABLE", "the database is unavailable; retry shortly"
            )
            return None
        if session is None or not valid(session):
            await self._close_unauthorized()
            return None
        limiter = self._view.services.limiter
        if limiter is not None and (wait := limiter.take(session.principal.subject)) > 0:
            await self._refuse(
                operation_id,
                "RATE_LIMITED",
                "too many requests; retry later",
                retryAfter=int(limiter.retry_after(wait)),
            )
            return None
        return self._view.operation_context(self._connection_context, session.principal)

    async def send_message(self, message: Message) -> None:
        """Every message the socket sends; a result over ``MAX_RESPONSE_BYTES`` is replaced by
        a LIMIT_EXCEEDED error, as over HTTP."""
        if message["type"] == "next":
            size = len(json.dumps(message["payload"], separators=(",", ":")).encode())
            if size > limits.MAX_RESPONSE_BYTES:
                refused: NextMessage = {
                    "id": message["id"],
                    "type": "next",
                    "payload": limits.response_too_large(size),  # type: ignore[typeddict-item]
                }
                message = refused
        await super().send_message(message)

    async def _refuse(self, operation_id: str, code: str, message: str, **extra: Any) -> None:
        error: ErrorMessage = {
            "id": operation_id,
            "type": "error",
            "payload": [graphql_error(code, message, **extra)],  # type: ignore[list-item]
        }
        await self.send_message(error)

    async def _watch(self) -> None:
        """Close the socket once its token no longer verifies, even when it sends nothing."""
        try:
            await self._watch_token()
        except Exception as error:  # logged, like Strawberry's own tasks
            await self.handle_task_exception(error)

    async def _watch_token(self) -> None:
        while True:
            try:
                session = await self._view.reauthenticate(self._connection_context)
            except DatabaseUnavailable:
                await asyncio.sleep(RECHECK_SECONDS)  # keep the socket; the next check decides
                continue
            if session is None or not valid(session):
                await self._close_unauthorized()
                return
            delay = RECHECK_SECONDS
            if session.expires_at is not None:
                delay = min(delay, max(0.0, session.expires_at - time.time()))
            await asyncio.sleep(delay)

    async def _close_unauthorized(self) -> None:
        # End running subscriptions first: none may send another event once rights are gone.
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with suppress(RuntimeError):  # already closed by the other side
            await self.websocket.close(CLOSE_UNAUTHORIZED, "token expired or revoked")

    async def shutdown(self) -> None:
        if self._guard is not None and self._guard is not asyncio.current_task():
            self._guard.cancel()
            with suppress(asyncio.CancelledError):
                await self._guard
        await super().shutdown()
