"""``createOrganization``: the caller becomes the new organisation's OWNER."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import mutate
from service.api.types.organization import OrganizationType


@strawberry.input
class CreateOrganizationInput:
    name: str


@strawberry.type
class CreateOrganizationPayload:
    organization: OrganizationType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: CreateOrganizationInput,
) -> CreateOrganizationPayload:
    async def run() -> CreateOrganizationPayload:
        record = await info.context.organizations.create(input.name)
        return CreateOrganizationPayload(organization=OrganizationType.of(record), errors=[])

    return await mutate(input, run, CreateOrganizationPayload)


mutation = strawberry.mutation(
    resolver=resolve, description="Create an organisation; the caller becomes its OWNER."
)
