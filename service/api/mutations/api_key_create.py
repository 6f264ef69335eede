"""``createApiKey``: an OWNER creates an organisation key; the secret is returned once."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.enums import Role
from service.api.errors import UserError
from service.api.ids import decode_id
from service.api.mutations.base import mutate
from service.api.types.access import ApiKey
from service.api.types.organization import TYPE_NAME as ORGANIZATION


@strawberry.input
class CreateApiKeyInput:
    organization_id: strawberry.ID
    name: str
    role: Role | None = strawberry.field(default=None, description="Default CONTRIBUTOR.")


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The key itself; shown only in this answer."
    )
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: CreateApiKeyInput,
) -> CreateApiKeyPayload:
    async def run() -> CreateApiKeyPayload:
        record, secret = await info.context.organizations.create_api_key(
            decode_id(ORGANIZATION, input.organization_id),
            input.name,
            input.role or Role.CONTRIBUTOR,
        )
        return CreateApiKeyPayload(api_key=ApiKey.of(record), secret=secret, errors=[])

    return await mutate(input, run, CreateApiKeyPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Create an organisation API key; the secret is returned once (OWNER).",
)
