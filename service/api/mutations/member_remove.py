"""``removeMember``: an OWNER removes a member; the last OWNER cannot be removed."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.ids import decode_id
from service.api.mutations.base import mutate
from service.api.types.access import Member, MemberPayload
from service.api.types.organization import TYPE_NAME as ORGANIZATION


@strawberry.input
class RemoveMemberInput:
    organization_id: strawberry.ID
    subject: str


async def resolve(info: strawberry.Info[Context, None], input: RemoveMemberInput) -> MemberPayload:
    async def run() -> MemberPayload:
        member = await info.context.organizations.remove_member(
            decode_id(ORGANIZATION, input.organization_id), input.subject
        )
        return MemberPayload(member=Member.of(member), errors=[])

    return await mutate(input, run, MemberPayload)


mutation = strawberry.mutation(
    resolver=resolve, description="Remove a member; the last OWNER cannot be removed (OWNER)."
)
