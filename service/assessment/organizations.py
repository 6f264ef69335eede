"""Organisations: creation, renaming, members and API keys, with their rules.

The last OWNER can be neither removed nor demoted, even by two such changes at
once (a guarded owners epoch on the organisation); every change writes an
audit event in the same round trip.
"""

from __future__ import annotations

from bson import ObjectId

from service.auth.principal import Role
from service.errors import Forbidden, InvalidInput, InvalidState, NotFound
from service.storage.documents import ApiKey, Membership, Organization
from service.storage.repositories import (
    MembershipRepository,
    OrganizationKeys,
    OrganizationRepository,
)
from service.storage.tenancy import TenantScope
from service.storage.writes import audit_event

MAX_NAME_LENGTH = 200


def clean_name(name: str, field: tuple[str | int, ...] = ("input", "name")) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("name must not be blank", field)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"name must be at most {MAX_NAME_LENGTH} characters", field)
    return cleaned


async def create_organization(organizations: OrganizationRepository, name: str) -> Organization:
    principal = organizations.access.principal
    if principal.org_scoped:
        # An organisation's API key acts inside that organisation only.
        raise Forbidden("an organisation API key cannot create organisations")
    return await organizations.create(clean_name(name))


MAX_SUBJECT_LENGTH = 256


def _subject(subject: str) -> str:
    cleaned = subject.strip()
    if not cleaned or len(cleaned) > MAX_SUBJECT_LENGTH or any(c.isspace() for c in cleaned):
        raise InvalidInput(
            "subject must be 1 to 256 characters without spaces", ("input", "subject")
        )
    return cleaned


async def add_member(scope: TenantScope, subject: str, role: Role) -> Membership:
    members = MembershipRepository(scope)
    cleaned = _subject(subject)
    if await members.get(cleaned) is not None:
        raise InvalidInput("already a member; change the role instead", ("input", "subject"))
    event = audit_event(
        scope.principal, "addMember", "Member", cleaned, scope.organization_id, role=role.value
    )
    return await members.add(cleaned, role, event)


# How often a change that takes the OWNER role from someone re-reads and retries when
# another such change landed between its check and its write.
OWNER_RETRIES = 3


async def _owners_epoch(members: MembershipRepository, member: Membership) -> int | None:
    """None when ``member`` is no OWNER; else the owners epoch that the write must find
    unchanged, after checking that another OWNER remains."""
    if member.role is not Role.OWNER:
        return None
    count, epoch = await members.owners()
    if count <= 1:
        raise InvalidState("an organisation keeps at least one OWNER")
    return epoch


async def _member(members: MembershipRepository, subject: str) -> Membership:
    member = await members.get(subject.strip())
    if member is None:
        raise NotFound("no such member", ("input", "subject"))
    return member


async def change_member_role(scope: TenantScope, subject: str, role: Role) -> Membership:
    members = MembershipRepository(scope)
    for _attempt in range(OWNER_RETRIES):
        member = await _member(members, subject)
        epoch = None if role is Role.OWNER else await _owners_epoch(members, member)
        event = audit_event(
            scope.principal,
            "changeMemberRole",
            "Member",
            member.subject,
            scope.organization_id,
            role=role.value,
            previous=member.role.value,
        )
        if await members.set_role(member, role, event, owners_epoch=epoch):
            updated: Membership = member.model_copy(update={"role": role})
            return updated
    raise InvalidState("the organisation's members changed meanwhile; retry")


async def remove_member(scope: TenantScope, subject: str) -> Membership:
    members = MembershipRepository(scope)
    for _attempt in range(OWNER_RETRIES):
        member = await _member(members, subject)
        epoch = await _owners_epoch(members, member)
        event = audit_event(
            scope.principal, "removeMember", "Member", member.subject, scope.organization_id
        )
        if await members.remove(member, event, owners_epoch=epoch):
            return member
    raise InvalidState("the organisation's members changed meanwhile; retry")


async def create_api_key(scope: TenantScope, name: str, role: Role) -> tuple[ApiKey, str]:
    cleaned = clean_name(name)
    event = audit_event(
        scope.principal, "createApiKey", "ApiKey", None, scope.organization_id, role=role.value
    )
    return await OrganizationKeys(scope).create(cleaned, role, event)


async def revoke_api_key(scope: TenantScope, key_id: ObjectId | None) -> ApiKey:
    if key_id is None:
        raise NotFound("API key not found", ("input", "apiKeyId"))
    event = audit_event(scope.principal, "revokeApiKey", "ApiKey", key_id, scope.organization_id)
    revoked = await OrganizationKeys(scope).revoke(key_id, event)
    if revoked is None:
        raise NotFound("API key not found or already revoked", ("input", "apiKeyId"))
    return revoked
