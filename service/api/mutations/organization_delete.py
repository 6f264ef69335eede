"""``deleteOrganization``: an OWNER removes an organisation and everything it holds."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.ids import global_id
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import DeleteOrganizationPayload
from service.api.types.organization import TYPE_NAME as ORGANIZATION


@strawberry.input(description="An organisation to delete, confirmed by its name.")
class DeleteOrganizationInput(OrganizationInput):
    confirm_name: str = strawberry.field(
        description="The organisation's name, typed out: nothing is deleted otherwise."
    )


@payload_mutation(
    "Delete an organisation with its assessments, evidence ledger, drafts, members, keys and "
    "audit trail (OWNER). One audit event at platform level records who deleted it."
)
async def mutation(info: Info, input: DeleteOrganizationInput) -> DeleteOrganizationPayload:
    deleted = await info.context.organizations.delete(input.organization(), input.confirm_name)
    return DeleteOrganizationPayload(deleted_organization_id=global_id(ORGANIZATION, deleted))
