"""``createReportLink``: a link that opens the report without an account (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.payloads import CreateReportLinkPayload
from service.api.types.report_link import ReportLink
from service.reports.links import SHARED_PREFIX


@strawberry.input(description="A share link to an assessment's report.")
class CreateReportLinkInput:
    assessment_id: strawberry.ID = strawberry.field(
        description="The assessment (Assessment.id) whose report the link opens."
    )
    expires_in_hours: int = strawberry.field(description="1 to 720 (30 days).")


@payload_mutation(
    "Create an unguessable link to the assessment's report; its URL is shown once. Every "
    "open is recorded in the audit log (OWNER, ASSESSOR)."
)
async def mutation(info: Info, input: CreateReportLinkInput) -> CreateReportLinkPayload:
    link, token = await info.context.report_links.create(
        assessment_id(input), input.expires_in_hours
    )
    base = str(info.context.request.base_url).rstrip("/")
    return CreateReportLinkPayload(
        link=ReportLink(record=link, url=f"{base}{SHARED_PREFIX}{token}")
    )
