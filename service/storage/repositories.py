"""Repositories: every database query of the service, starting from a scope.

Organisation reads start from the caller's ``Access``; everything inside an
organisation starts from a ``TenantScope``. Reads use projections where a
whole document is not needed, writes use update operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from beanie import SortDirection
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.auth import api_keys
from service.auth.principal import Role
from service.storage.documents import ApiKey, Membership, Organization
from service.storage.tenancy import Access, TenantScope


def now() -> datetime:
    # BSON dates hold milliseconds; truncating here keeps values equal after a round trip.
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool


class OrganizationRepository:
    """Organisations the caller belongs to."""

    def __init__(self, access: Access) -> None:
        self.access = access

    async def create(self, name: str) -> Organization:
        subject = self.access.principal.subject
        organization = Organization(name=name, created_at=now(), created_by=subject)
        await organization.insert()
        try:
            await Membership(
                organization_id=organization.id,
                subject=subject,
                role=Role.OWNER,
                created_at=now(),
            ).insert()
        except BaseException:
            # Without its owner the organisation would be unreachable: undo it.
            await organization.delete()
            raise
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
        found: dict[ObjectId | None, Organization] = {
            org.id: org for org in await Organization.find({"_id": {"$in": wanted}}).to_list()
        }
        return [found.get(i) for i in ids]

    async def page(self, first: int, after: tuple[str, ObjectId] | None) -> Page[Organization]:
        """A keyset page ordered by (name, _id)."""
        ids = list((await self.access.roles()).keys())
        query: dict[str, object] = {"_id": {"$in": ids}}
        if after is not None:
            name, last_id = after
            query = {
                "$and": [
                    query,
                    {"$or": [{"name": {"$gt": name}}, {"name": name, "_id": {"$gt": last_id}}]},
                ]
            }
        items = (
            await Organization.find(query)
            .sort([("name", SortDirection.ASCENDING), ("_id", SortDirection.ASCENDING)])
            .limit(first + 1)
            .to_list()
        )
        return Page(items=items[:first], has_next=len(items) > first)

    async def rename(self, scope: TenantScope, name: str) -> Organization | None:
        await Organization.find_one({"_id": scope.organization_id}).update({"$set": {"name": name}})
        return await Organization.get(scope.organization_id)


class ApiKeyRepository:
    """API keys: created hashed, found by their lookup id, never read back in clear."""

    # Writing last-used on every request would turn every read into a write.
    TOUCH_INTERVAL = timedelta(minutes=1)

    async def create(
        self,
        *,
        name: str,
        subject: str,
        created_by: str,
        organization_id: ObjectId | None = None,
        role: Role | None = None,
        platform_admin: bool = False,
        local_admin: bool = False,
    ) -> tuple[ApiKey, str]:
        for _ in range(3):
            new = api_keys.generate()
            record = ApiKey(
                name=name,
                lookup=new.lookup,
                digest=new.digest,
                subject=subject,
                organization_id=organization_id,
                role=role,
                platform_admin=platform_admin,
                created_at=now(),
                created_by=created_by,
                local_admin=local_admin,
            )
            try:
                await record.insert()
            except DuplicateKeyError:
                continue
            return record, new.secret
        raise RuntimeError("could not allocate a unique API key lookup id")

    async def find_active(self, secret: str) -> ApiKey | None:
        record = await ApiKey.find_one(
            ApiKey.lookup == api_keys.lookup_of(secret),
            ApiKey.revoked_at == None,  # noqa: E711
        )
        if record is None or not api_keys.matches(secret, record.digest):
            return None
        return record

    async def touch(self, record: ApiKey) -> None:
        moment = now()
        if record.last_used_at is None or moment - record.last_used_at > self.TOUCH_INTERVAL:
            await ApiKey.find_one(ApiKey.id == record.id).update({"$set": {"last_used_at": moment}})
            record.last_used_at = moment

    async def revoke_local_admin_keys(self) -> None:
        await ApiKey.find(
            ApiKey.local_admin == True,  # noqa: E712
            ApiKey.revoked_at == None,  # noqa: E711
        ).update({"$set": {"revoked_at": now()}})
