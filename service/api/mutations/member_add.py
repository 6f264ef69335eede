"""``addMember``: an OWNER adds a member by subject."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.enums import Role
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import MemberPayload
from service.api.types.access import Member


@strawberry.input(description="A person to add to an organisation.")
class AddMemberInput(OrganizationInput):
    subject: str = strawberry.field(description="The user's subject (the `sub` of their tokens).")
    role: Role = strawberry.field(description="What they may do in the organisation.")


@payload_mutation("Add a member by subject (OWNER).")
async def mutation(info: Info, input: AddMemberInput) -> MemberPayload:
    member = await info.context.organizations.add_member(
        input.organization(), input.subject, input.role
    )
    return MemberPayload(member=Member.of(member))
