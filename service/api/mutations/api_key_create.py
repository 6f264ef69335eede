"""``createApiKey``: an OWNER creates an organisation key; the secret is returned once."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.enums import Role
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import CreateApiKeyPayload
from service.api.types.access import ApiKey


@strawberry.input(description="An organisation API key to create.")
class CreateApiKeyInput(OrganizationInput):
    name: str = strawberry.field(
        description="What the key is for, to recognise it later (1 to 200 characters)."
    )
    role: Role | None = strawberry.field(default=None, description="Default CONTRIBUTOR.")


@payload_mutation("Create an organisation API key; the secret is returned once (OWNER).")
async def mutation(info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
    record, secret = await info.context.organizations.create_api_key(
        input.organization(),
        input.name,
        input.role or Role.CONTRIBUTOR,
    )
    return CreateApiKeyPayload(api_key=ApiKey.of(record), secret=secret)
