"""API keys: minted and stored hashed, found by their lookup id, never read back in clear.

``ApiKeyRepository`` serves authentication (keys of any organisation, or of
none) and mints the platform's keys, which belong to no organisation and act as
their subject; ``OrganizationKeys`` the keys of one organisation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from service.principal import Role
from service.storage import api_key_secrets
from service.storage.documents import ApiKey, document_of, now
from service.storage.repositories.base import Repository, TenantScope
from service.storage.writes import GuardedUpdate, GuardFailed, write


class ApiKeyRepository(Repository):
    """Keys reached before any organisation is known: by lookup id while authenticating,
    by their own id once found, and the development admin keys by their flag."""

    # Writing last-used on every request would turn every read into a write.
    TOUCH_INTERVAL = timedelta(minutes=1)

    async def create(
        self,
        *,
        name: str,
        subject: str,
        created_by: str,
        platform_admin: bool = False,
        local_admin: bool = False,
    ) -> tuple[ApiKey, str]:
        """A key of no organisation that acts as ``subject``, and its secret."""
        for _ in range(3):
            new = api_key_secrets.generate()
            record = ApiKey(
                id=PydanticObjectId(),
                name=name,
                lookup=new.lookup,
                digest=new.digest,
                subject=subject,
                platform_admin=platform_admin,
                created_at=now(),
                created_by=created_by,
                local_admin=local_admin,
            )
            if await self._insert_one(ApiKey, document_of(record), by="lookup"):
                return record, new.secret
        raise RuntimeError("could not allocate a unique API key lookup id")

    async def find_active(self, secret: str) -> ApiKey | None:
        record = await self._find_one(
            ApiKey, by=("lookup", api_key_secrets.lookup_of(secret)), revoked_at=None
        )
        if record is None or not api_key_secrets.matches(secret, record.digest):
            return None
        return record

    async def touch(self, record: ApiKey) -> None:
        moment = now()
        if record.last_used_at is None or moment - record.last_used_at > self.TOUCH_INTERVAL:
            await self._update(ApiKey, {"$set": {"last_used_at": moment}}, by=("_id", record.id))
            record.last_used_at = moment

    async def create_provisioning(
        self, name: str, created_by: str, event: dict[str, Any]
    ) -> tuple[ApiKey, str]:
        """A provisioning key, acting as ``provisioning:<its id>``, and its secret; written
        with its (platform-level) audit event."""
        new = api_key_secrets.generate()
        key_id = PydanticObjectId()
        record = ApiKey(
            id=key_id,
            name=name,
            lookup=new.lookup,
            digest=new.digest,
            subject=f"provisioning:{key_id}",
            provisioning=True,
            created_at=now(),
            created_by=created_by,
        )
        event["target_id"] = str(key_id)
        await write([self._insert(ApiKey, record, by="lookup")], event)
        return record, new.secret

    async def provisioning_keys(self) -> list[ApiKey]:
        return await self._find(ApiKey, by=("provisioning", True), sort=[("_id", -1)])

    async def revoke_provisioning(self, key_id: ObjectId, event: dict[str, Any]) -> bool:
        """Revoke a live provisioning key; False when there is none by that id."""
        step = GuardedUpdate(
            ApiKey,
            self._filter(ApiKey, by=("_id", key_id), provisioning=True, revoked_at=None),
            {"$set": {"revoked_at": now()}},
        )
        try:
            await write([step], event)
        except GuardFailed:
            return False
        return True

    async def revoke_local_admin_keys(self) -> int:
        """Revoke every local admin key (the one ``readiness serve`` prints in development);
        the number revoked. Run at every production start, so a development key never
        outlives the switch to production on the same database."""
        return await self._update(
            ApiKey,
            {"$set": {"revoked_at": now()}},
            many=True,
            by=("local_admin", True),
            revoked_at=None,
        )


class OrganizationKeys(Repository):
    """API keys of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])
        self.scope = scope

    async def list(self) -> list[ApiKey]:
        return await self._find(ApiKey, sort=[("_id", -1)])

    async def create(self, name: str, role: Role, event: dict[str, Any]) -> tuple[ApiKey, str]:
        new = api_key_secrets.generate()
        key_id = PydanticObjectId()
        record = ApiKey(
            id=key_id,
            name=name,
            lookup=new.lookup,
            digest=new.digest,
            subject=f"apikey:{key_id}",
            organization_id=self.scope.organization_id,
            role=role,
            created_at=now(),
            created_by=self.scope.principal.subject,
        )
        event["target_id"] = str(key_id)
        await write([self._insert(ApiKey, record)], event)
        return record, new.secret

    async def revoke(self, key_id: ObjectId, event: dict[str, Any]) -> ApiKey | None:
        existing = await self._find_one(ApiKey, _id=key_id)
        if existing is None or existing.revoked_at is not None:
            return None
        guarded = self._guarded_update(
            ApiKey, {"$set": {"revoked_at": now()}}, _id=key_id, revoked_at=None
        )
        try:
            await write([guarded], event)
        except GuardFailed:
            return None
        return await self._find_one(ApiKey, _id=key_id)
