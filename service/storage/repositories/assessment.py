"""Assessments of the organisations in scope, and the answers they replaced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from service.storage.documents import AnswerRevision, AssessmentRecord, AssessmentSummary, now
from service.storage.embedding_documents import OutboxEvent
from service.storage.packing import packed, unpacked
from service.storage.repositories.base import Memberships, Page, Repository, TenantScope
from service.storage.repositories.webhook import outbox_step
from service.storage.writes import GuardFailed, Insert, UpdateEvery, Write, write

# Lists of assessments need no answers, no history and only the report's headline.
# Lists name what they keep (an inclusion projection): a heavy field added later stays out,
# and servers copy the few kept fields instead of stripping large arrays from each document.
_HEAVY = {"answers", "answer_history", "report"}
_SUMMARY = {
    **{
        (info.alias or name): 1
        for name, info in AssessmentRecord.model_fields.items()
        if name not in _HEAVY and name != "revision_id"
    },
    **{
        f"report.{key}": 1
        for key in (
            "readiness",
            "completeness",
            "answered",
            "total",
            "earliest_observation_start",
            "earliest_report_date",
            "categories",
            "as_of",
            "timeline",
        )
    },
}


_TRUSTED = ("answers", "report")
_HEADLINE = tuple(key.split(".", 1)[1] for key in _SUMMARY if key.startswith("report."))


def summary_of(row: dict[str, Any]) -> dict[str, Any]:
    """The summary document of an assessment (as stored, or a ``$set`` of its fields):
    every field but the heavy ones, and the report's headline."""
    summary = {key: value for key, value in row.items() if key not in _HEAVY}
    report = row.get("report")
    if isinstance(report, dict):
        headline = {key: report[key] for key in _HEADLINE if key in report}
        timeline = headline.get("timeline")
        if isinstance(timeline, dict) and "blockers" in timeline:
            # Whether blockers hold the start, not which (most of a timeline's bytes): a
            # reader of the blockers loads the full assessment.
            headline["timeline"] = {**timeline, "blockers": timeline["blockers"][:1]}
        summary["report"] = headline
    return summary


def _record(row: dict[str, Any]) -> AssessmentRecord:
    """An assessment from a stored row. The scalar fields are validated; the two large
    free-form fields (typed ``Any`` inside, so validation would only copy them, a few
    milliseconds per read of a full assessment) are checked for shape and attached as read."""
    # Revisions kept inline by older versions are read only by ``history``. Full reads
    # take no projection: an exclusion projection cost the embedded server more than
    # the bytes it saved, and new documents carry no history.
    row.pop("answer_history", None)
    heavy = unpacked({key: row.pop(key) for key in _TRUSTED if key in row})
    record: AssessmentRecord = AssessmentRecord.model_validate(row)
    answers = heavy.get("answers", [])
    report = heavy.get("report", {})
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise TypeError("stored answers are not a list of documents")
    if not isinstance(report, dict):
        raise TypeError("stored report is not a document")
    record.answers = answers
    record.report = report
    return record


