"""The read model of assessments: an assessment with its catalog versions and a current report.

A read recomputes the report in memory when the stored one was built on another
engine version, catalog version or day (its timeline moves with the date);
otherwise it decodes the stored one. Lists read summaries and their headline
figures without the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from service.assessment.engine_model import EngineModels
from service.assessment.report_codec import from_document
from service.catalog.catalog import FrameworkVersion, QuestionnaireVersion
from service.catalog.repository import CatalogRepository
from service.errors import NotFound
from service.scoring import ENGINE_VERSION, Parameters, Report, evaluate, suggested_scope
from service.scoring.model import AuditType, EngineModel
from service.storage.documents import AssessmentRecord
from service.storage.repositories import AssessmentRepository, Page
from service.storage.tenancy import Access


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
        return suggested_scope(self.model, self.answers)


class AssessmentReads:
    """Reading the caller's assessments; ``AssessmentService`` adds the commands."""

    def __init__(
        self,
        access: Access,
        catalog: CatalogRepository,
        engines: EngineModels,
        clock: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.access = access
        self.catalog = catalog
        self.engines = engines
        self.clock = clock

    def _basis(self, record: AssessmentRecord, today: date) -> str:
        return (
            f"{ENGINE_VERSION}:{record.framework_id}:{record.questionnaire_id}:{today.isoformat()}"
        )

    def _params(self, record: AssessmentRecord, today: date) -> Parameters:
        return Parameters(
            scope=frozenset(record.scope),
            audit_type=AuditType(record.audit_type),
            window_months=record.window_months,
            today=today,
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
        if not stored or record.report_basis != self._basis(record, self.clock()):
            return None
        return from_document({**stored, "criteria": (), "controls": (), "gaps": ()})

    async def view(self, record: AssessmentRecord) -> AssessmentView:
        framework, questionnaire = await self._versions(record)
        model = self.engines.get(framework, questionnaire)
        today = self.clock()
        if record.report and record.report_basis == self._basis(record, today):
            report = from_document(record.report, model, record.window_months)
        else:
            answers = {a["question_key"]: a["value"] for a in record.answers}
            report = evaluate(model, answers, self._params(record, today))
        return AssessmentView(record, framework, questionnaire, model, report)

    async def get(self, assessment_id: ObjectId) -> AssessmentView | None:
        record = await (await AssessmentRepository.of_access(self.access)).get(assessment_id)
        return await self.view(record) if record else None

    async def get_many(self, ids: Sequence[ObjectId]) -> list[AssessmentView | None]:
        """Assessments by id, aligned with ``ids``; others' read as None (a DataLoader's batch)."""
        records = await (await AssessmentRepository.of_access(self.access)).get_many(list(ids))
        return [await self.view(r) if r else None for r in records]

    async def latest_readiness(self, ids: Sequence[ObjectId]) -> list[dict[str, Any] | None]:
        """Per organisation, the scores of its most recently updated assessment."""
        roles = await self.access.roles()
        repository = AssessmentRepository([i for i in ids if i in roles])
        latest = await repository.latest_by_organization()
        return [latest.get(i) for i in ids]

    async def page(
        self, organization_id: ObjectId, first: int, after: ObjectId | None
    ) -> Page[AssessmentRecord]:
        scope = await self.access.scope(organization_id)
        return await AssessmentRepository.of_scope(scope).page(first, after)

    async def history(
        self, assessment_id: ObjectId, question_key: str | None = None, limit: int = 100
    ) -> list[dict[str, object]]:
        """Earlier values of the assessment's answers, newest first."""
        repository = await AssessmentRepository.of_access(self.access)
        return await repository.history(assessment_id, question_key, limit)
