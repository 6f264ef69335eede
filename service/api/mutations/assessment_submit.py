"""``submitAssessment``: the assessment becomes read-only (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import assessment_id, mutate
from service.api.types.assessment import AssessmentType


@strawberry.input
class SubmitAssessmentInput:
    assessment_id: strawberry.ID
    expected_version: int | None = None


@strawberry.type
class SubmitAssessmentPayload:
    assessment: AssessmentType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: SubmitAssessmentInput,
) -> SubmitAssessmentPayload:
    async def run() -> SubmitAssessmentPayload:
        view = await info.context.assessments.submit(assessment_id(input), input.expected_version)
        return SubmitAssessmentPayload(assessment=AssessmentType.of(view), errors=[])

    return await mutate(input, run, SubmitAssessmentPayload)


mutation = strawberry.mutation(
    resolver=resolve, description="Submit: the assessment becomes read-only."
)
