"""GraphQL types of a readiness report: categories, criteria, controls and gaps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import strawberry

from service.api import enums
from service.api.types.answer import Answer, AnswerIndex
from service.api.types.catalog import CatalogObjects, Control, Criterion
from service.api.types.copying import copy_of, shown
from service.assessment.service import AssessmentView
from service.catalog.catalog import FrameworkVersion
from service.catalog.models import Category
from service.scoring.model import Gap as GapModel
from service.scoring.model import Report as ReportModel
from service.scoring.model import Timeline as TimelineModel


@strawberry.type
class Progress:
    answered: int
    total: int
    percent: float


@strawberry.type
class CategoryResult:
    category: Category
    score: float
    criteria_met: int
    criteria_total: int


@strawberry.type
class CriterionResult:
    answers: strawberry.Private[AnswerIndex]
    driver_keys: strawberry.Private[tuple[str, ...]]
    criterion: Criterion
    status: enums.CriterionStatus
    score: float

    @strawberry.field(description="The answers that drove this result.")
    def drivers(self) -> list[Answer]:
        answers = self.answers.by_key
        return [answers[k] for k in self.driver_keys if k in answers]


@strawberry.type
class ControlResult:
    control: Control
    status: enums.ControlStatus
    score: float
    months_operated: int | None
    operating_since: date | None = strawberry.field(
        description="The day the control started running: the first occurrence of its "
        "unbroken run in the evidence ledger when it has occurrences there, else its dated "
        "MONTHS answer."
    )
    operating_source: enums.OperatingSource | None = strawberry.field(
        default=None, description="Where operatingSince and the evidence share come from."
    )


@strawberry.type
class TimelineBlocker:
    control: Control
    reason: enums.BlockerReason
    holds_start_until: date = strawberry.field(
        description="The observation window cannot start before this day because of it."
    )
    criteria: list[Criterion] = strawberry.field(
        description="The in-scope criteria the control addresses."
    )


@strawberry.type(description="When the observation window can start and the report land, and why.")
class Timeline:
    model: strawberry.Private[TimelineModel]
    full: strawberry.Private[Callable[[], Awaitable[AssessmentView]]]

    status = shown("model.status", enums.TimelineStatus)
    earliest_observation_start = shown("model.earliest_observation_start", date | None)
    earliest_report_date = shown(
        "model.earliest_report_date",
        date | None,
        "Window end plus the soonest fieldwork and issuance (REPORT_LAG_MIN_WEEKS).",
    )
    latest_report_date = shown(
        "model.latest_report_date",
        date | None,
        "The same window with the slowest fieldwork and issuance (REPORT_LAG_MAX_WEEKS).",
    )
    type1_report_date = shown(
        "model.type1_report_date",
        date | None,
        "The Type I path: a report on the design, once the design work is done.",
    )
    target_date = shown("model.target_date", date | None)
    meets_target = shown(
        "model.meets_target",
        bool | None,
        "Whether the earliest report date is on or before the target date.",
    )
    report_date_without_latest_blockers = shown(
        "model.report_date_without_latest",
        date | None,
        "The earliest report date once the blockers holding the start on its day are "
        "closed (the next blockers then hold it); null without blockers.",
    )

    @strawberry.field(description="What holds the window start, latest first.")
    async def blockers(self) -> list[TimelineBlocker]:
        if not self.model.blockers:
            return []
        # The stored headline leaves out the blockers' criteria; the full report has them.
        view = await self.full()
        objects = CatalogObjects(view.framework)
        return [
            TimelineBlocker(
                control=objects.control(b.control),
                reason=b.reason,
                holds_start_until=b.holds_start_until,
                criteria=[objects.criterion(r) for r in b.criteria],
            )
            for b in view.report.timeline.blockers
        ]


@strawberry.type
class Gap:
    """Scalar fields and the gap's criterion and control are plain attributes (see
    ``Criterion``); only ``criteria`` is resolved on demand."""

    framework: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[GapModel]
    id: strawberry.ID = strawberry.field(
        description="Stable while the same gap stays open: the assessment, the gap's kind "
        "and its control or question."
    )
    criterion: Criterion
    control: Control | None
    kind: enums.GapKind
    severity: enums.Severity
    title: str
    remediation: str
    question_key: str | None = strawberry.field(
        description="The unanswered question, for UNANSWERED gaps."
    )
    effort_weeks: int

    @strawberry.field(description="Every in-scope criterion the gap's control addresses.")
    def criteria(self) -> list[Criterion]:
        framework = self.framework
        return [Criterion.of(framework, framework.criteria[r]) for r in self.model.criteria]


def gaps_of(view: AssessmentView, models: list[GapModel]) -> list[Gap]:
    """Gap objects sharing one criterion and control object per ref and key."""
    objects = CatalogObjects(view.framework)
    gaps = []
    for g in models:
        gaps.append(
            copy_of(
                Gap,
                g,
                framework=view.framework,
                model=g,
                id=strawberry.ID(view.gap_id(g)),
                criterion=objects.criterion(g.criterion),
                control=objects.control(g.control) if g.control is not None else None,
                question_key=g.question,
            )
        )
    return gaps


@strawberry.type
class ReadinessReport:
    """The headline figures come from the stored summary when it is current, so a page of
    assessments with their scores never loads answers or gap lists; the details load the
    full assessment (batched by the DataLoader) only when a query asks for them."""

    headline: strawberry.Private[ReportModel]
    full: strawberry.Private[Callable[[], Awaitable[AssessmentView]]]

    readiness = shown(
        "headline.readiness", float, "Readiness over the in-scope categories, 0 to 100."
    )

    completeness = shown(
        "headline.completeness", float, "Share of relevant questions answered, 0 to 100."
    )

    @strawberry.field
    def categories(self) -> list[CategoryResult]:
        return [
            CategoryResult(
                category=Category(c.category),
                score=c.score,
                criteria_met=c.criteria_met,
                criteria_total=c.criteria_total,
            )
            for c in self.headline.categories
        ]

    @strawberry.field
    async def criteria(self, category: Category | None = None) -> list[CriterionResult]:
        view = await self.full()
        framework = view.framework
        answers = AnswerIndex(view)
        return [
            CriterionResult(
                answers=answers,
                driver_keys=c.drivers,
                criterion=Criterion.of(framework, framework.criteria[c.ref]),
                status=c.status,
                score=c.score,
            )
            for c in view.report.criteria
            if category is None or c.category == category.value
        ]

    @strawberry.field
    async def controls(self) -> list[ControlResult]:
        view = await self.full()
        framework = view.framework
        return [
            ControlResult(
                control=Control.of(framework, framework.controls[c.key]),
                status=c.status,
                score=c.score,
                months_operated=c.months_operated,
                operating_since=c.operating_since,
                operating_source=c.operating_source,
            )
            for c in view.report.controls
        ]

    @strawberry.field
    async def gaps(
        self, kind: enums.GapKind | None = None, severity: enums.Severity | None = None
    ) -> list[Gap]:
        view = await self.full()
        return gaps_of(
            view,
            [
                g
                for g in view.report.gaps
                if (kind is None or g.kind == kind) and (severity is None or g.severity == severity)
            ],
        )

    @strawberry.field(description="The day the report is computed for.")
    async def as_of(self) -> date:
        if self.headline.as_of is not None:
            return self.headline.as_of
        day = (await self.full()).report.as_of
        if day is None:
            raise ValueError("a computed report has a day")
        return day

    @strawberry.field
    def timeline(self) -> Timeline:
        return Timeline(model=self.headline.timeline, full=self.full)

    earliest_observation_start = shown(
        "headline.earliest_observation_start",
        date | None,
        "When the open design gaps could be closed and a window start.",
    )

    earliest_report_date = shown(
        "headline.earliest_report_date",
        date | None,
        "Observation start plus the window plus the reporting lag.",
    )
