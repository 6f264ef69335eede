"""``createProvisioningKey`` and ``revokeProvisioningKey`` (platform admins)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation, require_id
from service.api.mutations.payloads import (
    CreateProvisioningKeyPayload,
    RevokeProvisioningKeyPayload,
)
from service.api.types.access import ApiKey


@strawberry.input(description="A provisioning key to create.")
class CreateProvisioningKeyInput:
    name: str = strawberry.field(description="What it is for (1 to 100 characters).")


@strawberry.input(description="A provisioning key, by id.")
class RevokeProvisioningKeyInput:
    key_id: strawberry.ID = strawberry.field(description="The key's id (ApiKey.id).")


@payload_mutation(
    "Create a provisioning key: it creates organisations (becoming their OWNER) and API "
    "keys inside them, and sees only those. The secret is returned once (platform admins)."
)
async def create(info: Info, input: CreateProvisioningKeyInput) -> CreateProvisioningKeyPayload:
    record, secret = await info.context.provisioning.create(input.name)
    return CreateProvisioningKeyPayload(api_key=ApiKey.of(record), secret=secret)


@payload_mutation("Revoke a provisioning key at once (platform admins).")
async def revoke(info: Info, input: RevokeProvisioningKeyInput) -> RevokeProvisioningKeyPayload:
    await info.context.provisioning.revoke(require_id("ApiKey", input.key_id, "keyId", "key"))
    # The authenticator caches keys it verified; this pod forgets them now.
    info.context.services.authenticator.forget()
    return RevokeProvisioningKeyPayload(revoked_key_id=input.key_id)
