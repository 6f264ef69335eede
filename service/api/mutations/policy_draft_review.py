"""``reviewPolicyDraft``: approve or reject a draft, optionally with an edited body."""

from __future__ import annotations

from enum import Enum

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation, require_id
from service.api.mutations.payloads import ReviewPolicyDraftPayload
from service.api.types.policy import TYPE_NAME, PolicyDraftType


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


@payload_mutation("Approve or reject a draft, optionally with an edited body (OWNER, ASSESSOR).")
async def mutation(info: Info, input: ReviewPolicyDraftInput) -> ReviewPolicyDraftPayload:
    record = await info.context.drafting.review(
        require_id(TYPE_NAME, input.draft_id, "draftId", "policy draft"),
        input.decision.value,
        input.body,
        input.expected_version,
    )
    return ReviewPolicyDraftPayload(draft=PolicyDraftType.of(record))
