"""``createWebhook``: an endpoint told of the organisation's changes (OWNER)."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import CreateWebhookPayload
from service.api.types.webhook import Webhook, WebhookEvent


@strawberry.input(description="A webhook to register.")
class CreateWebhookInput(OrganizationInput):
    url: str = strawberry.field(
        description="Where to POST (2,000 characters); in production https to a public host."
    )
    events: list[WebhookEvent] = strawberry.field(description="The events to be told of.")


@payload_mutation(
    "Register a webhook. Its signing secret is returned once; deliveries carry "
    "X-Readiness-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + '.' + body)> "
    "(OWNER; at most 10 per organisation)."
)
async def mutation(info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
    record, secret = await info.context.webhooks.create(
        input.organization(), input.url, [e.name for e in input.events]
    )
    return CreateWebhookPayload(webhook=Webhook(record=record), secret=secret)
