"""Policy drafts, their revisions, and the LLM token budgets of one organisation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from bson import ObjectId

from service.principal import PrincipalKind
from service.storage.documents import ApiKey, Organization
from service.storage.drafting_documents import (
    LlmUsage,
    PolicyDraftRecord,
    PolicyDraftRevision,
    PrincipalLlmUsage,
)
from service.storage.embedding_documents import OutboxEvent
from service.storage.repositories.base import (
    Memberships,
    Page,
    Repository,
    Scope,
    TenantScope,
)
from service.storage.repositories.webhook import outbox_step
from service.storage.writes import GuardFailed, Write, write

# Drafts an assessment's listing returns: the latest ones.
LATEST_DRAFTS = 100
MAX_KEY_CHAIN = 5

# A usage row: its collection, the entry key it is reached by (None: the organisation),
# and its other key fields.
_Usage = tuple[type[Document], tuple[str, Any] | None, dict[str, Any]]


class DraftRepository(Repository):
    """Policy drafts, their revisions, and the LLM token budgets of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])
        self.scope = scope

    @staticmethod
    async def visible(access: Memberships, draft_id: ObjectId) -> PolicyDraftRecord | None:
        """A draft of any organisation ``access`` belongs to; None for another tenant's."""
        caller = Repository(Scope.of(*(await access.roles())))
        return await caller._find_one(PolicyDraftRecord, _id=draft_id)

    async def organization(self) -> Organization | None:
        return await self._find_one(Organization)

    async def for_assessment(
        self, assessment_id: ObjectId, latest: int = LATEST_DRAFTS
    ) -> list[PolicyDraftRecord]:
        """The assessment's ``latest`` drafts, oldest first (each drafting call adds one per
        policy family, so the full list has no bound)."""
        # By creation, then family (as one call drafts them): a family's first draft has an
        # id derived from its family, not from its time.
        rows = await self._find(
            PolicyDraftRecord,
            sort=[("created_at", -1), ("family", -1), ("_id", -1)],
            limit=latest,
            assessment_id=assessment_id,
        )
        return rows[::-1]

    async def draft(self, draft_id: ObjectId) -> PolicyDraftRecord | None:
        return await self._find_one(PolicyDraftRecord, _id=draft_id)

    async def insert(
        self, records: Sequence[PolicyDraftRecord], event: dict[str, Any] | None
    ) -> None:
        await write([self._insert(PolicyDraftRecord, r) for r in records], event)

    async def finish(
        self, draft_id: ObjectId, fields: dict[str, Any], ready: OutboxEvent | None = None
    ) -> None:
        """Store the finished draft, and the DRAFT_READY event for webhooks with it; the
        job, lease and progress go (a draft written twice, by a pod thought dead and by the
        one that took it over, keeps the later body: both are complete)."""
        done = {**fields, "job": None, "lease_until": None, "progress": ""}
        steps: list[Write] = [self._guarded_update(PolicyDraftRecord, {"$set": done}, _id=draft_id)]
        if ready is not None:
            steps.append(outbox_step(ready))
        try:
            await write(steps, None)
        except GuardFailed:
            return  # the draft went (its organisation was deleted) while it was written

    async def renew(self, draft_id: ObjectId, lease_until: datetime) -> None:
        """Extend the lease of a draft this pod is still writing."""
        await self._update(
            PolicyDraftRecord,
            {"$set": {"lease_until": lease_until}},
            _id=draft_id,
            generating=True,
        )

    async def save_progress(self, draft_id: ObjectId, text: str) -> None:
        await self._update(
            PolicyDraftRecord, {"$set": {"progress": text}}, _id=draft_id, generating=True
        )

    @staticmethod
    async def take_lapsed(moment: datetime, lease_until: datetime) -> PolicyDraftRecord | None:
        """A draft still generating whose pod's lease lapsed, leased now to the caller with
        one more attempt counted; None when there is none."""
        row = await Repository()._lease(
            PolicyDraftRecord,
            {"$set": {"lease_until": lease_until}, "$inc": {"attempts": 1}},
            sort=[("generating", 1), ("lease_until", 1)],
            by=("generating", True),
            lease_until={"$lte": moment},
        )
        return PolicyDraftRecord.model_validate(row) if row is not None else None

    async def review(
        self,
        record: PolicyDraftRecord,
        fields: dict[str, Any],
        revision: PolicyDraftRevision,
        event: dict[str, Any] | None,
    ) -> bool:
        """Apply a review to the version read and keep the replaced body as a revision, in
        one ordered batch with the audit event; False when the draft changed meanwhile."""
        steps: list[Write] = [
            self._guarded_update(
                PolicyDraftRecord, {"$set": fields}, _id=record.id, version=record.version
            ),
            self._insert(PolicyDraftRevision, revision),
        ]
        try:
            await write(steps, event)
        except GuardFailed:
            return False
        return True

    async def revisions(
        self, record: PolicyDraftRecord, first: int, before: int | None = None
    ) -> Page[PolicyDraftRevision]:
        """Revisions of ``record`` numbered below ``before``, newest first. Revisions kept
        inside the draft document by earlier versions come after the others (they are the
        oldest) and are numbered 1, 2, ... in the order they were written."""
        below: dict[str, Any] = {"number": {"$lt": before}} if before is not None else {}
        rows = await self._find(
            PolicyDraftRevision,
            sort=[("organization_id", 1), ("draft_id", 1), ("number", -1)],
            limit=first + 1,
            draft_id=record.id,
            **below,
        )
        if len(rows) <= first and record.revisions:
            legacy = [
                PolicyDraftRevision(
                    organization_id=record.organization_id,
                    draft_id=PydanticObjectId(record.id),
                    number=number,
                    body=str(kept["body"]),
                    status=str(kept["status"]),
                    replaced_at=kept["replaced_at"],
                    replaced_by=str(kept["replaced_by"]),
                )
                for number, kept in enumerate(record.revisions, start=1)
            ]
            rows += [r for r in reversed(legacy) if before is None or r.number < before][
                : first + 1 - len(rows)
            ]
        legacy_count = len(record.revisions)

        async def count() -> int:
            stored = await self._count(PolicyDraftRevision, draft_id=record.id)
            return stored + legacy_count

        return Page(items=rows[:first], has_next=len(rows) > first, count=count)

    # -- token budgets ---------------------------------------------------------------

    async def payer(self) -> str:
        """Whose per-principal budget a draft spends: the caller, or for an API key the
        person who created it (following keys that created keys), so that keys minted in
        new organisations bring no fresh budget."""
        principal = self.scope.principal
        subject = principal.subject
        if principal.kind is not PrincipalKind.API_KEY:
            return subject
        for _hop in range(MAX_KEY_CHAIN):
            if not subject.startswith("apikey:") or not ObjectId.is_valid(subject[7:]):
                return subject
            key = await self._row(
                ApiKey, by=("_id", ObjectId(subject[7:])), projection={"created_by": 1}
            )
            if key is None:
                return subject
            subject = str(key["created_by"])
        return subject

    def _usage(self, day: str, payer: str) -> list[_Usage]:
        """The organisation's row of the day, then the payer's."""
        return [
            (LlmUsage, None, {"day": day}),
            (PrincipalLlmUsage, ("subject", payer), {"day": day}),
        ]

    async def tokens_used(self, day: str, payer: str) -> tuple[int, int]:
        """Tokens spent or reserved today by the organisation and by ``payer``."""
        organization, principal = [
            await self._row(document, by=by, projection={"tokens": 1}, **key)
            for document, by, key in self._usage(day, payer)
        ]
        return (
            int(organization["tokens"]) if organization else 0,
            int(principal["tokens"]) if principal else 0,
        )

    async def reserve(self, day: str, payer: str, tokens: int, budgets: tuple[int, int]) -> bool:
        """Set ``tokens`` aside from the organisation's budget and the payer's, each only if
        its total stays within the budget (``budgets``: organisation, payer). Each is one
        conditional update, so concurrent reservations cannot together pass a budget; when
        the second is refused the first is given back."""
        taken: list[_Usage] = []
        for usage, budget in zip(self._usage(day, payer), budgets, strict=True):
            if not await self._take(usage, tokens, budget):
                for document, by, key in taken:
                    await self._update(document, {"$inc": {"tokens": -tokens}}, by=by, **key)
                return False
            taken.append(usage)
        return True

    async def adjust(self, day: str, payer: str, tokens: int) -> None:
        """True reservations up (or down) to the tokens actually used."""
        if tokens:
            for document, by, key in self._usage(day, payer):
                await self._update(document, {"$inc": {"tokens": tokens}}, by=by, **key)

    async def _take(self, usage: _Usage, tokens: int, budget: int) -> bool:
        """Add ``tokens`` to the usage row if it stays within ``budget``.

        The conditional ``$inc`` is atomic. The day's row is created by a plain insert
        (never by an upsert of the guarded update, which would grant a reservation past the
        budget); when another reservation inserted it first, the guarded update decides."""
        if tokens > budget:
            return False
        document, by, key = usage
        room: dict[str, Any] = {"tokens": {"$lte": budget - tokens}}
        spend = {"$inc": {"tokens": tokens}}
        if await self._update(document, spend, by=by, **key, **room):
            return True
        row = {**self._filter(document, by=by, **key), "tokens": tokens}
        if await self._insert_one(document, row, by=by[0] if by else None):
            return True
        return bool(await self._update(document, spend, by=by, **key, **room))
