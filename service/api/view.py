"""The Strawberry ASGI view: context construction and GraphQL-shaped HTTP errors.

JSON from clients goes through ``json_input`` (bounded nesting and integers),
and WebSockets through ``websocket.AuthorisedTransportHandler``, which
authorises each operation; only the graphql-transport-ws protocol is spoken.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from service.api import graphiql, json_input, limits
from service.api.context import Context
from service.api.websocket import (
    CONNECTION_INIT_SECONDS,
    AuthorisedTransportHandler,
    PendingSockets,
)
from service.auth.authenticator import Session
from service.auth.idempotency import MAX_KEY_CHARS, Idempotency, Outcome
from service.auth.middleware import client_address
from service.auth.responses import error_document
from service.errors import DatabaseUnavailable
from service.principal import Principal, PrincipalKind
from service.runtime import Services

ANONYMOUS = Principal(subject="", kind=PrincipalKind.ANONYMOUS)
IDEMPOTENCY_HEADER = "idempotency-key"
REFUSALS = {
    Outcome.REUSED: (
        422,
        "IDEMPOTENCY_KEY_REUSED",
        "this Idempotency-Key was used with a different request body",
    ),
    Outcome.IN_PROGRESS: (
        409,
        "IDEMPOTENCY_KEY_IN_USE",
        "a request with this Idempotency-Key is still running; retry shortly",
    ),
}


def _is_mutation(body: bytes) -> bool:
    """Whether a request body runs a mutation (the only operations a key applies to);
    a body that does not parse is left to the GraphQL run to refuse."""
    try:
        payload = json_input.loads(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return False
        document = parse(payload["query"], no_location=True, max_tokens=limits.MAX_TOKENS)
    except (ValueError, GraphQLError):
        return False
    name = payload.get("operationName")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
    return bool(chosen) and chosen[0].operation is OperationType.MUTATION


def _bearer(params: dict[str, Any] | None) -> str | None:
    raw = (params or {}).get("Authorization") or (params or {}).get("authorization") or ""
    scheme, _, token = str(raw).partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = AuthorisedTransportHandler

    def __init__(self, services: Services, **kwargs: Any) -> None:
        # The legacy graphql-ws protocol would run operations without the per-operation
        # checks of AuthorisedTransportHandler: only graphql-transport-ws is spoken.
        kwargs.setdefault("subscription_protocols", (GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        kwargs.setdefault(
            "connection_init_wait_timeout", timedelta(seconds=CONNECTION_INIT_SECONDS)
        )
        super().__init__(**kwargs)
        self.services = services
        self.pending_sockets = PendingSockets()
        self.idempotency = Idempotency()

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN; ours is served from the package.
        return graphiql.page()

    def decode_json(self, data: str | bytes) -> object:
        return json_input.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except json.JSONDecodeError as error:
            raise HTTPException(400, f"request body is not acceptable JSON: {error.msg}") from error

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """An HTTP answer over ``MAX_RESPONSE_BYTES`` becomes a LIMIT_EXCEEDED error."""
        response = super().create_response(response_data, sub_response)
        if len(response.body) > limits.MAX_RESPONSE_BYTES:
            return JSONResponse(limits.response_too_large(len(response.body)))
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        if self.graphql_ide and scope.get("state", {}).get("principal") is None:
            # The middleware lets only GraphiQL's page through without a principal.
            await (await self.render_graphql_ide(request))(scope, receive, send)
            return
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and request.method == "POST":
            response = await self._idempotent(request, key)
        else:
            response = await self._answer(request)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        try:
            return await self.run(request)
        except HTTPException as error:
            # Clients parse every answer of /graphql as GraphQL: keep the shape.
            return JSONResponse(
                error_document("BAD_REQUEST", error.reason), status_code=error.status_code
            )

    async def _idempotent(self, request: Request, key: str) -> Response:
        """A mutation applied once per ``Idempotency-Key`` and principal (24 hours);
        docs/embedding.md describes the answers."""
        if not 1 <= len(key) <= MAX_KEY_CHARS:
            return JSONResponse(
                error_document(
                    "BAD_REQUEST", f"Idempotency-Key must be 1 to {MAX_KEY_CHARS} characters"
                ),
                status_code=400,
            )
        principal = request.scope.get("state", {}).get("principal")
        body = await request.body()  # kept by the request: the GraphQL run reads it again
        if principal is None or not _is_mutation(body):
            return await self._answer(request)
        try:
            claim = await self.idempotency.claim(principal.subject, key, body)
        except DatabaseUnavailable:
            return JSONResponse(
                error_document("SERVICE_UNAVAILABLE", "the database is unavailable"),
                status_code=503,
            )
        if claim.outcome is Outcome.REPLAY and claim.record is not None:
            return Response(
                claim.record.body or b"",
                status_code=claim.record.status or 200,
                media_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        refusal = REFUSALS.get(claim.outcome)
        if refusal is not None:
            status, code, message = refusal
            return JSONResponse(error_document(code, message), status_code=status)
        try:
            response = await self._answer(request)
        except BaseException:
            await self.idempotency.release(claim)
            raise
        await self.idempotency.finish(claim, response.status_code, bytes(response.body))
        return response

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        pending = self.pending_sockets.admit()
        if pending is None:
            # Closing before accepting makes the server answer the handshake with 403.
            await WebSocket(scope, receive=receive, send=send).close(code=1013)
            return
        scope.setdefault("state", {})["pending"] = pending
        try:
            await super().__call__(scope, receive, send)
        finally:
            pending.release()

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket in ``connection_init``, by the same rules as HTTP:
        an address with too many failed authentications is refused before its token
        is looked at, and a token that does not verify counts as one more failure."""
        failures = self.services.failures
        address = client_address(context.request.scope)
        if failures is not None and failures.wait(address) > 0:
            raise ConnectionRejectionError({"code": "RATE_LIMITED"})
        try:
            session = await self.reauthenticate(context)
        except DatabaseUnavailable as error:
            raise ConnectionRejectionError({"code": "SERVICE_UNAVAILABLE"}) from error
        if session is None:
            if failures is not None:
                failures.take(address)
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        fresh = self._context(context.request, context.response, session.principal)
        for name in (
            "principal",
            "access",
            "organizations",
            "catalog",
            "catalog_imports",
            "assessments",
            "drafting",
            "reports",
        ):
            setattr(context, name, getattr(fresh, name))
        context.__post_init__()
        unset: UnsetType = UNSET
        return unset

    async def reauthenticate(self, connection: Context) -> Session | None:
        """The session of a socket's token (from ``connection_init``), verified now."""
        token = _bearer(connection.connection_params)
        if token is None:
            return None
        session: Session | None = await self.services.authenticator.session(token)
        return session

    def operation_context(self, connection: Context, principal: Principal) -> Context:
        """A fresh context for one operation on a socket, as an HTTP request gets one."""
        context = self._context(connection.request, connection.response, principal)
        context.connection_params = connection.connection_params
        return context

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        principal = request.scope.get("state", {}).get("principal")
        if principal is None:
            if isinstance(request, WebSocket):
                # Authenticated in connection_init; until then it can reach nothing.
                return self._context(request, response, ANONYMOUS)
            raise HTTPException(401, "authentication required")
        return self._context(request, response, principal)

    def _context(
        self,
        request: Request | WebSocket,
        response: Response | WebSocket | None,
        principal: Principal,
    ) -> Context:
        caller = self.services.for_principal(principal)
        return Context.of(request, response, self.services, caller)
