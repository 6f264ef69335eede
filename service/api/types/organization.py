"""GraphQL types of organisations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from service.api.ids import encode_id
from service.api.pagination import PageInfo
from service.api.types.node import Node
from service.storage.documents import Organization as OrganizationRecord

TYPE_NAME = "Organization"


@strawberry.type(name="Organization")
class OrganizationType(Node):
    name: str
    created_at: datetime

    @classmethod
    def of(cls, record: OrganizationRecord) -> OrganizationType:
        assert record.id is not None  # noqa: S101 - saved documents always have ids
        return cls(
            id=strawberry.ID(encode_id(TYPE_NAME, record.id)),
            name=record.name,
            created_at=record.created_at,
        )


@strawberry.type
class OrganizationEdge:
    cursor: str
    node: OrganizationType


@strawberry.type
class OrganizationConnection:
    edges: list[OrganizationEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[OrganizationType]:
        return [edge.node for edge in self.edges]
