"""Drafts survive their pod: another pod finishes them, and any pod streams their progress.

Pod A is a real uvicorn process drafting with a slow OpenAI-compatible server on
127.0.0.1; pod B is the app in this process, on the same database.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.settings import Settings
from service.storage.drafting_documents import PolicyDraftRecord
from tests.conftest import fake_llm, make_settings, user_key
from tests.fake_llm import Behaviour
from tests.servers import uvicorn_server
from tests.test_drafting import follow, sync_assessment, sync_gql

DRAFT = """mutation($a: ID!) { draftPolicies(input: {assessmentId: $a, stream: true}) {
  drafts { id family generating } errors { code } } }"""
DRAFTS = """query($a: ID!) { assessment(id: $a) { policyDrafts { id generating body generator
  fallbackReason } } }"""
LEASE = 2.0


@contextmanager
def pod(mongo_uri: str, db_name: str, frameworks: Path, data: Path, llm: str) -> Iterator[Any]:
    """Pod A: the service in its own process; yields (base URL, process)."""
    settings = {
        "ENVIRONMENT": "development",
        "MONGODB_URI": mongo_uri,
        "MONGODB_DB": db_name,
        "FRAMEWORKS_DIR": str(frameworks),
        "DATA_DIR": str(data),
        "RATE_LIMIT_BURST": "1000000",
        **{name.upper(): value for name, value in fake_llm(llm).items()},
        "OPENAI_TIMEOUT_SECONDS": "30",
        "DRAFT_LEASE_SECONDS": str(LEASE),
    }
    with uvicorn_server(settings) as running:
        yield running


@pytest.fixture
def pod_b(mongo_uri: str, db_name: str, mini_frameworks: Path, llm_url: str) -> Settings:
    return make_settings(
        mongo_uri,
        db_name,
        mini_frameworks,
        **fake_llm(llm_url),
        draft_lease_seconds=LEASE,
        draft_recovery_poll_seconds=0.2,
    )


@pytest.fixture
def pod_a(mongo_uri: str, db_name: str, mini_frameworks: Path, tmp_path: Path, llm_url: str) -> Any:
    """Starts pod A on pod B's database, catalog and LLM server."""
    return lambda: pod(mongo_uri, db_name, mini_frameworks, tmp_path / "a", llm_url)


async def _attempts() -> list[int]:
    return [d.attempts for d in await PolicyDraftRecord.find_all().to_list()]


def _settled(gql: Any, assessment: str, seconds: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        drafts = gql(DRAFTS, {"a": assessment})["data"]["assessment"]["policyDrafts"]
        if not any(d["generating"] for d in drafts) or time.monotonic() > deadline:
            return list(drafts)
        time.sleep(0.2)


def test_a_draft_whose_pod_is_killed_is_finished_by_another_pod(
    pod_a: Any, pod_b: Settings, behaviour: Behaviour
) -> None:
    behaviour.delay = 0.5  # pod A's draft streams slowly: it is killed half-way
    with TestClient(create_app(pod_b)) as b_http:
        key = b_http.portal.call(user_key, "user:owner")  # type: ignore[union-attr]
        b = sync_gql(b_http, key)
        with pod_a() as (base, process):
            with httpx.Client(base_url=base, timeout=30) as a_http:
                a = sync_gql(a_http, key)  # type: ignore[arg-type]
                assessment = sync_assessment(a, "Acme Cloud")
                started = a(DRAFT, {"a": assessment})["data"]["draftPolicies"]
                assert started["errors"] == []
                assert all(d["generating"] for d in started["drafts"])
                deadline = time.monotonic() + 10
                while not behaviour.requests and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(0.8)  # part of the answer is streamed
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
        asked_before = len(behaviour.requests)
        behaviour.delay = 0.0
        killed_at = time.monotonic()
        drafts = _settled(b, assessment)
        assert time.monotonic() - killed_at < 60
        assert drafts and not any(d["generating"] for d in drafts)
        for draft in drafts:
            assert draft["body"].startswith("# "), draft
            assert draft["generator"] == "LLM"
        # Pod B took each over (a second attempt) and asked the model again.
        assert b_http.portal.call(_attempts) == [2] * len(drafts)  # type: ignore[union-attr]
        assert len(behaviour.requests) > asked_before


def test_progress_reaches_a_subscriber_on_another_pod(
    pod_a: Any, pod_b: Settings, behaviour: Behaviour
) -> None:
    behaviour.delay = 0.4
    with TestClient(create_app(pod_b)) as b_http:
        key = b_http.portal.call(user_key, "user:owner")  # type: ignore[union-attr]
        with pod_a() as (base, _):
            with httpx.Client(base_url=base, timeout=30) as a_http:
                a = sync_gql(a_http, key)  # type: ignore[arg-type]
                assessment = sync_assessment(a, "Acme Cloud")
                started = a(DRAFT, {"a": assessment})["data"]["draftPolicies"]["drafts"]
                access = next(d for d in started if d["family"] == "access-control")
                with b_http.websocket_connect(
                    "/graphql", subprotocols=["graphql-transport-ws"]
                ) as ws:
                    follow(ws, key, {"p": (access["id"], "text done")})
                    pieces: list[str] = []
                    while True:
                        message = ws.receive_json()
                        assert message["type"] == "next", message
                        event = message["payload"]["data"]["policyDraftProgress"]
                        if event["done"]:
                            final = event["text"]
                            break
                        pieces.append(event["text"])
        assert pieces, "no progress reached pod B before the draft was done"
        streamed = "".join(pieces)
        assert streamed.startswith('{"title"')  # the model's JSON, as pod A received it
        assert final.startswith("# Access Control Policy")
        drafts = _settled(sync_gql(b_http, key), assessment)
        assert not any(d["generating"] for d in drafts)
