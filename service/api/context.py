"""The per-request GraphQL context: who is calling, their access, and DataLoaders.

Built once per request in the view's ``get_context``. DataLoaders live here,
so their caches never outlive a request or cross tenants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from service.assessment.organizations import OrganizationService
from service.assessment.records import Access, Organization
from service.assessment.service import AssessmentService, AssessmentView
from service.catalog.imports import CatalogImports
from service.catalog.repository import CatalogRepository
from service.drafting.service import DraftingService
from service.errors import NotFound
from service.principal import Principal
from service.reports.service import ReportService
from service.settings import Settings

if TYPE_CHECKING:
    from service.runtime import CallerServices, Services


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    services: Services
    principal: Principal
    access: Access
    organizations: OrganizationService
    catalog: CatalogRepository
    catalog_imports: CatalogImports
    assessments: AssessmentService
    drafting: DraftingService
    reports: ReportService
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
            access=caller.access,
            organizations=caller.organizations,
            catalog=caller.catalog,
            catalog_imports=caller.catalog_imports,
            assessments=caller.assessments,
            drafting=caller.drafting,
            reports=caller.reports,
        )

    @property
    def request_id(self) -> str:
        return str(self.request.scope.get("state", {}).get("request_id", "-"))


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotFound("not authenticated")
    return principal
