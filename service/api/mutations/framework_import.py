"""``importFramework``: publish a framework (criteria and controls) from YAML or JSON.

Who may publish, reading the document and the audit live in
``service.catalog.imports``; this module turns the outcome into a payload.
"""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import mutate
from service.api.types.catalog import Framework
from service.api.types.catalog_document import ImportCatalogDocumentInput


@strawberry.type
class ImportFrameworkPayload:
    framework: Framework | None = None
    published: bool = strawberry.field(
        default=False, description="False when an identical version existed."
    )
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: ImportCatalogDocumentInput,
) -> ImportFrameworkPayload:
    async def run() -> ImportFrameworkPayload:
        imported = await info.context.catalog_imports.import_framework(input.catalog_document())
        version = imported.framework
        return ImportFrameworkPayload(
            framework=Framework(version_record=version) if version else None,
            published=imported.new,
            errors=[],
        )

    return await mutate(input, run, ImportFrameworkPayload)


mutation = strawberry.mutation(
    resolver=resolve, description="Publish a framework (criteria and controls) from YAML or JSON."
)
