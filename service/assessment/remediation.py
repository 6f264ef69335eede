"""The remediation plan: every open gap once, most date-moving first, with who fixes it.

The order is the engine's (``scoring.impact``): how many days the earliest report
date comes forward when the gap alone is closed, then severity, then effort (quick
wins first). Gaps that only months of operation close are waits, listed after the
work. Items (owner, due date, status, note) are kept per gap id, which stays the
same while the gap is open, so they survive saves; an item whose gap has closed
reads as DONE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bson import ObjectId

from service.assessment.answers import engine_answers
from service.assessment.reading import AssessmentReads, AssessmentView
from service.assessment.validation import MAX_NAME_LENGTH, collapsed
from service.errors import InvalidInput, InvalidState, NotFound, VersionConflict
from service.offload import worker_pool
from service.principal import Permission
from service.scoring.impact import date_impacts
from service.scoring.model import Gap
from service.scoring.rules import SEVERITY_ORDER
from service.storage.documents import RemediationItem
from service.storage.repositories import now
from service.storage.repositories.remediation import RemediationRepository
from service.storage.writes import audit_event

MAX_NOTE = 4_000
MAX_OWNER = MAX_NAME_LENGTH


class RemediationStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    RISK_ACCEPTED = "RISK_ACCEPTED"


@dataclass(frozen=True, slots=True)
class PlannedGap:
    priority: int
    gap: Gap
    gap_id: str
    date_impact_days: int
    waiting: bool
    item: RemediationItem | None


@dataclass(frozen=True, slots=True)
class ItemChange:
    """What ``updateRemediation`` sets; None leaves a field as it is."""

    owner: str | None = None
    due_date: date | None = None
    status: RemediationStatus | None = None
    note: str | None = None


def _ordered(gaps: list[Gap], impacts: list[int | None]) -> list[tuple[Gap, int | None]]:
    def key(pair: tuple[int, tuple[Gap, int | None]]) -> tuple[int, int, int, int, int]:
        index, (gap, impact) = pair
        waiting = impact is None
        return (
            int(waiting),
            -(impact or 0),
            SEVERITY_ORDER[gap.severity],
            gap.effort_weeks,
            index,
        )

    return [pair for _, pair in sorted(enumerate(zip(gaps, impacts, strict=True)), key=key)]


@dataclass
class Remediation:
    """The caller's remediation plans (reads of ``AssessmentReads``)."""

    reads: AssessmentReads

    async def _items(self, view: AssessmentView) -> dict[str, RemediationItem]:
        scope = await self.reads.access.scope(view.record.organization_id)
        assert view.record.id is not None  # noqa: S101 - a stored assessment
        items = await RemediationRepository(scope).items(view.record.id)
        return {item.gap_id: item for item in items}

    async def plan(self, view: AssessmentView, first: int | None = None) -> list[PlannedGap]:
        """Open gaps, most urgent first (at most ``first``)."""
        record, model = view.record, view.model
        day = view.report.as_of or self.reads.report_day(record)
        ledger = await self.reads.ledger(record, model, day)
        params = self.reads.params(record, day, model, ledger)
        answers = engine_answers(record.answers, model.months_keys)
        gaps = list(view.report.gaps)
        impacts = await worker_pool().run(date_impacts, model, answers, params, view.report, gaps)
        items = await self._items(view)
        planned = []
        for priority, (gap, impact) in enumerate(_ordered(gaps, impacts), start=1):
            gap_id = view.gap_id(gap)
            planned.append(
                PlannedGap(priority, gap, gap_id, impact or 0, impact is None, items.get(gap_id))
            )
        return planned[:first] if first is not None else planned

    async def items(self, view: AssessmentView) -> list[tuple[RemediationItem, str]]:
        """Every item of the assessment with its status as read: DONE once its gap closed."""
        open_ids = {view.gap_id(g) for g in view.report.gaps}
        return [
            (item, item.status if gap_id in open_ids else RemediationStatus.DONE.value)
            for gap_id, item in sorted((await self._items(view)).items())
        ]

    async def update(
        self,
        view: AssessmentView,
        gap_id: str,
        change: ItemChange,
        expected_version: int | None,
    ) -> tuple[RemediationItem, str]:
        """Set the owner, due date, status or note of an open gap's item (OWNER, ASSESSOR,
        CONTRIBUTOR), guarded by the item's version."""
        record = view.record
        scope = await self.reads.access.scope(record.organization_id, Permission.ANSWER)
        if record.archived:
            raise InvalidState("the assessment is archived: it is read-only")
        if gap_id not in {view.gap_id(g) for g in view.report.gaps}:
            raise NotFound("no open gap of this assessment has that id", ("input", "gapId"))
        fields = self._checked(change, self.reads.clock())
        repository = RemediationRepository(scope)
        assert record.id is not None  # noqa: S101 - a stored assessment
        event = audit_event(
            scope.principal,
            "updateRemediation",
            "Assessment",
            record.id,
            record.organization_id,
            gap=gap_id,
            fields=sorted(fields),
        )
        subject = scope.principal.subject
        current = await repository.item(record.id, gap_id)
        if current is None:
            if expected_version not in (None, 0):
                raise _stale(0, expected_version or 0)
            item = RemediationItem(
                id=ObjectId(),
                organization_id=record.organization_id,
                assessment_id=record.id,
                gap_id=gap_id,
                updated_at=now(),
                updated_by=subject,
                **fields,
            )
            if not await repository.create(item, event):
                raise _stale(1, 0)
            return item, item.status
        if expected_version is not None and expected_version != current.version:
            raise _stale(current.version, expected_version)
        if not await repository.update(current, fields, event=event, subject=subject):
            raise _stale(current.version + 1, current.version)
        updated = await repository.item(record.id, gap_id)
        if updated is None:
            raise NotFound("no open gap of this assessment has that id", ("input", "gapId"))
        return updated, updated.status

    @staticmethod
    def _checked(change: ItemChange, today: date) -> dict[str, object]:
        fields: dict[str, object] = {}
        if change.owner is not None:
            owner = collapsed(change.owner)
            if len(owner) > MAX_OWNER:
                raise InvalidInput(
                    f"owner must be at most {MAX_OWNER} characters", ("input", "owner")
                )
            fields["owner"] = owner or None
        if change.due_date is not None:
            if change.due_date < today:
                raise InvalidInput("dueDate must not be in the past", ("input", "dueDate"))
            fields["due_date"] = change.due_date.isoformat()
        if change.status is not None:
            fields["status"] = change.status.value
        if change.note is not None:
            note = change.note.strip()
            if len(note) > MAX_NOTE:
                raise InvalidInput(f"note must be at most {MAX_NOTE} characters", ("input", "note"))
            fields["note"] = note or None
        return fields


def _stale(current: int, expected: int) -> VersionConflict:
    return VersionConflict(
        f"the item is at version {current}, not {expected}; reload and retry",
        ("input", "expectedVersion"),
    )
