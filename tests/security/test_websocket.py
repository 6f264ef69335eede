"""Class 4: a graphql-transport-ws socket is authorised per operation, like HTTP.

Each test runs the app on a real uvicorn on 127.0.0.1 and talks to it with a
real WebSocket client, because what is under test (a socket that outlives
its rights, a guard that closes it on time, handshake refusals) only exists
on a real connection. ``wait_for`` below guards against a hang, it does not
time anything.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pymongo import AsyncMongoClient
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from service.api import limits, websocket
from service.app import create_app
from service.settings import Settings
from service.storage.embedded import free_loopback_port
from tests.conftest import user_key
from tests.test_members_and_keys import ADD, CREATE_KEY, REMOVE, REVOKE_KEY
from tests.test_oidc import AUDIENCE, ISSUER, public_jwks, token
from tests.test_oidc import RSA as SIGNING_KEY

HANG_GUARD = 20.0
ORG = 'mutation { createOrganization(input: {name: "Sockets"}) { organization { id } } }'
MEMBERS = "query($id: ID!) { organization(id: $id) { members { subject role } } }"
KEYS = "query($id: ID!) { organization(id: $id) { apiKeys { name revokedAt } } }"


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The app on a real uvicorn in this event loop; yields ``host:port``."""
    port = free_loopback_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="error",
            ws="websockets-sansio",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None
        )
        await client.drop_database(settings.mongodb_db)
        await client.close()


class Http:
    """GraphQL over HTTP to the served app, as the holder of ``key``."""

    def __init__(self, address: str, key: str) -> None:
        self.url = f"http://{address}/graphql"
        self.key = key

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        async with httpx.AsyncClient(timeout=HANG_GUARD) as client:
            return await client.post(
                self.url,
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {self.key}"},
            )

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = (await self.raw(query, variables)).json()
        assert "errors" not in body, body
        return body["data"]


@asynccontextmanager
async def socket(address: str) -> AsyncIterator[ClientConnection]:
    async with connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        yield ws


async def init(ws: ClientConnection, bearer: str) -> dict[str, Any]:
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}})
    )
    return await receive(ws)


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), HANG_GUARD))
    return message


async def subscribe(
    ws: ClientConnection, operation_id: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"type": "subscribe", "id": operation_id, "payload": payload}))


