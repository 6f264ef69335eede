"""The content of a readiness report, independent of its format.

Every export (JSON, CSV, Markdown, HTML, OSCAL) renders this one structure,
so the formats cannot disagree about a number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from service.assessment.remediation import PlannedGap
from service.assessment.service import AssessmentView
from service.scoring.model import GapKind, Severity

SCHEMA_VERSION = "1.0"
SEVERITY_ORDER = [s.value for s in Severity]
KIND_ORDER = [k.value for k in GapKind]
CATEGORY_TITLES = {
    "SECURITY": "Security",
    "AVAILABILITY": "Availability",
    "PROCESSING_INTEGRITY": "Processing Integrity",
    "CONFIDENTIALITY": "Confidentiality",
    "PRIVACY": "Privacy",
}


@dataclass(frozen=True)
class Comparison:
    previous: AssessmentView
    previous_name: str
    previous_readiness: float
    readiness_delta: float
    category_deltas: dict[str, float]
    gaps_closed: list[dict[str, Any]]
    gaps_new: list[dict[str, Any]]


def _gap_key(gap: dict[str, Any]) -> tuple[str, str, str]:
    return (gap["kind"], gap["control"] or "", gap["question"] or gap["criterion"])


def gap_rows(view: AssessmentView) -> list[dict[str, Any]]:
    framework = view.framework
    rows = []
    for number, gap in enumerate(view.report.gaps, start=1):
        control = framework.controls.get(gap.control) if gap.control else None
        rows.append(
            {
                # Stable while the gap stays open (the API's Gap.id); the number is for
                # reading this report only.
                "id": view.gap_id(gap),
                "number": f"GAP-{number:03d}",
                "criterion": gap.criterion,
                "criterion_title": framework.criteria[gap.criterion].title,
                "criteria": list(gap.criteria),
                "control": gap.control,
                "control_name": control.name if control else None,
                "kind": gap.kind.value,
                "severity": gap.severity.value,
                "title": gap.title,
                "remediation": gap.remediation,
                "effort_weeks": gap.effort_weeks,
                "question": gap.question,
                "policy_family": control.policy_family if control else None,
            }
        )
    return rows


def timeline_of(view: AssessmentView) -> dict[str, Any]:
    """The timeline as plain data: its dates, and each blocker with the control's name."""
    timeline, framework = view.report.timeline, view.framework

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    latest = timeline.blockers[0].holds_start_until if timeline.blockers else None
    return {
        "status": timeline.status.value,
        "earliest_observation_start": day(timeline.earliest_observation_start),
        "earliest_report_date": day(timeline.earliest_report_date),
        "latest_report_date": day(timeline.latest_report_date),
        "type1_report_date": day(timeline.type1_report_date),
        "target_date": day(timeline.target_date),
        "meets_target": timeline.meets_target,
        "report_date_without_latest_blockers": day(timeline.report_date_without_latest),
        "blockers": [
            {
                "control": b.control,
                "control_name": framework.controls[b.control].name,
                "reason": b.reason.value,
                "holds_start_until": b.holds_start_until.isoformat(),
                "criteria": list(b.criteria),
                "latest": b.holds_start_until == latest,
            }
            for b in timeline.blockers
        ],
    }


def compare(current: AssessmentView, previous: AssessmentView) -> Comparison:
    now_rows, then_rows = gap_rows(current), gap_rows(previous)
    now_keys = {_gap_key(g) for g in now_rows}
    then_keys = {_gap_key(g) for g in then_rows}
    before = {c.category: c.score for c in previous.report.categories}
    return Comparison(
        previous=previous,
        previous_name=previous.record.name,
        previous_readiness=previous.report.readiness,
        readiness_delta=round(current.report.readiness - previous.report.readiness, 2),
        category_deltas={
            c.category: round(c.score - before[c.category], 2)
            for c in current.report.categories
            if c.category in before
        },
        gaps_closed=[g for g in then_rows if _gap_key(g) not in now_keys],
        gaps_new=[g for g in now_rows if _gap_key(g) not in then_keys],
    )


