"""``draftPolicies`` and ``reviewPolicyDraft``, and the ``policyDraftProgress`` subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum

import strawberry

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.api.types.policy import TYPE_NAME, DraftProgressEvent, PolicyDraftType
from service.errors import DomainError, NotFound


@strawberry.input
class DraftPoliciesInput:
    assessment_id: strawberry.ID
    control_keys: list[str] | None = strawberry.field(
        default=None, description="Default: the controls with DESIGN gaps."
    )
    stream: bool = strawberry.field(
        default=False,
        description="Return at once with drafts still generating; follow policyDraftProgress.",
    )


@strawberry.type
class DraftPoliciesPayload:
    drafts: list[PolicyDraftType]
    errors: list[UserError]


@strawberry.enum
class ReviewDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.input
class ReviewPolicyDraftInput:
    draft_id: strawberry.ID
    decision: ReviewDecision
    body: str | None = strawberry.field(default=None, description="An edited body (Markdown).")
    expected_version: int | None = None


@strawberry.type
class ReviewPolicyDraftPayload:
    draft: PolicyDraftType | None
    errors: list[UserError]


async def draft(
    info: strawberry.Info[Context, None],
    input: DraftPoliciesInput,
) -> DraftPoliciesPayload:
    try:
        assessment_id = decode_id("Assessment", input.assessment_id)
        if assessment_id is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        records = await info.context.drafting.draft(assessment_id, input.control_keys, input.stream)
    except DomainError as error:
        return DraftPoliciesPayload(drafts=[], errors=user_errors(error))
    return DraftPoliciesPayload(drafts=[PolicyDraftType.of(r) for r in records], errors=[])


async def review(
    info: strawberry.Info[Context, None],
    input: ReviewPolicyDraftInput,
) -> ReviewPolicyDraftPayload:
    try:
        draft_id = decode_id(TYPE_NAME, input.draft_id)
        if draft_id is None:
            raise NotFound("policy draft not found", ("input", "draftId"))
        record = await info.context.drafting.review(
            draft_id, input.decision.value, input.body, input.expected_version
        )
    except DomainError as error:
        return ReviewPolicyDraftPayload(draft=None, errors=user_errors(error))
    return ReviewPolicyDraftPayload(draft=PolicyDraftType.of(record), errors=[])


async def progress(
    info: strawberry.Info[Context, None], draft_id: strawberry.ID
) -> AsyncGenerator[DraftProgressEvent, None]:
    """The draft's text as it is generated, then its final body with ``done: true``."""
    object_id = decode_id(TYPE_NAME, draft_id)
    drafting = info.context.drafting
    record = await drafting.get(object_id) if object_id else None
    if record is None or object_id is None:
        raise NotFound("policy draft not found")
    async for piece in drafting.hub.follow(object_id):
        yield DraftProgressEvent(draft_id=draft_id, text=piece, done=False)
    final = await drafting.get(object_id)
    yield DraftProgressEvent(draft_id=draft_id, text=final.body if final else "", done=True)
