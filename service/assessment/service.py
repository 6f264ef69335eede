"""Assessment commands: creation, answers, submission, reopening and settings changes.

The report is computed by the pure engine and written in the same atomic
update as the answers that produced it (guarded by ``expectedVersion``).
Reading lives in ``reading`` (``AssessmentReads``, which this service
extends) and the rules for settings in ``validation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bson import ObjectId

from service.assessment import subservices, validation
from service.assessment.answers import (
    CLEAR,
    AnswerChange,
    anchored,
    check_answers,
    check_total_size,
)
from service.assessment.creation import AssessmentCreation
from service.assessment.notifications import outbox_event, report_changed
from service.assessment.reading import AssessmentView, Status
from service.assessment.subservices import Subservice
from service.errors import InvalidState, NotFound, VersionConflict
from service.principal import Permission
from service.storage.documents import AssessmentRecord
from service.storage.repositories import AssessmentRepository, now
from service.storage.repositories.occurrence import OccurrenceRepository
from service.storage.writes import audit_event

__all__ = ["AssessmentService", "AssessmentView", "Status"]


def _stale(current: int, expected: int) -> VersionConflict:
    return VersionConflict(
        f"the assessment is at version {current}, not {expected}; reload and retry",
        ("input", "expectedVersion"),
    )


class AssessmentService(AssessmentCreation):
    """The caller's assessments: the reads of ``AssessmentReads``, creation
    (``AssessmentCreation``) and every other change."""

    async def _writable(
        self, assessment_id: ObjectId, permission: Permission
    ) -> tuple[AssessmentRecord, AssessmentRepository]:
        record = await (await AssessmentRepository.of_access(self.access)).get(assessment_id)
        if record is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        scope = await self.access.scope(record.organization_id, permission)
        if record.archived:
            raise InvalidState("the assessment is archived: it is read-only")
        return record, AssessmentRepository.of_scope(scope)

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
        changed = False
        for change in checked:
            previous = current.get(change.question_key)
            if previous is not None and (previous["value"], previous.get("note")) == (
                change.value,
                change.note,
            ):
                # The same answer again: it keeps its date (and a MONTHS answer its anchor).
                continue
            if previous is None and change.value == CLEAR:
                continue  # clearing an unanswered question changes nothing
            changed = True
            if previous is not None:
                history.append({**previous, "replaced_at": moment, "replaced_by": subject})
            if change.value == CLEAR:
                current.pop(change.question_key, None)
            else:
                answer = {
                    "question_key": change.question_key,
                    "value": change.value,
                    "note": change.note,
                    "answered_by": subject,
                    "answered_at": moment,
                }
                since = anchored(
                    questionnaire.questions[change.question_key], change.value, self.clock()
                )
                if previous is not None and previous["value"] == change.value:
                    # Only the note changed: the months still count from the first answer.
                    since = previous.get("operating_since") or since
                if since is not None:
                    answer["operating_since"] = since
                current[change.question_key] = answer
        if not changed:
            # Nothing to write: the version, the history and the audit log stay as they are.
            return await self.view(record)
        order = {key: i for i, key in enumerate(questionnaire.questions)}
        answers = sorted(current.values(), key=lambda a: order.get(a["question_key"], len(order)))
        check_total_size(answers)
        model = self.engines.get(framework, questionnaire)
        answered = record.model_copy(update={"answers": answers})
        report, fields = await self._materialise(answered, model)
        fields.update(answers=answers, updated_at=moment)
        if record.status == Status.DRAFT:
            fields["status"] = Status.IN_PROGRESS.value
        changed_report = report_changed(
            record.organization_id,
            assessment_id,
            record.report,
            fields["report"],  # type: ignore[arg-type]
            expected_version + 1,
        )
        written = await repository.update(
            assessment_id,
            expected_version,
            fields,
            history,
            allowed_statuses=[Status.DRAFT.value, Status.IN_PROGRESS.value],
            organization_id=record.organization_id,
            outbox=[changed_report] if changed_report else [],
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
        return await self._viewed(updated, model, report)

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
        first_report_only: bool = False,
    ) -> AssessmentView:
        record, repository = await self._writable(assessment_id, Permission.ASSESS)
        if expected_version is not None and record.version != expected_version:
            raise _stale(record.version, expected_version)
        if record.status not in allowed_from:
            raise InvalidState(message)
        if (
            first_report_only
            and record.window_months < validation.MIN_WINDOW_AFTER_FIRST
            and await self._reported_before(
                repository, record.organization_id, record.audit_type, record.id
            )
        ):
            # Two short drafts made before the first report: only one can be it.
            raise InvalidState(
                f"a window under {validation.MIN_WINDOW_AFTER_FIRST} months is accepted only "
                "for a first Type II report, and this organisation has submitted one"
            )
        # The stored report follows the report's day: a submitted assessment's is its
        # submission day, a reopened one's today.
        changes: dict[str, object] = {"status": to.value, **(extra or {})}
        return await self._rescored(
            record, repository, changes, action, allowed=allowed_from, status=to.value
        )

    async def submit(self, assessment_id: ObjectId, expected_version: int | None) -> AssessmentView:
        return await self._transition(
            assessment_id,
            expected_version=expected_version,
            allowed_from=(Status.DRAFT, Status.IN_PROGRESS),
            to=Status.SUBMITTED,
            message="the assessment is already submitted",
            action="submitAssessment",
            extra={"submitted_at": now()},
            first_report_only=True,
        )

    async def reopen(self, assessment_id: ObjectId, expected_version: int | None) -> AssessmentView:
        return await self._transition(
            assessment_id,
            expected_version=expected_version,
            allowed_from=(Status.SUBMITTED,),
            to=Status.IN_PROGRESS,
            message="only a submitted assessment can be reopened",
            action="reopenAssessment",
            # Ledger batches recorded while it was submitted left it alone.
            extra={"submitted_at": None, "ledger_stamp": await self._ledger_stamp(assessment_id)},
        )

    async def archive(self, assessment_id: ObjectId) -> AssessmentView:
        """Take it out of default lists and make it read-only (OWNER, ASSESSOR)."""
        record, repository = await self._writable(assessment_id, Permission.ASSESS)
        event = audit_event(
            self.access.principal,
            "archiveAssessment",
            "Assessment",
            assessment_id,
            record.organization_id,
        )
        if not await repository.archive(assessment_id, event):
            raise InvalidState("the assessment is archived already")
        archived = await repository.get(assessment_id)
        if archived is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        return await self.view(archived)

    async def _ledger_stamp(self, assessment_id: ObjectId) -> str | None:
        record, _ = await self._writable(assessment_id, Permission.READ)
        scope = await self.access.scope(record.organization_id)
        return await OccurrenceRepository(scope).stamp()

    async def _editable(
        self, assessment_id: ObjectId, expected_version: int | None
    ) -> tuple[AssessmentRecord, AssessmentRepository]:
        """An assessment the caller may change the settings of (OWNER, ASSESSOR): at the
        version the caller read, and not submitted."""
        record, repository = await self._writable(assessment_id, Permission.ASSESS)
        if expected_version is not None and record.version != expected_version:
            raise _stale(record.version, expected_version)
        if record.status == Status.SUBMITTED:
            raise InvalidState("the assessment is submitted; reopen it to change it")
        return record, repository

    async def _rescored(
        self,
        record: AssessmentRecord,
        repository: AssessmentRepository,
        changes: dict[str, object],
        action: str,
        allowed: Sequence[Status] = (Status.DRAFT, Status.IN_PROGRESS),
        **details: object,
    ) -> AssessmentView:
        """Write ``changes`` with the report they give, and the audit event, in one guarded
        write (refused if the assessment moved since ``record`` was read, or is no longer
        in one of the ``allowed`` statuses)."""
        changed = record.model_copy(update=changes)
        framework, questionnaire = await self._versions(changed)
        model = self.engines.get(framework, questionnaire)
        report, fields = await self._materialise(changed, model)
        fields.update(changes, updated_at=now())
        assert record.id is not None  # noqa: S101 - a stored assessment
        event = audit_event(
            self.access.principal,
            action,
            "Assessment",
            record.id,
            record.organization_id,
            **details,
        )
        outbox = [
            o
            for o in (
                report_changed(
                    record.organization_id,
                    record.id,
                    record.report,
                    fields["report"],  # type: ignore[arg-type]
                    record.version + 1,
                ),
                outbox_event(
                    record.organization_id,
                    "ASSESSMENT_SUBMITTED",
                    record.id,
                    {"version": record.version + 1, "readiness": fields["readiness"]},
                )
                if changes.get("status") == Status.SUBMITTED.value
                else None,
            )
            if o is not None
        ]
        if not await repository.update(
            record.id,
            record.version,
            fields,
            allowed_statuses=[s.value for s in allowed],
            event=event,
            outbox=outbox,
        ):
            await self._conflict(repository, record.id, record.version)
        updated = record.model_copy(update={**fields, "version": record.version + 1})
        return await self._viewed(updated, model, report)

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
        record, repository = await self._editable(assessment_id, expected_version)
        changes: dict[str, object] = {}
        if name is not None:
            changes["name"] = validation.assessment_name(name)
        if window_months is not None:
            changes["window_months"] = validation.window_months(window_months)
        if audit_type is not None:
            changes["audit_type"] = audit_type
        if scope:
            changes["scope"] = validation.scope_of(scope)
            changes["scope_explicit"] = True
        elif scope is not None:
            # An empty scope is "not chosen yet": SECURITY alone, until someone chooses.
            changes["scope"] = validation.scope_of(())
            changes["scope_explicit"] = False
        if target_date is not None:
            changes["target_date"] = validation.target_date(target_date, self.clock()).isoformat()
        if clear_target_date:
            changes["target_date"] = None
        changes = {k: v for k, v in changes.items() if getattr(record, k) != v}
        if not changes:
            # The settings it already has: no version, no audit event.
            return await self.view(record)
        changed = record.model_copy(update=changes)
        short = changed.window_months < validation.MIN_WINDOW_AFTER_FIRST
        retimed = "window_months" in changes or "audit_type" in changes
        if (
            short
            and retimed
            and await self._reported_before(
                repository, record.organization_id, changed.audit_type, record.id
            )
        ):
            validation.later_report_window(changed.window_months)
        return await self._rescored(
            record, repository, changes, "updateAssessment", fields=sorted(changes)
        )

    async def set_subservices(
        self, assessment_id: ObjectId, expected_version: int | None, items: Sequence[Subservice]
    ) -> AssessmentView:
        """Record the assessment's subservice organisations (the whole list; an empty one
        says there are none, which also drops the seeded cloud provider)."""
        record, repository = await self._editable(assessment_id, expected_version)
        framework, questionnaire = await self._versions(record)
        model = self.engines.get(framework, questionnaire)
        listed = subservices.checked(items, {c.ref for c in model.criteria}, self.clock())
        changes: dict[str, object] = {
            "subservices": [s.document() for s in listed],
            "subservices_recorded": True,
        }
        return await self._rescored(
            record, repository, changes, "setSubserviceOrganizations", count=len(listed)
        )
