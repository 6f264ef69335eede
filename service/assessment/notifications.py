"""The changes webhooks hear of, as outbox rows written with the change itself.

REPORT_CHANGED is written when a change moves what a reader of the report acts on:
readiness, a category's score, the earliest report date, or the set of open gaps
(a gap is its kind, criterion, control and question). ASSESSMENT_SUBMITTED is written
with the submission, DRAFT_READY when a policy draft is finished. ``data`` holds
headline figures and ids only, never answers or notes: a webhook receiver learns what
changed and reads the details through the API with its own key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from service.storage.documents import now
from service.storage.embedding_documents import OutboxEvent

# How long after a change its event is fanned out: room for the change's own write to
# finish (or to be withdrawn) before any worker looks.
SETTLE = timedelta(seconds=1)


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """What REPORT_CHANGED compares, from a stored report."""
    gaps = sorted({(g[0], g[2] or "", g[4] or "", g[5] or "") for g in report.get("gaps", [])})
    return {
        "readiness": report.get("readiness"),
        "categoryScores": {c[0]: c[1] for c in report.get("categories", [])},
        "earliestReportDate": report.get("earliest_report_date"),
        "openGaps": gaps,
    }


def outbox_event(
    organization_id: ObjectId,
    event: str,
    assessment_id: ObjectId | None,
    data: dict[str, Any],
    moment: datetime | None = None,
) -> OutboxEvent:
    occurred = moment or now()
    return OutboxEvent(
        id=ObjectId(),
        organization_id=organization_id,
        event=event,
        assessment_id=assessment_id,
        occurred_at=occurred,
        due_at=occurred + SETTLE,
        data=data,
    )


def report_changed(
    organization_id: ObjectId,
    assessment_id: ObjectId,
    before: dict[str, Any],
    after: dict[str, Any],
    version: int,
) -> OutboxEvent | None:
    """REPORT_CHANGED for a report that moved from ``before`` to ``after``, else None."""
    old, new = headline(before), headline(after)
    changed = [key for key in new if old[key] != new[key]]
    if not changed:
        return None
    data = {
        "version": version,
        "changed": changed,
        "readiness": new["readiness"],
        "categoryScores": new["categoryScores"],
        "earliestReportDate": new["earliestReportDate"],
        "openGaps": len(new["openGaps"]),
    }
    return outbox_event(organization_id, "REPORT_CHANGED", assessment_id, data)
