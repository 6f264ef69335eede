"""GraphQL type of a shared report link."""

from __future__ import annotations

from datetime import datetime

import strawberry

from service.api.ids import global_id
from service.assessment.records import ReportLink as LinkRecord


@strawberry.type(
    description="A link that opens the assessment's HTML report (and PDF, adding .pdf) "
    "without an account until it expires or is revoked."
)
class ReportLink:
    record: strawberry.Private[LinkRecord]
    url: str | None = strawberry.field(
        default=None, description="Shown once, when the link is created; null afterwards."
    )

    @strawberry.field(description="Global id of the link; pass it to revokeReportLink.")
    def id(self) -> strawberry.ID:
        return global_id("ReportLink", self.record.id)

    @strawberry.field(
        description="When the link stops opening: 1 hour to 30 days after it was created."
    )
    def expires_at(self) -> datetime:
        return self.record.expires_at

    @strawberry.field(description="When revokeReportLink ended it; null unless revoked.")
    def revoked_at(self) -> datetime | None:
        return self.record.revoked_at

    @strawberry.field(description="The subject of the user or API key that created it.")
    def created_by(self) -> str:
        return self.record.created_by
