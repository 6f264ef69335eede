"""The GraphQL Assessment: its settings, answers, report and comparison fields."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from bson import ObjectId

from service.api.enums import AssessmentStatus, AuditType, Category
from service.api.ids import decode_id, global_id
from service.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_size
from service.api.types.answer import Answer, AnswerIndex, AnswerRevision
from service.api.types.catalog import Framework
from service.api.types.comparison import AssessmentComparison, CategoryDelta, GapChange
from service.api.types.copying import shown
from service.api.types.ledger import OperatingEffectiveness
from service.api.types.node import Node, registered
from service.api.types.organization import OrganizationType
from service.api.types.questionnaire import Question, Questionnaire
from service.api.types.remediation import PlannedGap, RemediationItem
from service.api.types.report import Progress, ReadinessReport
from service.api.types.report_link import ReportLink
from service.api.types.scope import ScopeSuggestion, SubserviceOrganization
from service.assessment.records import AssessmentRecord
from service.assessment.service import AssessmentView
from service.errors import LimitExceeded, NotFound
from service.ids import encode_id

if TYPE_CHECKING:
    from service.api.types.policy import PolicyDraftType

TYPE_NAME = "Assessment"
# The most gaps a plan lists (the report's gap list is priced at 500 too).
MAX_PLAN = 500


@registered(TYPE_NAME)
@strawberry.type(
    name="Assessment",
    description="A SOC 2 readiness assessment of one organisation: its scope and settings, its "
    "answers, and the report computed from them. Every member of the organisation may read it.",
)
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
        return cls(id=global_id(TYPE_NAME, record.id), record=record, loaded=view)

    async def view(self, info: strawberry.Info) -> AssessmentView:
        if self.loaded is None:
            assert self.record.id is not None  # noqa: S101
            loaded = await info.context.assessment_loader.load(self.record.id)
            if loaded is None:
                raise NotFound("assessment not found")
            self.loaded = loaded
        return self.loaded

    name = shown("record.name", str, "Its display name, at most 200 characters.")

    @strawberry.field(description="The organisation the assessment belongs to.")
    async def organization(self, info: strawberry.Info) -> OrganizationType:
        record = await info.context.organization_loader.load(self.record.organization_id)
        if record is None:
            raise NotFound("organization not found")
        return OrganizationType.of(record)

    @strawberry.field(
        description="Global id of its organisation, available without loading the organisation."
    )
    def organization_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Organization", self.record.organization_id))

    @strawberry.field(
        description="The framework version the assessment was created with; it stays pinned, "
        "so later catalog versions never change its report."
    )
    async def framework(self, info: strawberry.Info) -> Framework:
        return Framework(version_record=(await self.view(info)).framework)

    @strawberry.field(
        description="The questionnaire version the assessment was created with (pinned like "
        "the framework); its questions are the ones answers refer to."
    )
    async def questionnaire(self, info: strawberry.Info) -> Questionnaire:
        view = await self.view(info)
        return Questionnaire(version_record=view.questionnaire, framework_record=view.framework)

    @strawberry.field(
        description="The Trust Services categories in scope, as people chose them; always "
        "includes SECURITY."
    )
    def scope(self) -> list[Category]:
        return [Category(c) for c in self.record.scope]

    @strawberry.field(
        description="Categories the scoping answers suggest (SECURITY always); shown, never "
        "applied: the scope is what people choose."
    )
    async def suggested_scope(self, info: strawberry.Info) -> list[Category]:
        return [Category(c) for c in (await self.view(info)).suggested_scope]

    @strawberry.field(
        description="Each category beyond SECURITY the scoping answers suggest, and why."
    )
    async def scope_suggestions(self, info: strawberry.Info) -> list[ScopeSuggestion]:
        view = await self.view(info)
        return [
            ScopeSuggestion(category=Category(category), reason=reason)
            for category, reason in view.scope_suggestions()
        ]

    @strawberry.field(
        description="Subservice organisations and their treatment; under carve-out, the "
        "criteria they support are met only while you monitor them and their report is current."
    )
    async def subservice_organizations(self, info: strawberry.Info) -> list[SubserviceOrganization]:
        view = await self.view(info)
        day = info.context.assessments.report_day(view.record)
        return [
            SubserviceOrganization(model=s, report_day=day, framework=view.framework)
            for s in view.subservices
        ]

    scope_explicit = shown(
        "record.scope_explicit",
        bool,
        "False until someone chooses the scope (createAssessment or updateAssessment): until "
        "then it is SECURITY alone, and a client should ask for it, showing scopeSuggestions.",
    )

    @strawberry.field(
        description="TYPE_1 reports on the controls' design on one day; TYPE_2 also on their "
        "operation over the observation window."
    )
    def audit_type(self) -> AuditType:
        return AuditType(self.record.audit_type)

    observation_window_months = shown(
        "record.window_months",
        int,
        "Length of the observation window in months, 3 to 12 (default 6); under 6 only for an "
        "organisation's first Type II report. Type II dates and the dry run use it.",
    )

    @strawberry.field(
        description="The day the organisation wants its report by (ISO date); null when none "
        "is set. The timeline's meetsTarget compares against it."
    )
    def target_date(self) -> date | None:
        return date.fromisoformat(self.record.target_date) if self.record.target_date else None

    @strawberry.field(
        description="DRAFT until it has answers, then IN_PROGRESS; SUBMITTED freezes the "
        "answers and the report until reopenAssessment."
    )
    def status(self) -> AssessmentStatus:
        return AssessmentStatus(self.record.status)

    version = shown(
        "record.version",
        int,
        "Goes up by one with every change; send it as expectedVersion so a write made on a "
        "stale read is refused (VERSION_CONFLICT).",
    )

    readiness = shown(
        "record.readiness", float, "Readiness as last saved (the report has the live figure)."
    )

    completeness = shown(
        "record.completeness",
        float,
        "Percent (0 to 100) of relevant questions answered, as last saved (the report has the "
        "live figure).",
    )

    @strawberry.field(
        description="The current answer of every answered question, in questionnaire order."
    )
    async def answers(self, info: strawberry.Info) -> list[Answer]:
        return list(AnswerIndex(await self.view(info)).by_key.values())

    @strawberry.field(
        description="Earlier values of the answers, newest first, optionally for one question "
        f"(at most {MAX_PAGE_SIZE})."
    )
    async def answer_history(
        self,
        info: strawberry.Info,
        question_key: Annotated[
            str | None,
            strawberry.argument(description="Only this question's earlier values; all when null."),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"How many values to return: default {DEFAULT_PAGE_SIZE}, at most "
                f"{MAX_PAGE_SIZE}."
            ),
        ] = None,
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

    @strawberry.field(
        description="The readiness report as of a day: by default today, or for a submitted "
        "assessment its submission day. asOf may be any day from the assessment's creation "
        "to five years ahead (planning); dated answers keep counting from when they were given."
    )
    async def report(
        self,
        info: strawberry.Info,
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="The day to compute the report for (ISO date); null for the default."
            ),
        ] = None,
    ) -> ReadinessReport:
        if as_of is not None:
            view: AssessmentView = await info.context.assessments.as_of(
                await self.view(info), as_of
            )

            async def dated() -> AssessmentView:
                return view

            return ReadinessReport(headline=view.report, full=dated)

        def full() -> Awaitable[AssessmentView]:
            return self.view(info)

        if self.loaded is None:
            headline = info.context.assessments.headline(self.record)
            if headline is not None:
                # In a list: the headline figures, too few fields to be worth keeping.
                return ReadinessReport(headline=headline, full=full)
        view = await self.view(info)
        key = info.context.assessments.result_key(view.record)
        return ReadinessReport(headline=view.report, full=full, result_key=key)

    @strawberry.field(
        description="The auditor's sample before the auditor: for every in-scope control, the "
        "periods of its frequency in the observation window, what the evidence ledger holds "
        "for them, the sample size and the chance the sample finds a deviation. The window "
        "starts on windowStart, by default the report's earliest observation start once that "
        "day has come (else the window that ends on asOf); asOf defaults to the report's day."
    )
    async def operating_effectiveness(
        self,
        info: strawberry.Info,
        window_start: Annotated[
            date | None,
            strawberry.argument(
                description="First day of the window to test (ISO date, not after asOf); null "
                "for the default."
            ),
        ] = None,
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="The day the ledger is read as of (ISO date); null for the report's "
                "day."
            ),
        ] = None,
    ) -> OperatingEffectiveness:
        view = await self.view(info)
        day = info.context.assessments.dry_run_day(view, as_of)
        dry_run = await info.context.ledger.operating_effectiveness(
            info.context.assessments.subject(view), window_start, day
        )
        return OperatingEffectiveness(dry_run=dry_run, framework=view.framework)

    @strawberry.field(
        description="Every open gap once, most urgent first: by how many days closing it "
        "alone brings the earliest report date forward, then severity, then effort; gaps "
        "that only months of operation close come last, marked waiting."
    )
    async def remediation_plan(
        self,
        info: strawberry.Info,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"Only the first this many gaps of the plan, 0 to {MAX_PLAN}; all "
                "when null."
            ),
        ] = None,
    ) -> list[PlannedGap]:
        view = await self.view(info)
        if first is not None and not 0 <= first <= MAX_PLAN:
            raise LimitExceeded(f"first must be between 0 and {MAX_PLAN}", ("first",))
        planned = await info.context.remediation.plan(view, first)
        return PlannedGap.listed(view, planned)

    @strawberry.field(
        description="Every remediation item of the assessment; an item whose gap closed "
        "reads as DONE."
    )
    async def remediation_items(self, info: strawberry.Info) -> list[RemediationItem]:
        view = await self.view(info)
        items = await info.context.remediation.items(view)
        return [RemediationItem.of(item, status) for item, status in items]

    @strawberry.field(description="Its shared report links, live or not (OWNER, ASSESSOR).")
    async def report_links(self, info: strawberry.Info) -> list[ReportLink]:
        assert self.record.id is not None  # noqa: S101 - a stored assessment
        links = await info.context.report_links.of_assessment(
            self.record.id, self.record.organization_id
        )
        return [ReportLink(record=link) for link in links]

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
        self,
        info: strawberry.Info,
        previous_assessment_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The earlier assessment to compare with (of the same organisation, "
                "else NOT_FOUND); null for the one of the same framework created just before."
            ),
        ] = None,
    ) -> AssessmentComparison | None:
        view = await self.view(info)
        result = await info.context.reports.comparison(
            view,
            None
            if previous_assessment_id is None
            else decode_id(TYPE_NAME, previous_assessment_id) or ObjectId(),
            info.context.assessment_loader.load,
        )
        if result is None:
            return None
        return AssessmentComparison(
            previous=AssessmentType.of(result.previous),
            readiness_delta=result.readiness_delta,
            categories=[
                CategoryDelta(category=Category(c), delta=d)
                for c, d in result.category_deltas.items()
            ],
            gaps_closed=[GapChange.of(g) for g in result.gaps_closed],
            gaps_new=[GapChange.of(g) for g in result.gaps_new],
        )

    @strawberry.field(description="The assessment a follow-up copied its answers from.")
    async def copied_from(self, info: strawberry.Info) -> AssessmentType | None:
        if self.record.copied_from is None:
            return None
        view = await info.context.assessment_loader.load(self.record.copied_from)
        return AssessmentType.of(view) if view else None

    @strawberry.field(
        description="A follow-up's questions that need a fresh answer (their copied answer "
        "no longer fits, or the earlier questionnaire did not ask them) and are still "
        "unanswered, in questionnaire order."
    )
    async def questions_to_review(self, info: strawberry.Info) -> list[Question]:
        view = await self.view(info)
        answered = view.answers
        questions = view.questionnaire.questions
        return [
            Question.of(view.framework, questions[key])
            for key in self.record.to_review
            if key not in answered and key in questions
        ]

    archived = shown("record.archived", bool, "Archived: out of default lists, and read-only.")
    created_at = shown("record.created_at", datetime, "When the assessment was created (UTC).")
    submitted_at = shown(
        "record.submitted_at", datetime | None, "When it was submitted; null unless SUBMITTED."
    )

    updated_at = shown(
        "record.updated_at",
        datetime,
        "When its answers, settings, status or archiving last changed (UTC).",
    )
