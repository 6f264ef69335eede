"""The input both catalog imports take: a framework or questionnaire document as text."""

from __future__ import annotations

from enum import Enum
from typing import Literal

import strawberry
from bson import ObjectId

from service.api.ids import decode_id
from service.api.types.organization import TYPE_NAME as ORGANIZATION


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

    def document_format(self) -> Literal["YAML", "JSON"]:
        return "JSON" if self.format is DocumentFormat.JSON else "YAML"

    def owner(self) -> ObjectId | None:
        """The owner organisation's id (None when omitted, or when it does not decode)."""
        if self.organization_id is None:
            return None
        return decode_id(ORGANIZATION, self.organization_id)
