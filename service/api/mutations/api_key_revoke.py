"""``revokeApiKey``: an OWNER revokes an organisation key; it stops working at once here."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.ids import decode_id
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import RevokeApiKeyPayload
from service.api.types.access import ApiKey


@strawberry.input(description="An organisation API key to revoke.")
class RevokeApiKeyInput(OrganizationInput):
    api_key_id: strawberry.ID = strawberry.field(
        description="The key (ApiKey.id). Other servers may still accept it for up to 10 seconds."
    )


@payload_mutation("Revoke an API key (OWNER).")
async def mutation(info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
    record = await info.context.organizations.revoke_api_key(
        input.organization(), decode_id("ApiKey", input.api_key_id)
    )
    # The authenticator caches keys it verified; this pod forgets them now.
    info.context.services.authenticator.forget()
    return RevokeApiKeyPayload(api_key=ApiKey.of(record))
