"""``removeMember``: an OWNER removes a member; the last OWNER cannot be removed."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import MemberInput
from service.api.mutations.payloads import MemberPayload
from service.api.types.access import Member


@strawberry.input(description="A member to remove from an organisation.")
class RemoveMemberInput(MemberInput):
    pass


@payload_mutation("Remove a member; the last OWNER cannot be removed (OWNER).")
async def mutation(info: Info, input: RemoveMemberInput) -> MemberPayload:
    member = await info.context.organizations.remove_member(input.organization(), input.subject)
    return MemberPayload(member=Member.of(member))
