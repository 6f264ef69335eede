"""Organisations: creation and renaming, with input checks."""

from __future__ import annotations

from service.errors import Forbidden, InvalidInput
from service.storage.documents import Organization
from service.storage.repositories import OrganizationRepository

MAX_NAME_LENGTH = 200


def clean_name(name: str, field: tuple[str | int, ...] = ("input", "name")) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("name must not be blank", field)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"name must be at most {MAX_NAME_LENGTH} characters", field)
    return cleaned


async def create_organization(organizations: OrganizationRepository, name: str) -> Organization:
    principal = organizations.access.principal
    if principal.org_scoped:
        # An organisation's API key acts inside that organisation only.
        raise Forbidden("an organisation API key cannot create organisations")
    return await organizations.create(clean_name(name))
