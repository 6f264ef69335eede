"""``reviewPolicyDraft``: approve or reject a draft, optionally with an edited body."""

from __future__ import annotations

from enum import Enum

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation, require_id
from service.api.mutations.payloads import ReviewPolicyDraftPayload
from service.api.types.policy import TYPE_NAME, PolicyDraftType


@strawberry.enum(description="A reviewer's decision on a policy draft.")
class ReviewDecision(Enum):
    APPROVE = strawberry.enum_value("APPROVE", description="Accept it: its status is APPROVED.")
    REJECT = strawberry.enum_value("REJECT", description="Turn it down: its status is REJECTED.")


@strawberry.input(description="A review of one policy draft.")
class ReviewPolicyDraftInput:
    draft_id: strawberry.ID = strawberry.field(
        description="The draft (PolicyDraft.id); not one still being generated."
    )
    decision: ReviewDecision = strawberry.field(description="Approve or reject it.")
    body: str | None = strawberry.field(
        default=None,
        description="An edited body (Markdown, at most 200,000 bytes); left out, the body "
        "stays. The replaced one is kept as a revision.",
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="PolicyDraft.version as last read: if it has moved since, nothing changes. "
        "Leave it out to skip the check.",
    )


@payload_mutation("Approve or reject a draft, optionally with an edited body (OWNER, ASSESSOR).")
async def mutation(info: Info, input: ReviewPolicyDraftInput) -> ReviewPolicyDraftPayload:
    record = await info.context.drafting.review(
        require_id(TYPE_NAME, input.draft_id, "draftId", "policy draft"),
        input.decision.name,
        input.body,
        input.expected_version,
    )
    return ReviewPolicyDraftPayload(draft=PolicyDraftType.of(record))
