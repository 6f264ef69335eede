"""``importFramework``: publish a framework (criteria and controls) from YAML or JSON.

Who may publish, reading the document and the audit live in
``service.catalog.imports``; this module turns the outcome into a payload.
"""

from __future__ import annotations

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.payloads import ImportFrameworkPayload
from service.api.types.catalog import Framework
from service.api.types.catalog_document import ImportCatalogDocumentInput


@payload_mutation("Publish a framework (criteria and controls) from YAML or JSON.")
async def mutation(info: Info, input: ImportCatalogDocumentInput) -> ImportFrameworkPayload:
    imported = await info.context.catalog_imports.import_framework(input.catalog_document())
    version = imported.framework
    return ImportFrameworkPayload(
        framework=Framework(version_record=version) if version else None,
        published=imported.new,
    )
