"""Provisioning keys: how an embedding product creates its tenants (platform admins only).

A provisioning key belongs to no organisation. It acts as ``provisioning:<id>``: it
may create organisations, becoming their OWNER, and so create API keys inside them;
as a member of those alone, it sees nothing else. Like every key it is stored as a
digest and shown once; creating and revoking one is audited at platform level.
"""

from __future__ import annotations

from bson import ObjectId

from service.errors import Forbidden, InvalidInput, NotFound
from service.storage.documents import ApiKey
from service.storage.repositories import ApiKeyRepository
from service.storage.tenancy import Access
from service.storage.writes import audit_event

MAX_NAME = 100


class ProvisioningKeys:
    def __init__(self, access: Access) -> None:
        self.access = access
        self.keys = ApiKeyRepository()

    def _admin(self) -> None:
        principal = self.access.principal
        if not principal.platform_admin or principal.org_scoped:
            raise Forbidden("only a platform admin manages provisioning keys")

    async def create(self, name: str) -> tuple[ApiKey, str]:
        self._admin()
        cleaned = name.strip()
        if not 1 <= len(cleaned) <= MAX_NAME:
            raise InvalidInput(f"name must be 1 to {MAX_NAME} characters", ("input", "name"))
        event = audit_event(self.access.principal, "createProvisioningKey", "ApiKey", None)
        return await self.keys.create_provisioning(cleaned, self.access.principal.subject, event)

    async def revoke(self, key_id: ObjectId | None) -> None:
        self._admin()
        event = audit_event(self.access.principal, "revokeProvisioningKey", "ApiKey", key_id)
        if key_id is None or not await self.keys.revoke_provisioning(key_id, event):
            raise NotFound("no live provisioning key by that id", ("input", "keyId"))

    async def all(self) -> list[ApiKey]:
        self._admin()
        return await self.keys.provisioning_keys()
