"""Publishing a custom catalog document on a caller's behalf: who may, reading it, the audit.

Without an organisation the document is global, which only platform admins
may publish; with one it is visible only inside that organisation, and only
its OWNER may publish it. A refused document lists every problem, each with
its path inside the document, and writes nothing. Every publication (a new
version or an identical one) is written to the audit log.

Reading and validating the document is CPU work bounded by the reader's limits
(size, nesting, nodes, integer length); it runs in the worker pool, so a hostile
upload costs a worker thread, not the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from bson import ObjectId

from service.catalog.catalog import FrameworkVersion, QuestionnaireVersion
from service.catalog.documents_io import read_document
from service.catalog.publishing import (
    AuditEventOf,
    PublishOutcome,
    publish_framework,
    publish_questionnaire,
)
from service.catalog.repository import CatalogRepository
from service.catalog.validation import CatalogError, CatalogLimitExceeded
from service.errors import DomainError, ErrorCode, Forbidden, InvalidInput, LimitExceeded, Problem
from service.offload import worker_pool
from service.principal import Permission
from service.storage.tenancy import Access
from service.storage.writes import audit_event, write

DocumentFormat = Literal["YAML", "JSON"]


@dataclass(frozen=True)
class CatalogDocument:
    """A document to publish: its text and format, and its owner (global: no organisation)."""

    text: str
    format: DocumentFormat
    organization_id: ObjectId | None
    global_document: bool


@dataclass(frozen=True)
class ImportedFramework:
    framework: FrameworkVersion | None
    new: bool


@dataclass(frozen=True)
class ImportedQuestionnaire:
    questionnaire: QuestionnaireVersion | None
    framework: FrameworkVersion | None
    new: bool


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


class CatalogImports:
    """Custom frameworks and questionnaires published by the caller."""

    def __init__(self, access: Access, catalog: CatalogRepository) -> None:
        self.access = access
        self.catalog = catalog

    async def _owner(
        self, organization_id: ObjectId | None, global_document: bool
    ) -> ObjectId | None:
        if global_document:
            if not self.access.principal.platform_admin:
                raise Forbidden(
                    "only platform admins publish global catalog documents",
                    ("input", "organizationId"),
                )
            return None
        scope = await self.access.scope(organization_id, Permission.ADMINISTER)
        return scope.organization_id

    async def _read(self, document: str, fmt: DocumentFormat) -> dict[str, Any]:
        try:
            raw: dict[str, Any] = await worker_pool().run(read_document, document, fmt)
        except LimitExceeded as error:
            raise LimitExceeded(str(error), ("input", "document")) from None
        return raw

    async def _publish(
        self,
        source: CatalogDocument,
        action: str,
        publish: Callable[
            [dict[str, Any], ObjectId | None, AuditEventOf], Awaitable[PublishOutcome]
        ],
    ) -> tuple[str, PublishOutcome, ObjectId | None]:
        """Check the caller may publish, read and publish the document with its audit event
        (one write): the document's key, the outcome and the owner."""
        owner = await self._owner(source.organization_id, source.global_document)
        try:
            raw = await self._read(source.text, source.format)

            def event_of(version: str) -> dict[str, Any]:
                target = f"{raw.get('key')}@{version}"
                return audit_event(self.access.principal, action, "Catalog", target, owner)

            outcome = await publish(raw, owner, event_of)
        except CatalogError as error:
            raise _refused(error) from None
        if not outcome.new:
            # Nothing was published (the same content is live): the attempt alone is recorded.
            await write([], event_of(outcome.version))
        return raw["key"], outcome, owner

    async def import_framework(self, source: CatalogDocument) -> ImportedFramework:
        key, outcome, owner = await self._publish(source, "importFramework", publish_framework)
        version = await self.catalog.framework(key, outcome.version, owner)
        return ImportedFramework(version, outcome.new)

    async def import_questionnaire(self, source: CatalogDocument) -> ImportedQuestionnaire:
        async def publish(
            raw: dict[str, Any], owner: ObjectId | None, event_of: AuditEventOf
        ) -> PublishOutcome:
            return await publish_questionnaire(raw, self.catalog, owner, event_of)

        key, outcome, owner = await self._publish(source, "importQuestionnaire", publish)
        version = await self.catalog.questionnaire(key, outcome.version, owner)
        framework = await self.catalog.framework_by_id(version.framework_id) if version else None
        return ImportedQuestionnaire(version, framework, outcome.new)
