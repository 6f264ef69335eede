"""Storing a scoring ``Report`` in the assessment document and reading it back.

Results are stored as short arrays. A gap keeps what varies (kind, severity,
criteria, control or question, effort, and a detail: months operated for an
OPERATING gap, 1 for a partly-in-place control's DESIGN gap); its title and
remediation come from the catalog again when it is read (``texts.of_gap``),
which halves the size of an answered assessment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from service.scoring import texts
from service.scoring.model import (
    CategoryResult,
    ControlResult,
    ControlStatus,
    CriterionResult,
    CriterionStatus,
    EngineModel,
    Gap,
    GapKind,
    Report,
    Severity,
)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _detail(gap: Gap, controls: dict[str, ControlResult]) -> int:
    result = controls.get(gap.control) if gap.control else None
    if result is None:
        return 0
    if gap.kind is GapKind.OPERATING:
        return result.months_operated or 0
    return 1 if gap.kind is GapKind.DESIGN and result.status is ControlStatus.PARTIAL else 0


def to_document(report: Report) -> dict[str, Any]:
    controls = {c.key: c for c in report.controls}
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
                g.effort_weeks,
                _detail(g, controls),
            ]
            for g in report.gaps
        ],
    }


def from_document(
    document: dict[str, Any], model: EngineModel | None = None, window: int = 0
) -> Report:
    """The report; ``model`` (the catalog version the report was computed with) and the
    observation ``window`` give the gaps their words, and may be left out when the
    document's gap list is empty (headline figures only)."""

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    def gap(g: list[Any]) -> Gap:
        kind = GapKind(g[0])
        if model is None:
            raise ValueError("reading a stored gap list needs the engine model")
        title, remediation = texts.of_gap(
            model, kind, control=g[4], question=g[5], detail=g[7], window=window
        )
        return Gap(kind, Severity(g[1]), g[2], tuple(g[3]), g[4], g[5], title, remediation, g[6])

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
        gaps=tuple(gap(g) for g in document["gaps"]),
        earliest_observation_start=day(document["earliest_observation_start"]),
        earliest_report_date=day(document["earliest_report_date"]),
        answered=document["answered"],
        total=document["total"],
    )
