"""The input both catalog imports take: a framework or questionnaire document as text."""

from __future__ import annotations

from enum import Enum

import strawberry

from service.api.ids import decode_id
from service.api.types.organization import TYPE_NAME as ORGANIZATION
from service.catalog.imports import CatalogDocument


@strawberry.enum
class DocumentFormat(Enum):
    YAML = "YAML"
    JSON = "JSON"


@strawberry.input
class ImportCatalogDocumentInput:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Owner organisation; omit to publish globally (platform admins)."
    )
    format: DocumentFormat = DocumentFormat.YAML
    document: str

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
