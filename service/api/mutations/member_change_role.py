"""``changeMemberRole``: an OWNER changes a member's role; the last OWNER stays one."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.enums import Role
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import MemberInput
from service.api.mutations.payloads import MemberPayload
from service.api.types.access import Member


@strawberry.input(description="A member and the role to give them.")
class ChangeMemberRoleInput(MemberInput):
    role: Role = strawberry.field(
        description="The new role; an organisation's last OWNER cannot get another one "
        "(INVALID_STATE)."
    )


@payload_mutation("Change a member's role; the last OWNER cannot be demoted (OWNER).")
async def mutation(info: Info, input: ChangeMemberRoleInput) -> MemberPayload:
    member = await info.context.organizations.change_member_role(
        input.organization(), input.subject, input.role
    )
    return MemberPayload(member=Member.of(member))
