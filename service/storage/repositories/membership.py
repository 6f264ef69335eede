"""Members of one organisation, and the memberships of one principal."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from service.errors import InvalidState
from service.principal import Role
from service.storage.documents import Membership, Organization, now
from service.storage.failures import translated
from service.storage.repositories.base import Repository, TenantScope
from service.storage.writes import Duplicate, GuardFailed, write

OWNER_LOCK_SECONDS = 10.0
OWNER_LOCK_WAIT_SECONDS = 5.0


class PrincipalMemberships(Repository):
    """The organisations one principal belongs to: what ``tenancy.Access`` derives every
    scope from, so the one read of members that does not start from an organisation."""

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject

    async def roles(self) -> dict[ObjectId, Role]:
        # Two fields a membership, unvalidated: a principal may belong to thousands.
        rows = await self._rows(
            Membership,
            by=("subject", self.subject),
            projection={"_id": 0, "organization_id": 1, "role": 1},
        )
        return {row["organization_id"]: Role(row["role"]) for row in rows}

    async def by_name(
        self, first: int, after: tuple[str, ObjectId] | None
    ) -> tuple[list[ObjectId], bool]:
        """The ids of up to ``first`` of the principal's organisations ordered by (name,
        id) after the keyset ``after``, and whether more follow: one range of the
        (subject, organization_name, organization_id) index, however many it belongs to."""
        keyset: dict[str, Any] = {}
        if after is not None:
            name, last_id = after
            keyset["$or"] = [
                {"organization_name": {"$gt": name}},
                {"organization_name": name, "organization_id": {"$gt": last_id}},
            ]
        rows = await self._rows(
            Membership,
            by=("subject", self.subject),
            projection={"_id": 0, "organization_id": 1},
            sort=[("organization_name", 1), ("organization_id", 1)],
            limit=first + 1,
            **keyset,
        )
        return [row["organization_id"] for row in rows[:first]], len(rows) > first

    async def count(self) -> int:
        return await self._count(Membership, by=("subject", self.subject))


class MembershipRepository(Repository):
    """Members of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])
        self.scope = scope

    async def list(self) -> list[Membership]:
        return await self._find(Membership, sort=[("subject", 1)])

    async def get(self, subject: str) -> Membership | None:
        return await self._find_one(Membership, subject=subject)

    async def owners(self) -> int:
        return await self._count(Membership, role=Role.OWNER)

    @asynccontextmanager
    async def owner_changes(self) -> AsyncIterator[None]:
        """Hold the organisation's lock for changes that take the OWNER role from someone.

        They run one at a time, so two of them cannot each count the other as the OWNER
        who remains. The lock is a lease on the organisation document: a holder that dies
        frees it after ``OWNER_LOCK_SECONDS``. Raises ``InvalidState`` when another change
        holds it for longer than ``OWNER_LOCK_WAIT_SECONDS``."""
        # A context manager is not a coroutine, so the base does not translate it.
        update = translated(self._update)
        token = ObjectId()
        waited_until = time.monotonic() + OWNER_LOCK_WAIT_SECONDS
        while True:
            moment = now()
            lease = {
                "owners_lock": token,
                "owners_lock_until": moment + timedelta(seconds=OWNER_LOCK_SECONDS),
            }
            free: dict[str, Any] = {
                "$or": [{"owners_lock": None}, {"owners_lock_until": {"$lt": moment}}]
            }
            if await update(Organization, {"$set": lease}, **free):
                break
            if time.monotonic() > waited_until:
                raise InvalidState("the organisation's members are being changed; retry")
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await update(
                Organization,
                {"$set": {"owners_lock": None, "owners_lock_until": None}},
                owners_lock=token,
            )

    async def add(self, subject: str, role: Role, event: dict[str, Any]) -> Membership | None:
        """Add a member; None when ``subject`` is one already (the unique index decides,
        so two concurrent adds cannot both land)."""
        member = Membership(
            id=PydanticObjectId(),
            organization_id=self.scope.organization_id,
            subject=subject,
            role=role,
            created_at=now(),
            organization_name=await self._name(),
        )
        try:
            await write([self._insert(Membership, member)], event)
        except Duplicate:
            return None
        # A rename between reading the name and the insert did not reach this membership.
        if (name := await self._name()) != member.organization_name:
            await self._update(Membership, {"$set": {"organization_name": name}}, _id=member.id)
        return member

    async def _name(self) -> str | None:
        row = await self._row(Organization, projection={"name": 1})
        return None if row is None else str(row["name"])

    async def set_role(self, member: Membership, role: Role, event: dict[str, Any]) -> bool:
        """Change a role read just before; False when it changed or the member was removed
        meanwhile, in which case nothing was written (the guard never creates a member)."""
        guarded = self._guarded_update(
            Membership, {"$set": {"role": role}}, _id=member.id, role=member.role
        )
        try:
            await write([guarded], event)
        except GuardFailed:
            return False
        return True

    async def remove(self, member: Membership, event: dict[str, Any]) -> bool:
        """Remove a member with the role read just before; False when it was removed or its
        role changed meanwhile, in which case nothing was written."""
        guarded = self._guarded_delete(Membership, _id=member.id, role=member.role)
        try:
            await write([guarded], event)
        except GuardFailed:
            return False
        return True


async def backfill_membership_names() -> int:
    """Copy each organisation's name into its memberships stored before they carried it
    (``Membership.organization_name``); how many memberships were missing it. On a store
    where none is missing this is one read that finds nothing."""
    missing = await Repository()._rows(
        Membership, by=("organization_name", None), projection={"organization_id": 1}
    )
    organizations = list({row["organization_id"] for row in missing})
    if not organizations:
        return 0
    for row in await Repository(organizations)._rows(Organization, projection={"name": 1}):
        await Repository([row["_id"]])._update(
            Membership, {"$set": {"organization_name": row["name"]}}, many=True
        )
    return len(missing)
