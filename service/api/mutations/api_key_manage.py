"""``createApiKey`` (the secret is returned once) and ``revokeApiKey``, OWNER only."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.api.types.access import ApiKey
from service.api.types.organization import RoleEnum
from service.assessment import organizations
from service.errors import DomainError
from service.principal import Permission, Role


@strawberry.input
class CreateApiKeyInput:
    organization_id: strawberry.ID
    name: str
    role: RoleEnum | None = strawberry.field(default=None, description="Default CONTRIBUTOR.")


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None
    secret: str | None = strawberry.field(description="The key itself; shown only in this answer.")
    errors: list[UserError]


@strawberry.input
class RevokeApiKeyInput:
    organization_id: strawberry.ID
    api_key_id: strawberry.ID


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None
    errors: list[UserError]


async def create(
    info: strawberry.Info[Context, None],
    input: CreateApiKeyInput,
) -> CreateApiKeyPayload:
    try:
        scope = await info.context.access.scope(
            decode_id("Organization", input.organization_id), Permission.ADMINISTER
        )
        role = Role(input.role.value) if input.role else Role.CONTRIBUTOR
        record, secret = await organizations.create_api_key(scope, input.name, role)
    except DomainError as error:
        return CreateApiKeyPayload(api_key=None, secret=None, errors=user_errors(error))
    return CreateApiKeyPayload(api_key=ApiKey.of(record), secret=secret, errors=[])


async def revoke(
    info: strawberry.Info[Context, None],
    input: RevokeApiKeyInput,
) -> RevokeApiKeyPayload:
    try:
        scope = await info.context.access.scope(
            decode_id("Organization", input.organization_id), Permission.ADMINISTER
        )
        record = await organizations.revoke_api_key(scope, decode_id("ApiKey", input.api_key_id))
    except DomainError as error:
        return RevokeApiKeyPayload(api_key=None, errors=user_errors(error))
    info.context.services.authenticator.forget()
    return RevokeApiKeyPayload(api_key=ApiKey.of(record), errors=[])
