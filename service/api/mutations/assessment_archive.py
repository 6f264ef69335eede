"""``archiveAssessment``: out of default lists, and read-only (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.payloads import ArchiveAssessmentPayload


@strawberry.input(description="An assessment to archive.")
class ArchiveAssessmentInput:
    assessment_id: strawberry.ID = strawberry.field(description="The assessment (Assessment.id).")


@payload_mutation(
    "Archive an assessment: it leaves Organization.assessments (includeArchived shows it) and "
    "the organisation's headline, and nothing can change it any more (OWNER, ASSESSOR)."
)
async def mutation(info: Info, input: ArchiveAssessmentInput) -> ArchiveAssessmentPayload:
    view = await info.context.assessments.archive(assessment_id(input))
    return ArchiveAssessmentPayload.of(view)
