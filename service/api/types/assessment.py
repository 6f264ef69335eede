"""GraphQL types of assessments and their readiness reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from bson import ObjectId

from service.api.ids import decode_id, encode_id
from service.api.pagination import MAX_PAGE_SIZE, PageInfo, page_size
from service.api.types.catalog import Control, Criterion, Framework, Questionnaire
from service.api.types.node import Node
from service.assessment.service import AssessmentView
from service.catalog.catalog import FrameworkVersion
from service.catalog.models import Category
from service.errors import NotFound
from service.scoring.model import ControlStatus, CriterionStatus, GapKind, Severity
from service.scoring.model import Gap as GapModel
from service.scoring.model import Report as ReportModel
from service.storage.documents import AssessmentRecord

if TYPE_CHECKING:
    from service.api.types.organization import OrganizationType
    from service.api.types.policy import PolicyDraftType

TYPE_NAME = "Assessment"

strawberry.enum(ControlStatus, name="ControlStatus")
strawberry.enum(CriterionStatus, name="CriterionStatus")
strawberry.enum(GapKind, name="GapKind")
strawberry.enum(Severity, name="Severity")


@strawberry.enum
class AuditType(Enum):
    TYPE_1 = "TYPE_1"
    TYPE_2 = "TYPE_2"


@strawberry.enum
class AssessmentStatus(Enum):
    DRAFT = "DRAFT"
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"


@strawberry.type
class Answer:
    question_key: str
    value: str
    note: str | None
    answered_by: str | None = None
    answered_at: datetime | None = None


@strawberry.type(description="An answer as it was before a save replaced or cleared it.")
class AnswerRevision:
    question_key: str
    value: str
    note: str | None
    answered_by: str | None
    answered_at: datetime | None
    replaced_by: str
    replaced_at: datetime


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


class _AnswerIndex:
    """The assessment's answers as GraphQL objects, built on first use: only a query that
    asks for a criterion's drivers pays for it, and then once for all criteria."""

    def __init__(self, view: AssessmentView) -> None:
        self._view = view

    @cached_property
    def by_key(self) -> dict[str, Answer]:
        return {
            a["question_key"]: Answer(
                question_key=a["question_key"],
                value=a["value"],
                note=a.get("note"),
                answered_by=a.get("answered_by"),
                answered_at=a.get("answered_at"),
            )
            for a in self._view.record.answers
        }


@strawberry.type
class CriterionResult:
    answers: strawberry.Private[_AnswerIndex]
    driver_keys: strawberry.Private[tuple[str, ...]]
    criterion: Criterion
    status: CriterionStatus
    score: float

    @strawberry.field(description="The answers that drove this result.")
    def drivers(self) -> list[Answer]:
        answers = self.answers.by_key
        return [answers[k] for k in self.driver_keys if k in answers]


@strawberry.type
class ControlResult:
    control: Control
    status: ControlStatus
    score: float
    months_operated: int | None


@strawberry.type
class Gap:
    """Scalar fields and the gap's criterion and control are plain attributes (see
    ``Criterion``); only ``criteria`` is resolved on demand."""

    framework: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[GapModel]
    criterion: Criterion
    control: Control | None
    kind: GapKind
    severity: Severity
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


def _gaps(framework: FrameworkVersion, models: list[GapModel]) -> list[Gap]:
    """Gap objects sharing one criterion and control object per ref and key."""
    criteria: dict[str, Criterion] = {}
    controls: dict[str, Control] = {}
    gaps = []
    for g in models:
        criterion = criteria.get(g.criterion)
        if criterion is None:
            criterion = criteria[g.criterion] = Criterion.of(
                framework, framework.criteria[g.criterion]
            )
        control = None
        if g.control is not None:
            control = controls.get(g.control)
            if control is None:
                control = controls[g.control] = Control.of(framework, framework.controls[g.control])
        gaps.append(
            Gap(
                framework=framework,
                model=g,
                criterion=criterion,
                control=control,
                kind=g.kind,
                severity=g.severity,
                title=g.title,
                remediation=g.remediation,
                question_key=g.question,
                effort_weeks=g.effort_weeks,
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

    @strawberry.field(description="Readiness over the in-scope categories, 0 to 100.")
    def readiness(self) -> float:
        return self.headline.readiness

    @strawberry.field(description="Share of relevant questions answered, 0 to 100.")
    def completeness(self) -> float:
        return self.headline.completeness

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
        answers = _AnswerIndex(view)
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
            )
            for c in view.report.controls
        ]

    @strawberry.field
    async def gaps(
        self, kind: GapKind | None = None, severity: Severity | None = None
    ) -> list[Gap]:
        view = await self.full()
        return _gaps(
            view.framework,
            [
                g
                for g in view.report.gaps
                if (kind is None or g.kind == kind) and (severity is None or g.severity == severity)
            ],
        )

    @strawberry.field(description="When the open design gaps could be closed and a window start.")
    def earliest_observation_start(self) -> date | None:
        return self.headline.earliest_observation_start

    @strawberry.field(description="Observation start plus the window plus the reporting lag.")
    def earliest_report_date(self) -> date | None:
        return self.headline.earliest_report_date


