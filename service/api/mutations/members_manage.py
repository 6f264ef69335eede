"""``addMember``, ``changeMemberRole`` and ``removeMember`` (OWNER only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.api.types.access import Member
from service.api.types.organization import RoleEnum
from service.assessment import organizations
from service.errors import DomainError
from service.principal import Permission, Role
from service.storage.documents import Membership
from service.storage.tenancy import TenantScope


@strawberry.input
class AddMemberInput:
    organization_id: strawberry.ID
    subject: str = strawberry.field(description="The user's subject (the `sub` of their tokens).")
    role: RoleEnum


@strawberry.input
class ChangeMemberRoleInput:
    organization_id: strawberry.ID
    subject: str
    role: RoleEnum


@strawberry.input
class RemoveMemberInput:
    organization_id: strawberry.ID
    subject: str


@strawberry.type
class MemberPayload:
    member: Member | None
    errors: list[UserError]


async def _run(
    info: strawberry.Info[Context, None],
    organization_id: strawberry.ID,
    action: Callable[[TenantScope], Awaitable[Membership]],
) -> MemberPayload:
    try:
        scope = await info.context.access.scope(
            decode_id("Organization", organization_id), Permission.ADMINISTER
        )
        member = await action(scope)
    except DomainError as error:
        return MemberPayload(member=None, errors=user_errors(error))
    info.context.access.forget(member.subject)
    return MemberPayload(member=Member.of(member), errors=[])


async def add(info: strawberry.Info[Context, None], input: AddMemberInput) -> MemberPayload:
    return await _run(
        info,
        input.organization_id,
        lambda scope: organizations.add_member(scope, input.subject, Role(input.role.value)),
    )


async def change_role(
    info: strawberry.Info[Context, None],
    input: ChangeMemberRoleInput,
) -> MemberPayload:
    return await _run(
        info,
        input.organization_id,
        lambda scope: organizations.change_member_role(
            scope, input.subject, Role(input.role.value)
        ),
    )


async def remove(info: strawberry.Info[Context, None], input: RemoveMemberInput) -> MemberPayload:
    return await _run(
        info, input.organization_id, lambda scope: organizations.remove_member(scope, input.subject)
    )
