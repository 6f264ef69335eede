"""``reviewPolicyDraft``: approve or reject a draft, optionally with an edited body."""

from __future__ import annotations

from enum import Enum

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import mutate, require_id
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


@strawberry.type
class ReviewPolicyDraftPayload:
    draft: PolicyDraftType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: ReviewPolicyDraftInput,
) -> ReviewPolicyDraftPayload:
    async def run() -> ReviewPolicyDraftPayload:
        record = await info.context.drafting.review(
            require_id(TYPE_NAME, input.draft_id, "draftId", "policy draft"),
            input.decision.value,
            input.body,
            input.expected_version,
        )
        return ReviewPolicyDraftPayload(draft=PolicyDraftType.of(record), errors=[])

    return await mutate(input, run, ReviewPolicyDraftPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Approve or reject a draft, optionally with an edited body (OWNER, ASSESSOR).",
)
