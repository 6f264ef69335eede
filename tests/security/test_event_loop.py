"""No single request stalls the service (issue 13, classes 3 and 9).

The real app runs under uvicorn in a subprocess (its own interpreter, so the test's
own work cannot slow it). Each attack is fired at it while ``/healthz`` is polled;
every poll must answer within a second, and the attack must get its proper error.
The YAML nesting bomb kept the old code's event loop busy for about 20 s
(90 s at 40 KB); the 5,000-digit integers were a 500.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests import catalog_samples
from tests.conftest import user_key
from tests.servers import development_server

IMPORT = """
mutation($input: ImportCatalogDocumentInput!) { importFramework(input: $input) {
  published errors { code field message } } }
"""
CREATE_ORG = (
    "mutation($name: String!) { createOrganization(input: {name: $name}) { organization { id } } }"
)
BIG = "1" + "0" * 5000


@pytest.fixture
def server(
    app: Starlette, mongo_uri: str, db_name: str, mini_frameworks: Path, tmp_path: Path
) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1, on the test's database (``app`` set it up)."""
    data = tmp_path / "server-data"
    with development_server(
        mongo_uri, db_name, mini_frameworks, data, RATE_LIMIT_BURST="1000000"
    ) as base:
        yield base


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=60) as client:
        yield client


async def while_polling_healthz(
    http: httpx.AsyncClient, attack: Callable[[], Awaitable[Any]]
) -> tuple[Any, list[float]]:
    """Runs ``attack`` while polling /healthz; the attack's result and each poll's latency."""
    latencies: list[float] = []
    done = asyncio.Event()

    async def poll() -> None:
        async with httpx.AsyncClient(base_url=str(http.base_url), timeout=30) as probe:
            while not done.is_set() or len(latencies) < 3:
                started = time.perf_counter()
                response = await probe.get("/healthz")
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200
                await asyncio.sleep(0.05)

    poller = asyncio.create_task(poll())
    await asyncio.sleep(0.1)  # the poller is connected before the attack starts
    try:
        result = await attack()
    finally:
        done.set()
        await poller
    return result, latencies


async def import_as(
    http: httpx.AsyncClient, token: str, org: str, document: str, fmt: str
) -> dict[str, Any]:
    variables = {"input": {"organizationId": org, "format": fmt, "document": document}}
    response = await http.post(
        "/graphql",
        json={"query": IMPORT, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["importFramework"]
    return payload


def framework_with(value: str) -> dict[str, Any]:
    document = catalog_samples.framework()
    document["key"] = "attack"
    document["controls"][0]["effort_weeks"] = "__BIG__"
    return {"document": json.dumps(document).replace('"__BIG__"', value)}


ATTACKS = {
    # Flow nesting: PyYAML's simple-key bookkeeping is quadratic in the depth.
    "yaml nesting bomb": (
        "key: " + "[" * 5000 + "]" * 5000,
        "YAML",
        "LIMIT_EXCEEDED",
        "(document)",
    ),
    "json nesting bomb": (
        '{"key": ' + "[" * 20000 + "]" * 20000 + "}",
        "JSON",
        "LIMIT_EXCEEDED",
        "(document)",
    ),
    "billion laughs": (
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + "key: *i\n",
        "YAML",
        "INVALID",
        "(document)",
    ),
    "5,000-digit integer in JSON": (
        framework_with(BIG)["document"],
        "JSON",
        "INVALID",
        "controls[0].effort_weeks",
    ),
    "5,000-digit integer in YAML": (
        framework_with(BIG)["document"],  # JSON is YAML too
        "YAML",
        "INVALID",
        "controls[0].effort_weeks",
    ),
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_healthz_answers_within_a_second_during_a_hostile_import(
    http: httpx.AsyncClient, name: str
) -> None:
    document, fmt, code, path = ATTACKS[name]
    token = await user_key("user:alice")
    created = await http.post(
        "/graphql",
        json={"query": CREATE_ORG, "variables": {"name": "Acme"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    org = created.json()["data"]["createOrganization"]["organization"]["id"]

    started = time.perf_counter()
    payload, latencies = await while_polling_healthz(
        http, lambda: import_as(http, token, org, document, fmt)
    )
    refused_in = time.perf_counter() - started

    assert max(latencies) < 1.0, (name, max(latencies))
    assert payload["published"] is False
    assert payload["errors"], payload
    assert {e["code"] for e in payload["errors"]} == {code}, payload
    assert payload["errors"][0]["field"] == ["input", "document", path], payload
    assert refused_in < 10, refused_in
