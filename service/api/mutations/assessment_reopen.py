"""``reopenAssessment``: a submitted assessment can be edited again (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.inputs import AssessmentVersionInput
from service.api.mutations.payloads import ReopenAssessmentPayload


@strawberry.input(description="A submitted assessment to reopen.")
class ReopenAssessmentInput(AssessmentVersionInput):
    pass


@payload_mutation("Reopen a submitted assessment so it can be changed again (OWNER, ASSESSOR).")
async def mutation(info: Info, input: ReopenAssessmentInput) -> ReopenAssessmentPayload:
    view = await info.context.assessments.reopen(assessment_id(input), input.expected_version)
    return ReopenAssessmentPayload.of(view)
