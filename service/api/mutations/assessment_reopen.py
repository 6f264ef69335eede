"""``reopenAssessment``: a submitted assessment can be edited again (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import assessment_id, mutate
from service.api.types.assessment import AssessmentType


@strawberry.input
class ReopenAssessmentInput:
    assessment_id: strawberry.ID
    expected_version: int | None = None


@strawberry.type
class ReopenAssessmentPayload:
    assessment: AssessmentType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: ReopenAssessmentInput,
) -> ReopenAssessmentPayload:
    async def run() -> ReopenAssessmentPayload:
        view = await info.context.assessments.reopen(assessment_id(input), input.expected_version)
        return ReopenAssessmentPayload(assessment=AssessmentType.of(view), errors=[])

    return await mutate(input, run, ReopenAssessmentPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Reopen a submitted assessment.",
)
