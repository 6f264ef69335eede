"""Webhooks: signed deliveries from the outbox to a real receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.api.ids import decode_any
from service.settings import Settings
from service.webhooks.signing import verify
from service.webhooks.targets import TargetRefused, checked, parse, resolve
from tests import factories
from tests.conftest import GraphQLClient, make_settings, running, user_key
from tests.webhook_receiver import Receiver, receiver

DOCS = Path(__file__).resolve().parents[1] / "docs" / "embedding.md"
CREATE = """mutation($org: ID!, $url: String!, $events: [WebhookEvent!]!) {
  createWebhook(input: {organizationId: $org, url: $url, events: $events}) {
    webhook { id url events active pausedReason } secret errors { code field message } } }"""
HOOKS = """query($org: ID!) { organization(id: $org) { webhooks { id url events active
  pausedReason deliveries(first: 10) { id event status attempts lastStatusCode lastError } } } }"""
SUBMIT = """mutation($a: ID!) { submitAssessment(input: {assessmentId: $a}) {
  errors { code } } }"""


@pytest.fixture
def fast(mongo_uri: str, db_name: str, mini_frameworks: Path) -> Settings:
    return make_settings(
        mongo_uri,
        db_name,
        mini_frameworks,
        webhook_retry_base_seconds=0.05,
        webhook_poll_seconds=0.05,
    )


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


@pytest.fixture
async def alice(fast: Settings) -> AsyncIterator[GraphQLClient]:
    async with running(fast) as http:
        yield GraphQLClient(http, await user_key("user:alice"))


async def _webhook(
    client: GraphQLClient, org: str, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    body = await client(CREATE, {"org": org, "url": url, "events": events or ["REPORT_CHANGED"]})
    payload: dict[str, Any] = body["data"]["createWebhook"]
    assert payload["errors"] == [], payload
    return payload


async def _deliveries(client: GraphQLClient, org: str) -> list[dict[str, Any]]:
    hooks = (await client(HOOKS, {"org": org}))["data"]["organization"]["webhooks"]
    return [d for h in hooks for d in h["deliveries"]]


async def _settled(client: GraphQLClient, org: str, count: int) -> list[dict[str, Any]]:
    """The organisation's deliveries once ``count`` of them are no longer PENDING."""
    deadline = time.monotonic() + 20
    while True:
        deliveries = await _deliveries(client, org)
        done = [d for d in deliveries if d["status"] != "PENDING"]
        if len(done) >= count or time.monotonic() > deadline:
            return deliveries
        await asyncio.sleep(0.1)


