"""The per-request GraphQL context: who is calling, their access, and DataLoaders.

Built once per request in the view's ``get_context``. DataLoaders live here,
so their caches never outlive a request or cross tenants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bson import ObjectId
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from service.auth.principal import Principal
from service.catalog.repository import CatalogRepository
from service.errors import NotFound
from service.settings import Settings
from service.storage.documents import Organization
from service.storage.repositories import OrganizationRepository
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
    organization_loader: DataLoader[ObjectId, Organization | None] = field(init=False)

    def __post_init__(self) -> None:
        self.organization_loader = DataLoader(load_fn=self.organizations.get_many)

    @property
    def request_id(self) -> str:
        return str(self.request.scope.get("state", {}).get("request_id", "-"))


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotFound("not authenticated")
    return principal
