"""``importQuestionnaire``: publish a questionnaire for a framework from YAML or JSON.

Who may publish, reading the document and the audit live in
``service.catalog.imports``; this module turns the outcome into a payload.
"""

from __future__ import annotations

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.payloads import ImportQuestionnairePayload
from service.api.types.catalog_document import ImportCatalogDocumentInput
from service.api.types.questionnaire import Questionnaire


@payload_mutation("Publish a questionnaire for a framework from YAML or JSON.")
async def mutation(info: Info, input: ImportCatalogDocumentInput) -> ImportQuestionnairePayload:
    imported = await info.context.catalog_imports.import_questionnaire(input.catalog_document())
    version, framework = imported.questionnaire, imported.framework
    return ImportQuestionnairePayload(
        questionnaire=Questionnaire(version_record=version, framework_record=framework)
        if version and framework
        else None,
        published=imported.new,
    )
