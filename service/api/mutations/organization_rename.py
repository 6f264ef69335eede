"""``renameOrganization``: OWNERs rename their organisation."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.api.types.organization import OrganizationType
from service.assessment.organizations import clean_name
from service.errors import DomainError, NotFound
from service.principal import Permission


@strawberry.input
class RenameOrganizationInput:
    organization_id: strawberry.ID
    name: str


@strawberry.type
class RenameOrganizationPayload:
    organization: OrganizationType | None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: RenameOrganizationInput,
) -> RenameOrganizationPayload:
    try:
        scope = await info.context.access.scope(
            decode_id("Organization", input.organization_id), Permission.ADMINISTER
        )
        record = await info.context.organizations.rename(scope, clean_name(input.name))
        if record is None:
            raise NotFound("organization not found", ("input", "organizationId"))
    except DomainError as error:
        return RenameOrganizationPayload(organization=None, errors=user_errors(error))
    return RenameOrganizationPayload(organization=OrganizationType.of(record), errors=[])
