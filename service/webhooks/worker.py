"""The delivery worker every pod runs: outbox → deliveries → signed POSTs, with retries.

Each turn it (1) fans the outbox's due changes out into one delivery per subscribed
webhook (delivery ids derive from the change and the webhook, so two pods fanning out
the same change make one delivery) and deletes those changes, then (2) leases due
deliveries one at a time, atomically (``WebhookQueue.take`` moves a delivery's next
attempt past the time the attempt can take, so no other pod takes it meanwhile), and
sends them. A pod that dies mid-attempt leaves the lease to expire; another pod then
sends the delivery again, which is why receivers deduplicate on
``X-Readiness-Delivery``. A non-2xx answer, a timeout or a refused address is retried
with exponential backoff and jitter until ``WEBHOOK_MAX_ATTEMPTS``, then FAILED; after
``WEBHOOK_PAUSE_AFTER_FAILURES`` such failures in a row the webhook is paused with the
reason, which its OWNER sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
from bson import ObjectId

from service.errors import InvalidInput
from service.ids import encode_id
from service.settings import Settings
from service.storage.documents import now
from service.storage.embedding_documents import OutboxEvent, Webhook, WebhookDelivery
from service.storage.repositories.webhook import WebhookQueue
from service.telemetry import get_logger
from service.webhooks.signing import signature
from service.webhooks.targets import Target, TargetRefused, literal, parse, resolve

log = get_logger("service.webhooks")

FAN_OUT_BATCH = 200
CONCURRENT_SENDS = 8
# Beyond the send timeout, what a lease allows for claiming, resolving and recording.
LEASE_MARGIN = timedelta(seconds=20)
MAX_BACKOFF = timedelta(hours=6)
MAX_ERROR_CHARS = 300


def delivery_id(event_id: ObjectId, webhook_id: ObjectId) -> ObjectId:
    digest = hashlib.sha256(f"{event_id}:{webhook_id}".encode()).digest()
    return ObjectId(digest[:12])


def body_of(event: OutboxEvent) -> str:
    """The JSON body every webhook of the change receives, with the API's global ids."""
    assert event.id is not None  # noqa: S101 - a stored change
    return json.dumps(
        {
            "id": encode_id("WebhookEvent", event.id),
            "event": event.event,
            "organizationId": encode_id("Organization", event.organization_id),
            "assessmentId": encode_id("Assessment", event.assessment_id)
            if event.assessment_id
            else None,
            "occurredAt": event.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": event.data,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


class WebhookWorker:
    def __init__(
        self,
        settings: Settings,
        http: httpx.AsyncClient | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.production = settings.is_production
        self.queue = WebhookQueue()
        self.http = http or httpx.AsyncClient(follow_redirects=False, trust_env=False)
        self.jitter = jitter
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN
        self.stopping = False
        self._stopped = asyncio.Event()

    async def close(self) -> None:
        self.stop()
        await self.http.aclose()

    def stop(self) -> None:
        """End ``run`` at its next turn, even if a cancellation is lost in a driver call."""
        self.stopping = True
        self._stopped.set()

    async def run(self) -> None:
        """Work until stopped or cancelled; a failed turn (the database away) is logged and
        retried."""
        while not self.stopping:
            try:
                busy = await self.turn()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("webhook worker turn failed", error=type(error).__name__)
                busy = False
            if not busy:
                # Asleep until the next look, or until stopped.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._stopped.wait(), timeout=self.settings.webhook_poll_seconds
                    )

    async def turn(self) -> bool:
        """One round of fanning out and sending; whether there was anything to do."""
        fanned = await self.fan_out()
        sent = await self.send_due()
        return bool(fanned or sent)

    async def fan_out(self) -> int:
        events = await self.queue.due_events(now(), FAN_OUT_BATCH)
        if not events:
            return 0
        hooks = await self.queue.subscribers(sorted({e.organization_id for e in events}))
        moment = now()
        deliveries = [
            WebhookDelivery(
                id=delivery_id(event.id, hook.id),  # type: ignore[arg-type]
                organization_id=event.organization_id,
                webhook_id=hook.id,
                event=event.event,
                body=body_of(event),
                next_attempt_at=moment,
                created_at=moment,
            )
            for event in events
            for hook in hooks
            if hook.organization_id == event.organization_id and event.event in hook.events
        ]
        await self.queue.fan_out(deliveries, events)
        return len(events)

    async def send_due(self) -> int:
        taken: list[WebhookDelivery] = []
        for _ in range(CONCURRENT_SENDS):
            moment = now()
            delivery = await self.queue.take(moment, moment + self.lease)
            if delivery is None:
                break
            taken.append(delivery)
        await asyncio.gather(*(self.attempt(d) for d in taken))
        return len(taken)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling from the base, with
        jitter between half and one and a half of it, so retries of many deliveries spread."""
        base = self.settings.webhook_retry_base_seconds * 2 ** (attempts - 1)
        return min(timedelta(seconds=base * (0.5 + self.jitter())), MAX_BACKOFF)

    async def attempt(self, delivery: WebhookDelivery) -> None:
        webhook = await self.queue.webhook(delivery)
        if webhook is None or not webhook.active:
            reason = "the webhook was deleted" if webhook is None else "the webhook is paused"
            await self.queue.settle(delivery, {"status": "FAILED", "last_error": reason})
            return
        code, error = await self.send(webhook, delivery)
        moment = now()
        if code is not None and 200 <= code < 300:
            await self.queue.settle(
                delivery,
                {
                    "status": "DELIVERED",
                    "last_status_code": code,
                    "last_error": None,
                    "delivered_at": moment,
                },
            )
            await self.queue.delivered(webhook)
            return
        reason = (error or f"HTTP {code}")[:MAX_ERROR_CHARS]
        if delivery.attempts >= self.settings.webhook_max_attempts:
            # The webhook's count (and pause) first: whoever sees the delivery FAILED sees
            # the webhook as it stands after it.
            await self.queue.failed(
                webhook,
                f"{delivery.attempts} attempts failed; the last: {reason}",
                self.settings.webhook_pause_after_failures,
            )
            await self.queue.settle(
                delivery, {"status": "FAILED", "last_status_code": code, "last_error": reason}
            )
            return
        await self.queue.settle(
            delivery,
            {
                "last_status_code": code,
                "last_error": reason,
                "next_attempt_at": moment + self.backoff(delivery.attempts),
            },
        )

    async def send(
        self, webhook: Webhook, delivery: WebhookDelivery
    ) -> tuple[int | None, str | None]:
        """POST the delivery to the address checked just now; the status or why none."""
        try:
            target = parse(webhook.url, self.production)
            address = await resolve(target, self.production)
        except TargetRefused as refusal:
            return None, str(refusal)
        except InvalidInput as refusal:  # registered where other URLs were accepted
            return None, f"the webhook URL is not accepted here: {refusal}"
        body = delivery.body.encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "readiness-webhooks/1",
            "Host": _host_header(target),
            "X-Readiness-Event": delivery.event,
            "X-Readiness-Delivery": encode_id("WebhookDelivery", delivery.id),  # type: ignore[arg-type]
            "X-Readiness-Signature": signature(webhook.secret, body, timestamp),
        }
        host = f"[{address}]" if address.version == 6 else str(address)
        url = f"{target.scheme}://{host}:{target.port}{target.path}"
        # Connect to the address checked, and verify TLS for the webhook's own host name.
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            async with self.http.stream(
                "POST",
                url,
                content=body,
                headers=headers,
                extensions=extensions,
                timeout=self.settings.webhook_timeout_seconds,
            ) as response:
                return response.status_code, None  # the receiver's body is never read
        except httpx.TimeoutException:
            return None, f"no answer within {self.settings.webhook_timeout_seconds:g} s"
        except httpx.HTTPError as error:
            return None, f"could not deliver ({type(error).__name__})"


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if literal(target.host) and ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"
