"""Publishing catalog documents as immutable versions.

A document is validated first (every problem listed, nothing written on
failure), then stored in its canonical form. Its content hash decides
whether it is new: an unchanged document is left as it is, a changed one
becomes the next version. Published versions are never updated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from service.catalog.repository import CatalogRepository
from service.catalog.validation import CatalogError, parse_framework, parse_questionnaire
from service.offload import worker_pool
from service.storage.documents import FrameworkRecord, QuestionnaireRecord
from service.storage.repositories.catalog import CatalogRecords

# The audit event of a publication, given the version it publishes.
AuditEventOf = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class PublishOutcome:
    label: str
    version: str
    new: bool


def content_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _publish(
    record_type: type[FrameworkRecord] | type[QuestionnaireRecord],
    kind: str,
    document: dict[str, Any],
    organization_id: ObjectId | None,
    *,
    basis: str = "",
    event_of: AuditEventOf | None = None,
    **extra: Any,
) -> PublishOutcome:
    key = str(document["key"])
    digest = content_hash({"document": document, "basis": basis})
    records = CatalogRecords(organization_id)
    latest = await records.latest(record_type, key)
    if latest is not None and latest.content_hash == digest:
        return PublishOutcome(f"{kind} {key}@{latest.version}", latest.version, new=False)
    seq = 1 if latest is None else latest.seq + 1
    record = record_type(
        key=key,
        version=str(seq),
        seq=seq,
        name=str(document.get("name", key)),
        content_hash=digest,
        organization_id=organization_id,
        published_at=datetime.now(UTC),
        body=document,
        **extra,
    )
    # False when another process published this version first; theirs stands. The audit
    # event, when there is one, is written in the same write as the version.
    new = await records.publish(record, event_of(str(seq)) if event_of else None)
    return PublishOutcome(f"{kind} {key}@{seq}", str(seq), new=new)


async def publish_framework(
    raw: object, organization_id: ObjectId | None = None, event_of: AuditEventOf | None = None
) -> PublishOutcome:
    """Validate and publish a framework; raises ``CatalogError`` listing every problem."""
    # Validation is CPU work over an uploaded document: off the event loop.
    framework = await worker_pool().run(parse_framework, raw)
    return await _publish(
        FrameworkRecord,
        "framework",
        framework.model_dump(mode="json"),
        organization_id,
        event_of=event_of,
    )


async def publish_questionnaire(
    raw: object,
    repository: CatalogRepository,
    organization_id: ObjectId | None = None,
    event_of: AuditEventOf | None = None,
) -> PublishOutcome:
    """Validate a questionnaire against the latest version of its framework, then publish it."""
    framework_key = raw.get("framework") if isinstance(raw, dict) else None
    framework = (
        await repository.framework(framework_key, organization_id=organization_id)
        if isinstance(framework_key, str)
        else None
    )
    if framework is None:
        raise CatalogError([f"framework: unknown framework {framework_key!r}"])
    questionnaire = await worker_pool().run(parse_questionnaire, raw, framework.model)
    return await _publish(
        QuestionnaireRecord,
        "questionnaire",
        questionnaire.model_dump(mode="json"),
        organization_id,
        event_of=event_of,
        framework_key=framework.key,
        # Bound to the framework version it was validated against: a new
        # framework version republishes the questionnaire for it.
        basis=str(framework.record_id),
        framework_version=framework.version,
        framework_id=framework.record_id,
    )
