"""``revokeReportLink``: a shared report link stops working at once (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.ids import decode_id
from service.api.mutations.base import payload_mutation
from service.api.mutations.payloads import RevokeReportLinkPayload
from service.api.types.report_link import ReportLink


@strawberry.input(description="A share link to end.")
class RevokeReportLinkInput:
    link_id: strawberry.ID = strawberry.field(description="The link (ReportLink.id).")


@payload_mutation("End a shared report link at once (OWNER, ASSESSOR).")
async def mutation(info: Info, input: RevokeReportLinkInput) -> RevokeReportLinkPayload:
    link = await info.context.report_links.revoke(decode_id("ReportLink", input.link_id))
    return RevokeReportLinkPayload(link=ReportLink(record=link))
