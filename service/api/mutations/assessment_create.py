"""``createAssessment``: pin the current catalog versions and start a DRAFT."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Context
from service.api.enums import AuditType, Category
from service.api.errors import UserError
from service.api.ids import decode_id
from service.api.mutations.base import mutate
from service.api.types.assessment import AssessmentType


@strawberry.input
class CreateAssessmentInput:
    organization_id: strawberry.ID
    name: str
    framework_key: str = "soc2"
    questionnaire_key: str | None = None
    scope: list[Category] = strawberry.field(
        description="Categories in scope; SECURITY is always added. "
        "Empty: follow the scoping answers."
    )
    audit_type: AuditType
    observation_window_months: int | None = strawberry.field(
        default=None, description="3 to 12 months; default 6."
    )
    target_date: date | None = None


@strawberry.type
class CreateAssessmentPayload:
    assessment: AssessmentType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: CreateAssessmentInput,
) -> CreateAssessmentPayload:
    async def run() -> CreateAssessmentPayload:
        view = await info.context.assessments.create(
            organization_id=decode_id("Organization", input.organization_id),
            name=input.name,
            framework_key=input.framework_key,
            questionnaire_key=input.questionnaire_key,
            scope=[c.value for c in input.scope],
            audit_type=input.audit_type.value,
            window_months=input.observation_window_months,
            target_date=input.target_date,
        )
        return CreateAssessmentPayload(assessment=AssessmentType.of(view), errors=[])

    return await mutate(input, run, CreateAssessmentPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Start an assessment pinned to the current framework and questionnaire.",
)
