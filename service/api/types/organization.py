"""GraphQL types of organisations."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from bson import ObjectId

from service.api.ids import encode_id
from service.api.pagination import PageInfo
from service.api.types.node import Node
from service.storage.documents import Organization as OrganizationRecord

if TYPE_CHECKING:
    from service.api.types.access import ApiKey, AuditEventConnection, Member
    from service.api.types.assessment import AssessmentConnection

TYPE_NAME = "Organization"


@strawberry.enum(name="Role")
class RoleEnum(Enum):
    OWNER = "OWNER"
    ASSESSOR = "ASSESSOR"
    CONTRIBUTOR = "CONTRIBUTOR"
    VIEWER = "VIEWER"


@strawberry.type(description="The most recently updated assessment's scores.")
class LatestReadiness:
    assessment_id: strawberry.ID
    readiness: float
    completeness: float
    updated_at: datetime


@strawberry.type(name="Organization")
class OrganizationType(Node):
    name: str
    created_at: datetime
    record_id: strawberry.Private[ObjectId]

    @strawberry.field
    async def viewer_role(self, info: strawberry.Info) -> RoleEnum | None:
        role = (await info.context.access.roles()).get(self.record_id)
        return RoleEnum(role.value) if role else None

    @strawberry.field
    async def latest_readiness(self, info: strawberry.Info) -> LatestReadiness | None:
        row = await info.context.latest_readiness_loader.load(self.record_id)
        if row is None:
            return None
        return LatestReadiness(
            assessment_id=strawberry.ID(encode_id("Assessment", row["assessment_id"])),
            readiness=row["readiness"],
            completeness=row["completeness"],
            updated_at=row["updated_at"],
        )

    @strawberry.field(description="Members and their roles.")
    async def members(
        self, info: strawberry.Info
    ) -> list[Annotated[Member, strawberry.lazy("service.api.types.access")]]:
        from service.api.types.access import Member  # noqa: PLC0415
        from service.storage.repositories import MembershipRepository  # noqa: PLC0415

        scope = await info.context.access.scope(self.record_id)
        return [Member.of(m) for m in await MembershipRepository(scope).list()]

    @strawberry.field(description="The organisation's API keys (OWNER only).")
    async def api_keys(
        self, info: strawberry.Info
    ) -> list[Annotated[ApiKey, strawberry.lazy("service.api.types.access")]]:
        from service.api.types.access import ApiKey  # noqa: PLC0415
        from service.principal import Permission  # noqa: PLC0415
        from service.storage.repositories import OrganizationKeys  # noqa: PLC0415

        scope = await info.context.access.scope(self.record_id, Permission.ADMINISTER)
        return [ApiKey.of(k) for k in await OrganizationKeys(scope).list()]

    @strawberry.field(
        description="Every change made in the organisation, newest first (OWNER only)."
    )
    async def audit_events(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Annotated[AuditEventConnection, strawberry.lazy("service.api.types.access")]:
        from service.api.queries import audit_page  # noqa: PLC0415

        return await audit_page(info, self.record_id, first, after)

    @strawberry.field(description="Assessments, newest first.")
    async def assessments(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Annotated[AssessmentConnection, strawberry.lazy("service.api.types.assessment")]:
        from service.api.queries import assessment_page  # noqa: PLC0415 - avoids an import cycle

        return await assessment_page(info, self.record_id, first, after)

    @classmethod
    def of(cls, record: OrganizationRecord) -> OrganizationType:
        assert record.id is not None  # noqa: S101 - saved documents always have ids
        return cls(
            id=strawberry.ID(encode_id(TYPE_NAME, record.id)),
            name=record.name,
            created_at=record.created_at,
            record_id=record.id,
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