class AssessmentRepository(Repository):
    """Assessments of the organisations in scope: one, or all of the caller's."""

    def __init__(self, organization_ids: Sequence[ObjectId]) -> None:
        super().__init__(organization_ids)

    @classmethod
    def of_scope(cls, scope: TenantScope) -> AssessmentRepository:
        return cls([scope.organization_id])

    @classmethod
    async def of_access(cls, access: Memberships) -> AssessmentRepository:
        return cls(list((await access.roles()).keys()))

    async def insert(self, record: AssessmentRecord, event: dict[str, Any]) -> AssessmentRecord:
        record.id = record.id or PydanticObjectId()
        step = self._insert(AssessmentRecord, record)
        summary = self._insert(AssessmentSummary, summary_of(step.document))
        event["target_id"] = str(record.id)
        await write([Insert(AssessmentRecord, packed(step.document)), summary], event)
        return record

    async def get(self, assessment_id: ObjectId) -> AssessmentRecord | None:
        found = await self._row(AssessmentRecord, _id=assessment_id)
        return _record(found) if found else None

    async def get_many(self, ids: Sequence[ObjectId]) -> list[AssessmentRecord | None]:
        """Full assessments by id in one query, aligned with ``ids``."""
        rows = await self._rows(AssessmentRecord, _id={"$in": list(ids)})
        found = {row["_id"]: _record(row) for row in rows}
        return [found.get(i) for i in ids]

    async def previous(self, record: AssessmentRecord) -> AssessmentRecord | None:
        """The same organisation's assessment of the same framework created just before."""
        if record.organization_id not in self.reach:
            return None
        found = await self._row(
            AssessmentRecord,
            within=record.organization_id,
            sort=[("organization_id", 1), ("_id", -1)],
            framework_key=record.framework_key,
            _id={"$lt": record.id},
        )
        return _record(found) if found else None

    async def has_submitted(
        self, organization_id: ObjectId, audit_type: str, other_than: ObjectId | None
    ) -> bool:
        """Whether the organisation has submitted an assessment of ``audit_type`` (other than
        ``other_than``)."""
        found = await self._row(
            AssessmentRecord,
            within=organization_id,
            projection={"_id": 1},
            status="SUBMITTED",
            audit_type=audit_type,
            **({"_id": {"$ne": other_than}} if other_than is not None else {}),
        )
        return found is not None

    async def history(
        self, assessment_id: ObjectId, question_key: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Earlier answers, newest first: the revisions collection, then any revisions an
        older version of the service kept inside the assessment document."""
        record = await self._row(
            AssessmentRecord,
            projection={"organization_id": 1, "answer_history": 1},
            _id=assessment_id,
        )
        if record is None:
            return []
        wanted: dict[str, Any] = {"question_key": question_key} if question_key is not None else {}
        revisions = await self._rows(
            AnswerRevision,
            within=record["organization_id"],
            projection={"_id": 0, "organization_id": 0, "assessment_id": 0},
            sort=[("organization_id", 1), ("assessment_id", 1), ("replaced_in_version", -1)],
            limit=limit,
            assessment_id=assessment_id,
            **wanted,
        )
        legacy = [
            h
            for h in reversed(record.get("answer_history", []))
            if question_key is None or h.get("question_key") == question_key
        ]
        return (revisions + legacy)[:limit]

    async def update(
        self,
        assessment_id: ObjectId,
        expected_version: int,
        fields: dict[str, Any],
        history: list[dict[str, Any]] | None = None,
        *,
        allowed_statuses: Sequence[str] | None = None,
        event: dict[str, Any] | None = None,
        organization_id: ObjectId | None = None,
        outbox: Sequence[OutboxEvent] = (),
    ) -> bool:
        """One write guarded by the version, then the replaced answers (``history``, as
        revisions of ``organization_id``'s assessment), the ``outbox`` events for webhooks
        and the audit event, in one ordered batch; False when the guard did not match, in
        which case nothing was written."""
        statuses: dict[str, Any] = (
            {} if allowed_statuses is None else {"status": {"$in": list(allowed_statuses)}}
        )
        update: dict[str, Any] = {"$set": {**packed(fields), "version": expected_version + 1}}
        # An archived assessment is read-only, whoever archived it in between.
        guarded = self._guarded_update(
            AssessmentRecord,
            update,
            _id=assessment_id,
            version=expected_version,
            archived={"$ne": True},
            **statuses,
        )
        # Revisions follow the guarded update in the same ordered batch: written only
        # when the update was, and outside the assessment so its size stays bounded.
        revisions = [
            self._insert(
                AnswerRevision,
                {
                    **h,
                    "organization_id": organization_id,
                    "assessment_id": assessment_id,
                    "replaced_in_version": expected_version + 1,
                },
            )
            for h in history or []
        ]
        # The summary follows in the same write (not guarded: the guard above decided).
        summary = UpdateEvery(
            AssessmentSummary,
            self._filter(AssessmentSummary, _id=assessment_id),
            {"$set": {**summary_of(fields), "version": expected_version + 1}},
        )
        steps: list[Write] = [guarded, summary, *revisions, *(outbox_step(o) for o in outbox)]
        try:
            await write(steps, event)
        except GuardFailed:
            return False
        return True

    async def page(
        self, first: int, after: ObjectId | None, include_archived: bool = False
    ) -> Page[AssessmentRecord]:
        """Newest first, keyset on _id; archived ones only when asked for."""
        listed: dict[str, Any] = {} if include_archived else {"archived": {"$ne": True}}
        keyset: dict[str, Any] = {"_id": {"$lt": after}} if after is not None else {}
        rows = await self._rows(
            AssessmentSummary,
            sort=[("organization_id", 1), ("_id", -1)],
            limit=first + 1,
            **keyset,
            **listed,
        )
        items = [_record(row) for row in rows[:first]]
        return Page(
            items=items,
            has_next=len(rows) > first,
            count=lambda: self._count(AssessmentSummary, **listed),
        )

    async def archive(self, assessment_id: ObjectId, event: dict[str, Any]) -> bool:
        """Mark it archived (its version moves, so a client holding it sees the change);
        False when it is not there or already archived."""
        change = {"$set": {"archived": True, "updated_at": now()}, "$inc": {"version": 1}}
        step = self._guarded_update(
            AssessmentRecord, change, _id=assessment_id, archived={"$ne": True}
        )
        summary = UpdateEvery(
            AssessmentSummary, self._filter(AssessmentSummary, _id=assessment_id), change
        )
        try:
            await write([step, summary], event)
        except GuardFailed:
            return False
        return True

    async def latest_by_organization(self) -> dict[ObjectId, dict[str, Any]]:
        """Per organisation, in one query, the summary of the assessment its headline
        follows: the latest submitted one, else the most recently updated; archived ones
        never."""
        rows = await self._aggregate(
            AssessmentSummary,
            [
                {
                    "$addFields": {
                        "_submitted": {"$cond": [{"$eq": ["$status", "SUBMITTED"]}, 1, 0]},
                        "_moment": {"$ifNull": ["$submitted_at", "$updated_at"]},
                    }
                },
                {"$sort": {"organization_id": 1, "_submitted": -1, "_moment": -1}},
                {
                    "$group": {
                        "_id": "$organization_id",
                        "assessment_id": {"$first": "$_id"},
                        "readiness": {"$first": "$readiness"},
                        "completeness": {"$first": "$completeness"},
                        "updated_at": {"$first": "$updated_at"},
                        "status": {"$first": "$status"},
                    }
                },
            ],
            archived={"$ne": True},
        )
        return {row["_id"]: row for row in rows}


async def backfill_summaries() -> int:
    """Write the summary of every assessment that has none (stored before summaries
    existed); how many were written. Cheap when nothing is missing: two estimated counts."""
    reach = Repository()
    if await reach._total(AssessmentSummary) >= await reach._total(AssessmentRecord):
        return 0
    have = [
        row["_id"]
        for row in await reach._rows(
            AssessmentSummary, by=("_id", {"$exists": True}), projection={"_id": 1}
        )
    ]
    # The whole report (packed, its headline cannot be projected) with the summary's fields.
    source = {**{k: 1 for k in _SUMMARY if not k.startswith("report.")}, "report": 1}
    missing = [
        unpacked(row)
        for row in await reach._rows(
            AssessmentRecord, by=("_id", {"$nin": have}), projection=source
        )
    ]
    owners = Repository(list({row["organization_id"] for row in missing}))
    return await owners._insert_new(AssessmentSummary, [summary_of(row) for row in missing])
