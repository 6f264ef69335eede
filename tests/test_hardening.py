"""Hardening: body cap, rate limit, query limits, WebSocket authentication, production mode."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.testclient import TestClient

from service.app import create_app
from service.auth.limits import RateLimiter
from service.settings import Settings
from tests.conftest import GraphQLClient, user_key


async def test_oversized_bodies_get_413(client: httpx.AsyncClient, alice: GraphQLClient) -> None:
    big = "x" * (1024 * 1024 + 10)
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }", "pad": big},
        headers={"Authorization": f"Bearer {alice.token}"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    chunked = await client.post(
        "/graphql",
        content=chunks(),
        headers={"Authorization": f"Bearer {alice.token}", "Content-Type": "application/json"},
    )
    assert chunked.status_code == 413


def test_token_bucket() -> None:
    limiter = RateLimiter(rate_per_second=2.0, burst=3)
    assert [limiter.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=0.0) == pytest.approx(0.5)
    assert limiter.take("b", now=0.0) == 0.0
    assert limiter.take("a", now=1.0) == 0.0
    assert RateLimiter.retry_after(0.2) == "1"


async def test_rate_limited_requests_get_429_with_retry_after(mongo_uri: str, db_name: str) -> None:
    app = create_app(
        Settings(
            mongodb_uri=mongo_uri,
            mongodb_db=db_name,
            rate_limit_per_second=0.5,
            rate_limit_burst=2,
            frameworks_dir=Path("/nonexistent"),
        )
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        key = await user_key("user:hasty")
        statuses = []
        for _ in range(3):
            response = await http.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"Authorization": f"Bearer {key}"},
            )
            statuses.append(response.status_code)
        assert statuses == [200, 200, 429]
        assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert int(response.headers["retry-after"]) >= 1
        other = await http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {await user_key('user:calm')}"},
        )
        assert other.status_code == 200


def _nested(depth: int) -> str:
    inner = "name"
    for _ in range(depth):
        inner = f"criteria {{ controls {{ {inner} }} }}"
    return '{ framework(key: "soc2") { ' + inner + " } }"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (_nested(6), "exceeds maximum operation depth of 12"),
        ("{ " + " ".join(f"a{i}: __typename" for i in range(51)) + " }", "aliases"),
        ("{ " + "__typename " * 2001 + "}", "more than 2000 tokens"),
    ],
)
async def test_query_limits(alice: GraphQLClient, query: str, expected: str) -> None:
    body = await alice(query, expect_errors=True)
    assert expected.lower() in body["errors"][0]["message"].lower()


@pytest.fixture
def ws_app(mongo_uri: str, db_name: str) -> Starlette:
    return create_app(
        Settings(mongodb_uri=mongo_uri, mongodb_db=db_name, frameworks_dir=Path("/nonexistent"))
    )


def test_websocket_authenticates_in_connection_init(ws_app: Starlette) -> None:
    with TestClient(ws_app) as http:
        key = http.portal.call(user_key, "user:ws")  # type: ignore[union-attr]
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            closed = ws.receive()
            assert closed["type"] == "websocket.close"
            assert closed["code"] == 4403
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": "Bearer rk_forged_forged_forged_forged"},
                }
            )
            assert ws.receive()["code"] == 4403
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json(
                {
                    "type": "subscribe",
                    "id": "1",
                    "payload": {"query": "{ organizations { nodes { id } } }"},
                }
            )
            assert ws.receive()["code"] == 4401
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json(
                {
                    "type": "subscribe",
                    "id": "1",
                    "payload": {"query": "{ organizations { nodes { id } } }"},
                }
            )
            message = ws.receive_json()
            assert message == {
                "type": "next",
                "id": "1",
                "payload": {"data": {"organizations": {"nodes": []}}},
            }


async def test_production_hides_introspection_ide_and_error_details(
    mongo_uri: str, db_name: str, tmp_path: Path
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    app = create_app(
        Settings(
            mongodb_uri=mongo_uri,
            mongodb_db=db_name,
            environment="production",
            oidc_issuer="https://i/",
            oidc_audience="a",
            oidc_jwks_path=jwks,
            frameworks_dir=Path("/nonexistent"),
        )
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 401
        key = await user_key("user:prod")
        introspection = await http.post(
            "/graphql",
            json={"query": "{ __schema { types { name } } }"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert "introspection" in introspection.json()["errors"][0]["message"].lower()


def _failing_schema(production: bool) -> strawberry.Schema:
    """A schema with our error shaping whose resolvers fail in an unexpected way."""
    from service.api.extensions import error_shaping

    @strawberry.type
    class Query:
        @strawberry.field
        def boom(self) -> int:
            raise RuntimeError("SECRET-INTERNAL-DETAIL")

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def ticks(self) -> AsyncGenerator[int, None]:
            yield 1
            raise RuntimeError("SECRET-INTERNAL-DETAIL")

    return strawberry.Schema(
        query=Query, subscription=Subscription, extensions=[error_shaping(production)]
    )


@pytest.mark.parametrize("production", [True, False])
async def test_unexpected_errors_are_masked_in_production_also_in_subscriptions(
    production: bool,
) -> None:
    schema = _failing_schema(production)
    result = await schema.execute("{ boom }")
    assert result.errors is not None
    messages = [e.message for e in result.errors]
    stream = await schema.subscribe("subscription { ticks }")
    # Read each event as it arrives, as a WebSocket handler sends it: fixing it up later
    # would be too late for the client.
    seen: list[tuple[str, object]] = []
    async for event in stream:  # type: ignore[union-attr]
        seen += [(e.message, (e.extensions or {}).get("code")) for e in event.errors or []]
    assert seen
    messages += [m for m, _ in seen]
    codes = {(e.extensions or {}).get("code") for e in result.errors} | {c for _, c in seen}
    assert codes == {"INTERNAL_SERVER_ERROR"}
    if production:
        assert all("SECRET" not in m for m in messages), messages
    else:
        assert all("SECRET-INTERNAL-DETAIL" in m for m in messages), messages
