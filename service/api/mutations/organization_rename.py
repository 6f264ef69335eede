"""``renameOrganization``: OWNERs rename their organisation."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import RenameOrganizationPayload


@strawberry.input
class RenameOrganizationInput(OrganizationInput):
    name: str


@payload_mutation("Rename an organisation (OWNER).")
async def mutation(info: Info, input: RenameOrganizationInput) -> RenameOrganizationPayload:
    record = await info.context.organizations.rename(input.organization(), input.name)
    return RenameOrganizationPayload.of(record)