async def result(
    ws: ClientConnection, operation_id: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The answer to a query or mutation: its ``next`` (read on to its ``complete``) or
    its ``error`` message."""
    await subscribe(ws, operation_id, query, variables)
    answer = await receive(ws)
    assert answer.get("id") == operation_id and answer["type"] in ("next", "error"), answer
    if answer["type"] == "next":
        assert await receive(ws) == {"id": operation_id, "type": "complete"}
    return answer


async def until_closed(ws: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    """Every message received until the server closes the socket, and its close code."""
    messages = []
    with suppress(ConnectionClosed):
        while True:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), HANG_GUARD)))
    return messages, ws.close_code


async def test_a_revoked_key_can_do_nothing_more_on_its_open_socket(settings: Settings) -> None:
    async with served(settings) as address:
        alice = Http(address, await user_key("user:alice"))
        org = (await alice(ORG))["createOrganization"]["organization"]["id"]
        created = (await alice(CREATE_KEY, {"org": org, "role": "OWNER"}))["createApiKey"]
        async with socket(address) as ws:
            assert (await init(ws, created["secret"]))["type"] == "connection_ack"
            read = await result(ws, "1", KEYS, {"id": org})
            assert read["payload"]["data"]["organization"]["apiKeys"][0]["revokedAt"] is None
            revoked = await alice(REVOKE_KEY, {"org": org, "id": created["apiKey"]["id"]})
            assert revoked["revokeApiKey"]["errors"] == []
            # The attack of the report: a mutation sent as a `subscribe` message.
            await subscribe(ws, "2", CREATE_KEY, {"org": org, "role": "OWNER"})
            messages, code = await until_closed(ws)
        assert code == websocket.CLOSE_UNAUTHORIZED
        assert all(message["type"] != "next" for message in messages), messages
        keys = (await alice(KEYS, {"id": org}))["organization"]["apiKeys"]
        assert len(keys) == 1 and keys[0]["revokedAt"] is not None


async def test_a_socket_whose_key_is_revoked_closes_without_sending_anything(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(websocket, "RECHECK_SECONDS", 0.2)
    async with served(settings) as address:
        alice = Http(address, await user_key("user:alice"))
        org = (await alice(ORG))["createOrganization"]["organization"]["id"]
        created = (await alice(CREATE_KEY, {"org": org, "role": "VIEWER"}))["createApiKey"]
        async with socket(address) as ws:
            assert (await init(ws, created["secret"]))["type"] == "connection_ack"
            await alice(REVOKE_KEY, {"org": org, "id": created["apiKey"]["id"]})
            messages, code = await until_closed(ws)
        assert (messages, code) == ([], websocket.CLOSE_UNAUTHORIZED)


async def test_a_removed_owner_cannot_add_an_owner_over_its_open_socket(
    settings: Settings,
) -> None:
    async with served(settings) as address:
        alice = Http(address, await user_key("user:alice"))
        org = (await alice(ORG))["createOrganization"]["organization"]["id"]
        await alice(ADD, {"org": org, "subject": "user:bob", "role": "OWNER"})
        async with socket(address) as ws:
            assert (await init(ws, await user_key("user:bob")))["type"] == "connection_ack"
            # Bob's socket has read the organisation as its OWNER before he is removed.
            members = await result(ws, "1", MEMBERS, {"id": org})
            assert {"subject": "user:bob", "role": "OWNER"} in (
                members["payload"]["data"]["organization"]["members"]
            )
            removed = await alice(REMOVE, {"org": org, "subject": "user:bob"})
            assert removed["removeMember"]["errors"] == []
            backdoor = await result(
                ws, "2", ADD, {"org": org, "subject": "user:mallory", "role": "OWNER"}
            )
            assert backdoor["payload"]["data"]["addMember"]["member"] is None
            assert backdoor["payload"]["data"]["addMember"]["errors"][0]["code"] == "NOT_FOUND"
        subjects = [
            m["subject"] for m in (await alice(MEMBERS, {"id": org}))["organization"]["members"]
        ]
        assert subjects == ["user:alice"]


async def test_a_socket_is_closed_when_its_jwt_expires(settings: Settings, tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(public_jwks(SIGNING_KEY)))
    oidc = settings.model_copy(
        update={"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_path": jwks}
    )
    # Accepted for about two more seconds: the verifier allows 60 s of clock skew past exp.
    expiring = token(exp=int(time.time()) - 58)
    async with served(oidc) as address, socket(address) as ws:
        assert (await init(ws, expiring))["type"] == "connection_ack"
        read = await result(ws, "1", "{ organizations { nodes { id } } }")
        assert read["payload"] == {"data": {"organizations": {"nodes": []}}}
        messages, code = await until_closed(ws)
        assert (messages, code) == ([], websocket.CLOSE_UNAUTHORIZED)
        http = Http(address, expiring)
        assert (await http.raw("{ organizations { nodes { id } } }")).status_code == 401


async def test_an_oversized_message_closes_the_socket(settings: Settings) -> None:
    async with served(settings) as address, socket(address) as ws:
        assert (await init(ws, await user_key("user:big")))["type"] == "connection_ack"
        query = "{ __typename }" + " " * (1024 * 1024)
        await subscribe(ws, "1", query)
        messages, code = await until_closed(ws)
        assert (messages, code) == ([], 1009)


async def test_a_socket_without_connection_init_is_closed(settings: Settings) -> None:
    async with served(settings) as address, socket(address) as ws:
        messages, code = await until_closed(ws)
    assert (messages, code) == ([], 4408)
    assert websocket.CONNECTION_INIT_SECONDS <= 5


async def test_unauthenticated_sockets_are_capped_per_pod(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(websocket, "MAX_UNAUTHENTICATED_SOCKETS", 2)
    async with served(settings) as address, socket(address) as first, socket(address):
        key = await user_key("user:crowd")
        with pytest.raises(InvalidStatus) as refused:
            async with socket(address):
                pass
        assert refused.value.response.status_code == 403
        # An authenticated socket no longer counts against the cap.
        assert (await init(first, key))["type"] == "connection_ack"
        async with socket(address) as third:
            assert (await init(third, key))["type"] == "connection_ack"


async def test_the_legacy_graphql_ws_protocol_is_not_spoken(settings: Settings) -> None:
    async with (
        served(settings) as address,
        connect(f"ws://{address}/graphql", subprotocols=["graphql-ws"]) as ws,  # type: ignore[list-item]
    ):
        messages, code = await until_closed(ws)
    assert (messages, code) == ([], 4406)


async def test_socket_operations_take_from_the_http_rate_limit(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_per_second": 0.01, "rate_limit_burst": 3})
    async with served(limited) as address:
        key = await user_key("user:hasty")
        http = Http(address, key)
        assert (await http.raw("{ __typename }")).status_code == 200
        async with socket(address) as ws:
            assert (await init(ws, key))["type"] == "connection_ack"
            assert (await result(ws, "1", "{ __typename }"))["type"] == "next"
            assert (await result(ws, "2", "{ __typename }"))["type"] == "next"
            refused = await result(ws, "3", "{ __typename }")
            assert refused["type"] == "error"
            assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
            assert refused["payload"][0]["extensions"]["retryAfter"] >= 1
        assert (await http.raw("{ __typename }")).status_code == 429


async def test_failed_connection_inits_count_as_failed_authentications(
    settings: Settings,
) -> None:
    strict = settings.model_copy(update={"auth_failure_burst": 2})
    async with served(strict) as address:
        for _ in range(2):
            async with socket(address) as ws:
                await init_refused(ws, "rk_forged_forged_forged_forged")
        # Past the allowance, even a valid key is refused before it is looked at.
        async with socket(address) as ws:
            await init_refused(ws, await user_key("user:behind-the-same-address"))
        response = await Http(address, await user_key("user:other")).raw("{ __typename }")
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1


async def init_refused(ws: ClientConnection, bearer: str) -> None:
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}})
    )
    messages, code = await until_closed(ws)
    assert (messages, code) == ([], 4403)


async def test_an_oversized_result_over_a_socket_becomes_limit_exceeded(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The response cap holds over a socket as over HTTP (lowered here to what the catalog
    listing passes)."""
    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", 300)
    big = "{ frameworks { key criteria { ref title description } } }"
    async with served(settings) as address:
        key = await user_key("user:reader")
        async with socket(address) as ws:
            assert (await init(ws, key))["type"] == "connection_ack"
            small = await result(ws, "1", "{ __typename }")
            assert small["payload"] == {"data": {"__typename": "Query"}}
            refused = await result(ws, "2", big)
            assert refused["type"] == "next"
            assert refused["payload"]["data"] is None
            [error] = refused["payload"]["errors"]
            assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
            assert "over the limit of 300 bytes" in error["message"]
        over_http = await Http(address, key).raw(big)
        assert over_http.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
