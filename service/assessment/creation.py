"""Creating assessments: a new draft pinned to catalog versions, or a follow-up.

``AssessmentCreation`` extends the read model with ``create`` and the report
fields every write stores (``_materialise``); ``service.AssessmentService``
adds the other changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bson import ObjectId

from service.assessment import validation
from service.assessment.answers import carried, engine_answers
from service.assessment.reading import AssessmentReads, AssessmentView, Status
from service.assessment.report_codec import to_document
from service.errors import InvalidInput, NotFound
from service.principal import Permission
from service.scoring import Report, evaluate
from service.scoring.model import EngineModel
from service.storage.documents import AssessmentRecord
from service.storage.repositories import AssessmentRepository, now
from service.storage.repositories.occurrence import OccurrenceRepository
from service.storage.writes import audit_event

DEFAULT_QUESTIONNAIRES = {"soc2": "soc2-readiness"}


class AssessmentCreation(AssessmentReads):
    async def _materialise(
        self, record: AssessmentRecord, model: EngineModel
    ) -> tuple[Report, dict[str, object]]:
        """The report of these answers (and the ledger) and the fields to write with them.
        The scope is the one people chose: scoping answers suggest categories, never
        apply them."""
        scope = record.scope
        day = self.report_day(record)
        answers = engine_answers(record.answers, model.months_keys)
        ledger = await self.ledger(record, model, day)
        report = evaluate(model, answers, self.params(record, day, model, ledger))
        fields: dict[str, object] = {
            "scope": scope,
            "report": to_document(report, model),
            "report_basis": self._basis(record, day),
            "readiness": report.readiness,
            "completeness": report.completeness,
        }
        return report, fields

    async def _viewed(
        self, record: AssessmentRecord, model: EngineModel, report: Report
    ) -> AssessmentView:
        """The view of an assessment just written with ``report`` (computed for it): the
        stored form reads back as the same report (``report_codec``), so it is not read."""
        framework, questionnaire = await self._versions(record)
        self.decoded.put(self.decoded_key(record), report)
        return AssessmentView(record, framework, questionnaire, model, report)

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
        copy_answers_from: ObjectId | None = None,
        copy_requested: bool = False,
    ) -> AssessmentView:
        """A new DRAFT; with ``copy_answers_from``, a follow-up that starts from that
        assessment's answers (``copy_requested`` with no id: an id that names none)."""
        access_scope = await self.access.scope(organization_id, Permission.ASSESS)
        source: AssessmentRecord | None = None
        if copy_requested:
            if copy_answers_from is not None:
                repository = AssessmentRepository.of_scope(access_scope)
                source = await repository.get(copy_answers_from)
            if source is None:
                raise NotFound("assessment not found", ("input", "copyAnswersFrom"))
        problems = validation.Problems()
        cleaned = problems.check(lambda: validation.assessment_name(name))
        window = problems.check(lambda: validation.window_months(window_months))
        framework = await self.catalog.framework(
            framework_key, organization_id=access_scope.organization_id
        )
        if framework is None:
            problems.add(
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
            problems.add(
                InvalidInput(
                    f"no questionnaire {key!r} for framework {framework_key!r}",
                    ("input", "questionnaireKey"),
                )
            )
        if target_date is not None:
            problems.check(lambda: validation.target_date(target_date, self.clock()))
        short = window is not None and window < validation.MIN_WINDOW_AFTER_FIRST
        if short and await self._reported_before(
            AssessmentRepository.of_scope(access_scope), access_scope.organization_id, audit_type
        ):
            problems.check(lambda: validation.later_report_window(window or 0))
        problems.raise_any()
        assert framework is not None  # noqa: S101 - checked above
        assert questionnaire is not None  # noqa: S101
        assert cleaned is not None  # noqa: S101
        assert window is not None  # noqa: S101
        # The questionnaire pins the framework version it was validated against.
        framework = await self.catalog.framework_by_id(questionnaire.framework_id) or framework
        chosen = validation.scope_of(scope)
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
            ledger_stamp=await OccurrenceRepository(access_scope).stamp(),
        )
        if source is not None:
            earlier = await self.catalog.questionnaire_by_id(source.questionnaire_id)
            earlier_keys = earlier.questions.keys() if earlier else questionnaire.questions.keys()
            answers, review = carried(questionnaire, source.answers, earlier_keys)
            record.answers, record.to_review = answers, review
            record.copied_from = source.id
            if answers:
                record.status = Status.IN_PROGRESS.value
        model = self.engines.get(framework, questionnaire)
        report, fields = await self._materialise(record, model)
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
            **({"copied_from": str(source.id), "answers": len(record.answers)} if source else {}),
        )
        await AssessmentRepository.of_scope(access_scope).insert(record, event)
        return await self._viewed(record, model, report)

    @staticmethod
    async def _reported_before(
        repository: AssessmentRepository,
        organization_id: ObjectId,
        audit_type: str,
        other_than: ObjectId | None = None,
    ) -> bool:
        """Whether a Type II report of this organisation was already submitted: the short
        first-report window is then no longer available."""
        if audit_type != "TYPE_2":
            return False
        return await repository.has_submitted(organization_id, audit_type, other_than)
