"""The read model of assessments: an assessment with its catalog versions and a current report.

A read recomputes the report in memory when the stored one was built on another
engine version, catalog version or day (a report is as of a day: today, or a
submitted assessment's submission day, or the ``asOf`` asked for); otherwise
it decodes the stored one. Lists read summaries and their headline
figures without the answers.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from service.assessment import subservices
from service.assessment.answers import engine_answers
from service.assessment.engine_model import EngineModels
from service.assessment.ledger import HistoryCache, Subject
from service.assessment.report_codec import DecodedReports, from_document
from service.assessment.subservices import Subservice
from service.catalog.catalog import FrameworkVersion, QuestionnaireVersion
from service.catalog.conditions import evaluate as evaluate_condition
from service.catalog.conditions import referenced_keys
from service.catalog.repository import CatalogRepository
from service.errors import InvalidInput, NotFound
from service.offload import worker_pool
from service.scoring import ENGINE_VERSION, Parameters, Report, evaluate
from service.scoring.model import AuditType, EngineModel, Gap, Histories
from service.scoring.rules import add_months
from service.storage.documents import AssessmentRecord
from service.storage.repositories import AssessmentRepository, Page
from service.storage.tenancy import Access


def subservices_of(record: AssessmentRecord, model: EngineModel) -> list[Subservice]:
    """The assessment's subservice organisations (recorded, or seeded from its answers)."""
    answers = {a["question_key"]: a["value"] for a in record.answers}
    known = {c.ref for c in model.criteria}
    return subservices.effective(record.subservices, record.subservices_recorded, answers, known)


# How far ahead a report can be planned (``asOf``).
MAX_YEARS_AHEAD = 5


class Status(StrEnum):
    DRAFT = "DRAFT"
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"


@dataclass(frozen=True)
class AssessmentView:
    """An assessment with its catalog versions and an up-to-date report."""

    record: AssessmentRecord
    framework: FrameworkVersion
    questionnaire: QuestionnaireVersion
    model: EngineModel
    report: Report

    @property
    def answers(self) -> dict[str, str]:
        return {a["question_key"]: a["value"] for a in self.record.answers}

    @property
    def suggested_scope(self) -> list[str]:
        """SECURITY, then each category the scoping answers suggest (``scope_suggestions``)."""
        return ["SECURITY", *(category for category, _ in self.scope_suggestions())]

    @property
    def subservices(self) -> list[Subservice]:
        return subservices_of(self.record, self.model)

    def scope_suggestions(self) -> list[tuple[str, str]]:
        """Each category the scoping answers suggest beyond SECURITY, with why: the scoping
        questions its rule reads and how they were answered. Shown, never applied."""
        answers = self.answers
        questions = self.questionnaire.questions
        suggestions: dict[str, str] = {}
        for category, condition in self.questionnaire.scope_rules:
            if category.value in suggestions or category.value == "SECURITY":
                continue
            if not evaluate_condition(condition, answers):
                continue
            because = "; ".join(
                f"{questions[key].text.strip()} Answered: {answers[key]}."
                for key in sorted(referenced_keys(condition))
                if key in answers and key in questions
            )
            suggestions[category.value] = because
        return list(suggestions.items())

    def gap_id(self, gap: Gap) -> str:
        """The same for the same gap while it stays open, whatever else changes: built from
        what identifies it (this assessment, the kind, the control or question), so a gap
        exported to a tracker can be matched back. Opaque to clients."""
        identity = f"Gap:{self.record.id}:{gap.kind.value}:{gap.control or ''}:{gap.question or ''}"
        return base64.urlsafe_b64encode(identity.encode()).decode().rstrip("=")


