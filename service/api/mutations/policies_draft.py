"""``draftPolicies``: one policy per policy family for the chosen controls (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import assessment_id, mutate
from service.api.types.policy import PolicyDraftType


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
    drafts: list[PolicyDraftType] = strawberry.field(default_factory=list)
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: DraftPoliciesInput,
) -> DraftPoliciesPayload:
    async def run() -> DraftPoliciesPayload:
        records = await info.context.drafting.draft(
            assessment_id(input),
            input.control_keys,
            input.stream,
        )
        return DraftPoliciesPayload(drafts=[PolicyDraftType.of(r) for r in records], errors=[])

    return await mutate(input, run, DraftPoliciesPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Draft one policy per policy family for the chosen controls (OWNER, ASSESSOR).",
)
