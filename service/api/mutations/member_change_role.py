"""``changeMemberRole``: an OWNER changes a member's role; the last OWNER stays one."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.enums import Role
from service.api.ids import decode_id
from service.api.mutations.base import mutate
from service.api.types.access import Member, MemberPayload
from service.api.types.organization import TYPE_NAME as ORGANIZATION


@strawberry.input
class ChangeMemberRoleInput:
    organization_id: strawberry.ID
    subject: str
    role: Role


async def resolve(
    info: strawberry.Info[Context, None], input: ChangeMemberRoleInput
) -> MemberPayload:
    async def run() -> MemberPayload:
        member = await info.context.organizations.change_member_role(
            decode_id(ORGANIZATION, input.organization_id), input.subject, input.role
        )
        return MemberPayload(member=Member.of(member), errors=[])

    return await mutate(input, run, MemberPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Change a member's role; the last OWNER cannot be demoted (OWNER).",
)
