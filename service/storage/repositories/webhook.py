"""Webhooks, the outbox of changes to tell them about, and their deliveries.

``Webhooks`` is one organisation's: registering (at most ``MAX_WEBHOOKS``, counted on
the organisation in the same write, so racing registrations cannot pass it), removing
and listing. ``WebhookQueue`` is the delivery worker's: it finds what is due across
organisations by an entry key, then reads and writes each row within its organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId

from service.storage.documents import Organization, document_of
from service.storage.embedding_documents import OutboxEvent, Webhook, WebhookDelivery
from service.storage.repositories.base import Repository, Scope, TenantScope
from service.storage.writes import GuardFailed, Insert, UpdateEvery, write

MAX_WEBHOOKS = 10


def outbox_step(event: OutboxEvent) -> Insert:
    """The step that records ``event`` in the outbox, for the write of the change itself."""
    return Repository._one(event.organization_id)._insert(OutboxEvent, event)


class Webhooks(Repository):
    """The webhooks of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])
        self.organization_id = scope.organization_id

    async def create(self, webhook: Webhook, event: dict[str, Any]) -> bool:
        """Register ``webhook``; False when the organisation has ``MAX_WEBHOOKS`` already."""
        counted = self._guarded_update(
            Organization,
            {"$inc": {"webhook_count": 1}},
            webhook_count={"$not": {"$gte": MAX_WEBHOOKS}},
        )
        try:
            await write([counted, self._insert(Webhook, webhook)], event)
        except GuardFailed:
            return False
        return True

    async def delete(self, webhook_id: ObjectId, event: dict[str, Any]) -> bool:
        """Remove a webhook and its deliveries; False when it is gone already."""
        try:
            await write(
                [
                    self._guarded_delete(Webhook, _id=webhook_id),
                    self._guarded_update(Organization, {"$inc": {"webhook_count": -1}}),
                ],
                event,
            )
        except GuardFailed:
            return False
        await self._delete(WebhookDelivery, webhook_id=webhook_id)
        return True

    async def resume(self, webhook_id: ObjectId, event: dict[str, Any]) -> bool:
        """Deliver to a paused webhook again; False when it is not paused."""
        step = self._guarded_update(
            Webhook,
            {"$set": {"active": True, "paused_reason": None, "failed_in_a_row": 0}},
            _id=webhook_id,
            active=False,
        )
        try:
            await write([step], event)
        except GuardFailed:
            return False
        return True

    async def get(self, webhook_id: ObjectId) -> Webhook | None:
        return await self._find_one(Webhook, _id=webhook_id)

    async def all(self) -> list[Webhook]:
        return await self._find(
            Webhook, sort=[("organization_id", 1), ("_id", 1)], limit=MAX_WEBHOOKS * 2
        )

    async def deliveries(self, webhook_id: ObjectId, first: int) -> list[WebhookDelivery]:
        """The webhook's latest deliveries, newest first."""
        return await self._find(
            WebhookDelivery,
            sort=[("organization_id", 1), ("webhook_id", 1), ("created_at", -1)],
            limit=first,
            webhook_id=webhook_id,
        )

    @staticmethod
    async def find(organizations: Sequence[ObjectId], webhook_id: ObjectId) -> Webhook | None:
        """A webhook of one of ``organizations`` (the caller's)."""
        return await Repository(Scope.of(*organizations))._find_one(Webhook, _id=webhook_id)


class WebhookQueue(Repository):
    """What the delivery worker reads and writes, across organisations."""

    async def due_events(self, moment: datetime, limit: int) -> list[OutboxEvent]:
        return await self._find(
            OutboxEvent, by=("due_at", {"$lte": moment}), sort=[("due_at", 1)], limit=limit
        )

    async def subscribers(self, organizations: Sequence[ObjectId]) -> list[Webhook]:
        """The active webhooks of ``organizations``."""
        if not organizations:
            return []
        return await Repository(Scope.of(*organizations))._find(Webhook, active=True)

    async def fan_out(
        self, deliveries: Sequence[WebhookDelivery], events: Sequence[OutboxEvent]
    ) -> int:
        """Store ``deliveries`` (those not stored yet: their ids derive from event and
        webhook), then drop the ``events`` they came from; how many deliveries were new."""
        organizations = {d.organization_id for d in deliveries} | {
            e.organization_id for e in events
        }
        reach = Repository(Scope.of(*organizations))
        new = await reach._insert_new(WebhookDelivery, [document_of(d) for d in deliveries])
        for organization in {e.organization_id for e in events}:
            ids = [e.id for e in events if e.organization_id == organization]
            await Repository._one(organization)._delete(OutboxEvent, _id={"$in": ids})
        return new

    async def take(self, moment: datetime, lease_until: datetime) -> WebhookDelivery | None:
        """The delivery due longest, leased until ``lease_until`` with one attempt counted."""
        row = await self._lease(
            WebhookDelivery,
            {"$set": {"next_attempt_at": lease_until}, "$inc": {"attempts": 1}},
            sort=[("status", 1), ("next_attempt_at", 1)],
            by=("status", "PENDING"),
            next_attempt_at={"$lte": moment},
        )
        return WebhookDelivery.model_validate(row) if row is not None else None

    async def webhook(self, delivery: WebhookDelivery) -> Webhook | None:
        return await Repository._one(delivery.organization_id)._find_one(
            Webhook, _id=delivery.webhook_id
        )

    async def settle(self, delivery: WebhookDelivery, fields: dict[str, Any]) -> None:
        """Record an attempt's outcome on the delivery (while it still holds its lease)."""
        await Repository._one(delivery.organization_id)._update(
            WebhookDelivery,
            {"$set": fields},
            _id=delivery.id,
            attempts=delivery.attempts,
        )

    async def delivered(self, webhook: Webhook) -> None:
        if webhook.failed_in_a_row:
            await Repository._one(webhook.organization_id)._update(
                Webhook, {"$set": {"failed_in_a_row": 0}}, _id=webhook.id
            )

    async def failed(self, webhook: Webhook, reason: str, pause_after: int) -> None:
        """Count a delivery that failed for good; pause the webhook at ``pause_after``."""
        reach = Repository._one(webhook.organization_id)
        await write(
            [
                UpdateEvery(
                    Webhook,
                    reach._filter(Webhook, _id=webhook.id),
                    {"$inc": {"failed_in_a_row": 1}},
                ),
                UpdateEvery(
                    Webhook,
                    reach._filter(
                        Webhook,
                        _id=webhook.id,
                        active=True,
                        failed_in_a_row={"$gte": pause_after},
                    ),
                    {"$set": {"active": False, "paused_reason": reason}},
                ),
            ],
            None,
        )
