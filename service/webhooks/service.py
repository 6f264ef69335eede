"""Registering webhooks (OWNER): create, list, read deliveries, resume, delete."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId

from service.errors import InvalidInput, InvalidState, LimitExceeded, NotFound
from service.principal import Permission
from service.storage.documents import now
from service.storage.embedding_documents import Webhook, WebhookDelivery
from service.storage.repositories.webhook import MAX_WEBHOOKS, Webhooks
from service.storage.tenancy import Access
from service.storage.writes import audit_event
from service.webhooks.signing import new_secret
from service.webhooks.targets import checked

EVENTS = ("REPORT_CHANGED", "ASSESSMENT_SUBMITTED", "DRAFT_READY")
MAX_DELIVERIES = 100


class WebhookService:
    def __init__(self, access: Access, production: bool) -> None:
        self.access = access
        self.production = production

    async def create(
        self, organization_id: ObjectId | None, url: str, events: Sequence[str]
    ) -> tuple[Webhook, str]:
        """A new webhook and its signing secret, shown this once (OWNER)."""
        scope = await self.access.scope(organization_id, Permission.ADMINISTER)
        if not events:
            raise InvalidInput("name at least one event", ("input", "events"))
        unknown = [e for e in events if e not in EVENTS]
        if unknown:
            raise InvalidInput(f"unknown event(s): {', '.join(unknown[:5])}", ("input", "events"))
        target = await checked(url, self.production)
        secret = new_secret()
        webhook = Webhook(
            id=ObjectId(),
            organization_id=scope.organization_id,
            url=target.url,
            events=list(dict.fromkeys(events)),
            secret=secret,
            created_at=now(),
            created_by=scope.principal.subject,
        )
        event = audit_event(
            scope.principal,
            "createWebhook",
            "Webhook",
            webhook.id,
            scope.organization_id,
            events=webhook.events,
        )
        if not await Webhooks(scope).create(webhook, event):
            raise LimitExceeded(f"an organisation has at most {MAX_WEBHOOKS} webhooks")
        return webhook, secret

    async def _owned(self, webhook_id: ObjectId | None) -> tuple[Webhook, Webhooks]:
        """A webhook the caller administers, or NOT_FOUND (FORBIDDEN for a member who
        may not administer it)."""
        roles = await self.access.roles()
        webhook = await Webhooks.find(list(roles), webhook_id) if webhook_id else None
        if webhook is None:
            raise NotFound("webhook not found", ("input", "webhookId"))
        scope = await self.access.scope(webhook.organization_id, Permission.ADMINISTER)
        return webhook, Webhooks(scope)

    async def delete(self, webhook_id: ObjectId | None) -> Webhook:
        webhook, webhooks = await self._owned(webhook_id)
        event = audit_event(
            self.access.principal,
            "deleteWebhook",
            "Webhook",
            webhook.id,
            webhook.organization_id,
        )
        if not await webhooks.delete(webhook.id, event):  # type: ignore[arg-type]
            raise NotFound("webhook not found", ("input", "webhookId"))
        return webhook

    async def resume(self, webhook_id: ObjectId | None) -> Webhook:
        webhook, webhooks = await self._owned(webhook_id)
        event = audit_event(
            self.access.principal,
            "resumeWebhook",
            "Webhook",
            webhook.id,
            webhook.organization_id,
        )
        if not await webhooks.resume(webhook.id, event):  # type: ignore[arg-type]
            raise InvalidState("the webhook is not paused")
        resumed = await webhooks.get(webhook.id)  # type: ignore[arg-type]
        return resumed or webhook

    async def of_organization(self, organization_id: ObjectId) -> list[Webhook]:
        scope = await self.access.scope(organization_id, Permission.ADMINISTER)
        return await Webhooks(scope).all()

    async def deliveries(self, webhook: Webhook, first: int | None) -> list[WebhookDelivery]:
        if first is not None and not 1 <= first <= MAX_DELIVERIES:
            raise InvalidInput(f"first must be 1 to {MAX_DELIVERIES}", ("first",))
        scope = await self.access.scope(webhook.organization_id, Permission.ADMINISTER)
        return await Webhooks(scope).deliveries(webhook.id, first or 20)  # type: ignore[arg-type]
