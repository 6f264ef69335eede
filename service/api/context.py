"""The per-request GraphQL context: who is calling, their access, and DataLoaders.

Built once per request in the view's ``get_context``. DataLoaders live here,
so their caches never outlive a request or cross tenants.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import strawberry
from bson import ObjectId
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from service.assessment.records import Organization
from service.assessment.service import AssessmentView
from service.errors import NotFound
from service.principal import Principal
from service.runtime import CallerServices, Services
from service.settings import Settings


@dataclass
class Context(CallerServices):
    """The caller's domain services (``CallerServices``), plus the request and its loaders."""

    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    services: Services
    principal: Principal
    organization_loader: DataLoader[ObjectId, Organization | None] = field(init=False)
    assessment_loader: DataLoader[ObjectId, AssessmentView | None] = field(init=False)
    latest_readiness_loader: DataLoader[ObjectId, dict[str, Any] | None] = field(init=False)

    connection_params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.organization_loader = DataLoader(load_fn=self.organizations.get_many)
        self.assessment_loader = DataLoader(load_fn=self.assessments.get_many)
        self.latest_readiness_loader = DataLoader(load_fn=self.assessments.latest_readiness)

    @classmethod
    def of(
        cls,
        request: Request | WebSocket,
        response: Response | WebSocket | None,
        services: Services,
        caller: CallerServices,
    ) -> Context:
        return cls(
            request=request,
            response=response,
            settings=services.settings,
            services=services,
            principal=caller.access.principal,
            **{f.name: getattr(caller, f.name) for f in fields(CallerServices)},
        )

    @property
    def request_id(self) -> str:
        return str(self.request.scope.get("state", {}).get("request_id", "-"))


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotFound("not authenticated")
    return principal


Info = strawberry.Info[Context, None]
