"""``importFramework`` and ``importQuestionnaire``: publish a custom catalog document.

Without an organisation the document is global, which only platform admins
may publish; with one it is visible only inside that organisation, and only
its OWNER may publish it. A refused document lists every problem, each with
its path inside the document, and writes nothing.

Reading and validating the document is CPU work bounded by the reader's limits
(size, nesting, nodes, integer length); it runs in the worker pool, so a hostile
upload costs a worker thread, not the event loop.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from bson import ObjectId

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.api.types.catalog import Framework, Questionnaire
from service.api.types.organization import TYPE_NAME as ORGANIZATION
from service.catalog.documents_io import read_document
from service.catalog.publishing import publish_framework, publish_questionnaire
from service.catalog.validation import CatalogError, CatalogLimitExceeded
from service.errors import (
    DomainError,
    ErrorCode,
    Forbidden,
    InvalidInput,
    LimitExceeded,
    Problem,
)
from service.offload import worker_pool
from service.principal import Permission
from service.storage.writes import audit_event, write


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


@strawberry.type
class ImportFrameworkPayload:
    framework: Framework | None
    published: bool = strawberry.field(description="False when an identical version existed.")
    errors: list[UserError]


@strawberry.type
class ImportQuestionnairePayload:
    questionnaire: Questionnaire | None
    published: bool
    errors: list[UserError]


def _refused(error: CatalogError) -> DomainError:
    code = (
        ErrorCode.LIMIT_EXCEEDED if isinstance(error, CatalogLimitExceeded) else ErrorCode.INVALID
    )
    return InvalidInput.many(
        [
            Problem(code, problem, ("input", "document", problem.split(": ", 1)[0]))
            for problem in error.problems
        ]
    )


async def _read(input: ImportCatalogDocumentInput) -> dict[str, Any]:
    try:
        return await worker_pool().run(read_document, input.document, input.format.value)
    except LimitExceeded as error:
        raise LimitExceeded(str(error), ("input", "document")) from None


async def _audit(
    info: strawberry.Info[Context, None],
    action: str,
    raw: dict[str, object],
    version: str,
    owner: ObjectId | None,
) -> None:
    target = f"{raw.get('key')}@{version}"
    await write([], audit_event(info.context.principal, action, "Catalog", target, owner))


async def _owner(
    info: strawberry.Info[Context, None], organization_id: strawberry.ID | None
) -> ObjectId | None:
    if organization_id is None:
        if not info.context.principal.platform_admin:
            raise Forbidden(
                "only platform admins publish global catalog documents", ("input", "organizationId")
            )
        return None
    object_id = decode_id(ORGANIZATION, organization_id)
    scope = await info.context.access.scope(object_id, Permission.ADMINISTER)
    return scope.organization_id


async def import_framework(
    info: strawberry.Info[Context, None],
    input: ImportCatalogDocumentInput,
) -> ImportFrameworkPayload:
    try:
        owner = await _owner(info, input.organization_id)
        try:
            raw = await _read(input)
            outcome = await publish_framework(raw, owner)
        except CatalogError as error:
            raise _refused(error) from None
        await _audit(info, "importFramework", raw, outcome.version, owner)
        version = await info.context.catalog.framework(raw["key"], outcome.version, owner)
    except DomainError as error:
        return ImportFrameworkPayload(framework=None, published=False, errors=user_errors(error))
    return ImportFrameworkPayload(
        framework=Framework(version_record=version) if version else None,
        published=outcome.new,
        errors=[],
    )


async def import_questionnaire(
    info: strawberry.Info[Context, None],
    input: ImportCatalogDocumentInput,
) -> ImportQuestionnairePayload:
    catalog = info.context.catalog
    try:
        owner = await _owner(info, input.organization_id)
        try:
            raw = await _read(input)
            outcome = await publish_questionnaire(raw, catalog, owner)
        except CatalogError as error:
            raise _refused(error) from None
        await _audit(info, "importQuestionnaire", raw, outcome.version, owner)
        version = await catalog.questionnaire(raw["key"], outcome.version, owner)
        framework = await catalog.framework_by_id(version.framework_id) if version else None
    except DomainError as error:
        return ImportQuestionnairePayload(
            questionnaire=None, published=False, errors=user_errors(error)
        )
    return ImportQuestionnairePayload(
        questionnaire=Questionnaire(version_record=version, framework_record=framework)
        if version and framework
        else None,
        published=outcome.new,
        errors=[],
    )
