"""``createOrganization``: the caller becomes the new organisation's OWNER."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.payloads import CreateOrganizationPayload


@strawberry.input
class CreateOrganizationInput:
    name: str


@payload_mutation("Create an organisation; the caller becomes its OWNER.")
async def mutation(info: Info, input: CreateOrganizationInput) -> CreateOrganizationPayload:
    record = await info.context.organizations.create(input.name)
    return CreateOrganizationPayload.of(record)
