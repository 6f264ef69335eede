"""``deleteWebhook`` and ``resumeWebhook`` (OWNER)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation, require_id
from service.api.mutations.payloads import DeleteWebhookPayload, ResumeWebhookPayload
from service.api.types.webhook import Webhook


@strawberry.input(description="A webhook, by id.")
class WebhookInput:
    webhook_id: strawberry.ID = strawberry.field(description="The webhook's id.")


@payload_mutation("Remove a webhook and its deliveries; nothing more is sent (OWNER).")
async def delete(info: Info, input: WebhookInput) -> DeleteWebhookPayload:
    await info.context.webhooks.delete(
        require_id("Webhook", input.webhook_id, "webhookId", "webhook")
    )
    return DeleteWebhookPayload(deleted_webhook_id=input.webhook_id)


@payload_mutation("Deliver to a paused webhook again, starting with new events (OWNER).")
async def resume(info: Info, input: WebhookInput) -> ResumeWebhookPayload:
    record = await info.context.webhooks.resume(
        require_id("Webhook", input.webhook_id, "webhookId", "webhook")
    )
    return ResumeWebhookPayload(webhook=Webhook(record=record))