@strawberry.type
class GapChange:
    """A gap that closed or appeared between two assessments."""

    criterion_ref: str
    control_key: str | None
    kind: GapKind
    severity: Severity
    title: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> GapChange:
        return cls(
            criterion_ref=row["criterion"],
            control_key=row["control"],
            kind=GapKind(row["kind"]),
            severity=Severity(row["severity"]),
            title=row["title"],
        )


@strawberry.type
class CategoryDelta:
    category: Category
    delta: float = strawberry.field(description="Score now minus score then, in points.")


@strawberry.type
class AssessmentComparison:
    """Progress since an earlier assessment of the same organisation."""

    previous: AssessmentType
    readiness_delta: float
    categories: list[CategoryDelta]
    gaps_closed: list[GapChange]
    gaps_new: list[GapChange]


@strawberry.type(name="Assessment")
class AssessmentType(Node):
    """An assessment; in lists it starts from a summary and loads the rest in one batch."""

    record: strawberry.Private[AssessmentRecord]
    loaded: strawberry.Private[AssessmentView | None] = None

    @classmethod
    def of(cls, view: AssessmentView) -> AssessmentType:
        return cls.of_record(view.record, view)

    @classmethod
    def of_record(
        cls, record: AssessmentRecord, view: AssessmentView | None = None
    ) -> AssessmentType:
        assert record.id is not None  # noqa: S101 - saved documents have ids
        return cls(id=strawberry.ID(encode_id(TYPE_NAME, record.id)), record=record, loaded=view)

    async def view(self, info: strawberry.Info) -> AssessmentView:
        if self.loaded is None:
            assert self.record.id is not None  # noqa: S101
            loaded = await info.context.assessment_loader.load(self.record.id)
            if loaded is None:
                raise NotFound("assessment not found")
            self.loaded = loaded
        return self.loaded

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field
    async def organization(
        self, info: strawberry.Info
    ) -> Annotated[OrganizationType, strawberry.lazy("service.api.types.organization")]:
        from service.api.types.organization import OrganizationType  # noqa: PLC0415

        record = await info.context.organization_loader.load(self.record.organization_id)
        if record is None:
            raise NotFound("organization not found")
        return OrganizationType.of(record)

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Organization", self.record.organization_id))

    @strawberry.field
    async def framework(self, info: strawberry.Info) -> Framework:
        return Framework(version_record=(await self.view(info)).framework)

    @strawberry.field
    async def questionnaire(self, info: strawberry.Info) -> Questionnaire:
        view = await self.view(info)
        return Questionnaire(version_record=view.questionnaire, framework_record=view.framework)

    @strawberry.field
    def scope(self) -> list[Category]:
        return [Category(c) for c in self.record.scope]

    @strawberry.field(description="Categories the scoping answers suggest (SECURITY always).")
    async def suggested_scope(self, info: strawberry.Info) -> list[Category]:
        return [Category(c) for c in (await self.view(info)).suggested_scope]

    @strawberry.field(description="False while the scope follows the scoping answers' suggestion.")
    def scope_explicit(self) -> bool:
        return self.record.scope_explicit

    @strawberry.field
    def audit_type(self) -> AuditType:
        return AuditType(self.record.audit_type)

    @strawberry.field
    def observation_window_months(self) -> int:
        return self.record.window_months

    @strawberry.field
    def target_date(self) -> date | None:
        return date.fromisoformat(self.record.target_date) if self.record.target_date else None

    @strawberry.field
    def status(self) -> AssessmentStatus:
        return AssessmentStatus(self.record.status)

    @strawberry.field
    def version(self) -> int:
        return self.record.version

    @strawberry.field(description="Readiness as last saved (the report has the live figure).")
    def readiness(self) -> float:
        return self.record.readiness

    @strawberry.field
    def completeness(self) -> float:
        return self.record.completeness

    @strawberry.field
    async def answers(self, info: strawberry.Info) -> list[Answer]:
        return list(_AnswerIndex(await self.view(info)).by_key.values())

    @strawberry.field(
        description="Earlier values of the answers, newest first, optionally for one question "
        f"(at most {MAX_PAGE_SIZE})."
    )
    async def answer_history(
        self, info: strawberry.Info, question_key: str | None = None, first: int | None = None
    ) -> list[AnswerRevision]:
        assert self.record.id is not None  # noqa: S101 - saved documents have ids
        rows = await info.context.assessments.history(
            self.record.id, question_key, page_size(first)
        )
        return [
            AnswerRevision(
                question_key=str(r["question_key"]),
                value=str(r["value"]),
                note=r.get("note"),
                answered_by=r.get("answered_by"),
                answered_at=r.get("answered_at"),
                replaced_by=str(r["replaced_by"]),
                replaced_at=r["replaced_at"],
            )
            for r in rows
        ]

    @strawberry.field(description="Visible, relevant questions answered.")
    async def progress(self, info: strawberry.Info) -> Progress:
        report = (await self.view(info)).report
        percent = round(100.0 * report.answered / report.total, 2) if report.total else 100.0
        return Progress(answered=report.answered, total=report.total, percent=percent)

    @strawberry.field
    async def report(self, info: strawberry.Info) -> ReadinessReport:
        def full() -> Awaitable[AssessmentView]:
            return self.view(info)

        if self.loaded is None:
            headline = info.context.assessments.headline(self.record)
            if headline is not None:
                return ReadinessReport(headline=headline, full=full)
        return ReadinessReport(headline=(await self.view(info)).report, full=full)

    @strawberry.field(description="Policies drafted for this assessment, oldest first.")
    async def policy_drafts(
        self, info: strawberry.Info
    ) -> list[Annotated[PolicyDraftType, strawberry.lazy("service.api.types.policy")]]:
        from service.api.types.policy import PolicyDraftType  # noqa: PLC0415

        assert self.record.id is not None  # noqa: S101
        records = await info.context.drafting.list_for(self.record.id, self.record.organization_id)
        return [PolicyDraftType.of(r) for r in records]

    @strawberry.field(
        description="Progress since an earlier assessment of the same organisation: by default "
        "the one created just before this one; null when there is none."
    )
    async def comparison(
        self, info: strawberry.Info, previous_assessment_id: strawberry.ID | None = None
    ) -> AssessmentComparison | None:
        from service.reports.content import compare  # noqa: PLC0415
        from service.reports.service import ReportService  # noqa: PLC0415

        view = await self.view(info)
        reports = ReportService(info.context.assessments, info.context.organizations)
        if previous_assessment_id is None:
            previous = await reports.previous(view)
        else:
            previous = await info.context.assessment_loader.load(
                decode_id(TYPE_NAME, previous_assessment_id) or ObjectId()
            )
            if previous is None or previous.record.organization_id != view.record.organization_id:
                raise NotFound("assessment not found", ("previousAssessmentId",))
        if previous is None:
            return None
        result = compare(view, previous)
        return AssessmentComparison(
            previous=AssessmentType.of(previous),
            readiness_delta=result.readiness_delta,
            categories=[
                CategoryDelta(category=Category(c), delta=d)
                for c, d in result.category_deltas.items()
            ],
            gaps_closed=[GapChange.of(g) for g in result.gaps_closed],
            gaps_new=[GapChange.of(g) for g in result.gaps_new],
        )

    @strawberry.field
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.record.updated_at


@strawberry.type
class AssessmentEdge:
    cursor: str
    node: AssessmentType


@strawberry.type
class AssessmentConnection:
    edges: list[AssessmentEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[AssessmentType]:
        return [edge.node for edge in self.edges]
