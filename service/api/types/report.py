"""GraphQL types of a readiness report: categories, criteria, controls and gaps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated

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


@strawberry.type(description="How many of the questions that count have an answer.")
class Progress:
    answered: int = strawberry.field(
        description="Questions that count and have an answer, scoping questions included."
    )
    total: int = strawberry.field(
        description="Questions that count: visible, and scoping or relevant to an in-scope "
        "criterion."
    )
    percent: float = strawberry.field(
        description="answered as a percentage of total, 0 to 100 (two decimals); 100 when "
        "total is 0."
    )


@strawberry.type(description="The result of one in-scope Trust Services category.")
class CategoryResult:
    category: Category = strawberry.field(description="The category scored.")
    score: float = strawberry.field(
        description="0 to 100: its applicable criteria's scores averaged by criterion weight "
        "(1 to 3); 100 when none applies."
    )
    criteria_met: int = strawberry.field(description="How many of its applicable criteria are MET.")
    criteria_total: int = strawberry.field(
        description="How many of its criteria apply (NOT_APPLICABLE ones are left out)."
    )


@strawberry.type(description="How far one in-scope criterion is met, and the answers behind it.")
class CriterionResult:
    answers: strawberry.Private[AnswerIndex]
    driver_keys: strawberry.Private[tuple[str, ...]]
    criterion: Criterion = strawberry.field(
        description="The criterion, from the assessment's framework version."
    )
    status: enums.CriterionStatus = strawberry.field(
        description="MET needs a score of 80 or more and no key control MISSING (Type II: "
        "operation on record too); PARTIAL needs 40."
    )
    score: float = strawberry.field(
        description="0 to 100: the mean of its applicable controls' scores, key controls "
        "counting twice."
    )

    @strawberry.field(description="The answers that drove this result.")
    def drivers(self) -> list[Answer]:
        answers = self.answers.by_key
        return [answers[k] for k in self.driver_keys if k in answers]


@strawberry.type(description="How one control that addresses an in-scope criterion stands.")
class ControlResult:
    control: Control = strawberry.field(
        description="The control, from the assessment's framework version."
    )
    status: enums.ControlStatus = strawberry.field(
        description="From its answered design questions' weighted score (0 to 1): IMPLEMENTED "
        "at 0.7 or more, PARTIAL at 0.35, else MISSING; UNKNOWN when none is answered."
    )
    score: float = strawberry.field(
        description="0 to 100: design credit, times (for Type II) a factor for months "
        "operated and evidence."
    )
    months_operated: int | None = strawberry.field(
        description="Whole months from operatingSince to the report's day; null when that day "
        "is unknown."
    )
    operating_since: date | None = strawberry.field(
        description="The day the control started running: the first occurrence of its "
        "unbroken run in the evidence ledger when it has occurrences there, else its dated "
        "MONTHS answer."
    )
    operating_source: enums.OperatingSource | None = strawberry.field(
        default=None, description="Where operatingSince and the evidence share come from."
    )


@strawberry.type(description="A control that holds the observation window's start, and until when.")
class TimelineBlocker:
    control: Control = strawberry.field(description="The control holding the start.")
    reason: enums.BlockerReason = strawberry.field(
        description="Why: design work to do, no design or months answer, evidence an auditor "
        "cannot test, or too short an operating history."
    )
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

    status = shown(
        "model.status",
        enums.TimelineStatus,
        "READY when nothing holds the start after the report's day, PLANNED when something "
        "does; INSUFFICIENT_ANSWERS (no dates) until 80% of in-scope controls have a design "
        "answer.",
    )
    earliest_observation_start = shown(
        "model.earliest_observation_start",
        date | None,
        "The first day the observation window can start, set by the latest blocker (Type II: "
        "never more than a full window before the report's day); null without enough answers.",
    )
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
    target_date = shown(
        "model.target_date",
        date | None,
        "The assessment's target date; null when none is set.",
    )
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


@strawberry.type(
    description="What keeps a criterion from being met: a control to build or complete, to "
    "run longer or to evidence, or a question to answer."
)
class Gap:
    """Scalar fields and the gap's criterion and control are plain attributes (see
    ``Criterion``); only ``criteria`` is resolved on demand."""

    framework: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[GapModel]
    id: strawberry.ID = strawberry.field(
        description="Stable while the same gap stays open: the assessment, the gap's kind "
        "and its control or question."
    )
    criterion: Criterion = strawberry.field(
        description="The criterion it is listed under: the highest-weight in-scope criterion "
        "its control addresses."
    )
    control: Control | None = strawberry.field(
        description="The control concerned; for an UNANSWERED gap, the first in-scope control "
        "the question evidences."
    )
    kind: enums.GapKind = strawberry.field(
        description="DESIGN: the control is missing or partial; OPERATING: it must run longer "
        "(Type II); EVIDENCE: its runs cannot be sampled; UNANSWERED: a question is open."
    )
    severity: enums.Severity = strawberry.field(
        description="What an auditor would make of it; CRITICAL only for a missing key "
        "control, which would fail the audit."
    )
    title: str = strawberry.field(
        description="One line naming the control and its state, or the unanswered question."
    )
    remediation: str = strawberry.field(
        description="What to do to close it, in the control library's words."
    )
    question_key: str | None = strawberry.field(
        description="The unanswered question, for UNANSWERED gaps."
    )
    effort_weeks: int = strawberry.field(
        description="Estimated weeks of work: the control's effort for DESIGN, 1 for EVIDENCE, "
        "0 for OPERATING and UNANSWERED."
    )

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


@strawberry.type(
    description="An assessment's report as of one day. Readiness, completeness, categories "
    "and the dates come from a stored summary; criteria, controls and gaps load the full "
    "assessment."
)
class ReadinessReport:
    """The headline figures come from the stored summary when it is current, so a page of
    assessments with their scores never loads answers or gap lists; the details load the
    full assessment (batched by the DataLoader) only when a query asks for them."""

    headline: strawberry.Private[ReportModel]
    full: strawberry.Private[Callable[[], Awaitable[AssessmentView]]]
    # What the report is a function of, when it is the default day's: its completed
    # selections are kept under it (``api.report_results``).
    result_key: strawberry.Private[tuple[object, ...] | None] = None

    readiness = shown(
        "headline.readiness", float, "Readiness over the in-scope categories, 0 to 100."
    )

    completeness = shown(
        "headline.completeness", float, "Share of relevant questions answered, 0 to 100."
    )

    @strawberry.field(description="Each in-scope category, SECURITY first.")
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

    @strawberry.field(description="Each in-scope criterion, in the framework's order.")
    async def criteria(
        self,
        category: Annotated[
            Category | None,
            strawberry.argument(description="Only this category's criteria; all when null."),
        ] = None,
    ) -> list[CriterionResult]:
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

    @strawberry.field(
        description="Each control that addresses an in-scope criterion, in the framework's order."
    )
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

    @strawberry.field(
        description="Open gaps, most severe first, then in the framework's criterion order."
    )
    async def gaps(
        self,
        kind: Annotated[
            enums.GapKind | None,
            strawberry.argument(description="Only gaps of this kind; all when null."),
        ] = None,
        severity: Annotated[
            enums.Severity | None,
            strawberry.argument(description="Only gaps of this severity; all when null."),
        ] = None,
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

    @strawberry.field(
        description="When the observation window can start and the report land, and what "
        "holds them."
    )
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
