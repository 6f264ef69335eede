"""Storing a scoring ``Report`` in the assessment document and reading it back.

Results are stored as short arrays. A gap keeps what varies (kind, severity,
criteria, control or question, effort, and a detail: months operated for an
OPERATING gap, 1 for a partly-in-place control's DESIGN gap); its title and
remediation come from the catalog again when it is read (``texts.of_gap``),
which halves the size of an answered assessment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from service.recent import Recent
from service.scoring import model as scoring
from service.scoring import texts


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _detail(gap: scoring.Gap, controls: dict[str, scoring.ControlResult]) -> int:
    result = controls.get(gap.control) if gap.control else None
    if result is None:
        return 0
    if gap.kind is scoring.GapKind.OPERATING:
        return result.months_operated or 0
    return (
        1
        if gap.kind is scoring.GapKind.DESIGN and result.status is scoring.ControlStatus.PARTIAL
        else 0
    )


def _timeline_document(
    timeline: scoring.Timeline, criteria_of: Callable[[str], tuple[str, ...]]
) -> dict[str, Any]:
    return {
        "status": timeline.status.value,
        "start": _day(timeline.earliest_observation_start),
        "report": _day(timeline.earliest_report_date),
        "latest": _day(timeline.latest_report_date),
        "type1": _day(timeline.type1_report_date),
        "target": _day(timeline.target_date),
        "meets_target": timeline.meets_target,
        "without_latest": _day(timeline.report_date_without_latest),
        # A blocker's criteria are most often its control's in-scope ones, read back from
        # the model; they are stored only when they differ (a carve-out provider's).
        "blockers": [
            [b.control, b.reason.value, b.holds_start_until.toordinal()]
            + ([] if b.criteria == criteria_of(b.control) else [list(b.criteria)])
            for b in timeline.blockers
        ],
    }


def _timeline(
    document: dict[str, Any] | None, criteria_of: Callable[[str], tuple[str, ...]]
) -> scoring.Timeline:
    if not document:
        return scoring.NO_TIMELINE
    return scoring.Timeline(
        status=scoring.TimelineStatus(document["status"]),
        earliest_observation_start=_date(document["start"]),
        earliest_report_date=_date(document["report"]),
        latest_report_date=_date(document["latest"]),
        type1_report_date=_date(document["type1"]),
        blockers=tuple(
            scoring.Blocker(
                b[0],
                scoring.BlockerReason(b[1]),
                date.fromordinal(b[2]),
                tuple(b[3]) if len(b) > 3 else criteria_of(b[0]),
            )
            for b in document["blockers"]
        ),
        target_date=_date(document["target"]),
        meets_target=document["meets_target"],
        report_date_without_latest=_date(document.get("without_latest")),
    )


def _ordinal(value: date | None) -> int | None:
    """Days in a control's row are day numbers: a quarter of an ISO string's bytes."""
    return value.toordinal() if value else None


def _from_ordinal(value: int | None) -> date | None:
    return date.fromordinal(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _control_criteria(
    model: scoring.EngineModel | None, in_scope: set[str]
) -> Callable[[str], tuple[str, ...]]:
    """A control's in-scope criteria under ``model`` (none without one)."""

    def criteria_of(control: str) -> tuple[str, ...]:
        if model is None:
            return ()
        return tuple(r for r in model.control_index[control].criteria if r in in_scope)

    return criteria_of


def to_document(report: scoring.Report, model: scoring.EngineModel | None = None) -> dict[str, Any]:
    """The stored form; with the ``model`` the report was computed with, blockers leave
    out the criteria it gives back (without it, they keep them)."""
    controls = {c.key: c for c in report.controls}
    criteria_of = _control_criteria(model, {c.ref for c in report.criteria})
    return {
        "readiness": report.readiness,
        "completeness": report.completeness,
        "answered": report.answered,
        "total": report.total,
        "earliest_observation_start": _day(report.earliest_observation_start),
        "earliest_report_date": _day(report.earliest_report_date),
        "as_of": _day(report.as_of),
        "timeline": _timeline_document(report.timeline, criteria_of),
        "categories": [
            [c.category, c.score, c.criteria_met, c.criteria_total] for c in report.categories
        ],
        "criteria": [
            [c.ref, c.category, c.status.value, c.score, list(c.drivers)]
            + ([True] if c.operation_pending else [])
            for c in report.criteria
        ],
        "controls": [
            [
                c.key,
                c.status.value,
                c.score,
                c.design,
                c.months_operated,
                c.evidence,
                _ordinal(c.operating_since),
                c.operating_source.value if c.operating_source else None,
            ]
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
    document: dict[str, Any], model: scoring.EngineModel | None = None, window: int = 0
) -> scoring.Report:
    """The report; ``model`` (the catalog version the report was computed with) and the
    observation ``window`` give the gaps their words, and may be left out when the
    document's gap list is empty (headline figures only)."""

    def gap(g: list[Any]) -> scoring.Gap:
        kind = scoring.GapKind(g[0])
        if model is None:
            raise ValueError("reading a stored gap list needs the engine model")
        title, remediation = texts.of_gap(
            model, kind, control=g[4], question=g[5], detail=g[7], window=window
        )
        return scoring.Gap(
            kind, scoring.Severity(g[1]), g[2], tuple(g[3]), g[4], g[5], title, remediation, g[6]
        )

    criteria = tuple(
        scoring.CriterionResult(
            c[0], c[1], scoring.CriterionStatus(c[2]), c[3], tuple(c[4]), len(c) > 5 and c[5]
        )
        for c in document["criteria"]
    )
    criteria_of = _control_criteria(model, {c.ref for c in criteria})

    return scoring.Report(
        readiness=document["readiness"],
        completeness=document["completeness"],
        categories=tuple(
            scoring.CategoryResult(c[0], c[1], c[2], c[3]) for c in document["categories"]
        ),
        criteria=criteria,
        controls=tuple(
            scoring.ControlResult(
                c[0],
                scoring.ControlStatus(c[1]),
                c[2],
                c[3],
                c[4],
                c[5],
                _from_ordinal(c[6]),
                scoring.OperatingSource(c[7]) if len(c) > 7 and c[7] else None,
            )
            for c in document["controls"]
        ),
        gaps=tuple(gap(g) for g in document["gaps"]),
        earliest_observation_start=_date(document["earliest_observation_start"]),
        earliest_report_date=_date(document["earliest_report_date"]),
        answered=document["answered"],
        total=document["total"],
        as_of=_date(document.get("as_of")),
        timeline=_timeline(document.get("timeline"), criteria_of),
    )


class DecodedReports(Recent[tuple[object, ...], scoring.Report]):
    """Stored reports as read back, by (assessment id, version, report basis): the same
    three mean the same stored document, since every write of a report moves the version
    (so an entry is never stale, only unused). Reading a full SOC 2 report back costs a
    few milliseconds (its gaps take their words from the catalog); a repeated read of an
    unchanged assessment, or the first read after this pod wrote it, takes it from here.
    Least recently used first out past ``MAX_ENTRIES`` (about 150 KB each)."""

    MAX_ENTRIES = 128

    def __init__(self) -> None:
        super().__init__(self.MAX_ENTRIES)
