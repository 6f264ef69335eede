"""``revokeApiKey``: an OWNER revokes an organisation key; it stops working at once here."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.ids import decode_id
from service.api.mutations.base import mutate
from service.api.types.access import ApiKey
from service.api.types.organization import TYPE_NAME as ORGANIZATION


@strawberry.input
class RevokeApiKeyInput:
    organization_id: strawberry.ID
    api_key_id: strawberry.ID


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: RevokeApiKeyInput,
) -> RevokeApiKeyPayload:
    async def run() -> RevokeApiKeyPayload:
        record = await info.context.organizations.revoke_api_key(
            decode_id(ORGANIZATION, input.organization_id), decode_id("ApiKey", input.api_key_id)
        )
        # The authenticator caches keys it verified; this pod forgets them now.
        info.context.services.authenticator.forget()
        return RevokeApiKeyPayload(api_key=ApiKey.of(record), errors=[])

    return await mutate(input, run, RevokeApiKeyPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Revoke an API key (OWNER).",
)
