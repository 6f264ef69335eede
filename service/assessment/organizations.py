"""Organisations: creation, renaming, members and API keys, with their rules.

``OrganizationService`` is what the API calls: it checks the caller's role in
the organisation (members, keys and the audit trail are the OWNER's) before
any of the rules below run.

The last OWNER can be neither removed nor demoted, even by two such changes at
once (they take a lease on the organisation and run one at a time). Every
member change is guarded by the role it read and never creates a member, so
any interleaving of changes leaves each member as one of them left it; each
change is written together with its audit event (see ``storage.writes``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable

from bson import ObjectId

from service.assessment.validation import collapsed, organization_name
from service.errors import Forbidden, InvalidInput, InvalidState, NotFound
from service.principal import Permission, Role
from service.storage.documents import ApiKey, AuditEvent, Membership, Organization
from service.storage.repositories import (
    AuditRepository,
    MembershipRepository,
    OrganizationKeys,
    OrganizationRepository,
    Page,
)
from service.storage.tenancy import Access, TenantScope
from service.storage.writes import audit_event


async def create_organization(organizations: OrganizationRepository, name: str) -> Organization:
    principal = organizations.access.principal
    if principal.org_scoped:
        # An organisation's API key acts inside that organisation only.
        raise Forbidden("an organisation API key cannot create organisations")
    return await organizations.create(organization_name(name))


MAX_SUBJECT_LENGTH = 256
MAX_CONSULTANT = 200
MAX_LOGO_BYTES = 256 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(encoded: str) -> str:
    """The logo as stored (base64 of a PNG), or INVALID on ``logoPng``."""
    field = ("input", "logoPng")
    if len(encoded) > MAX_LOGO_BYTES * 4 // 3 + 4:
        raise InvalidInput(f"the logo must be at most {MAX_LOGO_BYTES // 1024} KiB", field)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("logoPng must be base64", field) from None
    if not data.startswith(PNG_SIGNATURE):
        raise InvalidInput("the logo must be a PNG image", field)
    return base64.b64encode(data).decode()


def _subject(subject: str) -> str:
    cleaned = subject.strip()
    if not cleaned or len(cleaned) > MAX_SUBJECT_LENGTH or any(c.isspace() for c in cleaned):
        raise InvalidInput(
            "subject must be 1 to 256 characters without spaces", ("input", "subject")
        )
    return cleaned


async def add_member(scope: TenantScope, subject: str, role: Role) -> Membership:
    cleaned = _subject(subject)
    event = audit_event(
        scope.principal, "addMember", "Member", cleaned, scope.organization_id, role=role.value
    )
    member = await MembershipRepository(scope).add(cleaned, role, event)
    if member is None:
        raise InvalidInput("already a member; change the role instead", ("input", "subject"))
    return member


async def _member(members: MembershipRepository, subject: str) -> Membership:
    member = await members.get(subject.strip())
    if member is None:
        raise NotFound("no such member", ("input", "subject"))
    return member


async def _change_member(
    members: MembershipRepository,
    subject: str,
    *,
    drops_owner: bool,
    change: Callable[[Membership], Awaitable[bool]],
) -> Membership:
    """Apply ``change`` to a member as read. When it takes the OWNER role away
    (``drops_owner`` and the member is an OWNER), it runs under the organisation's
    owner-change lock, on the member re-read there, and only while another OWNER remains.

    ``change`` is guarded by the role read: a member removed or changed meanwhile is
    left alone (NOT_FOUND or INVALID_STATE), so a change that skipped the lock because
    the member was no OWNER cannot land on one who has become an OWNER since."""
    member = await _member(members, subject)
    if drops_owner and member.role is Role.OWNER:
        async with members.owner_changes():
            member = await _member(members, subject)
            if member.role is Role.OWNER and await members.owners() <= 1:
                raise InvalidState("an organisation keeps at least one OWNER")
            changed = await change(member)
    else:
        changed = await change(member)
    if not changed:
        await _member(members, subject)
        raise InvalidState("the member changed meanwhile; retry")
    return member


async def change_member_role(scope: TenantScope, subject: str, role: Role) -> Membership:
    members = MembershipRepository(scope)

    async def set_role(member: Membership) -> bool:
        event = audit_event(
            scope.principal,
            "changeMemberRole",
            "Member",
            member.subject,
            scope.organization_id,
            role=role.value,
            previous=member.role.value,
        )
        return await members.set_role(member, role, event)

    member = await _change_member(
        members, subject, drops_owner=role is not Role.OWNER, change=set_role
    )
    updated: Membership = member.model_copy(update={"role": role})
    return updated


async def remove_member(scope: TenantScope, subject: str) -> Membership:
    members = MembershipRepository(scope)

    async def remove(member: Membership) -> bool:
        event = audit_event(
            scope.principal, "removeMember", "Member", member.subject, scope.organization_id
        )
        return await members.remove(member, event)

    return await _change_member(members, subject, drops_owner=True, change=remove)


async def create_api_key(scope: TenantScope, name: str, role: Role) -> tuple[ApiKey, str]:
    cleaned = organization_name(name)
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


class OrganizationService:
    """The caller's organisations: reads, and changes each checked against the caller's role."""

    def __init__(self, access: Access) -> None:
        self.access = access
        self.repository = OrganizationRepository(access)

    async def get(self, organization_id: ObjectId) -> Organization | None:
        return await self.repository.get(organization_id)

    async def get_many(self, ids: list[ObjectId]) -> list[Organization | None]:
        return await self.repository.get_many(ids)

    async def page(self, first: int, after: tuple[str, ObjectId] | None) -> Page[Organization]:
        return await self.repository.page(first, after)

    async def create(self, name: str) -> Organization:
        return await create_organization(self.repository, name)

    async def _owned(self, organization_id: ObjectId | None) -> TenantScope:
        return await self.access.scope(organization_id, Permission.ADMINISTER)

    async def rename(self, organization_id: ObjectId | None, name: str) -> Organization:
        scope = await self._owned(organization_id)
        record = await self.repository.rename(scope, organization_name(name))
        if record is None:
            raise NotFound("organization not found", ("input", "organizationId"))
        return record

    async def set_branding(
        self, organization_id: ObjectId | None, consultant: str | None, logo_png: str | None
    ) -> Organization:
        """Who prepares the organisation's reports, and their logo (OWNER): a name of at most
        200 characters and a PNG of at most 256 KiB, base64; empty clears either."""
        scope = await self._owned(organization_id)
        name = collapsed(consultant or "") or None
        if name is not None and len(name) > MAX_CONSULTANT:
            raise InvalidInput(
                f"consultantName must be at most {MAX_CONSULTANT} characters",
                ("input", "consultantName"),
            )
        logo = _png(logo_png) if logo_png else None
        await self.repository.set_branding(scope, name, logo)
        record = await self.repository.get(scope.organization_id)
        if record is None:
            raise NotFound("organization not found", ("input", "organizationId"))
        return record

    async def delete(self, organization_id: ObjectId | None, confirm_name: str) -> ObjectId:
        """Delete the organisation and all its data (OWNER), once its name is typed."""
        scope = await self._owned(organization_id)
        organization = await self.repository.get(scope.organization_id)
        if organization is None:
            raise NotFound("organization not found", ("input", "organizationId"))
        if collapsed(confirm_name) != organization.name:
            raise InvalidInput(
                "type the organisation's name exactly to confirm", ("input", "confirmName")
            )
        if await self.repository.delete(scope) is None:
            raise NotFound("organization not found", ("input", "organizationId"))
        return scope.organization_id

    async def members(self, organization_id: ObjectId) -> list[Membership]:
        return await MembershipRepository(await self.access.scope(organization_id)).list()

    def _changed(self, member: Membership) -> Membership:
        """``member`` as a change left it, once the roles cached before the change are
        dropped (see ``Access.forget``)."""
        self.access.forget(member.subject)
        return member

    async def add_member(
        self, organization_id: ObjectId | None, subject: str, role: Role
    ) -> Membership:
        return self._changed(await add_member(await self._owned(organization_id), subject, role))

    async def change_member_role(
        self, organization_id: ObjectId | None, subject: str, role: Role
    ) -> Membership:
        scope = await self._owned(organization_id)
        return self._changed(await change_member_role(scope, subject, role))

    async def remove_member(self, organization_id: ObjectId | None, subject: str) -> Membership:
        return self._changed(await remove_member(await self._owned(organization_id), subject))

    async def api_keys(self, organization_id: ObjectId) -> list[ApiKey]:
        return await OrganizationKeys(await self._owned(organization_id)).list()

    async def create_api_key(
        self, organization_id: ObjectId | None, name: str, role: Role
    ) -> tuple[ApiKey, str]:
        return await create_api_key(await self._owned(organization_id), name, role)

    async def revoke_api_key(
        self, organization_id: ObjectId | None, key_id: ObjectId | None
    ) -> ApiKey:
        return await revoke_api_key(await self._owned(organization_id), key_id)

    async def audit_events(
        self, organization_id: ObjectId, first: int, after: ObjectId | None
    ) -> Page[AuditEvent]:
        return await AuditRepository(await self._owned(organization_id)).page(first, after)
