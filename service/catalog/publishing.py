"""Publishing catalog documents as immutable versions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from beanie import SortDirection
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.storage.documents import FrameworkRecord, QuestionnaireRecord


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
    **extra: Any,
) -> PublishOutcome:
    key = str(document["key"])
    digest = content_hash(document)
    latest = (
        await record_type.find({"organization_id": organization_id, "key": key})
        .sort([("seq", SortDirection.DESCENDING)])
        .first_or_none()
    )
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
    try:
        await record.insert()
    except DuplicateKeyError:
        # Another process published this version first; theirs stands.
        return PublishOutcome(f"{kind} {key}@{seq}", str(seq), new=False)
    return PublishOutcome(f"{kind} {key}@{seq}", str(seq), new=True)


async def publish_framework(
    document: dict[str, Any], organization_id: ObjectId | None = None
) -> PublishOutcome:
    return await _publish(FrameworkRecord, "framework", document, organization_id)


async def publish_questionnaire(
    document: dict[str, Any], organization_id: ObjectId | None = None
) -> PublishOutcome:
    return await _publish(
        QuestionnaireRecord,
        "questionnaire",
        document,
        organization_id,
        framework_key=str(document.get("framework", "")),
    )
