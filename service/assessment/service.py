"""Assessments: creation, answers, lifecycle, and the materialised readiness report.

The report is computed by the pure engine and written in the same atomic
update as the answers that produced it (guarded by ``expectedVersion``). A
read recomputes it in memory when the stored one was built on another
engine version, catalog version or day (its timeline moves with the date).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from service.assessment.answers import CLEAR, AnswerChange, check_answers
from service.assessment.engine_model import EngineModels
from service.assessment.report_codec import from_document, to_document
from service.catalog.catalog import FrameworkVersion, QuestionnaireVersion
from service.catalog.repository import CatalogRepository
from service.errors import InvalidInput, InvalidState, NotFound, VersionConflict
from service.principal import Permission
from service.scoring import ENGINE_VERSION, Parameters, Report, evaluate, suggested_scope
from service.scoring.model import AuditType, EngineModel
from service.storage.documents import AssessmentRecord
from service.storage.repositories import AssessmentRepository, Page, now
from service.storage.tenancy import Access
from service.storage.writes import audit_event

CATEGORIES = ("SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY")
MIN_WINDOW, MAX_WINDOW, DEFAULT_WINDOW = 3, 12, 6
DEFAULT_QUESTIONNAIRES = {"soc2": "soc2-readiness"}


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


def _stale(current: int, expected: int) -> VersionConflict:
    return VersionConflict(
        f"the assessment is at version {current}, not {expected}; reload and retry",
        ("input", "expectedVersion"),
    )


class AssessmentService:
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

    # -- reading -----------------------------------------------------------------

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

    # -- writing -----------------------------------------------------------------

    async def _writable(
        self, assessment_id: ObjectId, permission: Permission
    ) -> tuple[AssessmentRecord, AssessmentRepository]:
        record = await (await AssessmentRepository.of_access(self.access)).get(assessment_id)
        if record is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        scope = await self.access.scope(record.organization_id, permission)
        return record, AssessmentRepository.of_scope(scope)

    def _materialise(
        self, record: AssessmentRecord, model: EngineModel, answers: dict[str, str]
    ) -> tuple[list[str], dict[str, object]]:
        """The scope and the report fields to write with these answers."""
        scope = record.scope
        if not record.scope_explicit:
            scope = suggested_scope(model, answers)
        today = self.clock()
        params = Parameters(
            scope=frozenset(scope),
            audit_type=AuditType(record.audit_type),
            window_months=record.window_months,
            today=today,
        )
        report = evaluate(model, answers, params)
        fields: dict[str, object] = {
            "scope": scope,
            "report": to_document(report),
            "report_basis": self._basis(record, today),
            "readiness": report.readiness,
            "completeness": report.completeness,
        }
        return scope, fields

    async def create(
        self,
        *,
        organization_id: ObjectId | None,
        name: str,
        framework_key: str,
        questionnaire_key: str | None,
        scope: Sequence[str],
        audit_type: str,
        window_months: int | None,
        target_date: date | None,
    ) -> AssessmentView:
        access_scope = await self.access.scope(organization_id, Permission.ASSESS)
        cleaned = " ".join(name.split())
        problems: list[InvalidInput] = []
        if not cleaned or len(cleaned) > 200:
            problems.append(InvalidInput("name must be 1 to 200 characters", ("input", "name")))
        window = DEFAULT_WINDOW if window_months is None else window_months
        if not MIN_WINDOW <= window <= MAX_WINDOW:
            problems.append(
                InvalidInput(
                    f"the observation window is {MIN_WINDOW} to {MAX_WINDOW} months",
                    ("input", "observationWindowMonths"),
                )
            )
        framework = await self.catalog.framework(
            framework_key, organization_id=access_scope.organization_id
        )
        if framework is None:
            problems.append(
                InvalidInput(f"unknown framework {framework_key[:80]!r}", ("input", "frameworkKey"))
            )
        key = questionnaire_key or DEFAULT_QUESTIONNAIRES.get(
            framework_key, f"{framework_key}-readiness"
        )
        questionnaire = await self.catalog.questionnaire(
            key, organization_id=access_scope.organization_id
        )
        if framework is not None and (
            questionnaire is None or questionnaire.framework_key != framework.key
        ):
            problems.append(
                InvalidInput(
                    f"no questionnaire {key!r} for framework {framework_key!r}",
                    ("input", "questionnaireKey"),
                )
            )
        if target_date is not None and target_date < self.clock():
            problems.append(
                InvalidInput("the target audit date is in the past", ("input", "targetDate"))
            )
        if problems:
            raise InvalidInput.many([p for error in problems for p in error.problems])
        assert framework is not None  # noqa: S101 - checked above
        assert questionnaire is not None  # noqa: S101
        # The questionnaire pins the framework version it was validated against.
        framework = await self.catalog.framework_by_id(questionnaire.framework_id) or framework
        chosen = [c for c in CATEGORIES if c in set(scope) | {"SECURITY"}]
        moment = now()
        record = AssessmentRecord(
            organization_id=access_scope.organization_id,
            name=cleaned,
            framework_id=framework.record_id,
            framework_key=framework.key,
            framework_version=framework.version,
            questionnaire_id=questionnaire.record_id,
            questionnaire_key=questionnaire.key,
            questionnaire_version=questionnaire.version,
            scope=chosen,
            scope_explicit=bool(scope),
            audit_type=audit_type,
            window_months=window,
            target_date=target_date.isoformat() if target_date else None,
            status=Status.DRAFT.value,
            version=1,
            created_at=moment,
            created_by=self.access.principal.subject,
            updated_at=moment,
        )
        model = self.engines.get(framework, questionnaire)
        _, fields = self._materialise(record, model, {})
        for field_name, value in fields.items():
            setattr(record, field_name, value)
        event = audit_event(
            self.access.principal,
            "createAssessment",
            "Assessment",
            None,
            access_scope.organization_id,
            framework=framework.key,
            version=framework.version,
        )
        await AssessmentRepository.of_scope(access_scope).insert(record, event)
        return await self.view(record)

    async def _conflict(
        self, repository: AssessmentRepository, assessment_id: ObjectId, expected: int
    ) -> None:
        current = await repository.get(assessment_id)
        if current is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        if current.status == Status.SUBMITTED and expected == current.version:
            raise InvalidState("the assessment is submitted; reopen it to change answers")
        raise _stale(current.version, expected)

    async def save_answers(
        self, assessment_id: ObjectId, expected_version: int, changes: list[AnswerChange]
    ) -> AssessmentView:
        record, repository = await self._writable(assessment_id, Permission.ANSWER)
        if record.status == Status.SUBMITTED:
            raise InvalidState("the assessment is submitted; reopen it to change answers")
        if record.version != expected_version:
            raise _stale(record.version, expected_version)
        framework, questionnaire = await self._versions(record)
        checked = check_answers(questionnaire, changes)
        moment = now()
        subject = self.access.principal.subject
        current = {a["question_key"]: a for a in record.answers}
        history = []
        for change in checked:
            previous = current.get(change.question_key)
            if previous is not None:
                history.append({**previous, "replaced_at": moment, "replaced_by": subject})
            if change.value == CLEAR:
                current.pop(change.question_key, None)
            else:
                current[change.question_key] = {
                    "question_key": change.question_key,
                    "value": change.value,
                    "note": change.note,
                    "answered_by": subject,
                    "answered_at": moment,
                }
        order = {key: i for i, key in enumerate(questionnaire.questions)}
        answers = sorted(current.values(), key=lambda a: order.get(a["question_key"], len(order)))
        model = self.engines.get(framework, questionnaire)
        _, fields = self._materialise(
            record, model, {a["question_key"]: a["value"] for a in answers}
        )
        fields.update(answers=answers, updated_at=moment)
        if record.status == Status.DRAFT:
            fields["status"] = Status.IN_PROGRESS.value
        written = await repository.update(
            assessment_id,
            expected_version,
            fields,
            history,
            allowed_statuses=[Status.DRAFT.value, Status.IN_PROGRESS.value],
            organization_id=record.organization_id,
            # Keys and counts only: answer values and notes stay out of the audit log.
            event=audit_event(
                self.access.principal,
                "saveAnswers",
                "Assessment",
                assessment_id,
                record.organization_id,
                questions=[c.question_key for c in checked],
                version=expected_version + 1,
            ),
        )
        if not written:
            await self._conflict(repository, assessment_id, expected_version)
        updated = record.model_copy(update={**fields, "version": expected_version + 1})
        return await self.view(updated)

    async def _transition(
        self,
        assessment_id: ObjectId,
        *,
        expected_version: int | None,
        allowed_from: Sequence[Status],
        to: Status,
        message: str,
        action: str,
        extra: dict[str, object] | None = None,
    ) -> AssessmentView:
        record, repository = await self._writable(assessment_id, Permission.ASSESS)
        if expected_version is not None and record.version != expected_version:
            raise _stale(record.version, expected_version)
        if record.status not in allowed_from:
            raise InvalidState(message)
        fields: dict[str, object] = {"status": to.value, "updated_at": now(), **(extra or {})}
        event = audit_event(
            self.access.principal,
            action,
            "Assessment",
            assessment_id,
            record.organization_id,
            status=to.value,
        )
        if not await repository.update(
            assessment_id,
            record.version,
            fields,
            allowed_statuses=[s.value for s in allowed_from],
            event=event,
        ):
            await self._conflict(repository, assessment_id, record.version)
        return await self.view(record.model_copy(update={**fields, "version": record.version + 1}))

    async def submit(self, assessment_id: ObjectId, expected_version: int | None) -> AssessmentView:
        return await self._transition(
            assessment_id,
            expected_version=expected_version,
            allowed_from=(Status.DRAFT, Status.IN_PROGRESS),
            to=Status.SUBMITTED,
            message="the assessment is already submitted",
            action="submitAssessment",
            extra={"submitted_at": now()},
        )

    async def reopen(self, assessment_id: ObjectId, expected_version: int | None) -> AssessmentView:
        return await self._transition(
            assessment_id,
            expected_version=expected_version,
            allowed_from=(Status.SUBMITTED,),
            to=Status.IN_PROGRESS,
            message="only a submitted assessment can be reopened",
            action="reopenAssessment",
            extra={"submitted_at": None},
        )

    async def update(
        self,
        assessment_id: ObjectId,
        expected_version: int | None,
        *,
        name: str | None = None,
        scope: Sequence[str] | None = None,
        audit_type: str | None = None,
        window_months: int | None = None,
        target_date: date | None = None,
        clear_target_date: bool = False,
    ) -> AssessmentView:
        record, repository = await self._writable(assessment_id, Permission.ASSESS)
        if expected_version is not None and record.version != expected_version:
            raise _stale(record.version, expected_version)
        if record.status == Status.SUBMITTED:
            raise InvalidState("the assessment is submitted; reopen it to change it")
        changes: dict[str, object] = {}
        if name is not None:
            cleaned = " ".join(name.split())
            if not cleaned or len(cleaned) > 200:
                raise InvalidInput("name must be 1 to 200 characters", ("input", "name"))
            changes["name"] = cleaned
        if window_months is not None:
            if not MIN_WINDOW <= window_months <= MAX_WINDOW:
                raise InvalidInput(
                    f"the observation window is {MIN_WINDOW} to {MAX_WINDOW} months",
                    ("input", "observationWindowMonths"),
                )
            changes["window_months"] = window_months
        if audit_type is not None:
            changes["audit_type"] = audit_type
        if scope:
            changes["scope"] = [c for c in CATEGORIES if c in set(scope) | {"SECURITY"}]
            changes["scope_explicit"] = True
        elif scope is not None:
            # An empty scope means: follow what the scoping answers suggest.
            changes["scope_explicit"] = False
        if target_date is not None:
            if target_date < self.clock():
                raise InvalidInput("the target audit date is in the past", ("input", "targetDate"))
            changes["target_date"] = target_date.isoformat()
        if clear_target_date:
            changes["target_date"] = None
        changed = record.model_copy(update=changes)
        framework, questionnaire = await self._versions(changed)
        model = self.engines.get(framework, questionnaire)
        _, fields = self._materialise(
            changed, model, {a["question_key"]: a["value"] for a in changed.answers}
        )
        fields.update({k: v for k, v in changes.items() if k != "scope"}, updated_at=now())
        event = audit_event(
            self.access.principal,
            "updateAssessment",
            "Assessment",
            assessment_id,
            record.organization_id,
            fields=sorted(changes),
        )
        if not await repository.update(
            assessment_id,
            record.version,
            fields,
            allowed_statuses=[Status.DRAFT.value, Status.IN_PROGRESS.value],
            event=event,
        ):
            await self._conflict(repository, assessment_id, record.version)
        return await self.view(record.model_copy(update={**fields, "version": record.version + 1}))
