"""The Strawberry ASGI view: context construction and GraphQL-shaped HTTP errors."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from service.api.context import Context
from service.assessment.service import AssessmentService
from service.auth.principal import Principal, PrincipalKind
from service.catalog.repository import CatalogRepository
from service.drafting.service import DraftingService
from service.storage.repositories import OrganizationRepository
from service.storage.tenancy import Access

ANONYMOUS = Principal(subject="", kind=PrincipalKind.ANONYMOUS)


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        if self.graphql_ide and scope.get("state", {}).get("principal") is None:
            # The middleware lets only GraphiQL's page through without a principal.
            await (await self.render_graphql_ide(request))(scope, receive, send)
            return
        try:
            response = await self.run(request)
        except HTTPException as error:
            # Clients parse every answer of /graphql as GraphQL: keep the shape.
            response = JSONResponse(
                {
                    "data": None,
                    "errors": [{"message": error.reason, "extensions": {"code": "BAD_REQUEST"}}],
                },
                status_code=error.status_code,
            )
        await response(scope, receive, send)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket in ``connection_init``, by the same rules as HTTP."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization") or ""
        scheme, _, token = str(raw).partition(" ")
        principal = None
        if scheme.lower() == "bearer" and token.strip():
            try:
                principal = await self.services.authenticator.authenticate(token.strip())
            except PyMongoError:
                principal = None
        if principal is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        fresh = self._context(context.request, context.response, principal)
        for name in ("principal", "access", "organizations", "catalog", "assessments", "drafting"):
            setattr(context, name, getattr(fresh, name))
        context.__post_init__()
        unset: UnsetType = UNSET
        return unset

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
        access = Access(principal, self.services.memberships)
        catalog = CatalogRepository(self.services.catalog)
        assessments = AssessmentService(
            access, catalog, self.services.engine_models, self.services.clock
        )
        return Context(
            request=request,
            response=response,
            settings=self.services.settings,
            services=self.services,
            principal=principal,
            access=access,
            organizations=OrganizationRepository(access),
            catalog=catalog,
            assessments=assessments,
            drafting=DraftingService(
                access,
                assessments,
                self.services.drafting,
                self.services.progress,
                self.services.background,
            ),
        )