def _utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass
class AssessmentReads:
    """Reading the caller's assessments; ``AssessmentService`` adds the commands.

    ``clock`` says what day it is (tests move it); ``report_lag_days`` is the range of
    fieldwork and issuance after a window (settings ``REPORT_LAG_MIN/MAX_WEEKS``);
    ``histories`` caches what organisations' evidence ledgers say of each control."""

    access: Access
    catalog: CatalogRepository
    engines: EngineModels
    clock: Callable[[], date] = _utc_today
    report_lag_days: tuple[int, int] = (28, 70)
    histories: HistoryCache = field(default_factory=HistoryCache)
    decoded: DecodedReports = field(default_factory=DecodedReports)

    def result_key(self, record: AssessmentRecord) -> tuple[object, ...]:
        """What the default day's report of ``record`` is a function of: the assessment,
        its version and the basis the report is computed on (engine, catalog versions,
        day, reporting lag, target date, ledger stamp)."""
        return (record.id, record.version, self._basis(record, self.report_day(record)))

    @staticmethod
    def decoded_key(record: AssessmentRecord) -> tuple[object, ...]:
        """The stored report's key in ``decoded``."""
        return (record.id, record.version, record.report_basis)

    def report_day(self, record: AssessmentRecord) -> date:
        """The day a report is computed for by default: a submitted assessment's submission
        day (its report is frozen), else today."""
        if record.status == Status.SUBMITTED and record.submitted_at is not None:
            return record.submitted_at.date()
        return self.clock()

    def _basis(self, record: AssessmentRecord, day: date) -> str:
        low, high = self.report_lag_days
        return (
            f"{ENGINE_VERSION}:{record.framework_id}:{record.questionnaire_id}:"
            f"{day.isoformat()}:{low}-{high}:{record.target_date}:{record.ledger_stamp or ''}"
        )

    async def ledger(self, record: AssessmentRecord, model: EngineModel, day: date) -> Histories:
        """What the organisation's evidence ledger says of each control as of ``day``."""
        return await self.histories.of(
            self.access,
            organization_id=record.organization_id,
            stamp=record.ledger_stamp,
            model=model,
            day=day,
            # A submitted assessment keeps the stamp it was submitted with.
            current=record.status != Status.SUBMITTED,
        )

    def params(
        self, record: AssessmentRecord, day: date, model: EngineModel, ledger: Histories = ()
    ) -> Parameters:
        return Parameters(
            scope=frozenset(record.scope),
            audit_type=AuditType(record.audit_type),
            window_months=record.window_months,
            today=day,
            report_lag_days=self.report_lag_days,
            target_date=date.fromisoformat(record.target_date) if record.target_date else None,
            carve_outs=subservices.carve_outs(subservices_of(record, model), day),
            monitoring_control=subservices.MONITORING_CONTROL,
            ledger=ledger,
        )

    async def _versions(
        self, record: AssessmentRecord
    ) -> tuple[FrameworkVersion, QuestionnaireVersion]:
        framework = await self.catalog.framework_by_id(record.framework_id)
        questionnaire = await self.catalog.questionnaire_by_id(record.questionnaire_id)
        if framework is None or questionnaire is None:
            raise NotFound("the catalog version this assessment pins is missing")
        return framework, questionnaire

    def headline(self, record: AssessmentRecord) -> Report | None:
        """The stored report's headline figures (readiness, categories, dates) when they are
        current, read from a summary record without its answers or gap lists; None when
        the report must be recomputed (a new day, a new engine) from the full assessment."""
        stored = record.report
        if not stored or record.report_basis != self._basis(record, self.report_day(record)):
            return None
        if "timeline" not in stored or "as_of" not in stored:
            return None  # a summary read without them: the full assessment has them
        # The headline tells whether blockers hold the start, not which: a reader of the
        # blockers loads the full assessment, so one is enough to decode here.
        timeline = {**stored["timeline"], "blockers": stored["timeline"]["blockers"][:1]}
        return from_document(
            {**stored, "timeline": timeline, "criteria": (), "controls": (), "gaps": ()}
        )

    async def view(self, record: AssessmentRecord, as_of: date | None = None) -> AssessmentView:
        """The assessment with its report as of ``as_of`` (default ``report_day``)."""
        framework, questionnaire = await self._versions(record)
        model = self.engines.get(framework, questionnaire)
        day = as_of or self.report_day(record)
        ledger = () if self._current(record, day) else await self.ledger(record, model, day)
        return AssessmentView(
            record, framework, questionnaire, model, self._report(record, model, day, ledger)
        )

    def _current(self, record: AssessmentRecord, day: date) -> bool:
        return bool(record.report) and record.report_basis == self._basis(record, day)

    def _report(
        self, record: AssessmentRecord, model: EngineModel, day: date, ledger: Histories
    ) -> Report:
        if self._current(record, day):
            key = self.decoded_key(record)
            decoded = self.decoded.get(key)
            if decoded is None:
                decoded = from_document(record.report, model, record.window_months)
                self.decoded.put(key, decoded)
            return decoded
        return evaluate(
            model,
            engine_answers(record.answers, model.months_keys),
            self.params(record, day, model, ledger),
        )

    async def as_of(self, view: AssessmentView, as_of: date) -> AssessmentView:
        """``view`` with its report as of ``as_of``: from the day the assessment was created
        (what was known then, with today's answers) to five years ahead (planning)."""
        created = view.record.created_at.date()
        if as_of < created:
            raise InvalidInput(
                f"asOf must be on or after the day the assessment was created ({created})",
                ("asOf",),
            )
        latest = add_months(self.clock(), 12 * MAX_YEARS_AHEAD)
        if as_of > latest:
            raise InvalidInput(
                f"asOf may be at most {MAX_YEARS_AHEAD} years ahead ({latest})", ("asOf",)
            )
        if view.report.as_of == as_of:
            return view
        # A report on another day is computed cold: in the worker pool, whose bound also
        # refuses a request that asks for many days at once.
        ledger = await self.ledger(view.record, view.model, as_of)
        report = await worker_pool().run(self._report, view.record, view.model, as_of, ledger)
        return replace(view, report=report)

    def subject(self, view: AssessmentView) -> Subject:
        """What the dry run of the evidence ledger reads of the assessment."""
        record = view.record
        return Subject(
            record.organization_id,
            record.ledger_stamp,
            view.report,
            view.model,
            record.window_months,
        )

    def dry_run_day(self, view: AssessmentView, as_of: date | None) -> date:
        """The day of a dry run: ``as_of`` (2000 to five years ahead), else the report's."""
        if as_of is None:
            return self.report_day(view.record)
        latest = add_months(self.clock(), 12 * MAX_YEARS_AHEAD)
        if not date(2000, 1, 1) <= as_of <= latest:
            raise InvalidInput(f"asOf must be from 2000-01-01 to {latest}", ("asOf",))
        return as_of

    async def get(self, assessment_id: ObjectId) -> AssessmentView | None:
        record = await (await AssessmentRepository.of_access(self.access)).get(assessment_id)
        return await self.view(record) if record else None

    async def get_many(self, ids: Sequence[ObjectId]) -> list[AssessmentView | None]:
        """Assessments by id, aligned with ``ids``; others' read as None (a DataLoader's batch)."""
        records = await (await AssessmentRepository.of_access(self.access)).get_many(list(ids))
        return [await self.view(r) if r else None for r in records]

    async def latest_readiness(self, ids: Sequence[ObjectId]) -> list[dict[str, Any] | None]:
        """Per organisation, the scores its headline follows: its latest submitted
        assessment, else its most recently updated one (archived ones never)."""
        roles = await self.access.roles()
        repository = AssessmentRepository([i for i in ids if i in roles])
        latest = await repository.latest_by_organization()
        return [latest.get(i) for i in ids]

    async def page(
        self,
        organization_id: ObjectId,
        first: int,
        after: ObjectId | None,
        include_archived: bool = False,
    ) -> Page[AssessmentRecord]:
        scope = await self.access.scope(organization_id)
        return await AssessmentRepository.of_scope(scope).page(first, after, include_archived)

    async def history(
        self, assessment_id: ObjectId, question_key: str | None = None, limit: int = 100
    ) -> list[dict[str, object]]:
        """Earlier values of the assessment's answers, newest first."""
        repository = await AssessmentRepository.of_access(self.access)
        return await repository.history(assessment_id, question_key, limit)
