"""GraphQL types of webhooks and their deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from service.api.ids import global_id
from service.webhooks.records import Webhook as WebhookRecord
from service.webhooks.records import WebhookDelivery as DeliveryRecord


@strawberry.enum(description="The changes a webhook can be told of.")
class WebhookEvent(Enum):
    REPORT_CHANGED = strawberry.enum_value(
        "REPORT_CHANGED",
        description="An assessment's readiness, a category score, the earliest report date "
        "or the set of open gaps changed.",
    )
    ASSESSMENT_SUBMITTED = strawberry.enum_value(
        "ASSESSMENT_SUBMITTED", description="An assessment was submitted."
    )
    DRAFT_READY = strawberry.enum_value(
        "DRAFT_READY", description="A policy draft finished (from the LLM or templates)."
    )


@strawberry.enum(description="Where a delivery stands.")
class DeliveryStatus(Enum):
    PENDING = strawberry.enum_value(
        "PENDING", description="Not delivered yet: waiting for its first or next attempt."
    )
    DELIVERED = strawberry.enum_value("DELIVERED", description="The receiver answered 2xx.")
    FAILED = strawberry.enum_value(
        "FAILED", description="Every attempt failed (or the webhook was paused or deleted)."
    )


@strawberry.type(description="One event sent, or being sent, to one webhook.")
class WebhookDelivery:
    record: strawberry.Private[DeliveryRecord]

    @strawberry.field(description="The delivery's id, also sent as X-Readiness-Delivery.")
    def id(self) -> strawberry.ID:
        return global_id("WebhookDelivery", self.record.id)

    @strawberry.field(description="What happened.")
    def event(self) -> WebhookEvent:
        return WebhookEvent(self.record.event)

    @strawberry.field(description="Where the delivery stands.")
    def status(self) -> DeliveryStatus:
        return DeliveryStatus(self.record.status)

    @strawberry.field(description="Attempts made so far.")
    def attempts(self) -> int:
        return self.record.attempts

    @strawberry.field(description="The HTTP status of the last attempt, if it got one.")
    def last_status_code(self) -> int | None:
        return self.record.last_status_code

    @strawberry.field(description="Why the last attempt failed, if it did.")
    def last_error(self) -> str | None:
        return self.record.last_error

    @strawberry.field(description="When the event was queued for this webhook.")
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="When the receiver accepted it.")
    def delivered_at(self) -> datetime | None:
        return self.record.delivered_at

    @strawberry.field(description="When the next attempt is due (PENDING only).")
    def next_attempt_at(self) -> datetime | None:
        return self.record.next_attempt_at if self.record.status == "PENDING" else None


@strawberry.type(
    description="An HTTPS endpoint told of an organisation's changes by signed POSTs (OWNER only)."
)
class Webhook:
    record: strawberry.Private[WebhookRecord]

    @strawberry.field(description="Global id; pass it to deleteWebhook or resumeWebhook.")
    def id(self) -> strawberry.ID:
        return global_id("Webhook", self.record.id)

    @strawberry.field(description="Where deliveries are POSTed.")
    def url(self) -> str:
        return self.record.url

    @strawberry.field(description="The events it is told of.")
    def events(self) -> list[WebhookEvent]:
        return [WebhookEvent(e) for e in self.record.events]

    @strawberry.field(
        description="False while paused: deliveries kept failing (see pausedReason); "
        "resumeWebhook starts it again."
    )
    def active(self) -> bool:
        return self.record.active

    @strawberry.field(description="Why it was paused: the last failure.")
    def paused_reason(self) -> str | None:
        return self.record.paused_reason

    @strawberry.field(description="When it was registered.")
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="Who registered it.")
    def created_by(self) -> str:
        return self.record.created_by

    @strawberry.field(description="Its latest deliveries, newest first (first: 1 to 100).")
    async def deliveries(
        self,
        info: strawberry.Info,
        first: Annotated[
            int | None, strawberry.argument(description="How many (default 20, at most 100).")
        ] = None,
    ) -> list[WebhookDelivery]:
        rows = await info.context.webhooks.deliveries(self.record, first)
        return [WebhookDelivery(record=row) for row in rows]
