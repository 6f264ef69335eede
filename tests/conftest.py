"""Test fixtures: one embedded MongoDB-wire server per session, a fresh database per test.

Set ``TEST_MONGODB_URI`` to run the same suite against a real MongoDB.
API tests go through the ASGI app with httpx, lifespan included.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pymongo import AsyncMongoClient, monitoring
from starlette.applications import Starlette

from service.app import create_app
from service.settings import Settings
from service.storage.embedded import EmbeddedServer
from service.storage.repositories import ApiKeyRepository
from tests import catalog_samples
from tests.fake_llm import Behaviour, serve


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("TEST_MONGODB_URI")
    if external:
        yield external
        return
    server = EmbeddedServer(tmp_path_factory.mktemp("embedded"))
    server.start()
    try:
        yield server.uri
    finally:
        server.close()


@pytest.fixture
def db_name() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def frameworks_dir() -> Path:
    """The catalog the app loads; modules override this to use a smaller one."""
    return Settings().frameworks_dir


@pytest.fixture
def mini_frameworks(tmp_path: Path) -> Path:
    """A frameworks/ folder holding only the small sample catalog."""
    root = tmp_path / "frameworks"
    (root / "mini").mkdir(parents=True)
    (root / "mini" / "framework.yaml").write_text(yaml.safe_dump(catalog_samples.framework()))
    (root / "mini" / "questionnaire.yaml").write_text(
        yaml.safe_dump(catalog_samples.questionnaire())
    )
    return root


@pytest.fixture
def settings(mongo_uri: str, db_name: str, tmp_path: Path, frameworks_dir: Path) -> Settings:
    return Settings(
        mongodb_uri=mongo_uri,
        mongodb_db=db_name,
        data_dir=tmp_path / "data",
        environment="development",
        frameworks_dir=frameworks_dir,
        # Rate limiting has its own test; elsewhere it would only make tests timing-dependent.
        rate_limit_burst=1_000_000,
    )


def make_settings(mongo_uri: str, db_name: str, frameworks: Path, **extra: Any) -> Settings:
    """Settings for an app a test builds itself (with an LLM, limits of its own...)."""
    return Settings(
        mongodb_uri=mongo_uri,
        mongodb_db=db_name,
        frameworks_dir=frameworks,
        rate_limit_burst=10**6,
        **extra,
    )


FAKE_LLM_KEY = "sk-test-key-not-real"
FAKE_LLM_MODEL = "test-model"


def fake_llm(url: str) -> dict[str, Any]:
    """The settings that draft with the fake OpenAI-compatible server at ``url``."""
    return {"openai_api_key": FAKE_LLM_KEY, "openai_base_url": url, "openai_model": FAKE_LLM_MODEL}


@pytest.fixture
def behaviour() -> Behaviour:
    """How the fake OpenAI-compatible server at ``llm_url`` answers; modules override it."""
    return Behaviour()


@pytest.fixture
def llm_url(behaviour: Behaviour) -> Iterator[str]:
    yield from serve(behaviour)


def production(settings: Settings, tmp_path: Path) -> Settings:
    """``settings`` in production: OIDC on (an empty local JWKS), local admin keys refused."""
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    return settings.model_copy(
        update={
            "environment": "production",
            "oidc_issuer": "https://issuer.test/",
            "oidc_audience": "readiness-api",
            "oidc_jwks_path": jwks,
        }
    )


class CommandCounter(monitoring.CommandListener):
    """Counts the MongoDB commands an operation sends (handshakes and pings aside)."""

    IGNORED = frozenset({"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo"})

    def __init__(self) -> None:
        self.commands: list[str] = []

    # What the background workers send when they look for work on their own (webhook
    # deliveries, drafts whose pod stopped): not part of any request's round trips.
    POLLS = frozenset(
        {
            "find webhook_outbox",
            "findAndModify webhook_deliveries",
            "findAndModify policy_drafts",
        }
    )

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in self.IGNORED:
            command = f"{event.command_name} {event.command.get(event.command_name)}"
            if command not in self.POLLS:
                self.commands.append(command)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def reset(self) -> None:
        self.commands.clear()


@pytest.fixture
def commands() -> CommandCounter:
    return CommandCounter()


@pytest.fixture
async def app(
    settings: Settings, mongo_uri: str, db_name: str, commands: CommandCounter
) -> AsyncIterator[Starlette]:
    application = create_app(settings, event_listeners=[commands])
    async with application.router.lifespan_context(application):
        yield application
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    await client.drop_database(db_name)
    await client.close()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app built from ``settings``, started (lifespan) and reached through httpx."""
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://t"
        ) as http,
    ):
        yield http


class GraphQLClient:
    """Posts GraphQL operations as one principal and returns the decoded body."""

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, expect_errors: bool = False
    ) -> dict[str, Any]:
        response = await self.raw(query, variables)
        body: dict[str, Any] = response.json()
        if not expect_errors:
            assert "errors" not in body, body
        return body

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )


async def user_key(subject: str, platform_admin: bool = False) -> str:
    """An API key that acts as the user ``subject`` (like a local admin key)."""
    _record, secret = await ApiKeyRepository().create(
        name=f"test key for {subject}",
        subject=subject,
        created_by="tests",
        platform_admin=platform_admin,
    )
    return secret


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client, await user_key("user:alice"))


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client, await user_key("user:bob"))
