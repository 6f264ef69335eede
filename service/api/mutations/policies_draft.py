"""``draftPolicies``: one policy per policy family for the chosen controls (OWNER, ASSESSOR)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.payloads import DraftPoliciesPayload
from service.api.types.policy import PolicyDraftType


@strawberry.input(description="The assessment and the controls to draft policies for.")
class DraftPoliciesInput:
    assessment_id: strawberry.ID = strawberry.field(
        description="The assessment (Assessment.id) whose answers and scope the drafts follow."
    )
    control_keys: list[str] | None = strawberry.field(
        default=None,
        description="Controls of its framework (Control.key), at most 200. Default: the "
        "controls with DESIGN gaps.",
    )
    stream: bool = strawberry.field(
        default=False,
        description="Return at once with drafts still generating; follow policyDraftProgress.",
    )


@payload_mutation("Draft one policy per policy family for the chosen controls (OWNER, ASSESSOR).")
async def mutation(info: Info, input: DraftPoliciesInput) -> DraftPoliciesPayload:
    records = await info.context.drafting.draft(
        assessment_id(input),
        input.control_keys,
        input.stream,
    )
    return DraftPoliciesPayload(drafts=[PolicyDraftType.of(r) for r in records])
