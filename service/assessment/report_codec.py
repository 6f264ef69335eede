"""Storing a scoring ``Report`` in the assessment document and reading it back."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.scoring.model import (
    CategoryResult,
    ControlResult,
    ControlStatus,
    CriterionResult,
    CriterionStatus,
    Gap,
    GapKind,
    Report,
    Severity,
)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def to_document(report: Report) -> dict[str, Any]:
    return {
        "readiness": report.readiness,
        "completeness": report.completeness,
        "answered": report.answered,
        "total": report.total,
        "earliest_observation_start": _day(report.earliest_observation_start),
        "earliest_report_date": _day(report.earliest_report_date),
        "categories": [
            [c.category, c.score, c.criteria_met, c.criteria_total] for c in report.categories
        ],
        "criteria": [
            [c.ref, c.category, c.status.value, c.score, list(c.drivers)] for c in report.criteria
        ],
        "controls": [
            [c.key, c.status.value, c.score, c.design, c.months_operated, c.evidence]
            for c in report.controls
        ],
        "gaps": [
            [
                g.kind.value,
                g.severity.value,
                g.criterion,
                list(g.criteria),
                g.control,
                g.question,
                g.title,
                g.remediation,
                g.effort_weeks,
            ]
            for g in report.gaps
        ],
    }


def from_document(document: dict[str, Any]) -> Report:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return Report(
        readiness=document["readiness"],
        completeness=document["completeness"],
        categories=tuple(CategoryResult(c[0], c[1], c[2], c[3]) for c in document["categories"]),
        criteria=tuple(
            CriterionResult(c[0], c[1], CriterionStatus(c[2]), c[3], tuple(c[4]))
            for c in document["criteria"]
        ),
        controls=tuple(
            ControlResult(c[0], ControlStatus(c[1]), c[2], c[3], c[4], c[5])
            for c in document["controls"]
        ),
        gaps=tuple(
            Gap(GapKind(g[0]), Severity(g[1]), g[2], tuple(g[3]), g[4], g[5], g[6], g[7], g[8])
            for g in document["gaps"]
        ),
        earliest_observation_start=day(document["earliest_observation_start"]),
        earliest_report_date=day(document["earliest_report_date"]),
        answered=document["answered"],
        total=document["total"],
    )
