"""GraphQL types of organisations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from bson import ObjectId

from service.api.enums import Role
from service.api.ids import (
    dated_cursor,
    encode_cursor,
    global_id,
    id_cursor,
)
from service.api.pagination import Connection, connection, page_size
from service.api.types.access import ApiKey, AuditEvent, Member
from service.api.types.ledger import ControlOccurrenceType, SampleSize
from service.api.types.node import Node, node_class
from service.api.types.webhook import Webhook
from service.assessment.records import Organization as OrganizationRecord
from service.ids import encode_id

if TYPE_CHECKING:
    from service.api.types.assessment import AssessmentType

TYPE_NAME = "Organization"

FIRST = "How many items to return: 0 to 100 (default 20)."
AFTER = "Start after this cursor (a previous page's `endCursor`); from the start when null."


@strawberry.type(
    description="The scores of the assessment the organisation's headline follows: its latest "
    "submitted assessment, else its most recently updated one (never an archived one)."
)
class LatestReadiness:
    assessment_id: strawberry.ID = strawberry.field(
        description="Global id of the assessment these scores come from."
    )
    readiness: float = strawberry.field(
        description="Its readiness score, 0 to 100, as last saved (its report has the live figure)."
    )
    completeness: float = strawberry.field(
        description="The percentage (0 to 100) of its counted questions that are answered, as "
        "last saved."
    )
    updated_at: datetime = strawberry.field(description="When that assessment last changed.")


@strawberry.type(
    name="Organization",
    description="A company preparing for SOC 2: its members, keys, assessments, evidence "
    "ledger and webhooks. Callers see only the organisations they belong to.",
)
class OrganizationType(Node):
    name: str = strawberry.field(
        description="Display name, 1 to 200 characters (renameOrganization changes it)."
    )
    created_at: datetime = strawberry.field(description="When the organisation was created.")
    record_id: strawberry.Private[ObjectId]
    record: strawberry.Private[OrganizationRecord]

    @strawberry.field(
        description="The caller's role here (for an organisation API key, the key's role); "
        "null if the caller is not a member."
    )
    async def viewer_role(self, info: strawberry.Info) -> Role | None:
        role: Role | None = (await info.context.access.roles()).get(self.record_id)
        return role

    @strawberry.field(
        description="The headline scores: of the latest submitted assessment, else the most "
        "recently updated one; null when it has none that is not archived."
    )
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

    @strawberry.field(description="Its webhooks (OWNER).")
    async def webhooks(self, info: strawberry.Info) -> list[Webhook]:
        records = await info.context.webhooks.of_organization(self.record.id)
        return [Webhook(record=record) for record in records]

    @strawberry.field(description="Members and their roles.")
    async def members(self, info: strawberry.Info) -> list[Member]:
        return [Member.of(m) for m in await info.context.organizations.members(self.record_id)]

    @strawberry.field(description="The organisation's API keys (OWNER only).")
    async def api_keys(self, info: strawberry.Info) -> list[ApiKey]:
        return [ApiKey.of(k) for k in await info.context.organizations.api_keys(self.record_id)]

    @strawberry.field(
        description="Every change made in the organisation, newest first (OWNER only)."
    )
    async def audit_events(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[AuditEvent]:
        page = await info.context.organizations.audit_events(
            self.record_id, page_size(first), id_cursor(after)
        )
        return connection(
            page.items,
            page.has_next,
            lambda e: encode_cursor(e.id),
            AuditEvent.of,
            after=after,
            count=page.count,
        )

    @strawberry.field(
        description="The evidence ledger: occurrences of controls, the most recently performed "
        "first; optionally of one control, performed from one day to another (both included)."
    )
    async def occurrences(
        self,
        info: strawberry.Info,
        *,
        control_key: Annotated[
            str | None,
            strawberry.argument(
                description="Only this control's occurrences (its key, such as IAM-03)."
            ),
        ] = None,
        from_: Annotated[
            date | None,
            strawberry.argument(
                name="from", description="Only those performed on or after this day (ISO date)."
            ),
        ] = None,
        to: Annotated[
            date | None,
            strawberry.argument(description="Only those performed on or before this day."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[ControlOccurrenceType]:
        page = await info.context.ledger.page(
            self.record_id,
            first=page_size(first),
            after=dated_cursor(after),
            control_key=control_key,
            since=from_,
            until=to,
        )
        return connection(
            page.items,
            page.has_next,
            lambda o: encode_cursor(o.performed_on.isoformat(), o.id),
            ControlOccurrenceType.of,
            after=after,
            count=page.count,
        )

    @strawberry.field(
        description="The sample sizes the organisation's auditor uses, by control frequency "
        "(ours where it set none; setSamplingProfile)."
    )
    async def sampling_profile(self, info: strawberry.Info) -> list[SampleSize]:
        return SampleSize.listed(await info.context.ledger.sampling_profile(self.record_id))

    @strawberry.field(description="Who prepares its reports (setReportBranding).")
    def report_consultant(self) -> str | None:
        return self.record.report_consultant

    @strawberry.field(description="Whether its reports carry the consultant's logo.")
    def report_logo(self) -> bool:
        return self.record.report_logo_png is not None

    @strawberry.field(description="Assessments, newest first; archived ones only when asked.")
    async def assessments(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Also list archived assessments.")
        ] = False,
    ) -> Connection[Annotated[AssessmentType, strawberry.lazy("service.api.types.assessment")]]:
        assessment_type: type[AssessmentType] = node_class("Assessment")
        page = await info.context.assessments.page(
            self.record_id, page_size(first), id_cursor(after), include_archived
        )
        return connection(
            page.items,
            page.has_next,
            lambda r: encode_cursor(r.id),
            assessment_type.of_record,
            after=after,
            count=page.count,
        )

    @classmethod
    def of(cls, record: OrganizationRecord) -> OrganizationType:
        node_id = global_id(TYPE_NAME, record.id)
        assert record.id is not None  # noqa: S101 - global_id refused an unsaved one
        return cls(
            id=node_id,
            name=record.name,
            created_at=record.created_at,
            record_id=record.id,
            record=record,
        )
