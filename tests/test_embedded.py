"""The embedded database: persistence, exclusive DATA_DIR, and riding out an outage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from service.app import create_app
from service.settings import Settings
from service.storage.embedded import EmbeddedServer, EmbeddedServerError
from tests.conftest import GraphQLClient, user_key


def test_data_survives_a_restart(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path) as server, MongoClient(server.uri) as mongo:
        mongo.keep.items.insert_one({"_id": 1, "answer": "yes"})
    with EmbeddedServer(tmp_path) as server, MongoClient(server.uri) as mongo:
        assert mongo.keep.items.find_one({"_id": 1}) == {"_id": 1, "answer": "yes"}


def test_a_second_server_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path) as first:
        second = EmbeddedServer(tmp_path)
        with pytest.raises(EmbeddedServerError, match="already in use"):
            second.start()
        # The first server is untouched and still serving.
        with MongoClient(first.uri) as mongo:
            assert mongo.admin.command("ping")["ok"] == 1.0


def test_a_store_locked_by_another_process_is_reported(tmp_path: Path) -> None:
    # Bypass our own lock to reach WiredTiger's: the child must exit with its reason.
    with EmbeddedServer(tmp_path) as first:
        intruder = EmbeddedServer(tmp_path)
        intruder._lock_file = open(tmp_path / "other.lock", "a+")  # noqa: SIM115
        try:
            with pytest.raises(EmbeddedServerError, match="exited at start"):
                intruder.start()
        finally:
            intruder.close()
        assert first.running


async def eventually_ready(http: httpx.AsyncClient, within: float = 15.0) -> bool:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if (await http.get("/readyz")).status_code == 200:
            return True
        await asyncio.sleep(0.2)
    return False


async def test_service_reports_outage_and_recovers_by_itself(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "db")
    server.start()
    settings = Settings(mongodb_uri=server.uri, mongodb_db="outage", mongodb_timeout_ms=500)
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                alice = GraphQLClient(http, await user_key("user:alice"))
                query = "{ organizations { edges { node { name } } } }"
                await alice(
                    'mutation { createOrganization(input: {name: "Kept"}) { errors { code } } }'
                )

                server.stop()
                assert (await http.get("/readyz")).status_code == 503
                body = await alice(query, expect_errors=True)
                assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
                assert "Traceback" not in str(body)

                server.start()
                # The driver rediscovers the server on its own heartbeat; no restart needed.
                assert await eventually_ready(http)
                body = await alice(query)
                assert body["data"]["organizations"]["edges"] == [{"node": {"name": "Kept"}}]
    finally:
        server.close()