def report_document(
    view: AssessmentView,
    organization: str,
    comparison: Comparison | None,
    generated: datetime,
    as_of: date,
) -> dict[str, Any]:
    """The full report as plain data: the JSON export, and the source of every other format."""
    record, report, framework = view.record, view.report, view.framework
    gaps = gap_rows(view)
    severities = Counter(g["severity"] for g in gaps)
    kinds = Counter(g["kind"] for g in gaps)

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated.isoformat(),
        "as_of": as_of.isoformat(),
        "organization": organization,
        "assessment": {
            "id": str(record.id),
            "name": record.name,
            "status": record.status,
            "version": record.version,
            "audit_type": record.audit_type,
            "observation_window_months": record.window_months,
            "scope": list(record.scope),
            "target_date": record.target_date,
            "framework": {
                "key": framework.key,
                "version": framework.version,
                "name": framework.model.name,
            },
            "questionnaire": {"key": view.questionnaire.key, "version": view.questionnaire.version},
        },
        "readiness": report.readiness,
        "completeness": report.completeness,
        "answered": report.answered,
        "questions": report.total,
        "earliest_observation_start": day(report.earliest_observation_start),
        "earliest_report_date": day(report.earliest_report_date),
        "timeline": timeline_of(view),
        "categories": [
            {
                "category": c.category,
                "title": CATEGORY_TITLES.get(c.category, c.category),
                "score": c.score,
                "criteria_met": c.criteria_met,
                "criteria_total": c.criteria_total,
            }
            for c in report.categories
        ],
        "criteria": [
            {
                "ref": c.ref,
                "title": framework.criteria[c.ref].title,
                "category": c.category,
                "status": c.status.value,
                "score": c.score,
                "drivers": list(c.drivers),
            }
            for c in report.criteria
        ],
        "controls": [
            {
                "key": c.key,
                "name": framework.controls[c.key].name,
                "status": c.status.value,
                "score": c.score,
                "months_operated": c.months_operated,
            }
            for c in report.controls
        ],
        "gaps": gaps,
        "gap_counts": {
            "by_severity": {s: severities.get(s, 0) for s in SEVERITY_ORDER},
            "by_kind": {k: kinds.get(k, 0) for k in KIND_ORDER},
        },
        "comparison": None
        if comparison is None
        else {
            "previous_assessment": comparison.previous_name,
            "previous_readiness": comparison.previous_readiness,
            "readiness_delta": comparison.readiness_delta,
            "category_deltas": comparison.category_deltas,
            "gaps_closed": len(comparison.gaps_closed),
            "gaps_new": len(comparison.gaps_new),
            "closed": comparison.gaps_closed,
            "new": comparison.gaps_new,
        },
    }


def plan_rows(content: dict[str, Any], planned: list[PlannedGap]) -> list[dict[str, Any]]:
    """The remediation plan as rows of the content's gaps, with their place and items."""
    rows = {g["id"]: g for g in content["gaps"]}
    plan = []
    for p in planned:
        item = p.item
        plan.append(
            {
                **rows[p.gap_id],
                "priority": p.priority,
                "date_impact_days": p.date_impact_days,
                "waiting": p.waiting,
                "owner": item.owner if item else None,
                "due_date": item.due_date if item else None,
                "status": item.status if item else "OPEN",
                "item_note": item.note if item else None,
            }
        )
    return plan


def answer_rows(view: AssessmentView) -> list[dict[str, Any]]:
    """Every answer in questionnaire order, with its question's words and the note."""
    questions = view.questionnaire.questions
    answers = {a["question_key"]: a for a in view.record.answers}
    return [
        {
            "question": key,
            "text": question.text.strip(),
            "value": answers[key]["value"],
            "note": answers[key].get("note"),
        }
        for key, question in questions.items()
        if key in answers
    ]
