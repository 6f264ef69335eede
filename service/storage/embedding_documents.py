"""The documents of embedding products: webhooks, the outbox of changes to tell them
about, their deliveries, and the first responses to mutations sent with an
``Idempotency-Key``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from service.storage.documents import tenant_index


class Webhook(Document):
    """Where an organisation wants to hear of changes, and how that is going.

    The signing secret is kept as is: every delivery is signed with it, so it cannot be
    stored as a digest the way keys are. It is shown once, at creation."""

    organization_id: PydanticObjectId
    url: str
    events: list[str]
    secret: str
    active: bool = True
    # Why deliveries stopped (the last failure), set when the webhook is paused.
    paused_reason: str | None = None
    # Deliveries that failed for good since the last one that was delivered.
    failed_in_a_row: int = 0
    created_at: datetime
    created_by: str

    class Settings:
        name = "webhooks"
        indexes = [tenant_index(("_id", pymongo.ASCENDING))]


class OutboxEvent(Document):
    """A change to tell webhooks about, written in the same write as the change.

    The delivery worker fans each one out into a ``WebhookDelivery`` per subscribed webhook
    of the organisation and then deletes it; an organisation without webhooks just has its
    rows deleted. ``due_at`` leaves a moment for the change's own write to finish."""

    organization_id: PydanticObjectId
    event: str
    assessment_id: PydanticObjectId | None = None
    occurred_at: datetime
    due_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    class Settings:
        name = "webhook_outbox"
        indexes = [IndexModel([("due_at", pymongo.ASCENDING)])]


class WebhookDelivery(Document):
    """One event on its way to one webhook: the exact body sent on every attempt, and where
    it stands. Its id derives from (event, webhook), so fanning an event out twice makes one
    delivery. ``next_attempt_at`` is also the lease: a worker that takes a delivery moves it
    past the time its attempt can take, so no other worker takes it meanwhile."""

    organization_id: PydanticObjectId
    webhook_id: PydanticObjectId
    event: str
    body: str
    status: str = "PENDING"
    attempts: int = 0
    next_attempt_at: datetime
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None

    class Settings:
        name = "webhook_deliveries"
        indexes = [
            IndexModel([("status", pymongo.ASCENDING), ("next_attempt_at", pymongo.ASCENDING)]),
            tenant_index(("webhook_id", pymongo.ASCENDING), ("created_at", pymongo.DESCENDING)),
        ]


class IdempotencyRecord(Document):
    """The first response to a mutation sent with an ``Idempotency-Key``, for retries.

    Its id is the SHA-256 of (principal, key); ``request`` is the SHA-256 of the request
    body. PENDING while the first request runs, under a lease a retry may take over once
    it lapses (the pod running it died); DONE with the response stored. Expired rows go
    through the TTL index, and reads treat them as absent whatever the index's timing."""

    id: str | None = None  # type: ignore[assignment]  # a digest, not an ObjectId
    subject: str
    request: str
    state: str = "PENDING"
    lease_until: datetime
    status: int | None = None
    body: bytes | None = None
    created_at: datetime
    expires_at: datetime

    class Settings:
        name = "idempotency_keys"
        indexes = [IndexModel([("expires_at", pymongo.ASCENDING)], expireAfterSeconds=0)]


EMBEDDING_MODELS: list[type[Document]] = [Webhook, OutboxEvent, WebhookDelivery, IdempotencyRecord]
