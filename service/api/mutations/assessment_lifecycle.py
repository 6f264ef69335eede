"""``submitAssessment``, ``reopenAssessment`` and ``updateAssessment``.

Submitting makes an assessment read-only; an OWNER or ASSESSOR can reopen it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import strawberry
from bson import ObjectId

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.api.types.assessment import AssessmentType, AuditType
from service.assessment.service import AssessmentView
from service.catalog.models import Category
from service.errors import DomainError, NotFound


@strawberry.input
class SubmitAssessmentInput:
    assessment_id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class ReopenAssessmentInput:
    assessment_id: strawberry.ID
    expected_version: int | None = None


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
class SubmitAssessmentPayload:
    assessment: AssessmentType | None
    errors: list[UserError]


@strawberry.type
class ReopenAssessmentPayload:
    assessment: AssessmentType | None
    errors: list[UserError]


@strawberry.type
class UpdateAssessmentPayload:
    assessment: AssessmentType | None
    errors: list[UserError]


async def _run(
    global_id: strawberry.ID, action: Callable[[ObjectId], Awaitable[AssessmentView]]
) -> tuple[AssessmentType | None, list[UserError]]:
    try:
        assessment_id = decode_id("Assessment", global_id)
        if assessment_id is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        view = await action(assessment_id)
    except DomainError as error:
        return None, user_errors(error)
    return AssessmentType.of(view), []


async def submit(
    info: strawberry.Info[Context, None],
    input: SubmitAssessmentInput,
) -> SubmitAssessmentPayload:
    service = info.context.assessments
    assessment, errors = await _run(
        input.assessment_id, lambda i: service.submit(i, input.expected_version)
    )
    return SubmitAssessmentPayload(assessment=assessment, errors=errors)


async def reopen(
    info: strawberry.Info[Context, None],
    input: ReopenAssessmentInput,
) -> ReopenAssessmentPayload:
    service = info.context.assessments
    assessment, errors = await _run(
        input.assessment_id, lambda i: service.reopen(i, input.expected_version)
    )
    return ReopenAssessmentPayload(assessment=assessment, errors=errors)


async def update(
    info: strawberry.Info[Context, None],
    input: UpdateAssessmentInput,
) -> UpdateAssessmentPayload:
    service = info.context.assessments
    assessment, errors = await _run(
        input.assessment_id,
        lambda i: service.update(
            i,
            input.expected_version,
            name=input.name,
            scope=[c.value for c in input.scope] if input.scope is not None else None,
            audit_type=input.audit_type.value if input.audit_type else None,
            window_months=input.observation_window_months,
            target_date=input.target_date,
            clear_target_date=input.clear_target_date,
        ),
    )
    return UpdateAssessmentPayload(assessment=assessment, errors=errors)
