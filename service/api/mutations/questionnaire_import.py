"""``importQuestionnaire``: publish a questionnaire for a framework from YAML or JSON.

Who may publish, reading the document and the audit live in
``service.catalog.imports``; this module turns the outcome into a payload.
"""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import mutate
from service.api.types.catalog import Questionnaire
from service.api.types.catalog_document import ImportCatalogDocumentInput


@strawberry.type
class ImportQuestionnairePayload:
    questionnaire: Questionnaire | None = None
    published: bool = False
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: ImportCatalogDocumentInput,
) -> ImportQuestionnairePayload:
    async def run() -> ImportQuestionnairePayload:
        imported = await info.context.catalog_imports.import_questionnaire(input.catalog_document())
        version, framework = imported.questionnaire, imported.framework
        return ImportQuestionnairePayload(
            questionnaire=Questionnaire(version_record=version, framework_record=framework)
            if version and framework
            else None,
            published=imported.new,
            errors=[],
        )

    return await mutate(input, run, ImportQuestionnairePayload)


mutation = strawberry.mutation(
    resolver=resolve, description="Publish a questionnaire for a framework from YAML or JSON."
)
