"""``createAssessment``: pin the current catalog versions and start a DRAFT."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Info
from service.api.enums import AuditType, Category
from service.api.ids import decode_id
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import CreateAssessmentPayload
from service.api.types.assessment import TYPE_NAME as ASSESSMENT


@strawberry.input(description="A new assessment of one organisation.")
class CreateAssessmentInput(OrganizationInput):
    name: str = strawberry.field(
        description="1 to 200 characters; runs of whitespace become one space."
    )
    framework_key: str = strawberry.field(
        default="soc2",
        description="The framework to assess against (Framework.key); its current version is "
        "pinned to the assessment.",
    )
    questionnaire_key: str | None = strawberry.field(
        default=None,
        description="A questionnaire of that framework (Questionnaire.key); default "
        '"<frameworkKey>-readiness" ("soc2-readiness" for soc2).',
    )
    scope: list[Category] = strawberry.field(
        description="Categories in scope; SECURITY is always added. "
        "Empty: not chosen yet (SECURITY alone; see Assessment.scopeSuggestions)."
    )
    audit_type: AuditType = strawberry.field(
        description="Type I (controls in place on one date) or Type II (operating over a window)."
    )
    observation_window_months: int | None = strawberry.field(
        default=None,
        description="3 to 12 months; default 6. Under 6 only for the organisation's first "
        "Type II report.",
    )
    target_date: date | None = strawberry.field(
        default=None,
        description="When the report is wanted (ISO date, today or later); the timeline says "
        "whether its earliest report date meets it.",
    )
    copy_answers_from: strawberry.ID | None = strawberry.field(
        default=None,
        description="A follow-up: start from this earlier assessment's answers (same "
        "organisation), mapped by question key into the current questionnaire; "
        "Assessment.questionsToReview lists those that need a fresh answer.",
    )


@payload_mutation("Start an assessment pinned to the current framework and questionnaire.")
async def mutation(info: Info, input: CreateAssessmentInput) -> CreateAssessmentPayload:
    view = await info.context.assessments.create(
        organization_id=input.organization(),
        name=input.name,
        framework_key=input.framework_key,
        questionnaire_key=input.questionnaire_key,
        scope=[c.value for c in input.scope],
        audit_type=input.audit_type.value,
        window_months=input.observation_window_months,
        target_date=input.target_date,
        copy_answers_from=(
            decode_id(ASSESSMENT, input.copy_answers_from) if input.copy_answers_from else None
        ),
        copy_requested=input.copy_answers_from is not None,
    )
    return CreateAssessmentPayload.of(view)
