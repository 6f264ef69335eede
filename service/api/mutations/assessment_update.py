"""``updateAssessment``: rename, rescope, or change the audit type, window or target date."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Info
from service.api.enums import AuditType, Category
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.inputs import AssessmentVersionInput
from service.api.mutations.payloads import UpdateAssessmentPayload


@strawberry.input(
    description="Settings of an assessment to change; a field left out stays as it is."
)
class UpdateAssessmentInput(AssessmentVersionInput):
    name: str | None = strawberry.field(
        default=None, description="1 to 200 characters; runs of whitespace become one space."
    )
    scope: list[Category] | None = strawberry.field(
        default=None, description="New scope (SECURITY is always added); an empty list: not chosen."
    )
    audit_type: AuditType | None = strawberry.field(
        default=None,
        description="Type I (controls in place on one date) or Type II (operating over a window).",
    )
    observation_window_months: int | None = strawberry.field(
        default=None,
        description="3 to 12 months; under 6 only for the organisation's first Type II report.",
    )
    target_date: date | None = strawberry.field(
        default=None, description="When the report is wanted (ISO date, today or later)."
    )
    clear_target_date: bool = strawberry.field(
        default=False, description="True removes the target date."
    )


@payload_mutation(
    "Rename, rescope or change the audit type, window or target date of an assessment that is "
    "not submitted (OWNER, ASSESSOR)."
)
async def mutation(info: Info, input: UpdateAssessmentInput) -> UpdateAssessmentPayload:
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
    return UpdateAssessmentPayload.of(view)
