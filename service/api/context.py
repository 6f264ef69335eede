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

from service.assessment.service import AssessmentService, AssessmentView
from service.catalog.repository import CatalogRepository
from service.drafting.service import DraftingService
from service.errors import NotFound
from service.principal import Principal
from service.settings import Settings
from service.storage.documents import Organization
from service.storage.repositories import AssessmentRepository, OrganizationRepository
from service.storage.tenancy import Access

if TYPE_CHECKING:
    from service.app import Services


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    services: Services
    principal: Principal
    access: Access
    organizations: OrganizationRepository
    catalog: CatalogRepository
    assessments: AssessmentService
    drafting: DraftingService
    organization_loader: DataLoader[ObjectId, Organization | None] = field(init=False)
    assessment_loader: DataLoader[ObjectId, AssessmentView | None] = field(init=False)
    latest_readiness_loader: DataLoader[ObjectId, dict[str, Any] | None] = field(init=False)

    connection_params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.organization_loader = DataLoader(load_fn=self.organizations.get_many)
        self.assessment_loader = DataLoader(load_fn=self._load_assessments)
        self.latest_readiness_loader = DataLoader(load_fn=self._load_latest_readiness)

    async def _load_assessments(self, ids: list[ObjectId]) -> list[AssessmentView | None]:
        repository = await AssessmentRepository.of_access(self.access)
        records = await repository.get_many(ids)
        return [await self.assessments.view(r) if r else None for r in records]

    async def _load_latest_readiness(self, ids: list[ObjectId]) -> list[dict[str, Any] | None]:
        roles = await self.access.roles()
        repository = AssessmentRepository([i for i in ids if i in roles])
        latest = await repository.latest_by_organization()
        return [latest.get(i) for i in ids]

    @property
    def request_id(self) -> str:
        return str(self.request.scope.get("state", {}).get("request_id", "-"))


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotFound("not authenticated")
    return principal
