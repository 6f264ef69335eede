"""The input both catalog imports take: a framework or questionnaire document as text."""

from __future__ import annotations

from enum import Enum

import strawberry

from service.api.ids import decode_id
from service.api.types.organization import TYPE_NAME as ORGANIZATION
from service.catalog.imports import CatalogDocument


@strawberry.enum(description="The syntax an imported catalog document is written in.")
class DocumentFormat(Enum):
    YAML = strawberry.enum_value("YAML", description="YAML text, as the shipped catalog is.")
    JSON = strawberry.enum_value("JSON", description="A JSON object.")


@strawberry.input(
    description="A framework or questionnaire document to publish, as text. Publishing an "
    "organisation's document needs its OWNER; a global one, a platform admin."
)
class ImportCatalogDocumentInput:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Owner organisation; omit to publish globally (platform admins)."
    )
    format: DocumentFormat = strawberry.field(
        default=DocumentFormat.YAML, description="The syntax of document; YAML by default."
    )
    document: str = strawberry.field(
        description="The document, at most 1 MiB, in the shape of frameworks/schema/*.schema.json. "
        "Every problem is reported with its path, and nothing is published then."
    )

    def catalog_document(self) -> CatalogDocument:
        """The document to publish; an owner id that does not decode is None (not found)."""
        return CatalogDocument(
            text=self.document,
            format="JSON" if self.format is DocumentFormat.JSON else "YAML",
            organization_id=None
            if self.organization_id is None
            else decode_id(ORGANIZATION, self.organization_id),
            global_document=self.organization_id is None,
        )
