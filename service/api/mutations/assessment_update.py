"""``updateAssessment``: rename, rescope, or change the audit type, window or target date."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Context
from service.api.enums import AuditType, Category
from service.api.errors import UserError
from service.api.mutations.base import assessment_id, mutate
from service.api.types.assessment import AssessmentType


@strawberry.input
class UpdateAssessmentInput:
    assessment_id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    scope: list[Category] | None = strawberry.field(
        default=None, description="New scope; an empty list follows the scoping answers again."
    )
    audit_type: AuditType | None = None
    observation_window_months: int | None = None
    target_date: date | None = None
    clear_target_date: bool = False


@strawberry.type
class UpdateAssessmentPayload:
    assessment: AssessmentType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: UpdateAssessmentInput,
) -> UpdateAssessmentPayload:
    async def run() -> UpdateAssessmentPayload:
        view = await info.context.assessments.update(
            assessment_id(input),
            input.expected_version,
            name=input.name,
            scope=[c.value for c in input.scope] if input.scope is not None else None,
            audit_type=input.audit_type.value if input.audit_type else None,
            window_months=input.observation_window_months,
            target_date=input.target_date,
            clear_target_date=input.clear_target_date,
        )
        return UpdateAssessmentPayload(assessment=AssessmentType.of(view), errors=[])

    return await mutate(input, run, UpdateAssessmentPayload)


mutation = strawberry.mutation(
    resolver=resolve, description="Rename, rescope or change the audit type, window or target date."
)
