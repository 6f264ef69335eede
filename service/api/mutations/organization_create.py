"""``createOrganization``: the caller becomes the new organisation's OWNER."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.payloads import CreateOrganizationPayload


@strawberry.input(description="A new organisation.")
class CreateOrganizationInput:
    name: str = strawberry.field(
        description="1 to 200 characters; runs of whitespace become one space."
    )


@payload_mutation(
    "Create an organisation; the caller becomes its OWNER. An organisation API key may not."
)
async def mutation(info: Info, input: CreateOrganizationInput) -> CreateOrganizationPayload:
    record = await info.context.organizations.create(input.name)
    return CreateOrganizationPayload.of(record)