def _signed(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The check a receiver makes, written out as docs/embedding.md shows it."""
    parts = dict(p.split("=", 1) for p in headers["x-readiness-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - int(parts["t"])) < 300
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


async def test_a_save_sends_a_signed_report_changed(alice: GraphQLClient, hook: Receiver) -> None:
    org = await factories.organization(alice, "Acme")
    created = await _webhook(alice, org, hook.url, ["REPORT_CHANGED", "ASSESSMENT_SUBMITTED"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["webhook"]["active"] is True
    assessment = await factories.answered_assessment(alice, org, {"iam.reviews": "yes"})
    (delivery,) = await hook.wait_for(1)
    assert delivery.headers["x-readiness-event"] == "REPORT_CHANGED"
    assert _signed(secret, delivery.headers, delivery.body)
    assert verify(secret, delivery.body, delivery.headers["x-readiness-signature"])
    assert not verify("whsec_other", delivery.body, delivery.headers["x-readiness-signature"])
    assert not verify(secret, delivery.body + b" ", delivery.headers["x-readiness-signature"])
    sent = json.loads(delivery.body)
    assert set(sent) == {"id", "event", "organizationId", "assessmentId", "occurredAt", "data"}
    assert (sent["event"], sent["organizationId"], sent["assessmentId"]) == (
        "REPORT_CHANGED",
        org,
        assessment,
    )
    assert decode_any(sent["id"]) is not None
    assert {"readiness", "categoryScores", "earliestReportDate", "openGaps"} <= set(sent["data"])
    assert "readiness" in sent["data"]["changed"]
    # The secret is never shown again.
    hooks = (await alice(HOOKS, {"org": org}))["data"]["organization"]["webhooks"]
    assert "secret" not in json.dumps(hooks)
    (listed,) = await _settled(alice, org, 1)
    assert listed["status"] == "DELIVERED"
    assert (listed["attempts"], listed["lastStatusCode"]) == (1, 200)
    assert listed["id"] == delivery.headers["x-readiness-delivery"]
    # A save that changes no headline figure tells nobody; a submission does.
    same = await factories.answers(
        alice,
        assessment,
        [{"questionKey": "iam.reviews", "value": "yes", "note": "n"}],
        expected_version=2,
    )
    assert same["version"] == 3
    submitted = await alice(SUBMIT, {"a": assessment})
    assert submitted["data"]["submitAssessment"]["errors"] == []
    received = await hook.wait_for(2)
    await asyncio.sleep(1.5)
    events = [r.headers["x-readiness-event"] for r in received]
    assert events[1:] == ["ASSESSMENT_SUBMITTED"], events


async def test_a_receiver_answering_500_twice_gets_it_on_the_third_attempt(
    alice: GraphQLClient, hook: Receiver
) -> None:
    hook.script = [500, 500]
    org = await factories.organization(alice, "Acme")
    await _webhook(alice, org, hook.url)
    await factories.answered_assessment(alice, org, {"iam.reviews": "yes"})
    received = await hook.wait_for(3)
    assert len({r.headers["x-readiness-delivery"] for r in received}) == 1
    assert len({r.body for r in received}) == 1  # every attempt sends the same bytes
    (listed,) = await _settled(alice, org, 1)
    assert (listed["status"], listed["attempts"], listed["lastStatusCode"]) == (
        "DELIVERED",
        3,
        200,
    )


async def test_a_webhook_that_keeps_failing_is_paused_and_says_why(
    mongo_uri: str, db_name: str, mini_frameworks: Path, hook: Receiver
) -> None:
    settings = make_settings(
        mongo_uri,
        db_name,
        mini_frameworks,
        webhook_retry_base_seconds=0.05,
        webhook_poll_seconds=0.05,
        webhook_max_attempts=2,
        webhook_pause_after_failures=1,
    )
    hook.script = [500] * 10
    async with running(settings) as http:
        alice = GraphQLClient(http, await user_key("user:alice"))
        org = await factories.organization(alice, "Acme")
        await _webhook(alice, org, hook.url)
        await factories.answered_assessment(alice, org, {"iam.reviews": "yes"})
        (failed,) = await _settled(alice, org, 1)
        assert (failed["status"], failed["attempts"], failed["lastError"]) == (
            "FAILED",
            2,
            "HTTP 500",
        )
        (paused,) = (await alice(HOOKS, {"org": org}))["data"]["organization"]["webhooks"]
        assert paused["active"] is False
        assert "2 attempts failed; the last: HTTP 500" in paused["pausedReason"]
        resumed = await alice(
            """mutation($w: ID!) { resumeWebhook(input: {webhookId: $w}) {
              webhook { active pausedReason } errors { code } } }""",
            {"w": paused["id"]},
        )
        assert resumed["data"]["resumeWebhook"]["webhook"] == {
            "active": True,
            "pausedReason": None,
        }


async def test_a_delivery_pending_when_the_service_stops_is_sent_after_it_starts(
    mongo_uri: str, db_name: str, mini_frameworks: Path, hook: Receiver
) -> None:
    # The first run's worker looks once at start-up and then sleeps past the test.
    sleepy = make_settings(mongo_uri, db_name, mini_frameworks, webhook_poll_seconds=60)
    async with running(sleepy) as http:
        alice = GraphQLClient(http, await user_key("user:alice"))
        org = await factories.organization(alice, "Acme")
        await _webhook(alice, org, hook.url)
        await factories.answered_assessment(alice, org, {"iam.reviews": "yes"})
    assert hook.received == []
    awake = make_settings(mongo_uri, db_name, mini_frameworks, webhook_poll_seconds=0.05)
    async with running(awake) as http:
        (delivery,) = await hook.wait_for(1)
        assert delivery.headers["x-readiness-event"] == "REPORT_CHANGED"


async def test_two_workers_never_send_the_same_delivery_twice(
    alice: GraphQLClient, fast: Settings, hook: Receiver
) -> None:
    from service.webhooks.worker import WebhookWorker

    org = await factories.organization(alice, "Acme")
    await _webhook(alice, org, hook.url)
    for number in range(6):
        await factories.answered_assessment(alice, org, {"iam.reviews": "yes"}, name=f"a{number}")
    # The app's own worker runs too: three workers share the queue.
    workers = [WebhookWorker(fast) for _ in range(2)]
    deadline = time.monotonic() + 20
    while len(hook.received) < 6 and time.monotonic() < deadline:
        await asyncio.gather(*(w.turn() for w in workers))
        await asyncio.sleep(0.05)
    for worker in workers:
        await worker.close()
    await asyncio.sleep(0.5)
    ids = [r.headers["x-readiness-delivery"] for r in hook.received]
    assert len(ids) == 6
    assert len(set(ids)) == 6


async def test_only_an_owner_of_the_organisation_registers_or_sees_webhooks(
    alice: GraphQLClient, hook: Receiver
) -> None:
    org = await factories.organization(alice, "Acme")
    created = await _webhook(alice, org, hook.url)
    http = alice.http
    bob = GraphQLClient(http, await user_key("user:bob"))
    refused = await bob(CREATE, {"org": org, "url": hook.url, "events": ["REPORT_CHANGED"]})
    assert refused["data"]["createWebhook"]["errors"][0]["code"] == "NOT_FOUND"
    await factories.member(alice, org, "user:carol", "ASSESSOR")
    carol = GraphQLClient(http, await user_key("user:carol"))
    refused = await carol(CREATE, {"org": org, "url": hook.url, "events": ["REPORT_CHANGED"]})
    assert refused["data"]["createWebhook"]["errors"][0]["code"] == "FORBIDDEN"
    hidden = await carol(HOOKS, {"org": org}, expect_errors=True)
    assert hidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    deleted = await bob(
        """mutation($w: ID!) { deleteWebhook(input: {webhookId: $w}) { errors { code } } }""",
        {"w": created["webhook"]["id"]},
    )
    assert deleted["data"]["deleteWebhook"]["errors"][0]["code"] == "NOT_FOUND"
    gone = await alice(
        """mutation($w: ID!) { deleteWebhook(input: {webhookId: $w}) {
          deletedWebhookId errors { code } } }""",
        {"w": created["webhook"]["id"]},
    )
    assert gone["data"]["deleteWebhook"] == {
        "deletedWebhookId": created["webhook"]["id"],
        "errors": [],
    }
    assert (await alice(HOOKS, {"org": org}))["data"]["organization"]["webhooks"] == []


async def test_bad_webhooks_are_refused_with_the_field_and_nothing_is_stored(
    alice: GraphQLClient, hook: Receiver
) -> None:
    org = await factories.organization(alice, "Acme")

    async def refused(url: str, events: list[str]) -> dict[str, Any]:
        body = await alice(CREATE, {"org": org, "url": url, "events": events})
        (error,) = body["data"]["createWebhook"]["errors"]
        return dict(error)

    for url in ("not a url", "ftp://example.com/x", "http://", "https://user:pw@example.com/"):
        error = await refused(url, ["REPORT_CHANGED"])
        assert (error["code"], error["field"]) == ("INVALID", ["input", "url"]), url
    long = await refused("https://example.com/" + "a" * 2_000, ["REPORT_CHANGED"])
    assert (long["code"], long["field"]) == ("INVALID", ["input", "url"])
    empty = await refused(hook.url, [])
    assert (empty["code"], empty["field"]) == ("INVALID", ["input", "events"])
    unknown = await alice(
        CREATE, {"org": org, "url": hook.url, "events": ["SOMETHING"]}, expect_errors=True
    )
    assert "SOMETHING" in unknown["errors"][0]["message"]
    for _ in range(10):
        await _webhook(alice, org, hook.url)
    over = await refused(hook.url, ["REPORT_CHANGED"])
    assert over["code"] == "LIMIT_EXCEEDED"
    hooks = (await alice(HOOKS, {"org": org}))["data"]["organization"]["webhooks"]
    assert len(hooks) == 10


async def test_production_accepts_only_https_to_public_addresses() -> None:
    for url in (
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "https://localhost/hook",
    ):
        with pytest.raises(Exception, match=r"https|non-public|resolve") as raised:
            await checked(url, production=True)
        assert [p.field for p in raised.value.problems] == [("input", "url")], url  # type: ignore[attr-defined]
    # Development accepts a receiver on the developer's own machine.
    assert (await checked("http://127.0.0.1:8080/hook", production=False)).port == 8080
    # And at delivery time a host that resolves inside is refused, whatever it was before.
    with pytest.raises(TargetRefused):
        await resolve(parse("https://localhost/hook", True), production=True)
    with pytest.raises(TargetRefused):
        await resolve(parse("http://10.0.0.8/hook", False), production=False)


async def test_the_signature_example_in_the_docs_verifies_a_real_delivery(
    alice: GraphQLClient, hook: Receiver
) -> None:
    docs = DOCS.read_text()
    example = docs.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(example, "embedding.md", "exec"), namespace)  # noqa: S102 - our own docs
    org = await factories.organization(alice, "Acme")
    secret = (await _webhook(alice, org, hook.url))["secret"]
    await factories.answered_assessment(alice, org, {"iam.reviews": "yes"})
    (delivery,) = await hook.wait_for(1)
    header = delivery.headers["x-readiness-signature"]
    assert namespace["verified"](secret, delivery.body, header) is True
    assert namespace["verified"](secret, delivery.body[:-1], header) is False
    stale = "t=1000," + header.split(",", 1)[1]
    assert namespace["verified"](secret, delivery.body, stale) is False


async def test_a_worker_stops_when_asked_and_a_url_it_may_not_call_is_a_failed_attempt(
    mongo_uri: str, db_name: str, mini_frameworks: Path, hook: Receiver
) -> None:
    from service.webhooks.worker import WebhookWorker

    # The app's own worker looks once at start-up, then sleeps past the test.
    sleepy = make_settings(mongo_uri, db_name, mini_frameworks, webhook_poll_seconds=60)
    async with running(sleepy) as http:
        alice = GraphQLClient(http, await user_key("user:alice"))
        org = await factories.organization(alice, "Acme")
        await _webhook(alice, org, hook.url)  # http to loopback: a development URL
        await factories.answered_assessment(alice, org, {"iam.reviews": "yes"})
        await asyncio.sleep(1.2)  # the change is due
        # A production worker meets it: refused, recorded as a failed attempt, not stuck.
        strict = WebhookWorker(sleepy.model_copy(update={"environment": "production"}))
        assert await strict.turn() is True
        (delivery,) = await _deliveries(alice, org)
        assert (delivery["status"], delivery["attempts"]) == ("PENDING", 1)
        assert "not accepted here" in delivery["lastError"]
        assert hook.received == []
        # stop() ends run() at its next turn, without a cancellation.
        looping = asyncio.create_task(strict.run())
        await asyncio.sleep(0.1)
        strict.stop()
        await asyncio.wait_for(looping, timeout=5)
        await strict.close()
