"""GraphQL types of the remediation plan: planned gaps and the items people attach to them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from service.api import enums
from service.api.ids import global_id
from service.api.types.report import Gap, gaps_of
from service.assessment.reading import AssessmentView
from service.assessment.records import RemediationItem as ItemRecord
from service.assessment.remediation import PlannedGap as PlannedRecord


@strawberry.type(description="Who fixes a gap, by when, and how far it got.")
class RemediationItem:
    record: strawberry.Private[ItemRecord]
    shown_status: strawberry.Private[str]

    @strawberry.field(description="Global id of the item.")
    def id(self) -> strawberry.ID:
        return global_id("RemediationItem", self.record.id)

    @strawberry.field(description="The gap's stable id (Gap.id).")
    def gap_id(self) -> strawberry.ID:
        return strawberry.ID(self.record.gap_id)

    @strawberry.field(
        description="Who is to fix the gap, free text of at most 200 characters; null when "
        "unassigned."
    )
    def owner(self) -> str | None:
        return self.record.owner

    @strawberry.field(
        description="The day it should be fixed by (ISO date, not in the past when set); null "
        "when none."
    )
    def due_date(self) -> date | None:
        return date.fromisoformat(self.record.due_date) if self.record.due_date else None

    @strawberry.field(description="DONE once the gap has closed, whatever was set.")
    def status(self) -> enums.RemediationStatus:
        return enums.RemediationStatus(self.shown_status)

    @strawberry.field(description="Free text of at most 4,000 characters; null when empty.")
    def note(self) -> str | None:
        return self.record.note

    @strawberry.field(
        description="1 when created, up by one with each change; send it as expectedVersion "
        "to updateRemediation."
    )
    def version(self) -> int:
        return self.record.version

    @strawberry.field(description="When the item was last changed (UTC).")
    def updated_at(self) -> datetime:
        return self.record.updated_at

    @strawberry.field(
        description="Who last changed it: the user's subject (the OIDC sub claim) or the API "
        "key's subject."
    )
    def updated_by(self) -> str:
        return self.record.updated_by

    @classmethod
    def of(cls, record: ItemRecord, status: str) -> RemediationItem:
        return cls(record=record, shown_status=status)


@strawberry.type(description="One open gap in the remediation plan.")
class PlannedGap:
    priority: int = strawberry.field(description="1 is the most urgent.")
    gap: Gap = strawberry.field(description="The open gap.")
    item: RemediationItem | None = strawberry.field(
        description="Who fixes it and by when; null until someone sets it with updateRemediation."
    )
    date_impact_days: int = strawberry.field(
        description="How many days the earliest report date comes forward if this gap "
        "alone is closed, computed by the engine (0: it holds nothing)."
    )
    waiting: bool = strawberry.field(
        description="Only months of operation close it: a wait, not work (listed last)."
    )

    @classmethod
    def listed(cls, view: AssessmentView, planned: list[PlannedRecord]) -> list[PlannedGap]:
        gaps = gaps_of(view, [p.gap for p in planned])
        return [
            cls(
                priority=p.priority,
                gap=gap,
                item=RemediationItem.of(p.item, p.item.status) if p.item else None,
                date_impact_days=p.date_impact_days,
                waiting=p.waiting,
            )
            for p, gap in zip(planned, gaps, strict=True)
        ]
