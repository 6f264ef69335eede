"""Smaller promises of identity and tenancy, each checked against the real thing: API key
secrets never stored, PLATFORM_ADMINS from settings, an organisation's latest readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pymongo import AsyncMongoClient
from starlette.applications import Starlette

from service.app import create_app
from service.settings import Settings
from tests import catalog_samples, factories
from tests.conftest import GraphQLClient, user_key


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


async def test_api_key_secrets_are_never_stored(
    alice: GraphQLClient, mongo_uri: str, db_name: str
) -> None:
    org = await factories.organization(alice, "K")
    created = (
        await alice(
            'mutation($o: ID!) { createApiKey(input: {organizationId: $o, name: "ci"}) { secret apiKey { prefix } } }',
            {"o": org},
        )
    )["data"]["createApiKey"]
    secret = created["secret"]
    assert secret.startswith("rk_") and len(secret) >= 40
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        database = client[db_name]
        for name in await database.list_collection_names():
            async for document in database[name].find({}):
                assert secret not in str(document), name
                assert secret[3:] not in str(document), name
    finally:
        await client.close()
    # The secret works, once shown; its prefix is what lists show.
    assert created["apiKey"]["prefix"] in secret


@pytest.fixture
async def admin_app(settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(settings.model_copy(update={"platform_admins": ["user:root"]}))
    async with app.router.lifespan_context(app):
        yield app


async def test_platform_admins_come_from_the_setting(admin_app: Starlette) -> None:
    transport = httpx.ASGITransport(app=admin_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        root = GraphQLClient(http, await user_key("user:root"))
        other = GraphQLClient(http, await user_key("user:other"))
        document = catalog_samples.framework()
        document["key"] = "global-by-setting"
        query = """mutation($d: String!) { importFramework(input: {document: $d}) {
          framework { key custom } errors { code } } }"""
        refused = (await other(query, {"d": yaml.safe_dump(document)}))["data"]["importFramework"]
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
        done = (await root(query, {"d": yaml.safe_dump(document)}))["data"]["importFramework"]
        assert done == {"framework": {"key": "global-by-setting", "custom": False}, "errors": []}


async def test_an_organisation_shows_its_latest_readiness(alice: GraphQLClient) -> None:
    org = await factories.organization(alice, "R")
    query = """query($o: ID!) { organization(id: $o) {
      latestReadiness { assessmentId readiness completeness } } }"""
    assert (await alice(query, {"o": org}))["data"]["organization"]["latestReadiness"] is None
    ids = []
    for name in ("first", "second"):
        created = await factories.assessment(alice, org, name=name, audit_type="TYPE_1")
        ids.append(created["id"])
    saved = await alice(
        'mutation($a: ID!) { saveAnswers(input: {assessmentId: $a, expectedVersion: 1, answers: [{questionKey: "iam.reviews", value: "yes"}]}) { assessment { readiness completeness } errors { code } } }',
        {"a": ids[0]},
    )
    payload = saved["data"]["saveAnswers"]
    assert payload["errors"] == []
    latest = (await alice(query, {"o": org}))["data"]["organization"]["latestReadiness"]
    # The most recently updated assessment, with the figures its save produced.
    assert latest == {
        "assessmentId": ids[0],
        "readiness": payload["assessment"]["readiness"],
        "completeness": payload["assessment"]["completeness"],
    }
    assert latest["readiness"] > 0
