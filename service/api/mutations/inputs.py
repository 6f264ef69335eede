"""Fields several mutation inputs start with, and how they are read.

An input keeps its own GraphQL name (``RenameOrganizationInput``); inheriting
from a base here puts the shared fields first, in the order the schema shows.
"""

from __future__ import annotations

import strawberry
from bson import ObjectId

from service.api.ids import decode_id
from service.api.types.organization import TYPE_NAME as ORGANIZATION


@strawberry.input
class OrganizationInput:
    """A change inside one organisation."""

    organization_id: strawberry.ID = strawberry.field(
        description="The organisation (Organization.id)."
    )

    def organization(self) -> ObjectId | None:
        """The organisation's id; None for an id that names none (the service refuses it)."""
        return decode_id(ORGANIZATION, self.organization_id)


@strawberry.input
class MemberInput(OrganizationInput):
    """One member of one organisation, by subject."""

    subject: str = strawberry.field(
        description="The member's subject (the `sub` of their tokens, as Member.subject shows)."
    )


@strawberry.input
class AssessmentVersionInput:
    """An assessment, and the version the caller last read (the write is refused if it moved)."""

    assessment_id: strawberry.ID = strawberry.field(description="The assessment (Assessment.id).")
    expected_version: int | None = strawberry.field(
        default=None,
        description="Assessment.version as last read: if it has moved since, nothing changes "
        "(VERSION_CONFLICT). Leave it out to skip the check.",
    )
