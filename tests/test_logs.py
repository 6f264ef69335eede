"""Logs are JSON with a request id and never carry tokens, keys or answer text."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from service.settings import Settings
from tests import factories
from tests.conftest import GraphQLClient, user_key


async def test_logs_hold_no_secrets_or_answers(
    mongo_uri: str, db_name: str, mini_frameworks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(
        Settings(mongodb_uri=mongo_uri, mongodb_db=db_name, frameworks_dir=mini_frameworks)
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            key = await user_key("user:logged")
            headers = {"Authorization": f"Bearer {key}"}

            async def gql(query: str, variables: dict | None = None) -> dict:
                return (
                    await http.post(
                        "/graphql",
                        json={"query": query, "variables": variables or {}},
                        headers=headers,
                    )
                ).json()

            user = GraphQLClient(http, key)
            org = await factories.organization(user, "Logged")
            await factories.answered_assessment(
                user,
                org,
                [{"questionKey": "iam.reviews", "value": "yes", "note": "TOP-SECRET-NOTE"}],
            )
            secret = (await factories.api_key(user, org, "k"))["secret"]
            await http.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"Authorization": "Bearer rk_wrong_wrong_wrong_wrong_wrong"},
            )
            await gql("{ organizations(first: 1000) { edges { cursor } } }")
    captured = capsys.readouterr()
    output = captured.out + captured.err
    lines = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 6
    assert all(len(line["request_id"]) == 32 for line in requests)
    for forbidden in (key, secret, "TOP-SECRET-NOTE", "rk_wrong", "Bearer"):
        assert forbidden not in output, forbidden
    # Every line is JSON, library records included (a refused page size above is one).
    for line in captured.err.splitlines():
        if line.strip():
            json.loads(line)
