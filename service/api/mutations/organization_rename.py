"""``renameOrganization``: OWNERs rename their organisation."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import RenameOrganizationPayload


@strawberry.input(description="An organisation's new name.")
class RenameOrganizationInput(OrganizationInput):
    name: str = strawberry.field(
        description="1 to 200 characters; runs of whitespace become one space."
    )


@payload_mutation("Rename an organisation (OWNER).")
async def mutation(info: Info, input: RenameOrganizationInput) -> RenameOrganizationPayload:
    record = await info.context.organizations.rename(input.organization(), input.name)
    return RenameOrganizationPayload.of(record)
