"""``createOrganization``: the caller becomes the new organisation's OWNER."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.types.organization import OrganizationType
from service.assessment.organizations import create_organization
from service.errors import DomainError


@strawberry.input
class CreateOrganizationInput:
    name: str


@strawberry.type
class CreateOrganizationPayload:
    organization: OrganizationType | None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: CreateOrganizationInput,
) -> CreateOrganizationPayload:
    try:
        record = await create_organization(info.context.organizations, input.name)
    except DomainError as error:
        return CreateOrganizationPayload(organization=None, errors=user_errors(error))
    return CreateOrganizationPayload(organization=OrganizationType.of(record), errors=[])
