"""``updateAssessment``: rename, rescope, or change the audit type, window or target date."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Info
from service.api.enums import AuditType, Category
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.inputs import AssessmentVersionInput
from service.api.mutations.payloads import UpdateAssessmentPayload


@strawberry.input
class UpdateAssessmentInput(AssessmentVersionInput):
    name: str | None = None
    scope: list[Category] | None = strawberry.field(
        default=None, description="New scope (SECURITY is always added); an empty list: not chosen."
    )
    audit_type: AuditType | None = None
    observation_window_months: int | None = None
    target_date: date | None = None
    clear_target_date: bool = False


@payload_mutation("Rename, rescope or change the audit type, window or target date.")
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
