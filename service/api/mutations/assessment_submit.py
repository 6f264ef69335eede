"""``submitAssessment``: the assessment becomes read-only (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.inputs import AssessmentVersionInput
from service.api.mutations.payloads import SubmitAssessmentPayload


@strawberry.input(description="An assessment to submit.")
class SubmitAssessmentInput(AssessmentVersionInput):
    pass


@payload_mutation(
    "Submit: the assessment becomes read-only, its report fixed as of the submission day, until "
    "it is reopened (OWNER, ASSESSOR)."
)
async def mutation(info: Info, input: SubmitAssessmentInput) -> SubmitAssessmentPayload:
    view = await info.context.assessments.submit(assessment_id(input), input.expected_version)
    return SubmitAssessmentPayload.of(view)
