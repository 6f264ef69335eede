"""``renameOrganization``: OWNERs rename their organisation."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.ids import decode_id
from service.api.mutations.base import mutate
from service.api.types.organization import TYPE_NAME as ORGANIZATION
from service.api.types.organization import OrganizationType


@strawberry.input
class RenameOrganizationInput:
    organization_id: strawberry.ID
    name: str


@strawberry.type
class RenameOrganizationPayload:
    organization: OrganizationType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: RenameOrganizationInput,
) -> RenameOrganizationPayload:
    async def run() -> RenameOrganizationPayload:
        record = await info.context.organizations.rename(
            decode_id(ORGANIZATION, input.organization_id), input.name
        )
        return RenameOrganizationPayload(organization=OrganizationType.of(record), errors=[])

    return await mutate(input, run, RenameOrganizationPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Rename an organisation (OWNER).",
)
