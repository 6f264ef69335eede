"""A policy draft redrafted from changed inputs: a new version of the same draft."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from service.errors import VersionConflict
from service.storage.drafting_documents import PolicyDraftRecord, PolicyDraftRevision
from service.storage.repositories import DraftRepository

# What a redraft replaces; the rest (its id, who created it, its history) stays.
_REPLACED = (
    "title",
    "body",
    "controls",
    "gap_controls",
    "commitments",
    "criteria",
    "status",
    "generating",
    "generator",
    "prompt_version",
    "input_hash",
    "updated_at",
    "job",
    "lease_until",
    "attempts",
    "progress",
)


async def revised(
    drafts: DraftRepository,
    fresh: PolicyDraftRecord,
    current: PolicyDraftRecord,
    subject: str,
    event: dict[str, Any] | None,
) -> PolicyDraftRecord:
    """``current`` as a new version for changed inputs (``fresh`` is the record a new draft
    would start as), its body kept as a revision, in one guarded write."""
    assert current.id is not None  # noqa: S101 - a stored draft
    revision = PolicyDraftRevision(
        id=ObjectId(),
        organization_id=current.organization_id,
        draft_id=current.id,
        number=current.version,
        body=current.body,
        status=current.status,
        replaced_at=fresh.updated_at,
        replaced_by=subject,
    )
    fields: dict[str, Any] = {key: getattr(fresh, key) for key in _REPLACED}
    fields["version"] = current.version + 1
    if not await drafts.review(current, fields, revision, event):
        raise VersionConflict(
            "the draft changed while it was being redrafted; retry", ("input", "assessmentId")
        )
    updated: PolicyDraftRecord = current.model_copy(update=fields)
    return updated
