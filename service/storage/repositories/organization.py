"""Organisations the caller belongs to: listing, creating, renaming."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from service.principal import PrincipalKind, Role
from service.storage.documents import DOCUMENT_MODELS, AuditEvent, Membership, Organization, now
from service.storage.drafting_documents import DRAFTING_MODELS
from service.storage.embedding_documents import EMBEDDING_MODELS
from service.storage.repositories.base import (
    Memberships,
    Page,
    Repository,
    Scope,
    TenantScope,
    tenant_field,
)
from service.storage.repositories.membership import PrincipalMemberships
from service.storage.writes import GuardFailed, UpdateEvery, audit_event, write


class OrganizationRepository(Repository):
    """Organisations the caller belongs to; its scope is the caller's memberships, read
    again by each method (creating an organisation adds one)."""

    def __init__(self, access: Memberships) -> None:
        super().__init__()
        self.access = access

    async def _refresh(self) -> None:
        self.reach = Scope.of(*(await self.access.roles()))

    async def create(self, name: str) -> Organization:
        principal = self.access.principal
        organization_id = PydanticObjectId()
        organization = Organization(
            id=organization_id, name=name, created_at=now(), created_by=principal.subject
        )
        owner = Membership(
            id=PydanticObjectId(),
            organization_id=organization_id,
            subject=principal.subject,
            role=Role.OWNER,
            created_at=now(),
            organization_name=name,
        )
        founded = self._one(organization_id)
        # One ordered write: the organisation, its first OWNER, and the audit event.
        await write(
            [founded._insert(Organization, organization), founded._insert(Membership, owner)],
            audit_event(
                principal, "createOrganization", "Organization", organization.id, organization.id
            ),
        )
        self.access.forget()
        return organization

    async def get(self, organization_id: ObjectId) -> Organization | None:
        found = await self.get_many([organization_id])
        return found[0]

    async def get_many(self, ids: Sequence[ObjectId]) -> list[Organization | None]:
        """Organisations by id, aligned with ``ids``; others' read as None."""
        roles = await self.access.roles()
        wanted = [i for i in ids if i in roles]
        if not wanted:
            return [None for _ in ids]
        # Read within the ids asked for, not the whole reach (which may be thousands).
        found: dict[ObjectId | None, Organization] = {
            org.id: org for org in await Repository(wanted)._find(Organization)
        }
        return [found.get(i) for i in ids]

    async def page(self, first: int, after: tuple[str, ObjectId] | None) -> Page[Organization]:
        """A keyset page ordered by (name, _id). A principal listed by its memberships
        pages through them (they carry the names), then reads that page's organisations:
        two small reads, whether it belongs to 2 organisations or 10,000."""
        principal = self.access.principal
        if principal.kind is PrincipalKind.ANONYMOUS or principal.organization_id is not None:
            return await self._page_of_reach(first, after)
        memberships = PrincipalMemberships(principal.subject)
        ids, has_next = await memberships.by_name(first, after)
        found = await self.get_many(ids)
        return Page(
            # A membership this pod's cached roles do not show yet reads as None.
            items=[organization for organization in found if organization is not None],
            has_next=has_next,
            count=memberships.count,
        )

    async def _page_of_reach(
        self, first: int, after: tuple[str, ObjectId] | None
    ) -> Page[Organization]:
        """The page for a principal bound to one organisation (an organisation's key)."""
        await self._refresh()
        keyset: dict[str, Any] = {}
        if after is not None:
            name, last_id = after
            keyset["$or"] = [{"name": {"$gt": name}}, {"name": name, "_id": {"$gt": last_id}}]
        items = await self._find(
            Organization, sort=[("name", 1), ("_id", 1)], limit=first + 1, **keyset
        )
        return Page(
            items=items[:first],
            has_next=len(items) > first,
            count=lambda: self._count(Organization),
        )

    async def rename(self, scope: TenantScope, name: str) -> Organization | None:
        event = audit_event(
            scope.principal,
            "renameOrganization",
            "Organization",
            scope.organization_id,
            scope.organization_id,
        )
        organization = self._one(scope.organization_id)
        # The members' copies of the name follow in the same write (so listings by name).
        members = UpdateEvery(
            Membership,
            organization._filter(Membership),
            {"$set": {"organization_name": name}},
        )
        try:
            await write(
                [organization._guarded_update(Organization, {"$set": {"name": name}}), members],
                event,
            )
        except GuardFailed:
            return None
        return await organization._find_one(Organization)

    async def set_branding(
        self, scope: TenantScope, consultant: str | None, logo_png: str | None
    ) -> None:
        event = audit_event(
            scope.principal,
            "setReportBranding",
            "Organization",
            scope.organization_id,
            scope.organization_id,
            logo=logo_png is not None,
        )
        fields = {"report_consultant": consultant, "report_logo_png": logo_png}
        organization = self._one(scope.organization_id)
        await write([organization._guarded_update(Organization, {"$set": fields})], event)

    async def delete(self, scope: TenantScope) -> dict[str, int] | None:
        """Remove the organisation and everything it holds; None when it is gone already.

        Its data goes first, collection by collection (a retry after a failure finds the
        organisation still there and removes the rest); then the organisation itself, in
        one write with an audit event at platform level (no organisation) that says who
        deleted which id and how much; last its members and its own audit trail."""
        organization = self._one(scope.organization_id)
        if await organization._row(Organization, projection={"_id": 1}) is None:
            return None
        removed: dict[str, int] = {}
        last = (Organization, Membership, AuditEvent)
        for document in (*DOCUMENT_MODELS, *DRAFTING_MODELS, *EMBEDDING_MODELS):
            if document in last or tenant_field(document) != "organization_id":
                continue
            count = await organization._delete(document)
            if count:
                removed[document.Settings.name] = count
        removed["members"] = await organization._count(Membership)
        event = audit_event(
            scope.principal,
            "deleteOrganization",
            "Organization",
            scope.organization_id,
            None,
            **removed,
        )
        try:
            await write([organization._guarded_delete(Organization)], event)
        except GuardFailed:
            return None
        await organization._delete(Membership)
        await organization._delete(AuditEvent)
        self.access.forget()
        return removed
