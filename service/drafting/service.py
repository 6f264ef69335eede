"""Drafting policies for an assessment's gaps, one policy per policy family.

The chosen controls (default: those with DESIGN gaps) are grouped by the
policy family that documents them; each family gets one draft, grounded in
its controls, their criteria, the organisation's scoping answers and the
notes on the related answers. The LLM drafts when configured and within the
daily token budgets (the organisation's and the caller's, across all its
organisations); otherwise, or when it fails, templates do, and the draft
says why. Every LLM request reserves its estimated prompt plus its
completion cap from both budgets before it is sent, so no interleaving of
drafts spends past either.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from service.assessment.service import AssessmentService, AssessmentView
from service.drafting.commitments import resolve
from service.drafting.progress import ProgressHub
from service.drafting.prompt import ControlFacts, CriterionFacts, DraftRequest
from service.drafting.versions import revised
from service.drafting.writer import DailyBudget, DraftingConfig, DraftWriter
from service.errors import (
    InvalidInput,
    InvalidState,
    LimitExceeded,
    NotFound,
    VersionConflict,
)
from service.principal import Permission
from service.scoring.model import GapKind
from service.storage.drafting_documents import PolicyDraftRecord, PolicyDraftRevision
from service.storage.repositories import DraftRepository, Page, now
from service.storage.tenancy import Access
from service.storage.writes import Duplicate, audit_event
from service.telemetry import get_logger

MAX_CONTROLS = 200
log = get_logger("service.drafting")


# A reviewer's body, at most.
MAX_BODY_BYTES = 200_000
# Revisions the plain ``revisions`` list returns (the latest ones); the rest page.
LATEST_REVISIONS = 100


class DraftingService:
    def __init__(
        self,
        access: Access,
        assessments: AssessmentService,
        config: DraftingConfig,
        hub: ProgressHub,
        tasks: set[asyncio.Task[None]],
    ) -> None:
        self.access = access
        self.assessments = assessments
        self.config = config
        self.writer = DraftWriter(config, hub)
        self.hub = hub
        self.tasks = tasks

    # -- grounding ------------------------------------------------------------------

    def _requests(
        self, view: AssessmentView, control_keys: Sequence[str] | None, organization: str
    ) -> list[DraftRequest]:
        framework = view.framework
        if control_keys is None:
            keys = list(
                dict.fromkeys(
                    g.control for g in view.report.gaps if g.kind is GapKind.DESIGN and g.control
                )
            )
        else:
            unknown = [k for k in control_keys if k not in framework.controls]
            if unknown:
                raise InvalidInput(
                    f"unknown control(s): {', '.join(unknown[:10])}", ("input", "controlKeys")
                )
            keys = list(dict.fromkeys(control_keys))
        if not keys:
            raise InvalidState("no controls to draft for: the assessment has no design gaps")
        if len(keys) > MAX_CONTROLS:
            raise InvalidInput(
                f"at most {MAX_CONTROLS} controls per call", ("input", "controlKeys")
            )
        families = {f.key: f for f in framework.model.policy_families}
        gaps_by_family: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            gaps_by_family[framework.controls[key].policy_family].append(key)
        in_scope = {
            c.ref for c in framework.model.criteria if c.category.value in view.record.scope
        }
        members: dict[str, list[str]] = defaultdict(list)
        for control in framework.controls.values():
            if in_scope.intersection(control.criteria):
                members[control.policy_family].append(control.key)
        profile, notes_by_control, answers, labels = self._answers(view)
        requests = []
        for family_key, gaps in sorted(gaps_by_family.items()):
            family = families.get(family_key)
            # The whole family: its in-scope controls, and the gap controls whatever their scope.
            member_keys = list(dict.fromkeys([*members.get(family_key, []), *gaps]))
            controls = [framework.controls[k] for k in member_keys]
            refs = sorted(
                {r for c in controls for r in c.criteria if r in in_scope}
                or {r for c in controls for r in c.criteria}
            )
            requests.append(
                DraftRequest(
                    organization=organization,
                    family_key=family_key,
                    family_title=family.title
                    if family
                    else family_key.replace("-", " ").title() + " Policy",
                    family_description=family.description
                    if family
                    else "Documents the controls listed below.",
                    controls=[
                        ControlFacts(
                            c.key,
                            c.name,
                            c.description,
                            list(c.criteria),
                            c.frequency.value,
                            list(c.evidence),
                        )
                        for c in controls
                    ],
                    criteria=[
                        CriterionFacts(
                            r, framework.criteria[r].title, framework.criteria[r].description
                        )
                        for r in refs
                    ],
                    gaps=gaps,
                    commitments=resolve(family_key, answers, labels, profile),
                    profile=profile,
                    notes=[n for k in gaps for n in notes_by_control.get(k, [])],
                ).redacted()
            )
        return requests

    @staticmethod
    def _answers(
        view: AssessmentView,
    ) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str], dict[tuple[str, str], str]]:
        """The scoping profile (by short key, as labels), answer notes by control, every
        answer by question key, and the label of each (question, value) answered."""
        questions = view.questionnaire.questions
        profile: dict[str, str] = {}
        notes: dict[str, list[str]] = defaultdict(list)
        answers: dict[str, str] = {}
        labels: dict[tuple[str, str], str] = {}
        for answer in view.record.answers:
            question = questions.get(answer["question_key"])
            if question is None:
                continue
            value = str(answer["value"])
            answers[question.key] = value
            options = {o.value: o.label for o in question.effective_options}
            if value in options:
                labels[(question.key, value)] = options[value]
            if question.effective_role.value == "SCOPING":
                profile[question.key.split(".")[-1]] = ", ".join(
                    options.get(v, v) for v in value.split(",")
                )
            if answer.get("note"):
                for control in question.controls:
                    notes[control].append(str(answer["note"]))
        return profile, notes, answers, labels

    # -- budget ---------------------------------------------------------------------

    @staticmethod
    def _today() -> str:
        return datetime.now(UTC).date().isoformat()

    # -- drafting -------------------------------------------------------------------

    def _budget(self, drafts: DraftRepository, payer: str) -> DailyBudget:
        return DailyBudget(
            drafts,
            self._today(),
            payer,
            (self.config.daily_token_budget, self.config.daily_token_budget_per_principal),
        )

    def _record(
        self,
        view: AssessmentView,
        request: DraftRequest,
        draft_id: ObjectId,
        budget: DailyBudget,
    ) -> PolicyDraftRecord:
        """The draft as stored before it is written: generating, with its job and this
        pod's lease on it (``DraftWriter``)."""
        moment = now()
        assert view.record.id is not None  # noqa: S101
        return PolicyDraftRecord(
            id=draft_id,
            organization_id=view.record.organization_id,
            assessment_id=view.record.id,
            family=request.family_key,
            title=request.family_title,
            body="",
            controls=[c.key for c in request.controls],
            gap_controls=list(request.gaps),
            commitments=[
                {
                    "key": c.key,
                    "what": c.what,
                    "text": c.wording,
                    "confirmed": c.text is not None,
                    "question": c.question,
                    "answer": c.answer,
                }
                for c in request.commitments
            ],
            criteria=sorted(request.criterion_refs),
            status="DRAFT",
            generating=True,
            generator="TEMPLATE" if self.config.llm is None else "LLM",
            prompt_version="",
            input_hash=request.input_hash(),
            created_at=moment,
            created_by=self.access.principal.subject,
            updated_at=moment,
            job=budget.job(request),
            lease_until=moment + self.writer.lease,
            attempts=1,
        )

    async def _finish_quietly(
        self, budget: DailyBudget, record: PolicyDraftRecord, request: DraftRequest
    ) -> None:
        try:
            await self.writer.finish(budget, record, request)
        except Exception as error:
            log.exception(
                "background drafting failed", draft=str(record.id), error=type(error).__name__
            )

    async def draft(
        self, assessment_id: ObjectId, control_keys: Sequence[str] | None, stream: bool
    ) -> list[PolicyDraftRecord]:
        view = await self.assessments.get(assessment_id)
        if view is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        scope = await self.access.scope(view.record.organization_id, Permission.ASSESS)
        drafts = DraftRepository(scope)
        organization = await drafts.organization()
        requests = self._requests(
            view, control_keys, organization.name if organization else "[TO CONFIRM: company name]"
        )
        budget = self._budget(drafts, await drafts.payer())
        if self.config.llm is not None:
            # Refused outright only when not even the cheapest draft fits; otherwise each
            # draft's own reservation decides (and falls back to templates when refused).
            cheapest = min(self.config.llm.cost(r) for r in requests)
            used = await drafts.tokens_used(budget.day, budget.payer)
            if any(u + cheapest > b for u, b in zip(used, budget.budgets, strict=True)):
                raise LimitExceeded("the daily drafting token budget is spent; retry tomorrow")
        # Each family's latest draft: the same inputs give it back, changed inputs a new
        # version of it (the old body kept as a revision); a family never drafted, a new one.
        latest = {d.family: d for d in await drafts.for_assessment(assessment_id)}
        event: dict[str, Any] | None = audit_event(
            self.access.principal,
            "draftPolicies",
            "Assessment",
            assessment_id,
            scope.organization_id,
            families=[r.family_key for r in requests],
        )
        records: list[PolicyDraftRecord] = []
        work: list[tuple[PolicyDraftRecord, DraftRequest]] = []
        fresh: list[PolicyDraftRecord] = []
        for request in requests:
            current = latest.get(request.family_key)
            if current is not None and current.input_hash == request.input_hash():
                records.append(current)
                continue
            if current is None:
                record = self._record(
                    view, request, family_draft_id(assessment_id, request), budget
                )
                fresh.append(record)
            else:
                fresh_version = self._record(view, request, current.id, budget)  # type: ignore[arg-type]
                subject = self.access.principal.subject
                record = await revised(drafts, fresh_version, current, subject, event)
                event = None  # written with the first change
            records.append(record)
            work.append((record, request))
        for record in fresh:
            # A family's first draft has an id derived from (assessment, family), so two
            # calls racing to draft it write one draft: the loser returns the winner's.
            try:
                await drafts.insert([record], event)
                event = None
            except Duplicate:
                stored = await drafts.draft(record.id)  # type: ignore[arg-type]
                if stored is None:
                    raise
                records = [stored if r.id == record.id else r for r in records]
                work = [(r, q) for r, q in work if r.id != record.id]
        for record, _ in work:
            self.hub.open(record.id)  # type: ignore[arg-type]
        if stream:
            for record, request in work:
                task = asyncio.create_task(self._finish_quietly(budget, record, request))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            return records
        finished = await asyncio.gather(*(self.writer.finish(budget, r, q) for r, q in work))
        done = {r.id: r for r in finished}
        return [done.get(r.id, r) for r in records]

    async def get(self, draft_id: ObjectId) -> PolicyDraftRecord | None:
        return await DraftRepository.visible(self.access, draft_id)

    async def list_for(
        self, assessment_id: ObjectId, organization_id: ObjectId
    ) -> list[PolicyDraftRecord]:
        return await DraftRepository(await self.access.scope(organization_id)).for_assessment(
            assessment_id
        )

    async def review(
        self, draft_id: ObjectId, decision: str, body: str | None, expected_version: int | None
    ) -> PolicyDraftRecord:
        record = await self.get(draft_id)
        if record is None:
            raise NotFound("policy draft not found", ("input", "draftId"))
        scope = await self.access.scope(record.organization_id, Permission.ASSESS)
        if record.generating:
            raise InvalidState("the draft is still being generated")
        if expected_version is not None and expected_version != record.version:
            raise VersionConflict(
                f"the draft is at version {record.version}, not {expected_version}; reload and "
                "retry",
                ("input", "expectedVersion"),
            )
        if body is not None and not (body.strip() and len(body.encode()) <= MAX_BODY_BYTES):
            raise InvalidInput(
                f"body must be 1 to {MAX_BODY_BYTES:,} bytes (UTF-8)", ("input", "body")
            )
        assert record.id is not None  # noqa: S101 - stored drafts have ids
        status = {"APPROVE": "APPROVED", "REJECT": "REJECTED"}[decision]
        moment = now()
        revision = PolicyDraftRevision(
            id=ObjectId(),
            organization_id=record.organization_id,
            draft_id=record.id,
            number=record.version,
            body=record.body,
            status=record.status,
            replaced_at=moment,
            replaced_by=self.access.principal.subject,
        )
        fields: dict[str, Any] = {
            "status": status,
            "updated_at": moment,
            "version": record.version + 1,
        }
        if body is not None:
            fields["body"] = body
        event = audit_event(
            self.access.principal,
            "reviewPolicyDraft",
            "PolicyDraft",
            record.id,
            scope.organization_id,
            status=status,
            edited=body is not None,
        )
        if not await DraftRepository(scope).review(record, fields, revision, event):
            raise VersionConflict(
                "the draft changed meanwhile; reload and retry", ("input", "expectedVersion")
            )
        reviewed: PolicyDraftRecord = record.model_copy(update=fields)
        return reviewed

    async def revisions(
        self, record: PolicyDraftRecord, first: int, before: int | None = None
    ) -> Page[PolicyDraftRevision]:
        """Earlier bodies of a draft the caller can read, newest first, numbered below
        ``before``."""
        scope = await self.access.scope(record.organization_id)
        return await DraftRepository(scope).revisions(record, first, before)


def family_draft_id(assessment_id: ObjectId, request: DraftRequest) -> ObjectId:
    """The id of the first draft of ``request``'s family for an assessment."""
    digest = hashlib.sha256(f"{assessment_id}:{request.family_key}".encode()).digest()
    return ObjectId(digest[:12])
